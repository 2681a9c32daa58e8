"""Test the paper's five observations on each training variant's runs and tabulate the verdicts.

For every variant (a folder of runs `seed{N}/` with losses.csv, samples.txt, forced.txt and
final.json) one statistic per observation is computed over the runs, with its min-max over runs,
and turned into a verdict ("holds", "partly", "does not hold", or "n/a" where the data cannot
decide) by the rule stated beside it (claim_rules.py). Held-out NLL curves of runs of the same
objective and variant (the methods comparison's) can be given per variant; claim 2 reports their
trend. The result is written as a CSV (one row per variant and claim) and a Markdown table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from discrete_gan.analysis.aggregate import read_losses
from discrete_gan.analysis.claim_rules import (
    NA,
    WINDOW,
    Claim,
    claim_discriminator,
    claim_long_names_letters,
    claim_shorter,
    claim_still_improving,
    claim_variance,
    final_losses,
)
from discrete_gan.analysis.markdown import markdown_table
from discrete_gan.data.names import read_sample_names
from discrete_gan.fileio import UserError, parse_named
from discrete_gan.training.runs import run_dir

ACCURACY_KEYS = ("d_accuracy", "d_accuracy_real", "d_accuracy_fake", "n_real", "n_fake")
RUN_FILES = ("losses.csv", "samples.txt", "forced.txt", "final.json")
HELDOUT_COLUMN = "heldout_nll_per_char"


@dataclass(frozen=True)
class VariantData:
    """Everything the claims need from one variant's runs, keyed or tagged by seed."""

    losses: pd.DataFrame  # columns seed, epoch, d_loss, g_loss, and g_own where runs log it
    samples: dict[int, list[str]]
    forced: dict[int, list[str]]
    accuracies: list[dict]


def variant_claims(
    variant: str,
    data: VariantData,
    real_names: Sequence[str],
    window: int = WINDOW,
    heldout: Sequence[pd.DataFrame] = (),
    heldout_missing: str = "no held-out curve given",
) -> list[Claim]:
    """All five claims for one variant, in the paper's order; `heldout` as in claim 2."""
    last = final_losses(data.losses)
    claims = [
        claim_variance(data.losses),
        claim_still_improving(data.losses, window, heldout, heldout_missing),
        claim_discriminator(last["d_loss"].tolist(), data.accuracies),
        claim_shorter(data.samples, real_names),
        claim_long_names_letters(data.forced, real_names),
    ]
    return [replace(claim, variant=variant) for claim in claims]


def rerun_hint(runs_dir: Path, seed: int) -> str:
    """The fix for a missing or broken run file."""
    return f"rerun the training of the variant in {runs_dir} for seed {seed}"


