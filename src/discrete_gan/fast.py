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
from .models import finish_names
from .objectives import discriminator_loss
from .vocab import START_ID


def _np(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().contiguous().numpy()


def _step_major(x: torch.Tensor) -> torch.Tensor:
    """(runs, batch, steps) -> contiguous (runs, steps, batch), the kernels' layout."""
    return x.transpose(1, 2).contiguous()


def _tensors(d_table_t: np.ndarray, grads: list[np.ndarray]) -> tuple[torch.Tensor, ...]:
    """Kernel gradients as tensors, the table's transposed back to (runs, 4H, vocab)."""
    return (torch.from_numpy(d_table_t).transpose(1, 2), *(torch.from_numpy(g) for g in grads))


def _table(params: Params) -> torch.Tensor:
    """Input weights plus both LSTM biases per symbol: (runs, 4H, vocab)."""
    bias = params["lstm.bias_ih_l0"] + params["lstm.bias_hh_l0"]
    return params["lstm.weight_ih_l0"] + bias.unsqueeze(-1)


def _weights(params: Params):
    return _table(params), params["lstm.weight_hh_l0"], params["out.weight"], params["out.bias"]


class _DiscriminatorLogits(torch.autograd.Function):
    @staticmethod
    def forward(ctx, table, w_hh, out_w, out_b, ids):
        ctx.save_for_backward(table, w_hh, out_w, out_b, ids)
        arrays = [_np(x) for x in (table, w_hh, out_w, out_b, ids)]
        return torch.from_numpy(kernels.discriminator_logits(*arrays))

    @staticmethod
    def backward(ctx, grad_logits):
        arrays = [_np(x) for x in ctx.saved_tensors]
        logits = np.empty_like(arrays[-1], shape=grad_logits.shape, dtype=np.float32)
        d_table_t, *grads = kernels.discriminator_grads(*arrays, _np(grad_logits), logits, -1)
        return _tensors(d_table_t, grads) + (None,)


class _DiscriminatorLoss(torch.autograd.Function):
    """The discriminator loss per run, with its gradients from the same kernel pass."""

    @staticmethod
    def forward(ctx, table, w_hh, out_w, out_b, ids, n_real):
        arrays = [_np(x) for x in (table, w_hh, out_w, out_b, ids)]
        runs, _, batch = ids.shape
        grad_logits = np.empty((runs, batch), np.float32)
        logits = np.empty((runs, batch), np.float32)
        d_table_t, *grads = kernels.discriminator_grads(*arrays, grad_logits, logits, n_real)
        ctx.grads = _tensors(d_table_t, grads)
        logits = torch.from_numpy(logits)
        return discriminator_loss(logits[:, :n_real], logits[:, n_real:])

    @staticmethod
    def backward(ctx, grad_loss):
        scale = grad_loss.view(-1, 1, 1)  # (runs, 1, 1): each run's loss has its own gradient
        return (*(g * scale.view(-1, *[1] * (g.dim() - 1)) for g in ctx.grads), None, None)


class _GeneratorLogLikelihood(torch.autograd.Function):
    @staticmethod
    def forward(ctx, table, w_hh, out_w, out_b, inputs, targets, mask):
        ctx.save_for_backward(table, w_hh, out_w, out_b, inputs, targets, mask)
        arrays = [_np(x) for x in (table, w_hh, out_w, out_b, inputs, targets, mask)]
        return torch.from_numpy(kernels.generator_log_likelihood(*arrays))

    @staticmethod
    def backward(ctx, grad_log_p):
        arrays = [_np(x) for x in ctx.saved_tensors] + [_np(grad_log_p)]
        d_table_t, *grads = kernels.generator_log_likelihood_grads(*arrays)
        return _tensors(d_table_t, grads) + (None, None, None)


def discriminator_logits(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """Logits (runs, batch) of symbol sequences ids (runs, batch, steps)."""
    return _DiscriminatorLogits.apply(*_weights(params), _step_major(ids))


def discriminator_loss_on(params: Params, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The discriminator loss (runs,) on real and fake ids (runs, batch, steps), as `batched`."""
    ids = _step_major(torch.cat([real, fake], dim=1))
    return _DiscriminatorLoss.apply(*_weights(params), ids, real.shape[1])


def generator_log_likelihood(params: Params, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """log P_G (runs, batch) of `$`-padded names ids (runs, batch, steps); see `batched.py`."""
    inputs = torch.cat([torch.full_like(ids[:, :, :1], START_ID), ids[:, :, :-1]], dim=2)
    steps_first = (_step_major(x) for x in (inputs, ids, mask))
    return _GeneratorLogLikelihood.apply(*_weights(params), *steps_first)


@torch.no_grad()
def generator_sample(params: Params, uniforms: torch.Tensor, forced: bool = False) -> torch.Tensor:
    """Names (runs, batch, max_steps) from uniforms (runs, batch, n_draws); see `batched.py`."""
    arrays = [_np(x) for x in _weights(params)] + [_np(_step_major(uniforms))]
    drawn = kernels.generator_sample(*arrays, forced)
    ids = torch.from_numpy(drawn).transpose(1, 2)  # (runs, batch, draws)
    return ids if forced else finish_names(ids)
