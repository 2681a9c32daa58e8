"""Can the length of a sequence alone drive the paper's discriminator loss to zero?

The paper's code pads real names with `$` to 15 symbols, while its generator emits sequences of
10. This step trains discriminators of the paper's size (the project's Discriminator, hidden
size and learning-rate schedule from the config) to tell every corpus name padded to 15 symbols
("real") from the same names padded to 10 ("fake"): the letters are identical, only the number
of `$` differs. If the loss still falls to near zero, the paper's "extremely good
discriminator" measures the length mismatch, not the generator's quality.

`runs` discriminators (seeds first_seed..first_seed+runs-1) train together as one batched
model, as the GAN trainer does; run k's initial weights and batch order come from seed k's
generator alone.
By default the loss is computed as the paper's code computes it (`LossForm`), so that its ln
is in the units of the paper's Figure 5a. Writes a per-epoch table (epoch, n_runs,
min/mean/max over runs of the mean batch loss, and ln of the mean) and a JSON with each run's
final accuracy (logit > 0 means "real") on every name in both forms.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from discrete_gan.analysis.aggregate import safe_log
from discrete_gan.config import PAPER_CODE_REAL_STEPS, ModelConfig, TrainConfig
from discrete_gan.data.vocab import PAPER, Vocab
from discrete_gan.fileio import UserError
from discrete_gan.model.networks import Discriminator, init_uniform_
from discrete_gan.training.progress import progress
from discrete_gan.training.seeding import run_generator
from discrete_gan.training.train import (
    Network,
    check_finite,
    choose_backend,
    epoch_batches,
    per_run_mean,
    shares_right,
)

TABLE_COLUMNS = ["epoch", "n_runs", "d_min", "d_mean", "d_max", "ln_d_mean"]


def name_forms(names: list[str], real_steps: int, fake_steps: int, vocab: Vocab = PAPER):
    """Every name's ids padded with `$` to real_steps and to fake_steps symbols, (steps, n)."""
    longest = max(len(name) for name in names)
    if longest > min(real_steps, fake_steps):
        raise UserError(
            f"a name has {longest} letters, more than {min(real_steps, fake_steps)} symbols; "
            "both forms must hold every name's letters, so raise the shorter length"
        )
    real = vocab.encode_batch(names, real_steps).T.contiguous()
    fake = vocab.encode_batch(names, fake_steps).T.contiguous()
    return real, fake


@dataclass(frozen=True)
class LossForm:
    """How the discriminator loss is computed; the defaults are the paper's code: the float32
    `log(sigmoid)`, which saturates, and sums divided by the real names' padded length (15)
    instead of the batch size, which puts the loss in the units of the paper's Figure 5a."""

    log_sigmoid: bool = True
    length_divisor: bool = True


