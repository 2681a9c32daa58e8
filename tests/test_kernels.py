"""The numba backend (`numba_runs`) against the PyTorch backend (`torch_runs`), and `torch_runs`
against the per-run reference modules of `model/networks.py`."""

from __future__ import annotations

import dataclasses

import numba as nb
import numpy as np
import pytest
import torch
from defaults import model_config

from discrete_gan.backends import (
    Backend,
    fused,
    fused_build,
    kernels,
    numba_runs,
    tiles,
    torch_runs,
)
from discrete_gan.data.vocab import END_ID, VOCAB_SIZE
from discrete_gan.model.networks import Discriminator, Generator
from discrete_gan.training.seeding import run_generator
from discrete_gan.training.train import initial_states

MODEL = model_config()
SEEDS = [0, 1, 2, 11]


@pytest.fixture(autouse=True, params=["fused", "fused-avx2", "numba"])
def kernel_set(request, monkeypatch):
    """Every test of the numba backend runs on each kernel set: the fused C++ kernels
    (`fused.cpp`) as this CPU builds them, their AVX2 build (8 rows per vector) where this CPU
    also runs AVX-512, and the numba kernels (`kernels.py`) that stand in where neither builds
    (and on AVX2-only CPUs, unless asked for the fused ones)."""
    if request.param.startswith("fused"):
        native = fused.target()
        if native is None or fused_build._compiler() is None:
            pytest.skip("the fused kernels cannot build here (no x86-64-v3 CPU or no compiler)")
        if request.param == "fused-avx2" and native != "x86-64-v4":
            pytest.skip("this CPU's own build of the fused kernels is the AVX2 one")
        level = "x86-64-v3" if request.param == "fused-avx2" else native
        monkeypatch.setattr(fused, "_LIB", fused.load(level))
        monkeypatch.setattr(numba_runs, "_SAVED", {})  # saved states of another width
    module = kernels if request.param == "numba" else fused
    monkeypatch.setattr(numba_runs, "_kernels", lambda weights, steps: module)
    return module


def stacked(seeds: list[int], scale: float, dtype=torch.float32):
    """Stacked generator and discriminator parameters of `seeds`, weights times `scale`."""
    gen_states, disc_states = zip(*(initial_states(run_generator(s), MODEL) for s in seeds))
    gen = torch_runs.stack_states(list(gen_states), "cpu", dtype)
    disc = torch_runs.stack_states(list(disc_states), "cpu", dtype)
    with torch.no_grad():
        for param in (*gen.values(), *disc.values()):
            param.mul_(scale)
    return gen, disc


def random_ids(runs: int, batch: int, seed: int) -> torch.Tensor:
    """(runs, batch, steps): half arbitrary output symbols, half `$`-padded names."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, VOCAB_SIZE, (runs, batch, MODEL.max_steps), generator=g)  # no `.`
    lengths = torch.randint(0, MODEL.max_steps, (runs, batch, 1), generator=g)
    names = torch.randint(1, 27, ids.shape, generator=g)
    names = names.masked_fill(torch.arange(MODEL.max_steps) >= lengths, END_ID)
    half = torch.arange(batch) % 2 == 0
    return torch.where(half[None, :, None], ids, names)


def assert_grads_close(grads: dict, grads_ref: dict) -> None:
    """Every parameter's gradient equal to the reference's to float32 kernel rounding."""
    for key, grad_ref in grads_ref.items():
        atol = 1e-4 * grad_ref.abs().max()
        torch.testing.assert_close(grads[key], grad_ref, rtol=1e-4, atol=atol, msg=key)


def step_major(x: torch.Tensor) -> torch.Tensor:
    """(runs, batch, steps) <-> (runs, steps, batch), the backends' layout."""
    return x.transpose(1, 2).contiguous()


def outputs_and_grads(backend, gen, disc, ids, weights):
    """Logits and log-likelihoods, and the gradients of sum(weights * output) for each."""
    results = []
    for params, fn in (
        (disc, lambda: backend.discriminator_logits(disc, step_major(ids))),
        (gen, lambda: backend.generator_log_likelihood(gen, step_major(ids))),
    ):
        for param in params.values():
            param.grad = None
        out = fn()
        (weights * out).sum().backward()
        results.append((out.detach(), {k: v.grad.clone() for k, v in params.items()}))
    return results


