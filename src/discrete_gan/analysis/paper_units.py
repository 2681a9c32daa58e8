"""Every variant in the paper's own units, beside the values read off the paper's figures.

The paper's plotting script (`graphs/main.py` of its published code) plots the natural log of
the mean, minimum and maximum over runs of each epoch loss: Figure 5a is ln l(D), and 5b,
labelled l(G), is ln l(G) too. This step draws both for every variant, with the paper's values
as markers, and Figure 6's length counts beside the paper's; and it tabulates the final epoch's
ln l(D), ln l(G) and mean generated length against the paper's, with whether each difference
lies within the reading tolerance.

The paper's values come from `config/paper_figure_values.csv`, read by eye off Figures 5 and 6
of the published PDF (columns figure, series, x, value, note; x is the epoch, or the name
length in letters for Figure 6). They are approximate: about +-0.1 on the log axes and +-2 on
the counts (`LOG_TOLERANCE`, `COUNT_TOLERANCE`). An optional length-check table
(`length_check.py`) adds the loss of a discriminator that sees only the length difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from discrete_gan.analysis.aggregate import (
    LENGTH_COLUMNS,
    QUARTILES,
    mean_lengths,
    safe_log,
)
from discrete_gan.analysis.markdown import markdown_table
from discrete_gan.fileio import UserError
from discrete_gan.plots.figures import new_figure, read_table, save_figure
from discrete_gan.plots.palette import PAPER_COLOR, REAL_COLOR, variant_colors

LOG_TOLERANCE = 0.1  # reading accuracy of the paper's Figure 5 values, on its ln axes
COUNT_TOLERANCE = 2  # reading accuracy of the paper's Figure 6 counts, in names
PAPER_COLUMNS = ["figure", "series", "x", "value"]
PAPER_SERIES = (
    "ln_d_loss_mean",
    "ln_d_loss_min",
    "ln_d_loss_max",
    "ln_g_loss_mean",
    "generated_count",
    "real_count",
)
LENGTH_CHECK_COLUMNS = ["epoch", "n_runs", "d_min", "d_mean", "d_max"]
# From this epoch on the paper's ln l(D) falls on a straight line; its slope is compared there.
SLOPE_FROM_EPOCH = 50
SHOWN_LENGTHS = range(1, 10)  # Figure 6's name lengths, in letters
LENGTH_ONLY = "length only"
INTEGER_COLUMNS = {"final_epoch": "Int64", "n_runs": "Int64", "curve_points": "Int64"}
# How the paper's read-off values are drawn: black markers with the reading tolerance as bars.
PAPER_STYLE = {"color": PAPER_COLOR, "capsize": 3, "zorder": 5, "ms": 5, "mfc": "none"}
LEGEND_TITLE = (
    "each variant: ln of the mean epoch loss over its runs (line) and of their min-max range "
    "(band); in (c), the lengths of one run's generated names"
)


@dataclass(frozen=True)
class Paper:
    """The paper's read-off values: ln-loss curves {epoch: value} and Figure 6's counts."""

    ln_d: pd.Series
    ln_g: pd.Series
    ln_d_min: float  # at the final read-off epoch, as ln_d_max
    ln_d_max: float
    lengths: pd.DataFrame  # (source, length, count) as aggregate's length tables

    @property
    def final_epoch(self) -> int:
        return int(self.ln_d.index.max())

    @property
    def generated_mean_length(self) -> float:
        return mean_lengths(self.lengths)["generated"]

    @property
    def length_tolerance(self) -> float:
        return mean_length_tolerance(self.lengths, "generated")


def read_paper_values(path: Path) -> pd.DataFrame:
    """The read-off values file, checked: known series, numeric x and value."""
    table = read_table(path, PAPER_COLUMNS)
    missing = [series for series in PAPER_SERIES if series not in set(table["series"])]
    if missing:
        raise UserError(f"paper values file {path} lacks series {', '.join(missing)}.")
    numbers = table[["x", "value"]].apply(pd.to_numeric, errors="coerce")
    if not np.isfinite(numbers.to_numpy(dtype=float)).all():
        raise UserError(f"paper values file {path} holds a missing or non-numeric x or value.")
    return table.assign(x=numbers["x"].astype(int), value=numbers["value"])


def series_of(values: pd.DataFrame, series: str) -> pd.Series:
    """One series of the values file as {x: value}, sorted by x."""
    rows = values[values["series"] == series]
    return pd.Series(rows["value"].to_numpy(float), index=rows["x"].to_numpy(int)).sort_index()


def paper_lengths(values: pd.DataFrame) -> pd.DataFrame:
    """Figure 6's counts as a length table; lengths not read off count zero."""
    counts = {source: series_of(values, f"{source}_count") for source in ("generated", "real")}
    longest = max(max(SHOWN_LENGTHS), *(int(c.index.max()) for c in counts.values()))
    rows = [
        (source, k, int(series.get(k, 0)))
        for source, series in counts.items()
        for k in range(longest + 1)
    ]
    return pd.DataFrame(rows, columns=LENGTH_COLUMNS)


