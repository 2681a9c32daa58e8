"""CPU kernels for many small LSTM runs, compiled with numba.

With hidden size 8, PyTorch on the CPU spends its time on per-operation overhead and memory
traffic, not arithmetic. These kernels instead walk each run's sequences in tiles of `TILE`
lanes, keeping a tile's states in small local arrays, and parallelise over runs (`prange`).
Run r only ever reads and writes index r, so runs stay independent.

Layouts (float32, C-contiguous), as the `state_dict`s of `models.py` plus a leading `runs`
dimension: `w_ih` (runs, 4H, vocab), `w_hh` (runs, 4H, H), `b_ih`, `b_hh` (runs, 4H), `out_w`
(runs, out, H), `out_b` (runs, out). Symbol ids are step-major, (runs, steps, batch) int64, so
a tile's lanes are contiguous. Each run's one-hot input weights and both biases are first
summed into one lookup table (4H, vocab). Gate
order as in `torch.nn.LSTM`: input, forget, cell, output. tanh and sigmoid use a rational
approximation (accurate to a few float32 ulps) that the compiler can vectorise;
`tests/test_kernels.py` checks every kernel against PyTorch.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .vocab import END_ID, START_ID

TILE = 128  # lanes processed together; loops over lanes are what the compiler vectorises
_f = np.float32
_CLAMP = _f(7.90531110763549805)
_A = [_f(c) for c in (4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
                      5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
                      -2.76076847742355e-16)]  # fmt: skip
_B = [_f(c) for c in (4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
                      1.19825839466702e-06)]  # fmt: skip
A1, A3, A5, A7, A9, A11, A13 = _A
B0, B2, B4, B6 = _B
HALF, ONE = _f(0.5), _f(1.0)
_EXP_ZERO_BELOW = _f(-17.0)
kernel = nb.njit(fastmath=True, cache=True, error_model="numpy", parallel=True)
inline = nb.njit(fastmath=True, cache=True, inline="always", error_model="numpy")


@inline
def _tanh(x):
    """tanh by a 13/6 rational approximation on [-7.9, 7.9] (float32 accurate)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = ((((((A13 * x2 + A11) * x2 + A9) * x2 + A7) * x2 + A5) * x2 + A3) * x2 + A1) * x
    q = ((B6 * x2 + B4) * x2 + B2) * x2 + B0
    return p / q


@inline
def _sigmoid(x):
    return HALF + HALF * _tanh(HALF * x)


@inline
def _exp_nonpositive(x):
    """exp(x) for x <= 0 via (1 + t) / (1 - t), t = tanh(x / 2); absolute error below 1e-7,
    and exactly 0 below -17 (where exp(x) < 5e-8), so banned symbols get probability 0."""
    t = _tanh(HALF * x)
    return (ONE + t) / (ONE - t) if x > _EXP_ZERO_BELOW else _f(0.0)


@inline
def _accumulate(out, w, x, n):
    """out[lane] += sum_k w[k] * x[k, lane] over the first n lanes, four k per pass, so `out`
    is read and written a quarter as often."""
    size, k = w.shape[0], 0
    while k + 4 <= size:
        w0, w1, w2, w3 = w[k], w[k + 1], w[k + 2], w[k + 3]
        x0, x1, x2, x3 = x[k], x[k + 1], x[k + 2], x[k + 3]
        for lane in range(n):
            out[lane] += w0 * x0[lane] + w1 * x1[lane] + w2 * x2[lane] + w3 * x3[lane]
        k += 4
    while k < size:
        wk, xk = w[k], x[k]
        for lane in range(n):
            out[lane] += wk * xk[lane]
        k += 1


