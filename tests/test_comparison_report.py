"""Tests for the comparison report: summary numbers, Markdown tables, figures, reference points
and the CLI."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection

from discrete_gan.analysis.comparison_report import (
    CSV_COLUMNS,
    SUMMARY_COLUMNS,
    closest_to_one,
    draw_curves,
    draw_metrics,
    draw_reference_lines,
    draw_seed_points,
    draw_tradeoff,
    reference_legend,
    significant,
    summarise,
    summary_markdown,
    summary_table,
)
from discrete_gan.cli.comparison_report import main
from discrete_gan.fileio import UserError, run_cli
from discrete_gan.plots.figures import new_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NLL, NOVELTY, SHARE = "heldout_nll_per_char", "novelty", "heldout_share"
# (method, temperature, metric) -> values for seeds 0 and 1; "mle" first, temperature 1.0 first,
# so that the report's order (methods as they appear, temperatures ascending) is tested.
VALUES = {
    ("mle", 1.0, NLL): (2.0, 2.2),
    ("mle", 1.0, NOVELTY): (0.5, 0.7),
    ("mle", 1.0, SHARE): (0.10, 0.14),
    ("mle", 0.5, NLL): (1.8, 1.9),
    ("mle", 0.5, NOVELTY): (0.2, 0.3),
    ("mle", 0.5, SHARE): (0.2, 0.25),
    ("is_gan", 1.0, NLL): (2.5, 2.9),
    ("is_gan", 1.0, NOVELTY): (0.8, 0.9),
    ("is_gan", 1.0, SHARE): (0.05, 0.07),
    ("is_gan", 0.5, NLL): (2.3, 2.4),
    ("is_gan", 0.5, NOVELTY): (0.6, 0.6),
    ("is_gan", 0.5, SHARE): (0.1, 0.12),
}


def tiny_metrics() -> pd.DataFrame:
    rows = [
        (method, seed, temperature, metric, value)
        for (method, temperature, metric), values in VALUES.items()
        for seed, value in enumerate(values)
    ]
    return pd.DataFrame(rows, columns=["method", "seed", "temperature", "metric", "value"])


def tiny_curves() -> pd.DataFrame:
    rows = [
        (method, seed, epoch, start - 0.05 * epoch + 0.1 * seed)
        for method, start in (("mle", 3.0), ("is_gan", 3.2))
        for seed in (0, 1)
        for epoch in (0, 5, 10)
    ]
    return pd.DataFrame(rows, columns=["method", "seed", "epoch", "heldout_nll_per_char"])


def tiny_reference() -> pd.DataFrame:
    """Two n-gram NLLs, and a metric (bigram JSD) that the tiny methods table lacks."""
    rows = [
        ("uniform", NLL, math.log(27)),
        ("trigram", NLL, 2.05),
        ("train_names", "bigram_jsd", 0.0185),
    ]
    return pd.DataFrame(rows, columns=["reference", "metric", "value"])


def summary_row(summary: pd.DataFrame, method: str, temperature: float, metric: str) -> pd.Series:
    match = summary.loc[
        (summary["method"] == method)
        & (summary["temperature"] == temperature)
        & (summary["metric"] == metric)
    ]
    assert len(match) == 1
    return match.iloc[0]


def table_cells(markdown: str, temperature: str, method: str) -> list[str]:
    """The cells of one method's row in one temperature's table."""
    return section_cells(markdown, f"Temperature {temperature}", method)


def section_cells(markdown: str, heading: str, first: str) -> list[str]:
    """The cells of the row that starts with `first` in the table under `## heading`."""
    section = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert section, f"no section {heading}"
    for line in section.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == first:
            return cells[1:]
    raise AssertionError(f"no row {first} under {heading}")


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 5000  # more than an empty canvas header
    assert not list(path.parent.glob(".*.tmp"))  # no leftover temporary files


def test_summarise_matches_hand_computed_numbers():
    summary = summarise(tiny_metrics())
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == 12
    row = summary_row(summary, "mle", 1.0, NLL)
    assert row["mean"] == pytest.approx(2.1)
    assert row["std"] == pytest.approx(math.sqrt(0.02))  # ((0.1)^2 + (0.1)^2) / (2 - 1)
    assert (row["min"], row["max"], row["n_seeds"]) == (pytest.approx(2.0), pytest.approx(2.2), 2)
    row = summary_row(summary, "is_gan", 1.0, SHARE)
    assert row["mean"] == pytest.approx(0.06)
    assert row["std"] == pytest.approx(math.sqrt(2e-4))
    assert summary_row(summary, "is_gan", 0.5, NOVELTY)["std"] == pytest.approx(0.0)


def test_summarise_orders_methods_as_they_appear_and_temperatures_ascending():
    summary = summarise(tiny_metrics())
    assert list(dict.fromkeys(summary["method"])) == ["mle", "is_gan"]
    assert list(summary["temperature"][:6]) == [0.5] * 3 + [1.0] * 3
    assert list(summary["metric"][:3]) == [NLL, NOVELTY, SHARE]


def test_summarise_single_seed_has_no_std():
    metrics = tiny_metrics()
    summary = summarise(metrics.loc[metrics["seed"] == 0])
    assert summary["std"].isna().all()
    assert (summary["n_seeds"] == 1).all()
    assert summary["mean"].equals(summary["min"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.1, "2.10"),
        (0.0283, "0.0283"),
        (0.000123456, "0.000123"),
        (-12.34, "-12.3"),
        (1234.6, "1235"),
        (0.0, "0"),
    ],
)
def test_significant_keeps_three_digits(value, text):
    assert significant(value) == text


def test_markdown_has_one_table_per_temperature_with_mean_and_std():
    markdown = summary_markdown(summarise(tiny_metrics()), tiny_reference())
    assert markdown.index("## Temperature 0.5") < markdown.index("## Temperature 1.0")
    assert "mean ± sample standard deviation over 2 seeds" in markdown
    assert table_cells(markdown, "1.0", "mle") == [
        "2.10 ± 0.141",
        "0.600 ± 0.141",
        "0.120 ± 0.0283",
    ]
    assert table_cells(markdown, "0.5", "is_gan") == [
        "2.35 ± 0.0707",
        "0.600 ± 0",
        "0.110 ± 0.0141",
    ]
    assert markdown.index("| mle |") < markdown.index("| is_gan |")


def test_markdown_legend_gives_better_direction():
    markdown = summary_markdown(summarise(tiny_metrics()), tiny_reference())
    assert "↓ lower is better: held-out NLL per char" in markdown
    assert "↑ higher is better: held-out real-name share" in markdown
    assert "no better direction: novelty" in markdown
    assert "| method | held-out NLL per char ↓ | novelty | held-out real-name share ↑ |" in markdown


def test_markdown_marks_missing_cells_and_fewer_seeds():
    metrics = tiny_metrics()
    drop = (metrics["method"] == "is_gan") & (metrics["temperature"] == 0.5)
    metrics = metrics.loc[~(drop & (metrics["metric"] == SHARE))]
    metrics = metrics.loc[~(drop & (metrics["metric"] == NLL) & (metrics["seed"] == 1))]
    markdown = summary_markdown(summarise(metrics), tiny_reference())
    assert table_cells(markdown, "0.5", "is_gan") == ["2.30 (n=1)", "0.600 ± 0", "–"]
    assert "(n=k) marks a cell with fewer seeds" in markdown


def test_markdown_for_a_single_seed_shows_plain_values():
    metrics = tiny_metrics()
    markdown = summary_markdown(summarise(metrics.loc[metrics["seed"] == 1]), tiny_reference())
    assert "single seed" in markdown
    assert table_cells(markdown, "1.0", "mle") == ["2.20", "0.700", "0.140"]


def test_markdown_lists_reference_points_after_the_methods():
    markdown = summary_markdown(summarise(tiny_metrics()), tiny_reference())
    assert markdown.index("## Temperature 1.0") < markdown.index("## Reference points")
    assert "Reference points, not methods" in markdown
    assert "| reference | held-out NLL per char ↓ | bigram JSD ↓ |" in markdown
    assert section_cells(markdown, "Reference points", "uniform (1/27 each)") == ["3.30", "–"]
    assert section_cells(markdown, "Reference points", "trigram model") == ["2.05", "–"]
    assert section_cells(markdown, "Reference points", "training names as samples") == [
        "–",
        "0.0185",
    ]
    assert "| uniform |" not in markdown.split("## Reference points")[0]


def test_summary_table_appends_reference_rows():
    summary = summarise(tiny_metrics())
    table = summary_table(summary, tiny_reference())
    assert list(table.columns) == CSV_COLUMNS
    assert list(table["kind"]) == ["method"] * len(summary) + ["reference"] * 3
    methods = table.loc[table["kind"] == "method", SUMMARY_COLUMNS]
    pd.testing.assert_frame_equal(methods, summary, check_dtype=False)
    points = table.loc[table["kind"] == "reference"].reset_index(drop=True)
    assert list(points["method"]) == ["uniform", "trigram", "train_names"]
    assert points["mean"].tolist() == pytest.approx([math.log(27), 2.05, 0.0185])
    assert points["mean"].equals(points["min"]) and points["mean"].equals(points["max"])
    assert points[["temperature", "std", "n_seeds"]].isna().all().all()


def test_reference_lines_are_drawn_where_the_metric_matches():
    ax = new_figure(3, 3).subplots()
    lines = draw_reference_lines(ax, tiny_reference(), NLL)
    assert list(lines) == ["uniform", "trigram"]
    assert [line.get_ydata()[0] for line in lines.values()] == pytest.approx([math.log(27), 2.05])
    assert lines["uniform"].get_linestyle() != lines["trigram"].get_linestyle()
    assert draw_reference_lines(ax, tiny_reference(), NOVELTY) == {}


def test_reference_legend_names_each_line_once():
    fig = new_figure(6, 3)
    left, right = fig.subplots(1, 2)
    lines = draw_reference_lines(left, tiny_reference(), NLL)
    lines |= draw_reference_lines(right, tiny_reference(), "bigram_jsd")
    reference_legend(fig, lines)
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == [
        "uniform (1/27 each)",
        "trigram model",
        "training names as samples",
    ]
    reference_legend(new_figure(3, 3), {})  # nothing to name: no legend, no error


def test_closest_to_one_prefers_one_then_the_nearest():
    assert closest_to_one(pd.Series([0.5, 1.0, 1.3])) == 1.0
    assert closest_to_one(pd.Series([1.3, 0.5, 0.8])) == 0.8


def test_seed_points_show_every_seed_and_the_mean():
    metrics = tiny_metrics()
    table = metrics.loc[(metrics["temperature"] == 1.0) & (metrics["metric"] == NLL)]
    ax = new_figure(3, 3).subplots()
    draw_seed_points(ax, table, ["mle", "is_gan"])
    points = [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
    means = [c.get_segments()[0] for c in ax.collections if isinstance(c, LineCollection)]
    assert [sorted(p[:, 1]) for p in points] == [pytest.approx(v) for v in ([2.0, 2.2], [2.5, 2.9])]
    assert [p[:, 0].mean() for p in points] == pytest.approx([0, 1])  # spread around each method
    assert np.ptp(points[0][:, 0]) > 0  # seeds do not overlap
    assert [m[0, 1] for m in means] == pytest.approx([2.1, 2.7])


def test_figures_are_written_as_png(tmp_path):
    metrics, reference = tiny_metrics(), tiny_reference()
    draw_metrics(metrics, reference, tmp_path / "metrics.png")
    draw_metrics(metrics.loc[metrics["temperature"] != 1.0], reference, tmp_path / "no_one.png")
    draw_curves(tiny_curves(), reference, tmp_path / "curves.png")
    draw_tradeoff(summarise(metrics), reference, tmp_path / "tradeoff.png")
    for name in ("metrics", "no_one", "curves", "tradeoff"):
        assert_png(tmp_path / f"{name}.png")


def test_tradeoff_needs_novelty(tmp_path):
    metrics = tiny_metrics()
    summary = summarise(metrics.loc[metrics["metric"] != NOVELTY])
    with pytest.raises(UserError, match="no novelty rows"):
        draw_tradeoff(summary, tiny_reference(), tmp_path / "tradeoff.png")
    assert not list(tmp_path.iterdir())


def write_inputs(folder: Path) -> tuple[Path, Path]:
    metrics, curves = folder / "metrics.csv", folder / "curves.csv"
    tiny_metrics().to_csv(metrics, index=False)
    tiny_curves().to_csv(curves, index=False)
    tiny_reference().to_csv(folder / "reference.csv", index=False)
    return metrics, curves


def cli_args(metrics: Path, curves: Path, out: Path) -> list[str]:
    reference = metrics.parent / "reference.csv"
    return [
        "--metrics", str(metrics), "--curves", str(curves), "--reference", str(reference),
        "--summary-csv", str(out / "summary.csv"), "--summary-md", str(out / "summary.md"),
        "--figure-metrics", str(out / "metrics.png"), "--figure-curves", str(out / "curves.png"),
        "--figure-tradeoff", str(out / "tradeoff.png"),
    ]  # fmt: skip


def test_main_writes_every_output(tmp_path, capsys):
    metrics, curves = write_inputs(tmp_path)
    out = tmp_path / "report"
    main(cli_args(metrics, curves, out))
    expected = summarise(tiny_metrics())
    written = pd.read_csv(out / "summary.csv")
    assert list(written.columns) == CSV_COLUMNS
    methods = written.loc[written["kind"] == "method", SUMMARY_COLUMNS]
    pd.testing.assert_frame_equal(
        methods, expected, check_exact=False, rtol=1e-9, check_dtype=False
    )
    points = written.loc[written["kind"] == "reference"]
    assert points["mean"].tolist() == pytest.approx(tiny_reference()["value"].tolist())
    markdown = summary_markdown(expected, tiny_reference())
    assert (out / "summary.md").read_text(encoding="utf-8") == markdown
    for name in ("metrics", "curves", "tradeoff"):
        assert_png(out / f"{name}.png")
    printed = capsys.readouterr().out
    assert "summarised 2 methods at 2 temperatures and 3 reference points" in printed


def test_main_writes_missing_std_as_empty(tmp_path):
    metrics, curves = write_inputs(tmp_path)
    table = pd.read_csv(metrics)
    table.loc[table["seed"] == 0].to_csv(metrics, index=False)
    main(cli_args(metrics, curves, tmp_path))
    lines = (tmp_path / "summary.csv").read_text().splitlines()
    assert lines[1].startswith("method,mle,0.5,heldout_nll_per_char,1.8,,1.8,1.8,1")
    assert lines[-1].startswith("reference,train_names,,bigram_jsd,0.0185,,0.0185,0.0185,")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("method,seed,temperature,metric\nmle,0,1.0,novelty\n", "lacks column.*value"),
        ("", "cannot read metrics table"),
        ("method,seed,temperature,metric,value\n", "has no rows"),
        ("method,seed,temperature,metric,value\nmle,0,1.0,novelty,high\n", "non-numeric"),
        ("method,seed,temperature,metric,value\n,0,1.0,novelty,0.5\n", "missing"),
        ("method,seed,temperature,metric,value\nm,0,1,novelty,0.5\nm,0,1,novelty,0.6\n", "repeats"),
    ],
)
def test_main_rejects_bad_metrics_table(tmp_path, content, message):
    metrics, curves = write_inputs(tmp_path)
    metrics.write_text(content)
    with pytest.raises(UserError, match=message) as err:
        main(cli_args(metrics, curves, tmp_path / "report"))
    assert str(metrics) in str(err.value)
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("reference,metric\nuniform,heldout_nll_per_char\n", "lacks column.*value"),
        ("reference,metric,value\n", "has no rows"),
        ("reference,metric,value\nuniform,heldout_nll_per_char,inf\n", "infinite"),
        ("reference,metric,value\nuniform,novelty,0.5\nuniform,novelty,0.6\n", "repeats"),
    ],
)
def test_main_rejects_bad_reference_table(tmp_path, content, message):
    metrics, curves = write_inputs(tmp_path)
    reference = tmp_path / "reference.csv"
    reference.write_text(content)
    with pytest.raises(UserError, match=message) as err:
        main(cli_args(metrics, curves, tmp_path / "report"))
    assert f"reference table {reference}" in str(err.value)
    assert not (tmp_path / "report").exists()


def test_main_rejects_missing_curves_file(tmp_path, capsys):
    metrics, _ = write_inputs(tmp_path)
    missing = tmp_path / "absent.csv"
    with pytest.raises(SystemExit) as exit_info:
        run_cli(main, cli_args(metrics, missing, tmp_path / "report"))
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: cannot read curves table {missing}")
    assert error.count("\n") == 1
    assert not (tmp_path / "report").exists()
