"""Figures of the benchmark report (`benchmark_report.py`): the quality-diversity plane over
sampling temperature, and the final runs' validation NLL per character over training.

Methods, regimes, temperatures and reference points are taken from the tables; a method keeps its
colour in both figures, and a regime its line style (solid from scratch, dashed pretrained).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import LogFormatter

from discrete_gan.analysis.comparison_report import (
    OTHER_REFERENCE_STYLE,
    REFERENCES,
    draw_seed_band,
    in_order,
    reference_label,
)
from discrete_gan.fileio import UserError
from discrete_gan.plots.figures import new_figure, save_figure
from discrete_gan.plots.palette import method_colors

# The two measures of the benchmark's question, both lower-is-better NLLs per character (nats).
COVERAGE, QUALITY = "test_nll_per_char", "reference_nll_per_char"
AXIS_LABELS = {
    COVERAGE: "test NLL per char (nats): coverage ↓",
    QUALITY: "reference NLL per char of samples (nats): quality ↓",
}
# The benchmark's own reference lines, beside the n-gram models' (`REFERENCES`): the reference
# model's NLL of the test names (`<order>-gram reference model`, coverage) and the test names'
# NLL under it (`test_names`, quality), in one colour of their own, told apart by style.
REFERENCE_MODEL = "reference model"
BENCHMARK_REFERENCES = {
    REFERENCE_MODEL: ("darkcyan", "-"),
    "test_names": ("darkcyan", (0, (8, 3))),
}
REFERENCE_LABELS = {"test_names": "test names (their quality)"}
REGIME_STYLES = {"scratch": "-", "pretrained": "--"}
OTHER_REGIME_STYLES = (":", "-.")
WIDE = 4.0  # a positive axis whose values span more than this ratio is drawn on a log scale


def regime_styles(regimes: list[str]) -> dict[str, str]:
    """A line style per regime: solid from scratch, dashed pretrained, others dotted on."""
    others = itertools.cycle(OTHER_REGIME_STYLES)
    return {regime: REGIME_STYLES.get(regime) or next(others) for regime in regimes}


def log_if_wide(ax: Axes, axis: str, values: np.ndarray) -> str:
    """A log scale on `axis` ("x" or "y") where its positive values span more than `WIDE` times;
    a note for the axis label saying so (empty if not)."""
    values = values[np.isfinite(values)]
    wide = values.size and values.min() > 0 and values.max() / values.min() > WIDE
    if wide:
        getattr(ax, f"set_{axis}scale")("log")
        ticks = getattr(ax, f"{axis}axis")  # plain numbers, minor ticks too where the range allows
        ticks.set_major_formatter(LogFormatter())
        ticks.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    return " (log scale)" if wide else ""


def plane_points(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean and CI of both measures per method, regime and temperature where both were measured;
    columns (statistic, metric)."""
    missing = [m for m in (COVERAGE, QUALITY) if m not in set(summary["metric"])]
    if missing:
        raise UserError(
            f"the metrics table has no {' or '.join(missing)} rows, which the quality-diversity "
            "figure needs; evaluate the final runs with that metric."
        )
    both = summary.loc[summary["metric"].isin([COVERAGE, QUALITY])]
    wide = both.pivot(
        index=["method", "regime", "temperature"],
        columns="metric",
        values=["mean", "ci_low", "ci_high"],
    )
    return wide.dropna(subset=[("mean", COVERAGE), ("mean", QUALITY)])


def error_bars(line: pd.DataFrame, metric: str) -> np.ndarray:
    """Distances from the mean to the CI bounds, (2, temperatures); zero where there is no CI."""
    mean = line["mean", metric].to_numpy()
    below = mean - line["ci_low", metric].to_numpy()
    above = line["ci_high", metric].to_numpy() - mean
    return np.nan_to_num(np.vstack([below, above]), nan=0.0)


def reference_style(point: str) -> tuple:
    """Colour and line style of a reference point's line: each reference has its own."""
    if point in REFERENCES:
        return REFERENCES[point][1:]
    key = REFERENCE_MODEL if point.endswith(REFERENCE_MODEL) else point
    return BENCHMARK_REFERENCES.get(key, OTHER_REFERENCE_STYLE)


