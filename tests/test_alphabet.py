"""The alphabet as a setting: the paper's a-z gives the runs it gave before the alphabet was a
setting, `auto` takes the symbols of the data, and a model of any alphabet trains on both
backends alike, is saved with its vocabulary and samples from its checkpoint alone."""

from __future__ import annotations

import json
import math
import random
import string
from pathlib import Path

import pytest
import torch
from defaults import CONFIG, model_config, settings_json, train_config

from discrete_gan.analysis import ngram
from discrete_gan.cli import sample as sample_cli
from discrete_gan.cli import train as train_cli
from discrete_gan.config import read_settings, run_settings
from discrete_gan.data.filter import check_alphabet, filter_names, resolve_alphabet
from discrete_gan.data.vocab import PAPER, Vocab, auto_letters
from discrete_gan.fileio import UserError, run_cli
from discrete_gan.training.runs import load_checkpoint, write_run
from discrete_gan.training.train import train_runs

FIXTURE = Path(__file__).parent / "data" / "default_alphabet_runs.json"
# A 48-letter alphabet: a-z, accented Latin letters, Cyrillic letters and digits.
WIDE = string.ascii_lowercase + "äöüßéèàçñ" + "абвгдежзийкл" + "0"


def quiet(*args, **kwargs) -> None:
    """A `log` for train_runs that prints nothing."""


def random_names(letters: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(letters, k=rng.randint(1, 9))) for _ in range(n)]


# The cases of the fixture: (variant, objective, backend, dtype), each 2 epochs, seeds 0 and 3.
# It was written by the code before the alphabet became a setting, with the same names.
CASES = {
    "corrected_is_gan_torch64": ("corrected", "is_gan", "torch", torch.float64),
    "paper_code_is_gan_torch64": ("paper_code", "is_gan", "torch", torch.float64),
    "corrected_gumbel_torch64": ("corrected", "gumbel", "torch", torch.float64),
    "corrected_mle_torch64": ("corrected", "mle", "torch", torch.float64),
    "corrected_is_gan_numba32": ("corrected", "is_gan", "numba", torch.float32),
    "paper_code_is_gan_numba32": ("paper_code", "is_gan", "numba", torch.float32),
    "corrected_gumbel_numba32": ("corrected", "gumbel", "numba", torch.float32),
}


@pytest.mark.parametrize("case", list(CASES))
def test_default_alphabet_gives_the_runs_written_before_it_was_a_setting(case: str) -> None:
    """Losses, samples, held-out NLL and diagnostics of the default a-z equal those the code
    wrote before the vocabulary became an object (float64 to 1e-9, float32 to 1e-5 relative;
    samples exactly)."""
    variant, objective, backend, dtype = CASES[case]
    names = random_names(string.ascii_lowercase, 300, 23)
    model = model_config(variant=variant)
    assert model.vocab == PAPER
    train = train_config(epochs=2, batch_size=32, objective=objective, n_samples=20)
    heldout = names[:40] if objective == "mle" else None
    results = train_runs(names, [0, 3], model, train, "cpu", dtype, backend, quiet, heldout)
    rel = 1e-9 if dtype == torch.float64 else 1e-5
    for got, want in zip(results, json.loads(FIXTURE.read_text())[case], strict=True):
        assert got.seed == want["seed"]
        for key in ("d_loss", "g_loss", "ess", "g_own"):
            assert getattr(got, key) == pytest.approx(want[key], rel=rel, nan_ok=True), key
        assert [nll for _, nll in got.heldout_nll] == pytest.approx(
            [nll for _, nll in want["heldout_nll"]], rel=rel
        )
        assert got.samples == want["samples"] and got.forced == want["forced"]
        assert got.final == pytest.approx(want["final"], rel=rel)


def test_vocab_layout_and_round_trip() -> None:
    vocab = Vocab(WIDE)
    assert vocab.size == len(WIDE) + 2 == 50 and vocab.end_id == 49
    assert vocab.symbols[0] == "." and vocab.symbols[-1] == "$"
    assert vocab.outputs == WIDE + "$"
    names = ["жаба", "über", "a0", ""]
    ids = vocab.encode_batch(names, 10)
    assert ids.shape == (4, 10) and int(ids.max()) == vocab.end_id
    assert vocab.decode_batch(ids) == names
    with pytest.raises(ValueError, match="outside the alphabet"):
        vocab.encode("Ω", 10)
    assert PAPER.label == "a-z" and PAPER.end_id == 27


