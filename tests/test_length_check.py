"""Step-function tests of the length check: a discriminator told real names padded to 15
symbols from the same names padded to 10 learns the difference from length alone, and with
equal lengths it cannot beat chance."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from defaults import model_config, settings_json, train_config

from discrete_gan.analysis.length_check import (
    TABLE_COLUMNS,
    LossForm,
    loss_table,
    name_forms,
    run_length_check,
)
from discrete_gan.cli.length_check import main
from discrete_gan.data.vocab import END_ID
from discrete_gan.fileio import UserError

CHANCE = 2 * math.log(2)  # the mean loss of a discriminator that cannot tell the two apart
# 299 names in batches of 32: 9 steps per epoch, the first learning rate throughout
MODEL = model_config()
TRAIN = train_config(epochs=3, batch_size=32, lr=0.02, lr_after=0.02, lr_decay_epoch=0)
# every way of computing the loss: from logits or float32 log(sigmoid), a mean or sums / 15
LOSS_FORMS = [LossForm(s, d) for s in (False, True) for d in (False, True)]


def chance(loss: LossForm) -> float:
    """The loss at chance: the mean's 2 ln 2, or the sum over the batch divided by 15."""
    return CHANCE * TRAIN.batch_size / 15 if loss.length_divisor else CHANCE


def quiet(*args, **kwargs) -> None:
    """A `log` that prints nothing."""


def test_name_forms_hold_the_same_letters_padded_to_two_lengths() -> None:
    real, fake = name_forms(["ann", "bo"], 15, 10)
    assert real.shape == (15, 2) and fake.shape == (10, 2)
    assert torch.equal(real[:10], fake)  # the same symbols where both have one
    assert (real[10:] == END_ID).all()  # the extra five are all `$`
    with pytest.raises(UserError, match="letters"):
        name_forms(["abcdefghijk"], 15, 10)


def test_loss_table_takes_ln_of_the_mean_and_is_nan_safe() -> None:
    table = loss_table(np.array([[0.5, 1.5], [0.0, 0.0]]))  # (epochs, runs)
    assert list(table.columns) == TABLE_COLUMNS
    assert table["d_mean"].tolist() == [1.0, 0.0]
    assert table["ln_d_mean"].iloc[0] == pytest.approx(0.0)
    assert math.isnan(table["ln_d_mean"].iloc[1])  # ln of a zero loss is n/a, not -inf


@pytest.mark.parametrize("loss", LOSS_FORMS)
def test_length_alone_drives_the_loss_down(names300, loss: LossForm) -> None:
    table, final = run_length_check(names300, 2, MODEL, TRAIN, (15, 10), "auto", loss, quiet)
    assert list(table.columns) == TABLE_COLUMNS
    assert table["epoch"].tolist() == [0, 1, 2] and (table["n_runs"] == 2).all()
    assert table["d_mean"].is_monotonic_decreasing
    assert table["d_mean"].iloc[0] < 1.01 * chance(loss)
    assert table["d_mean"].iloc[-1] < 0.6 * chance(loss)  # well below chance after 27 steps
    assert [run["seed"] for run in final] == [0, 1]
    assert all(run["accuracy"] > 0.9 for run in final)


@pytest.mark.parametrize("loss", LOSS_FORMS)
def test_equal_lengths_stay_at_chance(names300, loss: LossForm) -> None:
    """The control: with the same length the two forms are the same sequences, so no
    discriminator can do better than chance, and the loss never falls below it (ln 4 as a
    mean)."""
    table, final = run_length_check(names300, 2, MODEL, TRAIN, (15, 15), "auto", loss, quiet)
    assert (table["d_min"] >= chance(loss) * (1 - 1e-5)).all()
    assert all(run["accuracy"] == pytest.approx(0.5) for run in final)


@pytest.mark.parametrize("loss", [LossForm(False, False), LossForm()])
def test_backends_agree_and_runs_do_not_depend_on_each_other(names300, loss: LossForm) -> None:
    results = {
        (backend, runs): run_length_check(
            names300, runs, MODEL, TRAIN, (15, 10), backend, loss, quiet
        )
        for backend, runs in (("numba", 2), ("torch", 2), ("numba", 1))
    }
    numba_two, torch_two, numba_one = (table for table, _ in results.values())
    assert numba_two["d_mean"].to_numpy() == pytest.approx(torch_two["d_mean"], rel=1e-4)
    seed0_alone = numba_one["d_mean"].to_numpy()  # one run: its mean is seed 0's loss
    seed0_among = results["numba", 2][1][0]["final_d_loss"]
    assert seed0_alone[-1] == pytest.approx(seed0_among, rel=1e-5)


def test_too_few_names_is_a_user_error(names300) -> None:
    with pytest.raises(UserError, match="batch"):
        run_length_check(names300[:10], 1, MODEL, TRAIN, (15, 10), log=quiet)


def test_main_writes_the_table_and_the_accuracy(tmp_path, names300, restore_threads) -> None:
    names = tmp_path / "names.txt"
    names.write_text("\n".join(names300) + "\n", encoding="utf-8")
    out_csv, out_json = tmp_path / "out" / "length_check.csv", tmp_path / "out" / "lc.json"
    main(
        [
            *("--names", str(names), "--runs", "2", "--threads", "1"),
            "--settings",
            settings_json(epochs=2, batch_size=32, lr_after=0.002, lr_decay_epoch=1),
            *("--out-csv", str(out_csv), "--out-json", str(out_json)),
        ]
    )
    assert out_csv.read_text().splitlines()[0] == ",".join(TABLE_COLUMNS)
    summary = json.loads(out_json.read_text())
    assert summary["real_steps"] == 15 and summary["fake_steps"] == 10
    assert summary["log_sigmoid"] is True and summary["length_divisor"] is True
    assert len(summary["runs"]) == 2
    assert 0 <= summary["mean_accuracy"] <= 1