class LengthCheck:
    """Discriminators of every seed, stacked, trained on the two forms of the same names."""

    def __init__(self, names, seeds, model: ModelConfig, train: TrainConfig, steps, backend, loss):
        if len(names) < train.batch_size:
            raise UserError(
                f"{len(names)} names are fewer than one batch of {train.batch_size}; "
                "lower batch_size or check the names file"
            )
        self.seeds, self.train, self.net = list(seeds), train, backend
        divisor = steps[0] if loss.length_divisor else None
        self.loss_options = {"log_sigmoid": loss.log_sigmoid, "divisor": divisor}
        self.real, self.fake = name_forms(names, *steps, model.vocab)  # (steps, n) each
        self.n_batches = len(names) // train.batch_size
        self.rngs = [run_generator(seed) for seed in self.seeds]
        states = []
        for rng in self.rngs:
            disc = Discriminator(model)
            init_uniform_(disc, model.hidden_size, rng)
            states.append(disc.state_dict())
        self.network = Network(states, "cpu", torch.float32, train.lr, backend.adam)

    def train_epoch(self, epoch: int) -> torch.Tensor:
        """One pass over the names; each run's mean batch loss (runs,)."""
        self.network.set_lr(self.train.lr_at(epoch))
        n = self.real.shape[1]
        orders = torch.stack([torch.randperm(n, generator=rng) for rng in self.rngs])
        size = self.train.batch_size
        reals = epoch_batches(self.real, orders, self.n_batches, size)
        fakes = epoch_batches(self.fake, orders, self.n_batches, size)
        losses = []
        for real, fake in zip(reals, fakes):
            loss, grads = self.net.discriminator_step(
                self.network.params, real, fake, **self.loss_options
            )
            self.network.step(grads)
            losses.append(loss.detach())
        losses = torch.stack(losses)  # (batches, runs)
        check_finite(losses, "length-check discriminator", self.seeds, epoch)
        return per_run_mean(losses)

    @torch.no_grad()
    def accuracy(self) -> list[dict]:
        """Per run, the share of names classified right in each form (logit > 0 is "real")."""
        runs = len(self.seeds)
        params = self.network.params
        real = self.real.expand(runs, -1, -1).contiguous()  # (runs, steps, n)
        fake = self.fake.expand(runs, -1, -1).contiguous()
        real_ok, fake_ok = shares_right(self.net, params, real, fake)
        return [
            {"accuracy": float(r + f) / 2, "accuracy_real": float(r), "accuracy_fake": float(f)}
            for r, f in zip(real_ok, fake_ok)
        ]


def loss_table(losses: np.ndarray) -> pd.DataFrame:
    """Per epoch, min/mean/max over runs of losses (epochs, runs), and ln of the mean (NaN
    where the mean is not positive)."""
    mean = losses.mean(axis=1)
    table = pd.DataFrame(
        {
            "epoch": np.arange(len(losses)),
            "n_runs": losses.shape[1],
            "d_min": losses.min(axis=1),
            "d_mean": mean,
            "d_max": losses.max(axis=1),
            "ln_d_mean": safe_log(mean),
        }
    )
    return table[TABLE_COLUMNS]


def run_length_check(
    names: list[str],
    runs: int,
    model: ModelConfig,
    train: TrainConfig,
    steps: tuple[int, int] = (PAPER_CODE_REAL_STEPS, 10),
    backend: str = "auto",
    loss: LossForm = LossForm(),
    log=print,
    first_seed: int = 0,
) -> tuple[pd.DataFrame, list[dict]]:
    """Train `runs` discriminators (seeds first_seed..first_seed+runs-1) on names padded to
    steps[0] ("real") against the same names padded to steps[1] ("fake") with the loss `loss`;
    the per-epoch loss table and each run's final accuracy and loss."""
    if runs < 1:
        raise UserError(f"runs must be at least 1, not {runs}")
    if first_seed < 0:
        raise UserError(f"the first seed must be 0 or more, not {first_seed}")
    net = choose_backend(backend, "cpu", torch.float32)
    seeds = range(first_seed, first_seed + runs)
    check = LengthCheck(names, seeds, model, train, steps, net, loss)
    history, start = [], time.perf_counter()
    for epoch in range(train.epochs):
        history.append(check.train_epoch(epoch).numpy())
        d = history[-1]
        log(
            f"epoch {epoch + 1}/{train.epochs}  d_loss mean {d.mean():.4g} "
            f"[{d.min():.4g}, {d.max():.4g}]  "
            f"{progress(epoch + 1, train.epochs, time.perf_counter() - start)}"
        )
    losses = np.stack(history)  # (epochs, runs)
    final = [
        {"seed": seed, "final_d_loss": float(losses[-1, k]), **accuracy}
        for k, (seed, accuracy) in enumerate(zip(check.seeds, check.accuracy()))
    ]
    return loss_table(losses), final


def summary_json(final: list[dict], settings: dict) -> str:
    """The settings, each run's final accuracy and loss, and their means."""
    means = {
        f"mean_{key}": float(np.mean([run[key] for run in final]))
        for key in ("final_d_loss", "accuracy", "accuracy_real", "accuracy_fake")
    }
    return json.dumps({**settings, **means, "runs": final}, indent=2) + "\n"
