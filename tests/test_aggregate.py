"""Tests for the loss summary and name-length table behind Figures 5 and 6."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from discrete_gan.analysis.aggregate import (
    DIAGNOSTICS_SUMMARY_COLUMNS,
    draw_real,
    length_table,
    mean_lengths,
    summarise_diagnostics,
    summarise_losses,
)
from discrete_gan.cli.aggregate import main
from discrete_gan.data.names import read_sample_names
from discrete_gan.data.vocab import name_length
from discrete_gan.fileio import UserError

# Three runs over epochs 0..2; run 2 is stored out of order to check sorting by epoch.
RUNS = {
    "run1": "epoch,d_loss,g_loss\n0,1.0,3\n1,0.5,4\n2,0.1,5\n",
    "run2": "epoch,d_loss,g_loss\n2,0.3,3\n0,0.5,5\n1,0.25,4\n",
    "run3": "epoch,d_loss,g_loss\n0,0.6,1\n1,0.75,7\n2,0.2,4\n",
}
EXPECTED = pd.DataFrame(
    {
        "epoch": [0, 1, 2],
        "n_runs": [3, 3, 3],
        "d_min": [0.5, 0.25, 0.1],
        "d_mean": [0.7, 0.5, 0.2],
        "d_max": [1.0, 0.75, 0.3],
        "g_min": [1.0, 4.0, 3.0],
        "g_mean": [3.0, 5.0, 4.0],
        "g_max": [5.0, 7.0, 5.0],
        # quartiles by linear interpolation between the sorted runs (numpy's default)
        "d_q25": [0.55, 0.375, 0.15],
        "d_median": [0.6, 0.5, 0.2],
        "d_q75": [0.8, 0.625, 0.25],
        "g_q25": [2.0, 4.0, 3.5],
        "g_median": [3.0, 4.0, 4.0],
        "g_q75": [4.0, 5.5, 4.5],
    }
)


def write_runs(folder: Path, runs: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in runs.items():
        path = folder / name / "losses.csv"
        path.parent.mkdir()
        path.write_text(text)
        paths.append(path)
    return paths


def test_summary_matches_hand_computed_values(tmp_path):
    summary = summarise_losses(write_runs(tmp_path, RUNS))
    assert list(summary.columns) == list(EXPECTED.columns)
    assert summary["epoch"].tolist() == [0, 1, 2]
    assert summary["n_runs"].tolist() == [3, 3, 3]
    for column in EXPECTED.columns[2:]:
        np.testing.assert_allclose(summary[column], EXPECTED[column], rtol=1e-12)


def test_summary_orders_min_mean_max(tmp_path):
    summary = summarise_losses(write_runs(tmp_path, RUNS))
    for prefix in ("d", "g"):
        assert (summary[f"{prefix}_min"] <= summary[f"{prefix}_mean"]).all()
        assert (summary[f"{prefix}_mean"] <= summary[f"{prefix}_max"]).all()


def test_single_run_summary_collapses_band(tmp_path):
    summary = summarise_losses(write_runs(tmp_path, {"run1": RUNS["run1"]}))
    assert summary["n_runs"].tolist() == [1, 1, 1]
    np.testing.assert_allclose(summary["d_min"], summary["d_max"])
    np.testing.assert_allclose(summary["g_mean"], [3.0, 4.0, 5.0])


@pytest.mark.parametrize(
    "bad",
    [
        "epoch,d_loss,g_loss\n0,1.0,3\n1,0.5,4\n",  # an epoch fewer
        "epoch,d_loss,g_loss\n0,1.0,3\n1,0.5,4\n3,0.1,5\n",  # other epochs
        "epoch,d_loss\n0,1.0\n1,0.5\n2,0.1\n",  # missing column
        "epoch,d_loss,g_loss\n0,1.0,3\n1,nan,4\n2,0.1,5\n",  # NaN
        "epoch,d_loss,g_loss\n0,1.0,3\n1,0.5,\n2,0.1,5\n",  # empty cell
        "epoch,d_loss,g_loss\n0,1.0,3\n1,inf,4\n2,0.1,5\n",  # infinite
        "epoch,d_loss,g_loss\n0,1.0,3\n0,0.5,4\n2,0.1,5\n",  # repeated epoch
        "epoch,d_loss,g_loss\n",  # no rows
        "",  # empty file
    ],
)
def test_bad_losses_file_raises_user_error_naming_it(tmp_path, bad):
    paths = write_runs(tmp_path, {"run1": RUNS["run1"], "seed9": bad})
    with pytest.raises(UserError, match=r"seed9[/\\]losses\.csv"):
        summarise_losses(paths)


def test_missing_losses_file_raises_user_error(tmp_path):
    with pytest.raises(UserError, match="nowhere"):
        summarise_losses([tmp_path / "nowhere" / "losses.csv"])


def test_no_losses_files_raises_user_error():
    with pytest.raises(UserError):
        summarise_losses([])


def test_length_table_counts_by_hand():
    generated = ["ab", "", "abcd", "ab", "zzz"]  # only the first 4 count
    pool = ["a", "bb", "ccc", "dddddd"]  # n == len(pool): every real name is drawn once
    table = length_table(generated, pool, n=4, seed=0)
    assert list(table.columns) == ["source", "length", "count"]
    counts = table.set_index(["source", "length"])["count"]
    assert [counts["generated", k] for k in range(7)] == [1, 0, 2, 0, 1, 0, 0]
    assert [counts["real", k] for k in range(7)] == [0, 1, 1, 1, 0, 0, 1]
    assert len(table) == 14  # lengths 0..6 for both sources, zero counts included
    assert mean_lengths(table) == pytest.approx({"generated": 2.0, "real": 3.0})


def test_length_table_totals_equal_n():
    pool = [f"name{'x' * (i % 5)}" for i in range(50)]
    table = length_table(["a"] * 30, pool, n=20, seed=3)
    assert table.groupby("source")["count"].sum().to_dict() == {"generated": 20, "real": 20}


def test_real_draw_is_seeded_and_without_replacement():
    pool = [f"n{i}" for i in range(100)]
    first = draw_real(pool, 40, seed=7)
    assert first == draw_real(pool, 40, seed=7)
    assert first != draw_real(pool, 40, seed=8)
    assert len(set(first)) == 40
    assert set(first) <= set(pool)
    assert sorted(draw_real(pool, 100, seed=1)) == sorted(pool)


@pytest.mark.parametrize("n", [0, 6])
def test_length_table_rejects_impossible_n(n):
    with pytest.raises(UserError):
        length_table(["a"] * 5, ["b"] * 10, n=n, seed=0)


def test_length_table_rejects_small_pool():
    with pytest.raises(UserError, match="real names"):
        length_table(["a"] * 5, ["b"] * 3, n=4, seed=0)


def test_read_sample_names_keeps_empty_lines(tmp_path):
    path = tmp_path / "samples.txt"
    path.write_text("ann\n\nbo\n\n")
    assert read_sample_names(path) == ["ann", "", "bo", ""]


def test_cli_writes_both_tables(tmp_path, capsys):
    paths = write_runs(tmp_path, RUNS)
    out = tmp_path / "results" / "losses_summary.csv"
    main(["losses", "--runs", *map(str, paths), "--out", str(out)])
    pd.testing.assert_frame_equal(pd.read_csv(out), EXPECTED, check_dtype=False)
    assert "3 runs" in capsys.readouterr().out

    (tmp_path / "samples.txt").write_text("ab\n\nabcd\nab\n")
    (tmp_path / "names.txt").write_text("a\nbb\nccc\ndddddd\n")
    lengths_out = tmp_path / "results" / "lengths.csv"
    argv = ["lengths", "--generated", str(tmp_path / "samples.txt")]
    argv += ["--real", str(tmp_path / "names.txt"), "-n", "4", "--seed", "0"]
    main([*argv, "--out", str(lengths_out)])
    table = pd.read_csv(lengths_out, keep_default_na=False)
    assert table["count"].sum() == 8
    assert "generated 2.00, real 3.00" in capsys.readouterr().out
    assert sorted(p.name for p in out.parent.iterdir()) == ["lengths.csv", "losses_summary.csv"]


def test_diagnostics_summary_by_hand(tmp_path):
    runs = {
        "run1": "epoch,d_loss,g_loss,ess,half_weight_length\n0,1,2,10,4\n1,1,2,20,5\n",
        "run2": "epoch,d_loss,g_loss,ess,half_weight_length\n0,1,2,30,6\n1,1,2,40,3\n",
    }
    summary = summarise_diagnostics(write_runs(tmp_path, runs))
    assert list(summary.columns) == DIAGNOSTICS_SUMMARY_COLUMNS
    assert summary["ess_mean"].tolist() == [20.0, 30.0]
    assert summary["half_weight_length_min"].tolist() == [4.0, 3.0]
    assert summary["half_weight_length_max"].tolist() == [6.0, 5.0]


def test_diagnostics_need_their_columns(tmp_path):
    with pytest.raises(UserError, match="lacks column.*ess.*rerun its training"):
        summarise_diagnostics(write_runs(tmp_path, {"run1": RUNS["run1"]}))


def test_lengths_count_letters_not_end_symbols():
    """paper_code samples keep `$` between letters; a name's length is its letters."""
    assert name_length("ann$a$$bcd") == 7 and name_length("$$$") == 0 and name_length("") == 0
    table = length_table(["ab$c$$$$$$", "$$$$$$$$$$"], ["abc", "x"], 2, seed=0)
    generated = table[table["source"] == "generated"].set_index("length")["count"]
    assert generated[3] == 1 and generated[0] == 1
