"""CPU kernels for many small LSTM runs, compiled with numba.

With hidden size 8, PyTorch on the CPU spends its time on per-operation overhead and memory
traffic, not arithmetic. These kernels instead walk each run's sequences in tiles of `TILE`
lanes, keeping a tile's states in small local arrays, and parallelise over runs (`prange`).
Run r only ever reads and writes index r, so runs stay independent.

Layouts (float32, C-contiguous), as the `state_dict`s of `model/networks.py` plus a leading `runs`
dimension: `w_ih` (runs, 4H, vocab), `w_hh` (runs, 4H, H), `b_ih`, `b_hh` (runs, 4H), `out_w`
(runs, out, H), `out_b` (runs, out). Symbol ids are step-major, (runs, steps, batch) int64, so
a tile's lanes are contiguous. Each run's one-hot input weights and both biases are first
summed into one lookup table (4H, vocab). Gate order as in `torch.nn.LSTM`: input, forget,
cell, output. The per-tile building blocks are in `tiles.py`; `tests/test_kernels.py` checks
every kernel against PyTorch.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from discrete_gan.backends.tiles import (
    ONE,
    TILE,
    buffers,
    forward_tile,
    linear_backward,
    load_mask,
    load_tokens,
    lookup_table,
    lstm_step,
    lstm_step_backward,
    softmax_terms,
)
from discrete_gan.data.vocab import START_ID

kernel = nb.njit(fastmath=True, cache=True, error_model="numpy", parallel=True)


@kernel
def input_grads(d_table_t):
    """The lookup table's gradient (runs, vocab, 4H), accumulated transposed for cheap
    per-lane updates, as the gradients of w_ih (runs, 4H, vocab) and of each bias (runs, 4H)."""
    runs, vocab, four_h = d_table_t.shape
    d_w_ih = np.empty((runs, four_h, vocab), np.float32)
    d_bias = np.zeros((runs, four_h), np.float32)
    for r in nb.prange(runs):
        for v in range(vocab):
            for j in range(four_h):
                d_w_ih[r, j, v] = d_table_t[r, v, j]
                d_bias[r, j] += d_table_t[r, v, j]
    return d_w_ih, d_bias


@kernel
def discriminator_logits(w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids):
    """Logits (runs, batch) of the final hidden state through the linear layer."""
    runs, steps, batch = ids.shape
    four_h, hidden = w_ih.shape[1], w_hh.shape[2]
    logits = np.empty((runs, batch), np.float32)
    for r in nb.prange(runs):
        table = lookup_table(w_ih[r], b_ih[r], b_hh[r])
        act, c, tc, h, tok = buffers(steps, four_h, hidden)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            load_tokens(ids[r], b0, n, tok, False)
            forward_tile(table, w_hh[r], tok, n, act, c, tc, h)
            for lane in range(n):
                acc = out_b[r, 0]
                for k in range(hidden):
                    acc += out_w[r, 0, k] * h[steps, k, lane]
                logits[r, b0 + lane] = acc
    return logits


@kernel
def discriminator_grads(w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids, grad_logits, logits, n_real):
    """Gradients w.r.t. w_ih, w_hh, b_ih, b_hh, out_w and out_b.

    With n_real < 0: of sum(grad_logits * logits), grad_logits given. With n_real >= 0: of the
    discriminator loss `mean softplus(-l_real) + mean softplus(l_fake)`, where the first n_real
    sequences are real; grad_logits is then filled in with dLoss/dlogits. Either way the
    logits are written into `logits`, so one pass serves a whole discriminator step.
    """
    runs, steps, batch = ids.shape
    runs, four_h, vocab = w_ih.shape
    hidden = w_hh.shape[2]
    d_table_t = np.zeros((runs, vocab, four_h), np.float32)
    d_w_hh = np.zeros_like(w_hh)
    d_out_w, d_out_b = np.zeros_like(out_w), np.zeros_like(out_b)
    for r in nb.prange(runs):
        table = lookup_table(w_ih[r], b_ih[r], b_hh[r])
        act, c, tc, h, tok = buffers(steps, four_h, hidden)
        dh, dc = np.empty((hidden, TILE), np.float32), np.empty((hidden, TILE), np.float32)
        dpre = np.empty((four_h, TILE), np.float32)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            load_tokens(ids[r], b0, n, tok, False)
            forward_tile(table, w_hh[r], tok, n, act, c, tc, h)
            for lane in range(n):
                col = b0 + lane
                logit = out_b[r, 0]
                for k in range(hidden):
                    logit += out_w[r, 0, k] * h[steps, k, lane]
                logits[r, col] = logit
                if (
                    n_real >= 0
                ):  # d softplus(-l) / dl = sigmoid(l) - 1; d softplus(l) / dl = sigmoid(l)
                    prob = ONE / (ONE + math.exp(-logit))
                    real = col < n_real
                    grad_logits[r, col] = (prob - ONE) / n_real if real else prob / (batch - n_real)
                g = grad_logits[r, col]
                d_out_b[r, 0] += g
                for k in range(hidden):
                    d_out_w[r, 0, k] += g * h[steps, k, lane]
                    dh[k, lane] = g * out_w[r, 0, k]
                    dc[k, lane] = 0
            for t in range(steps - 1, -1, -1):
                lstm_step_backward(
                    w_hh[r],
                    tok[t],
                    n,
                    act[t],
                    c[t],
                    tc[t],
                    h[t],
                    dh,
                    dc,
                    dpre,
                    d_table_t[r],
                    d_w_hh[r],
                )
    d_w_ih, d_bias = input_grads(d_table_t)
    return d_w_ih, d_w_hh, d_bias, d_bias.copy(), d_out_w, d_out_b


@kernel
def generator_log_likelihood(w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids, saved, whole, ban_start):
    """log P_G (runs, batch) of `$`-padded names ids by teacher forcing: the sum of the log
    output probabilities of each name's symbols up to and including its first `$` (of every
    symbol if `whole`); the start symbol has output probability zero if `ban_start`.

    `saved` (from `generator_saved_states`) receives every step's LSTM states and softmax
    terms, which `generator_log_likelihood_grads` reads instead of running the forward again.
    """
    acts, cs, tcs, hs, exps, totals = saved
    runs, steps, batch = ids.shape
    vocab = out_w.shape[1]
    log_p = np.zeros((runs, batch), np.float32)
    for r in nb.prange(runs):
        table = lookup_table(w_ih[r], b_ih[r], b_hh[r])
        tok = np.empty((steps, TILE), np.uint8)
        mask = np.empty((steps, TILE), np.float32)
        logits = np.empty((vocab, TILE), np.float32)
        for tile in range(acts.shape[1]):
            b0 = tile * TILE
            n = min(TILE, batch - b0)
            act, c, tc, h = acts[r, tile], cs[r, tile], tcs[r, tile], hs[r, tile]
            c[0], h[0] = 0, 0
            load_tokens(ids[r], b0, n, tok, True)
            load_mask(ids[r], b0, n, mask, whole, vocab - 1)
            forward_tile(table, w_hh[r], tok, n, act, c, tc, h)
            for t in range(steps):
                e, total = exps[r, tile, t], totals[r, tile, t]
                softmax_terms(out_w[r], out_b[r], h[t + 1], n, logits, e, total, -1, ban_start)
                for lane in range(n):
                    lse = e[vocab, lane] + math.log(total[lane])
                    term = logits[ids[r, t, b0 + lane], lane] - lse
                    log_p[r, b0 + lane] += mask[t, lane] * term
    return log_p


def generator_saved_states(runs, steps, batch, four_h, hidden, vocab):
    """Arrays for the forward states of `generator_log_likelihood`, per run and tile."""
    tiles = (batch + TILE - 1) // TILE
    lead = (runs, tiles)
    return (
        np.empty((*lead, steps, four_h, TILE), np.float32),  # activated gates
        np.empty((*lead, steps + 1, hidden, TILE), np.float32),  # c, from the initial state
        np.empty((*lead, steps, hidden, TILE), np.float32),  # tanh(c)
        np.empty((*lead, steps + 1, hidden, TILE), np.float32),  # h, from the initial state
        np.empty((*lead, steps, vocab + 1, TILE), np.float32),  # exp(logit - max), and max
        np.empty((*lead, steps, TILE), np.float32),  # sum of the exps
    )


@kernel
def generator_log_likelihood_grads(
    w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids, grad_log_p, saved, whole
):
    """Gradients of sum(grad_log_p * log_p) w.r.t. w_ih, w_hh, b_ih, b_hh, out_w and out_b,
    from the states that `generator_log_likelihood` saved (with the same `whole`)."""
    acts, cs, tcs, hs, exps_all, totals = saved
    runs, steps, batch = ids.shape
    runs, four_h, vocab = w_ih.shape
    hidden = w_hh.shape[2]
    d_table_t = np.zeros((runs, vocab, four_h), np.float32)
    d_w_hh = np.zeros_like(w_hh)
    d_out_w, d_out_b = np.zeros_like(out_w), np.zeros_like(out_b)
    for r in nb.prange(runs):
        tok = np.empty((steps, TILE), np.uint8)
        mask = np.empty((steps, TILE), np.float32)
        d_logits = np.empty((vocab, TILE), np.float32)
        dh, dc = np.zeros((hidden, TILE), np.float32), np.zeros((hidden, TILE), np.float32)
        dpre, coef = np.empty((four_h, TILE), np.float32), np.empty(TILE, np.float32)
        for tile in range(acts.shape[1]):
            b0 = tile * TILE
            n = min(TILE, batch - b0)
            act, c, tc, h = acts[r, tile], cs[r, tile], tcs[r, tile], hs[r, tile]
            load_tokens(ids[r], b0, n, tok, True)
            load_mask(ids[r], b0, n, mask, whole, vocab - 1)
            dh[:], dc[:] = 0, 0
            for t in range(steps - 1, -1, -1):
                exps, total = exps_all[r, tile, t], totals[r, tile, t]
                for lane in range(n):
                    coef[lane] = grad_log_p[r, b0 + lane] * mask[t, lane] / total[lane]
                for v in range(vocab):  # dLoss/dlogits = coef * (onehot - softmax)
                    row, e_row = d_logits[v], exps[v]
                    for lane in range(n):
                        row[lane] = -coef[lane] * e_row[lane]
                for lane in range(n):
                    d_logits[ids[r, t, b0 + lane], lane] += coef[lane] * total[lane]
                linear_backward(out_w[r], h[t + 1], d_logits, n, d_out_w[r], d_out_b[r], dh)
                lstm_step_backward(
                    w_hh[r],
                    tok[t],
                    n,
                    act[t],
                    c[t],
                    tc[t],
                    h[t],
                    dh,
                    dc,
                    dpre,
                    d_table_t[r],
                    d_w_hh[r],
                )
    d_w_ih, d_bias = input_grads(d_table_t)
    return d_w_ih, d_w_hh, d_bias, d_bias.copy(), d_out_w, d_out_b


@kernel
def generator_sample(w_ih, w_hh, b_ih, b_hh, out_w, out_b, uniforms, forced, stop, ban_start):
    """Names (runs, steps, batch) drawn by inverse CDF with uniforms (runs, draws, batch).

    As `models.Generator.sample`: unforced, draws symbols until `$` (later positions are `$`)
    and ends every name with `$` (steps = draws + 1); forced, `$` has probability zero and
    steps = draws letters. Unforced without `stop`, every drawn symbol is kept, letters after
    a `$` too, and steps = draws. Without `ban_start`, `.` can be drawn too.
    """
    runs, draws, batch = uniforms.shape
    four_h, hidden, vocab = w_ih.shape[1], w_hh.shape[2], out_w.shape[1]
    end = vocab - 1  # `$`, the last symbol
    finish = stop and not forced
    ids = np.full((runs, draws + (1 if finish else 0), batch), end, np.int64)
    banned, last = (end, end - 1) if forced else (-1, end)
    first = START_ID + 1 if ban_start else START_ID
    for r in nb.prange(runs):
        table = lookup_table(w_ih[r], b_ih[r], b_hh[r])
        ended = np.empty(TILE, np.bool_)
        act, c, tc, h, tok = buffers(1, four_h, hidden)
        logits = np.empty((vocab, TILE), np.float32)
        exps = np.empty((vocab + 1, TILE), np.float32)
        total, cdf = np.empty(TILE, np.float32), np.empty(TILE, np.float32)
        count = np.empty(TILE, np.int64)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            h[0], c[0], tok[0], ended[:] = 0, 0, START_ID, False
            for t in range(draws):
                lstm_step(table, w_hh[r], tok[0], n, h[0], c[0], act[0], c[1], tc[0], h[1])
                h[0], c[0] = h[1], c[1]
                softmax_terms(out_w[r], out_b[r], h[0], n, logits, exps, total, banned, ban_start)
                # symbol = number of cumulative probabilities below the uniform (inverse CDF),
                # in units of the unnormalised exps
                for lane in range(n):
                    cdf[lane], count[lane] = 0, 0
                    total[lane] *= uniforms[r, t, b0 + lane]
                for v in range(vocab):
                    for lane in range(n):
                        cdf[lane] += exps[v, lane]
                        count[lane] += cdf[lane] < total[lane]
                for lane in range(n):
                    # as models.draw_symbol: never a banned `.`, nor past the last allowed one
                    symbol = max(min(count[lane], last), first)
                    tok[0, lane] = symbol
                    ended[lane] |= finish and symbol == end
                    ids[r, t, b0 + lane] = end if ended[lane] else symbol
                if finish and ended[:n].all():
                    break  # every name of the tile has ended: the rest stays `$`
    return ids


@kernel
def subnormal_probe(tiny, n):
    """Per parallel iteration, `tiny * tiny` and the id of the thread that computed it: with
    tiny = 1e-20 the product is the subnormal 1e-40, or 0 where subnormals are flushed."""
    products = np.empty(n, np.float32)
    threads = np.empty(n, np.int64)
    for i in nb.prange(n):
        products[i] = tiny[i] * tiny[i]
        threads[i] = nb.get_thread_id()
    return products, threads


serial = nb.njit(fastmath=False, cache=True, error_model="numpy")


@serial
def adam_step(param, grad, m, v, lr, beta1, beta2, eps, step):
    """One Adam step in place on flat float32 arrays, as `torch.optim.Adam` (no weight decay):
    moments m and v, bias corrections of step `step` (1-based)."""
    correction1 = 1.0 - beta1**step
    correction2_sqrt = math.sqrt(1.0 - beta2**step)
    step_size = lr / correction1
    for i in range(param.size):
        g = grad[i]
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        param[i] -= step_size * m[i] / (math.sqrt(v[i]) / correction2_sqrt + eps)


@serial
def is_gan_value_and_grad(logits, log_p, cutoff):
    """The paper's loss `log N - logsumexp_i(log softplus(l_i) + log p_i)` (runs,) and its
    gradient `-softmax_i(...)` (runs, N) w.r.t. log_p, as `objectives.is_gan_value_and_grad`
    (float64 inside); below `cutoff`, log softplus(l) is taken as l."""
    runs, n = logits.shape
    loss = np.empty(runs, np.float32)
    grad = np.empty((runs, n), np.float32)
    terms = np.empty(n, np.float64)
    for r in range(runs):
        top = -np.inf
        for i in range(n):
            x = np.float64(logits[r, i])
            if x < cutoff:
                log_w = x
            else:  # log(softplus(x)), softplus computed stably
                log_w = math.log(max(x, 0.0) + math.log1p(math.exp(-abs(x))))
            terms[i] = log_w + log_p[r, i]
            top = max(top, terms[i])
        total = 0.0
        for i in range(n):
            terms[i] = math.exp(terms[i] - top)
            total += terms[i]
        loss[r] = math.log(n) - (top + math.log(total))
        for i in range(n):
            grad[r, i] = -terms[i] / total
    return loss, grad
