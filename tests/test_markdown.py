"""The one Markdown table writer, and every report that writes a table through it: a `|` in a
cell is escaped exactly once, so that no row splits into more cells than its header has."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from discrete_gan.analysis import benchmark_report, claims, comparison_report, docs, paper_units
from discrete_gan.analysis.claim_rules import Claim
from discrete_gan.analysis.markdown import escape_cell, markdown_table

PIPE = "a | b"  # a cell's text holding the column separator
UNESCAPED = re.compile(r"(?<!\\)\|")


def table_lines(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def cells(line: str) -> list[str]:
    """A table row's cells, split at the unescaped `|` only."""
    return [cell.strip() for cell in UNESCAPED.split(line.strip())[1:-1]]


def assert_escaped_once(markdown: str) -> None:
    """Every row of every table has as many cells as its header, and `a | b` reads back as
    `a \\| b` (escaped once, not twice)."""
    lines = table_lines(markdown)
    assert lines, "no table"
    width = len(cells(lines[0]))
    for line in lines:
        if line.startswith("| ---"):
            width = len(cells(line))  # a new table's alignment row
        assert len(cells(line)) == width, line
    assert "a \\| b" in markdown and "\\\\|" not in markdown


def test_markdown_table_layout_and_alignment() -> None:
    text = markdown_table(["name", "n", "x"], [["a", "1", "2.5"]], align="lr")
    assert text == "| name | n | x |\n| --- | ---: | ---: |\n| a | 1 | 2.5 |"
    text = markdown_table(["a", "b", "c"], [], align="rlr")
    assert text.splitlines()[1] == "| ---: | --- | ---: |"
    assert markdown_table(["a", "b"], []).splitlines()[1] == "| --- | --- |"


def test_markdown_table_escapes_every_cell_once() -> None:
    text = markdown_table(["x|y"], [["`a|b`"], [PIPE]])
    assert text.splitlines() == ["| x\\|y |", "| --- |", "| `a\\|b` |", "| a \\| b |"]
    assert escape_cell("a\\|b") == "a\\\\|b"  # text is taken as it is, never as escaped


@pytest.mark.parametrize(
    ("header", "rows", "align"),
    [(["a", "b"], [["1"]], ""), (["a"], [["1"]], "x")],
)
def test_markdown_table_refuses_ragged_rows_and_unknown_alignment(header, rows, align) -> None:
    with pytest.raises(ValueError):
        markdown_table(header, rows, align)


def test_claims_table() -> None:
    claim = Claim("corrected", 1, "claim", PIPE, 0.5, math.nan, math.nan, PIPE, "holds", "rule")
    assert_escaped_once(claims.claims_markdown([claim]))


def test_paper_units_table() -> None:
    row = {"row": PIPE, "final_epoch": 199, "n_runs": 30, "ln_d_mean": -0.5, "ln_d_min": -0.6}
    row |= {"ln_d_max": -0.4, "ln_d_diff": 0.1, "ln_d_within": True, "ln_d_in_paper_range": True}
    row |= {"ln_g_mean": 2.0, "ln_g_diff": 0.1, "ln_g_within": True}
    row |= {"generated_mean_length": 5.0, "length_diff": 0.2, "length_within": False}
    row |= {"ln_d_curve_mad": 0.1, "ln_g_curve_mad": 0.2, "ln_d_slope": -0.01}
    assert_escaped_once(paper_units.units_table(pd.DataFrame([row])))


def test_comparison_tables() -> None:
    summary = pd.DataFrame(
        {"method": [PIPE], "temperature": [1.0], "metric": ["heldout_nll_per_char"]}
        | {"mean": [2.0], "std": [0.1], "n_seeds": [2]}
    )
    reference = pd.DataFrame(
        {"reference": [PIPE], "metric": ["heldout_nll_per_char"], "value": [2.5]}
    )
    assert_escaped_once(comparison_report.summary_markdown(summary, reference))


def test_benchmark_reference_table() -> None:
    reference = pd.DataFrame({"reference": [PIPE], "metric": ["test_nll_per_char"], "value": [2.5]})
    assert_escaped_once(benchmark_report.reference_markdown(reference))


def test_docs_settings_table() -> None:
    """The configuration page's cells were escaped before they reached the table writer; now
    the writer alone escapes them."""
    setting = docs.Setting(("lr",), PIPE, "training")
    schema = {"properties": {"lr": {"type": "number", "exclusiveMinimum": 0}}}
    table = docs.settings_table([setting], {"lr": 0.02}, schema, {})
    assert_escaped_once(table)
    assert cells(table_lines(table)[2]) == ["`lr`", "`0.02`", "=", "number > 0", "a \\| b"]
