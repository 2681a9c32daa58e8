"""Fast ways to train many runs at once, tested equal to `model/`. A newcomer may skip this
room: the trainer sees only the `Backend` interface below.

Two backends implement it on networks whose parameters are stacked along a leading `runs`
dimension (`{name: (runs, ...)}`, named as the `state_dict` of `model/networks.py`):
`torch_runs` (PyTorch, any device and dtype) and `numba_runs` (numba kernels, `kernels`,
`tiles`; CPU float32, many times faster). `gumbel_softmax` holds the relaxed sampling of the
Gumbel-softmax method in PyTorch (the torch backend's), `gumbel_kernels` the same on numba
kernels (the numba backend's), `lstm` a single-run LSTM that the tests compare everything with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch

# Stacked parameters {name: (runs, ...)}, named as the `state_dict`s of `model/networks.py`.
Params = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Backend:
    """The batched model functions a trainer calls. Symbol ids are step-major,
    (runs, steps, batch); every function treats each run on its own."""

    name: str
    # (params, ids) -> logits of "real" (runs, batch)
    discriminator_logits: Callable
    # (params, real ids, fake ids, log_sigmoid, divisor) -> loss (runs,), grads {name: (runs, ...)}
    discriminator_step: Callable
    # (params, ids, whole, ban_start) -> log P_G (runs, batch), differentiable
    generator_log_likelihood: Callable
    # (params, ids, whole, ban_start) -> log P_G detached, pullback(grad_log_p) -> grads
    generator_log_likelihood_vjp: Callable
    # (params, uniforms (runs, draws, batch), forced, stop, ban_start) -> ids
    generator_sample: Callable
    # (params, uniforms (runs, draws, batch, vocab), tau) -> straight-through Gumbel-softmax
    # names, ids (runs, steps, batch), and the samples as relaxed_logits_vjp takes them
    relaxed_sample: Callable
    # (params, generator params, samples) -> logits (runs, batch) of the samples, detached, and
    # pullback(grad_logits) -> the generator's grads {name: (runs, ...)} through the samples
    relaxed_logits_vjp: Callable
    # an Adam class over a flat parameter tensor to use instead of torch.optim.Adam, if any
    adam: type | None = None
    # generator objectives' closed forms (value_and_grad) that the backend computes natively
    objective_kernels: Mapping[Callable, Callable] = field(default_factory=dict)
