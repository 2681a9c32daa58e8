"""Tests that Figures 5 and 6 render to readable PNG and PDF files."""

from __future__ import annotations

import struct
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from discrete_gan.cli.figures import main
from discrete_gan.config import VARIANTS
from discrete_gan.fileio import UserError
from discrete_gan.plots import figures as figures_module
from discrete_gan.plots.figures import plot_figure5, plot_figure6
from discrete_gan.plots.palette import REAL_COLOR, SPARE_COLORS, VARIANT_COLORS, variant_colors

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tiny_summary(epochs: int = 5, runs: int = 3) -> pd.DataFrame:
    d_mean = np.geomspace(1.4, 0.01, epochs)
    g_mean = np.linspace(3.0, 7.0, epochs)
    return pd.DataFrame(
        {
            "epoch": np.arange(epochs),
            "n_runs": runs,
            "d_min": d_mean * 0.8,
            "d_mean": d_mean,
            "d_max": d_mean * 1.25,
            "g_min": g_mean - 0.5,
            "g_mean": g_mean,
            "g_max": g_mean + 0.5,
        }
    )


def tiny_lengths() -> pd.DataFrame:
    rows = [("generated", k, c) for k, c in enumerate([0, 1, 3, 4, 2, 0])]
    rows += [("real", k, c) for k, c in enumerate([0, 0, 1, 2, 3, 4])]
    return pd.DataFrame(rows, columns=["source", "length", "count"])


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def assert_figure_files(png: Path, pdf: Path) -> None:
    width, height = png_size(png)
    assert width >= 300 and height >= 300
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[:2] == (height, width)
    assert pixels.std() > 0  # something was drawn
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not list(png.parent.glob(".*.tmp"))  # no leftover temporary files


def test_figure5_writes_png_and_pdf(tmp_path):
    png, pdf = tmp_path / "figures" / "figure5.png", tmp_path / "figures" / "figure5.pdf"
    plot_figure5(tiny_summary(), png, pdf)
    assert_figure_files(png, pdf)
    assert png_size(png) == (1500, 600)  # 10 x 4 in at 150 dpi


def test_figure5_rejects_nonpositive_discriminator_loss(tmp_path):
    summary = tiny_summary()
    summary.loc[2, "d_min"] = 0.0
    with pytest.raises(UserError, match="log"):
        plot_figure5(summary, tmp_path / "f.png", tmp_path / "f.pdf")
    assert not list(tmp_path.iterdir())


def test_figure6_writes_png_and_pdf(tmp_path):
    png, pdf = tmp_path / "figure6.png", tmp_path / "figure6.pdf"
    plot_figure6(tiny_lengths(), png, pdf)
    assert_figure_files(png, pdf)


def test_cli_draws_both_figures(tmp_path, capsys):
    summary_csv, lengths_csv = tmp_path / "summary.csv", tmp_path / "lengths.csv"
    tiny_summary().to_csv(summary_csv, index=False)
    tiny_lengths().to_csv(lengths_csv, index=False)
    for name, flag, table in (
        ("figure5", "--summary", summary_csv),
        ("figure6", "--lengths", lengths_csv),
    ):
        png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
        main([name, flag, str(table), "--png", str(png), "--pdf", str(pdf)])
        assert_figure_files(png, pdf)
    assert "figure6.pdf" in capsys.readouterr().out


def test_cli_rejects_table_without_columns(tmp_path):
    bad = tmp_path / "summary.csv"
    bad.write_text("epoch,d_mean\n0,1.0\n")
    with pytest.raises(UserError, match="lacks column"):
        main(["figure5", "--summary", str(bad), "--png", "a.png", "--pdf", "a.pdf"])


def tiny_diagnostics(epochs: int = 5) -> pd.DataFrame:
    ess = np.linspace(100, 5, epochs)
    half = np.linspace(6, 3, epochs)
    return pd.DataFrame(
        {
            "epoch": np.arange(epochs),
            "n_runs": 3,
            "ess_min": ess - 2,
            "ess_mean": ess,
            "ess_max": ess + 2,
            "half_weight_length_min": half - 0.5,
            "half_weight_length_mean": half,
            "half_weight_length_max": half + 0.5,
        }
    )


@pytest.mark.parametrize(
    ("name", "flag", "table", "size"),
    [
        ("figure5-variants", "--summaries", tiny_summary, (1500, 1080)),
        ("figure6-variants", "--lengths", tiny_lengths, (1650, 600)),
        ("diagnostics", "--summaries", tiny_diagnostics, (1500, 720)),
    ],
)
def test_cli_draws_variant_figures(tmp_path, name, flag, table, size):
    items = []
    for variant in ("corrected", "paper_code"):
        path = tmp_path / f"{variant}.csv"
        table().to_csv(path, index=False)
        items.append(f"{variant}={path}")
    png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
    main([name, flag, *items, "--png", str(png), "--pdf", str(pdf)])
    assert_figure_files(png, pdf)
    assert png_size(png) == size


