"""Units of the objectives: the paper's formulas computed directly, and the log-space loss where
the direct formula underflows."""

from __future__ import annotations

import math

import pytest
import torch

from discrete_gan.objectives import (
    discriminator_loss,
    generator_objective,
    is_gan_generator_loss,
    is_gan_generator_loss_direct,
    log_neg_log_one_minus_d,
)


def rand(*shape: int, seed: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64) * scale + shift


def log_softplus_exact(x: float) -> float:
    """log(log(1 + e^x)) in plain Python floats, accurate for any finite x."""
    if x > 30:
        return math.log(x + math.log1p(math.exp(-x)))
    return math.log(math.log1p(math.exp(x)))


@pytest.mark.parametrize("shape", [(16,), (3, 16), (2, 4, 5)])
def test_discriminator_loss_is_the_paper_formula(shape: tuple[int, ...]) -> None:
    real, fake = rand(*shape, seed=0, scale=3), rand(*shape, seed=1, scale=3)
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    n = shape[-1]
    expected = -(torch.log(d_real) + torch.log(1 - d_fake)).sum(-1) / n
    got = discriminator_loss(real, fake)
    assert got.shape == shape[:-1]
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_discriminator_loss_finite_for_confident_logits() -> None:
    real = torch.tensor([60.0, -60.0], dtype=torch.float64)
    fake = torch.tensor([-60.0, 60.0], dtype=torch.float64)
    got = discriminator_loss(real, fake)
    # -log D(60) ~ e^-60 (twice), -log D(-60) = -log(1 - D(60)) ~ 60 (twice); mean over N = 2
    assert math.isclose(got.item(), (2 * math.exp(-60) + 2 * (60 + math.exp(-60))) / 2)


@pytest.mark.parametrize("shape", [(32,), (4, 32), (2, 3, 7)])
def test_is_gan_loss_equals_direct_formula(shape: tuple[int, ...]) -> None:
    logits = rand(*shape, seed=2, scale=3)
    log_p = rand(*shape, seed=3, scale=4, shift=-15)
    got = is_gan_generator_loss(logits, log_p)
    assert got.shape == shape[:-1]
    torch.testing.assert_close(got, is_gan_generator_loss_direct(logits, log_p), rtol=1e-9, atol=0)


def test_is_gan_loss_equals_direct_formula_below_linear_threshold() -> None:
    """Logits below -20 take the `log softplus(x) = x` branch; still within 1e-9."""
    logits = torch.linspace(-35, -15, 41, dtype=torch.float64)
    log_p = rand(41, seed=4, scale=2, shift=-10)
    torch.testing.assert_close(
        is_gan_generator_loss(logits, log_p),
        is_gan_generator_loss_direct(logits, log_p),
        rtol=1e-9,
        atol=0,
    )


def test_log_neg_log_one_minus_d_matches_exact_values() -> None:
    xs = [-80.0, -40.0, -20.5, -20.0, -19.5, -5.0, 0.0, 3.0, 30.0, 60.0, 500.0]
    got = log_neg_log_one_minus_d(torch.tensor(xs, dtype=torch.float64))
    expected = torch.tensor([log_softplus_exact(x) for x in xs], dtype=torch.float64)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-8)
    assert torch.isfinite(log_neg_log_one_minus_d(torch.tensor([-1e4, 1e4]))).all()


def expected_loss(logits: list[float], log_p: list[float]) -> float:
    """-log(-L) = log N - logsumexp_i(log softplus(l_i) + log p_i), in plain Python floats."""
    terms = [log_softplus_exact(x) + lp for x, lp in zip(logits, log_p)]
    top = max(terms)
    return math.log(len(terms)) - (top + math.log(sum(math.exp(t - top) for t in terms)))


@pytest.mark.parametrize(
    ("dtype", "log_p"), [(torch.float32, -200.0), (torch.float64, -200.0), (torch.float64, -800.0)]
)
def test_is_gan_loss_finite_where_direct_formula_underflows(dtype, log_p: float) -> None:
    logits = [-50.0, 50.0, 0.0, 3.0, -25.0]
    lt = torch.tensor(logits, dtype=dtype)
    lp = torch.full((len(logits),), log_p, dtype=dtype)
    got = is_gan_generator_loss(lt, lp)
    assert torch.isfinite(got)
    assert not torch.isfinite(is_gan_generator_loss_direct(lt, lp))
    rtol = 1e-6 if dtype == torch.float32 else 1e-12
    assert math.isclose(got.item(), expected_loss(logits, [log_p] * len(logits)), rel_tol=rtol)


def test_is_gan_loss_all_names_underflowing_equally_shifts_loss() -> None:
    """With every log P equal to c, the loss is the c = 0 loss minus c."""
    logits = rand(10, seed=5, scale=2)
    base = is_gan_generator_loss(logits, torch.zeros(10, dtype=torch.float64))
    shifted = is_gan_generator_loss(logits, torch.full((10,), -1000.0, dtype=torch.float64))
    assert math.isclose(shifted.item(), base.item() + 1000.0, rel_tol=1e-12)


def test_is_gan_gradients_equal_direct_gradients() -> None:
    shape = (3, 20)
    inputs = []
    for formula in (is_gan_generator_loss, is_gan_generator_loss_direct):
        logits = rand(*shape, seed=6, scale=3).requires_grad_()
        log_p = rand(*shape, seed=7, scale=3, shift=-12).requires_grad_()
        weights = rand(shape[0], seed=8)
        (formula(logits, log_p) * weights).sum().backward()
        inputs.append((logits.grad, log_p.grad))
    (gl, gp), (dl, dp) = inputs
    torch.testing.assert_close(gl, dl, rtol=1e-9, atol=1e-15)
    torch.testing.assert_close(gp, dp, rtol=1e-9, atol=1e-15)


def test_is_gan_gradients_finite_where_direct_underflows() -> None:
    logits = torch.tensor([-50.0, 50.0, 0.0], requires_grad=True)
    log_p = torch.full((3,), -200.0, requires_grad=True)
    is_gan_generator_loss(logits, log_p).backward()
    assert torch.isfinite(logits.grad).all() and torch.isfinite(log_p.grad).all()
    # d loss / d log p_i = -softmax(log w + log p)_i: sums to -1
    assert math.isclose(log_p.grad.sum().item(), -1.0, rel_tol=1e-5)


def test_generator_objective_lookup() -> None:
    assert generator_objective("is_gan") is is_gan_generator_loss
    with pytest.raises(ValueError, match=r"unknown generator objective 'nope'.*is_gan"):
        generator_objective("nope")
