"""A straightforward trainer of one run with `nn.Module`s: the reference the batched trainer
must match, and the one-run-at-a-time baseline of the speed benchmark."""

from __future__ import annotations

import torch

from discrete_gan.config import ModelConfig, TrainConfig
from discrete_gan.model.networks import Discriminator, Generator
from discrete_gan.model.objectives import (
    discriminator_loss,
    discriminator_loss_log_sigmoid,
    update_baseline,
)
from discrete_gan.training.seeding import epoch_draws, run_generator
from discrete_gan.training.train import initial_states, variant_objective


def train_single(
    names: list[str], seed: int, model: ModelConfig, train: TrainConfig, dtype=torch.float32
) -> tuple[list[float], list[float], Generator, Discriminator]:
    """Train one run; returns its per-epoch mean losses and the trained models."""
    rng = run_generator(seed)
    gen_state, disc_state = initial_states(rng, model)
    gen, disc = Generator(model).to(dtype), Discriminator(model).to(dtype)
    gen.load_state_dict(gen_state)
    disc.load_state_dict(disc_state)
    gen_opt = torch.optim.Adam(gen.parameters(), lr=train.lr)
    disc_opt = torch.optim.Adam(disc.parameters(), lr=train.lr)
    objective = variant_objective(model, train.objective)
    if objective.names == "relaxed" or not objective.discriminator:
        raise ValueError("the reference trainer covers the adversarial log-likelihood objectives")
    if train.d_steps != 1 or train.pretrain_epochs:
        raise ValueError("the reference trainer covers d_steps 1 without pre-training")
    d_loss_fn = discriminator_loss_log_sigmoid if model.switches.log_sigmoid else discriminator_loss
    baseline = None
    ids = model.vocab.encode_batch(names, model.real_steps)
    size, n_batches = train.batch_size, len(names) // train.batch_size
    d_history, g_history = [], []
    for epoch in range(train.epochs):
        for opt in (gen_opt, disc_opt):
            for group in opt.param_groups:
                group["lr"] = train.lr_at(epoch)
        order, uniforms = epoch_draws(rng, len(names), n_batches, size, model.free_draws)
        d_sum = g_sum = 0.0
        for b in range(n_batches):
            real = ids[order[b * size : (b + 1) * size]]
            fake = gen.sample(uniforms[b].T.to(dtype), stop=not model.code_data)
            d_loss = d_loss_fn(disc(real), disc(fake), model.d_loss_divisor)
            disc_opt.zero_grad()
            d_loss.backward()
            disc_opt.step()
            scored = real if objective.names == "real" else fake
            with torch.no_grad():
                logits = disc(scored)
            if objective.names == "fake" and baseline is None:
                baseline = update_baseline(None, logits, train.baseline_decay)
            log_p = gen.log_likelihood(scored, whole=model.code_data)
            g_loss = objective.loss(logits, log_p, baseline)
            if objective.names == "fake":
                baseline = update_baseline(baseline, logits, train.baseline_decay)
            gen_opt.zero_grad()
            g_loss.backward()
            gen_opt.step()
            d_sum, g_sum = d_sum + d_loss.item(), g_sum + g_loss.item()
        d_history.append(d_sum / n_batches)
        g_history.append(g_sum / n_batches)
    return d_history, g_history, gen, disc
