"""Step-function tests of training: the batched trainer against the one-run reference, run
independence, determinism, errors, the written outputs, and the train CLI."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest
import torch
from defaults import PROJECT, model_config, settings_json, train_config

from discrete_gan.backends import torch_runs
from discrete_gan.cli import train as train_cli
from discrete_gan.config import VARIANTS, as_dict
from discrete_gan.data.vocab import LETTERS, VOCAB_SIZE, encode_batch
from discrete_gan.fileio import UserError, run_cli
from discrete_gan.model import objectives
from discrete_gan.model.networks import Generator
from discrete_gan.training import train
from discrete_gan.training.reference import train_single
from discrete_gan.training.runs import load_checkpoint, write_run
from discrete_gan.training.seeding import (
    discriminator_draws,
    epoch_draws,
    gumbel_draws,
    run_generator,
)
from discrete_gan.training.train import BatchedTrainer, check_finite, train_runs

MODEL = model_config()


def quiet(*args, **kwargs) -> None:
    """A `log` for train_runs that prints nothing."""


@pytest.fixture(scope="module")
def names600(corpus_names: list[str]) -> list[str]:
    """A deterministic subset of ~600 real names (every 13th of the sorted filtered list)."""
    return corpus_names[::13]


@pytest.mark.parametrize(
    ("objective", "variant"),
    [
        *(
            (name, "corrected")
            for name in ("is_gan", "mle", "weighted_mle", "reinforce", "maligan")
        ),
        *(("is_gan", variant) for variant in VARIANTS if variant != "corrected"),
        ("reinforce", "code_data"),
        ("reinforce", "paper_code"),
    ],
)
def test_batched_trainer_matches_reference(names600: list[str], objective, variant) -> None:
    assert 550 <= len(names600) <= 650
    model = model_config(variant=variant)
    config = train_config(epochs=2, batch_size=128, objective=objective)
    d_ref, g_ref, gen_ref, disc_ref = train_single(names600, 7, model, config, torch.float64)
    trainer = BatchedTrainer(names600, [7], model, config, "cpu", torch.float64, torch_runs.BACKEND)
    d_got, g_got = zip(*(trainer.train_epoch(epoch) for epoch in range(config.epochs)))
    d_got, g_got = torch.cat(d_got).tolist(), torch.cat(g_got).tolist()
    assert d_got == pytest.approx(d_ref, rel=1e-9)
    assert g_got == pytest.approx(g_ref, rel=1e-9)
    for params, module in ((trainer.gen, gen_ref), (trainer.disc, disc_ref)):
        state = module.state_dict()
        assert set(params) == set(state)
        for key, value in state.items():
            torch.testing.assert_close(params[key][0].detach(), value, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("backend", "dtype", "rel", "objective"),
    [
        ("numba", torch.float32, 1e-6, "is_gan"),
        ("torch", torch.float64, 1e-10, "is_gan"),
        ("numba", torch.float32, 1e-6, "reinforce"),
        ("torch", torch.float64, 1e-10, "gumbel"),
        ("numba", torch.float32, 1e-5, "gumbel"),
        ("numba", torch.float32, 1e-6, "paper_code"),
    ],
)
def test_run_alone_equals_run_among_others(names300, backend, dtype, rel, objective) -> None:
    model = model_config(variant="paper_code") if objective == "paper_code" else MODEL
    objective = "is_gan" if objective == "paper_code" else objective
    config = train_config(epochs=2, batch_size=64, n_samples=30, objective=objective)
    args = (model, config, "cpu", dtype, backend, quiet)
    (alone,) = train_runs(names300, [3], *args)
    together = train_runs(names300, list(range(8)), *args)
    among = together[3]
    assert among.seed == alone.seed == 3
    assert among.d_loss == pytest.approx(alone.d_loss, rel=rel)
    assert among.g_loss == pytest.approx(alone.g_loss, rel=rel)
    assert among.samples == alone.samples
    assert among.forced == alone.forced
    for key, value in alone.generator.items():
        torch.testing.assert_close(among.generator[key], value, rtol=rel, atol=rel)
    assert together[4].d_loss != alone.d_loss


def test_same_seed_same_losses_different_seed_different_losses(names300) -> None:
    config = train_config(epochs=2, batch_size=64, n_samples=10)
    args = (MODEL, config, "cpu", torch.float32, "numba", quiet)
    first, other = train_runs(names300, [5, 6], *args)
    (again,) = train_runs(names300, [5], *args)
    assert again.d_loss == first.d_loss and again.g_loss == first.g_loss
    assert again.samples == first.samples and again.forced == first.forced
    assert other.d_loss != first.d_loss and other.g_loss != first.g_loss


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_numba_backend_agrees_with_torch_backend(names300, variant: str) -> None:
    config = train_config(epochs=1, batch_size=64, n_samples=10)
    model = model_config(variant=variant)
    results = {
        backend: train_runs(names300, [0, 1], model, config, "cpu", torch.float32, backend, quiet)
        for backend in ("numba", "torch")
    }
    for fast_run, torch_run in zip(results["numba"], results["torch"]):
        assert fast_run.d_loss == pytest.approx(torch_run.d_loss, rel=1e-3)
        assert fast_run.g_loss == pytest.approx(torch_run.g_loss, rel=1e-3)


def test_numba_gumbel_training_stays_close_to_torch_autograd(names300) -> None:
    """Three epochs of the Gumbel-softmax method on the numba kernels stay with the PyTorch
    autograd reference (both float32): losses to 1e-5, parameters to 1e-4 of their largest
    entry, the same samples."""
    config = train_config(epochs=3, batch_size=64, n_samples=20, objective="gumbel")
    results = {
        backend: train_runs(names300, [0, 1], MODEL, config, "cpu", torch.float32, backend, quiet)
        for backend in ("numba", "torch")
    }
    for fast_run, torch_run in zip(results["numba"], results["torch"]):
        assert fast_run.d_loss == pytest.approx(torch_run.d_loss, rel=1e-5)
        assert fast_run.g_loss == pytest.approx(torch_run.g_loss, rel=1e-5)
        for fast, ref in (
            (fast_run.generator, torch_run.generator),
            (fast_run.discriminator, torch_run.discriminator),
        ):
            for key, value in ref.items():
                atol = 1e-4 * value.abs().max()
                torch.testing.assert_close(fast[key], value, rtol=1e-4, atol=atol, msg=key)
        assert fast_run.samples == torch_run.samples


def test_choose_backend() -> None:
    assert train.choose_backend("torch", "cpu", torch.float64) is torch_runs.BACKEND
    assert train.choose_backend("auto", "cpu", torch.float64) is torch_runs.BACKEND
    assert (
        train.choose_backend("auto", "cpu", torch.float32).generator_sample.__module__
        == "discrete_gan.backends.numba_runs"
    )
    with pytest.raises(UserError, match="float32 only"):
        train.choose_backend("numba", "cpu", torch.float64)


def test_learning_rate_schedule() -> None:
    config = train_config()
    assert [config.lr_at(e) for e in range(4)] == [0.02] * 4
    assert config.lr_at(4) == 0.02
    assert config.lr_at(5) == 0.002 == config.lr_at(199)


def test_check_finite() -> None:
    seeds = [10, 20]
    check_finite(torch.ones(3, 2), "generator", seeds, 4)
    losses = torch.ones(3, 2)
    losses[1, 1] = torch.nan
    losses[2, 0] = torch.inf
    with pytest.raises(
        UserError, match=r"generator loss of run seed 20 became nan in epoch 4 batch 1"
    ):
        check_finite(losses, "generator", seeds, 4)
    losses[1, 1] = 0.5
    with pytest.raises(UserError, match=r"seed 10 became inf in epoch 4 batch 2"):
        check_finite(losses, "discriminator", seeds, 4)


def test_non_finite_loss_stops_training_and_writes_nothing(
    tmp_path, names300, monkeypatch, capsys, restore_threads
) -> None:
    """The generator loss of the second run (seed 8) becomes inf in batch 2 of epoch 0."""
    calls = []

    def poisoned(real_logits, log_p, baseline=None) -> torch.Tensor:
        loss = objectives.is_gan_generator_loss(real_logits, log_p)
        calls.append(None)
        if len(calls) == 3:
            loss = loss + torch.tensor([0.0, torch.inf, 0.0])
        return loss

    objective = objectives.GeneratorObjective(poisoned, "real")
    monkeypatch.setitem(objectives.GENERATOR_OBJECTIVES, "is_gan", objective)
    names_file = tmp_path / "names.txt"
    names_file.write_text("\n".join(names300) + "\n")
    out_dir = tmp_path / "runs"
    argv = ["--names", str(names_file), "--seeds", "7", "8", "9", "--out-dir", str(out_dir)]
    argv += ["--settings", settings_json(epochs=2, batch_size=64, device="cpu"), "--threads", "1"]
    with pytest.raises(SystemExit) as exit_info:
        run_cli(train_cli.main, argv)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: the generator loss of run seed 8 became inf")
    assert "epoch 0 batch 2" in err[0]
    assert not out_dir.exists() or not any(out_dir.rglob("*"))


def test_corpus_smaller_than_one_batch() -> None:
    config = train_config(batch_size=16)
    with pytest.raises(UserError, match="fewer than one batch of 16"):
        BatchedTrainer(["anna"] * 15, [0], MODEL, config, "cpu", torch.float32)


@pytest.fixture(scope="module")
def tiny_run(names300):
    config = train_config(epochs=1, batch_size=32, n_samples=50)
    (result,) = train_runs(names300, [4], MODEL, config, "cpu", torch.float32, "numba", quiet)
    return result, config


def test_write_run_and_load_checkpoint_round_trip(tmp_path, tiny_run, names300) -> None:
    result, config = tiny_run
    folder = write_run(result, tmp_path, MODEL, config)
    assert folder == tmp_path / "seed4"
    assert sorted(p.name for p in folder.iterdir()) == [
        "checkpoint.pt",
        "final.json",
        "forced.txt",
        "losses.csv",
        "samples.txt",
    ]
    raw = torch.load(folder / "checkpoint.pt", weights_only=True)
    assert raw["seed"] == 4
    assert raw["model"] == as_dict(MODEL) and raw["train"] == as_dict(config)
    for part in ("generator", "discriminator"):
        assert all(isinstance(v, torch.Tensor) for v in raw[part].values())

    checkpoint, gen, disc = load_checkpoint(folder / "checkpoint.pt")
    assert isinstance(gen, Generator) and gen.config == MODEL and not gen.training
    ids = encode_batch(names300[:40], MODEL.max_steps)
    params = torch_runs.stack_states([result.generator], "cpu", torch.float32)
    with torch.no_grad():
        expected = torch_runs.generator_log_likelihood(params, ids.T[None])  # (1, steps, batch)
        torch.testing.assert_close(gen.log_likelihood(ids), expected[0], rtol=1e-5, atol=1e-5)
        disc_params = torch_runs.stack_states([result.discriminator], "cpu", torch.float32)
        expected = torch_runs.discriminator_logits(disc_params, ids.T[None])
        torch.testing.assert_close(disc(ids), expected[0], rtol=1e-5, atol=1e-5)

    samples = (folder / "samples.txt").read_text().splitlines()
    forced = (folder / "forced.txt").read_text().splitlines()
    assert samples == result.samples and len(samples) == config.n_samples
    assert forced == result.forced and len(forced) == config.n_samples
    assert all(set(name) <= set(LETTERS) for name in samples + forced)
    assert all(len(name) <= MODEL.max_steps - 1 for name in samples)

    with open(folder / "losses.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["epoch", "d_loss", "g_loss", "ess", "half_weight_length", "g_own"]
    assert [int(r["epoch"]) for r in rows] == list(range(config.epochs))
    assert [float(r["d_loss"]) for r in rows] == result.d_loss
    assert [float(r["g_loss"]) for r in rows] == result.g_loss
    assert [float(r["ess"]) for r in rows] == result.ess
    assert all(1 <= ess <= config.batch_size for ess in result.ess)
    assert all(0 <= length <= MODEL.max_steps - 1 for length in result.half_weight_length)
    final = json.loads((folder / "final.json").read_text())
    assert final == result.final and final["n_real"] == final["n_fake"] == len(names300)
    assert 0 <= final["d_accuracy_real"] <= 1 and 0 <= final["d_accuracy_fake"] <= 1
    mean = (final["d_accuracy_real"] + final["d_accuracy_fake"]) / 2
    assert final["d_accuracy"] == pytest.approx(mean)


def test_forced_names_have_max_steps_letters(tiny_run) -> None:
    result, _ = tiny_run
    lengths = sorted({len(name) for name in result.forced})
    assert lengths == [MODEL.max_steps], f"forced name lengths {lengths}"


def test_load_checkpoint_errors(tmp_path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="cannot be read"):
        load_checkpoint(corrupt)


def run_train_cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "discrete_gan.cli.train", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_train_cli_end_to_end(tmp_path, corpus_names) -> None:
    names_file = tmp_path / "names.txt"
    names_file.write_text("\n".join(corpus_names[::150]) + "\n")  # 52 names
    out_dir = tmp_path / "runs"
    done = run_train_cli(
        *("--names", str(names_file), "--seeds", "0", "1", "--out-dir", str(out_dir)),
        *("--settings", settings_json(epochs=1, batch_size=16, n_samples=5, device="cpu")),
    )
    assert done.returncode == 0, done.stderr
    for seed in (0, 1):
        folder = out_dir / f"seed{seed}"
        files = sorted(p.name for p in folder.iterdir())
        assert files == ["checkpoint.pt", "final.json", "forced.txt", "losses.csv", "samples.txt"]
        assert len((folder / "samples.txt").read_text().splitlines()) == 5
        assert len((folder / "losses.csv").read_text().splitlines()) == 2
    assert "wrote 2 runs" in done.stdout


def test_train_cli_missing_names_file(tmp_path) -> None:
    missing = tmp_path / "nope.txt"
    settings = ("--settings", settings_json())
    done = run_train_cli(
        "--names", str(missing), "--seeds", "0", "--out-dir", str(tmp_path / "o"), *settings
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: names file")
    assert str(missing) in lines[0]
    assert not (tmp_path / "o").exists()


def test_code_data_variant_switches(names300) -> None:
    """Real names padded to 15 symbols, generated sequences of 10 drawn without stopping at `$`
    (kept whole in samples.txt), and likelihoods over every padded position."""
    model = model_config(variant="code_data")
    assert (model.real_steps, model.free_draws) == (15, 10)
    assert (MODEL.real_steps, MODEL.free_draws) == (10, 9)
    config = train_config(epochs=1, batch_size=64, n_samples=300)
    trainer = BatchedTrainer(names300, [0], model, config, "cpu", torch.float32, torch_runs.BACKEND)
    assert trainer.ids.shape == (15, len(names300)) and trainer.whole
    seen = []
    sample = torch_runs.generator_sample

    def step(params, real, fake, log_sigmoid, divisor):
        seen.append((real.shape[1], fake.shape[1], log_sigmoid, divisor))
        return torch_runs.discriminator_step(params, real, fake)

    trainer.net = dataclasses.replace(
        torch_runs.BACKEND,
        generator_sample=lambda *a, **k: seen.append(k) or sample(*a, **k),
        discriminator_step=step,
    )
    trainer.train_epoch(0)
    assert seen[0] == {"forced": False, "stop": False, "ban_start": True}
    assert seen[1] == (15, 10, False, None)
    free, forced = trainer.final_names()
    assert all(len(name) == 10 for name in free[0])  # raw sequences, `$` included
    assert any("$" in name.rstrip("$") for name in free[0])  # letters after a `$`
    assert all(len(name) == 10 and "$" not in name for name in forced[0])


def test_paper_code_with_gumbel_is_refused(names300) -> None:
    config = train_config(objective="gumbel")
    with pytest.raises(UserError, match="train it with variant corrected"):
        BatchedTrainer(
            names300, [0], model_config(variant="paper_code"), config, "cpu", torch.float32
        )


def test_unknown_variant_is_refused() -> None:
    with pytest.raises(UserError, match="unknown variant 'paper'"):
        model_config(variant="paper")


def test_training_flushes_subnormals_in_every_kernel_thread() -> None:
    """A saturating discriminator makes subnormal gradients, which slow x86 arithmetic many
    times: the training process flushes them to zero in its own and every kernel thread."""
    probe = (
        "import numpy as np, numba\n"
        "from discrete_gan.backends import kernels, numba_runs\n"
        "from discrete_gan.training import train\n"
        "tiny = np.full(64, 1e-20, np.float32)\n"
        "print(kernels.subnormal_probe(tiny, 64)[0].max() > 0)\n"
        "train.set_threads(2, numba_runs.BACKEND)\n"
        "products, threads = kernels.subnormal_probe(tiny, 64)\n"
        "print(products.max(), len(set(threads.tolist())), numba.get_num_threads())\n"
    )
    env = {**os.environ, "NUMBA_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.splitlines()
    assert before == "True"  # the probe sees subnormals where they are not flushed
    product, n_threads, wanted = after.split()
    assert float(product) == 0.0 and int(n_threads) == int(wanted) == 2


def test_runs_drawn_on_threads_are_each_from_their_own_generator(names300, restore_threads):
    """An epoch's draws, made by several runs at once on two threads, are each run's own
    numbers in the order of `seeding`: its shuffle, sampling uniforms, Gumbel uniforms and the
    extra discriminator steps' uniforms."""
    backend = train.choose_backend("numba", "cpu", torch.float32)
    train.set_threads(2, backend)
    config = train_config(batch_size=64, objective="gumbel", d_steps=3)
    seeds = [3, 5, 8, 13]
    trainer = BatchedTrainer(names300, seeds, MODEL, config, "cpu", torch.float32, backend)
    orders, uniforms, gumbel, extra = trainer._draws()
    shape = (trainer.n_batches, 64, MODEL.free_draws)
    for k, seed in enumerate(seeds):
        rng = run_generator(seed)
        train.initial_states(rng, MODEL)  # the networks' initialisation draws first
        order, u = epoch_draws(rng, len(names300), *shape)
        assert torch.equal(orders[k], order) and torch.equal(uniforms[:, k], u)
        assert torch.equal(gumbel[:, k], gumbel_draws(rng, *shape, VOCAB_SIZE))
        assert torch.equal(extra[:, k], discriminator_draws(rng, *shape, 2))


