"""Every random number of a run, drawn in bulk from that run's own generator.

Runs trained together never share a generator, so a run's trajectory depends on its seed alone,
not on which other runs share its process. The order of draws is part of the contract: the
single-run and the many-runs trainers both call these functions in the same order.
"""

from __future__ import annotations

import torch


def run_generator(seed: int) -> torch.Generator:
    """The CPU generator that all of run `seed`'s randomness comes from."""
    return torch.Generator().manual_seed(seed)


def epoch_draws(
    rng: torch.Generator, n_names: int, n_batches: int, batch_size: int, n_draws: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """One epoch's shuffle (n_names,) and sampling uniforms (n_batches, n_draws, batch_size)."""
    order = torch.randperm(n_names, generator=rng)
    uniforms = torch.rand(n_batches, n_draws, batch_size, generator=rng)
    return order, uniforms


def final_draws(
    rng: torch.Generator, n_samples: int, free_draws: int, forced_draws: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniforms for the names sampled after training: free (n, free_draws) and forced
    (n, forced_draws)."""
    free = torch.rand(n_samples, free_draws, generator=rng, dtype=torch.float64)
    forced = torch.rand(n_samples, forced_draws, generator=rng, dtype=torch.float64)
    return free, forced


def gumbel_draws(
    rng: torch.Generator, n_batches: int, batch_size: int, n_draws: int, vocab: int
) -> torch.Tensor:
    """The Gumbel-softmax method's extra uniforms of one epoch (n_batches, n_draws, batch_size,
    vocab), drawn after `epoch_draws`."""
    return torch.rand(n_batches, n_draws, batch_size, vocab, generator=rng)


def discriminator_draws(
    rng: torch.Generator, n_batches: int, batch_size: int, n_draws: int, extra_steps: int
) -> torch.Tensor:
    """The uniforms of the samples of each batch's extra discriminator steps (d_steps > 1),
    (n_batches, extra_steps, n_draws, batch_size), drawn after the epoch's other draws."""
    return torch.rand(n_batches, extra_steps, n_draws, batch_size, generator=rng)
