"""Tests for the sample metrics against values computed by hand on tiny name lists."""

from __future__ import annotations

import math

import numpy as np
import pytest

from discrete_gan.analysis.metrics import (
    SAMPLE_METRICS,
    bigram_distribution,
    bigram_jsd,
    heldout_share,
    length_distribution,
    length_tv,
    mean_length,
    nll_per_char,
    novelty,
    sample_metrics,
    uniqueness,
)

SAMPLES = ["ab", "ab", "c", ""]  # lengths 2, 2, 1, 0
REFERENCE = ["abc", "d", "ef", "g"]  # lengths 3, 1, 2, 1


def test_nll_per_char_counts_the_end_symbol() -> None:
    # (2 + 3 + 1) nats over (2+1) + (0+1) + (1+1) = 6 characters.
    assert nll_per_char([-2.0, -3.0, -1.0], ["ab", "", "c"]) == pytest.approx(1.0)
    assert nll_per_char([-2.0, -3.0], ["ab", ""]) == pytest.approx(5.0 / 4.0)


@pytest.mark.parametrize(
    ("log_p", "names"),
    [([], []), ([-1.0], ["a", "b"]), ([-1.0, -2.0], ["a"])],
)
def test_nll_per_char_rejects_empty_or_mismatched(log_p: list[float], names: list[str]) -> None:
    with pytest.raises(ValueError):
        nll_per_char(log_p, names)


def test_length_distribution_by_hand() -> None:
    assert length_distribution(SAMPLES, 3) == pytest.approx([0.25, 0.25, 0.5, 0.0])
    assert length_distribution(REFERENCE, 4) == pytest.approx([0.0, 0.5, 0.25, 0.25, 0.0])
    assert length_distribution(SAMPLES, 2).sum() == pytest.approx(1.0)


def test_length_distribution_rejects_names_longer_than_max_len() -> None:
    with pytest.raises(ValueError, match="max_len"):
        length_distribution(REFERENCE, 2)


def test_length_tv_by_hand() -> None:
    # |0.25-0| + |0.25-0.5| + |0.5-0.25| + |0-0.25| = 1.0, halved.
    assert length_tv(SAMPLES, REFERENCE, 3) == pytest.approx(0.5)
    assert length_tv(SAMPLES, list(reversed(SAMPLES)), 3) == pytest.approx(0.0)
    assert length_tv(["a"], ["bc"], 2) == pytest.approx(1.0)


def test_mean_length() -> None:
    assert mean_length(SAMPLES) == pytest.approx(5 / 4)
    assert mean_length([""]) == pytest.approx(0.0)


def test_novelty_counts_repeats() -> None:
    assert novelty(SAMPLES, {"ab"}) == pytest.approx(0.5)
    assert novelty(SAMPLES, {"c", "zz"}) == pytest.approx(0.75)
    assert novelty(SAMPLES, set()) == pytest.approx(1.0)


def test_uniqueness() -> None:
    assert uniqueness(SAMPLES) == pytest.approx(0.75)
    assert uniqueness(["a", "a", "a"]) == pytest.approx(1 / 3)


def test_heldout_share_counts_repeats_and_empty_names() -> None:
    assert heldout_share(SAMPLES, {"c", ""}) == pytest.approx(0.5)
    assert heldout_share(SAMPLES, {"ab"}) == pytest.approx(0.5)
    assert heldout_share(SAMPLES, {"zz"}) == pytest.approx(0.0)


def test_bigram_distribution_by_hand() -> None:
    # "^ab$" twice gives ^a, ab, b$ twice each; "^c$" gives ^c, c$; "^$" gives ^$: 9 in all.
    expected = {"^a": 2 / 9, "ab": 2 / 9, "b$": 2 / 9, "^c": 1 / 9, "c$": 1 / 9, "^$": 1 / 9}
    got = bigram_distribution(SAMPLES)
    assert got.keys() == expected.keys()
    for bigram, share in expected.items():
        assert got[bigram] == pytest.approx(share)
    assert bigram_distribution([""]) == {"^$": pytest.approx(1.0)}


def test_bigram_jsd_identical_is_zero() -> None:
    assert bigram_jsd(SAMPLES, list(reversed(SAMPLES))) == pytest.approx(0.0, abs=1e-12)


def test_bigram_jsd_disjoint_is_one() -> None:
    assert bigram_jsd(["a"], ["b"]) == pytest.approx(1.0)


def test_bigram_jsd_intermediate_by_hand() -> None:
    # P = {^a: 1/2, a$: 1/2}; Q = {^a, a$, ^b, b$: 1/4 each}; M = {3/8, 3/8, 1/8, 1/8}.
    # KL(P||M) = log2(4/3); KL(Q||M) = 1/2 log2(2/3) + 1/2 log2(2).
    expected = 0.5 * math.log2(4 / 3) + 0.5 * (0.5 * math.log2(2 / 3) + 0.5)
    assert expected == pytest.approx(0.311278, abs=1e-6)
    assert bigram_jsd(["a"], ["a", "b"]) == pytest.approx(expected)
    assert bigram_jsd(["a", "b"], ["a"]) == pytest.approx(expected)


def test_sample_metrics_by_hand() -> None:
    metrics = sample_metrics(SAMPLES, {"ab"}, {"c", "xy"}, ["c", "xy"], max_len=3)
    assert tuple(metrics) == SAMPLE_METRICS
    # Held-out lengths 1, 2 -> [0, 0.5, 0.5, 0]; samples [0.25, 0.25, 0.5, 0]; TV = 0.25.
    expected = {
        "length_tv": 0.25,
        "mean_length": 1.25,
        "novelty": 0.5,
        "uniqueness": 0.75,
        "heldout_share": 0.25,
        "bigram_jsd": bigram_jsd(SAMPLES, ["c", "xy"]),
    }
    assert metrics == pytest.approx(expected)
    assert 0.0 < metrics["bigram_jsd"] < 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: length_distribution([], 3),
        lambda: length_tv([], ["a"], 3),
        lambda: length_tv(["a"], [], 3),
        lambda: mean_length([]),
        lambda: novelty([], {"a"}),
        lambda: uniqueness([]),
        lambda: heldout_share([], {"a"}),
        lambda: bigram_distribution([]),
        lambda: bigram_jsd([], ["a"]),
        lambda: sample_metrics([], {"a"}, {"b"}, ["b"], 3),
    ],
)
def test_empty_samples_raise(call) -> None:
    with pytest.raises(ValueError, match="empty"):
        call()


def test_length_distribution_is_an_array() -> None:
    assert isinstance(length_distribution(SAMPLES, 3), np.ndarray)
