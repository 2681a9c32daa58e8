"""Straight-through Gumbel-softmax sampling (Kusner & Hernandez-Lobato 2016), for many runs.

The `gumbel` method differentiates through sampling instead of estimating the gradient: each
step's symbol is `argmax(logits + g)` with Gumbel noise `g`, fed forward as a one-hot vector,
while gradients flow through the relaxed `softmax((logits + g) / tau)` (straight-through). The
generator's next input and the discriminator's input are these vectors, so the discriminator's
verdict on a sample is differentiable in the generator's parameters. Plain PyTorch autograd on
stacked parameters (runs, ...) with the `state_dict` names of `model/networks.py`; batch-major
activations (runs, batch, features). Positions after a sample's first `$` are constant `$`
vectors, as in the other samplers. The torch backend trains with these functions
(`torch_runs.relaxed_sample`), and they are the reference that the numba backend's kernels
(`gumbel_kernels.py`) are tested against.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from discrete_gan.backends import Params
from discrete_gan.data.vocab import START_ID
from discrete_gan.model.networks import B_HH, B_IH, OUT_B, OUT_W, W_HH, W_IH

# Uniforms are clamped into [_TINY, 1 - _TINY] so that the Gumbel noise stays finite.
_TINY = 1e-10


def gumbel_noise(uniforms: torch.Tensor) -> torch.Tensor:
    """Gumbel(0, 1) noise `-log(-log u)` from uniforms in [0, 1)."""
    return -torch.log(-torch.log(uniforms.clamp(_TINY, 1 - _TINY)))


def straight_through(logits: torch.Tensor, noise: torch.Tensor, tau: float) -> torch.Tensor:
    """One-hot `argmax(logits + noise)` in the forward pass whose gradient is that of the
    relaxed sample `softmax((logits + noise) / tau)`; shape (..., vocab)."""
    soft = ((logits + noise) / tau).softmax(-1)
    hard = F.one_hot(soft.argmax(-1), logits.shape[-1]).to(soft.dtype)
    return hard + soft - soft.detach()


def _lstm_cell(params: Params, x, h, c):
    """One LSTM step on inputs x (runs, batch, vocab) and state h, c (runs, batch, H)."""
    bias = (params[B_IH] + params[B_HH]).unsqueeze(1)  # (runs, 1, 4H)
    gates = torch.baddbmm(bias, x, params[W_IH].transpose(1, 2))
    gates = gates.baddbmm(h, params[W_HH].transpose(1, 2))  # (runs, batch, 4H)
    i, f, g, o = gates.chunk(4, dim=-1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _linear(params: Params, h: torch.Tensor) -> torch.Tensor:
    """The output layer: h (runs, batch, H) -> (runs, batch, out)."""
    return torch.baddbmm(params[OUT_B].unsqueeze(1), h, params[OUT_W].transpose(1, 2))


def relaxed_sample(params: Params, uniforms: torch.Tensor, tau: float) -> torch.Tensor:
    """Straight-through samples (runs, steps, batch, vocab) of the generator `params` with
    uniforms (runs, n_draws, batch, vocab); steps = n_draws + 1, the last symbol always `$`.

    Their argmax is a name in the same format as `batched.generator_sample`'s (`$`-padded)."""
    runs, n_draws, batch, vocab = uniforms.shape
    hidden, end_id = params[W_HH].shape[2], vocab - 1  # `$` is the last symbol
    dtype, device = params[OUT_W].dtype, uniforms.device
    end = F.one_hot(torch.tensor(end_id, device=device), vocab).to(dtype)  # (vocab,)
    x = F.one_hot(torch.tensor(START_ID, device=device), vocab).to(dtype).expand(runs, batch, -1)
    h = c = torch.zeros(runs, batch, hidden, dtype=dtype, device=device)
    ended = torch.zeros(runs, batch, 1, dtype=torch.bool, device=device)
    drawn = []
    for t in range(n_draws):
        h, c = _lstm_cell(params, x, h, c)
        logits = _linear(params, h)  # (runs, batch, vocab)
        logits = logits.index_fill(-1, torch.tensor([START_ID], device=device), -torch.inf)
        x = torch.where(ended, end, straight_through(logits, gumbel_noise(uniforms[:, t]), tau))
        ended = ended | (x[..., end_id : end_id + 1] > 0.5)
        drawn.append(x)
    drawn.append(end.expand(runs, batch, vocab))
    return torch.stack(drawn, dim=1)  # (runs, steps, batch, vocab)


def discriminator_logits(params: Params, x: torch.Tensor) -> torch.Tensor:
    """Logits (runs, batch) of the discriminator `params` on symbol vectors x (runs, steps,
    batch, vocab): one-hot or relaxed, differentiable in both."""
    runs, steps, batch, _ = x.shape
    hidden = params[W_HH].shape[2]
    h = c = x.new_zeros(runs, batch, hidden)
    for t in range(steps):
        h, c = _lstm_cell(params, x[:, t], h, c)
    return _linear(params, h).squeeze(-1)


def temperature_at(epoch: int, epochs: int, start: float, end: float) -> float:
    """The Gumbel-softmax temperature of `epoch`: geometric from `start` (first epoch) to `end`
    (last epoch)."""
    if epochs <= 1:
        return end
    return start * (end / start) ** (epoch / (epochs - 1))


def hard_ids(samples: torch.Tensor) -> torch.Tensor:
    """The symbol ids (runs, steps, batch) of straight-through samples (runs, steps, batch,
    vocab)."""
    return samples.detach().argmax(-1)