def paper_reference(values: pd.DataFrame) -> Paper:
    """The paper's values in the form the comparisons use."""
    ln_d = series_of(values, "ln_d_loss_mean")
    return Paper(
        ln_d=ln_d,
        ln_g=series_of(values, "ln_g_loss_mean"),
        ln_d_min=float(series_of(values, "ln_d_loss_min").iloc[-1]),
        ln_d_max=float(series_of(values, "ln_d_loss_max").iloc[-1]),
        lengths=paper_lengths(values),
    )


def mean_length_tolerance(lengths: pd.DataFrame, source: str) -> float:
    """How far the mean length can move, at most and to first order, if each non-zero count
    is off by COUNT_TOLERANCE: sum_k COUNT_TOLERANCE * |k - mean| / n over those lengths k."""
    rows = lengths[(lengths["source"] == source) & (lengths["count"] > 0)]
    mean = mean_lengths(rows)[source]
    return float(COUNT_TOLERANCE * (rows["length"] - mean).abs().sum() / rows["count"].sum())


def log_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """ln of each min/mean/max column (`d_mean` -> `ln_d_mean`), as the paper's script plots
    them: the log of the statistic over runs, not a statistic of logs; and of the median and
    quartiles where the summary has them (ln of a quantile is the quantile of the lns)."""
    out = summary[["epoch", "n_runs"]].copy()
    for key in ("d", "g"):
        for stat in ("min", "mean", "max", *QUARTILES):
            if f"{key}_{stat}" in summary:
                out[f"ln_{key}_{stat}"] = safe_log(summary[f"{key}_{stat}"])
    return out


def curve_differences(logs: pd.DataFrame, column: str, paper: pd.Series) -> np.ndarray:
    """`logs[column] - paper` at the paper's read-off epochs that `logs` covers."""
    values = logs.set_index("epoch")[column]
    epochs = [epoch for epoch in paper.index if epoch in values.index]
    return values.loc[epochs].to_numpy(float) - paper.loc[epochs].to_numpy(float)


def late_slope(curve: pd.Series, epochs: pd.Index) -> float:
    """Least-squares slope of a ln-loss curve {epoch: value} per 100 epochs, over `epochs`
    from SLOPE_FROM_EPOCH on; NaN with fewer than two finite values there."""
    late = curve.reindex([epoch for epoch in epochs if epoch >= SLOPE_FROM_EPOCH]).dropna()
    if len(late) < 2:
        return np.nan
    return float(np.polyfit(late.index.to_numpy(float), late.to_numpy(float), 1)[0] * 100)


def nan_mean_abs(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.mean()) if finite.size else np.nan


def within(diff: float, tolerance: float) -> bool | None:
    """Whether |diff| <= tolerance; None where the difference is undefined."""
    return None if np.isnan(diff) else bool(abs(diff) <= tolerance)


