"""Test the paper's five observations on each training variant's runs and tabulate the verdicts.

For every variant (a folder of runs `seed{N}/` with losses.csv, samples.txt, forced.txt and
final.json) one statistic per observation is computed over the runs, with its min-max over runs,
and turned into a verdict ("holds", "partly", "does not hold") by a threshold rule stated next to
it. The result is written as a CSV (one row per variant and claim) and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from discrete_gan.aggregate import read_losses, write_csv
from discrete_gan.io import UserError, parse_named, run_cli, write_text
from discrete_gan.outputs import read_names

HOLDS, PARTLY, FAILS = "holds", "partly", "does not hold"
NAN = float("nan")

SPREAD_MAX = 0.25  # claim 1: (max - min) / |mean| of the final losses over runs
WINDOW = 20  # claim 2: epochs over which the recent change of the loss is measured
FALL_STRONG = 0.05  # claim 2: relative fall over the window for "holds"
FALL_WEAK = 0.01  # claim 2: relative fall over the window for "partly"
ACCURACY_STRONG = 0.95  # claim 3: mean final discriminator accuracy for "holds"
ACCURACY_WEAK = 0.75  # claim 3: mean final discriminator accuracy for "partly"
CHANCE_D_LOSS = 2 * math.log(2)  # claim 3: D loss (real term + fake term) of a coin-flip D
SHORTER_SHARE_STRONG = 0.9  # claim 4: share of runs with shorter generated names for "holds"
SHORTER_SHARE_WEAK = 0.5  # claim 4: the same share for "partly"
SHORTER_GAP_MIN = 0.25  # claim 4: mean length gap in letters needed for "holds"
RATIO_MIN = 1.1  # claim 5: letter frequency ratio, forced length-10 vs long real names
ACCURACY_KEYS = ("d_accuracy", "d_accuracy_real", "d_accuracy_fake", "n_real", "n_fake")
RUN_FILES = ("losses.csv", "samples.txt", "forced.txt", "final.json")


@dataclass(frozen=True)
class Claim:
    """One observation of the paper, measured on one variant, with its verdict and rule."""

    variant: str
    number: int
    claim: str
    statistic: str
    value: float
    low: float
    high: float
    detail: str
    verdict: str
    rule: str


@dataclass(frozen=True)
class VariantData:
    """Everything the claims need from one variant's runs, keyed or tagged by seed."""

    losses: pd.DataFrame  # columns seed, epoch, d_loss, g_loss
    samples: dict[int, list[str]]
    forced: dict[int, list[str]]
    accuracies: list[dict]


def grade(strong: bool, weak: bool) -> str:
    """The verdict: "holds" when the strong condition is met, "partly" when only the weak one is."""
    return HOLDS if strong else PARTLY if weak else FAILS


def name_length(name: str) -> int:
    """Letters in a name; `$` symbols (kept in raw paper_code sequences) are not letters."""
    return len(name) - name.count("$")


def final_losses(losses: pd.DataFrame) -> pd.DataFrame:
    """Each run's row at its last epoch (columns seed, epoch, d_loss, g_loss)."""
    if losses.empty:
        raise UserError("the losses table is empty; rerun the variant's training.")
    last = losses.loc[losses.groupby("seed")["epoch"].idxmax()]
    return last.reset_index(drop=True)


def relative_spread(values: np.ndarray) -> float:
    """(max - min) / |mean|: the spread over runs relative to the typical size of the value."""
    mean = abs(float(values.mean()))
    spread = float(values.max() - values.min())
    return spread / mean if mean > 0 else (0.0 if spread == 0 else math.inf)


def claim_variance(losses: pd.DataFrame) -> Claim:
    """Claim 1: final-epoch losses differ little between independent runs."""
    last = final_losses(losses)
    d_spread = relative_spread(last["d_loss"].to_numpy(dtype=float))
    g_spread = relative_spread(last["g_loss"].to_numpy(dtype=float))
    n_small = (d_spread < SPREAD_MAX) + (g_spread < SPREAD_MAX)
    return Claim(
        variant="",
        number=1,
        claim="the loss functions show only a limited amount of variance between sessions",
        statistic="larger of D and G final-loss spread over runs, (max - min) / |mean|",
        value=max(d_spread, g_spread),
        low=NAN,
        high=NAN,
        detail=f"D spread {d_spread:.3g}, G spread {g_spread:.3g} over {len(last)} runs",
        verdict=grade(n_small == 2, n_small == 1),
        rule=f"holds if both spreads < {SPREAD_MAX}; partly if exactly one is",
    )


