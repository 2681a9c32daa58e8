"""Summarise a comparison of generator objectives over seeds and sampling temperatures.

Reads the long metrics table (method, seed, temperature, metric, value), the training-curve
table (method, seed, epoch, heldout_nll_per_char) and the reference points (reference, metric,
value; `ngram.py`), and writes: a summary CSV with the mean, sample standard deviation, min, max
and seed count per method, temperature and metric, then one row per reference point (`kind`
tells them apart); a Markdown report with one table per temperature and a table of the reference
points; and three PNG figures: every seed's metrics at the temperature closest to 1.0, held-out
NLL per character over training with a min-max band over seeds, and the quality-diversity
trade-off over temperature, each with the reference points of its metrics as horizontal lines.
Methods, metrics, temperatures and reference points are taken from the tables, never fixed here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import LogFormatter

from discrete_gan import fileio
from discrete_gan.analysis.markdown import markdown_table
from discrete_gan.fileio import UserError
from discrete_gan.plots.figures import new_figure, save_figure
from discrete_gan.plots.palette import method_colors

METRIC_COLUMNS = ["method", "seed", "temperature", "metric", "value"]
CURVE_COLUMNS = ["method", "seed", "epoch", "heldout_nll_per_char"]
REFERENCE_COLUMNS = ["reference", "metric", "value"]
SUMMARY_COLUMNS = ["method", "temperature", "metric", "mean", "std", "min", "max", "n_seeds"]
CSV_COLUMNS = ["kind", *SUMMARY_COLUMNS]  # kind: "method" or "reference"
METRIC_LABELS = {
    "heldout_nll_per_char": "held-out NLL per char",
    "length_tv": "length TV distance",
    "mean_length": "mean length",
    "novelty": "novelty",
    "uniqueness": "uniqueness",
    "heldout_share": "held-out real-name share",
    "bigram_jsd": "bigram JSD",
}
BETTER = {
    "heldout_nll_per_char": "lower",
    "length_tv": "lower",
    "bigram_jsd": "lower",
    "heldout_share": "higher",
}
ARROWS = {"lower": "↓", "higher": "↑"}
TRADEOFF_PANELS = (
    ("heldout_nll_per_char", "(a) Held-out NLL per char vs novelty"),
    ("heldout_share", "(b) Held-out real-name share vs novelty"),
)
PANEL_SIZE = (3.2, 3.0)  # inches per metric panel
REFERENCES = {  # display label, colour and line style of each reference point (`ngram.py`)
    "uniform": ("uniform (1/27 each)", "0.4", ":"),
    "unigram": ("unigram model", "0.4", "-."),
    "bigram": ("bigram model", "0.4", "--"),
    "trigram": ("trigram model", "0.4", "-"),
    "train_names": ("training names as samples", "black", (0, (4, 1, 1, 1, 1, 1))),
    "heldout_names": ("held-out names", "black", (0, (8, 3))),
}
OTHER_REFERENCE_STYLE = ("0.4", (0, (1, 3)))  # colour and line style of any other reference
REFERENCE_NOTE = (
    "Reference points, not methods: computed from the data by `discrete-gan ngram`, "
    "the same at every temperature. Character n-gram models fitted to the training split "
    "(interpolated Witten-Bell smoothing) are scored on the held-out names in nats per character, "
    "as the generators are; the training names, scored as if they were a generator's samples, "
    "give the floor of the metrics that compare samples with the held-out names."
)


def label(metric: str) -> str:
    """Display name of a metric, with an arrow for the better direction where there is one."""
    arrow = ARROWS.get(BETTER.get(metric, ""), "")
    return f"{METRIC_LABELS.get(metric, metric)} {arrow}".rstrip()


def in_order(values: pd.Series) -> list:
    """Distinct values in order of first appearance."""
    return list(dict.fromkeys(values))


def read_table(path: Path, columns: list[str], numeric: list[str], what: str) -> pd.DataFrame:
    """Read a CSV; check its columns, that it has rows, and that `numeric` columns are finite."""
    fix = f"check the path or rerun the step that writes the {what} table"
    dtype = {"method": str, "metric": str}
    table = fileio.read_table(path, columns, f"{what} table", fix, numeric, dtype)
    if table[columns].isna().any().any():
        raise UserError(
            f"{what} table {path} holds a missing, non-numeric or infinite value; {fix}."
        )
    keys = columns[:-1]  # the last column holds the measured value
    if table.duplicated(keys).any():
        raise UserError(f"{what} table {path} repeats a ({', '.join(keys)}) row; {fix}.")
    return table[columns]


def read_metrics(path: Path) -> pd.DataFrame:
    return read_table(path, METRIC_COLUMNS, ["seed", "temperature", "value"], "metrics")


def read_curves(path: Path) -> pd.DataFrame:
    return read_table(path, CURVE_COLUMNS, ["seed", "epoch", "heldout_nll_per_char"], "curves")


def read_reference(path: Path) -> pd.DataFrame:
    return read_table(path, REFERENCE_COLUMNS, ["value"], "reference")


def summarise(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per method, temperature and metric: mean, sample std (ddof=1), min, max, seed count.

    Rows are ordered by method and metric in order of first appearance, temperatures ascending.
    """
    grouped = metrics.groupby(["method", "temperature", "metric"], sort=False)
    summary = grouped.agg(
        mean=("value", "mean"),
        std=("value", "std"),
        min=("value", "min"),
        max=("value", "max"),
        n_seeds=("seed", "nunique"),
    ).reset_index()
    rank = {
        column: {v: i for i, v in enumerate(in_order(metrics[column]))}
        for column in ("method", "metric")
    }
    summary = summary.sort_values(
        ["method", "temperature", "metric"],
        key=lambda column: column.map(rank[column.name]) if column.name in rank else column,
        kind="stable",
    )
    return summary.reset_index(drop=True)[SUMMARY_COLUMNS]


