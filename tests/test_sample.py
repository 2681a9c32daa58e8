"""The sample CLI on a checkpoint from a one-epoch training of a tiny run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from defaults import model_config, train_config

from discrete_gan.cli import sample as sample_cli
from discrete_gan.config import ModelConfig
from discrete_gan.data.vocab import LETTERS
from discrete_gan.fileio import run_cli
from discrete_gan.training.runs import write_run
from discrete_gan.training.train import train_runs

MODEL = model_config()


@pytest.fixture(scope="module")
def checkpoint(corpus_names: list[str], tmp_path_factory) -> Path:
    return one_epoch_checkpoint(corpus_names, "corrected", tmp_path_factory.mktemp("runs"))[1]


def run_sample(capsys, *args: str) -> tuple[int, list[str], list[str]]:
    """Exit status, stdout lines and stderr lines of the sample CLI, run in this process."""
    status = 0
    try:
        run_cli(sample_cli.main, list(args))
    except SystemExit as exit_info:
        status = exit_info.code
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_prints_n_names(checkpoint, capsys) -> None:
    status, names, err = run_sample(capsys, "--checkpoint", str(checkpoint), "-n", "25")
    assert status == 0 and err == []
    assert len(names) == 25
    assert all(set(name) <= set(LETTERS) and len(name) <= MODEL.max_steps - 1 for name in names)
    assert len(set(names)) > 1


def test_deterministic_for_a_seed(checkpoint, capsys) -> None:
    args = ("--checkpoint", str(checkpoint), "-n", "30")
    _, first, _ = run_sample(capsys, *args, "--seed", "3")
    _, again, _ = run_sample(capsys, *args, "--seed", "3")
    _, other, _ = run_sample(capsys, *args, "--seed", "4")
    assert first == again
    assert first != other
    _, default, _ = run_sample(capsys, *args)
    _, zero, _ = run_sample(capsys, *args, "--seed", "0")
    assert default == zero


def test_length_forces_name_length(checkpoint, capsys) -> None:
    status, names, _ = run_sample(
        capsys, "--checkpoint", str(checkpoint), "-n", "40", "--length", "7"
    )
    assert status == 0 and len(names) == 40
    assert all(set(name) <= set(LETTERS) for name in names)
    assert sorted({len(name) for name in names}) == [7]


@pytest.mark.parametrize(
    ("flags", "message"),
    [(("-n", "0"), "error: -n must be at least 1"), (("--length", "0"), "error: --length must")],
)
def test_bad_arguments(checkpoint, capsys, flags, message) -> None:
    status, out, err = run_sample(capsys, "--checkpoint", str(checkpoint), *flags)
    assert status == 1 and out == []
    assert len(err) == 1 and err[0].startswith(message)


def test_missing_checkpoint_subprocess(tmp_path) -> None:
    missing = tmp_path / "seed0" / "checkpoint.pt"
    command = [sys.executable, "-m", "discrete_gan.cli.sample", "--checkpoint", str(missing)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == f"error: checkpoint {missing} does not exist; train the run first"


def test_cli_subprocess_prints_names(checkpoint) -> None:
    command = [
        sys.executable,
        "-m",
        "discrete_gan.cli.sample",
        "--checkpoint",
        str(checkpoint),
    ]
    done = subprocess.run([*command, "-n", "6"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 6


def one_epoch_checkpoint(names: list[str], variant: str, tmp_path) -> tuple[ModelConfig, Path]:
    """A run of `variant` trained for one epoch on every 40th name, and its checkpoint."""
    model = model_config(variant=variant)
    config = train_config(epochs=1, batch_size=32, n_samples=5)
    (result,) = train_runs(
        names[::40], [2], model, config, "cpu", torch.float32, "numba", lambda *a, **k: None
    )
    return model, write_run(result, tmp_path, model, config) / "checkpoint.pt"


def test_code_data_generator_samples_as_it_was_trained(corpus_names, tmp_path, capsys) -> None:
    """All 10 symbols, going on after `$`, as the run's own samples.txt holds them."""
    model, path = one_epoch_checkpoint(corpus_names, "code_data", tmp_path)
    status, lines, _ = run_sample(capsys, "--checkpoint", str(path), "-n", "300")
    assert status == 0 and len(lines) == 300
    assert all(len(line) == model.max_steps and set(line) <= set(LETTERS + "$") for line in lines)
    assert any("$" in line.rstrip("$") for line in lines)  # letters after a `$`
    status, forced, _ = run_sample(capsys, "--checkpoint", str(path), "-n", "5", "--length", "7")
    assert all(len(line) == 7 and set(line) <= set(LETTERS) for line in forced)


def test_paper_code_generator_can_emit_the_start_symbol(corpus_names, tmp_path, capsys) -> None:
    """The published generator's softmax includes `.`: its samples, free and forced, keep it."""
    model, path = one_epoch_checkpoint(corpus_names, "paper_code", tmp_path)
    status, lines, _ = run_sample(capsys, "--checkpoint", str(path), "-n", "2000")
    assert status == 0 and all(len(line) == model.max_steps for line in lines)
    assert any("." in line for line in lines)
    status, forced, _ = run_sample(capsys, "--checkpoint", str(path), "-n", "500", "--length", "7")
    assert all(len(line) == 7 and "$" not in line for line in forced)
    assert any("." in line for line in forced)
