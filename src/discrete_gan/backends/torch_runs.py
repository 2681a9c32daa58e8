"""Many independent runs as one model: each parameter gets a leading `runs` dimension.

The models of `model/networks.py`, rewritten as functions of stacked parameters. Every operation is
either elementwise or a batched matmul over `runs`, so run k's numbers never mix with run j's,
and per-operation overhead, which dominates such tiny LSTMs, is paid once for all runs.
Parameters keep the `state_dict` names and layouts of `model/networks.py` (plus the `runs`
dimension).
Activations are feature-major, `(runs, features, steps * batch)`, as in `lstm.py`.
"""

from __future__ import annotations

import torch

from discrete_gan.backends import Backend, Params, gumbel_softmax
from discrete_gan.backends.lstm import lstm_sampler, lstm_scan
from discrete_gan.data.vocab import START_ID
from discrete_gan.model.networks import (
    B_HH,
    B_IH,
    OUT_B,
    OUT_W,
    W_HH,
    W_IH,
    draw_symbol,
    finish_names,
    output_log_probs,
    up_to_first_end,
)
from discrete_gan.model.objectives import discriminator_loss, discriminator_loss_log_sigmoid


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
    bias = params[B_IH] + params[B_HH]  # (runs, 4H)
    return params[W_IH] + bias.unsqueeze(-1)