def draw_reference_points(ax: Axes, reference: pd.DataFrame) -> list[Line2D]:
    """Each reference with both measures as a point, with one as a line across the plane,
    named in the legend and beside the line itself."""
    values = reference.pivot(index="reference", columns="metric", values="value")
    handles = []
    for point in in_order(reference["reference"]):
        x, y = (values.loc[point].get(m, np.nan) for m in (COVERAGE, QUALITY))
        color, style = reference_style(point)
        name = REFERENCE_LABELS.get(point) or reference_label(point)
        text = {"fontsize": 6, "color": color, "clip_on": True}
        if np.isfinite(x) and np.isfinite(y):
            handles += ax.plot([x], [y], "X", color="black", ms=9, ls="none", label=name)
        elif np.isfinite(x):
            handles.append(ax.axvline(x, color=color, ls=style, lw=1.2, label=name))
            at = ax.get_xaxis_transform()  # x in data, y in axes coordinates
            ax.text(x, 0.99, f" {name}", transform=at, rotation=90, ha="right", va="top", **text)
        elif np.isfinite(y):
            handles.append(ax.axhline(y, color=color, ls=style, lw=1.2, label=name))
            at = ax.get_yaxis_transform()  # x in axes, y in data coordinates
            ax.text(0.99, y, name, transform=at, ha="right", va="bottom", **text)
    return handles


def draw_curve(
    ax: Axes, line: pd.DataFrame, name: str, color: str, style: str, temperature: float
) -> Line2D:
    """One method and regime through its temperatures (rows of `line`, ascending): means with CI
    error bars, each point labelled with its temperature, a star at `temperature`."""
    x, y = line["mean", COVERAGE], line["mean", QUALITY]
    xerr, yerr = error_bars(line, COVERAGE), error_bars(line, QUALITY)
    bars = ax.errorbar(
        x,
        y,
        xerr=xerr,
        yerr=yerr,
        color=color,
        ls=style,
        marker="o",
        ms=3,
        capsize=2,
        elinewidth=0.8,
    )
    bars.lines[0].set_label(name)
    if temperature in line.index:
        ax.plot(x[temperature], y[temperature], "*", color=color, mec="black", ms=13)
    for t in line.index:
        ax.annotate(
            f"{t:g}",
            (x[t], y[t]),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=6,
            color=color,
        )
    return bars.lines[0]


def draw_plane(
    ax: Axes, summary: pd.DataFrame, reference: pd.DataFrame, temperature: float
) -> dict[tuple[str, str], Line2D]:
    """One curve per method and regime over temperature (`draw_curve`) and the reference points;
    the curves' data lines by (method, regime)."""
    points = plane_points(summary)
    methods, regimes = in_order(summary["method"]), in_order(summary["regime"])
    colors, styles = method_colors(methods), regime_styles(regimes)
    lines = {}
    for method, regime in itertools.product(methods, regimes):
        if (method, regime) in points.index.droplevel("temperature"):
            line = points.loc[(method, regime)].sort_index()  # index: temperature
            name = f"{method} ({regime})"
            lines[method, regime] = draw_curve(
                ax, line, name, colors[method], styles[regime], temperature
            )
    handles = draw_reference_points(ax, reference)
    ax.set_xlabel(AXIS_LABELS[COVERAGE] + log_if_wide(ax, "x", points["mean", COVERAGE].to_numpy()))
    ax.set_ylabel(AXIS_LABELS[QUALITY] + log_if_wide(ax, "y", points["mean", QUALITY].to_numpy()))
    ax.grid(True, alpha=0.3)
    ax.legend(
        handles=[*lines.values(), *handles],
        fontsize=7,
        loc="center left",
        bbox_to_anchor=(1.02, 0.5),
        title="method (regime); references",
        handlelength=3.5,
        title_fontsize=7,
    )
    return lines


def draw_quality_diversity(
    summary: pd.DataFrame, reference: pd.DataFrame, temperature: float, path: Path
) -> None:
    """The quality-diversity plane over sampling temperature (`draw_plane`), saved to `path`."""
    fig = new_figure(10, 6.5)
    draw_plane(fig.subplots(), summary, reference, temperature)
    fig.suptitle(
        "Sample quality vs coverage of the test names over sampling temperature T\n"
        f"numbers: T; star: T = {temperature:g}; bars: bootstrap CI of the mean over seeds; "
        "solid: from scratch, dashed: MLE-pretrained"
    )
    save_figure(fig, path)


def draw_curves(curves: pd.DataFrame, path: Path) -> None:
    """Validation NLL per char over epochs, one panel per regime: the mean over seeds of each
    method and its min-max band."""
    methods, regimes = in_order(curves["method"]), in_order(curves["regime"])
    colors = method_colors(methods)
    fig = new_figure(5.5 * len(regimes), 4.5)
    axes = fig.subplots(1, len(regimes), squeeze=False, sharey=True).ravel()
    for ax, regime in zip(axes, regimes, strict=True):
        runs = curves.loc[curves["regime"] == regime]
        for method in in_order(runs["method"]):
            of = runs.loc[runs["method"] == method]
            draw_seed_band(ax, of, "validation_nll_per_char", method, colors[method])
        ax.set_title(f"regime: {regime}")
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    scale = log_if_wide(axes[0], "y", curves["validation_nll_per_char"].to_numpy())
    axes[0].set_ylabel(f"validation NLL per char (nats){scale} ↓")
    fig.suptitle("Validation NLL per character during the final runs (band: min-max over seeds)")
    save_figure(fig, path)