def relative_change(start: float | np.ndarray, end: float | np.ndarray) -> float | np.ndarray:
    """(end - start) / |start|; negative when the value fell."""
    return (end - start) / np.abs(start)


def claim_still_improving(losses: pd.DataFrame, window: int = WINDOW) -> Claim:
    """Claim 2: the losses are still falling noticeably over the last `window` epochs.

    Each run's relative change of each loss over the window, summarised by the median over
    runs: a discriminator loss near zero can jump by orders of magnitude in one run and one
    epoch (the paper_code variant), which would swamp a change of the mean curve.
    """
    if losses.empty:
        raise UserError("the losses table is empty; rerun the variant's training.")
    epochs = losses["epoch"]
    last, start = int(epochs.max()), max(int(epochs.max()) - window, int(epochs.min()))
    changes = {}
    for column in ("d_loss", "g_loss"):
        per_run = losses.pivot(index="epoch", columns="seed", values=column)  # (epochs, runs)
        changes[column] = relative_change(
            per_run.loc[start].to_numpy(), per_run.loc[last].to_numpy()
        )
    d_change, g_change = (float(np.median(changes[c])) for c in ("d_loss", "g_loss"))
    fall = -min(d_change, g_change)
    short = "" if last - start == window else f" (only {last - start} epochs available)"
    return Claim(
        variant="",
        number=2,
        claim="after 200 epochs the learning algorithm is still considerably improving",
        statistic=f"median over runs of the G loss's relative change over the last {window} epochs",
        value=g_change,
        low=float(changes["g_loss"].min()),
        high=float(changes["g_loss"].max()),
        detail=f"epochs {start}->{last}{short}: median D {d_change:+.3g}, G {g_change:+.3g}",
        verdict=grade(fall > FALL_STRONG, fall > FALL_WEAK),
        rule=(
            f"holds if the median run's D or G loss fell by more than {FALL_STRONG:.0%} over "
            f"the window; partly if by more than {FALL_WEAK:.0%}"
        ),
    )


def mean_range(values: Sequence[float]) -> str:
    """'mean [min-max]' of a list, for detail strings."""
    array = np.asarray(values, dtype=float)
    return f"{array.mean():.3g} [{array.min():.3g}-{array.max():.3g}]"


def claim_discriminator(final_d_loss: Sequence[float], accuracies: Sequence[dict]) -> Claim:
    """Claim 3: the final discriminator tells real from generated names almost perfectly."""
    if not final_d_loss or not accuracies:
        raise UserError("no runs to judge the discriminator on; rerun the variant's training.")
    loss = np.asarray(final_d_loss, dtype=float)
    accuracy = [float(run["d_accuracy"]) for run in accuracies]
    real = [float(run["d_accuracy_real"]) for run in accuracies]
    fake = [float(run["d_accuracy_fake"]) for run in accuracies]
    mean_accuracy = float(np.mean(accuracy))
    return Claim(
        variant="",
        number=3,
        claim="the discriminator seems to be extremely good",
        statistic="mean final-epoch D loss over runs",
        value=float(loss.mean()),
        low=float(loss.min()),
        high=float(loss.max()),
        detail=(
            f"accuracy {mean_range(accuracy)} (real {np.mean(real):.3g}, "
            f"fake {np.mean(fake):.3g}); D loss at chance {CHANCE_D_LOSS:.3f}"
        ),
        verdict=grade(mean_accuracy >= ACCURACY_STRONG, mean_accuracy >= ACCURACY_WEAK),
        rule=(f"holds if the mean accuracy >= {ACCURACY_STRONG}; partly if >= {ACCURACY_WEAK}"),
    )


def mean_length(names: Sequence[str], what: str) -> float:
    """Mean letter count of a list of names; `what` names the list in the error."""
    if not names:
        raise UserError(f"{what} holds no names; rerun the step that writes it.")
    return float(np.mean([name_length(name) for name in names]))