def test_variant_figures_need_named_tables(tmp_path):
    with pytest.raises(UserError, match="expected variant=path"):
        main(["diagnostics", "--summaries", "a.csv", "--png", "a.png", "--pdf", "a.pdf"])


@pytest.mark.parametrize("figure", ["figure5", "figure6"])
def test_a_variants_figure_names_the_variant(tmp_path, monkeypatch, figure) -> None:
    """The rules draw each variant's Figures 5 and 6 with --variant: every panel title names
    it, so a figure copied out of its folder still says what it shows."""
    drawn = []
    monkeypatch.setattr(figures_module, "save_figure", lambda fig, *paths: drawn.append(fig))
    if figure == "figure5":
        table, flag, frame = tmp_path / "summary.csv", "--summary", tiny_summary()
    else:
        table, flag, frame = tmp_path / "lengths.csv", "--lengths", tiny_lengths()
    frame.to_csv(table, index=False)
    main([figure, flag, str(table), "--variant", "code_data", "--png", "a.png", "--pdf", "a.pdf"])
    titles = [ax.get_title() for ax in drawn[0].axes]
    assert titles and all(title.startswith("code_data: ") for title in titles)


def drawn_figure(monkeypatch, *args: str):
    """The figure `main(args)` draws, caught before it is saved."""
    drawn = []
    monkeypatch.setattr(figures_module, "save_figure", lambda fig, *paths: drawn.append(fig))
    main([*args, "--png", "a.png", "--pdf", "a.pdf"])
    (fig,) = drawn
    return fig


def named_tables(tmp_path: Path, table, variants) -> list[str]:
    items = []
    for variant in variants:
        table().to_csv(tmp_path / f"{variant}.csv", index=False)
        items.append(f"{variant}={tmp_path / variant}.csv")
    return items


def test_every_variant_has_a_colour_of_its_own() -> None:
    assert list(VARIANT_COLORS) == list(VARIANTS)
    assert len({to_rgba(color) for color in VARIANT_COLORS.values()}) == len(VARIANTS)
    ladder_end = variant_colors(["paper_code"])
    assert ladder_end == {"paper_code": VARIANT_COLORS["paper_code"]}  # whatever else is drawn
    assert variant_colors(["corrected", "mine", "yours"]) == {
        "corrected": VARIANT_COLORS["corrected"],
        "mine": SPARE_COLORS[0],
        "yours": SPARE_COLORS[1],
    }


@pytest.mark.parametrize(
    ("name", "flag", "table"),
    [
        ("figure5-variants", "--summaries", tiny_summary),
        ("diagnostics", "--summaries", tiny_diagnostics),
    ],
)
def test_variant_figures_draw_each_variant_in_its_colour(tmp_path, monkeypatch, name, flag, table):
    variants = ("paper_code", "code_data")
    fig = drawn_figure(monkeypatch, name, flag, *named_tables(tmp_path, table, variants))
    for ax in fig.axes:
        lines = {line.get_label().split(":")[0]: line.get_color() for line in ax.get_lines()}
        present = [variant for variant in variants if variant in lines]
        assert present and all(lines[v] == VARIANT_COLORS[v] for v in present)


def test_a_variants_figures_draw_it_in_its_colour(tmp_path, monkeypatch) -> None:
    tiny_summary().to_csv(tmp_path / "s.csv", index=False)
    tiny_lengths().to_csv(tmp_path / "l.csv", index=False)
    fig = drawn_figure(
        monkeypatch, "figure5", "--summary", str(tmp_path / "s.csv"), "--variant", "code_data"
    )
    assert {line.get_color() for ax in fig.axes for line in ax.get_lines()} == {"tab:orange"}
    fig = drawn_figure(
        monkeypatch, "figure6", "--lengths", str(tmp_path / "l.csv"), "--variant", "code_data"
    )
    bars = {
        bar.get_label(): to_rgba(bar.patches[0].get_facecolor()) for bar in fig.axes[0].containers
    }
    assert bars == {"generated": to_rgba("tab:orange"), "real": to_rgba(REAL_COLOR)}


def test_diagnostics_legend_lies_below_the_panels(tmp_path, monkeypatch) -> None:
    """Six variants give one entry each, in a legend of the figure that no panel's data lies
    under (inside a panel, twelve entries covered the curves)."""
    fig = drawn_figure(
        monkeypatch,
        "diagnostics",
        "--summaries",
        *named_tables(tmp_path, tiny_diagnostics, VARIANTS),
    )
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == [f"{v} (3 runs)" for v in VARIANTS]
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    box = legend.get_window_extent(renderer)
    assert all(not box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)
