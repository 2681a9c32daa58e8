"""Report the benchmark: does the adversarial signal beat plain maximum likelihood, fairly measured?

Reads the search table, the final runs' long metrics table (test split), their validation curves
and the reference points; writes a summary CSV (mean and percentile-bootstrap CI over seeds), a
Markdown report (selected settings, test table at T closest to 1, paired differences to the
baseline, a verdict generated from the numbers) and two figures (`benchmark_figures.py`). Methods,
regimes, metrics and temperatures come from the tables; only the baseline is named here.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from discrete_gan import fileio
from discrete_gan.analysis.aggregate import write_csv
from discrete_gan.analysis.benchmark_figures import (
    COVERAGE,
    QUALITY,
    draw_curves,
    draw_quality_diversity,
)
from discrete_gan.analysis.comparison_report import in_order, significant
from discrete_gan.analysis.comparison_report import label as comparison_label
from discrete_gan.analysis.markdown import markdown_table
from discrete_gan.fileio import UserError

SETTINGS_COLUMN = "settings"
SELECTION_COLUMNS = ["method", "regime", "config", "seed", "validation_nll_per_char", "selected"]
SELECTION_COLUMNS += [SETTINGS_COLUMN]
METRIC_COLUMNS = ["method", "regime", "seed", "temperature", "metric", "value"]
CURVE_COLUMNS = ["method", "regime", "seed", "epoch", "validation_nll_per_char"]
REFERENCE_COLUMNS = ["reference", "metric", "value"]
KEYS = ["method", "regime", "temperature", "metric"]  # of the summary and the differences
SUMMARY_COLUMNS = [*KEYS, "mean", "ci_low", "ci_high", "n_seeds"]
DIFFERENCE_COLUMNS = ["baseline", *KEYS, "mean", "ci_low", "ci_high", "n_pairs"]
BASELINE, BASELINE_REGIME = "mle", "scratch"
BOOTSTRAP_SEED = 0  # the same seed for every group, so a group's CI does not depend on the others
LEVEL = 0.95
VERDICT_MEASURES = {COVERAGE: "test NLL per char", QUALITY: "sample quality"}
LABELS = {COVERAGE: "test NLL/char ↓", QUALITY: "reference NLL/char ↓"}
TEXT_COLUMNS = ("method", "regime", "metric", "reference", "selected", SETTINGS_COLUMN)
FLAGS = {"true": True, "false": False, "1": True, "0": False}


def read_input(
    path: Path, columns: list[str], numeric: list[str], keys: list[str], what: str
) -> pd.DataFrame:
    """Read one input table: its columns present, `numeric` finite, the others but `settings`
    filled, and `keys` unique."""
    fix = f"check the path or rerun the step that writes the {what} table"
    dtype = {column: str for column in columns if column in TEXT_COLUMNS}
    table = fileio.read_table(path, columns, f"{what} table", fix, numeric, dtype)
    filled = [column for column in columns if column != SETTINGS_COLUMN]
    if table[filled].isna().any().any():
        raise UserError(f"{what} table {path} has an empty cell in {', '.join(filled)}; {fix}.")
    if table.duplicated(keys).any():
        raise UserError(f"{what} table {path} repeats a ({', '.join(keys)}) row; {fix}.")
    return table


def read_selection(path: Path) -> pd.DataFrame:
    """The search table, `selected` as bool and `settings` as JSON text ("{}" where empty)."""
    numeric = ["config", "seed", "validation_nll_per_char"]
    table = read_input(path, SELECTION_COLUMNS, numeric, SELECTION_COLUMNS[:4], "selection")
    flags = table["selected"].str.strip().str.lower().map(FLAGS)
    if flags.isna().any():
        raise UserError(
            f"selection table {path} has a selected value other than True or False; "
            "write True for the chosen config's runs and False for the others."
        )
    table["selected"] = flags.astype(bool)
    table[SETTINGS_COLUMN] = table[SETTINGS_COLUMN].fillna("{}")
    for text in table[SETTINGS_COLUMN]:
        try:
            settings = json.loads(text)
        except ValueError:
            settings = None
        if not isinstance(settings, dict):
            raise UserError(
                f"selection table {path} has settings {text!r}, not a JSON object; "
                "write each config's changed settings as JSON."
            )
    check_selected(table, path)
    return table


def check_selected(selection: pd.DataFrame, path: Path) -> None:
    """Each (method, regime) has exactly one selected config, selected for all of its seeds."""
    for (method, regime), runs in selection.groupby(["method", "regime"], sort=False):
        per_config = runs.groupby("config")["selected"].agg(["all", "any"])
        if (per_config["all"] != per_config["any"]).any() or per_config["all"].sum() != 1:
            raise UserError(
                f"selection table {path} does not mark exactly one config of {method} "
                f"({regime}) as selected for all its seeds; rerun the selection step."
            )


def read_metrics(path: Path) -> pd.DataFrame:
    return read_input(
        path, METRIC_COLUMNS, ["seed", "temperature", "value"], METRIC_COLUMNS[:-1], "metrics"
    )


def read_curves(path: Path) -> pd.DataFrame:
    return read_input(path, CURVE_COLUMNS, CURVE_COLUMNS[2:], CURVE_COLUMNS[:-1], "curves")


def read_reference(path: Path) -> pd.DataFrame:
    return read_input(path, REFERENCE_COLUMNS, ["value"], REFERENCE_COLUMNS[:-1], "reference")


def bootstrap_ci(
    values, seed: int, n_resamples: int = 10_000, level: float = LEVEL
) -> tuple[float, float, float]:
    """Mean of `values` (one per seed) and its percentile-bootstrap interval at `level`.

    With fewer than two values there is no spread to resample, so the bounds are NaN.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("bootstrap_ci needs at least one value")
    mean = float(values.mean())
    if values.size < 2:
        return mean, math.nan, math.nan
    rng = np.random.default_rng(seed)
    resampled = values[rng.integers(0, values.size, size=(n_resamples, values.size))]
    low, high = np.quantile(resampled.mean(axis=1), [(1 - level) / 2, (1 + level) / 2])
    return mean, float(low), float(high)