def claim_shorter(samples_by_run: dict[int, list[str]], real_names: Sequence[str]) -> Claim:
    """Claim 4: generated names are shorter than real ones, in most runs and by a clear margin."""
    if not samples_by_run:
        raise UserError("no runs' samples given; rerun the variant's training.")
    real = mean_length(real_names, "the real-names file")
    generated = np.array(
        [mean_length(names, f"samples of seed {seed}") for seed, names in samples_by_run.items()]
    )
    gaps = real - generated  # (runs,) positive = generated shorter
    share = float((gaps > 0).mean())
    gap = float(gaps.mean())
    return Claim(
        variant="",
        number=4,
        claim="generated names tend to be shorter than their real counterparts",
        statistic="mean real length - mean generated length, in letters (mean over runs)",
        value=gap,
        low=float(gaps.min()),
        high=float(gaps.max()),
        detail=(
            f"shorter in {share:.0%} of runs; generated {generated.mean():.3g}, "
            f"real {real:.3g} letters"
        ),
        verdict=grade(
            share >= SHORTER_SHARE_STRONG and gap >= SHORTER_GAP_MIN, share >= SHORTER_SHARE_WEAK
        ),
        rule=(
            f"holds if generated names are shorter in >= {SHORTER_SHARE_STRONG:.0%} of runs and "
            f"by >= {SHORTER_GAP_MIN} letters on average; partly if in >= "
            f"{SHORTER_SHARE_WEAK:.0%} of runs"
        ),
    )


def letter_frequencies(names: Sequence[str], letters: Sequence[str], what: str) -> np.ndarray:
    """Share of all letters (`$` excluded) that each of `letters` makes up in `names`."""
    text = "".join(names).replace("$", "")
    if not text:
        raise UserError(f"{what} holds no letters; rerun the step that writes it.")
    return np.array([text.count(letter) / len(text) for letter in letters])


def claim_long_names_letters(
    forced_by_run: dict[int, list[str]],
    real_names: Sequence[str],
    letters: Sequence[str] = ("a", "n"),
    min_len: int = 8,
) -> Claim:
    """Claim 5: forced length-10 names use the given letters more often than long real names."""
    if not forced_by_run:
        raise UserError("no runs' forced samples given; rerun the variant's training.")
    long_real = [name for name in real_names if name_length(name) >= min_len]
    real = letter_frequencies(long_real, letters, f"real names of {min_len}+ letters")
    if (real == 0).any():
        raise UserError(f"real names of {min_len}+ letters lack one of {letters}; pick others.")
    ratios = np.stack(
        [
            letter_frequencies(names, letters, f"forced samples of seed {seed}") / real
            for seed, names in forced_by_run.items()
        ]
    )  # (runs, letters)
    means = ratios.mean(axis=0)  # (letters,)
    smallest = ratios.min(axis=1)  # (runs,)
    n_high = int((means > RATIO_MIN).sum())
    both = float((ratios > 1).all(axis=1).mean())
    per_letter = ", ".join(f"'{letter}' {ratio:.3g}" for letter, ratio in zip(letters, means))
    return Claim(
        variant="",
        number=5,
        claim="the generator associates longer names with a high frequency of 'a' and 'n'",
        statistic=(
            f"smaller of the letters' frequency ratios, forced length-10 vs real {min_len}+ "
            "letters (mean over runs)"
        ),
        value=float(smallest.mean()),
        low=float(smallest.min()),
        high=float(smallest.max()),
        detail=f"ratios {per_letter}; all > 1 in {both:.0%} of runs",
        verdict=grade(n_high == len(letters), n_high > 0),
        rule=f"holds if every letter's mean ratio > {RATIO_MIN}; partly if one of them is",
    )


def variant_claims(
    variant: str, data: VariantData, real_names: Sequence[str], window: int = WINDOW
) -> list[Claim]:
    """All five claims for one variant, in the paper's order."""
    last = final_losses(data.losses)
    claims = [
        claim_variance(data.losses),
        claim_still_improving(data.losses, window),
        claim_discriminator(last["d_loss"].tolist(), data.accuracies),
        claim_shorter(data.samples, real_names),
        claim_long_names_letters(data.forced, real_names),
    ]
    return [replace(claim, variant=variant) for claim in claims]


def rerun_hint(runs_dir: Path, seed: int) -> str:
    """The fix for a missing or broken run file."""
    return f"rerun the training of the variant in {runs_dir} for seed {seed}"


