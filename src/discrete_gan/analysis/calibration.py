"""Runs pooled from many seed sets, and the checked values of sets resampled from the pool.

`scripts/calibrate_bands.py` runs a config on many disjoint seed sets. This module reads what
each set left, run by run (per variant: losses, samples, forced names and final accuracies;
the length check's final losses; the held-out curves of the comparison runs that share a
variant's generator), and recomputes, for any set of runs drawn from that pool, the values
`verify` checks, with the package's own definitions:

- `paper_units[V].ln_d_mean`, `.ln_g_mean`: ln of the mean over the set's runs of the final
  epoch's D and G loss (the paper's plotted ln of the mean); `.ln_d_median`: of the median run;
- `paper_units[length only].ln_d_mean`: the same over the length check's discriminators;
- `lengths[V].generated_minus_real`: the figure run's mean generated length (its first
  n_lengths names) minus the real names' mean, which the data alone fixes;
- `claims[V/N].verdict`: each claim's verdict by `claim_rules`;
- `signatures[V].d_free`, `.start_in_forced`: whether every run's generator gradient is free
  of its discriminator, and whether any forced name holds the start symbol (`signatures`).

A set's values recomputed here equal its workflow tables (the script checks that for every
set), so resampled sets, drawn without replacement from the pooled runs, show how often a
correct program's value leaves a band, or its verdict changes, in sets no run has measured.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from discrete_gan.analysis.claims import (
    VariantData,
    read_heldout_curves,
    read_variant,
    variant_claims,
)
from discrete_gan.analysis.signatures import D_FREE_MAX, RUN_COLUMNS
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.vocab import name_length
from discrete_gan.fileio import UserError, read_table

LENGTH_ONLY = "length only"


@dataclass(frozen=True)
class RunData:
    """What the checks read of one run."""

    losses: pd.DataFrame  # columns epoch, d_loss, g_loss (and g_own where logged)
    samples: list[str]
    forced: list[str]
    accuracy: dict
    d_change: float = math.nan  # the generator's gradient's dependence on D (signatures)
    start_symbols: int = 0  # start symbols in its forced names


@dataclass(frozen=True)
class SetShape:
    """How many runs a set draws: per variant, per held-out curve group, per length check."""

    runs: int
    heldout: int
    length_check: int


@dataclass
class Pool:
    """Runs of many seed sets, pooled: per variant its runs, the held-out curves of the runs
    sharing its generator, and the length check's final D losses."""

    runs: dict[str, list[RunData]]
    heldout: dict[str, list[pd.DataFrame]]
    length_check: list[float]
    real_names: list[str]
    real_mean: float
    n_lengths: int
    window: int

    def extend(self, other: Pool) -> None:
        """Add another set's runs to this pool."""
        for variant, runs in other.runs.items():
            self.runs.setdefault(variant, []).extend(runs)
        for variant, curves in other.heldout.items():
            self.heldout.setdefault(variant, []).extend(curves)
        self.length_check.extend(other.length_check)


def read_runs(
    runs_dir: Path, seeds: Sequence[int], signatures: pd.DataFrame | None = None
) -> list[RunData]:
    """The runs of one variant's folder, one RunData per seed, in the order of `seeds`, with
    their signatures (rows of signatures_runs.csv indexed by seed) where given."""
    runs = []
    for seed in seeds:
        data = read_variant(runs_dir, [seed])
        losses = data.losses.drop(columns="seed").reset_index(drop=True)
        run = RunData(losses, data.samples[seed], data.forced[seed], data.accuracies[0])
        if signatures is not None:
            row = signatures.loc[seed]
            run = replace(
                run, d_change=float(row["relative_change"]), start_symbols=int(row["start_symbols"])
            )
        runs.append(run)
    return runs


def read_signatures(path: Path) -> dict[str, pd.DataFrame] | None:
    """signatures_runs.csv as {variant: rows indexed by seed}; None where there is none."""
    if not path.is_file():
        return None
    table = read_table(path, RUN_COLUMNS, "signatures table", "rerun the signatures step")
    return {variant: rows.set_index("seed") for variant, rows in table.groupby("variant")}