CASES = [(scale, batch) for scale in (1.0, 4.0) for batch in (37, tiles.TILE, 300)]


@pytest.mark.parametrize(("scale", "batch"), CASES)
def test_values_and_gradients_match_torch_backend(scale: float, batch: int) -> None:
    gen, disc = stacked(SEEDS, scale)
    ids = random_ids(len(SEEDS), batch, seed=batch)
    weights = torch.randn(len(SEEDS), batch, generator=torch.Generator().manual_seed(1))
    got = outputs_and_grads(numba_runs, gen, disc, ids, weights)
    expected = outputs_and_grads(torch_runs, gen, disc, ids, weights)
    for (out, grads), (out_ref, grads_ref) in zip(got, expected):
        assert out.shape == (len(SEEDS), batch) and out.dtype == torch.float32
        torch.testing.assert_close(out, out_ref, rtol=1e-5, atol=1e-5 * out_ref.abs().max())
        for key, grad_ref in grads_ref.items():
            assert grads[key].shape == grad_ref.shape, key
            atol = 1e-4 * grad_ref.abs().max()
            torch.testing.assert_close(grads[key], grad_ref, rtol=1e-4, atol=atol, msg=key)


@pytest.mark.parametrize("forced", [False, True])
@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_sampling_matches_torch_backend(forced: bool, scale: float) -> None:
    gen, _ = stacked(SEEDS, scale)
    n_draws = MODEL.max_steps if forced else MODEL.max_steps - 1
    n_differ = n_names = 0
    for batch in (37, 300):
        g = torch.Generator().manual_seed(batch)
        uniforms = torch.rand(len(SEEDS), 10 * batch, n_draws, generator=g)
        got = step_major(numba_runs.generator_sample(gen, step_major(uniforms), forced=forced))
        expected = step_major(torch_runs.generator_sample(gen, step_major(uniforms), forced=forced))
        assert got.shape == expected.shape == (len(SEEDS), 10 * batch, MODEL.max_steps)
        assert got.dtype == expected.dtype == torch.long
        if forced:
            assert (got != END_ID).all()
        else:
            assert (got[..., -1] == END_ID).all()
        n_differ += int((got != expected).any(-1).sum())
        n_names += got.shape[0] * got.shape[1]
    # a uniform within float rounding of a CDF boundary may pick the neighbouring symbol
    assert n_differ <= 1e-3 * n_names, f"{n_differ} of {n_names} names differ"


@nb.njit(fastmath=True)
def _apply(x: np.ndarray, which: int) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        if which == 0:
            out[i] = tiles.tanh(x[i])
        elif which == 1:
            out[i] = tiles.sigmoid(x[i])
        elif which == 2:
            out[i] = tiles.exp_nonpositive(x[i])
        else:
            out[i] = tiles.log(x[i])
    return out


def test_tanh_and_sigmoid_approximations() -> None:
    x = np.linspace(-10, 10, 400_001).astype(np.float32)
    exact = x.astype(np.float64)
    assert np.abs(_apply(x, 0) - np.tanh(exact)).max() < 3e-7
    assert np.abs(_apply(x, 1) - 1 / (1 + np.exp(-exact))).max() < 3e-7
    assert np.abs(_apply(np.array([-1e30, 1e30], np.float32), 0) - [-1, 1]).max() < 3e-7


def test_exp_nonpositive_approximation() -> None:
    x = np.linspace(-40, 0, 400_001).astype(np.float32)
    assert np.abs(_apply(x, 2) - np.exp(x.astype(np.float64))).max() < 3e-7
    assert _apply(np.array([0.0], np.float32), 2)[0] == pytest.approx(1.0, abs=1e-7)


