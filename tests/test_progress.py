"""Each epoch line of a training job's log, and of the length check's, says how long the job
has run and how long it has left."""

from __future__ import annotations

import re

import pytest
import torch
from defaults import model_config, train_config

from discrete_gan.analysis.length_check import run_length_check
from discrete_gan.training.progress import duration, progress
from discrete_gan.training.train import train_runs

MODEL = model_config()
TRAIN = train_config(epochs=3, batch_size=32, n_samples=20)
EPOCH_LINE = re.compile(r"^epoch (\d)/3  .*  (\S+) elapsed, eta (\S+)$")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.04, "0.0s"), (12.34, "12.3s"), (59.94, "59.9s"), (245.4, "4m05s"), (3725, "1h02m")],
)
def test_duration_reads_as_seconds_minutes_or_hours(seconds, text) -> None:
    assert duration(seconds) == text


def test_eta_assumes_the_remaining_epochs_take_the_mean_time_so_far() -> None:
    assert progress(1, 4, 10.0) == "10.0s elapsed, eta 30.0s"
    assert progress(3, 3, 12.3) == "12.3s elapsed, eta 0.0s"
    assert progress(0, 3, 0.5) == "0.5s elapsed, eta unknown"


def check_epoch_lines(lines: list[str]) -> None:
    assert len(lines) == TRAIN.epochs
    found = [EPOCH_LINE.match(line) for line in lines]
    assert all(found), lines
    assert [int(match[1]) for match in found] == [1, 2, 3]
    assert found[-1][3] == "0.0s"  # nothing left after the last epoch


def test_training_log_lines_carry_elapsed_time_and_eta(names300) -> None:
    lines: list[str] = []
    train_runs(names300, [0, 1], MODEL, TRAIN, "cpu", torch.float32, "numba", lines.append)
    check_epoch_lines(lines)


def test_length_check_log_lines_carry_elapsed_time_and_eta(names300) -> None:
    lines: list[str] = []
    run_length_check(names300, 2, MODEL, TRAIN, (15, 10), "auto", log=lines.append)
    check_epoch_lines(lines)
