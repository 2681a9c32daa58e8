"""From measured values to `verify`'s checks: what a finished run's tables hold, keyed as verify
prints a check (`table[row].column`), and the entries of an expectations file.

`scripts/calibrate_bands.py` (the CI config, many seed sets) and `scripts/calibrate_full.py`
(the full config, one reference run resampled) both read runs this way, confirm that
`calibration` recomputes every value from the runs exactly as the workflow's tables hold it,
and write their checks with these helpers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from discrete_gan.analysis.bands import Band, flip_bound
from discrete_gan.analysis.calibration import LENGTH_ONLY
from discrete_gan.analysis.verify import load_tables, plain
from discrete_gan.fileio import UserError

# paper_units columns checked per variant (ln of the mean over runs of the final D and G loss)
UNIT_COLUMNS = ("ln_d_mean", "ln_g_mean")
# ln of the median run's final D loss: the typical run, which a few outlier runs cannot move
MEDIAN_COLUMN = "ln_d_median"
LENGTH_COLUMNS = ("generated_minus_real", "real_mean")
SIGNATURE_COLUMNS = ("d_free", "start_in_forced")
# Checks of a value that is not a number (a verdict, a yes or no): expected, never banded.
EXPECTED_TABLES = ("claims[", "signatures[")


def table_values(results: Path, variants: Sequence[str]) -> dict[str, object]:
    """The checked values of a finished run, read from its tables in `results`."""
    lengths = {v: results / f"{v}/lengths.csv" for v in variants}
    signatures = results / "signatures.csv"
    tables = load_tables(
        results / "paper_units.csv",
        results / "claims.csv",
        lengths,
        signatures if signatures.is_file() else None,
    )
    units, values = tables["paper_units"], {}
    for row in [*variants, LENGTH_ONLY]:
        for column in UNIT_COLUMNS if row != LENGTH_ONLY else UNIT_COLUMNS[:1]:
            values[f"paper_units[{row}].{column}"] = float(units.at[row, column])
        if row != LENGTH_ONLY and MEDIAN_COLUMN in units:  # tables written since it was kept
            values[f"paper_units[{row}].{MEDIAN_COLUMN}"] = float(units.at[row, MEDIAN_COLUMN])
    for variant in variants:
        for column in LENGTH_COLUMNS:
            values[f"lengths[{variant}].{column}"] = float(tables["lengths"].at[variant, column])
    for row in tables["claims"].index:
        values[f"claims[{row}].verdict"] = plain(tables["claims"].at[row, "verdict"])
    for row in tables["signatures"].index:
        for column in SIGNATURE_COLUMNS:
            values[f"signatures[{row}].{column}"] = plain(tables["signatures"].at[row, column])
    return values


def check_recomputed(tables: dict, recomputed: dict, where: Path) -> None:
    """Every value recomputed from the runs equals the run's table, or a UserError names it."""
    for key, value in recomputed.items():
        table = tables[key]
        if isinstance(value, str):
            same = value == table
        else:
            same = math.isclose(value, table, rel_tol=1e-9, abs_tol=1e-12)
        if not same:
            raise UserError(
                f"{key} is {table} in the tables of {where} but {value} recomputed from its "
                "runs; the calibration no longer computes what the workflow does."
            )


def split_key(key: str) -> tuple[str, str, str]:
    """(table, row, column) of a key written `table[row].column`."""
    table, rest = key.split("[", 1)
    row, column = rest.rsplit("].", 1)
    return table, row, column


def rounded(band: Band) -> list[float]:
    """The band rounded outwards to 4 decimals, so rounding never narrows it."""
    return [math.floor(band.low * 1e4) / 1e4, math.ceil(band.high * 1e4) / 1e4]


def band_check(key: str, band: Band, source: str) -> dict:
    """An expectations entry: the value at `key` lies in the band."""
    table, row, column = split_key(key)
    return {"table": table, "row": row, "column": column, "band": rounded(band), "source": source}


def expect_check(key: str, expected: object, source: str) -> dict:
    """An expectations entry: the value at `key` equals `expected`."""
    table, row, column = split_key(key)
    expected = plain(expected)  # a numpy bool or string as YAML writes a plain one
    return {"table": table, "row": row, "column": column, "expect": expected, "source": source}


def outside(values: pd.Series, band: Band) -> int:
    """How many of `values` lie outside the band."""
    values = values.astype(float)
    return int(((values < band.low) | (values > band.high)).sum())


def verdict_changes(expected: object, draws: pd.Series) -> tuple[int, float]:
    """(how many resampled sets gave another verdict, the 95 % bound on its change rate)."""
    flips = int((draws != expected).sum())
    return flips, flip_bound(flips, len(draws))