@pytest.mark.parametrize("letters", ["", "abca", "ab$", "a.b", "a b", "a^"])
def test_an_impossible_alphabet_is_refused_in_one_sentence(letters: str) -> None:
    with pytest.raises(UserError) as err:
        Vocab(letters)
    assert "alphabet" in str(err.value) and "\n" not in str(err.value)


def test_an_upper_case_alphabet_is_refused() -> None:
    check_alphabet("auto")
    check_alphabet("abcäö")
    with pytest.raises(UserError, match="write the alphabet in lower case"):
        check_alphabet("abcABC")


def test_auto_takes_letters_marks_and_digits_of_any_script() -> None:
    lines = [
        "Zoe\u0308\n",  # decomposed ë: NFC-normalised to one letter
        "ÉLODIE\n",  # upper case: lower-cased
        "Жанна\n",  # another script
        "r2d2\n",  # digits are symbols too
        "O'Neil\n",  # apostrophe: dropped
        "Mary Ann\n",  # space: dropped
        "a.b\n",  # reserved symbol: dropped
        "christabella\n",  # too long
    ]
    names, counts = filter_names(lines, alphabet="auto")
    assert names == ["zoë", "élodie", "жанна", "r2d2"]
    assert counts["non_letter"] == 3 and counts["too_long"] == 1
    letters = resolve_alphabet(names, "auto", 64)
    assert letters == "".join(sorted(set("zoëélodieжаннаr2d2")))
    assert resolve_alphabet(names, "abc", 64) == "abc"


def test_the_paper_alphabet_keeps_only_ascii_lines() -> None:
    """The Kelvin sign lower-cases to k: the paper's filter, as every ASCII alphabet, drops it;
    an alphabet beyond ASCII normalises it to k."""
    kelvin = "\u212aim\n"
    assert filter_names([kelvin])[0] == []
    assert filter_names([kelvin], alphabet="kim")[0] == []
    assert filter_names([kelvin], alphabet="kimé")[0] == ["kim"]
    assert filter_names(["Zoë\n"], alphabet="zoë")[0] == ["zoë"]


def test_auto_alphabet_past_its_limit_is_one_sentence() -> None:
    with pytest.raises(UserError) as err:
        auto_letters(["abc", "def"], 5)
    message = str(err.value)
    assert "6 distinct symbols, more than max_alphabet=5" in message
    assert "raise max_alphabet" in message and "\n" not in message


def test_ngram_models_range_over_the_alphabet() -> None:
    train, heldout = ["жан", "жак"], ["жа"]
    outputs = "акжн$"
    assert ngram.ngram_nll(train, heldout, 0, outputs) == pytest.approx(math.log(len(outputs)))
    with pytest.raises(ValueError, match="not an output symbol"):
        ngram.ngram_nll(train, heldout, 0)  # the paper's a-z cannot score Cyrillic


def auto_settings(**changes) -> str:
    """The JSON text of the default settings with `alphabet: auto`, as settings.json holds it."""
    return json.dumps(run_settings(CONFIG, "corrected", "is_gan", alphabet="auto", **changes))


def test_settings_resolve_auto_from_the_filtered_alphabet() -> None:
    text = auto_settings()
    with pytest.raises(UserError, match="alphabet auto is taken from the data"):
        read_settings(text)
    assert read_settings(text, "жан").model.alphabet == "жан"
    with pytest.raises(UserError, match="rerun the filter step"):
        read_settings(settings_json(alphabet="abc"), "abd")


