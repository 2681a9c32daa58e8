"""Check a finished run's numbers against expectations kept in version control.

An expectations file (`config/expectations/*.yaml`, named by the config key `expectations`)
lists checks. Each reads one value from a results table and compares it with a band (`band:
[low, high]`, inclusive) or a value (`expect:`), and says where that expectation came from
(`source:`): the paper's figures read with their tolerance, or this project's own measured
runs. The tables:

- `paper_units`: results/paper_units.csv, one row per variant (and "length only", "paper");
- `claims`: results/claims.csv, row "<variant>/<claim number>";
- `lengths`: each variant's results/<variant>/lengths.csv, row "<variant>", columns
  `generated_mean`, `real_mean` and `generated_minus_real` (mean name length in letters);
- `signatures`: results/signatures.csv, row "<variant>": whether its generator's gradient is
  free of the discriminator (`d_free`) and its forced names hold the start symbol
  (`start_in_forced`), with the numbers behind them (`analysis/signatures.py`).

Every check prints one line; any failure ends the step with a summary sentence.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from discrete_gan.analysis.aggregate import LENGTH_COLUMNS, mean_lengths
from discrete_gan.analysis.claim_rules import NA
from discrete_gan.fileio import UserError, read_table, write_text

TABLES = ("paper_units", "claims", "lengths", "signatures")


@dataclass(frozen=True)
class Check:
    """One expectation: the value at (table, row, column) lies in `band` or equals `expect`."""

    table: str
    row: str
    column: str
    source: str
    band: tuple[float, float] | None = None
    expect: Any = None


@dataclass(frozen=True)
class Outcome:
    check: Check
    value: Any
    passed: bool


def parse_check(entry: dict, where: str) -> Check:
    """A Check from one entry of an expectations file, or a UserError naming the entry."""
    known = {"table", "row", "column", "source", "band", "expect"}
    unknown = sorted(set(entry) - known)
    missing = sorted({"table", "row", "column", "source"} - set(entry))
    if unknown or missing or (("band" in entry) == ("expect" in entry)):
        raise UserError(
            f"{where} needs table, row, column, source and exactly one of band or expect "
            f"(missing {missing or 'none'}, unknown {unknown or 'none'}); fix that entry."
        )
    if entry["table"] not in TABLES:
        raise UserError(f"{where}: table {entry['table']!r} is not one of {list(TABLES)}.")
    band = entry.get("band")
    if band is not None:
        if len(band) != 2 or not all(isinstance(x, int | float) for x in band) or band[0] > band[1]:
            raise UserError(f"{where}: band {band} is not [low, high] with low <= high.")
        band = (float(band[0]), float(band[1]))
    fields = {key: str(entry[key]) for key in ("table", "row", "column", "source")}
    return Check(**fields, band=band, expect=entry.get("expect"))


def read_expectations(path: Path) -> tuple[str, list[Check]]:
    """(origin text, checks) of an expectations file."""
    if not path.is_file():
        raise UserError(
            f"expectations file {path} does not exist; set `expectations` in the config."
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("checks")
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{path} has no `checks:` list; add the checks to verify.")
    checks = [parse_check(entry, f"check {i + 1} of {path}") for i, entry in enumerate(entries)]
    return str(data.get("origin", "")).strip(), checks


def lengths_table(paths: dict[str, Path]) -> pd.DataFrame:
    """Mean generated and real name length per variant, from each variant's lengths.csv."""
    rows = {}
    for variant, path in paths.items():
        fix = "rerun the aggregate step"
        means = mean_lengths(read_table(path, LENGTH_COLUMNS, "lengths table", fix))
        generated, real = means["generated"], means["real"]
        rows[variant] = {
            "generated_mean": generated,
            "real_mean": real,
            "generated_minus_real": generated - real,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def load_tables(
    paper_units: Path, claims: Path, lengths: dict[str, Path], signatures: Path | None = None
) -> dict:
    """The tables checks read, each indexed by row name (no signatures table: an empty one)."""
    fix = "rerun the step that writes it"
    claims_table = read_table(claims, ["variant", "number", "verdict"], "claims table", fix)
    # the verdict "n/a" reads as a missing value; it is the only one that does
    claims_table["verdict"] = claims_table["verdict"].fillna(NA)
    claims_table.index = claims_table["variant"] + "/" + claims_table["number"].astype(str)
    return {
        "paper_units": read_table(paper_units, ["row"], "paper-units table", fix).set_index("row"),
        "claims": claims_table,
        "lengths": lengths_table(lengths),
        "signatures": (
            read_table(signatures, ["variant"], "signatures table", fix).set_index("variant")
            if signatures is not None
            else pd.DataFrame()
        ),
    }


def plain(value: Any) -> Any:
    """A table cell as a plain Python value (numpy scalars and "True" strings unwrapped)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str) and value in ("True", "False"):
        return value == "True"
    return value


def evaluate(check: Check, tables: dict) -> Outcome:
    """Read the check's value and compare it; a missing row or column fails the check."""
    table = tables[check.table]
    if check.row not in table.index or check.column not in table.columns:
        return Outcome(check, "missing", False)
    value = plain(table.at[check.row, check.column])
    if check.band is not None:
        ok = isinstance(value, int | float) and math.isfinite(value)
        passed = ok and check.band[0] <= value <= check.band[1]
    else:
        passed = value == check.expect
    return Outcome(check, value, passed)


def describe(outcome: Outcome) -> str:
    """One line: PASS/FAIL, what, the value, the band, where the band came from."""
    check, value = outcome.check, outcome.value
    shown = f"{value:.4g}" if isinstance(value, float) else repr(value)
    if check.band is not None:
        wanted = f"in [{check.band[0]:.4g}, {check.band[1]:.4g}]"
    else:
        wanted = f"== {check.expect!r}"
    status = "PASS" if outcome.passed else "FAIL"
    return (
        f"{status}  {check.table}[{check.row}].{check.column} = {shown} {wanted}  ({check.source})"
    )


def provenance_header(path: Path | None) -> list[str]:
    """Lines naming the run: commit, tree state, config, machine, when."""
    if path is None or not path.is_file():
        return ["provenance: none recorded"]
    record = json.loads(path.read_text(encoding="utf-8"))
    git = record.get("git", {})
    commit = git.get("commit") or "not a git checkout"
    dirty = " (uncommitted changes)" if git.get("dirty") else ""
    return [
        f"run: commit {commit}{dirty}; config {record.get('configfiles')}",
        f"machine: {record.get('cpu')}; {record.get('threads')} training threads per job; "
        f"python {record.get('python')}",
        f"started {record.get('started')}, written {record.get('finished')}",
    ]


def verify(expectations: Path, tables: dict, provenance: Path | None) -> tuple[str, bool]:
    """The report text and whether every check passed."""
    origin, checks = read_expectations(expectations)
    outcomes = [evaluate(check, tables) for check in checks]
    failed = [outcome for outcome in outcomes if not outcome.passed]
    lines = [f"verify against {expectations}", *provenance_header(provenance)]
    if origin:
        lines.append(f"expectations: {origin}")
    lines += [describe(outcome) for outcome in outcomes]
    lines.append(f"{len(outcomes) - len(failed)} of {len(outcomes)} checks passed")
    return "\n".join(lines) + "\n", not failed


def write_expectations(
    out: Path, origin: str, entries: list[dict], design: list[str], script: str
) -> None:
    """Write an expectations file: which script wrote it, a header saying how its bands were
    designed (`design`, one sentence a line), then `origin` and the checks."""
    header = [f"Written by {script}; rerun it, never edit.", *design]
    text = yaml.safe_dump({"origin": origin, "checks": entries}, sort_keys=False, width=100)
    comments = "".join(f"# {line}\n" for line in header)
    write_text(out, comments + text)
    print(f"wrote {out}")