def read_length_check(path: Path) -> list[float]:
    """The final D loss of each length-check discriminator, from its JSON summary."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        return [float(run["final_d_loss"]) for run in record["runs"]]
    except (OSError, KeyError, TypeError, ValueError) as err:
        raise UserError(f"cannot read the length check's runs from {path} ({err}).") from None


def read_set(
    workdir: Path,
    variants: Sequence[str],
    seeds: Sequence[int],
    heldout: Mapping[str, Sequence[Path]],
    real_mean: float,
    n_lengths: int,
    window: int,
) -> Pool:
    """One finished seed set of a workflow copy in `workdir`, as a pool."""
    signatures = read_signatures(workdir / "results/signatures_runs.csv")
    runs = {
        v: read_runs(workdir / f"results/{v}/runs", seeds, signatures and signatures[v])
        for v in variants
    }
    curves = {v: read_heldout_curves([workdir / p for p in paths]) for v, paths in heldout.items()}
    return Pool(
        runs=runs,
        heldout=curves,
        length_check=read_length_check(workdir / "results/length_check.json"),
        real_names=read_corpus_names(workdir / "data/processed/names.txt"),
        real_mean=real_mean,
        n_lengths=n_lengths,
        window=window,
    )


def variant_data(runs: Sequence[RunData]) -> VariantData:
    """The claims' input for a set of runs, their seeds relabelled 0..len(runs)-1."""
    losses = pd.concat([run.losses.assign(seed=k) for k, run in enumerate(runs)])
    columns = ["seed", *(c for c in runs[0].losses.columns if c != "seed")]
    losses = losses[columns].reset_index(drop=True)
    return VariantData(
        losses=losses,
        samples={k: run.samples for k, run in enumerate(runs)},
        forced={k: run.forced for k, run in enumerate(runs)},
        accuracies=[run.accuracy for run in runs],
    )


def final_mean_log(runs: Sequence[RunData], column: str, statistic=np.mean) -> float:
    """ln of the mean (or another statistic) over runs of the final epoch's `column`."""
    finals = [float(run.losses[column].iloc[-1]) for run in runs]
    value = float(statistic(finals))
    return math.log(value) if value > 0 else float("nan")


def set_values(
    pool: Pool,
    runs: Mapping[str, Sequence[RunData]],
    heldout: Mapping[str, Sequence[pd.DataFrame]],
    length_check: Sequence[float],
) -> dict[str, object]:
    """Every checked value of one set of runs, keyed `table[row].column` as verify prints it;
    the figure run is each variant's first run."""
    values: dict[str, object] = {}
    for variant, chosen in runs.items():
        values[f"paper_units[{variant}].ln_d_mean"] = final_mean_log(chosen, "d_loss")
        values[f"paper_units[{variant}].ln_g_mean"] = final_mean_log(chosen, "g_loss")
        values[f"paper_units[{variant}].ln_d_median"] = final_mean_log(chosen, "d_loss", np.median)
        generated = [name_length(name) for name in chosen[0].samples[: pool.n_lengths]]
        values[f"lengths[{variant}].generated_minus_real"] = (
            float(np.mean(generated)) - pool.real_mean
        )
        claims = variant_claims(
            variant,
            variant_data(chosen),
            pool.real_names,
            pool.window,
            heldout.get(variant, ()),
        )
        for claim in claims:
            values[f"claims[{variant}/{claim.number}].verdict"] = claim.verdict
        if not any(math.isnan(run.d_change) for run in chosen):
            values[f"signatures[{variant}].d_free"] = max(r.d_change for r in chosen) < D_FREE_MAX
            values[f"signatures[{variant}].start_in_forced"] = (
                sum(r.start_symbols for r in chosen) > 0
            )
    mean = float(np.mean(length_check))
    values[f"paper_units[{LENGTH_ONLY}].ln_d_mean"] = math.log(mean) if mean > 0 else math.nan
    return values


def pick(items: Sequence, count: int, rng: np.random.Generator, replace: bool = False) -> list:
    """`count` items drawn at random, in the order drawn: distinct ones, or with replacement
    (a bootstrap sample)."""
    if count > len(items) and not replace:
        raise UserError(f"cannot draw {count} runs from a pool of {len(items)}.")
    return [items[i] for i in rng.choice(len(items), size=count, replace=replace)]


def resample(
    pool: Pool, shape: SetShape, draws: int, seed: int, replace: bool = False
) -> pd.DataFrame:
    """The checked values of `draws` sets drawn from the pool, one row per set: runs drawn
    without replacement from many sets' pool, or with it (`replace`, the bootstrap) from one
    reference run's."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(draws):
        runs = {v: pick(r, shape.runs, rng, replace) for v, r in pool.runs.items()}
        heldout = {v: pick(c, shape.heldout, rng, replace) for v, c in pool.heldout.items()}
        length_check = pick(pool.length_check, shape.length_check, rng, replace)
        rows.append(set_values(pool, runs, heldout, length_check))
    return pd.DataFrame(rows)
