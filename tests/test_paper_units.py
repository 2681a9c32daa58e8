"""Tests of the paper-units comparison: the read-off values, ln of the loss statistics, the mean
length from counts, the tolerance verdicts on hand-made tables, and the figure."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from discrete_gan.analysis import paper_units
from discrete_gan.analysis.paper_units import (
    COUNT_TOLERANCE,
    LENGTH_ONLY,
    LOG_TOLERANCE,
    comparison_markdown,
    comparison_table,
    late_slope,
    log_summary,
    mean_length_tolerance,
    paper_reference,
    plot_paper_units,
    read_paper_values,
    safe_log,
)
from discrete_gan.cli.paper_units import main
from discrete_gan.fileio import UserError
from discrete_gan.plots.palette import VARIANT_COLORS

PROJECT = Path(__file__).resolve().parents[1]
VALUES = PROJECT / "config" / "paper_figure_values.csv"
EPOCHS = 200


@pytest.fixture(scope="module")
def paper():
    return paper_reference(read_paper_values(VALUES))


def summary(ln_d: float, ln_g: float, epochs: int = EPOCHS, runs: int = 3) -> pd.DataFrame:
    """A losses_summary table whose mean losses are constant at exp(ln_d) and exp(ln_g)."""
    d, g = math.exp(ln_d), math.exp(ln_g)
    return pd.DataFrame(
        {
            "epoch": np.arange(epochs),
            "n_runs": runs,
            "d_min": d / 2,
            "d_mean": d,
            "d_max": d * 2,
            "g_min": g - 1,
            "g_mean": g,
            "g_max": g + 1,
        }
    )


def lengths(generated: dict[int, int]) -> pd.DataFrame:
    """A length table: `generated` counts by length, and a fixed real draw."""
    real = {4: 50, 5: 50, 6: 100}
    rows = [("generated", k, c) for k, c in generated.items()]
    rows += [("real", k, c) for k, c in real.items()]
    return pd.DataFrame(rows, columns=["source", "length", "count"])


def test_the_values_file_holds_the_paper_numbers(paper) -> None:
    assert paper.final_epoch == 199
    assert paper.ln_d.loc[199] == pytest.approx(-10.6)
    assert (paper.ln_d_min, paper.ln_d_max) == (pytest.approx(-11.4), pytest.approx(-9.6))
    assert paper.ln_g.loc[199] == pytest.approx(1.92)
    counts = paper.lengths.groupby("source")["count"].sum()
    assert counts.to_dict() == {"generated": 200, "real": 200}
    # (2*21 + 3*93 + 4*76 + 5*10) / 200, computed by hand
    assert paper.generated_mean_length == pytest.approx(3.375)


def test_a_bad_values_file_is_a_user_error(tmp_path) -> None:
    bad = tmp_path / "values.csv"
    bad.write_text("figure,series,x,value\n5a,ln_d_loss_mean,0,1.8\n")
    with pytest.raises(UserError, match="lacks series"):
        read_paper_values(bad)
    text = VALUES.read_text().replace("-10.6", "about -10")
    bad.write_text(text)
    with pytest.raises(UserError, match="non-numeric"):
        read_paper_values(bad)


def test_ln_of_mean_min_and_max_and_nan_for_a_zero_loss() -> None:
    table = summary(-2.0, 1.5, epochs=3)
    table.loc[2, ["d_min", "d_mean"]] = 0.0  # a run whose loss saturated at exactly 0
    logs = log_summary(table)
    assert logs["ln_d_mean"].iloc[0] == pytest.approx(-2.0)
    assert logs["ln_d_min"].iloc[0] == pytest.approx(-2.0 - math.log(2))
    assert logs["ln_g_max"].iloc[0] == pytest.approx(math.log(math.exp(1.5) + 1))
    assert math.isnan(logs["ln_d_mean"].iloc[2]) and math.isnan(logs["ln_d_min"].iloc[2])
    assert np.isnan(safe_log([-1.0, 0.0])).all()


def test_mean_length_tolerance_propagates_the_count_tolerance() -> None:
    table = lengths({2: 100, 4: 100})  # mean 3, both lengths 1 letter from it
    assert mean_length_tolerance(table, "generated") == pytest.approx(COUNT_TOLERANCE * 2 / 200)


def test_within_tolerance_on_hand_made_tables(paper) -> None:
    near = summary(-10.6 + 0.05, 1.92 - 0.05)  # within 0.1 of the paper's final values
    far = summary(-10.6 + 0.5, 1.92 + 0.3)  # outside, but ln D inside the paper's range
    lengths_near = lengths({3: 125, 4: 75})  # mean 3.375, the paper's
    lengths_far = lengths({4: 100, 5: 100})  # mean 4.5
    table = comparison_table(
        {"near": near, "far": far}, {"near": lengths_near, "far": lengths_far}, paper
    ).set_index("row")
    assert table.loc["near", "ln_d_diff"] == pytest.approx(0.05)
    assert table.loc["near", ["ln_d_within", "ln_g_within", "length_within"]].tolist() == [
        True,
        True,
        True,
    ]
    assert table.loc["far", ["ln_d_within", "ln_g_within", "length_within"]].tolist() == [
        False,
        False,
        False,
    ]
    assert table.loc["far", "ln_d_in_paper_range"]
    assert table.loc["far", "length_diff"] == pytest.approx(4.5 - 3.375)
    # a constant curve against the paper's read-off values, at every read-off epoch
    expected = np.abs(-10.6 + 0.05 - paper.ln_d.to_numpy()).mean()
    assert table.loc["near", "ln_d_curve_mad"] == pytest.approx(expected)
    assert table.loc["near", "curve_points"] == len(paper.ln_d) + len(paper.ln_g)
    assert table.loc["paper", "ln_d_mean"] == pytest.approx(-10.6)
    assert pd.isna(table.loc["paper", "ln_d_within"])
    text = comparison_markdown(table.reset_index(), paper)
    assert "| +0.05 (within; inside the paper's min-max) |" in text
    assert "| +0.50 (outside; inside the paper's min-max) |" in text
    assert "| +1.12 (outside) |" in text  # the mean length, 4.5 against 3.375


def test_markdown_names_the_closest_variant_and_the_length_check(paper) -> None:
    curve = pd.Series(paper.ln_d).reindex(range(EPOCHS)).interpolate().to_numpy()
    close = summary(0.0, 1.92)
    close["d_mean"] = np.exp(curve)  # follows the paper's ln D
    check = summary(-7.0, 0.0)[["epoch", "n_runs", "d_min", "d_mean", "d_max"]]
    check["d_mean"] = np.exp(-1.0 - 0.03 * check["epoch"])  # ln falls by 3 per 100 epochs
    summaries = {"far": summary(-1.0, 3.0), "close": close}
    table = comparison_table(
        summaries, {name: lengths({3: 200}) for name in summaries}, paper, check
    )
    assert table["row"].tolist() == ["far", "close", LENGTH_ONLY, "paper"]
    assert math.isnan(table.set_index("row").loc[LENGTH_ONLY, "ln_g_mean"])
    text = comparison_markdown(table, paper)
    assert "Closest to the paper's Figure 5 is **close**" in text
    assert "next is far" in text
    assert "ends at ln l(D) = -6.97 after 200 epochs" in text
    assert "from epoch 50 on it falls by 3.00 per 100 epochs (paper: 3.30)" in text
    assert f"{LOG_TOLERANCE} on the log axes" in text
    assert "n/a" in text  # the length-only row has no generator


def test_the_per_run_median_and_quartiles_of_ln_d_stand_beside_the_mean(paper) -> None:
    """ln of the mean follows the one run whose D did not collapse; the median run does not."""
    skewed = summary(-10.0, 1.92)
    skewed["d_mean"], skewed["d_max"] = math.exp(-7.0), math.exp(-5.9)  # one outlier run
    skewed["d_q25"], skewed["d_median"], skewed["d_q75"] = (
        math.exp(-11.0), math.exp(-10.5), math.exp(-10.0)
    )  # fmt: skip
    plain = summary(-1.0, 2.0)  # a summary written before the quartiles were kept
    summaries = {"skewed": skewed, "plain": plain}
    table = comparison_table(summaries, {n: lengths({3: 200}) for n in summaries}, paper)
    row = table.set_index("row").loc["skewed"]
    assert (row["ln_d_mean"], row["ln_d_median"]) == pytest.approx((-7.0, -10.5))
    assert (row["ln_d_q25"], row["ln_d_q75"]) == pytest.approx((-11.0, -10.0))
    text = comparison_markdown(table, paper)
    assert "| ln l(D) per run: median [quartiles] |" in text
    assert "| -7.00 [-10.69, -5.90] | -10.50 [-11.00, -10.00] |" in text
    assert "| plain |" in text and "| -1.00 [-1.69, -0.31] | n/a |" in text


def test_markdown_warns_when_training_was_shorter_than_the_paper(paper) -> None:
    short = summary(-1.0, 2.0, epochs=3)
    check = summary(-2.0, 0.0, epochs=3)[["epoch", "n_runs", "d_min", "d_mean", "d_max"]]
    table = comparison_table({"smoke": short}, {"smoke": lengths({3: 10})}, paper, check)
    text = comparison_markdown(table, paper)
    assert "ends at ln l(D) = -2.00 after 3 epochs" in text
    assert "end before the paper's final epoch 199" in text
    assert "falls by" not in text  # no slope without epochs from 50 on
    assert table.set_index("row").loc["smoke", "curve_points"] == 2  # epoch 0 of both curves


def test_the_figure_renders(tmp_path, paper) -> None:
    png, pdf = tmp_path / "paper_units.png", tmp_path / "paper_units.pdf"
    check = summary(-7.0, 0.0)[["epoch", "n_runs", "d_min", "d_mean", "d_max"]]
    summaries = {"a": summary(-9.0, 2.0), "b": summary(-1.0, 2.5)}
    tables = {"a": lengths({0: 2, 3: 198}), "b": lengths({4: 200})}
    plot_paper_units(summaries, tables, paper, png, pdf, check)
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_figure_colours_variants_as_every_figure_and_keeps_its_legend_off_the_data(
    monkeypatch, paper
) -> None:
    drawn = []
    monkeypatch.setattr(paper_units, "save_figure", lambda fig, *paths: drawn.append(fig))
    summaries = {"paper_code": summary(-9.0, 2.0), "code_data": summary(-1.0, 2.5)}
    tables = {"paper_code": lengths({3: 200}), "code_data": lengths({4: 200})}
    plot_paper_units(summaries, tables, paper, Path("f.png"), Path("f.pdf"))
    (fig,) = drawn
    colors = {line.get_color() for ax in fig.axes for line in ax.get_lines()}
    assert {VARIANT_COLORS["paper_code"], VARIANT_COLORS["code_data"]} <= colors
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels[:2] == ["paper_code (3 runs)", "code_data (3 runs)"]
    assert len(labels) == len(set(labels))  # each entry once, whichever panels draw it
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    box = legend.get_window_extent(renderer)
    assert all(not box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)


def test_main_writes_every_output(tmp_path) -> None:
    for name, (ln_d, ln_g) in {"corrected": (-0.6, 1.5), "paper_code": (-12.0, 1.9)}.items():
        summary(ln_d, ln_g).to_csv(tmp_path / f"{name}_summary.csv", index=False)
        lengths({3: 100, 4: 100}).to_csv(tmp_path / f"{name}_lengths.csv", index=False)
    out = tmp_path / "out"
    args = [
        *("--summaries", *(f"{v}={tmp_path / v}_summary.csv" for v in ("corrected", "paper_code"))),
        *("--lengths", *(f"{v}={tmp_path / v}_lengths.csv" for v in ("corrected", "paper_code"))),
        *("--paper", str(VALUES), "--out-csv", str(out / "t.csv"), "--out-md", str(out / "t.md")),
        *("--png", str(out / "f.png"), "--pdf", str(out / "f.pdf")),
    ]
    main(args)
    table = pd.read_csv(out / "t.csv")
    assert table["row"].tolist() == ["corrected", "paper_code", "paper"]
    assert table["n_runs"].tolist()[:2] == [3, 3]
    assert "**paper_code**" in (out / "t.md").read_text()
    assert (out / "f.png").is_file() and (out / "f.pdf").is_file()
    swapped = [arg.replace("corrected_lengths", "paper_code_lengths") for arg in args]
    swapped[swapped.index("--lengths") + 1] = f"other={tmp_path / 'corrected_lengths.csv'}"
    with pytest.raises(UserError, match="same variants"):
        main(swapped)


def test_late_slope_of_a_straight_line_and_of_the_paper(paper) -> None:
    epochs = pd.Index([0, 5, 50, 100, 150, 199])
    line = pd.Series(-0.03 * np.arange(EPOCHS) - 4.0)  # falls by 3 per 100 epochs
    assert late_slope(line, epochs) == pytest.approx(-3.0)
    # the paper's points from epoch 50 on: -5.7, -7.3, -9.0, -10.6 at 50, 100, 150, 199
    assert late_slope(paper.ln_d, paper.ln_d.index) == pytest.approx(-3.30, abs=0.01)
    assert math.isnan(late_slope(line.iloc[:60], epochs))  # only one epoch from 50 on
