"""Which CPU kernels the numba backend runs (`backends/fused.py`): the fused C++ ones where they
build and serve the model, else the numba ones, and DISCRETE_GAN_KERNELS to choose. Their
numbers against PyTorch are tested in `test_kernels.py`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from discrete_gan.backends import fused, fused_build, kernels, numba_runs


@pytest.fixture
def fresh(monkeypatch):
    """`fused` as a new process finds it: nothing loaded yet (the library cached on disk)."""
    monkeypatch.setattr(fused, "_LIB", None)
    monkeypatch.setattr(fused, "_WHY_NOT", None)


@pytest.fixture
def native(monkeypatch):
    """The fused kernels as this CPU builds them, loaded whatever `auto` would choose (on an
    AVX2-only CPU it chooses the numba kernels); skips where they cannot build."""
    level = fused.target()
    if level is None or fused_build._compiler() is None:
        pytest.skip("the fused kernels cannot build here (no x86-64-v3 CPU or no compiler)")
    monkeypatch.setattr(fused, "_LIB", fused.load(level))


@pytest.fixture
def empty(fresh, monkeypatch, tmp_path):
    """`fresh`, with an empty build folder: nothing built yet."""
    monkeypatch.setattr(fused_build, "BUILD_DIR", tmp_path / "build")
    return tmp_path / "build"


def weights(hidden: int, vocab: int = 28) -> list[np.ndarray]:
    return [np.zeros((2, 4 * hidden, vocab), np.float32), np.zeros((2, 4 * hidden, hidden))]


def test_fused_kernels_run_where_they_build(fresh, monkeypatch) -> None:
    monkeypatch.delenv("DISCRETE_GAN_KERNELS", raising=False)
    if fused.target() is None or fused_build._compiler() is None:
        pytest.skip("no x86-64-v3 CPU or no C++ compiler here: the numba kernels run")
    if fused.target() == "x86-64-v3":  # AVX2 alone: the numba kernels, unless asked
        assert fused.library() is None and fused.why_not() == fused.AVX2_ONLY
        monkeypatch.setattr(fused, "_WHY_NOT", None)
        monkeypatch.setenv("DISCRETE_GAN_KERNELS", "fused")
    assert fused.library() is not None, fused.why_not()
    assert numba_runs._kernels(weights(8), 10) is fused
    assert numba_runs._kernels(weights(16), 10) is fused
    assert fused.describe().startswith(f"fused kernels ({fused.target()}")


def test_other_sizes_fall_back_to_the_numba_kernels(fresh, native, monkeypatch) -> None:
    monkeypatch.delenv("DISCRETE_GAN_KERNELS", raising=False)
    assert numba_runs._kernels(weights(12), 10) is kernels
    assert numba_runs._kernels(weights(8), fused.MAX_STEPS + 1) is kernels
    monkeypatch.setenv("DISCRETE_GAN_KERNELS", "fused")
    if fused.library() is not None:
        with pytest.raises(fused.KernelError, match="hidden size 12"):
            numba_runs._kernels(weights(12), 10)


def test_numba_kernels_on_request(empty, monkeypatch) -> None:
    monkeypatch.setenv("DISCRETE_GAN_KERNELS", "numba")
    assert fused.library() is None
    assert numba_runs._kernels(weights(8), 10) is kernels
    assert fused.describe() == "numba kernels (DISCRETE_GAN_KERNELS=numba)"
    assert not empty.exists()  # nothing was built


def test_a_wrong_choice_is_one_clear_sentence(fresh, monkeypatch) -> None:
    monkeypatch.setenv("DISCRETE_GAN_KERNELS", "fastest")
    with pytest.raises(fused.KernelError, match="not one of auto, fused, numba; unset it"):
        fused.library()


def test_without_a_compiler_the_numba_kernels_run(empty, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CXX", "no-such-compiler")
    monkeypatch.setattr(fused, "target", lambda: "x86-64-v4")
    monkeypatch.delenv("DISCRETE_GAN_KERNELS", raising=False)
    assert fused.library() is None
    assert "no C++ compiler 'no-such-compiler' found" in fused.why_not()
    assert "using the numba kernels" in capsys.readouterr().err
    assert numba_runs._kernels(weights(8), 10) is kernels
    assert not list(empty.glob("*"))  # no half-built library left behind
    monkeypatch.setattr(fused, "_WHY_NOT", None)
    monkeypatch.setenv("DISCRETE_GAN_KERNELS", "fused")
    for _ in range(2):  # every call, not only the first
        with pytest.raises(fused.KernelError, match="the fused kernels cannot run: no C\\+\\+"):
            fused.library()


def test_a_failed_compile_leaves_no_library(empty, monkeypatch, tmp_path) -> None:
    if fused_build._compiler() is None:
        pytest.skip("no C++ compiler here")
    broken = tmp_path / "fused.cpp"
    broken.write_text("this is not C++\n")
    monkeypatch.setattr(fused_build, "SOURCE", broken)
    with pytest.raises(fused.KernelError, match="compiling fused.cpp failed"):
        fused.build("x86-64-v3")
    assert not list(empty.glob("*"))


def test_each_target_and_source_has_its_own_library(monkeypatch, tmp_path) -> None:
    """A checkout that moves to another kind of CPU, or whose source changed, builds anew
    instead of loading a library built for something else."""
    assert fused.library_path("x86-64-v3") != fused.library_path("x86-64-v4")
    original = fused_build.library_path("x86-64-v4")
    for part in [fused.SOURCE, *fused.SOURCE.parent.glob("fused_*.h")]:
        shutil.copy2(part, tmp_path / part.name)
    monkeypatch.setattr(fused_build, "SOURCE", tmp_path / "fused.cpp")
    before = fused_build.library_path("x86-64-v4")
    assert before.name == original.name  # the same files elsewhere: the same name
    for edited in ("fused.cpp", "fused_lstm.h"):
        with (tmp_path / edited).open("a") as file:
            file.write("\n// edited\n")
        after = fused_build.library_path("x86-64-v4")
        assert after != before, edited
        before = after


def test_make_setup_builds_the_library() -> None:
    """`make setup` runs the build script (standard library only, before the packages could
    be imported) and the module says which kernels run."""
    script = Path(fused_build.__file__)
    built = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("fused kernels built for x86-64-v") or (
        "the numba kernels will run" in built.stdout + built.stderr
    )
    said = subprocess.run(
        [sys.executable, "-m", "discrete_gan.backends.fused"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert said.stdout.startswith(("fused kernels (x86-64-v", "numba kernels ("))


@pytest.mark.parametrize(("hidden", "vocab", "batch"), [(16, 28, 40), (8, 50, 21), (8, 12, 21)])
def test_other_sizes_match_the_numba_kernels(native, hidden: int, vocab: int, batch: int) -> None:
    """Hidden size 16, and vocabularies of 50 symbols (input lookup by gather, not permute) and
    of 12 (a one-register permute), with batches that leave a chunk part empty: the fused
    kernels equal the numba ones, which `test_kernels.py` checks against PyTorch."""
    rng = np.random.default_rng(hidden + vocab)
    runs, steps = 3, 9

    def net(out: int) -> list[np.ndarray]:
        shapes = [(4 * hidden, vocab), (4 * hidden, hidden), (4 * hidden,), (4 * hidden,)]
        shapes += [(out, hidden), (out,)]
        return [rng.normal(0, 0.5, (runs, *s)).astype(np.float32) for s in shapes]

    gen, disc = net(vocab), net(1)
    ids = rng.integers(1, vocab, (runs, steps, batch))
    ids[:, 5:, ::3] = vocab - 1  # some names end early
    grad = rng.normal(size=(runs, batch)).astype(np.float32)

    def close(got, expected):  # sequences of arrays, equal to float32 kernel rounding
        assert len(got) == len(expected)
        for x, y in zip(got, expected):
            np.testing.assert_allclose(x, y, rtol=2e-4, atol=2e-5 * max(1.0, np.abs(y).max()))

    close([fused.discriminator_logits(*disc, ids)], [kernels.discriminator_logits(*disc, ids)])
    d_grads = [
        impl.discriminator_grads(*disc, ids, grad.copy(), np.empty_like(grad), -1)
        for impl in (fused, kernels)
    ]
    close(*d_grads)
    for whole in (False, True):
        results = []
        for impl in (fused, kernels):
            saved = impl.generator_saved_states(runs, steps, batch, 4 * hidden, hidden, vocab)
            log_p = impl.generator_log_likelihood(*gen, ids, saved, whole, True)
            grads = impl.generator_log_likelihood_grads(*gen, ids, grad, saved, whole)
            results.append([log_p, *grads])
        close(*results)
    uniforms = rng.random((runs, steps - 1, batch)).astype(np.float32)
    samples = [
        impl.generator_sample(*gen, uniforms, False, True, True) for impl in (fused, kernels)
    ]
    assert (samples[0] != samples[1]).any(axis=1).mean() < 0.01  # a uniform on a CDF boundary


@pytest.mark.parametrize("log_sigmoid", [True, False])
@pytest.mark.parametrize("divisor", [None, 15])
@pytest.mark.parametrize("logit", [-30.0, -3.0, 0.0, 2.5, 16.0, 17.0, 30.0])
def test_code_loss_gradient_as_autograd_computes_it(native, log_sigmoid, divisor, logit) -> None:
    """The paper's code's discriminator loss, differentiated inside the fused kernel, equals
    PyTorch's autograd through the same float32 formula: a real name whose sigmoid rounds to 1
    (logits above about 16.6) gets no gradient under `log_sigmoid`. A discriminator whose
    weights are all zero but its output bias gives every name the logit `logit`, so the bias's
    gradient is the sum of the loss's gradients with respect to the logits."""
    import torch

    from discrete_gan.model.objectives import discriminator_loss, discriminator_loss_log_sigmoid

    hidden, vocab, batch = 8, 28, 24
    disc = [np.zeros((1, 4 * hidden, vocab)), np.zeros((1, 4 * hidden, hidden))]
    disc += [np.zeros((1, 4 * hidden)), np.zeros((1, 4 * hidden)), np.zeros((1, 1, hidden))]
    disc = [a.astype(np.float32) for a in disc] + [np.full((1, 1), logit, np.float32)]
    ids = np.ones((1, 15, batch), np.int64)
    loss_fn = discriminator_loss_log_sigmoid if log_sigmoid else discriminator_loss
    for real in (True, False):
        if not real and log_sigmoid and logit > 16:
            continue  # log(1 - 1): the code's loss is infinite there, its gradient NaN
        grad_logits, logits = np.empty((1, batch), np.float32), np.empty((1, batch), np.float32)
        n_real = batch if real else 0
        grads = fused.discriminator_grads(
            *disc, ids, grad_logits, logits, n_real, log_sigmoid=log_sigmoid, divisor=divisor
        )
        np.testing.assert_array_equal(logits, logit)
        mine = torch.full((1, batch), logit, requires_grad=True)
        other = torch.zeros((1, batch))  # the other part, whose gradient is not under test
        parts = (mine, other) if real else (other, mine)
        (expected,) = torch.autograd.grad(loss_fn(*parts, divisor).sum(), [mine])
        np.testing.assert_allclose(grad_logits, expected.numpy(), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(grads[5][0, 0], expected.sum().item(), rtol=1e-5, atol=1e-12)


def test_too_many_steps_for_the_likelihood_kernels(native) -> None:
    """The likelihood kernels' masks hold MAX_STEPS steps: more is refused in one sentence,
    never run (the numba kernels serve such models instead)."""
    runs, steps, batch, hidden, vocab = 1, fused.MAX_STEPS + 1, 4, 8, 28
    gen = [np.zeros((runs, 4 * hidden, vocab)), np.zeros((runs, 4 * hidden, hidden))]
    gen += [np.zeros((runs, 4 * hidden)), np.zeros((runs, 4 * hidden))]
    gen += [np.zeros((runs, vocab, hidden)), np.zeros((runs, vocab))]
    gen = [a.astype(np.float32) for a in gen]
    ids = np.ones((runs, steps, batch), np.int64)
    saved = fused.generator_saved_states(runs, steps, batch, 4 * hidden, hidden, vocab)
    with pytest.raises(fused.KernelError, match=f"at most {fused.MAX_STEPS} steps"):
        fused.generator_log_likelihood(*gen, ids, saved, False, True)


def test_an_avx2_only_cpu_runs_the_numba_kernels_unless_asked(fresh, monkeypatch) -> None:
    """The AVX2 build was measured slower than the numba kernels (docs/speed.md), so `auto`
    leaves it to DISCRETE_GAN_KERNELS=fused; the build script then builds nothing."""
    monkeypatch.setattr(fused, "target", lambda: "x86-64-v3")
    monkeypatch.setattr(fused_build, "target", lambda: "x86-64-v3")
    monkeypatch.delenv("DISCRETE_GAN_KERNELS", raising=False)
    assert fused.library() is None
    assert "AVX2 but not AVX-512" in fused.describe()
    assert numba_runs._kernels(weights(8), 10) is kernels
    built: list[str] = []
    monkeypatch.setattr(fused_build, "build", built.append)
    fused_build.main()
    assert built == []
    monkeypatch.setenv("DISCRETE_GAN_KERNELS", "fused")
    fused_build.main()
    assert built == ["x86-64-v3"]