def test_a_wide_alphabet_trains_alike_on_both_backends() -> None:
    """The numba kernels take the end symbol from the weights' shapes: a 50-symbol model trains
    as PyTorch trains it, and samples only its letters."""
    names = random_names(WIDE, 300, 5)
    model = model_config(alphabet=WIDE)
    for objective in ("is_gan", "gumbel"):
        train = train_config(epochs=1, batch_size=64, n_samples=30, objective=objective)
        runs = {
            backend: train_runs(names, [0, 1], model, train, "cpu", torch.float32, backend, quiet)
            for backend in ("numba", "torch")
        }
        for fast, slow in zip(runs["numba"], runs["torch"]):
            assert fast.d_loss == pytest.approx(slow.d_loss, rel=1e-4)
            assert fast.g_loss == pytest.approx(slow.g_loss, rel=1e-4)
            assert fast.samples == slow.samples
            assert all(set(name) <= set(WIDE) for name in fast.samples + fast.forced)
            assert fast.generator["out.weight"].shape == (50, model.hidden_size)
    paper = model_config(variant="paper_code", alphabet=WIDE)
    train = train_config(epochs=1, batch_size=64, n_samples=30)
    (fast,), (slow,) = (
        train_runs(names, [2], paper, train, "cpu", torch.float32, backend, quiet)
        for backend in ("numba", "torch")
    )
    assert fast.g_loss == pytest.approx(slow.g_loss, rel=1e-4)
    assert fast.samples == slow.samples
    assert all(len(name) == paper.max_steps for name in fast.samples)  # raw, `$` included


def run_cli_lines(main, capsys, *args: str) -> list[str]:
    run_cli(main, list(args))
    return capsys.readouterr().out.splitlines()


def test_auto_alphabet_trains_and_samples_from_its_checkpoint(tmp_path: Path, capsys) -> None:
    """`discrete-gan train` resolves `auto` with the filter's alphabet, the checkpoint keeps
    it, and `discrete-gan sample` draws names of that alphabet from the checkpoint alone."""
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    names_path = tmp_path / "names.txt"
    names_path.write_text("\n".join(random_names(letters, 200, 1)) + "\n", encoding="utf-8")
    (tmp_path / "alphabet.txt").write_text(letters + "\n", encoding="utf-8")
    settings = tmp_path / "settings.json"
    settings.write_text(auto_settings(epochs=1, batch_size=50, n_samples=5))
    run_cli_lines(
        train_cli.main,
        capsys,
        *("--settings", str(settings), "--names", str(names_path)),
        *("--alphabet", str(tmp_path / "alphabet.txt"), "--seeds", "0"),
        *("--out-dir", str(tmp_path / "runs")),
    )
    checkpoint = tmp_path / "runs" / "seed0" / "checkpoint.pt"
    saved, generator, _ = load_checkpoint(checkpoint)
    assert saved["model"]["alphabet"] == letters and generator.vocab.letters == letters
    drawn = run_cli_lines(sample_cli.main, capsys, "--checkpoint", str(checkpoint), "-n", "40")
    assert len(drawn) == 40 and all(set(name) <= set(letters) for name in drawn)
    assert any(drawn)
    forced = run_cli_lines(
        sample_cli.main, capsys, "--checkpoint", str(checkpoint), "-n", "5", "--length", "6"
    )
    assert all(len(name) == 6 and set(name) <= set(letters) for name in forced)


def test_an_a_to_z_checkpoint_is_the_one_written_before_the_alphabet(tmp_path: Path) -> None:
    """The model config of an a-z checkpoint holds no alphabet, as before it was a setting, and
    reads back as a-z; any other alphabet is recorded."""
    names = random_names(string.ascii_lowercase, 128, 2)
    model, train = model_config(), train_config(epochs=1, batch_size=64, n_samples=3)
    (result,) = train_runs(names, [0], model, train, "cpu", torch.float32, "torch", quiet)
    folder = write_run(result, tmp_path, model, train)
    saved, generator, _ = load_checkpoint(folder / "checkpoint.pt")
    assert saved["model"] == {"hidden_size": 8, "max_steps": 10, "variant": "corrected"}
    assert generator.vocab == PAPER and generator.config == model
    wide = model_config(alphabet="abcdefghijklmnopqrstuvwxyzé")
    folder = write_run(result, tmp_path / "wide", wide, train)
    assert torch.load(folder / "checkpoint.pt")["model"]["alphabet"] == wide.alphabet
