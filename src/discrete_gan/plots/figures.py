"""Draw Figures 5 and 6 of the paper from the aggregated tables, as PNG and PDF.

Figure 5: discriminator (log scale) and generator epoch losses, mean over runs with a min-max band.
Figure 6: grouped bars of name length, generated vs real.
`figure5-variants` and `figure6-variants` draw each variant's figure side by side in one figure;
`diagnostics` draws the is_gan weights' effective sample size and the mean length of the names
carrying half the weight, per epoch, one band per variant.
The `draw_*` functions draw onto given axes so that variants can share one figure. Figures are
built without pyplot on an Agg canvas, so no screen and no global figure state are involved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from discrete_gan import fileio
from discrete_gan.fileio import UserError, atomic_path, parse_named
from discrete_gan.plots.palette import REAL_COLOR, UNNAMED_COLOR, variant_colors

DPI = 150
LOSS_PANELS = (("d", "(a) Discriminator loss (log scale)"), ("g", "(b) Generator loss"))
DIAGNOSTIC_PANELS = (
    ("ess", "(a) Effective sample size of the weights", "ESS (of the batch's names)"),
    (
        "half_weight_length",
        "(b) Names carrying half the weight",
        "mean length (letters)",
    ),
)


def read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """An aggregated table, checked for its columns and a row."""
    return fileio.read_table(path, columns, "table", "rerun the step that writes it")


def draw_band(ax: Axes, summary: pd.DataFrame, key: str, label: str, color: str) -> None:
    """Draw one loss's mean over runs as a line over its min-max range as a shaded band."""
    n_runs = int(summary["n_runs"].iloc[0])
    epoch = summary["epoch"]
    mean_label = f"{label}mean over {n_runs} runs"
    ax.plot(epoch, summary[f"{key}_mean"], color=color, zorder=3, label=mean_label)
    low, high = summary[f"{key}_min"], summary[f"{key}_max"]
    ax.fill_between(epoch, low, high, color=color, alpha=0.25, lw=0, label=f"{label}min-max range")
    ax.set_xlim(epoch.min(), epoch.max())


def draw_loss_panels(
    axes: tuple[Axes, Axes], summary: pd.DataFrame, label: str = "", color: str = UNNAMED_COLOR
) -> None:
    """Draw discriminator (log y) and generator losses onto two axes; `label` names a variant."""
    if (summary["d_min"] <= 0).any():
        raise UserError("a discriminator loss is not positive, so no log-scale plot can show it.")
    prefix = f"{label}: " if label else ""
    for ax, (key, title) in zip(axes, LOSS_PANELS, strict=True):
        draw_band(ax, summary, key, prefix, color)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("epoch loss")
        ax.grid(True, alpha=0.3)
        ax.legend()
    axes[0].set_yscale("log")


def draw_length_bars(ax: Axes, lengths: pd.DataFrame, color: str = UNNAMED_COLOR) -> None:
    """Draw grouped bars of name-length counts, one bar per source at each length: generated
    names in `color` (their variant's), real names in grey."""
    colors = {"generated": color, "real": REAL_COLOR}
    sources = list(dict.fromkeys(lengths["source"]))  # in order of appearance
    counts = lengths.pivot_table(index="length", columns="source", values="count", aggfunc="sum")
    counts = counts.reindex(range(int(lengths["length"].max()) + 1), fill_value=0).fillna(0)
    width = 0.8 / len(sources)
    for i, source in enumerate(sources):
        offset = (i - (len(sources) - 1) / 2) * width
        ax.bar(
            counts.index + offset, counts[source], width=width, label=source, color=colors[source]
        )
    totals = lengths.groupby("source")["count"].sum()
    names = " and ".join(f"{int(totals[source])} {source}" for source in sources)
    ax.set_title(f"Length of {names} names")
    ax.set_xticks(np.asarray(counts.index))
    ax.set_xlabel("name length (characters)")
    ax.set_ylabel("count")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()


