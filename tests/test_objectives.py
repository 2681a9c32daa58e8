"""Units of the objectives: the paper's formulas computed directly, and the log-space loss where
the direct formula underflows."""

from __future__ import annotations

import math

import pytest
import torch

from discrete_gan.model.objectives import (
    GENERATOR_OBJECTIVES,
    bgan_loss,
    discriminator_loss,
    generator_objective,
    gumbel_loss,
    is_gan_generator_loss,
    is_gan_generator_loss_direct,
    is_gan_value_and_grad,
    is_gan_weight_diagnostics,
    log_neg_log_one_minus_d,
    maligan_loss,
    maligan_weights,
    mle_loss,
    reinforce_loss,
    update_baseline,
    weighted_mle_loss,
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
    assert generator_objective("is_gan").loss is is_gan_generator_loss
    assert generator_objective("reinforce").names == "fake"
    assert generator_objective("gumbel").names == "relaxed"
    with pytest.raises(ValueError, match=r"unknown generator objective 'nope'.*is_gan"):
        generator_objective("nope")


def log_p_grad(loss_fn, logits, log_p, baseline=None) -> torch.Tensor:
    """d sum(loss) / d log_p by autograd."""
    log_p = log_p.clone().requires_grad_()
    (grad,) = torch.autograd.grad(loss_fn(logits, log_p, baseline).sum(), log_p)
    return grad


def test_is_gan_closed_form_gradient_equals_autograd() -> None:
    logits, log_p = rand(3, 20, seed=9, scale=3), rand(3, 20, seed=10, scale=3, shift=-12)
    loss, grad = is_gan_value_and_grad(logits, log_p)
    torch.testing.assert_close(loss, is_gan_generator_loss(logits, log_p), rtol=1e-12, atol=0)
    expected = log_p_grad(is_gan_generator_loss, logits, log_p)
    torch.testing.assert_close(grad, expected, rtol=1e-10, atol=1e-15)


def test_mle_loss_is_mean_negative_log_likelihood() -> None:
    log_p = torch.tensor([[-1.0, -2.0, -6.0], [-0.5, -0.5, -2.0]], dtype=torch.float64)
    torch.testing.assert_close(mle_loss(None, log_p), torch.tensor([3.0, 1.0], dtype=log_p.dtype))
    grad = log_p_grad(mle_loss, None, log_p)
    torch.testing.assert_close(grad, torch.full_like(log_p, -1 / 3))


def test_weighted_mle_weights_drop_the_likelihood_factor() -> None:
    """Weights w_i / sum w with w_i = -log(1 - D(x_i)): here D = 1/2, 1 - e^-2 and 1 - e^-1, so
    w = log 2, 2, 1; the generator's likelihoods play no part in them."""
    d = torch.tensor([0.5, 1 - math.exp(-2), 1 - math.exp(-1)], dtype=torch.float64)
    logits = torch.log(d / (1 - d))
    w = torch.tensor([math.log(2), 2.0, 1.0], dtype=torch.float64)
    for log_p in (torch.tensor([-1.0, -5.0, -9.0]), torch.tensor([-30.0, -2.0, -2.0])):
        grad = log_p_grad(weighted_mle_loss, logits, log_p.double())
        torch.testing.assert_close(grad, -w / w.sum(), rtol=1e-10, atol=0)


def test_maligan_weights_sum_to_one_and_follow_d_over_one_minus_d() -> None:
    logits = rand(4, 9, seed=11, scale=2)
    weights = maligan_weights(logits)
    torch.testing.assert_close(weights.sum(-1), torch.ones(4, dtype=torch.float64))
    d = torch.sigmoid(logits)
    ratio = d / (1 - d)
    torch.testing.assert_close(weights, ratio / ratio.sum(-1, keepdim=True))
    # gradient -(v_i - 1/N): sums to zero, and is zero for a discriminator that cannot tell
    grad = log_p_grad(maligan_loss, logits, rand(4, 9, seed=12))
    torch.testing.assert_close(grad, -(weights - 1 / 9))
    torch.testing.assert_close(grad.sum(-1), torch.zeros(4, dtype=torch.float64))
    flat = log_p_grad(maligan_loss, torch.full((9,), 0.3, dtype=torch.float64), rand(9, seed=13))
    torch.testing.assert_close(flat, torch.zeros(9, dtype=torch.float64))


def test_bgan_is_maligan_without_its_baseline() -> None:
    """BGAN's gradient with respect to log P_G is minus the normalised weights D/(1-D), which
    sum to one: MaliGAN's plus the constant 1/N that MaliGAN subtracts."""
    logits, log_p = rand(4, 9, seed=21, scale=2), rand(4, 9, seed=22)
    grad = log_p_grad(bgan_loss, logits, log_p)
    torch.testing.assert_close(grad, -maligan_weights(logits))
    torch.testing.assert_close(
        grad - log_p_grad(maligan_loss, logits, log_p), -torch.full_like(grad, 1 / 9)
    )
    torch.testing.assert_close(grad.sum(-1), -torch.ones(4, dtype=torch.float64))


def test_reinforce_constant_reward_with_perfect_baseline_gives_zero_gradient() -> None:
    logits = torch.full((2, 6), 0.8, dtype=torch.float64)
    baseline = torch.sigmoid(torch.tensor([0.8, 0.8], dtype=torch.float64))
    grad = log_p_grad(reinforce_loss, logits, rand(2, 6, seed=14), baseline)
    torch.testing.assert_close(grad, torch.zeros(2, 6, dtype=torch.float64))


def test_reinforce_gradient_is_advantage_over_n() -> None:
    logits = torch.tensor([0.0, math.log(3.0)], dtype=torch.float64)  # rewards 1/2 and 3/4
    baseline = torch.tensor(0.6, dtype=torch.float64)
    grad = log_p_grad(reinforce_loss, logits, torch.tensor([-2.0, -3.0]).double(), baseline)
    torch.testing.assert_close(grad, -torch.tensor([-0.1, 0.15], dtype=torch.float64) / 2)


def test_moving_average_baseline() -> None:
    logits = torch.tensor([[0.0, 0.0], [math.log(3.0), math.log(3.0)]], dtype=torch.float64)
    first = update_baseline(None, logits, 0.9)  # starts at the mean reward
    torch.testing.assert_close(first, torch.tensor([0.5, 0.75], dtype=torch.float64))
    second = update_baseline(first, torch.zeros(2, 2, dtype=torch.float64), 0.9)
    torch.testing.assert_close(second, torch.tensor([0.5, 0.9 * 0.75 + 0.05]).double())


def test_gumbel_loss_is_non_saturating_gan_loss() -> None:
    logits = torch.tensor([0.0, math.log(3.0)], dtype=torch.float64)  # D = 1/2, 3/4
    expected = -(math.log(0.5) + math.log(0.75)) / 2
    assert gumbel_loss(logits).item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", sorted(GENERATOR_OBJECTIVES))
def test_every_objective_reduces_the_last_dimension_only(name: str) -> None:
    objective = GENERATOR_OBJECTIVES[name]
    logits, log_p = rand(2, 3, 5, seed=15), rand(2, 3, 5, seed=16, shift=-8)
    loss = objective.loss(logits, log_p, torch.full((2, 3), 0.5, dtype=torch.float64))
    assert loss.shape == (2, 3) and torch.isfinite(loss).all()


def test_is_gan_gradient_is_a_self_normalised_weighted_likelihood_gradient() -> None:
    """grad(-log(-L)) = -sum_i softmax_i(log w_i + log P_G(x_i)) grad log P_G(x_i), with
    w_i = -log(1 - D(x_i)), through a real generator's parameters (autograd both sides)."""
    from defaults import model_config

    from discrete_gan.data.vocab import encode_batch
    from discrete_gan.model.networks import Generator

    torch.manual_seed(0)
    gen = Generator(model_config()).double()
    ids = encode_batch(["anna", "bob", "christina", "dee", "e", "fynn"], 10)
    logits = rand(6, seed=20, scale=2)
    params = list(gen.parameters())
    lhs = torch.autograd.grad(is_gan_generator_loss(logits, gen.log_likelihood(ids)), params)
    log_p = gen.log_likelihood(ids)
    weights = (log_neg_log_one_minus_d(logits) + log_p.detach()).softmax(-1)
    rhs = [torch.zeros_like(p) for p in params]
    for i in range(len(ids)):
        grads = torch.autograd.grad(log_p[i], params, retain_graph=True)
        rhs = [r - weights[i] * g for r, g in zip(rhs, grads)]
    for left, right in zip(lhs, rhs):
        torch.testing.assert_close(left, right, rtol=1e-10, atol=1e-13)


def test_weight_diagnostics_by_hand() -> None:
    weights = torch.tensor([[0.1, 0.3, 0.2, 0.4], [0.1, 0.6, 0.2, 0.1], [0.3, 0.3, 0.2, 0.2]])
    lengths = torch.tensor([[8, 4, 6, 2], [2, 9, 5, 3], [4, 6, 2, 2]])
    ess, half = is_gan_weight_diagnostics(weights.double(), lengths)
    # ESS: 1 / sum v^2 = 1 / 0.3, 1 / 0.42, 1 / 0.26
    torch.testing.assert_close(ess, torch.tensor([1 / 0.3, 1 / 0.42, 1 / 0.26]).double())
    # half the weight: 0.4 and 0.3 (2, 4) -> 3; the 0.6 name alone -> 9; 0.3 + 0.3 -> 5
    torch.testing.assert_close(half, torch.tensor([3.0, 9.0, 5.0]).double())
