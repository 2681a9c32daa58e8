"""The generality study's parts: the corpora builder (on stand-ins for its packages), the
generator's dependence on its discriminator, and the three findings' verdicts from tables."""

from __future__ import annotations

import json
import random
import string
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
import torch
from defaults import model_config, train_config

from discrete_gan.analysis import generality, signatures
from discrete_gan.data import corpora
from discrete_gan.fileio import UserError
from discrete_gan.training.runs import write_run
from discrete_gan.training.train import train_runs


def quiet(*args, **kwargs) -> None:
    """A `log` for train_runs that prints nothing."""


def fake_packages(monkeypatch) -> None:
    """Stand-ins for english-words and wordfreq with their functions' shapes."""
    rng = random.Random(0)
    words = {
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 12))) for _ in range(30000)
    }
    english = types.ModuleType("english_words")
    english.get_english_words_set = lambda sources, lower: set(words) | {"Hello", "don't"}
    ranked = ["der", "die", "2019", "über", "straße-bahn", *sorted(words)]
    wordfreq = types.ModuleType("wordfreq")
    wordfreq.top_n_list = lambda lang, n: ranked[:n]
    monkeypatch.setitem(sys.modules, "english_words", english)
    monkeypatch.setitem(sys.modules, "wordfreq", wordfreq)
    monkeypatch.setattr(corpora.metadata, "version", lambda package: "0.test")