def test_names_without_room_for_the_end_symbol_are_refused(names300) -> None:
    """A name of max_steps letters would be trained without its `$`."""
    with pytest.raises(UserError, match="the longest name has 10 letters but a sequence"):
        BatchedTrainer([*names300, "abcdefghij"], [0], MODEL, train_config(), "cpu", torch.float32)


@pytest.mark.parametrize("variant", ["corrected", "paper_code"])
def test_run_files_are_byte_identical_across_groupings_and_threads(
    corpus_names, tmp_path, variant, restore_threads
) -> None:
    """A run's files do not depend on which runs share its job, nor on the thread count (the
    paper's 60 batches per epoch, whose mean a reduction over all runs would round otherwise)."""
    model = model_config(variant=variant)
    config = train_config(epochs=1, n_samples=30)
    written = {}
    for label, seeds, threads in (("alone", [3], 1), ("among", list(range(30)), 2)):
        train.set_threads(threads, train.choose_backend("numba", "cpu", torch.float32))
        results = train_runs(
            corpus_names, seeds, model, config, "cpu", torch.float32, "numba", quiet
        )
        for result in results:
            if result.seed == 3:
                write_run(result, tmp_path / label, model, config)
        written[label] = tmp_path / label / "seed3"
    for name in ("losses.csv", "samples.txt", "forced.txt", "final.json"):
        alone = (written["alone"] / name).read_bytes()
        assert alone == (written["among"] / name).read_bytes(), name