def _scan(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """Hidden states (runs, H, steps * batch) of the LSTM over ids (runs, steps, batch)."""
    tokens = ids.transpose(0, 1).contiguous()  # (steps, runs, batch)
    return lstm_scan(_input_table(params), params[W_HH], tokens)


def end_id(params: Params) -> int:
    """The end symbol `$` of a generator's vocabulary: its last output."""
    return params[OUT_W].shape[1] - 1


def _linear(params: Params, h: torch.Tensor) -> torch.Tensor:
    """The output layer: h (runs, H, n) -> (runs, out, n)."""
    return torch.baddbmm(params[OUT_B].unsqueeze(-1), params[OUT_W], h)


def discriminator_logits(params: Params, ids: torch.Tensor) -> torch.Tensor:
    """Logits (runs, batch) of symbol sequences ids (runs, steps, batch)."""
    batch = ids.shape[2]
    return _linear(params, _scan(params, ids)[:, :, -batch:]).squeeze(1)


def discriminator_step(
    params: Params,
    real: torch.Tensor,
    fake: torch.Tensor,
    log_sigmoid: bool = False,
    divisor: int | None = None,
):
    """The discriminator loss (runs,) on real and fake ids (runs, steps, batch), detached, and
    its gradients {name: (runs, ...)}; run r's gradients are those of run r's loss. The loss is
    computed from logits, or as the paper's code computes it if `log_sigmoid`; its sums are
    divided by the batch size, or by `divisor` (see `objectives.discriminator_loss`)."""
    if real.shape[1] == fake.shape[1]:  # one pass over both
        logits = discriminator_logits(params, torch.cat([real, fake], dim=2))
        real_logits, fake_logits = logits[:, : real.shape[2]], logits[:, real.shape[2] :]
    else:  # sequences of different lengths (the paper_code variant)
        real_logits = discriminator_logits(params, real)
        fake_logits = discriminator_logits(params, fake)
    loss_fn = discriminator_loss_log_sigmoid if log_sigmoid else discriminator_loss
    loss = loss_fn(real_logits, fake_logits, divisor)
    grads = torch.autograd.grad(loss.sum(), list(params.values()))
    return loss.detach(), dict(zip(params, grads))


def generator_log_likelihood(
    params: Params, ids: torch.Tensor, whole: bool = False, ban_start: bool = True
):
    """log P_G (runs, batch) of `$`-padded names ids (runs, steps, batch), by teacher forcing:
    the log output probabilities of each name's symbols up to and including its first `$`, or
    of every symbol if `whole`; the start symbol is an output too unless `ban_start`."""
    runs, steps, batch = ids.shape
    start = torch.full_like(ids[:, :1], START_ID)
    hidden = _scan(params, torch.cat([start, ids[:, :-1]], dim=1))  # (runs, H, steps*batch)
    logits = _linear(params, hidden)  # (runs, vocab, steps*batch)
    log_probs = output_log_probs(logits, dim=1, ban_start=ban_start)
    step_log_p = log_probs.gather(1, ids.reshape(runs, 1, steps * batch)).view(ids.shape)
    if whole:
        return step_log_p.sum(1)
    return step_log_p.where(up_to_first_end(ids, 1, end_id(params)) > 0, 0.0).sum(1)


def generator_log_likelihood_vjp(
    params: Params, ids: torch.Tensor, whole: bool = False, ban_start: bool = True
):
    """log P_G (runs, batch), detached, and `pullback(grad_log_p) -> {name: gradient}` of
    sum(grad_log_p * log P_G) w.r.t. the parameters."""
    log_p = generator_log_likelihood(params, ids, whole, ban_start)

    def pullback(grad_log_p: torch.Tensor) -> dict[str, torch.Tensor]:
        return dict(zip(params, torch.autograd.grad(log_p, list(params.values()), grad_log_p)))

    return log_p.detach(), pullback


@torch.no_grad()
def generator_sample(
    params: Params,
    uniforms: torch.Tensor,
    forced: bool = False,
    stop: bool = True,
    ban_start: bool = True,
) -> torch.Tensor:
    """Sample names (runs, steps, batch) with uniforms (runs, n_draws, batch).

    The same rule as `models.Generator.sample`: unforced draws n_draws symbols, pads after the
    first `$` and appends `$` (steps = n_draws + 1); forced bans `$` (steps = n_draws);
    without `stop`, the drawn symbols are kept as they are (steps = n_draws).
    """
    runs, n_draws, batch = uniforms.shape
    step = lstm_sampler(_input_table(params), params[W_HH])
    hidden = params[W_HH].shape[2]
    token = torch.full((runs, batch), START_ID, dtype=torch.long, device=uniforms.device)
    h = c = uniforms.new_zeros(runs, hidden, batch)
    drawn = []
    for t in range(n_draws):
        h, c = step(token, h, c)
        logits = _linear(params, h).transpose(1, 2)  # (runs, batch, vocab)
        token = draw_symbol(logits, uniforms[:, t], forced, ban_start)
        drawn.append(token)
    ids = torch.stack(drawn, dim=2)  # (runs, batch, n_draws)
    return (finish_names(ids, end_id(params)) if stop and not forced else ids).transpose(1, 2)


def relaxed_sample(params: Params, uniforms: torch.Tensor, tau: float):
    """Straight-through Gumbel-softmax names ids (runs, steps, batch) of the generator `params`
    with uniforms (runs, n_draws, batch, vocab), and the samples themselves (runs, steps, batch,
    vocab), differentiable in `params` (see `gumbel_softmax.relaxed_sample`)."""
    samples = gumbel_softmax.relaxed_sample(params, uniforms, tau)
    return gumbel_softmax.hard_ids(samples), samples


def relaxed_logits_vjp(params: Params, generator: Params, samples: torch.Tensor):
    """The logits (runs, batch) of the discriminator `params` on samples from `relaxed_sample`,
    detached, and `pullback(grad_logits) -> {name: gradient}` of sum(grad_logits * logits)
    w.r.t. the generator's parameters, by autograd through the samples."""
    logits = gumbel_softmax.discriminator_logits(params, samples)

    def pullback(grad_logits: torch.Tensor) -> dict[str, torch.Tensor]:
        grads = torch.autograd.grad(logits, list(generator.values()), grad_logits)
        return dict(zip(generator, grads))

    return logits.detach(), pullback


BACKEND = Backend(
    "torch",
    discriminator_logits,
    discriminator_step,
    generator_log_likelihood,
    generator_log_likelihood_vjp,
    generator_sample,
    relaxed_sample,
    relaxed_logits_vjp,
)