def test_log_approximation() -> None:
    """Relative error within two float32 ulps over every binade of positive normal floats,
    and of Gumbel noise -log(-log u) within 2e-6 over the uniforms the trainer draws."""
    x = np.concatenate([np.geomspace(1.2e-38, 3e38, 400_001), np.linspace(0.5, 2, 400_001)])
    x = x.astype(np.float32)
    exact = np.log(x.astype(np.float64))
    assert (np.abs(_apply(x, 3) - exact) <= 2.4e-7 * np.abs(exact)).all()
    u = np.linspace(1e-10, 1 - 2**-24, 400_001).astype(np.float32)
    noise = -_apply(-_apply(u, 3), 3)
    assert np.abs(noise - -np.log(-np.log(u.astype(np.float64)))).max() < 2e-6


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_torch_backend_matches_reference_modules(scale: float) -> None:
    """`torch_runs.py` computes, run by run, what the nn.Modules of `model/networks.py` compute
    (float64)."""
    gen, disc = stacked(SEEDS, scale, dtype=torch.float64)
    ids = random_ids(len(SEEDS), 23, seed=5)
    uniforms = torch.rand(
        len(SEEDS), 50, MODEL.max_steps, generator=torch.Generator().manual_seed(6)
    )
    uniforms = uniforms.double()
    with torch.no_grad():
        logits = torch_runs.discriminator_logits(disc, step_major(ids))
        log_p = torch_runs.generator_log_likelihood(gen, step_major(ids))
        free = step_major(torch_runs.generator_sample(gen, step_major(uniforms[..., :-1])))
        forced = step_major(torch_runs.generator_sample(gen, step_major(uniforms), forced=True))
        for r in range(len(SEEDS)):
            g_mod, d_mod = Generator(MODEL).double(), Discriminator(MODEL).double()
            g_mod.load_state_dict({k: v[r] for k, v in gen.items()})
            d_mod.load_state_dict({k: v[r] for k, v in disc.items()})
            torch.testing.assert_close(logits[r], d_mod(ids[r]), rtol=1e-10, atol=1e-10)
            torch.testing.assert_close(
                log_p[r], g_mod.log_likelihood(ids[r]), rtol=1e-10, atol=1e-10
            )
            assert torch.equal(free[r], g_mod.sample(uniforms[r, :, :-1]))
            assert torch.equal(forced[r], g_mod.sample(uniforms[r], forced=True))


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_discriminator_step_matches_torch_backend(scale: float) -> None:
    """The fused loss-and-gradient kernel pass equals autograd through the torch backend."""
    _, disc = stacked(SEEDS, scale)
    real = step_major(random_ids(len(SEEDS), 37, seed=7))
    fake = step_major(random_ids(len(SEEDS), 37, seed=8))
    loss, grads = numba_runs.discriminator_step(disc, real, fake)
    loss_ref, grads_ref = torch_runs.discriminator_step(disc, real, fake)
    torch.testing.assert_close(loss, loss_ref, rtol=1e-5, atol=1e-6)
    assert grads.keys() == grads_ref.keys() == disc.keys()
    assert_grads_close(grads, grads_ref)


def test_generator_pullback_matches_torch_backend() -> None:
    gen, _ = stacked(SEEDS, 1.0)
    ids = step_major(random_ids(len(SEEDS), 300, seed=9))
    weights = torch.randn(len(SEEDS), 300, generator=torch.Generator().manual_seed(2))
    log_p, pullback = numba_runs.generator_log_likelihood_vjp(gen, ids)
    log_p_ref, pullback_ref = torch_runs.generator_log_likelihood_vjp(gen, ids)
    torch.testing.assert_close(log_p, log_p_ref, rtol=1e-5, atol=1e-4)
    grads, grads_ref = pullback(weights), pullback_ref(weights)
    assert_grads_close(grads, grads_ref)


def paper_code_ids(runs: int, batch: int, seed: int) -> torch.Tensor:
    """(runs, batch, 15) names padded with `$` to 15 symbols, as the paper_code variant's."""
    ids = random_ids(runs, batch, seed)
    pad = torch.full((runs, batch, 15 - MODEL.max_steps), END_ID)
    return torch.cat([ids, pad], dim=-1)


