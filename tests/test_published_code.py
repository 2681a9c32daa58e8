"""The paper's published code, exactly: its generator loss with the broadcast of a (N, 1)
discriminator output against (N,) likelihoods, its float32 `log(sigmoid)` discriminator loss,
and the consequence, that a `paper_code` generator trains as if there were no discriminator.

The reference formulas below are transcribed from the published `src/training.py`, operation by
operation, with the same shapes.
"""

from __future__ import annotations

import pytest
import torch
from defaults import model_config, train_config

from discrete_gan.data.vocab import encode_batch
from discrete_gan.model.networks import Discriminator, Generator
from discrete_gan.model.objectives import (
    GENERATOR_OBJECTIVES,
    IS_GAN_BROADCAST,
    IS_GAN_BROADCAST_LOG_SIGMOID,
    discriminator_loss,
    discriminator_loss_log_sigmoid,
    is_gan_broadcast_loss,
    is_gan_broadcast_value_and_grad,
)
from discrete_gan.training.seeding import run_generator
from discrete_gan.training.train import initial_states, train_runs, variant_objective


def published_generator_error(prediction_real: torch.Tensor, likelihoods: torch.Tensor):
    """`train_generator` of the published code: prediction_real (N, 1), likelihoods (N,)."""
    loss_vector = torch.log(1 - prediction_real) * likelihoods  # broadcasts to (N, N)
    error = torch.mean(loss_vector)
    return -torch.log(-error)


def published_discriminator_error(real_data, prediction_real, prediction_fake):
    """`train_discriminator` of the published code: real_data (steps, N, vocab), step-major as
    the code's tensors, predictions (N, 1)."""
    n = len(real_data)  # the code's N: the number of steps, not of names
    error = torch.log(prediction_real) / n + torch.log(1 - prediction_fake) / n
    return -torch.sum(error)


def modules(variant: str, seed: int, dtype=torch.float64) -> tuple[Generator, Discriminator]:
    model = model_config(variant=variant)
    gen_state, disc_state = initial_states(run_generator(seed), model)
    gen, disc = Generator(model).to(dtype), Discriminator(model).to(dtype)
    gen.load_state_dict(gen_state)
    disc.load_state_dict(disc_state)
    return gen, disc


NAMES = ["anna", "bob", "christoph", "eve", "zoe", "maximilia", "li", "ed"]


def gradients(loss: torch.Tensor, gen: Generator) -> list[torch.Tensor]:
    grads = torch.autograd.grad(loss, list(gen.parameters()), retain_graph=True)
    return [g.clone() for g in grads]


@pytest.mark.parametrize("disc_scale", [1.0, 3.0])
def test_paper_code_generator_loss_equals_the_published_formula(disc_scale: float) -> None:
    """Value and generator gradient of the `paper_code` loss equal autograd through the
    published formula, broadcast included, on real modules in float64."""
    gen, disc = modules("paper_code", seed=3)
    with torch.no_grad():
        disc.out.weight.mul_(disc_scale)
    ids = encode_batch(NAMES, 15)  # (N, 15): the code pads real names to 15 symbols
    log_p = gen.log_likelihood(ids, whole=True)  # (N,)
    prediction_real = torch.sigmoid(disc(ids)).unsqueeze(-1).detach()  # (N, 1), as the code's
    expected = published_generator_error(prediction_real, torch.exp(log_p))
    got = is_gan_broadcast_loss(disc(ids).detach(), log_p, log_sigmoid=True)
    from_logits = is_gan_broadcast_loss(disc(ids).detach(), log_p)
    torch.testing.assert_close(from_logits, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    expected_grads = gradients(expected, gen)
    for ours, theirs in zip(gradients(got, gen), expected_grads):
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-14)
    # the trainer's closed form: loss and d loss / d log_p, then the chain rule
    log_p = gen.log_likelihood(ids, whole=True)
    closed_form = IS_GAN_BROADCAST_LOG_SIGMOID.value_and_grad
    loss, grad_log_p = closed_form(disc(ids).detach(), log_p.detach())
    torch.testing.assert_close(loss, expected.detach(), rtol=1e-12, atol=1e-12)
    closed = gradients((grad_log_p * log_p).sum(), gen)
    for ours, theirs in zip(closed, expected_grads):
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-14)


