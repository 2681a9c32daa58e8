"""Split the distinct names into a training part and a held-out part, seeded.

`discrete-gan split --names data/processed/names.txt --heldout-fraction 0.1 --seed 0
--train-out .../train.txt --heldout-out .../heldout.txt`. A name is never on two sides: the
distinct names are shuffled with the seed and the first `heldout_fraction` of them are held out.
Several fractions and as many `--heldout-out` files make several disjoint held-out parts (the
benchmark's validation and test names), taken one after another from the same shuffle.
The training part keeps every occurrence of its names (a name in both corpus files stays twice,
as in the replication's training data); the held-out part lists each held-out name once.
"""

from __future__ import annotations

import math

import torch

from discrete_gan.fileio import UserError


def split_parts(
    names: list[str], fractions: list[float], seed: int
) -> tuple[list[str], list[list[str]]]:
    """(training names in corpus order, [held-out part, ...]) of `names`: the distinct names are
    shuffled with `seed`; each part takes the next ceil(fraction * distinct) of them, sorted."""
    if not fractions or not all(0 < f < 1 for f in fractions):
        raise UserError(f"held-out fractions must lie strictly between 0 and 1, not {fractions}")
    distinct = sorted(set(names))
    sizes = [math.ceil(f * len(distinct)) for f in fractions]
    if sum(sizes) >= len(distinct):
        raise UserError(
            f"holding out {' + '.join(map(str, fractions))} of {len(distinct)} distinct names "
            "leaves none to train on; lower the held-out fractions"
        )
    order = torch.randperm(len(distinct), generator=torch.Generator().manual_seed(seed)).tolist()
    parts, start = [], 0
    for size in sizes:
        parts.append(sorted(distinct[i] for i in order[start : start + size]))
        start += size
    held = set().union(*parts)
    return [name for name in names if name not in held], parts


def split_names(names: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(training names in corpus order, held-out distinct names sorted) of `names`."""
    train, (heldout,) = split_parts(names, [fraction], seed)
    return train, heldout