@inline
def _outer_accumulate(grad, a, b, n):
    """grad[j, k] += sum over the first n lanes of a[j, lane] * b[k, lane]: a weight gradient
    summed over a tile, four k per pass over a[j]."""
    rows, cols = grad.shape
    for j in range(rows):
        a_j, k = a[j], 0
        while k + 4 <= cols:
            b0, b1, b2, b3 = b[k], b[k + 1], b[k + 2], b[k + 3]
            s0 = s1 = s2 = s3 = _f(0.0)
            for lane in range(n):
                x = a_j[lane]
                s0 += x * b0[lane]
                s1 += x * b1[lane]
                s2 += x * b2[lane]
                s3 += x * b3[lane]
            grad[j, k] += s0
            grad[j, k + 1] += s1
            grad[j, k + 2] += s2
            grad[j, k + 3] += s3
            k += 4
        while k < cols:
            b_k, acc = b[k], _f(0.0)
            for lane in range(n):
                acc += a_j[lane] * b_k[lane]
            grad[j, k] += acc
            k += 1


@inline
def _lstm_step(table, w_hh, tok, n, h_prev, c_prev, act, c, tc, h):
    """One LSTM step for n lanes: activated gates -> act (4H, TILE), new state -> c, h."""
    four_h = table.shape[0]
    hidden = four_h // 4
    for j in range(four_h):
        row, table_row = act[j], table[j]
        for lane in range(n):
            row[lane] = table_row[tok[lane]]
        _accumulate(row, w_hh[j], h_prev, n)
    # One array written per loop, so the compiler can vectorise each loop over the lanes.
    for j in range(four_h):
        if 2 * hidden <= j < 3 * hidden:
            for lane in range(n):
                act[j, lane] = _tanh(act[j, lane])
        else:
            for lane in range(n):
                act[j, lane] = _sigmoid(act[j, lane])
    for k in range(hidden):
        i, f, g, o = act[k], act[hidden + k], act[2 * hidden + k], act[3 * hidden + k]
        c_new, c_old, tanh_c, h_new = c[k], c_prev[k], tc[k], h[k]
        for lane in range(n):
            c_new[lane] = f[lane] * c_old[lane] + i[lane] * g[lane]
        for lane in range(n):
            tanh_c[lane] = _tanh(c_new[lane])
        for lane in range(n):
            h_new[lane] = o[lane] * tanh_c[lane]


@inline
def _lstm_step_backward(w_hh, tok, n, act, c_prev, tc, h_prev, dh, dc, dpre, d_table_t, d_w_hh):
    """Backpropagate one step: dh (H, TILE) is dLoss/dh_t, dc carries dLoss/dc_t and becomes
    dLoss/dc_{t-1}; accumulates d_table_t (the table's gradient, transposed) and d_w_hh;
    leaves dLoss/dh_{t-1} in dh."""
    four_h, hidden = w_hh.shape
    for k in range(hidden):
        i, f, g, o = act[k], act[hidden + k], act[2 * hidden + k], act[3 * hidden + k]
        d_i, d_f = dpre[k], dpre[hidden + k]
        d_g, d_o = dpre[2 * hidden + k], dpre[3 * hidden + k]
        t, d_h, d_c, c_old = tc[k], dh[k], dc[k], c_prev[k]
        for lane in range(n):  # d_c: dLoss/dc_t, through c_{t+1} and through h_t
            d_c[lane] += d_h[lane] * o[lane] * (ONE - t[lane] * t[lane])
        for lane in range(n):
            d_o[lane] = d_h[lane] * t[lane] * o[lane] * (ONE - o[lane])
        for lane in range(n):
            d_i[lane] = d_c[lane] * g[lane] * i[lane] * (ONE - i[lane])
        for lane in range(n):
            d_f[lane] = d_c[lane] * c_old[lane] * f[lane] * (ONE - f[lane])
        for lane in range(n):
            d_g[lane] = d_c[lane] * i[lane] * (ONE - g[lane] * g[lane])
        for lane in range(n):
            d_c[lane] *= f[lane]
    _outer_accumulate(d_w_hh, dpre, h_prev, n)
    for lane in range(n):  # d_table_t is (vocab, 4H): each lane adds to one contiguous row
        row = d_table_t[tok[lane]]
        for j in range(four_h):
            row[j] += dpre[j, lane]
    for k in range(hidden):
        for lane in range(n):
            dh[k, lane] = 0
        _accumulate(dh[k], w_hh[:, k], dpre, n)