def test_epoch_batches_shuffle_each_run_on_its_own() -> None:
    ids = torch.arange(7).expand(3, -1)  # (steps, n): name i is [i, i, i]
    orders = torch.tensor([[6, 5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5, 6]])
    out = train.epoch_batches(ids, orders, n_batches=2, size=3)  # the seventh name is dropped
    assert out.shape == (2, 2, 3, 3)  # (batches, runs, steps, batch)
    assert out[0, 0, 0].tolist() == [6, 5, 4] and out[1, 1, 2].tolist() == [3, 4, 5]


def test_a_run_written_twice_is_the_same_bytes(tmp_path, tiny_run) -> None:
    """Every file of a run, the checkpoint included, is byte for byte the same when written
    again: the same seed must give the same files, whatever the temporary file names were."""
    result, config = tiny_run
    first = write_run(result, tmp_path / "a", MODEL, config)
    second = write_run(result, tmp_path / "b", MODEL, config)
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_pretraining_epochs_are_maximum_likelihood(names300) -> None:
    """With pretrain_epochs=1, a method's first epoch is an MLE epoch (its discriminator
    waits): the generator equals that of the mle objective after one epoch, bit for bit (the
    mle method's generator does not depend on the discriminator it trains beside)."""
    pretrained = train_config(epochs=2, batch_size=64, objective="reinforce", pretrain_epochs=1)
    trainer = BatchedTrainer(names300, [3, 4], MODEL, pretrained, "cpu", torch.float32)
    mle = BatchedTrainer(
        names300,
        [3, 4],
        MODEL,
        train_config(epochs=1, batch_size=64, objective="mle"),
        "cpu",
        torch.float32,
    )
    disc_before = trainer.discriminator.flat.detach().clone()
    d, _ = trainer.train_epoch(0)
    mle.train_epoch(0)
    assert torch.equal(trainer.generator.flat, mle.generator.flat)
    assert torch.equal(trainer.discriminator.flat, disc_before) and d.isnan().all()
    d, _ = trainer.train_epoch(1)  # now the method's own epochs, discriminator included
    assert torch.isfinite(d).all() and not torch.equal(trainer.discriminator.flat, disc_before)


