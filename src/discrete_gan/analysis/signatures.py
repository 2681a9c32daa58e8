"""The published code's signatures in a run, for `verify`: properties that the paper's text
and its code differ in, measured on the trained runs, so that a change that removes one fails
the check even where the losses barely move.

- **Does the generator see the discriminator?** `d_dependence`: for each run, the generator's
  loss gradient (the paper's objective, as its variant computes it) on a batch of real names
  with its own final discriminator, and with a freshly initialised one in its place; the
  relative change |g(D) - g(D')| / |g(D)|, in float64. The published code's broadcast makes it
  zero up to rounding (`d_free`: below D_FREE_MAX); the text's loss moves with D.
- **Can the generator emit the start symbol?** The count of `.` in each run's names forced to
  max_steps letters (which never hold `$`): the published code's softmax includes `.`, the
  text's does not (`start_in_forced`).

`results/signatures_runs.csv` holds one row per run, `results/signatures.csv` one per variant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from discrete_gan.data.names import read_sample_names
from discrete_gan.data.vocab import START
from discrete_gan.model.networks import Discriminator, init_uniform_
from discrete_gan.training.runs import load_checkpoint, run_dir
from discrete_gan.training.train import variant_objective

D_FREE_MAX = 1e-9  # float64 rounding of a gradient that does not depend on D
DEPENDENCE_COLUMNS = ["variant", "seed", "relative_change"]
RUN_COLUMNS = [*DEPENDENCE_COLUMNS, "start_symbols"]
SUMMARY_COLUMNS = ["variant", "d_change_max", "d_change_median", "d_free", "start_symbols"]
SUMMARY_COLUMNS += ["start_in_forced"]


def generator_gradient(generator, discriminator, ids: torch.Tensor) -> torch.Tensor:
    """The flat gradient of the generator's loss (the paper's objective, as its variant computes
    it) on real names ids (batch, real_steps), with `discriminator` judging them; float64."""
    model = generator.config
    with torch.no_grad():
        logits = discriminator(ids)
    generator.zero_grad()
    log_p = generator.log_likelihood(ids, whole=model.code_data)
    variant_objective(model, "is_gan").loss(logits, log_p, None).backward()
    return torch.cat([p.grad.reshape(-1) for p in generator.parameters()])


def d_dependence(
    folders: Mapping[str, Path], seeds: Sequence[int], names: Sequence[str], batch: int
) -> pd.DataFrame:
    """Per variant (a folder of runs) and seed, the relative change of the generator's gradient
    on `batch` real names (drawn with the seed) when its discriminator is swapped for a fresh
    one initialised from the seed."""
    rows = []
    for variant, folder in folders.items():
        for seed in seeds:
            _, generator, discriminator = load_checkpoint(run_dir(folder, seed) / "checkpoint.pt")
            generator, discriminator = generator.double(), discriminator.double()
            model = generator.config
            rng = torch.Generator().manual_seed(seed)
            picked = torch.randperm(len(names), generator=rng)[:batch].tolist()
            ids = model.vocab.encode_batch([names[i] for i in picked], model.real_steps)
            fresh = Discriminator(model).double()
            init_uniform_(fresh, model.hidden_size, rng)
            own = generator_gradient(generator, discriminator, ids)
            other = generator_gradient(generator, fresh, ids)
            change = float((own - other).norm() / own.norm())
            rows.append((variant, seed, change))
    return pd.DataFrame(rows, columns=DEPENDENCE_COLUMNS)


def start_symbols(forced: Sequence[str]) -> int:
    """How many start symbols a run's forced names hold."""
    return sum(name.count(START) for name in forced)


def run_signatures(
    folders: Mapping[str, Path], seeds: Sequence[int], names: Sequence[str], batch: int
) -> pd.DataFrame:
    """One row per variant and run: its generator's dependence on D and its start symbols."""
    table = d_dependence(folders, seeds, names, batch)
    table["start_symbols"] = [
        start_symbols(read_sample_names(run_dir(folders[variant], seed) / "forced.txt"))
        for variant, seed in zip(table["variant"], table["seed"])
    ]
    return table[RUN_COLUMNS]


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: the largest and the median dependence on D, whether it is zero up
    to rounding, and the start symbols of its forced names, summed over runs."""
    rows = []
    for variant, group in runs.groupby("variant", sort=False):
        change = group["relative_change"].to_numpy(float)
        count = int(group["start_symbols"].sum())
        rows.append((variant, float(change.max()), float(np.median(change)),
                     bool(change.max() < D_FREE_MAX), count, count > 0))  # fmt: skip
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