@inline
def _softmax_terms(out_w, out_b, h, n, logits, exps, total, banned=-1):
    """logits (vocab, TILE) = out_w h + out_b; exps = exp(logits - max) and total = their sum
    per lane, so softmax = exps / total and log-sum-exp = max + log(total). The start symbol,
    only ever an input, and symbol `banned` (if any) get a logit of -1e30, i.e. probability
    zero: the output distribution of `models.output_log_probs`. `exps` has vocab + 1 rows:
    the last one receives the max per lane."""
    vocab, hidden = out_w.shape
    for v in range(vocab):
        row = logits[v]
        for lane in range(n):
            row[lane] = out_b[v]
        _accumulate(row, out_w[v], h, n)
    for lane in range(n):
        logits[START_ID, lane] = _f(-1e30)
    if banned >= 0:
        for lane in range(n):
            logits[banned, lane] = _f(-1e30)
    mx = exps[vocab]  # a spare row holds the max
    for lane in range(n):
        mx[lane] = logits[0, lane]
    for v in range(1, vocab):
        for lane in range(n):
            mx[lane] = max(mx[lane], logits[v, lane])
    for lane in range(n):
        total[lane] = 0
    for v in range(vocab):
        row, logit_row = exps[v], logits[v]
        for lane in range(n):
            row[lane] = _exp_nonpositive(logit_row[lane] - mx[lane])
        for lane in range(n):
            total[lane] += row[lane]


@inline
def _log_softmax_terms(out_w, out_b, h, n, logits, exps, lse):
    """As `_softmax_terms`, with lse (TILE,) = log-sum-exp of the logits per lane."""
    _softmax_terms(out_w, out_b, h, n, logits, exps, lse)
    mx = exps[logits.shape[0]]
    for lane in range(n):
        lse[lane] = mx[lane] + math.log(lse[lane])


@inline
def _buffers(steps, four_h, hidden):
    """Per-thread state of one tile for every step; c[0] = h[0] = 0 is the initial state."""
    act = np.empty((steps, four_h, TILE), np.float32)
    c = np.zeros((steps + 1, hidden, TILE), np.float32)
    tc = np.empty((steps, hidden, TILE), np.float32)
    h = np.zeros((steps + 1, hidden, TILE), np.float32)
    tok = np.empty((steps, TILE), np.uint8)  # symbol ids (< 256): cheaper lookups
    return act, c, tc, h, tok


@inline
def _table(w_ih, b_ih, b_hh):
    """One run's input lookup table (4H, vocab): input weights plus both biases."""
    four_h, vocab = w_ih.shape
    table = np.empty((four_h, vocab), np.float32)
    for j in range(four_h):
        bias = b_ih[j] + b_hh[j]
        for v in range(vocab):
            table[j, v] = w_ih[j, v] + bias
    return table


@inline
def _load_tokens(ids, b0, n, tok, shifted):
    """tok (steps, TILE) <- lanes b0..b0+n of ids (steps, batch); if `shifted`, the inputs of
    teacher forcing instead: `.` first, then each step's symbol one step later."""
    steps = ids.shape[0]
    for t in range(steps):
        src = t - 1 if shifted else t
        for lane in range(n):
            tok[t, lane] = ids[src, b0 + lane] if src >= 0 else START_ID


@inline
def _load_mask(ids, b0, n, mask):
    """mask (steps, TILE) <- 1 up to and including each lane's first `$`, then 0."""
    for lane in range(n):
        mask[0, lane] = ONE
    for t in range(1, ids.shape[0]):
        for lane in range(n):
            open_ = mask[t - 1, lane] > 0 and ids[t - 1, b0 + lane] != END_ID
            mask[t, lane] = ONE if open_ else _f(0.0)