def read_run_lines(path: Path, hint: str) -> list[str]:
    """One name per line, empty lines kept as zero-length names; the file must hold a line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read {path} ({err}); {hint}.") from None
    if not lines:
        raise UserError(f"{path} holds no names; {hint}.")
    return lines


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


def read_variant(runs_dir: Path, seeds: list[int]) -> VariantData:
    """Read every run of one variant: losses (stacked, with a seed column), samples, accuracies."""
    if not seeds:
        raise UserError("no seeds given; pass at least one with --seeds.")
    runs_dir = Path(runs_dir)
    tables, samples, forced, accuracies = [], {}, {}, []
    for seed in seeds:
        folder, hint = runs_dir / f"seed{seed}", rerun_hint(runs_dir, seed)
        missing = [name for name in RUN_FILES if not (folder / name).is_file()]
        if missing:
            raise UserError(f"{folder / missing[0]} does not exist; {hint}.")
        tables.append(read_losses(folder / "losses.csv").assign(seed=seed))
        samples[seed] = read_run_lines(folder / "samples.txt", hint)
        forced[seed] = read_run_lines(folder / "forced.txt", hint)
        accuracies.append(read_accuracy(folder / "final.json", hint))
    for seed, table in zip(seeds[1:], tables[1:]):
        if not np.array_equal(table["epoch"].to_numpy(), tables[0]["epoch"].to_numpy()):
            raise UserError(
                f"{runs_dir / f'seed{seed}' / 'losses.csv'} covers other epochs than seed "
                f"{seeds[0]}; {rerun_hint(runs_dir, seed)}."
            )
    losses = pd.concat(tables, ignore_index=True)[["seed", "epoch", "d_loss", "g_loss"]]
    return VariantData(losses=losses, samples=samples, forced=forced, accuracies=accuracies)


def claims_frame(claims: Sequence[Claim]) -> pd.DataFrame:
    """One row per variant and claim, with every field of Claim as a column."""
    columns = [field.name for field in fields(Claim)]
    return pd.DataFrame([asdict(claim) for claim in claims], columns=columns)


def format_number(value: float) -> str:
    """Three significant digits, 'n/a' for NaN."""
    return "n/a" if math.isnan(value) else f"{value:.3g}"


def claim_cell(claim: Claim) -> str:
    """'value [low, high] **verdict**' plus the detail on a second line of the cell."""
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
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for number in sorted(first):
        cells = [
            claim_cell(by_key[variant, number]) if (variant, number) in by_key else "-"
            for variant in variants
        ]
        row = [str(number), first[number].claim, first[number].statistic, *cells]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    rules = "; ".join(f"({number}) {first[number].rule}" for number in sorted(first))
    return "\n".join(lines) + f"\n\nRules: {rules}.\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m discrete_gan.claims", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--variant",
        action="append",
        required=True,
        metavar="NAME=RUNS_DIR",
        help="a variant's name and its folder of seed{N}/ runs; repeat per variant",
    )
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="seeds of every run")
    parser.add_argument("--real-names", type=Path, required=True, help="corpus, one per line")
    parser.add_argument("--window", type=int, default=WINDOW, help="epochs for claim 2")
    parser.add_argument("--out-csv", type=Path, required=True, help="claims table CSV to write")
    parser.add_argument("--out-md", type=Path, required=True, help="Markdown table to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    variants = [parse_named(text, "NAME=RUNS_DIR") for text in args.variant]
    names = [name for name, _ in variants]
    if len(set(names)) < len(names):
        raise UserError(f"variant names repeat in {names}; give each --variant its own name.")
    if args.window < 1:
        raise UserError(f"--window must be at least 1, got {args.window}.")
    real_names = read_names(args.real_names)
    claims = [
        claim
        for name, folder in variants
        for claim in variant_claims(name, read_variant(folder, args.seeds), real_names, args.window)
    ]
    write_csv(claims_frame(claims), args.out_csv)
    write_text(args.out_md, claims_markdown(claims))
    for claim in claims:
        print(f"{claim.variant} claim {claim.number}: {claim.verdict}")
    print(f"wrote {args.out_csv} and {args.out_md}")


if __name__ == "__main__":
    run_cli(main)