def test_published_generator_gradient_ignores_the_discriminator() -> None:
    """The broadcast factorises the loss: any discriminator gives the same generator gradient,
    that of -log(mean_j P_G(x_j)), while the paper's text pairs each D(x_i) with P_G(x_i)."""
    gen, disc = modules("paper_code", seed=4)
    ids = encode_batch(NAMES, 15)
    grads = []
    for logits in (disc(ids).detach(), torch.linspace(-5, 9, len(NAMES), dtype=torch.float64)):
        log_p = gen.log_likelihood(ids, whole=True)
        prediction = torch.sigmoid(logits).unsqueeze(-1)
        grads.append(gradients(published_generator_error(prediction, torch.exp(log_p)), gen))
    log_p = gen.log_likelihood(ids, whole=True)
    no_disc = gradients(-torch.log(torch.exp(log_p).mean()), gen)
    for a, b, c in zip(*grads, no_disc):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-14)
        torch.testing.assert_close(a, c, rtol=1e-10, atol=1e-14)
    text = GENERATOR_OBJECTIVES["is_gan"].loss
    paired = [
        gradients(text(logits, gen.log_likelihood(ids, whole=True)), gen)
        for logits in (disc(ids).detach(), torch.linspace(-5, 9, len(NAMES), dtype=torch.float64))
    ]
    assert any(not torch.allclose(a, b) for a, b in zip(*paired))


def test_the_ladder_switches_the_loss_at_code_loss() -> None:
    for variant in ("corrected", "code_data"):
        objective = variant_objective(model_config(variant=variant), "is_gan")
        assert objective is GENERATOR_OBJECTIVES["is_gan"]
    for variant in ("code_loss", "code_softmax"):
        assert variant_objective(model_config(variant=variant), "is_gan") is IS_GAN_BROADCAST
    for variant in ("code_sigmoid", "paper_code"):
        objective = variant_objective(model_config(variant=variant), "is_gan")
        assert objective is IS_GAN_BROADCAST_LOG_SIGMOID
    model = model_config(variant="paper_code")
    assert variant_objective(model, "mle") is GENERATOR_OBJECTIVES["mle"]
    assert [model_config(variant=v).ban_start for v in ("code_loss", "code_softmax")] == [
        True,
        False,
    ]


