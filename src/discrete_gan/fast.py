"""The batched model functions of `batched.py`, computed by the numba kernels of `kernels.py`.

Same signatures and results (to float32 rounding) as `batched.py`; used on the CPU, where they
are many times faster. Gradients flow through `torch.autograd.Function`s whose backward passes
call the kernels' hand-written backpropagation.
"""

from __future__ import annotations

import numpy as np
import torch

from . import kernels
from .batched import Params
from .objectives import discriminator_loss

_KEYS = (
    "lstm.weight_ih_l0",
    "lstm.weight_hh_l0",
    "lstm.bias_ih_l0",
    "lstm.bias_hh_l0",
    "out.weight",
    "out.bias",
)


def _np(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().contiguous().numpy()


def _weights(params: Params) -> list[torch.Tensor]:
    """The parameters in the kernels' argument order."""
    return [params[key] for key in _KEYS]


def _param_grads(d_table_t: np.ndarray, grads: list[np.ndarray]) -> tuple[torch.Tensor, ...]:
    """Kernel gradients in `_KEYS` order: the lookup table's gradient (runs, vocab, 4H) is the
    input weights' gradient transposed, and summed over the vocabulary each bias's."""
    d_table = torch.from_numpy(d_table_t).transpose(1, 2)  # (runs, 4H, vocab)
    d_bias = d_table.sum(-1)
    d_w_hh, d_out_w, d_out_b = (torch.from_numpy(g) for g in grads)
    return d_table, d_w_hh, d_bias, d_bias.clone(), d_out_w, d_out_b


class _DiscriminatorLogits(torch.autograd.Function):
    @staticmethod
    def forward(ctx, ids, *weights):
        ctx.save_for_backward(ids, *weights)
        return torch.from_numpy(kernels.discriminator_logits(*map(_np, weights), _np(ids)))

    @staticmethod
    def backward(ctx, grad_logits):
        ids, *weights = ctx.saved_tensors
        logits = np.empty(grad_logits.shape, np.float32)
        arrays = [*map(_np, weights), _np(ids), _np(grad_logits), logits]
        d_table_t, *grads = kernels.discriminator_grads(*arrays, -1)
        return (None, *_param_grads(d_table_t, grads))


class _DiscriminatorLoss(torch.autograd.Function):
    """The discriminator loss per run, with its gradients from the same kernel pass."""

    @staticmethod
    def forward(ctx, ids, n_real, *weights):
        runs, _, batch = ids.shape
        grad_logits = np.empty((runs, batch), np.float32)
        logits = np.empty((runs, batch), np.float32)
        arrays = [*map(_np, weights), _np(ids), grad_logits, logits]
        d_table_t, *grads = kernels.discriminator_grads(*arrays, n_real)
        ctx.grads = _param_grads(d_table_t, grads)
        logits = torch.from_numpy(logits)
        return discriminator_loss(logits[:, :n_real], logits[:, n_real:])

    @staticmethod
    def backward(ctx, grad_loss):
        # each run's loss has its own upstream gradient: scale that run's parameter gradients
        scaled = (g * grad_loss.view(-1, *[1] * (g.dim() - 1)) for g in ctx.grads)
        return (None, None, *scaled)


class _GeneratorLogLikelihood(torch.autograd.Function):
    @staticmethod
    def forward(ctx, ids, *weights):
        ctx.save_for_backward(ids, *weights)
        log_p = kernels.generator_log_likelihood(*map(_np, weights), _np(ids))
        return torch.from_numpy(log_p)

    @staticmethod
    def backward(ctx, grad_log_p):
        ids, *weights = ctx.saved_tensors
        arrays = [*map(_np, weights), _np(ids), _np(grad_log_p)]
        d_table_t, *grads = kernels.generator_log_likelihood_grads(*arrays)
        return (None, *_param_grads(d_table_t, grads))


def discriminator_logits(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """Logits (runs, batch) of symbol sequences ids (runs, steps, batch)."""
    return _DiscriminatorLogits.apply(ids, *_weights(params))


def discriminator_loss_on(params: Params, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The discriminator loss (runs,) on real and fake ids (runs, steps, batch), as `batched`."""
    ids = torch.cat([real, fake], dim=2)
    return _DiscriminatorLoss.apply(ids, real.shape[2], *_weights(params))


def generator_log_likelihood(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """log P_G (runs, batch) of `$`-padded names ids (runs, steps, batch); see `batched.py`."""
    return _GeneratorLogLikelihood.apply(ids, *_weights(params))


@torch.no_grad()
def generator_sample(params: Params, uniforms: torch.Tensor, forced: bool = False) -> torch.Tensor:
    """Names (runs, steps, batch) from uniforms (runs, n_draws, batch); see `batched.py`."""
    ids = kernels.generator_sample(*map(_np, _weights(params)), _np(uniforms), forced)
    return torch.from_numpy(ids)
