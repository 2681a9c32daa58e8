"""Split the distinct names into a training part and a held-out part, seeded.

`discrete-gan split --names data/processed/names.txt --heldout-fraction 0.1 --seed 0
--train-out .../train.txt --heldout-out .../heldout.txt`. A name is never on both sides: the
distinct names are shuffled with the seed and the first `heldout_fraction` of them are held out.
The training part keeps every occurrence of its names (a name in both corpus files stays twice,
as in the replication's training data); the held-out part lists each held-out name once.
"""

from __future__ import annotations

import math

import torch

from discrete_gan.fileio import UserError


def split_names(names: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(training names in corpus order, held-out distinct names sorted) of `names`."""
    if not 0 < fraction < 1:
        raise UserError(f"heldout_fraction must lie strictly between 0 and 1, not {fraction}")
    distinct = sorted(set(names))
    n_heldout = math.ceil(fraction * len(distinct))
    if n_heldout >= len(distinct):
        raise UserError(
            f"holding out {fraction} of {len(distinct)} distinct names leaves none to train on; "
            "lower heldout_fraction"
        )
    order = torch.randperm(len(distinct), generator=torch.Generator().manual_seed(seed))
    heldout = {distinct[i] for i in order[:n_heldout].tolist()}
    return [name for name in names if name not in heldout], sorted(heldout)