def test_whole_likelihood_matches_torch_backend_and_modules() -> None:
    """paper_code: the likelihood runs over all 15 positions, `$` after `$` included."""
    gen, _ = stacked(SEEDS, 1.0)
    ids = step_major(paper_code_ids(len(SEEDS), 150, seed=10))
    weights = torch.randn(len(SEEDS), 150, generator=torch.Generator().manual_seed(3))
    log_p, pullback = numba_runs.generator_log_likelihood_vjp(gen, ids, whole=True)
    log_p_ref, pullback_ref = torch_runs.generator_log_likelihood_vjp(gen, ids, whole=True)
    torch.testing.assert_close(log_p, log_p_ref, rtol=1e-5, atol=1e-4)
    stopped = torch_runs.generator_log_likelihood(gen, ids).detach()
    assert (log_p_ref < stopped - 1e-3).all()  # every name has `$` after its first `$`
    grads, grads_ref = pullback(weights), pullback_ref(weights)
    assert_grads_close(grads, grads_ref)
    module = Generator(MODEL)
    module.load_state_dict({k: v[1].detach() for k, v in gen.items()})
    with torch.no_grad():
        expected = module.log_likelihood(step_major(ids)[1], whole=True)
    torch.testing.assert_close(log_p[1], expected, rtol=1e-5, atol=1e-4)


def test_free_running_sampling_keeps_symbols_after_end() -> None:
    gen, _ = stacked(SEEDS, 1.0)
    uniforms = torch.rand(len(SEEDS), 2000, MODEL.max_steps, generator=torch.Generator())
    got = step_major(numba_runs.generator_sample(gen, step_major(uniforms), stop=False))
    expected = step_major(torch_runs.generator_sample(gen, step_major(uniforms), stop=False))
    assert got.shape == expected.shape == (len(SEEDS), 2000, MODEL.max_steps)
    assert (got != expected).any(-1).sum() <= 1e-3 * got.shape[0] * got.shape[1]
    is_end = got == END_ID
    letter_after_end = (is_end.cumsum(-1) > 0) & ~is_end
    assert letter_after_end.any()  # the generator went on sampling after a `$`
    module = Generator(MODEL)
    module.load_state_dict({k: v[0].detach() for k, v in gen.items()})
    assert torch.equal(module.sample(uniforms[0], stop=False), expected[0])


def test_discriminator_step_on_sequences_of_different_lengths() -> None:
    """paper_code: real names of 15 symbols, generated sequences of 10."""
    _, disc = stacked(SEEDS, 1.0)
    real = step_major(paper_code_ids(len(SEEDS), 40, seed=11))
    fake = step_major(random_ids(len(SEEDS), 40, seed=12))
    loss, grads = numba_runs.discriminator_step(disc, real, fake)
    loss_ref, grads_ref = torch_runs.discriminator_step(disc, real, fake)
    expected = torch_runs.discriminator_loss(
        torch_runs.discriminator_logits(disc, real), torch_runs.discriminator_logits(disc, fake)
    )
    torch.testing.assert_close(loss_ref, expected.detach())
    torch.testing.assert_close(loss, loss_ref, rtol=1e-5, atol=1e-6)
    assert_grads_close(grads, grads_ref)


def test_kernel_adam_matches_torch_adam() -> None:
    g = torch.Generator().manual_seed(4)
    start = torch.randn(500, generator=g)
    ours, theirs = start.clone(), start.clone().requires_grad_()
    adam, reference = numba_runs.Adam(ours, lr=0.02), torch.optim.Adam([theirs], lr=0.02)
    for step in range(30):
        grad = torch.randn(500, generator=g) * (step + 1)
        if step == 10:  # as the trainer's learning-rate schedule
            adam.lr = 0.002
            reference.param_groups[0]["lr"] = 0.002
        adam.step([grad[:200].view(10, 20), grad[200:]])
        theirs.grad = grad.clone()
        reference.step()
    torch.testing.assert_close(ours, theirs.detach(), rtol=1e-5, atol=1e-6)


def test_kernel_is_gan_closed_form_matches_torch() -> None:
    from discrete_gan.model import objectives

    g = torch.Generator().manual_seed(5)
    logits = torch.randn(6, 128, generator=g) * 8
    logits[0, :3] = torch.tensor([-60.0, 45.0, -36.9])  # both sides of the linear cutoff
    log_p = torch.randn(6, 128, generator=g) * 4 - 200  # every P_G(x) underflows float32
    loss, grad = numba_runs.is_gan_value_and_grad(logits, log_p)
    loss_ref, grad_ref = objectives.is_gan_value_and_grad(logits.double(), log_p.double())
    torch.testing.assert_close(loss.double(), loss_ref, rtol=1e-6, atol=1e-4)
    torch.testing.assert_close(grad.double(), grad_ref, rtol=1e-5, atol=1e-7)
    assert loss.dtype == grad.dtype == torch.float32


