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


def test_split_parts_are_disjoint_and_the_first_is_the_two_way_split() -> None:
    """Two held-out parts (the benchmark's validation and test names) come from one shuffle:
    disjoint from each other and from training; the first equals the two-way split's."""
    names = NAMES + NAMES[:30]
    train, (validation, test) = split.split_parts(names, [0.1, 0.2], seed=4)
    assert (len(validation), len(test)) == (10, 20)
    assert not set(validation) & set(test) and not (set(validation) | set(test)) & set(train)
    assert set(train) | set(validation) | set(test) == set(NAMES)
    assert validation == split.split_names(names, 0.1, seed=4)[1]
    with pytest.raises(UserError, match="leaves none to train on"):
        split.split_parts(NAMES, [0.5, 0.5], seed=0)


def test_split_cli_writes_one_file_per_part(tmp_path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("\n".join(NAMES) + "\n")
    out = [tmp_path / f"{part}.txt" for part in ("train", "validation", "test")]
    argv = ["--names", str(names), "--heldout-fraction", "0.1", "0.1", "--seed", "3"]
    argv += ["--train-out", str(out[0])]
    run_cli(split_cli.main, [*argv, "--heldout-out", *map(str, out[1:])])
    train, parts = split.split_parts(NAMES, [0.1, 0.1], seed=3)
    assert [p.read_text().split() for p in out] == [train, *parts]
    with pytest.raises(SystemExit):
        run_cli(split_cli.main, [*argv, "--heldout-out", str(out[1])])