def test_paper_code_discriminator_loss_equals_the_published_formula() -> None:
    """The code divides its sums by len(real_data): with step-major tensors that is the 15
    padded steps, so its loss is N / 15 times the mean; paper_code does the same, the rung
    before it (code_sigmoid) takes the mean."""
    real = torch.tensor([0.3, 2.0, -1.0, 12.0, 4.0, 1.0])
    fake = torch.tensor([-0.5, 1.5, -8.0, -3.0, 0.2, -2.0])
    real_data = torch.zeros(15, len(real), 28)  # only its length matters
    expected = published_discriminator_error(
        real_data, torch.sigmoid(real).unsqueeze(-1), torch.sigmoid(fake).unsqueeze(-1)
    )
    paper, mean_rung = model_config(variant="paper_code"), model_config(variant="code_sigmoid")
    assert (paper.d_loss_divisor, mean_rung.d_loss_divisor) == (15, None)
    got = discriminator_loss_log_sigmoid(real, fake, paper.d_loss_divisor)
    torch.testing.assert_close(got, expected)
    mean = discriminator_loss_log_sigmoid(real, fake)
    torch.testing.assert_close(got, mean * len(real) / 15)
    torch.testing.assert_close(discriminator_loss(real, fake), mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(discriminator_loss(real, fake, 15), got, rtol=1e-5, atol=1e-6)


def test_log_sigmoid_discriminator_loss_saturates_in_float32() -> None:
    """Past a logit of about 16.6, float32 sigmoid is exactly 1: the code's real term is 0 and
    its gradient 0, where the loss from logits still gives e^-l and pushes on."""
    real = torch.tensor([20.0, 25.0], requires_grad=True)
    fake = torch.tensor([-20.0, -25.0])
    saturated = discriminator_loss_log_sigmoid(real, fake)
    (grad,) = torch.autograd.grad(saturated, real)
    assert saturated.item() == 0.0 and (grad == 0).all()
    exact = discriminator_loss(real, fake)
    (grad_exact,) = torch.autograd.grad(exact, real)
    assert 1e-12 < exact.item() < 1e-8 and (grad_exact < 0).all()


@pytest.mark.parametrize(("backend", "dtype"), [("torch", torch.float64), ("numba", torch.float32)])
def test_paper_code_generator_trains_as_if_there_were_no_discriminator(
    names300, backend, dtype
) -> None:
    """The strongest form of the finding: a `paper_code` run's generator after three epochs
    equals, to float tolerance, the generator of the same seed trained with no discriminator at
    all (objective batch_likelihood: -log mean_j P_G(x_j) over the padded real batch), while
    the paper's text (code_data, the same data and sampling) trains a different one."""
    model = model_config(variant="paper_code")
    config = train_config(epochs=3, batch_size=64, n_samples=20)
    no_disc = train_config(epochs=3, batch_size=64, n_samples=20, objective="batch_likelihood")
    quiet = lambda *a, **k: None  # noqa: E731
    args = ("cpu", dtype, backend, quiet)
    (adversarial,) = train_runs(names300, [5], model, config, *args)
    (alone,) = train_runs(names300, [5], model, no_disc, *args)
    assert all(d > 0 for d in adversarial.d_loss)  # a discriminator was trained...
    assert all(d != d for d in alone.d_loss)  # ...and here there was none (NaN)
    for key, value in adversarial.generator.items():
        torch.testing.assert_close(alone.generator[key], value, rtol=1e-6, atol=1e-6, msg=key)
    assert adversarial.samples == alone.samples
    # the generator's own term of the paper_code loss is the whole loss of the lone generator
    assert adversarial.g_own == pytest.approx(alone.g_loss, rel=1e-5)
    text_model = model_config(variant="code_data")
    (text,) = train_runs(names300, [5], text_model, config, *args)
    (text_alone,) = train_runs(names300, [5], text_model, no_disc, *args)
    assert not torch.allclose(text.generator["out.weight"], text_alone.generator["out.weight"])


def test_the_code_d_factor_is_infinite_once_a_sigmoid_rounds_to_one() -> None:
    """In float32, sigmoid(17) is exactly 1: the code's generator loss becomes -inf (its
    gradient NaN), while the factor from the logits stays finite; the generator's gradient
    is the same either way while the factor is finite."""
    logits = torch.tensor([[2.0, 17.0, -3.0]])
    log_p = torch.tensor([[-9.0, -12.0, -20.0]])
    code, _ = IS_GAN_BROADCAST_LOG_SIGMOID.value_and_grad(logits, log_p)
    assert code.item() == float("-inf")
    exact, grad = is_gan_broadcast_value_and_grad(logits, log_p)
    assert torch.isfinite(exact).all()
    _, grad_code = IS_GAN_BROADCAST_LOG_SIGMOID.value_and_grad(logits[:, [0, 2]], log_p[:, [0, 2]])
    _, grad_exact = is_gan_broadcast_value_and_grad(logits[:, [0, 2]], log_p[:, [0, 2]])
    torch.testing.assert_close(grad_code, grad_exact)