def test_corpora_are_built_by_their_recorded_rule(monkeypatch, tmp_path: Path) -> None:
    fake_packages(monkeypatch)
    for name in corpora.CORPORA:
        manifest = corpora.build_corpus(name, tmp_path)
        items = (tmp_path / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        assert len(items) == manifest["items"] == corpora.SIZE
        assert all(corpora.short_letters(item) for item in items)
        assert json.loads((tmp_path / f"{name}.json").read_text()) == manifest
        assert manifest["version"] == "0.test" and manifest["licence"]
    english = (tmp_path / "english_words.txt").read_text().splitlines()
    assert english == sorted(english) and all(word.isascii() for word in english)
    german = (tmp_path / "german_words.txt").read_text().splitlines()
    assert german[:3] == ["der", "die", "über"]  # frequency order; no digits, no hyphens
    again = corpora.build_corpus("english_words", tmp_path / "again")
    assert again["sha256"] == corpora.build_corpus("english_words", tmp_path)["sha256"]


def test_a_missing_package_is_one_sentence(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "wordfreq", None)  # import fails
    with pytest.raises(UserError, match="the package wordfreq is not installed; run make"):
        corpora.build_corpus("german_words", tmp_path)
    with pytest.raises(UserError, match="no corpus 'klingon'"):
        corpora.build_corpus("klingon", tmp_path)


def test_the_published_generator_does_not_move_with_its_discriminator(tmp_path: Path) -> None:
    """Only paper_code's broadcast loss leaves the generator's gradient unchanged when its
    discriminator is replaced; corrected's moves with it."""
    rng = random.Random(3)
    names = ["".join(rng.choices("abcdeäöü", k=rng.randint(1, 9))) for _ in range(256)]
    train = train_config(epochs=3, batch_size=16, n_samples=5)  # a discriminator that learnt
    folders = {}
    for variant in ("corrected", "paper_code"):
        model = model_config(variant=variant, alphabet="abcdeäöü")
        runs = train_runs(names, [0, 1], model, train, "cpu", torch.float32, "torch", quiet)
        for result in runs:
            write_run(result, tmp_path / variant, model, train)
        folders[variant] = tmp_path / variant
    table = signatures.run_signatures(folders, [0, 1], names, 64)
    changes = table.groupby("variant")["relative_change"]
    assert changes.max()["paper_code"] < signatures.D_FREE_MAX
    assert changes.min()["corrected"] > generality.D_USED_MIN
    assert generality.ignores_d(table)["verdict"] == "holds"
    summary = signatures.summarise(table).set_index("variant")
    assert summary["d_free"].to_dict() == {"corrected": False, "paper_code": True}
    # the text's generator never emits the start symbol; the code's softmax includes it
    assert summary.loc["corrected", "start_symbols"] == 0
    assert not summary.loc["corrected", "start_in_forced"]


def metrics_table(is_gan: list[float], mle: list[float]) -> pd.DataFrame:
    rows = [
        (method, seed, temperature, "heldout_nll_per_char", value + (temperature != 1.0))
        for method, values in (("is_gan", is_gan), ("mle", mle))
        for seed, value in enumerate(values)
        for temperature in (0.7, 1.0)
    ]
    return pd.DataFrame(rows, columns=["method", "seed", "temperature", "metric", "value"])


@pytest.mark.parametrize(
    ("is_gan", "verdict"),
    [
        ([3.0, 3.1, 2.9], "holds"),
        ([2.0, 2.1, 1.9], "does not hold"),
        ([2.4, 2.6, 2.5], "not shown"),
    ],
)
def test_worse_than_mle_from_paired_seeds(is_gan, verdict) -> None:
    found = generality.worse_than_mle(metrics_table(is_gan, [2.5, 2.4, 2.6]))
    assert found["verdict"] == verdict, found["sentence"]
    assert "paired over 3 seeds" in found["sentence"]


def claims(code: float, text: float) -> pd.DataFrame:
    return pd.DataFrame(
        [("paper_code", 3, code), ("corrected", 3, text)], columns=["variant", "number", "value"]
    )


@pytest.mark.parametrize(
    ("alone", "code", "verdict"),
    [(1.0, 1.0, "holds"), (1.0, 0.8, "partly"), (0.6, 0.7, "does not hold")],
)
def test_measures_length_from_the_length_check_and_claim_3(alone, code, verdict) -> None:
    check = {"mean_accuracy": alone, "mean_final_d_loss": 1e-5}
    assert generality.measures_length(check, claims(code, 0.85))["verdict"] == verdict


def test_ignores_d_is_not_shown_when_the_control_does_not_move() -> None:
    rows = [("paper_code", 0, 0.0), ("corrected", 0, 1e-3), ("corrected", 1, 2e-3)]
    table = pd.DataFrame(rows, columns=signatures.DEPENDENCE_COLUMNS)
    assert generality.ignores_d(table)["verdict"] == "not shown"
    table.loc[0, "relative_change"] = 1e-3
    assert generality.ignores_d(table)["verdict"] == "does not hold"


def test_findings_say_n_a_without_their_runs() -> None:
    only = pd.DataFrame([("corrected", 0, 0.5)], columns=signatures.DEPENDENCE_COLUMNS)
    assert generality.ignores_d(only)["verdict"] == "n/a"
    no_mle = metrics_table([3.0, 3.1], [2.0, 2.1])
    assert generality.worse_than_mle(no_mle[no_mle["method"] != "mle"])["verdict"] == "n/a"
    check = {"mean_accuracy": 1.0, "mean_final_d_loss": 1e-5}
    no_code = claims(1.0, 0.8)[lambda t: t["variant"] == "corrected"]
    assert generality.measures_length(check, no_code)["verdict"] == "n/a"


def test_heldout_table_sets_methods_beside_the_ngrams() -> None:
    reference = pd.DataFrame(
        [
            ("uniform", "heldout_nll_per_char", 3.4),
            ("bigram", "heldout_nll_per_char", 2.3),
            ("train_names", "bigram_jsd", 0.01),
        ],
        columns=["reference", "metric", "value"],
    )
    rows = generality.heldout_table(metrics_table([3.0, 3.2], [2.5, 2.4]), reference)
    assert [row["model"] for row in rows] == [
        "is_gan",
        "mle",
        "uniform (n-gram)",
        "bigram (n-gram)",
    ]
    assert rows[0]["mean"] == pytest.approx(3.1) and rows[0]["n"] == 2
    assert rows[2]["mean"] == 3.4 and "low" not in rows[2]


def test_the_pages_copies_of_provenance_name_no_folder_of_the_machine(tmp_path: Path) -> None:
    """Each corpus runs in its own folder, so its record holds absolute corpus paths; the copy
    beside docs/generality.md gives them relative to the project instead."""
    from discrete_gan.cli.generality import portable

    root = tmp_path / "project"
    record = {
        "config": {"corpus_file": str(root / "generality/corpora/words.txt"), "n_runs": 10},
        "corpus_source": str(tmp_path / "shared/names"),
        "other": "/kept/as/is",
        "url": {"corpus_source": "https://example.org/names.zip"},
    }
    assert portable(record, root) == {
        "config": {"corpus_file": "generality/corpora/words.txt", "n_runs": 10},
        "corpus_source": "../shared/names",
        "other": "/kept/as/is",
        "url": {"corpus_source": "https://example.org/names.zip"},
    }