def summary_table(summary: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """The summary CSV: the methods' rows, then one row per reference point (its value as mean,
    min and max; no temperature, spread or seed count)."""
    points = pd.DataFrame(
        {
            "kind": "reference",
            "method": reference["reference"],
            "metric": reference["metric"],
            "mean": reference["value"],
            "min": reference["value"],
            "max": reference["value"],
        }
    )
    table = pd.concat([summary.assign(kind="method"), points], ignore_index=True)
    return table.astype({"n_seeds": "Int64"})[CSV_COLUMNS]


def significant(x: float, digits: int = 3) -> str:
    """`x` in fixed notation with `digits` significant digits (more for numbers >= 10**digits)."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def cell(row: pd.Series | None, n_max: int) -> str:
    """'mean ± std' for one summary row, with the seed count where it is below `n_max`."""
    if row is None:
        return "–"
    text = significant(row["mean"])
    if row["n_seeds"] > 1:
        text += f" ± {significant(row['std'])}"
    if row["n_seeds"] < n_max:
        text += f" (n={int(row['n_seeds'])})"
    return text


def temperature_table(
    summary: pd.DataFrame, methods: list[str], metrics: list[str], n_max: int
) -> str:
    """One temperature's table: a row per method, a column per metric."""
    rows = {(row["method"], row["metric"]): row for _, row in summary.iterrows()}
    cells = [
        [method, *[cell(rows.get((method, metric)), n_max) for metric in metrics]]
        for method in methods
    ]
    return markdown_table(["method", *map(label, metrics)], cells, "lr")


def legend(metrics: list[str]) -> str:
    """One line saying which direction is better for each metric."""
    parts = []
    for direction in ("lower", "higher"):
        names = [METRIC_LABELS.get(m, m) for m in metrics if BETTER.get(m) == direction]
        if names:
            parts.append(f"{ARROWS[direction]} {direction} is better: {', '.join(names)}")
    rest = [METRIC_LABELS.get(m, m) for m in metrics if m not in BETTER]
    if rest:
        parts.append(f"descriptive, no better direction: {', '.join(rest)}")
    return "; ".join(parts) + "."


def reference_label(reference: str) -> str:
    return REFERENCES[reference][0] if reference in REFERENCES else reference


def reference_markdown(reference: pd.DataFrame, metrics: list[str]) -> str:
    """The reference points as a table: a row per reference, a column per metric it has,
    in the order of `metrics` first."""
    names = [m for m in metrics if m in set(reference["metric"])]
    names += [m for m in in_order(reference["metric"]) if m not in names]
    values = {(row["reference"], row["metric"]): row["value"] for _, row in reference.iterrows()}
    rows = [
        [
            reference_label(point),
            *[significant(values[point, m]) if (point, m) in values else "–" for m in names],
        ]
        for point in in_order(reference["reference"])
    ]
    return markdown_table(["reference", *map(label, names)], rows, "lr")


def summary_markdown(summary: pd.DataFrame, reference: pd.DataFrame) -> str:
    """Markdown report: a header, a legend line, one table per temperature, and the reference
    points."""
    methods, metrics = in_order(summary["method"]), in_order(summary["metric"])
    n_max = int(summary["n_seeds"].max())
    if n_max > 1:
        spread = f"mean ± sample standard deviation over {n_max} seeds"
        spread += (
            "; (n=k) marks a cell with fewer seeds" if summary["n_seeds"].min() < n_max else ""
        )
    else:
        spread = "the value from a single seed (no standard deviation)"
    sections = [
        "# Comparison of generator objectives",
        f"Each cell is a metric of a final generator sampled at the given temperature: {spread}. "
        "A dash marks a metric not measured for that method.",
        legend(metrics),
    ]
    for temperature, table in summary.groupby("temperature", sort=True):
        sections.append(f"## Temperature {float(temperature)}")
        sections.append(temperature_table(table, methods, metrics, n_max))
    sections += ["## Reference points", REFERENCE_NOTE, reference_markdown(reference, metrics)]
    return "\n\n".join(sections) + "\n"


def closest_to_one(temperatures: pd.Series) -> float:
    """The temperature equal or closest to 1.0 (the lower one on a tie)."""
    return min(temperatures.unique(), key=lambda t: (abs(t - 1.0), t))


def log_y(ax: Axes) -> None:
    """A log-scale y axis (methods' NLLs differ by orders of magnitude) labelled in plain
    numbers, minor ticks too where the range is narrow."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(LogFormatter())
    ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))


def draw_reference_lines(ax: Axes, reference: pd.DataFrame, metric: str) -> dict[str, Line2D]:
    """Each reference point of `metric` as a horizontal line in its reference's style (the same
    in every panel); the lines by reference."""
    lines = {}
    for _, row in reference.loc[reference["metric"] == metric].iterrows():
        point = row["reference"]
        color, style = REFERENCES[point][1:] if point in REFERENCES else OTHER_REFERENCE_STYLE
        lines[point] = ax.axhline(row["value"], color=color, ls=style, lw=1.2, zorder=2)
    return lines


def reference_legend(fig: Figure, lines: dict[str, Line2D]) -> None:
    """One legend below the panels naming the reference lines drawn in any of them."""
    if lines:
        fig.legend(
            list(lines.values()),
            [reference_label(point) for point in lines],
            loc="outside lower center",
            ncols=min(len(lines), 6),
            fontsize=8,
            title="reference points (from the data, not methods)",
            title_fontsize=8,
        )


def draw_seed_points(ax: Axes, table: pd.DataFrame, methods: list[str]) -> None:
    """Each seed as a point, spread evenly (not randomly) around its method; the mean as a bar."""
    colors = method_colors(methods)
    for x, method in enumerate(methods):
        values = table.loc[table["method"] == method].sort_values("seed")["value"].to_numpy()
        if values.size == 0:
            continue
        spread = np.linspace(-0.15, 0.15, values.size) if values.size > 1 else np.zeros(1)
        ax.scatter(x + spread, values, s=18, color=colors[method], alpha=0.8, zorder=3)
        ax.hlines(values.mean(), x - 0.3, x + 0.3, color="black", lw=2, zorder=4)
    ax.set_xticks(range(len(methods)), methods, rotation=30, ha="right")
    ax.set_xlim(-0.6, len(methods) - 0.4)
    ax.grid(True, axis="y", alpha=0.3)


def draw_metrics(metrics: pd.DataFrame, reference: pd.DataFrame, path: Path) -> None:
    """One panel per metric: each seed's value per method at the temperature closest to 1.0, and
    the metric's reference points as lines."""
    temperature = closest_to_one(metrics["temperature"])
    chosen = metrics.loc[metrics["temperature"] == temperature]
    methods, names = in_order(metrics["method"]), in_order(chosen["metric"])
    ncols = min(4, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = new_figure(PANEL_SIZE[0] * ncols, PANEL_SIZE[1] * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    lines = {}
    for ax, metric in zip(axes, names):
        draw_seed_points(ax, chosen.loc[chosen["metric"] == metric], methods)
        lines |= draw_reference_lines(ax, reference, metric)
        ax.set_title(label(metric))
        if metric == "heldout_nll_per_char":
            log_y(ax)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    note = "" if temperature == 1.0 else ", the one closest to 1.0 in the table"
    fig.suptitle(
        f"Final generators at temperature {float(temperature)}{note}: "
        "one point per seed, black bar = mean"
    )
    reference_legend(fig, lines)
    save_figure(fig, path)


def draw_seed_band(ax: Axes, runs: pd.DataFrame, column: str, label: str, color: str) -> None:
    """`column` of runs (epoch, seed, column) over epochs: the mean over seeds as a line
    labelled with `label` and the seed count, and the min-max band around it."""
    stats = runs.groupby("epoch")[column].agg(["mean", "min", "max"])
    n_seeds = runs["seed"].nunique()
    seeds = f"{n_seeds} seed{'s' if n_seeds > 1 else ''}"
    label = f"{label} (mean of {seeds})"
    ax.plot(stats.index, stats["mean"], marker="o", ms=3, color=color, label=label)
    ax.fill_between(stats.index, stats["min"], stats["max"], color=color, alpha=0.2, lw=0)


def draw_curves(curves: pd.DataFrame, reference: pd.DataFrame, path: Path) -> None:
    """Held-out NLL per character over epochs: mean over seeds per method, min-max band, and the
    n-gram reference points as lines."""
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    methods = in_order(curves["method"])
    colors = method_colors(methods)
    for method in methods:
        runs = curves.loc[curves["method"] == method]
        draw_seed_band(ax, runs, "heldout_nll_per_char", method, colors[method])
    ax.set_title("Held-out NLL per character during training (band: min-max over seeds)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out NLL per character (nats, log scale) ↓")
    log_y(ax)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    reference_legend(fig, draw_reference_lines(ax, reference, "heldout_nll_per_char"))
    save_figure(fig, path)


def tradeoff_points(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean novelty and mean `metric` per method and temperature, where both were measured."""
    means = summary.pivot_table(
        index=["method", "temperature"], columns="metric", values="mean", sort=False
    )
    needed = [name for name in ("novelty", metric) if name not in means.columns]
    if needed:
        raise UserError(
            f"the metrics table has no {' or '.join(needed)} rows, which the trade-off figure "
            "needs; evaluate the runs with that metric."
        )
    return means[["novelty", metric]].dropna().reset_index()


def draw_tradeoff_panel(ax: Axes, summary: pd.DataFrame, metric: str, methods: list[str]) -> None:
    """One line per method through its temperatures; each point labelled with its temperature."""
    points = tradeoff_points(summary, metric)
    colors = method_colors(methods)
    for method in methods:
        line = points.loc[points["method"] == method].sort_values("temperature")
        ax.plot(line["novelty"], line[metric], marker="o", color=colors[method], label=method)
        for _, point in line.iterrows():
            ax.annotate(
                f"T={point['temperature']:g}",
                (point["novelty"], point[metric]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
                color=colors[method],
            )
    ax.set_xlabel(f"{label('novelty')} (mean over seeds)")
    ax.set_ylabel(f"{label(metric)} (mean over seeds)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)


def draw_tradeoff(summary: pd.DataFrame, reference: pd.DataFrame, path: Path) -> None:
    """Quality vs diversity over sampling temperature, as two panels sharing the novelty axis;
    the reference points of each panel's quality metric as lines."""
    methods = in_order(summary["method"])
    fig = new_figure(11, 4.5)
    lines = {}
    for ax, (metric, title) in zip(fig.subplots(1, 2), TRADEOFF_PANELS, strict=True):
        draw_tradeoff_panel(ax, summary, metric, methods)
        lines |= draw_reference_lines(ax, reference, metric)
        ax.set_title(title)
        if metric == "heldout_nll_per_char":
            log_y(ax)
    fig.suptitle("Quality-diversity trade-off over sampling temperature (T)")
    reference_legend(fig, lines)
    save_figure(fig, path)
