"""Tests for the reference points: n-gram models and the training names scored on held-out names."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from discrete_gan.analysis import metrics
from discrete_gan.analysis.ngram import (
    COLUMNS,
    ORDERS,
    OUTPUTS,
    count_ngrams,
    events,
    log_likelihood,
    ngram_nll,
    probability,
    reference_points,
)
from discrete_gan.cli.ngram import main
from discrete_gan.fileio import UserError, run_cli

TRAIN = ["ab", "a"]  # unigram counts a:2 b:1 $:2 (5 events, 3 types)
CORPUS = ["anna", "ann", "bob", "anna", "ada", "eve", "", "zoe"]


def test_outputs_are_the_26_letters_and_the_end_symbol():
    assert len(OUTPUTS) == 27 and OUTPUTS.endswith("$") and "." not in OUTPUTS


def test_events_pad_the_start_with_start_symbols_and_end_with_the_end_symbol():
    assert list(events("ab", 0)) == [("", "a"), ("", "b"), ("", "$")]
    assert list(events("ab", 1)) == [("", "a"), ("", "b"), ("", "$")]
    assert list(events("ab", 3)) == [("..", "a"), (".a", "b"), ("ab", "$")]
    assert list(events("", 2)) == [(".", "$")]


@pytest.mark.parametrize("order", [0, 1, 2, 3])
@pytest.mark.parametrize("context", ["", ".", "a", "q", "..", ".a", "nn", "zz", "xq"])
def test_probabilities_sum_to_one_over_the_27_outputs(order, context):
    counts = count_ngrams(CORPUS, order)
    context = context[: max(order - 1, 0)]
    total = sum(probability(counts, context, symbol) for symbol in OUTPUTS)
    assert total == pytest.approx(1.0, abs=1e-12)
    assert all(probability(counts, context, symbol) > 0 for symbol in OUTPUTS)


def test_uniform_nll_is_log_27_whatever_the_names():
    assert ngram_nll(TRAIN, ["b", "zzz"], 0) == pytest.approx(math.log(27))


def test_unigram_interpolates_with_the_uniform():
    # P(w) = (c(w) + T / 27) / (N + T) with N = 5 events and T = 3 distinct symbols.
    counts = count_ngrams(TRAIN, 1)
    assert probability(counts, "", "a") == pytest.approx(19 / 72)
    assert probability(counts, "", "b") == pytest.approx(10 / 72)
    assert probability(counts, "", "z") == pytest.approx(1 / 72)
    # "b" scores P(b) P($) over two characters, the end symbol counted as in metrics.py.
    expected = -(math.log(10 / 72) + math.log(19 / 72)) / 2
    assert ngram_nll(TRAIN, ["b"], 1) == pytest.approx(expected)


def test_witten_bell_bigram_by_hand():
    counts = count_ngrams(TRAIN, 2)
    # After "a": b once, $ once; T = 2 types, c = 2: (1 + 2 * 19/72) / (2 + 2) = 55/144.
    assert probability(counts, "a", "$") == pytest.approx(55 / 144)
    # After the start ".": a twice, T = 1: (0 + 1 * 10/72) / (2 + 1) for "b".
    assert probability(counts, ".", "b") == pytest.approx(10 / 216)
    # "z" is never seen as context: the unigram alone.
    assert probability(counts, "z", "a") == pytest.approx(19 / 72)


def test_trigram_counts_every_shorter_context():
    counts = count_ngrams(TRAIN, 3)
    assert counts[".."] == {"a": 2}
    assert counts["."] == {"a": 2}
    assert counts[""] == {"a": 2, "b": 1, "$": 2}
    assert counts[".a"] == {"b": 1, "$": 1}
    assert count_ngrams(TRAIN, 0) == {}


def test_nll_per_char_uses_metrics_convention():
    counts = count_ngrams(CORPUS, 3)
    heldout = ["annie", "bo", ""]
    log_p = [log_likelihood(counts, name, 3) for name in heldout]
    assert ngram_nll(CORPUS, heldout, 3) == pytest.approx(metrics.nll_per_char(log_p, heldout))
    n_chars = 6 + 3 + 1  # letters plus one end symbol per name
    assert ngram_nll(CORPUS, heldout, 3) == pytest.approx(-sum(log_p) / n_chars)


def test_duplicate_training_lines_count_twice():
    assert ngram_nll(["ab", "ab", "b"], ["a"], 1) != ngram_nll(["ab", "b"], ["a"], 1)


def test_probability_rejects_non_outputs():
    with pytest.raises(ValueError, match="not an output"):
        probability({}, "", ".")


def test_reference_points_table():
    heldout = ["annie", "bo", "eva"]
    table = reference_points(CORPUS, heldout)
    assert list(table.columns) == COLUMNS
    values = {(r.reference, r.metric): r.value for r in table.itertuples()}
    for model, order in ORDERS.items():
        nll = values[model, "heldout_nll_per_char"]
        assert nll == pytest.approx(ngram_nll(CORPUS, heldout, order))
    assert values["train_names", "bigram_jsd"] == pytest.approx(metrics.bigram_jsd(CORPUS, heldout))
    assert values["train_names", "length_tv"] == pytest.approx(
        metrics.length_tv(CORPUS, heldout, 5)
    )
    assert values["train_names", "mean_length"] == pytest.approx(metrics.mean_length(CORPUS))
    assert values["heldout_names", "mean_length"] == pytest.approx(10 / 3)


def test_main_writes_the_table(tmp_path, capsys):
    train, heldout, out = tmp_path / "train.txt", tmp_path / "heldout.txt", tmp_path / "r/ref.csv"
    train.write_text("anna\nbob\nanna\neve\n")
    heldout.write_text("ann\nzoe\n")
    main(["--train", str(train), "--heldout", str(heldout), "--out", str(out)])
    written = pd.read_csv(out)
    expected = reference_points(["anna", "bob", "anna", "eve"], ["ann", "zoe"])
    pd.testing.assert_frame_equal(written, expected, check_exact=False, rtol=1e-9)
    assert "wrote 8 reference points" in capsys.readouterr().out
    assert not list(out.parent.glob(".*.tmp"))


def test_main_rejects_overlapping_split(tmp_path, capsys):
    train, heldout = tmp_path / "train.txt", tmp_path / "heldout.txt"
    train.write_text("anna\nbob\n")
    heldout.write_text("bob\n")
    args = ["--train", str(train), "--heldout", str(heldout), "--out", str(tmp_path / "o.csv")]
    with pytest.raises(UserError, match="share names"):
        main(args)
    with pytest.raises(SystemExit):
        run_cli(main, args)
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()
