"""The fused C++ kernels of `fused.cpp`: the functions of `kernels.py` with the same arguments
and results (to float32 rounding), about twice as fast (`make bench` measures both).

The library is compiled (`fused_build.py`) on first use with the system's C++ compiler
(`make setup` does it once), for x86-64-v4 (AVX-512) or x86-64-v3 (AVX2 + FMA) as this CPU
allows, and cached beside this file under a name holding the target and a hash of the source
and flags, so that a checkout moved to another kind of CPU, or an edited source, builds anew.
The AVX2 build runs only on request: it was measured slower than the numba kernels. Where the
library cannot build (no compiler, another CPU architecture) or cannot serve a model (hidden
sizes other than 8 and 16), the numba kernels of `kernels.py` run instead. The environment
variable `DISCRETE_GAN_KERNELS` chooses: `auto` (the default: fused where they are the faster),
`fused` (an error where they cannot run) or `numba`.
"""

from __future__ import annotations

import ctypes
import sys

import numpy as np

from discrete_gan.backends.fused_build import (  # noqa: F401 (re-exported)
    CHOICES,
    SOURCE,
    KernelError,
    build,
    choice,
    library_path,
    target,
)

MAX_STEPS = 256  # steps a likelihood's mask buffer holds (fused.cpp)
AVX2_ONLY = (
    "this CPU has AVX2 but not AVX-512, where the fused kernels' build was measured slower than "
    "the numba kernels (docs/speed.md); DISCRETE_GAN_KERNELS=fused runs it all the same"
)


_LIB: ctypes.CDLL | None = None
_WHY_NOT: str | None = None


def library() -> ctypes.CDLL | None:
    """The loaded library, built if needed; None (with `why_not()` saying why) where it cannot
    be, or where DISCRETE_GAN_KERNELS=numba."""
    global _LIB, _WHY_NOT
    if _LIB is None and _WHY_NOT is not None and choice() == "fused":
        raise KernelError(f"the fused kernels cannot run: {_WHY_NOT}")
    if _LIB is not None or _WHY_NOT is not None:
        return _LIB
    wanted = choice()
    if wanted == "numba":
        _WHY_NOT = "DISCRETE_GAN_KERNELS=numba"
        return None
    level = target()
    if wanted == "auto" and level == "x86-64-v3":
        _WHY_NOT = AVX2_ONLY  # measured slower than the numba kernels: not chosen by itself
        return None
    try:
        if level is None:
            raise KernelError("this CPU has neither AVX-512 nor AVX2 with FMA")
        _LIB = load(level)
    except (KernelError, OSError) as err:
        _WHY_NOT = str(err)
        if wanted == "fused":
            raise KernelError(f"the fused kernels cannot run: {err}") from err
        print(f"note: using the numba kernels; the fused ones cannot run: {err}", file=sys.stderr)
    return _LIB


def load(level: str) -> ctypes.CDLL:
    """The library built for `level` (built now if not cached), loaded."""
    return _declare(ctypes.CDLL(str(build(level))))


def why_not() -> str | None:
    """Why `library()` is None, once it has been called."""
    return _WHY_NOT


def serves(hidden: int, vocab: int, steps: int = 1) -> bool:
    """Whether the fused kernels run models of this size (else the numba kernels do)."""
    lib = library()
    if lib is None:
        return False
    ok = bool(lib.fused_supports(hidden, vocab)) and steps <= MAX_STEPS
    if not ok and choice() == "fused":
        raise KernelError(
            f"the fused kernels do not serve hidden size {hidden}, vocabulary {vocab} and "
            f"{steps} steps; unset DISCRETE_GAN_KERNELS to use the numba kernels there"
        )
    return ok


def width() -> int:
    """Rows per chunk (SIMD lanes): 16 with AVX-512, 8 with AVX2."""
    return library().fused_width()


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    p, i = ctypes.c_void_p, ctypes.c_int
    signatures = {
        "fused_width": [],
        "fused_supports": [i, i],
        "fused_discriminator_logits": [p, p, i, i, i, i, i, p, i],
        "fused_discriminator_grads": [p, p, i, i, i, i, i, p, p, i, i, ctypes.c_float, p, i],
        "fused_generator_log_likelihood": [p, p, i, i, i, i, i, p, i, i, p, i],
        "fused_generator_log_likelihood_grads": [p, p, i, i, i, i, i, p, p, i, p, i],
        "fused_generator_sample": [p, p, i, i, i, i, i, i, i, i, p, i, i],
    }
    for name, args in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, i
    return lib


def _threads() -> int:
    import numba

    return numba.get_num_threads()  # set_threads gives the kernels' threads to numba's setting


def _pointers(arrays) -> ctypes.Array:
    for a in arrays:
        assert a.flags.c_contiguous and a.dtype == np.float32, "float32 C-contiguous arrays"
    return (ctypes.c_void_p * len(arrays))(*(a.ctypes.data for a in arrays))


