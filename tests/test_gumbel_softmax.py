"""Units of the straight-through Gumbel-softmax path: noise, relaxation, and its models against
the batched models on one-hot inputs; the numba kernels (`gumbel_kernels.py`) against PyTorch
autograd through this path."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from defaults import model_config

from discrete_gan.backends import gumbel_softmax, numba_runs, tiles, torch_runs
from discrete_gan.data.vocab import END_ID, START_ID, VOCAB_SIZE
from discrete_gan.training.seeding import run_generator
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


def stacked_float32(runs: int, scale: float) -> tuple[torch_runs.Params, torch_runs.Params]:
    """Stacked float32 generator and discriminator parameters of seeds 0..runs-1, times scale."""
    gen_states, disc_states = zip(*(initial_states(run_generator(s), MODEL) for s in range(runs)))
    gen = torch_runs.stack_states(list(gen_states), "cpu", torch.float32)
    disc = torch_runs.stack_states(list(disc_states), "cpu", torch.float32)
    with torch.no_grad():
        for param in (*gen.values(), *disc.values()):
            param.mul_(scale)
    return gen, disc


@pytest.mark.parametrize(
    ("scale", "batch", "tau"), [(1.0, 37, 1.0), (1.0, tiles.TILE, 0.5), (4.0, 300, 0.1)]
)
def test_numba_kernels_match_autograd_reference(scale: float, batch: int, tau: float) -> None:
    """The numba backend's straight-through names, discriminator logits and generator gradients
    equal those of PyTorch autograd through `gumbel_softmax.py` (both float32), to the float32
    rounding of the kernels: outputs to 1e-5, gradients to 1e-4 of their largest entry."""
    runs = 4
    gen, disc = stacked_float32(runs, scale)
    g = torch.Generator().manual_seed(batch)
    uniforms = torch.rand(runs, MODEL.max_steps - 1, batch, VOCAB_SIZE, generator=g)
    ids, samples = numba_runs.relaxed_sample(gen, uniforms, tau)
    ids_ref, samples_ref = torch_runs.relaxed_sample(gen, uniforms, tau)
    assert ids.shape == ids_ref.shape == (runs, MODEL.max_steps, batch)
    assert ids.dtype == ids_ref.dtype == torch.long
    # noise within float rounding of a tie between two symbols may pick the other one
    differ = (ids != ids_ref).any(1)  # (runs, batch)
    assert differ.sum() <= 1e-3 * differ.numel()
    weights = torch.randn(runs, batch, generator=g).masked_fill(differ, 0.0)
    logits, pullback = numba_runs.relaxed_logits_vjp(disc, gen, samples)
    logits_ref, pullback_ref = torch_runs.relaxed_logits_vjp(disc, gen, samples_ref)
    same = ~differ
    atol = 1e-5 * logits_ref.abs().max()
    torch.testing.assert_close(logits[same], logits_ref[same], rtol=1e-5, atol=atol)
    grads, grads_ref = pullback(weights), pullback_ref(weights)
    assert grads.keys() == grads_ref.keys() == gen.keys()
    for key, grad_ref in grads_ref.items():
        assert grads[key].shape == grad_ref.shape and grads[key].dtype == torch.float32, key
        atol = 1e-4 * grad_ref.abs().max()
        torch.testing.assert_close(grads[key], grad_ref, rtol=1e-4, atol=atol, msg=key)
    assert all(grad.abs().sum() > 0 for grad in grads.values())


def test_numba_names_are_finished_and_runs_independent() -> None:
    """The kernels' names end at `$` as the reference's do, and run 1's gradients do not
    depend on run 0's parameters or verdicts."""
    gen, disc = stacked_float32(2, 1.0)
    uniforms = torch.rand(2, MODEL.max_steps - 1, 50, VOCAB_SIZE, generator=torch.Generator())
    ids, samples = numba_runs.relaxed_sample(gen, uniforms, 0.5)
    assert (ids != START_ID).all() and (ids[:, -1] == END_ID).all()
    assert (ids[(ids == END_ID).cumsum(1) > 0] == END_ID).all()
    _, pullback = numba_runs.relaxed_logits_vjp(disc, gen, samples)
    weights = torch.zeros(2, 50)
    weights[1] = 1.0
    grads = pullback(weights)
    assert all(grad[0].abs().sum() == 0 and grad[1].abs().sum() > 0 for grad in grads.values())


def test_numba_samples_keep_their_states_while_in_use() -> None:
    """The kernels' saved forward states are pooled between batches, but never handed to new
    samples while older samples that read them are alive."""
    gen, disc = stacked_float32(2, 1.0)
    g = torch.Generator().manual_seed(7)
    uniforms = torch.rand(2, MODEL.max_steps - 1, 40, VOCAB_SIZE, generator=g)
    weights = torch.randn(2, 40, generator=g)
    _, first = numba_runs.relaxed_sample(gen, uniforms, 0.5)
    grads = numba_runs.relaxed_logits_vjp(disc, gen, first)[1](weights)
    _, second = numba_runs.relaxed_sample(gen, torch.rand(uniforms.shape, generator=g), 0.5)
    assert second.saved[0] is not first.saved[0]
    again = numba_runs.relaxed_logits_vjp(disc, gen, first)[1](weights)
    assert all(torch.equal(again[key], grads[key]) for key in grads)
