"""Aggregate per-run outputs into the tables behind Figures 5 and 6 and the diagnostics plot.

`losses` stacks every run's epoch losses and keeps, per epoch, the minimum, mean and maximum over
runs (Figure 5), and their median and quartiles. `diagnostics` does the same for the importance
weights' effective sample size and the mean length of the names carrying half the weight.
`lengths` counts the name lengths of n generated names against n real names drawn at random
from the corpus (Figure 6); a name's length is its number of letters, so a sequence that goes
on after `$` (the paper_code variant) counts its non-`$` symbols.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from discrete_gan.data.vocab import name_length
from discrete_gan.fileio import UserError, atomic_path, read_table

LOSS_COLUMNS = ("epoch", "d_loss", "g_loss")
SUMMARY_COLUMNS = ["epoch", "n_runs", "d_min", "d_mean", "d_max", "g_min", "g_mean", "g_max"]
# The per-run distribution behind each mean: its median and quartiles, per epoch (a mean of
# losses spanning orders of magnitude follows its few largest runs).
QUARTILES = {"q25": 0.25, "median": 0.5, "q75": 0.75}
DIAGNOSTIC_COLUMNS = ("ess", "half_weight_length")
DIAGNOSTICS_SUMMARY_COLUMNS = [
    "epoch",
    "n_runs",
    *(f"{column}_{stat}" for column in DIAGNOSTIC_COLUMNS for stat in ("min", "mean", "max")),
]
LENGTH_COLUMNS = ["source", "length", "count"]


def read_losses(path: Path, columns: tuple[str, ...] = LOSS_COLUMNS) -> pd.DataFrame:
    """Read one run's losses.csv (its epoch column and `columns`), sorted by epoch, after
    checking columns and values."""
    columns = ["epoch", *(c for c in columns if c != "epoch")]
    fix = "rerun its training step"
    values = read_table(path, columns, "losses file", fix, numeric=columns)[columns]
    if (values["epoch"] % 1 != 0).any() or values["epoch"].duplicated().any():
        raise UserError(f"losses file {path} has a non-integer or repeated epoch.")
    values["epoch"] = values["epoch"].astype(int)
    return values.sort_values("epoch", ignore_index=True)


def safe_log(values) -> np.ndarray:
    """Natural log, NaN where a value is not positive (a loss of exactly 0 has no log)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    np.log(values, out=out, where=values > 0)
    return out


def summarise_losses(paths: list[Path], columns: dict[str, str] | None = None) -> pd.DataFrame:
    """Per epoch: number of runs and the min, mean and max over runs of each column of
    `columns` ({column: prefix of its summary columns}; by default both losses)."""
    columns = columns or {"d_loss": "d", "g_loss": "g"}
    if not paths:
        raise UserError("no losses files given; pass at least one with --runs.")
    tables = [read_losses(Path(path), tuple(columns)) for path in paths]
    epochs = tables[0]["epoch"].to_numpy()
    for path, table in zip(paths[1:], tables[1:], strict=True):
        if not np.array_equal(table["epoch"].to_numpy(), epochs):
            raise UserError(f"losses file {path} covers other epochs than {paths[0]}.")
    summary = pd.DataFrame({"epoch": epochs, "n_runs": len(tables)})
    quartiles = {}
    for column, prefix in columns.items():
        stacked = np.stack([table[column].to_numpy(dtype=float) for table in tables])  # (runs, E)
        summary[f"{prefix}_min"] = stacked.min(axis=0)
        summary[f"{prefix}_mean"] = stacked.mean(axis=0)
        summary[f"{prefix}_max"] = stacked.max(axis=0)
        for name, q in QUARTILES.items():
            quartiles[f"{prefix}_{name}"] = np.quantile(stacked, q, axis=0)
    return pd.concat([summary, pd.DataFrame(quartiles)], axis=1)


def summarise_diagnostics(paths: list[Path]) -> pd.DataFrame:
    """Per epoch: number of runs and the min, mean and max over runs of the is_gan weight
    diagnostics `ess` and `half_weight_length`."""
    summary = summarise_losses(paths, {column: column for column in DIAGNOSTIC_COLUMNS})
    return summary[DIAGNOSTICS_SUMMARY_COLUMNS]


def draw_real(real_pool: list[str], n: int, seed: int) -> list[str]:
    """Draw n real names without replacement, reproducibly from `seed`."""
    if n > len(real_pool):
        raise UserError(f"cannot draw {n} real names from a corpus of {len(real_pool)}; lower -n.")
    picks = np.random.default_rng(seed).choice(len(real_pool), size=n, replace=False)
    return [real_pool[i] for i in picks]


def length_table(generated: list[str], real_pool: list[str], n: int, seed: int) -> pd.DataFrame:
    """Long table (source, length, count) for the first n generated and n random real names.

    Every length from 0 to the longest name of either source appears for both sources, with zero
    counts included, so grouped bars line up.
    """
    if n < 1:
        raise UserError(f"-n must be at least 1, got {n}.")
    if n > len(generated):
        raise UserError(f"asked for {n} generated names but only {len(generated)} exist; lower -n.")
    names = {"generated": generated[:n], "real": draw_real(real_pool, n, seed)}
    lengths = {
        source: np.array([name_length(name) for name in group]) for source, group in names.items()
    }
    longest = max(int(values.max()) for values in lengths.values())
    rows = [
        (source, length, int((values == length).sum()))
        for source, values in lengths.items()
        for length in range(longest + 1)
    ]
    return pd.DataFrame(rows, columns=LENGTH_COLUMNS)


def mean_lengths(table: pd.DataFrame) -> dict[str, float]:
    """Mean name length per source, computed from a length table."""
    weighted = table.assign(total=table["length"] * table["count"]).groupby("source")
    sums = weighted[["total", "count"]].sum()
    return (sums["total"] / sums["count"]).to_dict()


def write_csv(table: pd.DataFrame, out: Path, float_format: str | None = None) -> None:
    """Write a table as CSV atomically (floats as `float_format`, else in full)."""
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, float_format=float_format)