def closest_temperature(temperatures: pd.Series, target: float = 1.0) -> float:
    """The temperature equal or closest to `target` (the lower one on a tie)."""
    return float(min(temperatures.unique(), key=lambda t: (abs(t - target), t)))


def ordered(table: pd.DataFrame, by: list[str], source: pd.DataFrame) -> pd.DataFrame:
    """`table` sorted by `by`: text columns in their order of appearance in `source`, numbers
    ascending."""
    rank = {c: {v: i for i, v in enumerate(in_order(source[c]))} for c in by if c in TEXT_COLUMNS}
    table = table.sort_values(
        by, key=lambda col: col.map(rank[col.name]) if col.name in rank else col, kind="stable"
    )
    return table.reset_index(drop=True)


def summary_table(metrics: pd.DataFrame, seed: int = BOOTSTRAP_SEED) -> pd.DataFrame:
    """Per method, regime, temperature and metric: mean over seeds, bootstrap CI, seed count."""
    rows = [
        (*key, *bootstrap_ci(group["value"], seed), group["seed"].nunique())
        for key, group in metrics.groupby(KEYS, sort=False)
    ]
    return ordered(pd.DataFrame(rows, columns=SUMMARY_COLUMNS), KEYS, metrics)


def seed_differences(
    metrics: pd.DataFrame, baseline: str = BASELINE, temperature: float = 1.0
) -> pd.DataFrame:
    """Per method, regime, metric and seed at the temperature closest to `temperature`: the value
    minus the baseline's (in its scratch regime) for the same seed; seeds both have only."""
    chosen = closest_temperature(metrics["temperature"], temperature)
    at = metrics.loc[metrics["temperature"] == chosen]
    is_base = (at["method"] == baseline) & (at["regime"] == BASELINE_REGIME)
    if not is_base.any():
        raise UserError(
            f"the metrics table has no rows of the baseline {baseline} "
            f"({BASELINE_REGIME}) at temperature {chosen:g}; include its final runs."
        )
    if is_base.all():
        raise UserError(f"the metrics table holds only the baseline {baseline}; add other methods.")
    base = at.loc[is_base, ["seed", "metric", "value"]].rename(columns={"value": "baseline_value"})
    paired = at.loc[~is_base].merge(base, on=["seed", "metric"], how="inner")
    for method, regime in at.loc[~is_base, ["method", "regime"]].drop_duplicates().to_numpy():
        if not ((paired["method"] == method) & (paired["regime"] == regime)).any():
            raise UserError(
                f"{method} ({regime}) shares no seed with the baseline {baseline}; "
                "train the final runs of every method with the same seeds."
            )
    paired["difference"] = paired["value"] - paired["baseline_value"]
    return paired.assign(baseline=baseline)


