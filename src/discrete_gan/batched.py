"""Many independent runs as one model: each parameter gets a leading `runs` dimension.

The models of `models.py`, rewritten as functions of stacked parameters. Every operation is
either elementwise or a batched matmul over `runs`, so run k's numbers never mix with run j's,
and per-operation overhead, which dominates such tiny LSTMs, is paid once for all runs.
Parameters keep the `state_dict` names and layouts of `models.py` (plus the `runs` dimension).
Activations are feature-major, `(runs, features, steps * batch)`, as in `lstm.py`.
"""

from __future__ import annotations

import torch

from .lstm import lstm_sampler, lstm_scan
from .models import draw_symbol, finish_names, output_log_probs
from .objectives import discriminator_loss
from .vocab import START_ID

Params = dict[str, torch.Tensor]


def stack_states(states: list[dict[str, torch.Tensor]], device, dtype) -> Params:
    """Stack per-run state_dicts into leaf tensors (runs, ...) that require grad."""
    return {
        key: torch.stack([s[key] for s in states]).to(device, dtype).requires_grad_()
        for key in states[0]
    }


def unstack_state(params: Params, run: int) -> dict[str, torch.Tensor]:
    """The state_dict of one run, as float32 CPU tensors."""
    return {k: v[run].detach().to("cpu", torch.float32).clone() for k, v in params.items()}


def _input_table(params: Params) -> torch.Tensor:
    """Input weights plus both LSTM biases, per symbol: (runs, 4H, vocab)."""
    bias = params["lstm.bias_ih_l0"] + params["lstm.bias_hh_l0"]  # (runs, 4H)
    return params["lstm.weight_ih_l0"] + bias.unsqueeze(-1)


def _step_major(ids: torch.Tensor) -> torch.Tensor:
    """(runs, batch, steps) -> (steps, runs, batch)."""
    return ids.permute(2, 0, 1).contiguous()


def _scan(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """Hidden states (runs, H, steps * batch) of the LSTM over ids (runs, batch, steps)."""
    return lstm_scan(_input_table(params), params["lstm.weight_hh_l0"], _step_major(ids))


def _linear(params: Params, h: torch.Tensor) -> torch.Tensor:
    """The output layer: h (runs, H, n) -> (runs, out, n)."""
    return torch.baddbmm(params["out.bias"].unsqueeze(-1), params["out.weight"], h)


def discriminator_logits(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """Logits (runs, batch) of symbol sequences ids (runs, batch, steps)."""
    batch = ids.shape[1]
    return _linear(params, _scan(params, ids)[:, :, -batch:]).squeeze(1)


def discriminator_loss_on(params: Params, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The discriminator loss (runs,) on real and fake ids (runs, batch, steps)."""
    logits = discriminator_logits(params, torch.cat([real, fake], dim=1))
    return discriminator_loss(logits[:, : real.shape[1]], logits[:, real.shape[1] :])


def generator_log_likelihood(params: Params, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """log P_G (runs, batch) of `$`-padded names ids (runs, batch, steps).

    `mask` (runs, batch, steps) marks the positions up to and including the first `$`.
    """
    runs, batch, steps = ids.shape
    start = torch.full_like(ids[:, :, :1], START_ID)
    hidden = _scan(params, torch.cat([start, ids[:, :, :-1]], dim=2))  # (runs, H, steps*batch)
    log_probs = output_log_probs(_linear(params, hidden), dim=1)  # (runs, vocab, steps*batch)
    targets = ids.transpose(1, 2).reshape(runs, 1, steps * batch)
    step_log_p = log_probs.gather(1, targets).view(runs, steps, batch)
    return step_log_p.where(mask.transpose(1, 2) > 0, 0.0).sum(1)


@torch.no_grad()
def generator_sample(params: Params, uniforms: torch.Tensor, forced: bool = False) -> torch.Tensor:
    """Sample names (runs, batch, max_steps) with uniforms (runs, batch, n_draws).

    The same rule as `models.Generator.sample`: unforced draws max_steps - 1 symbols and ends
    with `$`; forced bans `$` and draws max_steps letters.
    """
    runs, batch, n_draws = uniforms.shape
    step = lstm_sampler(_input_table(params), params["lstm.weight_hh_l0"])
    hidden = params["lstm.weight_hh_l0"].shape[2]
    token = torch.full((runs, batch), START_ID, dtype=torch.long, device=uniforms.device)
    h = c = uniforms.new_zeros(runs, hidden, batch)
    drawn = []
    for t in range(n_draws):
        h, c = step(token, h, c)
        logits = _linear(params, h).transpose(1, 2)  # (runs, batch, vocab)
        token = draw_symbol(logits, uniforms[:, :, t], forced)
        drawn.append(token)
    ids = torch.stack(drawn, dim=2)  # (runs, batch, n_draws)
    return ids if forced else finish_names(ids)