@inline
def _forward_tile(table, w_hh, tok, n, act, c, tc, h):
    """Run the LSTM over the tile's symbols tok (steps, TILE), keeping every step's state."""
    for t in range(tok.shape[0]):
        _lstm_step(table, w_hh, tok[t], n, h[t], c[t], act[t], c[t + 1], tc[t], h[t + 1])


@kernel
def _input_grads(d_table_t):
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
        table = _table(w_ih[r], b_ih[r], b_hh[r])
        act, c, tc, h, tok = _buffers(steps, four_h, hidden)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            _load_tokens(ids[r], b0, n, tok, False)
            _forward_tile(table, w_hh[r], tok, n, act, c, tc, h)
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
        table = _table(w_ih[r], b_ih[r], b_hh[r])
        act, c, tc, h, tok = _buffers(steps, four_h, hidden)
        dh, dc = np.empty((hidden, TILE), np.float32), np.empty((hidden, TILE), np.float32)
        dpre = np.empty((four_h, TILE), np.float32)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            _load_tokens(ids[r], b0, n, tok, False)
            _forward_tile(table, w_hh[r], tok, n, act, c, tc, h)
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
                _lstm_step_backward(
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
    d_w_ih, d_bias = _input_grads(d_table_t)
    return d_w_ih, d_w_hh, d_bias, d_bias.copy(), d_out_w, d_out_b


@kernel
def generator_log_likelihood(w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids):
    """log P_G (runs, batch) of `$`-padded names ids by teacher forcing: the sum of the log
    output probabilities of each name's symbols up to and including its first `$`."""
    runs, steps, batch = ids.shape
    four_h, hidden, vocab = w_ih.shape[1], w_hh.shape[2], out_w.shape[1]
    log_p = np.zeros((runs, batch), np.float32)
    for r in nb.prange(runs):
        table = _table(w_ih[r], b_ih[r], b_hh[r])
        act, c, tc, h, tok = _buffers(steps, four_h, hidden)
        mask = np.empty((steps, TILE), np.float32)
        logits = np.empty((vocab, TILE), np.float32)
        exps, lse = np.empty((vocab + 1, TILE), np.float32), np.empty(TILE, np.float32)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            _load_tokens(ids[r], b0, n, tok, True)
            _load_mask(ids[r], b0, n, mask)
            _forward_tile(table, w_hh[r], tok, n, act, c, tc, h)
            for t in range(steps):
                _log_softmax_terms(out_w[r], out_b[r], h[t + 1], n, logits, exps, lse)
                for lane in range(n):
                    term = logits[ids[r, t, b0 + lane], lane] - lse[lane]
                    log_p[r, b0 + lane] += mask[t, lane] * term
    return log_p


@kernel
def generator_log_likelihood_grads(w_ih, w_hh, b_ih, b_hh, out_w, out_b, ids, grad_log_p):
    """Gradients of sum(grad_log_p * log_p) w.r.t. w_ih, w_hh, b_ih, b_hh, out_w and out_b.

    Runs the forward pass again, tile by tile: cheaper here than storing and reloading it."""
    runs, steps, batch = ids.shape
    runs, four_h, vocab = w_ih.shape
    hidden = w_hh.shape[2]
    d_table_t = np.zeros((runs, vocab, four_h), np.float32)
    d_w_hh = np.zeros_like(w_hh)
    d_out_w, d_out_b = np.zeros_like(out_w), np.zeros_like(out_b)
    for r in nb.prange(runs):
        table = _table(w_ih[r], b_ih[r], b_hh[r])
        act, c, tc, h, tok = _buffers(steps, four_h, hidden)
        mask = np.empty((steps, TILE), np.float32)
        d_logits = np.empty((vocab, TILE), np.float32)
        exps, total = np.empty((vocab + 1, TILE), np.float32), np.empty(TILE, np.float32)
        dh, dc = np.zeros((hidden, TILE), np.float32), np.zeros((hidden, TILE), np.float32)
        dpre, coef = np.empty((four_h, TILE), np.float32), np.empty(TILE, np.float32)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            _load_tokens(ids[r], b0, n, tok, True)
            _load_mask(ids[r], b0, n, mask)
            _forward_tile(table, w_hh[r], tok, n, act, c, tc, h)
            dh[:], dc[:] = 0, 0
            for t in range(steps - 1, -1, -1):
                _softmax_terms(out_w[r], out_b[r], h[t + 1], n, d_logits, exps, total)
                for lane in range(n):
                    coef[lane] = grad_log_p[r, b0 + lane] * mask[t, lane] / total[lane]
                for v in range(vocab):  # dLoss/dlogits = coef * (onehot - softmax)
                    row, e_row = d_logits[v], exps[v]
                    for lane in range(n):
                        row[lane] = -coef[lane] * e_row[lane]
                for lane in range(n):
                    d_logits[ids[r, t, b0 + lane], lane] += coef[lane] * total[lane]
                for v in range(vocab):
                    row, acc = d_logits[v], _f(0.0)
                    for lane in range(n):
                        acc += row[lane]
                    d_out_b[r, v] += acc
                _outer_accumulate(d_out_w[r], d_logits, h[t + 1], n)
                for k in range(hidden):
                    _accumulate(dh[k], out_w[r, :, k], d_logits, n)
                _lstm_step_backward(
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
    d_w_ih, d_bias = _input_grads(d_table_t)
    return d_w_ih, d_w_hh, d_bias, d_bias.copy(), d_out_w, d_out_b


@kernel
def generator_sample(w_ih, w_hh, b_ih, b_hh, out_w, out_b, uniforms, forced):
    """Names (runs, steps, batch) drawn by inverse CDF with uniforms (runs, draws, batch).

    As `models.Generator.sample`: unforced, draws symbols until `$` (later positions are `$`)
    and ends every name with `$` (steps = draws + 1); forced, `$` has probability zero and
    steps = draws letters.
    """
    runs, draws, batch = uniforms.shape
    four_h, hidden, vocab = w_ih.shape[1], w_hh.shape[2], out_w.shape[1]
    ids = np.full((runs, draws + (0 if forced else 1), batch), END_ID, np.int64)
    banned, last = (END_ID, END_ID - 1) if forced else (-1, END_ID)
    for r in nb.prange(runs):
        table = _table(w_ih[r], b_ih[r], b_hh[r])
        ended = np.empty(TILE, np.bool_)
        act, c, tc, h, tok = _buffers(1, four_h, hidden)
        logits = np.empty((vocab, TILE), np.float32)
        exps = np.empty((vocab + 1, TILE), np.float32)
        total, cdf = np.empty(TILE, np.float32), np.empty(TILE, np.float32)
        count = np.empty(TILE, np.int64)
        for b0 in range(0, batch, TILE):
            n = min(TILE, batch - b0)
            h[0], c[0], tok[0], ended[:] = 0, 0, START_ID, False
            for t in range(draws):
                _lstm_step(table, w_hh[r], tok[0], n, h[0], c[0], act[0], c[1], tc[0], h[1])
                h[0], c[0] = h[1], c[1]
                _softmax_terms(out_w[r], out_b[r], h[0], n, logits, exps, total, banned)
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
                    # as models.draw_symbol: never `.`, nor past the last allowed symbol
                    symbol = max(min(count[lane], last), START_ID + 1)
                    tok[0, lane] = symbol
                    ended[lane] |= symbol == END_ID
                    ids[r, t, b0 + lane] = END_ID if ended[lane] else symbol
    return ids
