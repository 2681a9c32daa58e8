"""The batched model functions of `torch_runs.py`, computed by the numba kernels of `kernels.py`.

Same signatures and results (to float32 rounding) as `torch_runs.py`; used on the CPU, where they
are many times faster. Gradients flow through `torch.autograd.Function`s whose backward passes
call the kernels' hand-written backpropagation.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import torch

from discrete_gan.backends import Backend, Params, fused, gumbel_kernels, kernels
from discrete_gan.model import objectives
from discrete_gan.model.networks import PARAMETER_NAMES
from discrete_gan.model.objectives import discriminator_loss, discriminator_loss_log_sigmoid

# Free arrays for the generator's saved forward states, by shape (see `kernels`).
_SAVED: dict[tuple, list] = {}
_KEYS = PARAMETER_NAMES  # the kernels' argument order


def _kernels(weights, steps: int):
    """The kernels for these weights (`w_ih` first): the fused ones where they serve the model
    (`fused.serves`), else numba's."""
    (_, _, vocab), hidden = weights[0].shape, weights[1].shape[2]
    return fused if fused.serves(hidden, vocab, steps) else kernels


def _np(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().contiguous().numpy()


def _weights(params: Params) -> list[torch.Tensor]:
    """The parameters in the kernels' argument order."""
    return [params[key] for key in _KEYS]


def _param_grads(grads: tuple[np.ndarray, ...]) -> dict[str, torch.Tensor]:
    """Kernel gradients, in `_KEYS` order, as {name: tensor}."""
    return {key: torch.from_numpy(g) for key, g in zip(_KEYS, grads)}


class _DiscriminatorLogits(torch.autograd.Function):
    @staticmethod
    def forward(ctx, ids, *weights):
        ctx.save_for_backward(ids, *weights)
        arrays = list(map(_np, weights))
        impl = _kernels(arrays, ids.shape[1])
        return torch.from_numpy(impl.discriminator_logits(*arrays, _np(ids)))

    @staticmethod
    def backward(ctx, grad_logits):
        ids, *weights = ctx.saved_tensors
        logits = np.empty(grad_logits.shape, np.float32)
        arrays = [*map(_np, weights), _np(ids), _np(grad_logits), logits]
        grads = _kernels(arrays, ids.shape[1]).discriminator_grads(*arrays, -1)
        return (None, *map(torch.from_numpy, grads))


class _GeneratorLogLikelihood(torch.autograd.Function):
    @staticmethod
    def forward(ctx, ids, whole, ban_start, *weights):
        params = dict(zip(_KEYS, weights))
        log_p, ctx.pullback = generator_log_likelihood_vjp(params, ids, whole, ban_start)
        return log_p

    @staticmethod
    def backward(ctx, grad_log_p):
        grads = ctx.pullback(grad_log_p)
        return (None, None, None, *(grads[key] for key in _KEYS))


def discriminator_logits(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """Logits (runs, batch) of symbol sequences ids (runs, steps, batch)."""
    return _DiscriminatorLogits.apply(ids, *_weights(params))


def _discriminator_part(params: Params, ids: torch.Tensor, real: bool, **code_loss):
    """Logits (runs, batch) of only real or only fake ids and the gradients of that part of
    the loss, `mean softplus(-l)` or `mean softplus(l)`, from one kernel pass; with
    `code_loss` (log_sigmoid, divisor: the fused kernels only) that part of the paper's code's
    loss instead."""
    runs, _, batch = ids.shape
    grad_logits = np.empty((runs, batch), np.float32)
    logits = np.empty((runs, batch), np.float32)
    arrays = [*map(_np, _weights(params)), _np(ids), grad_logits, logits]
    impl = _kernels(arrays, ids.shape[1])
    grads = impl.discriminator_grads(*arrays, batch if real else 0, **code_loss)
    return torch.from_numpy(logits), grads


def _discriminator_step_autograd(params: Params, real, fake, log_sigmoid, divisor):
    """The discriminator loss as the paper's code computes it (float32 `log(sigmoid)`, or sums
    over `divisor`): logits from the kernels, the loss and its gradient with respect to the
    logits by PyTorch autograd (the code's own saturation included), then the kernels'
    backward pass for each part. The fused kernels compute that gradient themselves, as
    autograd does, in the pass that computes the logits (one forward per part, not two); the
    loss is the code's, from their logits."""
    weights = list(map(_np, _weights(params)))
    real_impl, fake_impl = _kernels(weights, real.shape[1]), _kernels(weights, fake.shape[1])
    if real_impl is fused and fake_impl is fused:
        code_loss = {"log_sigmoid": log_sigmoid, "divisor": divisor}
        real_logits, real_grads = _discriminator_part(params, real, True, **code_loss)
        fake_logits, fake_grads = _discriminator_part(params, fake, False, **code_loss)
        loss_fn = discriminator_loss_log_sigmoid if log_sigmoid else discriminator_loss
        grads = tuple(a + b for a, b in zip(real_grads, fake_grads))
        return loss_fn(real_logits, fake_logits, divisor), _param_grads(grads)
    real_logits = torch.from_numpy(real_impl.discriminator_logits(*weights, _np(real)))
    fake_logits = torch.from_numpy(fake_impl.discriminator_logits(*weights, _np(fake)))
    real_logits.requires_grad_()
    fake_logits.requires_grad_()
    loss_fn = discriminator_loss_log_sigmoid if log_sigmoid else discriminator_loss
    loss = loss_fn(real_logits, fake_logits, divisor)
    grad_real, grad_fake = torch.autograd.grad(loss.sum(), [real_logits, fake_logits])
    grads = None
    for ids, grad_logits in ((real, grad_real), (fake, grad_fake)):
        logits = np.empty(grad_logits.shape, np.float32)
        arrays = [*weights, _np(ids), _np(grad_logits), logits]
        part = _kernels(weights, ids.shape[1]).discriminator_grads(*arrays, -1)
        grads = part if grads is None else tuple(a + b for a, b in zip(grads, part))
    return loss.detach(), _param_grads(grads)


def discriminator_step(
    params: Params,
    real: torch.Tensor,
    fake: torch.Tensor,
    log_sigmoid: bool = False,
    divisor: int | None = None,
):
    """The discriminator loss (runs,) on real and fake ids (runs, steps, batch) and its
    gradients {name: (runs, ...)}, both from one kernel pass; as `batched.discriminator_step`.
    Real and fake sequences of different lengths take one pass each."""
    if log_sigmoid or divisor is not None:
        return _discriminator_step_autograd(params, real, fake, log_sigmoid, divisor)
    if real.shape[1] != fake.shape[1]:
        real_logits, real_grads = _discriminator_part(params, real, True)
        fake_logits, fake_grads = _discriminator_part(params, fake, False)
        grads = tuple(a + b for a, b in zip(real_grads, fake_grads))
        return discriminator_loss(real_logits, fake_logits), _param_grads(grads)
    ids = torch.cat([real, fake], dim=2)
    runs, _, batch = ids.shape
    grad_logits = np.empty((runs, batch), np.float32)
    logits = np.empty((runs, batch), np.float32)
    arrays = [*map(_np, _weights(params)), _np(ids), grad_logits, logits]
    grads = _kernels(arrays, ids.shape[1]).discriminator_grads(*arrays, real.shape[2])
    logits = torch.from_numpy(logits)
    loss = discriminator_loss(logits[:, : real.shape[2]], logits[:, real.shape[2] :])
    return loss, _param_grads(grads)


def generator_log_likelihood(
    params: Params, ids: torch.Tensor, whole: bool = False, ban_start: bool = True
):
    """log P_G (runs, batch) of `$`-padded names ids (runs, steps, batch); see `torch_runs.py`."""
    return _GeneratorLogLikelihood.apply(ids, whole, ban_start, *_weights(params))


def generator_log_likelihood_vjp(
    params: Params, ids: torch.Tensor, whole: bool = False, ban_start: bool = True
):
    """log P_G (runs, batch), detached, and `pullback(grad_log_p) -> {name: gradient}` of
    sum(grad_log_p * log P_G) w.r.t. the parameters; as `torch_runs`."""
    arrays = [*map(_np, _weights(params)), _np(ids)]
    impl = _kernels(arrays, ids.shape[1])
    key, saved = _borrow_saved(impl, arrays[:6], ids.shape[1], ids.shape[2])
    log_p = torch.from_numpy(impl.generator_log_likelihood(*arrays, saved, whole, ban_start))

    def pullback(grad_log_p: torch.Tensor) -> dict[str, torch.Tensor]:
        grads = impl.generator_log_likelihood_grads(*arrays, _np(grad_log_p), saved, whole)
        return _param_grads(grads)

    _return_saved(pullback, key, saved)
    return log_p, pullback


def _borrow_saved(impl, weights: list[np.ndarray], steps: int, batch: int):
    """The pool's key and a free set of arrays for the generator's forward states over `steps`
    steps of `batch` sequences, as the kernels `impl` keep them (`generator_saved_states` of
    `kernels` or `fused`), new if none is free."""
    (runs, four_h, vocab), hidden = weights[0].shape, weights[1].shape[2]
    shape = (runs, steps, batch, four_h, hidden, vocab)
    key = (impl.__name__, *shape)
    return key, _SAVED[key].pop() if _SAVED.get(key) else impl.generator_saved_states(*shape)


def _return_saved(owner, key: tuple, saved: tuple) -> None:
    """Give the saved states back to the pool once `owner`, the last object that reads them,
    is gone: steady-state training reuses one set instead of allocating (and page-faulting)
    megabytes per batch."""
    weakref.finalize(owner, _SAVED.setdefault(key, []).append, saved)


@torch.no_grad()
def generator_sample(
    params: Params,
    uniforms: torch.Tensor,
    forced: bool = False,
    stop: bool = True,
    ban_start: bool = True,
) -> torch.Tensor:
    """Names (runs, steps, batch) from uniforms (runs, n_draws, batch); see `torch_runs.py`."""
    weights = list(map(_np, _weights(params)))
    impl = _kernels(weights, 1)  # sampling has no limit on its steps
    ids = impl.generator_sample(*weights, _np(uniforms), forced, stop, ban_start)
    return torch.from_numpy(ids)


@dataclass
class RelaxedSamples:
    """Straight-through samples as the kernels keep them: the names ids (runs, steps, batch),
    the generator's forward states that `gumbel_kernels.relaxed_sample` saved, and the
    temperature."""

    ids: np.ndarray
    saved: tuple
    tau: float


@torch.no_grad()
def relaxed_sample(params: Params, uniforms: torch.Tensor, tau: float):
    """Straight-through Gumbel-softmax names ids (runs, steps, batch) of the generator `params`
    with uniforms (runs, n_draws, batch, vocab), and the `RelaxedSamples` that
    `relaxed_logits_vjp` differentiates through; see `torch_runs.relaxed_sample`."""
    weights = list(map(_np, _weights(params)))
    key, saved = _borrow_saved(kernels, weights, uniforms.shape[1], uniforms.shape[2])
    ids = gumbel_kernels.relaxed_sample(*weights, _np(uniforms), tau, saved)
    samples = RelaxedSamples(ids, saved, tau)
    _return_saved(samples, key, saved)
    return torch.from_numpy(ids), samples


def relaxed_logits_vjp(params: Params, generator: Params, samples: RelaxedSamples):
    """The logits (runs, batch) of the discriminator `params` on samples from `relaxed_sample`
    and `pullback(grad_logits) -> {name: gradient}` of sum(grad_logits * logits) w.r.t. the
    generator's parameters; as `torch_runs.relaxed_logits_vjp`."""
    disc, gen = tuple(map(_np, _weights(params))), tuple(map(_np, _weights(generator)))
    impl = _kernels(disc, samples.ids.shape[1])
    logits = torch.from_numpy(impl.discriminator_logits(*disc, samples.ids))

    def pullback(grad_logits: torch.Tensor) -> dict[str, torch.Tensor]:
        grads = gumbel_kernels.relaxed_grads(
            disc, gen, samples.ids, _np(grad_logits), samples.saved, samples.tau
        )
        return _param_grads(grads)

    return logits, pullback


class Adam:
    """Adam on a flat float32 CPU parameter tensor, stepped by a numba kernel in place: the
    same update as `torch.optim.Adam` without the per-call overhead of PyTorch's optimiser,
    which is a noticeable share of a batch of these tiny models."""

    def __init__(self, flat: torch.Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param = flat.detach().numpy()  # shares memory with `flat`
        self.m, self.v = np.zeros_like(self.param), np.zeros_like(self.param)
        self.grad = np.empty_like(self.param)
        self.lr, self.betas, self.eps, self.steps = lr, betas, eps, 0

    def step(self, grads: list[torch.Tensor] | torch.Tensor) -> None:
        """One step with the flat gradient, or with per-parameter gradients in `flat`'s order."""
        if isinstance(grads, torch.Tensor):
            grad = _np(grads)
        else:
            grad = np.concatenate([_np(g).reshape(-1) for g in grads], out=self.grad)
        self.steps += 1
        beta1, beta2 = self.betas
        kernels.adam_step(
            self.param, grad, self.m, self.v, self.lr, beta1, beta2, self.eps, self.steps
        )


def is_gan_value_and_grad(logits: torch.Tensor, log_p: torch.Tensor, baseline=None):
    """`objectives.is_gan_value_and_grad` in one numba call (float32 in and out)."""
    loss, grad = kernels.is_gan_value_and_grad(
        _np(logits), _np(log_p), objectives._LOG_SOFTPLUS_LINEAR_BELOW
    )
    return torch.from_numpy(loss), torch.from_numpy(grad)


# Closed forms computed by numba instead, keyed by the PyTorch function they stand for.
OBJECTIVE_KERNELS = {objectives.is_gan_value_and_grad: is_gan_value_and_grad}


BACKEND = Backend(
    "numba",
    discriminator_logits,
    discriminator_step,
    generator_log_likelihood,
    generator_log_likelihood_vjp,
    generator_sample,
    relaxed_sample,
    relaxed_logits_vjp,
    adam=Adam,
    objective_kernels=OBJECTIVE_KERNELS,
)