def _ids(ids: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(ids, dtype=np.int64)


def _check(status: int) -> None:
    if status == -2:
        raise KernelError(f"the fused likelihood kernels take at most {MAX_STEPS} steps")
    if status != 0:
        raise KernelError("the fused kernels do not serve this hidden size")


def _grads(w_ih, w_hh, out_w, out_b):
    runs, four_h, vocab = w_ih.shape
    grads = (
        np.empty_like(w_ih),
        np.empty_like(w_hh),
        np.empty((runs, four_h), np.float32),
        np.empty((runs, four_h), np.float32),
        np.empty_like(out_w),
        np.empty_like(out_b),
    )
    return grads, _pointers(grads)


def _call(name: str, weights: tuple, rows: np.ndarray, *rest) -> None:
    """Call the library's `fused_<name>` with what every kernel takes first, the weights and
    `rows` (symbol ids or uniforms, (runs, steps, batch)) with their sizes, then `rest`, then
    the threads."""
    runs, steps, batch = rows.shape
    w_ih, w_hh = weights[0], weights[1]
    function = getattr(library(), f"fused_{name}")
    sizes = (runs, steps, batch, w_ih.shape[2], w_hh.shape[2])
    _check(function(_pointers(weights), rows.ctypes.data, *sizes, *rest, _threads()))


def discriminator_logits(w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids):
    """As `kernels.discriminator_logits`."""
    ids = _ids(ids)
    logits = np.empty((ids.shape[0], ids.shape[2]), np.float32)
    _call("discriminator_logits", (w_ih, w_hh, b_ih, b_hh, out_w, out_b), ids, logits.ctypes.data)
    return logits


def discriminator_grads(
    w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids, grad_logits, logits, n_real,
    log_sigmoid=False, divisor=None,
):  # fmt: skip
    """As `kernels.discriminator_grads`; with n_real >= 0 the loss may also be the paper's
    code's (`log_sigmoid`, sums over `divisor`; `objectives.discriminator_loss_log_sigmoid`
    and `discriminator_loss`), its gradient computed as PyTorch's autograd computes it, so
    that one pass serves the code's discriminator step too."""
    ids = _ids(ids)
    for a in (grad_logits, logits):
        assert a.flags.c_contiguous and a.dtype == np.float32
        assert a.shape == (ids.shape[0], ids.shape[2])
    grads, pointers = _grads(w_ih, w_hh, out_w, out_b)
    _call(
        "discriminator_grads", (w_ih, w_hh, b_ih, b_hh, out_w, out_b), ids,
        grad_logits.ctypes.data, logits.ctypes.data, n_real, int(log_sigmoid),
        float(divisor or 0), pointers,
    )  # fmt: skip
    return grads


def generator_saved_states(runs, steps, batch, four_h, hidden, vocab):
    """The array for the forward states of `generator_log_likelihood`: per run, chunk of rows
    and step, the LSTM's gates and states (8H vectors), the softmax's exps (vocab) and total."""
    lanes = width()
    return _aligned((runs, (batch + lanes - 1) // lanes, steps, 8 * hidden + vocab + 1, lanes))


def _aligned(shape) -> np.ndarray:
    """An uninitialised float32 array starting on a 64-byte boundary (for vector loads)."""
    size = int(np.prod(shape))
    raw = np.empty(size + 16, np.float32)
    start = (-raw.ctypes.data % 64) // 4
    return raw[start : start + size].reshape(shape)


def generator_log_likelihood(w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids, saved, whole, ban_start):
    """As `kernels.generator_log_likelihood`, with `saved` from `generator_saved_states`."""
    ids = _ids(ids)
    log_p = np.empty((ids.shape[0], ids.shape[2]), np.float32)
    _call(
        "generator_log_likelihood", (w_ih, w_hh, b_ih, b_hh, out_w, out_b), ids,
        saved.ctypes.data, int(whole), int(ban_start), log_p.ctypes.data,
    )  # fmt: skip
    return log_p


def generator_log_likelihood_grads(
    w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids, grad_log_p, saved, whole
):
    """As `kernels.generator_log_likelihood_grads`."""
    grad_log_p = np.ascontiguousarray(grad_log_p, dtype=np.float32)
    grads, pointers = _grads(w_ih, w_hh, out_w, out_b)
    _call(
        "generator_log_likelihood_grads", (w_ih, w_hh, b_ih, b_hh, out_w, out_b), _ids(ids),
        grad_log_p.ctypes.data, saved.ctypes.data, int(whole), pointers,
    )  # fmt: skip
    return grads


def generator_sample(w_ih, w_hh, b_ih, b_hh, out_w, out_b, uniforms, forced, stop, ban_start):
    """As `kernels.generator_sample`."""
    uniforms = np.ascontiguousarray(uniforms, dtype=np.float32)
    runs, draws, batch = uniforms.shape
    steps = draws + (1 if stop and not forced else 0)
    ids = np.full((runs, steps, batch), out_w.shape[1] - 1, np.int64)  # `$` after the end
    _call(
        "generator_sample", (w_ih, w_hh, b_ih, b_hh, out_w, out_b), uniforms,
        int(forced), int(stop), int(ban_start), ids.ctypes.data, steps,
    )  # fmt: skip
    return ids


def describe() -> str:
    """Which CPU kernels the numba backend runs here, in words (the training log's line)."""
    lib = library()
    if lib is None:
        return f"numba kernels ({why_not()})"
    return f"fused kernels ({target()}, {width()} rows per vector)"


if __name__ == "__main__":  # which kernels the numba backend runs here
    print(describe())
