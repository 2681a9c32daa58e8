"""Tests for the benchmark report: bootstrap intervals, paired differences, the verdict, the
Markdown report, the figures, input checks and the CLI."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from discrete_gan.analysis.benchmark_figures import draw_plane
from discrete_gan.analysis.benchmark_report import (
    DIFFERENCE_COLUMNS,
    SUMMARY_COLUMNS,
    bootstrap_ci,
    interval,
    paired_differences,
    read_selection,
    report_markdown,
    seed_differences,
    summary_table,
    verdict,
    write_report,
)
from discrete_gan.cli.benchmark_report import main
from discrete_gan.fileio import UserError, run_cli
from discrete_gan.plots.figures import new_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NLL, QUALITY = "test_nll_per_char", "reference_nll_per_char"
SEEDS = np.arange(10)
SEED_EFFECT = 0.4 * np.sin(SEEDS)  # shared by every method of a seed: what pairing removes
ALTERNATE = 0.05 * (-1.0) ** SEEDS  # mean zero over the ten seeds
TEMPERATURES = (0.5, 1.0, 1.5)
# (method, regime) -> per-seed offsets to mle of (test NLL, reference NLL) at every temperature.
OFFSETS = {
    ("mle", "scratch"): (0 * SEEDS, 0 * SEEDS),
    ("is_gan", "scratch"): (0.5 + ALTERNATE, 0.3 + ALTERNATE),  # worse on both
    ("is_gan", "pretrained"): (-0.05 + 0.1 * ALTERNATE, -0.1 + 0.2 * ALTERNATE),  # better on both
    ("reinforce", "scratch"): (ALTERNATE, 0.2 + 0.1 * ALTERNATE),  # same NLL, worse quality
    ("reinforce", "pretrained"): (ALTERNATE, ALTERNATE),  # indistinguishable on both
}


def make_metrics() -> pd.DataFrame:
    """Ten seeds, three temperatures, the two NLLs, novelty and a metric the report never heard
    of; NLL and quality move with temperature as sampling does."""
    rows = []
    for (method, regime), (coverage, quality) in OFFSETS.items():
        for t in TEMPERATURES:
            for seed in SEEDS:
                nll = 2.0 + 2 * (t - 1) ** 2 + SEED_EFFECT[seed] + coverage[seed]
                ref = 1.8 + 0.5 * (t - 1) + 0.5 * SEED_EFFECT[seed] + quality[seed]
                for metric, value in ((NLL, nll), (QUALITY, ref), ("novelty", 0.5 + 0.1 * t)):
                    rows.append((method, regime, seed, t, metric, value))
                rows.append((method, regime, seed, t, "odd_metric", float(seed)))
    return pd.DataFrame(
        rows, columns=["method", "regime", "seed", "temperature", "metric", "value"]
    )


def make_selection() -> pd.DataFrame:
    """Three configs per method and regime, two search seeds each; config 1 is selected and has
    the lowest mean validation NLL."""
    settings = ['{"lr": 0.01}', '{"lr": 0.005, "d_steps": 2}', "{}"]
    rows = [
        (method, regime, config, seed, 2.5 - 0.2 * (config == 1) + 0.1 * seed, config == 1, text)
        for method, regime in OFFSETS
        for config, text in enumerate(settings)
        for seed in (0, 1)
    ]
    columns = ["method", "regime", "config", "seed", "validation_nll_per_char", "selected"]
    return pd.DataFrame(rows, columns=[*columns, "settings"])


def make_curves() -> pd.DataFrame:
    rows = [
        (method, regime, seed, epoch, 3.0 - 0.05 * epoch + 0.01 * seed)
        for method, regime in OFFSETS
        for seed in SEEDS
        for epoch in (0, 5, 10)
    ]
    columns = ["method", "regime", "seed", "epoch", "validation_nll_per_char"]
    return pd.DataFrame(rows, columns=columns)


def make_reference() -> pd.DataFrame:
    rows = [
        ("uniform", NLL, math.log(27)),
        ("trigram", NLL, 2.3),
        ("reference_model", QUALITY, 1.7),
        ("train_names", "bigram_jsd", 0.01),
    ]
    return pd.DataFrame(rows, columns=["reference", "metric", "value"])


def write_inputs(folder: Path) -> dict[str, Path]:
    tables = {
        "selection": make_selection(),
        "metrics": make_metrics(),
        "curves": make_curves(),
        "reference": make_reference(),
    }
    paths = {}
    for name, table in tables.items():
        paths[name] = folder / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    return paths


def section(markdown: str, heading: str) -> str:
    found = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", markdown, re.M | re.S)
    assert found, f"no section {heading}"
    return found.group(1)


def row_cells(text: str, *first: str) -> list[str]:
    """The cells after the leading `first` cells of the table row that starts with them."""
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if tuple(cells[: len(first)]) == first:
            return cells[len(first) :]
    raise AssertionError(f"no row {first}")


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 5000
    assert not list(path.parent.glob(".*.tmp"))


def difference(differences: pd.DataFrame, method: str, regime: str, metric: str) -> pd.Series:
    match = differences.loc[
        (differences["method"] == method)
        & (differences["regime"] == regime)
        & (differences["metric"] == metric)
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_bootstrap_ci_contains_the_mean_and_is_deterministic():
    values = np.random.default_rng(3).normal(2.0, 0.3, size=10)
    mean, low, high = bootstrap_ci(values, seed=7)
    assert mean == pytest.approx(values.mean())
    assert low < mean < high
    assert values.min() < low and high < values.max()
    assert bootstrap_ci(values, seed=7) == (mean, low, high)
    assert bootstrap_ci(values, seed=8) != (mean, low, high)


def test_bootstrap_ci_narrows_with_more_seeds_and_a_lower_level():
    rng = np.random.default_rng(0)
    widths = []
    for n in (10, 100, 1000):
        _, low, high = bootstrap_ci(rng.normal(0.0, 1.0, size=n), seed=0)
        widths.append(high - low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[2] == pytest.approx(2 * 1.96 / math.sqrt(1000), rel=0.2)
    values = rng.normal(0.0, 1.0, size=10)
    _, low95, high95 = bootstrap_ci(values, seed=0)
    _, low50, high50 = bootstrap_ci(values, seed=0, level=0.5)
    assert low95 < low50 < high50 < high95


def test_bootstrap_ci_of_one_value_has_no_interval():
    mean, low, high = bootstrap_ci([2.5], seed=0)
    assert mean == 2.5 and math.isnan(low) and math.isnan(high)


def test_summary_table_has_a_row_per_method_regime_temperature_and_metric():
    metrics = make_metrics()
    summary = summary_table(metrics)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == len(OFFSETS) * len(TEMPERATURES) * 4
    assert (summary["n_seeds"] == 10).all()
    assert (summary["ci_low"] <= summary["mean"]).all()
    assert (summary["mean"] <= summary["ci_high"]).all()
    row = summary.loc[(summary["method"] == "is_gan") & (summary["regime"] == "scratch")]
    row = row.loc[(row["temperature"] == 1.0) & (row["metric"] == NLL)].iloc[0]
    assert row["mean"] == pytest.approx(2.5 + SEED_EFFECT.mean())
    assert list(dict.fromkeys(summary["method"])) == ["mle", "is_gan", "reinforce"]
    assert list(summary["temperature"][:12]) == [0.5] * 4 + [1.0] * 4 + [1.5] * 4
    assert "odd_metric" in set(summary["metric"])


def test_paired_differences_pair_by_seed_not_by_row():
    """A seed effect far larger than the method's gap: paired by seed, the gap is clear; each
    method's interval alone, or the difference paired across seeds, straddles it. Rows shuffled,
    and an extra seed of the method alone that would swamp the mean were it used."""
    metrics = make_metrics()
    metrics = metrics.loc[metrics["metric"] == NLL].copy()
    metrics["value"] += 10 * SEED_EFFECT[metrics["seed"]]  # the same for every method of a seed
    extra = pd.DataFrame([("is_gan", "pretrained", 99, 1.0, NLL, 100.0)], columns=metrics.columns)
    metrics = pd.concat([metrics, extra]).sample(frac=1.0, random_state=1)
    differences = paired_differences(metrics)
    assert list(differences.columns) == DIFFERENCE_COLUMNS
    row = difference(differences, "is_gan", "pretrained", NLL)
    assert row["n_pairs"] == 10
    assert row["mean"] == pytest.approx(-0.05)
    assert row["ci_high"] < 0
    at_one = metrics.loc[(metrics["temperature"] == 1.0) & (metrics["seed"] < 10)]
    values = {
        method: at_one.loc[(at_one["method"] == method) & (at_one["regime"] == regime)]
        .sort_values("seed")["value"]
        .to_numpy()
        for method, regime in (("mle", "scratch"), ("is_gan", "pretrained"))
    }
    alone = {method: bootstrap_ci(v, seed=0) for method, v in values.items()}
    assert alone["is_gan"][2] > alone["mle"][1]  # the two intervals overlap
    _, low, high = bootstrap_ci(values["is_gan"] - values["mle"][::-1], seed=0)  # seeds mismatched
    assert low < 0 < high
    paired = seed_differences(metrics)
    one = paired.loc[(paired["method"] == "is_gan") & (paired["regime"] == "pretrained")]
    assert sorted(one["seed"]) == list(range(10))


def test_paired_differences_use_the_temperature_closest_to_one():
    metrics = make_metrics()
    metrics["temperature"] = metrics["temperature"].replace({1.0: 0.9})
    differences = paired_differences(metrics)
    assert set(differences["temperature"]) == {0.9}
    assert difference(differences, "is_gan", "scratch", NLL)["mean"] == pytest.approx(0.5)
    assert not ((differences["method"] == "mle") & (differences["regime"] == "scratch")).any()
    assert set(differences["metric"]) == {NLL, QUALITY, "novelty", "odd_metric"}


def test_missing_baseline_is_a_one_sentence_user_error():
    metrics = make_metrics()
    with pytest.raises(UserError, match=r"no rows of the baseline mle \(scratch\)"):
        paired_differences(metrics.loc[metrics["method"] != "mle"])
    with pytest.raises(UserError, match="baseline gumbel"):
        paired_differences(metrics, baseline="gumbel")
    with pytest.raises(UserError, match="only the baseline mle"):
        paired_differences(metrics.loc[metrics["method"] == "mle"])


def test_a_method_without_shared_seeds_is_a_user_error():
    metrics = make_metrics()
    metrics.loc[metrics["method"] == "reinforce", "seed"] += 100
    with pytest.raises(UserError, match="shares no seed"):
        paired_differences(metrics)


def test_verdict_says_better_worse_and_indistinguishable_from_the_numbers():
    text = verdict(paired_differences(make_metrics()))
    lines = {line.split(":")[0]: line for line in text.splitlines() if line.startswith("- ")}
    assert lines.keys() == {
        "- is_gan (scratch)",
        "- is_gan (pretrained)",
        "- reinforce (scratch)",
        "- reinforce (pretrained)",
    }
    assert re.search(
        r"test NLL per char worse than mle .*; sample quality worse than mle",
        lines["- is_gan (scratch)"],
    )
    assert re.search(
        r"test NLL per char better .*; sample quality better", lines["- is_gan (pretrained)"]
    )
    assert re.search(
        r"indistinguishable from mle .*; sample quality worse", lines["- reinforce (scratch)"]
    )
    assert lines["- reinforce (pretrained)"].count("indistinguishable from mle") == 2
    assert "**Answer.** Yes" in text and "is_gan (pretrained)" in text.splitlines()[-1]
    assert "temperature 1" in text


def constructed(rows: list[tuple]) -> pd.DataFrame:
    """Differences at T = 1 from (method, regime, metric, mean, low, high, pairs) rows."""
    return pd.DataFrame(
        [("mle", method, regime, 1.0, metric, *rest) for method, regime, metric, *rest in rows],
        columns=DIFFERENCE_COLUMNS,
    )


def test_verdict_answers_no_and_not_clearly():
    no = constructed(
        [
            ("gumbel", "scratch", NLL, 0.3, 0.1, 0.5, 10),
            ("gumbel", "scratch", QUALITY, -0.01, -0.05, 0.02, 10),
            ("bgan", "pretrained", NLL, -0.2, math.nan, math.nan, 1),
        ]
    )
    text = verdict(no)
    assert "**Answer.** No" in text
    assert text.endswith("too few paired seeds to tell for bgan (pretrained).")
    assert "sample quality not measured" in text
    assert "test NLL per char undetermined" in text
    assert "Yes" not in text and "Not clearly" not in text
    trade = constructed(
        [
            ("bgan", "scratch", NLL, -0.3, -0.5, -0.1, 10),
            ("bgan", "scratch", QUALITY, 0.2, 0.1, 0.4, 10),
        ]
    )
    assert "**Answer.** Not clearly" in verdict(trade)
    assert "better than mle" in verdict(trade) and "worse than mle" in verdict(trade)


def test_figures_are_written_and_pretrained_curves_are_dashed(tmp_path):
    paths = write_inputs(tmp_path)
    outputs = {name: tmp_path / "out" / f"{name}.png" for name in ("qd", "curves")}
    write_report(*paths.values(), tmp_path / "s.csv", tmp_path / "r.md", *outputs.values())
    for path in outputs.values():
        assert_png(path)
    summary = summary_table(make_metrics())
    ax = new_figure(6, 4).subplots()
    lines = draw_plane(ax, summary, make_reference(), 1.0)
    assert set(lines) == set(OFFSETS)
    assert {lines[key].get_linestyle() for key in OFFSETS if key[1] == "pretrained"} == {"--"}
    assert {lines[key].get_linestyle() for key in OFFSETS if key[1] == "scratch"} == {"-"}
    assert len(lines["mle", "scratch"].get_xdata()) == len(TEMPERATURES)


def test_report_holds_the_selection_results_differences_verdict_and_figures(tmp_path):
    metrics, selection = make_metrics(), read_selection_frame(make_selection(), tmp_path)
    summary, differences = summary_table(metrics), paired_differences(metrics)
    markdown = report_markdown(
        selection, summary, differences, make_reference(), "qd.png", "curves.png"
    )
    selected = section(markdown, "Selected settings")
    assert "Every method and regime searched 3 configurations." in selected
    assert row_cells(selected, "is_gan", "pretrained") == ["1", "lr=0.005, d_steps=2", "2.35", "2"]
    every = section(markdown, "Every searched configuration (mean over search seeds)")
    assert row_cells(every, "mle", "scratch", "1") == ["lr=0.005, d_steps=2", "**2.35**", "2", "✓"]
    assert row_cells(every, "mle", "scratch", "2") == ["defaults", "2.55", "2", ""]
    results = section(markdown, "Test results at temperature 1")
    header = row_cells(results, "method", "regime", "seeds")
    assert header[:2] == ["test NLL/char ↓", "reference NLL/char ↓"] and "odd_metric" in header
    row = summary.loc[(summary["method"] == "is_gan") & (summary["regime"] == "scratch")]
    row = row.loc[(row["temperature"] == 1.0) & (row["metric"] == NLL)].iloc[0]
    cell = row_cells(results, "is_gan", "scratch", "10")[0]
    assert re.fullmatch(r"[\d.]+ \[[\d.]+, [\d.]+\]", cell)
    low, high = map(float, re.findall(r"[\d.]+", cell)[1:])
    assert low == pytest.approx(row["ci_low"], rel=1e-2) and high == pytest.approx(
        row["ci_high"], rel=1e-2
    )
    assert row_cells(section(markdown, "Reference points"), "trigram")[0] == "2.30"
    paired = section(markdown, "Paired differences to mle (scratch)")
    assert row_cells(paired, "is_gan", "scratch", "10")[0].startswith("+0.500 [")
    assert row_cells(paired, "is_gan", "pretrained", "10")[0].startswith("-0.0500 [")
    assert "**Answer.** Yes" in section(markdown, "Verdict")
    assert "](qd.png)" in markdown and "](curves.png)" in markdown


def test_report_notes_unequal_budgets_and_a_selection_off_the_lowest_mean(tmp_path):
    selection = make_selection()
    selection = selection.loc[~((selection["method"] == "mle") & (selection["config"] == 2))]
    selection.loc[selection["method"] == "reinforce", "selected"] = (
        selection["config"] == 0
    )  # not the lowest mean
    text = section(
        report_markdown(
            read_selection_frame(selection, tmp_path),
            summary_table(make_metrics()),
            paired_differences(make_metrics()),
            make_reference(),
            "a.png",
            "b.png",
        ),
        "Selected settings",
    )
    assert "The search budgets differ: mle (scratch) 2, is_gan (scratch) 3" in text
    assert "not the lowest-mean one for reinforce (scratch), reinforce (pretrained)." in text


def read_selection_frame(selection: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """A selection table as `read_selection` returns it, through a CSV in `folder`."""
    path = folder / "selection.csv"
    selection.to_csv(path, index=False)
    return read_selection(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop(columns="settings"), "lacks column"),
        (lambda t: t.assign(settings="[1, 2]"), "not a JSON object"),
        (lambda t: t.assign(settings="{lr: 1}"), "not a JSON object"),
        (lambda t: t.assign(selected="maybe"), "other than True or False"),
        (lambda t: t.assign(selected=True), "exactly one config of mle"),
        (lambda t: t.assign(validation_nll_per_char="x"), "non-numeric"),
        (lambda t: pd.concat([t, t.iloc[:1]]), "repeats a"),
    ],
)
def test_ill_formed_selection_is_a_user_error_naming_the_file(tmp_path, change, message):
    path = tmp_path / "selection.csv"
    change(make_selection()).to_csv(path, index=False)
    with pytest.raises(UserError, match=message) as error:
        read_selection(path)
    assert str(path) in str(error.value)


def test_selection_reads_json_settings_and_boolean_flags(tmp_path):
    selection = make_selection().assign(
        selected=lambda t: t["selected"].map({True: "1", False: "0"})
    )
    selection.loc[selection["config"] == 2, "settings"] = None  # an empty cell: defaults
    table = read_selection_frame(selection, tmp_path)
    assert table["selected"].dtype == bool
    assert table["selected"].sum() == 2 * len(OFFSETS)
    assert json.loads(table["settings"].iloc[2]) == {"lr": 0.005, "d_steps": 2}
    assert set(table.loc[table["config"] == 2, "settings"]) == {"{}"}


def test_metrics_without_a_selected_configuration_is_a_user_error(tmp_path):
    paths = write_inputs(tmp_path)
    selection = make_selection()
    selection.loc[selection["method"] == "reinforce", "method"] = "maligan"
    selection.to_csv(paths["selection"], index=False)
    outputs = [tmp_path / name for name in ("s.csv", "r.md", "a.png", "b.png")]
    with pytest.raises(UserError, match=r"no selected configuration of reinforce \(pretrained\)"):
        write_report(*paths.values(), *outputs)
    assert not any(path.exists() for path in outputs)


def test_cli_writes_the_summary_report_and_figures(tmp_path, capsys):
    paths = write_inputs(tmp_path)
    out = tmp_path / "out"
    argv = [
        *("--selection", str(paths["selection"]), "--metrics", str(paths["metrics"])),
        *("--curves", str(paths["curves"]), "--reference", str(paths["reference"])),
        *("--summary-csv", str(out / "summary.csv"), "--report-md", str(out / "report.md")),
        *("--figure-quality-diversity", str(out / "figures" / "qd.png")),
        *("--figure-curves", str(out / "figures" / "curves.png")),
    ]
    main(argv)
    assert "report.md" in capsys.readouterr().out
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == len(OFFSETS) * len(TEMPERATURES) * 4
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "](figures/qd.png)" in report and "](figures/curves.png)" in report
    assert "## Verdict" in report and "| is_gan | pretrained |" in report
    assert_png(out / "figures" / "qd.png")
    assert_png(out / "figures" / "curves.png")


def test_cli_reports_a_missing_table_in_one_line(tmp_path, capsys):
    paths = write_inputs(tmp_path)
    paths["curves"].unlink()
    argv = [f"--{name}={path}" for name, path in paths.items()]
    argv += [
        f"--{flag}={tmp_path / name}"
        for flag, name in (
            ("summary-csv", "s.csv"),
            ("report-md", "r.md"),
            ("figure-quality-diversity", "a.png"),
            ("figure-curves", "b.png"),
        )
    ]
    with pytest.raises(SystemExit) as exit_info:
        run_cli(main, argv)
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "curves table" in error and str(paths["curves"]) in error


@pytest.mark.parametrize(
    ("numbers", "signed", "text"),
    [
        ((2.2e-17, -0.03, 0.03), True, "0.0000 [-0.0300, +0.0300]"),
        ((0.5, 0.47, 0.53), True, "+0.500 [+0.470, +0.530]"),
        ((-0.05, -0.053, -0.047), True, "-0.0500 [-0.0530, -0.0470]"),
        ((2.083, 1.912, 2.231), False, "2.08 [1.91, 2.23]"),
        ((12.5, math.nan, math.nan), False, "12.5"),
        ((0.0, 0.0, 0.0), True, "0 [0, 0]"),
    ],
)
def test_intervals_share_the_decimals_of_their_largest_number(numbers, signed, text):
    assert interval(*numbers, signed=signed) == text


def test_quality_diversity_plane_turns_logarithmic_for_a_wide_range():
    metrics = make_metrics()
    metrics.loc[(metrics["temperature"] == 0.5) & (metrics["metric"] == NLL), "value"] += 20
    ax = new_figure(6, 4).subplots()
    draw_plane(ax, summary_table(metrics), make_reference(), 1.0)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert ax.get_xlabel().endswith("(log scale)")


def test_quality_diversity_reference_lines_are_told_apart_and_named():
    """The uniform model, the reference model's coverage and the test names' quality: each
    line in a style of its own, named in the legend and beside the line."""
    reference = pd.DataFrame(
        [
            ("uniform", NLL, math.log(27)),
            ("4-gram reference model", NLL, 2.0),
            ("test_names", QUALITY, 2.0),
        ],
        columns=["reference", "metric", "value"],
    )
    ax = new_figure(6, 4).subplots()
    draw_plane(ax, summary_table(make_metrics()), reference, 1.0)
    names = ["uniform (1/27 each)", "4-gram reference model", "test names (their quality)"]
    lines = {line.get_label(): line for line in ax.get_lines() if line.get_label() in names}
    assert list(lines) == names
    styles = {(to_rgba(line.get_color()), str(line.get_linestyle())) for line in lines.values()}
    assert len(styles) == 3
    assert {text.get_text().strip() for text in ax.texts} >= set(names)
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert all(name in legend for name in names)


def test_quality_diversity_plane_needs_both_measures():
    summary = summary_table(make_metrics())
    with pytest.raises(UserError, match="no reference_nll_per_char rows"):
        draw_plane(
            new_figure(6, 4).subplots(),
            summary.loc[summary["metric"] != QUALITY],
            make_reference(),
            1.0,
        )