def compare(name: str, logs: pd.DataFrame, generated_length: float, paper: Paper) -> dict:
    """One table row: the final epoch's values of `logs`, and their and the curve's
    differences to the paper."""
    final = logs.iloc[-1]
    ln_d, ln_g = final["ln_d_mean"], final.get("ln_g_mean", np.nan)
    d_curve = curve_differences(logs, "ln_d_mean", paper.ln_d)
    g_curve = curve_differences(logs, "ln_g_mean", paper.ln_g) if "ln_g_mean" in logs else []
    both = np.concatenate([d_curve, g_curve])
    ln_d_diff = ln_d - paper.ln_d.iloc[-1]
    ln_g_diff = ln_g - paper.ln_g.iloc[-1]
    length_diff = generated_length - paper.generated_mean_length
    low, high = paper.ln_d_min - LOG_TOLERANCE, paper.ln_d_max + LOG_TOLERANCE
    return {
        "row": name,
        "final_epoch": int(final["epoch"]),
        "n_runs": int(final["n_runs"]),
        "ln_d_mean": ln_d,
        "ln_d_min": final["ln_d_min"],
        "ln_d_max": final["ln_d_max"],
        **{f"ln_d_{stat}": final.get(f"ln_d_{stat}", np.nan) for stat in QUARTILES},
        "ln_g_mean": ln_g,
        "generated_mean_length": generated_length,
        "ln_d_diff": ln_d_diff,
        "ln_g_diff": ln_g_diff,
        "length_diff": length_diff,
        "ln_d_within": within(ln_d_diff, LOG_TOLERANCE),
        "ln_d_in_paper_range": None if np.isnan(ln_d) else bool(low <= ln_d <= high),
        "ln_g_within": within(ln_g_diff, LOG_TOLERANCE),
        "length_within": within(length_diff, paper.length_tolerance),
        "ln_d_curve_mad": nan_mean_abs(d_curve),
        "ln_g_curve_mad": nan_mean_abs(np.asarray(g_curve, float)),
        "curve_mad": nan_mean_abs(both),
        "curve_points": int(np.isfinite(both).sum()),
        "ln_d_slope": late_slope(logs.set_index("epoch")["ln_d_mean"], paper.ln_d.index),
    }


def paper_row(paper: Paper) -> dict:
    """The paper's own values, as a table row."""
    return {
        "row": "paper",
        "final_epoch": paper.final_epoch,
        "ln_d_mean": paper.ln_d.iloc[-1],
        "ln_d_min": paper.ln_d_min,
        "ln_d_max": paper.ln_d_max,
        "ln_g_mean": paper.ln_g.iloc[-1],
        "generated_mean_length": paper.generated_mean_length,
        "ln_d_slope": late_slope(paper.ln_d, paper.ln_d.index),
    }


