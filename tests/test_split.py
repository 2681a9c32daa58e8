"""The seeded split of distinct names into training and held-out parts."""

from __future__ import annotations

import math

import pytest

from discrete_gan.cli import split as split_cli
from discrete_gan.data import split
from discrete_gan.fileio import UserError, run_cli

NAMES = [f"{a}{b}" for a in "abcdefghij" for b in "klmnopqrst"]  # 100 distinct names


def test_split_is_disjoint_seeded_and_keeps_duplicates_in_training() -> None:
    names = NAMES + NAMES[:30]  # the first 30 names appear twice
    train, heldout = split.split_names(names, 0.1, seed=0)
    assert len(heldout) == 10 == len(set(heldout)) and heldout == sorted(heldout)
    assert not set(train) & set(heldout)
    assert set(train) | set(heldout) == set(NAMES)
    assert len(train) == len(names) - sum(names.count(h) for h in heldout)
    assert train == [n for n in names if n not in set(heldout)]  # corpus order kept
    assert split.split_names(names, 0.1, seed=0) == (train, heldout)
    assert split.split_names(names, 0.1, seed=1)[1] != heldout


def test_split_rounds_the_heldout_count_up() -> None:
    _, heldout = split.split_names(NAMES[:25], 0.1, seed=0)
    assert len(heldout) == math.ceil(2.5)


@pytest.mark.parametrize(("fraction", "message"), [(0.0, "strictly between"), (1.0, "between")])
def test_split_rejects_fractions_outside_zero_one(fraction: float, message: str) -> None:
    with pytest.raises(UserError, match=message):
        split.split_names(NAMES, fraction, seed=0)


def test_split_refuses_to_hold_out_everything() -> None:
    with pytest.raises(UserError, match="leaves none to train on"):
        split.split_names(["ann", "bob"], 0.9, seed=0)


def test_split_cli_writes_both_files(tmp_path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("\n".join(NAMES) + "\n")
    train, heldout = tmp_path / "out/train.txt", tmp_path / "out/heldout.txt"
    argv = ["--names", str(names), "--heldout-fraction", "0.2", "--seed", "3"]
    run_cli(split_cli.main, argv + ["--train-out", str(train), "--heldout-out", str(heldout)])
    expected = split.split_names(NAMES, 0.2, seed=3)
    assert train.read_text().split() == expected[0]
    assert heldout.read_text().split() == expected[1]