@pytest.mark.parametrize("objective", ["is_gan", "reinforce", "gumbel"])
def test_d_steps_updates_the_discriminator_that_often(names300, objective) -> None:
    """d_steps=2 takes two discriminator steps per generator step, the second on fresh samples
    drawn after the epoch's other draws; d_steps=1 draws and trains as before."""
    config = train_config(epochs=1, batch_size=100, objective=objective)
    one = BatchedTrainer(names300, [5], MODEL, config, "cpu", torch.float32)
    two = BatchedTrainer(
        names300, [5], MODEL, dataclasses.replace(config, d_steps=2), "cpu", torch.float32
    )
    calls = []
    step = two.net.discriminator_step
    two.net = dataclasses.replace(
        two.net, discriminator_step=lambda *a: calls.append(a[2]) or step(*a)
    )
    one.train_epoch(0)
    two.train_epoch(0)
    assert len(calls) == 2 * two.n_batches
    assert not torch.equal(calls[0], calls[1])  # fresh samples for the second step
    assert not torch.equal(one.discriminator.flat, two.discriminator.flat)
    # the epoch's sampling uniforms are the same in both: d_steps adds its draws after them
    fresh = [
        BatchedTrainer(names300, [5], MODEL, c, "cpu", torch.float32)._draws()
        for c in (config, dataclasses.replace(config, d_steps=2))
    ]
    assert torch.equal(fresh[0][1], fresh[1][1]) and fresh[0][3] is None
    assert fresh[1][3].shape == (two.n_batches, 1, 1, MODEL.max_steps - 1, 100)