def comparison_table(
    summaries: dict[str, pd.DataFrame],
    lengths: dict[str, pd.DataFrame],
    paper: Paper,
    length_check: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A row per variant, then the length-only discriminator (if given), then the paper."""
    rows = [
        compare(name, log_summary(summary), mean_lengths(lengths[name])["generated"], paper)
        for name, summary in summaries.items()
    ]
    if length_check is not None:
        rows.append(compare(LENGTH_ONLY, log_summary(length_check), np.nan, paper))
    rows.append(paper_row(paper))  # the columns it lacks are empty
    return pd.DataFrame(rows).astype(INTEGER_COLUMNS)


def diff_cell(value: float, ok: bool | None, in_range: bool | None = None) -> str:
    """A signed difference, whether it lies within the tolerance and, for ln l(D), whether the
    value lies in the paper's range over runs."""
    if pd.isna(ok) or pd.isna(value):
        return "n/a"
    verdict = "within" if ok else "outside"
    if not pd.isna(in_range):
        verdict += "; inside the paper's min-max" if in_range else "; beyond the paper's min-max"
    return f"{value:+.2f} ({verdict})"


def number(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.2f}"


def units_table(table: pd.DataFrame) -> str:
    """The table of final values, differences and tolerances, a row per variant."""
    header = ["row", "final epoch", "runs", "ln l(D) mean [min, max]"]
    header += ["ln l(D) per run: median [quartiles]", "diff", "ln l(G)", "diff"]
    header += ["generated mean length", "diff", "curve: mean abs diff ln l(D)", "ln l(G)"]
    header += [f"ln l(D) slope per 100 epochs from epoch {SLOPE_FROM_EPOCH}"]
    rows = []
    for row in table.to_dict("records"):
        runs = "" if pd.isna(row["n_runs"]) else int(row["n_runs"])
        d = f"{number(row['ln_d_mean'])} [{number(row['ln_d_min'])}, {number(row['ln_d_max'])}]"
        mid, low, high = (number(row.get(f"ln_d_{s}", np.nan)) for s in ("median", "q25", "q75"))
        median = "n/a" if mid == "n/a" else f"{mid} [{low}, {high}]"
        cells = [
            row["row"],
            str(row["final_epoch"]),
            str(runs),
            d,
            median,
            diff_cell(row["ln_d_diff"], row["ln_d_within"], row["ln_d_in_paper_range"]),
            number(row["ln_g_mean"]),
            diff_cell(row["ln_g_diff"], row["ln_g_within"]),
            number(row["generated_mean_length"]),
            diff_cell(row["length_diff"], row["length_within"]),
            number(row["ln_d_curve_mad"]),
            number(row["ln_g_curve_mad"]),
            number(row["ln_d_slope"]),
        ]
        rows.append(cells)
    return markdown_table(header, rows, align="lrrlllrlrlrrr")


def closest_sentence(table: pd.DataFrame, paper: Paper) -> str:
    """Which variant's curves lie closest to the paper's read-off values, and by how much."""
    variants = table[~table["row"].isin([LENGTH_ONLY, "paper"])]
    ranked = variants[np.isfinite(variants["curve_mad"].astype(float))]
    ranked = ranked.sort_values("curve_mad", kind="stable")
    if ranked.empty:
        return "No variant covers the paper's read-off epochs, so none can be ranked."
    best = ranked.iloc[0]
    text = (
        f"Closest to the paper's Figure 5 is **{best['row']}**: its ln l(D) and ln l(G) differ "
        f"from the paper's values by {best['curve_mad']:.2f} on average over "
        f"{best['curve_points']} read-off points (ln l(D) {number(best['ln_d_curve_mad'])}, "
        f"ln l(G) {number(best['ln_g_curve_mad'])})"
    )
    if len(ranked) > 1:
        second = ranked.iloc[1]
        text += f"; next is {second['row']}, at {second['curve_mad']:.2f}"
    return text + "."


def length_only_sentence(table: pd.DataFrame, paper: Paper) -> str:
    """What the length-only discriminator reaches, against the paper's ln l(D)."""
    rows = table[table["row"] == LENGTH_ONLY]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    text = (
        "A discriminator of the same size that sees only the difference in length (real names "
        "padded with `$` as the paper's code pads them, against the same names padded to the "
        "generator's sequence length) ends at ln l(D) = "
        f"{number(row['ln_d_mean'])} after {row['final_epoch'] + 1} epochs (paper: "
        f"{paper.ln_d.iloc[-1]:.1f}); its curve differs from the paper's by "
        f"{number(row['ln_d_curve_mad'])} on average"
    )
    if np.isfinite(row["ln_d_slope"]):
        paper_slope = late_slope(paper.ln_d, paper.ln_d.index)
        text += (
            f", and from epoch {SLOPE_FROM_EPOCH} on it falls by {-row['ln_d_slope']:.2f} per "
            f"100 epochs (paper: {-paper_slope:.2f})"
        )
    return text + "."


def comparison_markdown(table: pd.DataFrame, paper: Paper) -> str:
    """The table, the tolerances, which variant is closest and the length-only result."""
    notes = [
        "Differences are each row minus the paper; *within* means at most the reading "
        f"tolerance: {LOG_TOLERANCE} on the log axes, {paper.length_tolerance:.2f} letters on "
        f"the mean generated length (the counts' ±{COUNT_TOLERANCE}, to first order). The "
        "curve columns average |difference| over the paper's read-off epochs. The paper plots "
        "ln of the mean loss over runs, which its few largest runs decide when the losses span "
        "orders of magnitude; the median and quartiles of ln l(D) over the runs show the "
        "typical run beside it.",
        closest_sentence(table, paper),
        length_only_sentence(table, paper),
    ]
    epochs = table.loc[table["row"] != "paper", "final_epoch"]
    if (epochs != paper.final_epoch).any():
        notes.append(
            f"Some rows end before the paper's final epoch {paper.final_epoch}: their final "
            "values compare unlike epochs."
        )
    head = "# The replication in the paper's units (ln of the epoch losses, as its plots)\n\n"
    return head + units_table(table) + "\n\n" + "\n\n".join(filter(None, notes)) + "\n"


def draw_log_band(ax: Axes, logs: pd.DataFrame, key: str, label: str, color: str) -> None:
    """ln of the mean over runs as a line over the ln of the min-max range."""
    ax.plot(logs["epoch"], logs[f"ln_{key}_mean"], color=color, lw=1.2, label=label)
    low, high = logs[f"ln_{key}_min"], logs[f"ln_{key}_max"]
    ax.fill_between(logs["epoch"], low, high, color=color, alpha=0.2, lw=0)


def draw_loss_panels(
    axes: tuple[Axes, Axes],
    logs: dict[str, pd.DataFrame],
    paper: Paper,
    length_check: pd.DataFrame | None,
) -> None:
    """Panels (a) ln l(D) and (b) ln l(G): every variant, the paper's values, length only."""
    titles = ("(a) ln l(D), discriminator", "(b) ln l(G), generator")
    colors = variant_colors(logs)
    for ax, key, title in zip(axes, ("d", "g"), titles, strict=True):
        for variant, table in logs.items():
            runs = int(table["n_runs"].iloc[0])
            draw_log_band(ax, table, key, f"{variant} ({runs} runs)", colors[variant])
        curve = paper.ln_d if key == "d" else paper.ln_g
        label = f"paper, read off (±{LOG_TOLERANCE})"
        ax.errorbar(curve.index, curve, LOG_TOLERANCE, fmt="o", label=label, **PAPER_STYLE)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"ln of the epoch loss l({key.upper()})")
        ax.grid(True, alpha=0.3)
    label = "paper: min-max over runs"
    ends = (paper.final_epoch, paper.ln_d_min, paper.ln_d_max)
    axes[0].vlines(*ends, lw=2.5, alpha=0.5, color=PAPER_COLOR, label=label)
    if length_check is not None:
        line = log_summary(length_check)
        runs = int(line["n_runs"].iloc[0])
        label = f"length only ({runs} runs)"
        axes[0].plot(line["epoch"], line["ln_d_mean"], "--", color=PAPER_COLOR, lw=1.2, label=label)