@pytest.mark.parametrize("forced", [False, True])
def test_start_symbol_as_output_matches_torch_backend_and_modules(forced: bool) -> None:
    """code_softmax and paper_code: `.` is one of the generator's outputs, as in the paper's
    code; the kernels, the PyTorch backend and the module agree on its likelihood and draws."""
    model = model_config(variant="code_softmax")
    gen, _ = stacked(SEEDS, 3.0)
    ids = paper_code_ids(len(SEEDS), 150, seed=13)
    ids[:, ::3, 2] = 0  # some names hold a `.`, which only the unbanned softmax can emit
    ids = step_major(ids)
    weights = torch.randn(len(SEEDS), 150, generator=torch.Generator().manual_seed(6))
    log_p, pullback = numba_runs.generator_log_likelihood_vjp(gen, ids, True, ban_start=False)
    log_p_ref, pullback_ref = torch_runs.generator_log_likelihood_vjp(
        gen, ids, True, ban_start=False
    )
    torch.testing.assert_close(log_p, log_p_ref, rtol=1e-5, atol=1e-4)
    assert torch.isfinite(log_p).all()
    banned = torch_runs.generator_log_likelihood(gen, ids, True).detach()
    assert torch.isinf(banned[:, ::3]).all() and (log_p[:, 1::3] < banned[:, 1::3]).all()
    grads, grads_ref = pullback(weights), pullback_ref(weights)
    assert_grads_close(grads, grads_ref)
    module = Generator(model)
    module.load_state_dict({k: v[2].detach() for k, v in gen.items()})
    with torch.no_grad():
        expected = module.log_likelihood(step_major(ids)[2], whole=True)
    torch.testing.assert_close(log_p[2], expected, rtol=1e-5, atol=1e-4)
    uniforms = torch.rand(len(SEEDS), 3000, MODEL.max_steps, generator=torch.Generator())
    draw = {"forced": forced, "stop": False, "ban_start": False}
    got = step_major(numba_runs.generator_sample(gen, step_major(uniforms), **draw))
    expected = step_major(torch_runs.generator_sample(gen, step_major(uniforms), **draw))
    assert (got != expected).any(-1).sum() <= 1e-3 * got.shape[0] * got.shape[1]
    assert (got == 0).any()  # `.` is drawn
    assert (got == END_ID).any() != forced
    assert torch.equal(module.sample(uniforms[2], forced=forced, stop=False), expected[2])
    banned_draws = numba_runs.generator_sample(gen, step_major(uniforms), forced=forced, stop=False)
    assert not (banned_draws == 0).any()


@pytest.mark.parametrize(("log_sigmoid", "divisor"), [(True, None), (True, 15), (False, 15)])
def test_code_discriminator_step_matches_torch_backend(log_sigmoid, divisor) -> None:
    """code_sigmoid, paper_code: the discriminator loss as the paper's code computes it, float32
    `log(sigmoid)` and sums over the 15 steps (both tested in test_published_code.py)."""
    _, disc = stacked(SEEDS, 1.0)
    real = step_major(paper_code_ids(len(SEEDS), 40, seed=14))
    fake = step_major(random_ids(len(SEEDS), 40, seed=15))
    loss, grads = numba_runs.discriminator_step(disc, real, fake, log_sigmoid, divisor)
    loss_ref, grads_ref = torch_runs.discriminator_step(disc, real, fake, log_sigmoid, divisor)
    torch.testing.assert_close(loss, loss_ref, rtol=1e-5, atol=1e-6)
    assert_grads_close(grads, grads_ref)


def test_both_backends_fill_the_whole_interface() -> None:
    """Each backend names every model function of `Backend`, each from its own module; only
    the numba backend brings its own Adam and objective kernels."""
    for module, name in ((torch_runs, "torch"), (numba_runs, "numba")):
        backend = module.BACKEND
        assert isinstance(backend, Backend) and backend.name == name
        for field in dataclasses.fields(Backend)[1:8]:
            function = getattr(backend, field.name)
            assert function.__module__ == module.__name__ and function.__name__ == field.name
    assert torch_runs.BACKEND.adam is None and not torch_runs.BACKEND.objective_kernels
    assert numba_runs.BACKEND.adam is numba_runs.Adam and numba_runs.BACKEND.objective_kernels
