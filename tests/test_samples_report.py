"""Tests for the Markdown listing of generated and forced names."""

from __future__ import annotations

import re

import pytest

from discrete_gan.analysis.samples_report import render_samples
from discrete_gan.cli.samples_report import main
from discrete_gan.fileio import UserError

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def word(i: int, length: int) -> str:
    """A distinct lowercase name for index i (base 26), padded with 'a' to `length`."""
    letters = ""
    while True:
        i, rest = divmod(i, 26)
        letters += LETTERS[rest]
        if i == 0:
            return letters.ljust(length, "a")


SAMPLES = [word(i, 1 + i % 9) for i in range(200)]
FORCED = [word(i, 10) for i in range(200)]


def section(markdown: str, title: str) -> str:
    """The text under one `## title` heading, up to the next heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"missing section {title!r}"
    return match.group(1)


def bullet_items(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


def code_lines(text: str) -> list[str]:
    match = re.search(r"```text\n(.*?)```", text, re.S)
    assert match
    return match.group(1).splitlines()


def test_short_sections_hold_five_distinct_real_names():
    markdown = render_samples(SAMPLES, FORCED, seed=0, run_seed=4)
    picked = bullet_items(section(markdown, "Random sample of generated names"))
    forced = bullet_items(section(markdown, "Names forced to length 10"))
    assert len(picked) == 5 and len(set(picked)) == 5 and set(picked) <= set(SAMPLES)
    assert len(forced) == 5 and len(set(forced)) == 5 and set(forced) <= set(FORCED)
    assert markdown.startswith("# ")
    assert "seed 4" in markdown


def test_full_lists_hold_every_name_in_order():
    markdown = render_samples(SAMPLES, FORCED, seed=0, run_seed=0)
    assert code_lines(section(markdown, "All generated names")) == SAMPLES
    assert code_lines(section(markdown, "All forced names")) == FORCED
    assert len(bullet_items(markdown)) == 10


def test_picks_depend_only_on_seed():
    first = render_samples(SAMPLES, FORCED, seed=1, run_seed=0)
    assert first == render_samples(SAMPLES, FORCED, seed=1, run_seed=0)
    assert first != render_samples(SAMPLES, FORCED, seed=2, run_seed=0)


def test_empty_name_is_shown_as_placeholder():
    samples = ["", "ann"]
    markdown = render_samples(samples, ["aaaaaaaaaa", "bbbbbbbbbb"], seed=0, run_seed=0, n_show=2)
    assert sorted(bullet_items(section(markdown, "Random sample of generated names"))) == [
        "(empty)",
        "ann",
    ]
    assert code_lines(section(markdown, "All generated names")) == ["(empty)", "ann"]


@pytest.mark.parametrize("n_show", [0, 201])
def test_impossible_n_show_raises_user_error(n_show):
    with pytest.raises(UserError):
        render_samples(SAMPLES, FORCED, seed=0, run_seed=0, n_show=n_show)


def test_cli_writes_markdown(tmp_path):
    samples, forced = tmp_path / "samples.txt", tmp_path / "forced.txt"
    samples.write_text("".join(f"{name}\n" for name in SAMPLES))
    forced.write_text("".join(f"{name}\n" for name in FORCED))
    out = tmp_path / "results" / "samples.md"
    argv = ["--samples", str(samples), "--forced", str(forced)]
    main([*argv, "--run-seed", "0", "--seed", "0", "--out", str(out)])
    assert out.read_text() == render_samples(SAMPLES, FORCED, seed=0, run_seed=0)


def test_forced_heading_names_the_forced_length() -> None:
    """The heading reads the length off the forced names (max_steps of the run), not a constant."""
    markdown = render_samples(SAMPLES, [word(i, 7) for i in range(20)], seed=0, run_seed=0)
    assert "## Names forced to length 7" in markdown
    assert "length 10" not in markdown