def test_pretrained_is_gan_writes_every_epoch(tmp_path, names300) -> None:
    """The weight diagnostics of is_gan are undefined in its MLE pre-training epochs: empty
    cells there, one row per epoch in losses.csv all the same."""
    config = train_config(epochs=3, batch_size=64, n_samples=5, pretrain_epochs=2)
    (result,) = train_runs(names300, [0], MODEL, config, "cpu", torch.float32, "numba", quiet)
    rows = (write_run(result, tmp_path, MODEL, config) / "losses.csv").read_text().splitlines()
    assert rows[0] == "epoch,d_loss,g_loss,ess,half_weight_length,g_own" and len(rows) == 4
    assert rows[1].split(",")[1] == rows[1].split(",")[3] == rows[1].split(",")[5] == "nan"
    assert all(math.isfinite(float(v)) for v in rows[3].split(","))


def test_the_kernel_compile_step_trains_every_objective() -> None:
    """`make test` compiles the kernels first with scripts/compile_kernels.py: its shares cover
    every generator objective and both ends of the variant ladder, so no kernel is left for the
    test workers to compile side by side."""
    path = PROJECT / "scripts" / "compile_kernels.py"
    spec = importlib.util.spec_from_file_location("compile_kernels", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pairs = [pair for share in module.SHARES for pair in share]
    assert {pair[1] for pair in pairs} == set(objectives.GENERATOR_OBJECTIVES)
    assert {pair[0] for pair in pairs} == {"corrected", "paper_code"}
    # and, where the fused kernels run, the numba kernels of both ends too
    on_numba = {pair[:2] for pair in pairs if pair[2:] == (module.NUMBA,)}
    assert {("corrected", "is_gan"), ("paper_code", "is_gan")} <= on_numba
    names = module.made_up_names()
    assert names == module.made_up_names() and all(2 <= len(name) <= 9 for name in names)
