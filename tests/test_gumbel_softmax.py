"""Units of the straight-through Gumbel-softmax path: noise, relaxation, and its models against
the batched models on one-hot inputs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from defaults import model_config

from discrete_gan.backends import gumbel_softmax, torch_runs
from discrete_gan.data.vocab import END_ID, START_ID, VOCAB_SIZE
from discrete_gan.training.train import initial_states

MODEL = model_config()


def stacked(runs: int, which: int) -> torch_runs.Params:
    """Stacked float64 parameters of `runs` runs: the generator (which=0) or discriminator (1)."""
    states = [initial_states(torch.Generator().manual_seed(s), MODEL)[which] for s in range(runs)]
    return torch_runs.stack_states(states, "cpu", torch.float64)


def test_gumbel_noise_is_finite_and_gumbel_distributed() -> None:
    u = torch.rand(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    noise = gumbel_softmax.gumbel_noise(torch.cat([u, torch.tensor([0.0, 1.0], dtype=u.dtype)]))
    assert torch.isfinite(noise).all()
    euler_gamma = 0.5772156649
    assert abs(noise.mean().item() - euler_gamma) < 0.01  # mean of Gumbel(0, 1)


def test_straight_through_forward_is_one_hot_and_gradient_is_the_soft_sample() -> None:
    logits = torch.randn(4, VOCAB_SIZE, generator=torch.Generator().manual_seed(1))
    logits.requires_grad_()
    noise = torch.zeros(4, VOCAB_SIZE)
    sample = gumbel_softmax.straight_through(logits, noise, tau=2.0)
    torch.testing.assert_close(sample, F.one_hot(logits.argmax(-1), VOCAB_SIZE).float())
    weights = torch.randn(4, VOCAB_SIZE, generator=torch.Generator().manual_seed(2))
    (grad,) = torch.autograd.grad((sample * weights).sum(), logits)
    soft_logits = logits.detach().requires_grad_()
    (expected,) = torch.autograd.grad(
        ((soft_logits / 2.0).softmax(-1) * weights).sum(), soft_logits
    )
    torch.testing.assert_close(grad, expected)


def test_low_temperature_relaxed_samples_approach_one_hot() -> None:
    logits = torch.randn(64, VOCAB_SIZE, generator=torch.Generator().manual_seed(3))
    noise = gumbel_softmax.gumbel_noise(torch.rand(64, VOCAB_SIZE, generator=torch.Generator()))
    gaps = []
    for tau in (1.0, 0.1, 0.01):
        soft = ((logits + noise) / tau).softmax(-1)
        gap = (soft - F.one_hot(soft.argmax(-1), VOCAB_SIZE)).abs().amax(-1)  # (64,)
        gaps.append(gap.mean().item())
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 0.05


def test_relaxed_sample_gives_finished_names_without_start_symbol() -> None:
    gen = stacked(3, 0)
    uniforms = torch.rand(3, 9, 50, VOCAB_SIZE, generator=torch.Generator().manual_seed(4))
    samples = gumbel_softmax.relaxed_sample(gen, uniforms.double(), tau=0.5)
    assert samples.shape == (3, 10, 50, VOCAB_SIZE)
    ids = gumbel_softmax.hard_ids(samples)
    assert (ids != START_ID).all() and (ids[:, -1] == END_ID).all()
    ended = (ids == END_ID).cumsum(1) > 0
    assert (ids[ended] == END_ID).all()  # `$` padding after the first `$`
    torch.testing.assert_close(samples.detach().sum(-1), torch.ones(3, 10, 50).double())


def test_relaxed_discriminator_on_one_hot_equals_batched_discriminator() -> None:
    disc = stacked(2, 1)
    ids = torch.randint(1, VOCAB_SIZE, (2, 10, 7), generator=torch.Generator().manual_seed(5))
    one_hot = F.one_hot(ids, VOCAB_SIZE).double()  # (runs, steps, batch, vocab)
    expected = torch_runs.discriminator_logits(disc, ids)
    torch.testing.assert_close(gumbel_softmax.discriminator_logits(disc, one_hot), expected)


def test_discriminator_verdict_is_differentiable_in_the_generator() -> None:
    gen, disc = stacked(2, 0), stacked(2, 1)
    uniforms = torch.rand(2, 9, 16, VOCAB_SIZE, generator=torch.Generator().manual_seed(6))
    logits = gumbel_softmax.discriminator_logits(
        disc, gumbel_softmax.relaxed_sample(gen, uniforms.double(), 1.0)
    )
    grads = torch.autograd.grad(logits.sum(), list(gen.values()), retain_graph=True)
    assert all(torch.isfinite(g).all() for g in grads)
    assert grads[0].abs().sum() > 0
    # run 1's verdicts do not depend on run 0's parameters
    (grad_w,) = torch.autograd.grad(logits[1].sum(), gen["out.weight"])
    assert grad_w[0].abs().sum() == 0 and grad_w[1].abs().sum() > 0


def test_temperature_schedule_is_geometric() -> None:
    taus = [gumbel_softmax.temperature_at(e, 3, 1.0, 0.01) for e in range(3)]
    assert taus == pytest.approx([1.0, 0.1, 0.01], rel=1e-12)
    assert gumbel_softmax.temperature_at(0, 1, 1.0, 0.1) == 0.1