def read_accuracy(path: Path, hint: str) -> dict:
    """final.json: the final discriminator's accuracies, checked for keys and ranges."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"cannot read {path} ({err}); {hint}.") from None
    if not isinstance(record, dict) or any(key not in record for key in ACCURACY_KEYS):
        raise UserError(f"{path} lacks one of the keys {', '.join(ACCURACY_KEYS)}; {hint}.")
    values = [record[key] for key in ACCURACY_KEYS]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise UserError(f"{path} holds a non-numeric or infinite value; {hint}.")
    if not all(0 <= record[key] <= 1 for key in ACCURACY_KEYS[:3]):
        raise UserError(f"{path} holds an accuracy outside [0, 1]; {hint}.")
    return {key: record[key] for key in ACCURACY_KEYS}


def check_same_epochs(tables: Sequence[pd.DataFrame], paths: Sequence[Path], hint: str) -> None:
    """Every table covers the epochs of the first, or a clear error naming the file."""
    for path, table in zip(paths[1:], tables[1:]):
        if not np.array_equal(table["epoch"].to_numpy(), tables[0]["epoch"].to_numpy()):
            raise UserError(f"{path} covers other epochs than {paths[0]}; {hint}.")


def read_variant(runs_dir: Path, seeds: list[int]) -> VariantData:
    """Read every run of one variant: losses (stacked, with a seed column), samples, accuracies."""
    if not seeds:
        raise UserError("no seeds given; pass at least one with --seeds.")
    runs_dir = Path(runs_dir)
    tables, samples, forced, accuracies = [], {}, {}, []
    for seed in seeds:
        folder, hint = run_dir(runs_dir, seed), rerun_hint(runs_dir, seed)
        missing = [name for name in RUN_FILES if not (folder / name).is_file()]
        if missing:
            raise UserError(f"{folder / missing[0]} does not exist; {hint}.")
        tables.append(read_run_losses(folder / "losses.csv").assign(seed=seed))
        samples[seed] = read_sample_names(folder / "samples.txt", hint)
        forced[seed] = read_sample_names(folder / "forced.txt", hint)
        accuracies.append(read_accuracy(folder / "final.json", hint))
    paths = [run_dir(runs_dir, seed) / "losses.csv" for seed in seeds]
    check_same_epochs(tables, paths, f"rerun the training of the variant in {runs_dir}")
    columns = ["seed", "epoch", "d_loss", "g_loss"]
    columns += ["g_own"] if all("g_own" in table for table in tables) else []
    losses = pd.concat(tables, ignore_index=True)[columns]
    return VariantData(losses=losses, samples=samples, forced=forced, accuracies=accuracies)


def read_run_losses(path: Path) -> pd.DataFrame:
    """A run's losses.csv: epoch, d_loss, g_loss, and g_own (the generator's own loss term)
    where training logged it."""
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    own = ("g_own",) if "g_own" in header else ()
    return read_losses(path, ("d_loss", "g_loss", *own))


def read_heldout_curves(paths: Sequence[Path]) -> list[pd.DataFrame]:
    """heldout_nll.csv of each run (columns epoch, heldout_nll_per_char), on shared epochs."""
    hint = "rerun the methods comparison's training, or leave out --heldout-curve"
    for path in paths:
        if not Path(path).is_file():
            raise UserError(f"held-out curve {path} does not exist; {hint}.")
    curves = [read_losses(Path(path), (HELDOUT_COLUMN,)) for path in paths]
    check_same_epochs(curves, [Path(path) for path in paths], hint)
    return curves


def parse_heldout(groups: Sequence[Sequence[str]], variants: Sequence[str]) -> dict[str, list]:
    """`--heldout-curve NAME=PATH [PATH ...]` groups as {variant: [path, ...]}."""
    heldout: dict[str, list[Path]] = {}
    for group in groups:
        name, first = parse_named(group[0], "NAME=PATH")
        if name not in variants:
            raise UserError(f"--heldout-curve names {name!r}, which no --variant gives.")
        if name in heldout:
            raise UserError(f"--heldout-curve repeats {name!r}; list all its files after it once.")
        heldout[name] = [first, *map(Path, group[1:])]
    return heldout


def claims_frame(claims: Sequence[Claim]) -> pd.DataFrame:
    """One row per variant and claim, with every field of Claim as a column."""
    columns = [field.name for field in fields(Claim)]
    return pd.DataFrame([asdict(claim) for claim in claims], columns=columns)


def format_number(value: float) -> str:
    """Three significant digits, 'n/a' for NaN."""
    return "n/a" if math.isnan(value) else f"{value:.3g}"


def claim_cell(claim: Claim) -> str:
    """'value [low, high] **verdict**' plus the detail on a second line of the cell; only the
    verdict and the reason for a claim that cannot be judged."""
    if claim.verdict == NA:
        return f"**{NA}**<br>{claim.detail}"
    bounds = (
        ""
        if math.isnan(claim.low)
        else (f" [{format_number(claim.low)}, {format_number(claim.high)}]")
    )
    return f"{format_number(claim.value)}{bounds} **{claim.verdict}**<br>{claim.detail}"


def claims_markdown(claims: Sequence[Claim]) -> str:
    """One Markdown table: a row per claim, a column per variant, then the rules."""
    variants = list(dict.fromkeys(claim.variant for claim in claims))
    by_key = {(claim.variant, claim.number): claim for claim in claims}
    first = {claim.number: claim for claim in reversed(claims)}
    header = ["#", "claim", "statistic", *variants]
    rows = []
    for number in sorted(first):
        cells = [
            claim_cell(by_key[variant, number]) if (variant, number) in by_key else "-"
            for variant in variants
        ]
        rows.append([str(number), first[number].claim, first[number].statistic, *cells])
    rules = "\n".join(f"{number}. {first[number].rule}." for number in sorted(first))
    intro = (
        "Rules: each compares the value, the first number of a cell, with a threshold; a "
        "secondary number named in a rule is in the cell's second line. A claim the data cannot "
        "decide is n/a, with the reason."
    )
    return markdown_table(header, rows) + f"\n\n{intro}\n\n{rules}\n"