def draw_counts_panel(ax: Axes, lengths: dict[str, pd.DataFrame], paper: Paper) -> None:
    """Figure 6's counts per length: every variant's generated names, the paper's two sources
    (with the +-COUNT_TOLERANCE reading error) and the replication's real draw."""
    longest = max(max(SHOWN_LENGTHS), *(int(t["length"].max()) for t in lengths.values()))
    shortest = 0 if any(counts_of(t, "generated", [0])[0] for t in lengths.values()) else 1
    ks = list(range(shortest, longest + 1))
    for variant, color in variant_colors(lengths).items():
        counts = counts_of(lengths[variant], "generated", ks)
        ax.plot(ks, counts, "-o", ms=3, color=color)  # named in the legend by panels (a), (b)
    first = next(iter(lengths.values()))
    ax.plot(ks, counts_of(first, "real", ks), ":", color=REAL_COLOR, label="real (this draw)")
    for source, marker in (("generated", "s"), ("real", "D")):
        counts = counts_of(paper.lengths, source, ks)
        label = f"paper: {source} (±{COUNT_TOLERANCE})"
        ax.errorbar(ks, counts, COUNT_TOLERANCE, fmt=marker, label=label, **PAPER_STYLE)
    ax.set_xticks(ks)
    ax.set_title("(c) Figure 6: name lengths")
    ax.set_xlabel("name length (letters)")
    ax.set_ylabel("count")
    ax.grid(True, alpha=0.3)


def figure_legend(fig: Figure, axes) -> None:
    """One legend below the panels, each label once: inside a panel it would cover curves."""
    entries: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    fig.legend(
        list(entries.values()),
        list(entries),
        loc="outside lower center",
        ncols=6,
        fontsize="small",
        title=LEGEND_TITLE,
        title_fontsize="small",
    )


def counts_of(lengths: pd.DataFrame, source: str, ks: list[int]) -> np.ndarray:
    """Counts of one source at lengths `ks`, zero where a length is absent."""
    rows = lengths[lengths["source"] == source].groupby("length")["count"].sum()
    return rows.reindex(ks, fill_value=0).to_numpy()


def plot_paper_units(
    summaries: dict[str, pd.DataFrame],
    lengths: dict[str, pd.DataFrame],
    paper: Paper,
    png: Path,
    pdf: Path,
    length_check: pd.DataFrame | None = None,
) -> None:
    """Panels (a) ln l(D), (b) ln l(G) and (c) Figure 6's counts, beside the paper's values."""
    fig = new_figure(16, 5.6)
    axes = fig.subplots(1, 3)
    logs = {variant: log_summary(summary) for variant, summary in summaries.items()}
    draw_loss_panels((axes[0], axes[1]), logs, paper, length_check)
    draw_counts_panel(axes[2], lengths, paper)
    figure_legend(fig, axes)
    save_figure(fig, png, pdf)