def new_figure(width: float, height: float) -> Figure:
    """A figure on an Agg canvas, independent of pyplot's global state."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, *paths: Path) -> None:
    """Save `fig` to each path (PNG or PDF, from its suffix), each atomically: the project's
    one figure saver."""
    for path in map(Path, paths):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.suffix.lstrip("."), dpi=DPI)


def name_variant(axes, variant: str) -> None:
    """Prefix each panel's title with the variant it shows (if one is named)."""
    for ax in axes if variant else ():
        ax.set_title(f"{variant}: {ax.get_title()}")


def plot_figure5(summary: pd.DataFrame, png: Path, pdf: Path, variant: str = "") -> None:
    """Figure 5: discriminator and generator epoch losses over runs (of `variant`)."""
    fig = new_figure(10, 4)
    axes = fig.subplots(1, 2)
    draw_loss_panels(axes, summary, color=variant_colors([variant])[variant])
    name_variant(axes, variant)
    save_figure(fig, png, pdf)


def plot_figure6(lengths: pd.DataFrame, png: Path, pdf: Path, variant: str = "") -> None:
    """Figure 6: length distribution of generated and real names (of `variant`)."""
    fig = new_figure(6, 4)
    ax = fig.subplots()
    draw_length_bars(ax, lengths, variant_colors([variant])[variant])
    name_variant([ax], variant)
    save_figure(fig, png, pdf)


def plot_figure5_variants(summaries: dict[str, pd.DataFrame], png: Path, pdf: Path) -> None:
    """Figure 5 of every variant, one row each."""
    fig = new_figure(10, 3.6 * len(summaries))
    axes = fig.subplots(len(summaries), 2, squeeze=False)
    colors = variant_colors(summaries)
    for row, (variant, summary) in enumerate(summaries.items()):
        draw_loss_panels(tuple(axes[row]), summary, variant, colors[variant])
    save_figure(fig, png, pdf)


def plot_figure6_variants(tables: dict[str, pd.DataFrame], png: Path, pdf: Path) -> None:
    """Figure 6 of every variant, side by side on a shared count axis."""
    cols = min(3, len(tables))
    rows = -(-len(tables) // cols)
    fig = new_figure(5.5 * cols, 4 * rows)
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True).ravel()
    colors = variant_colors(tables)
    for ax, (variant, lengths) in zip(axes, tables.items()):
        draw_length_bars(ax, lengths, colors[variant])
        name_variant([ax], variant)
    for ax in axes[len(tables) :]:
        ax.set_visible(False)
    save_figure(fig, png, pdf)


def variant_legend(fig: Figure, summaries: dict[str, pd.DataFrame], colors: dict) -> None:
    """One legend below the panels, an entry per variant (its mean line over its band), so
    that it covers no data however many variants there are."""
    handles = [
        (Patch(color=colors[variant], alpha=0.25, lw=0), Line2D([], [], color=colors[variant]))
        for variant in summaries
    ]
    labels = [f"{variant} ({int(s['n_runs'].iloc[0])} runs)" for variant, s in summaries.items()]
    fig.legend(
        handles,
        labels,
        handler_map={tuple: HandlerTuple(ndivide=1)},
        loc="outside lower center",
        ncols=min(len(labels), 3),
        fontsize="small",
        title="line: mean over runs; band: min-max range over runs",
        title_fontsize="small",
    )


def plot_diagnostics(summaries: dict[str, pd.DataFrame], png: Path, pdf: Path) -> None:
    """The is_gan weight diagnostics per epoch, one band (min-max over runs) per variant."""
    fig = new_figure(10, 4.8)
    axes = fig.subplots(1, 2)
    colors = variant_colors(summaries)
    for ax, (key, title, ylabel) in zip(axes, DIAGNOSTIC_PANELS):
        for variant, summary in summaries.items():
            draw_band(ax, summary, key, f"{variant}: ", colors[variant])
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    variant_legend(fig, summaries, colors)
    save_figure(fig, png, pdf)


def variant_tables(items: list[str], columns: list[str]) -> dict[str, pd.DataFrame]:
    """`variant=path` items as {variant: table}."""
    named = (parse_named(item, "variant=path") for item in items)
    return {variant: read_table(path, columns) for variant, path in named}