def paired_differences(
    metrics: pd.DataFrame,
    baseline: str = BASELINE,
    temperature: float = 1.0,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Per method, regime and metric: mean paired difference to the baseline and its bootstrap CI
    (`seed_differences`)."""
    paired = seed_differences(metrics, baseline, temperature)
    rows = [
        (*key, *bootstrap_ci(group["difference"], seed), len(group))
        for key, group in paired.groupby(["baseline", *KEYS], sort=False)
    ]
    return ordered(pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS), KEYS, metrics)


def outcome(row: pd.Series) -> str:
    """The outcome of a lower-is-better difference: better or worse where its CI lies entirely
    below or above zero, indistinguishable otherwise, undetermined without a CI (one seed)."""
    if not (math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"])):
        return "undetermined"
    return "better" if row["ci_high"] < 0 else "worse" if row["ci_low"] > 0 else "indistinguishable"


def interval(mean: float, low: float, high: float, signed: bool = False) -> str:
    """'mean [low, high]' with three significant digits of the largest, all to the same decimals
    (so a difference near zero reads 0.0000, not 2e-17); the mean alone where there is no CI."""
    numbers = [x for x in (mean, low, high) if math.isfinite(x)]
    largest = max(map(abs, numbers))
    decimals = max(0, 2 - math.floor(math.log10(largest))) if largest > 0 else 0

    def text(x: float) -> str:
        shown = f"{x:.{decimals}f}"
        shown = shown.lstrip("-") if float(shown) == 0 else shown
        return ("+" if signed and float(shown) > 0 else "") + shown

    bounds = f" [{text(low)}, {text(high)}]" if len(numbers) == 3 else ""
    return text(mean) + bounds


def verdict_phrase(row: pd.Series | None, baseline: str) -> tuple[str, str]:
    """The outcome of one measure of one method, and a phrase saying it with its numbers."""
    if row is None:
        return "not measured", "not measured"
    result = outcome(row)
    numbers = interval(row["mean"], row["ci_low"], row["ci_high"], signed=True)
    if result == "undetermined":
        return result, f"undetermined ({numbers}, only {int(row['n_pairs'])} paired seed)"
    relation = "from" if result == "indistinguishable" else "than"
    return result, f"{result} {relation} {baseline} ({numbers}, {int(row['n_pairs'])} seeds)"


def verdict(differences: pd.DataFrame) -> str:
    """A plain-language answer from the paired differences: each method and regime's outcome on
    test NLL and sample quality, then one line answering the benchmark's question."""
    baseline = differences["baseline"].iloc[0]
    temperature = differences["temperature"].iloc[0]
    rows = {(r["method"], r["regime"], r["metric"]): r for _, r in differences.iterrows()}
    lines, beats, trades, unsure = [], [], [], []
    for method, regime in differences[["method", "regime"]].drop_duplicates().to_numpy():
        results, phrases = [], []
        for metric, name in VERDICT_MEASURES.items():
            result, text = verdict_phrase(rows.get((method, regime, metric)), baseline)
            results.append(result)
            phrases.append(f"{name} {text}")
        lines.append(f"- {method} ({regime}): {'; '.join(phrases)}.")
        if "better" in results:
            (trades if "worse" in results else beats).append(f"{method} ({regime})")
        elif "undetermined" in results:
            unsure.append(f"{method} ({regime})")
    head = (
        f"At temperature {temperature:g}, each method's paired per-seed difference to {baseline} "
        f"trained from scratch (method minus {baseline}, nats per character, below zero is "
        f"better) with its {LEVEL:.0%} bootstrap interval; better or worse means the interval "
        "lies entirely below or above zero:"
    )
    if beats:
        answer = f"Yes, for {', '.join(beats)}: better than {baseline} on at least one measure "
        answer += "and worse on none."
    elif trades:
        answer = f"Not clearly: {', '.join(trades)} better than {baseline} on one measure but "
        answer += "worse on the other; none better without being worse."
    else:
        answer = f"No: no method is better than {baseline} on test NLL per char or sample quality"
        answer += f"; too few paired seeds to tell for {', '.join(unsure)}." if unsure else "."
    return "\n".join([head, "", *lines, "", f"**Answer.** {answer}"])


def label(metric: str) -> str:
    return LABELS.get(metric, comparison_label(metric))


def settings_text(text: str) -> str:
    settings = json.loads(text)
    return ", ".join(f"{key}={value}" for key, value in settings.items()) or "defaults"


def search_means(selection: pd.DataFrame) -> pd.DataFrame:
    """Per method, regime and config: settings, mean validation NLL per char, seeds, selected."""
    keys = ["method", "regime", "config"]
    means = selection.groupby(keys, sort=False).agg(
        settings=(SETTINGS_COLUMN, "first"),
        mean=("validation_nll_per_char", "mean"),
        n_seeds=("seed", "nunique"),
        selected=("selected", "all"),
    )
    return ordered(means.reset_index(), keys, selection)


def search_budget(means: pd.DataFrame) -> str:
    """A sentence on the number of configurations searched, and on any selected configuration
    that is not the one with the lowest mean validation NLL."""
    groups = means.groupby(["method", "regime"], sort=False)
    budgets, lowest = groups.size(), groups["mean"].min()
    if budgets.nunique() == 1:
        text = f"Every method and regime searched {budgets.iloc[0]} configurations."
    else:
        counts = ", ".join(f"{method} ({regime}) {n}" for (method, regime), n in budgets.items())
        text = f"The search budgets differ: {counts} configurations."
    picked = means.loc[means["selected"], ["method", "regime", "mean"]].to_numpy()
    off = [f"{method} ({regime})" for method, regime, v in picked if v > lowest[method, regime]]
    if off:
        text += f" The selected configuration is not the lowest-mean one for {', '.join(off)}."
    return text


def config_row(row: pd.Series, mark: bool) -> list[str]:
    """One configuration's cells; with `mark`, the selected one's mean in bold and ticked."""
    mean = significant(row["mean"])
    cells = [row["method"], row["regime"], str(int(row["config"])), settings_text(row["settings"])]
    if not mark:
        return [*cells, mean, str(row["n_seeds"])]
    bold = row["selected"]
    return [*cells, f"**{mean}**" if bold else mean, str(row["n_seeds"]), "✓" if bold else ""]


def selection_markdown(selection: pd.DataFrame) -> str:
    """The selected configuration per method and regime, then every searched configuration."""
    means = search_means(selection)
    header = ["method", "regime", "config", "settings", "validation NLL/char (mean)", "seeds"]
    picked = [config_row(row, False) for _, row in means.loc[means["selected"]].iterrows()]
    every = [config_row(row, True) for _, row in means.iterrows()]
    sections = [
        "## Selected settings",
        search_budget(means),
        markdown_table(header, picked, "llllr"),
    ]
    sections += ["### Every searched configuration (mean over search seeds)"]
    return "\n\n".join([*sections, markdown_table([*header, "selected"], every, "llllr")])


def results_markdown(table: pd.DataFrame, count: str, signed: bool) -> str:
    """A row per method and regime, a column per metric, cells `mean [low, high]`; the `count`
    column's values (seeds) in one column."""
    metrics = in_order(table["metric"])
    cells = {(r["method"], r["regime"], r["metric"]): r for _, r in table.iterrows()}
    rows = []
    for method, regime in table[["method", "regime"]].drop_duplicates().to_numpy():
        found = [cells.get((method, regime, metric)) for metric in metrics]
        counts = "/".join(map(str, sorted({int(r[count]) for r in found if r is not None})))
        values = [
            "–" if r is None else interval(r["mean"], r["ci_low"], r["ci_high"], signed)
            for r in found
        ]
        rows.append([method, regime, counts, *values])
    return markdown_table(["method", "regime", "seeds", *map(label, metrics)], rows, "llr")


def reference_markdown(reference: pd.DataFrame) -> str:
    """A row per reference point, a column per metric it has."""
    metrics = in_order(reference["metric"])
    values = {(r["reference"], r["metric"]): r["value"] for _, r in reference.iterrows()}
    rows = [
        [point, *[significant(values[point, m]) if (point, m) in values else "–" for m in metrics]]
        for point in in_order(reference["reference"])
    ]
    return markdown_table(["reference", *map(label, metrics)], rows, "lr")


def report_markdown(
    selection: pd.DataFrame,
    summary: pd.DataFrame,
    differences: pd.DataFrame,
    reference: pd.DataFrame,
    figure_quality_diversity: str,
    figure_curves: str,
) -> str:
    """The report's sections after the protocol (which the caller writes): selected settings,
    the test table at T closest to 1, paired differences to the baseline, verdict, figures."""
    temperature, baseline = differences[["temperature", "baseline"]].iloc[0]
    ci = f"mean over seeds [{LEVEL:.0%} percentile-bootstrap interval]"
    paired = f"the method's value minus {baseline}'s for the same seed, {ci}"
    sections = [
        selection_markdown(selection),
        f"## Test results at temperature {temperature:g}",
        f"Each cell: {ci}, over the final runs of the selected configuration.",
        results_markdown(summary.loc[summary["temperature"] == temperature], "n_seeds", False),
        "### Reference points",
        reference_markdown(reference),
        f"## Paired differences to {baseline} ({BASELINE_REGIME})",
        f"Each cell: {paired}; only seeds both have are paired.",
        results_markdown(differences, "n_pairs", True),
        "## Verdict",
        verdict(differences),
        "## Figures",
        f"![Quality-diversity plane over sampling temperature]({figure_quality_diversity})",
        f"![Validation NLL per character during the final runs]({figure_curves})",
    ]
    return "\n\n".join(sections) + "\n"


def check_selected_for(metrics: pd.DataFrame, selection: pd.DataFrame, path: Path) -> None:
    """Every method and regime with final runs has a selected configuration."""
    final = set(map(tuple, metrics[["method", "regime"]].to_numpy()))
    chosen = set(map(tuple, selection.loc[selection["selected"], ["method", "regime"]].to_numpy()))
    if final - chosen:
        method, regime = sorted(final - chosen)[0]
        raise UserError(
            f"selection table {path} has no selected configuration of {method} ({regime}), "
            "which the metrics table holds; rerun the search for it."
        )


def write_report(
    selection_path: Path,
    metrics_path: Path,
    curves_path: Path,
    reference_path: Path,
    summary_csv: Path,
    report_md: Path,
    figure_quality_diversity: Path,
    figure_curves: Path,
) -> None:
    """Read the four tables and write the summary CSV, the Markdown report and both figures."""
    selection, metrics = read_selection(selection_path), read_metrics(metrics_path)
    curves, reference = read_curves(curves_path), read_reference(reference_path)
    check_selected_for(metrics, selection, selection_path)
    summary, differences = summary_table(metrics), paired_differences(metrics)
    temperature = float(differences["temperature"].iloc[0])
    draw_quality_diversity(summary, reference, temperature, figure_quality_diversity)
    draw_curves(curves, figure_curves)
    write_csv(summary, summary_csv)
    folder = Path(report_md).parent
    names = [os.path.relpath(path, folder) for path in (figure_quality_diversity, figure_curves)]
    fileio.write_text(
        report_md, report_markdown(selection, summary, differences, reference, *names)
    )
