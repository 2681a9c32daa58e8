"""Building blocks of the CPU kernels in `kernels.py`, inlined into them by numba.

Each works on one tile: up to `TILE` sequences ("lanes") of one run, stored feature-major,
`(features, TILE)`, so that every loop over the lanes is a contiguous loop the compiler
vectorises. Loops write one array each (so the compiler need not prove that arrays do not
overlap), and matrix-vector products take four inputs per pass over the output row.
tanh and sigmoid use a 13/6 rational approximation (accurate to a few float32 ulps), and log a
polynomial on the mantissa, that vectorise, unlike calls to libm.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from discrete_gan.data.vocab import START_ID

TILE = 128  # lanes processed together; loops over lanes are what the compiler vectorises
f32 = np.float32
_CLAMP = f32(7.90531110763549805)
_A = [f32(c) for c in (4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
                      5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
                      -2.76076847742355e-16)]  # fmt: skip
_B = [f32(c) for c in (4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
                      1.19825839466702e-06)]  # fmt: skip
A1, A3, A5, A7, A9, A11, A13 = _A
B0, B2, B4, B6 = _B
HALF, ONE = f32(0.5), f32(1.0)
_EXP_ZERO_BELOW = f32(-17.0)
# log: Cephes' logf, a degree-9 polynomial on [sqrt(1/2), sqrt(2)), ln 2 split in two parts
_P = [f32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                      1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                      3.3333331174e-1)]  # fmt: skip
P8, P7, P6, P5, P4, P3, P2, P1, P0 = _P
_SQRT_HALF, _LN2_HI, _LN2_LO = f32(0.70710678118654752), f32(0.693359375), f32(-2.12194440e-4)
inline = nb.njit(fastmath=True, cache=True, inline="always", error_model="numpy")


@inline
def tanh(x):
    """tanh by a 13/6 rational approximation on [-7.9, 7.9] (float32 accurate)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = ((((((A13 * x2 + A11) * x2 + A9) * x2 + A7) * x2 + A5) * x2 + A3) * x2 + A1) * x
    q = ((B6 * x2 + B4) * x2 + B2) * x2 + B0
    return p / q


@inline
def sigmoid(x):
    return HALF + HALF * tanh(HALF * x)


@inline
def exp_nonpositive(x):
    """exp(x) for x <= 0 via (1 + t) / (1 - t), t = tanh(x / 2); absolute error below 1e-7,
    and exactly 0 below -17 (where exp(x) < 5e-8), so banned symbols get probability 0."""
    t = tanh(HALF * x)
    return (ONE + t) / (ONE - t) if x > _EXP_ZERO_BELOW else f32(0.0)


@inline
def log(x):
    """The natural log of a positive normal float32 x (to about one ulp): x = 2^e m with m in
    [sqrt(1/2), sqrt(2)) read from x's bits, then e ln 2 + log(m) by a polynomial; unlike calls
    to libm, loops of it vectorise."""
    bits = np.float32(x).view(np.int32)
    e = (bits >> 23) - 126  # x = 2^e m with m in [1/2, 1)
    m = np.int32((bits & 0x007FFFFF) | 0x3F000000).view(np.float32)
    small = m < _SQRT_HALF
    e = e - 1 if small else e
    f = (m + m - ONE) if small else (m - ONE)  # log(x) = e ln 2 + log(1 + f)
    z = f * f
    y = (((((((P8 * f + P7) * f + P6) * f + P5) * f + P4) * f + P3) * f + P2) * f + P1) * f + P0
    y = y * f * z + _LN2_LO * f32(e) - HALF * z
    return f + y + _LN2_HI * f32(e)


@inline
def accumulate(out, w, x, n):
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
def transposed_product(w, x, n, out):
    """out (cols, TILE) = w^T x for w (rows, cols) and x (rows, TILE), over the first n lanes:
    four output rows at once from four rows of x per pass, so that each value of x loaded
    feeds four sums (16 weights held in registers)."""
    rows, cols = w.shape
    v = 0
    while v + 4 <= cols:
        out0, out1, out2, out3 = out[v], out[v + 1], out[v + 2], out[v + 3]
        for lane in range(n):
            out0[lane], out1[lane], out2[lane], out3[lane] = 0, 0, 0, 0
        k = 0
        while k + 4 <= rows:
            a0, a1, a2, a3 = w[k, v], w[k, v + 1], w[k, v + 2], w[k, v + 3]
            b0, b1, b2, b3 = w[k + 1, v], w[k + 1, v + 1], w[k + 1, v + 2], w[k + 1, v + 3]
            c0, c1, c2, c3 = w[k + 2, v], w[k + 2, v + 1], w[k + 2, v + 2], w[k + 2, v + 3]
            d0, d1, d2, d3 = w[k + 3, v], w[k + 3, v + 1], w[k + 3, v + 2], w[k + 3, v + 3]
            x0, x1, x2, x3 = x[k], x[k + 1], x[k + 2], x[k + 3]
            for lane in range(n):
                xa, xb, xc, xd = x0[lane], x1[lane], x2[lane], x3[lane]
                out0[lane] += a0 * xa + b0 * xb + c0 * xc + d0 * xd
                out1[lane] += a1 * xa + b1 * xb + c1 * xc + d1 * xd
                out2[lane] += a2 * xa + b2 * xb + c2 * xc + d2 * xd
                out3[lane] += a3 * xa + b3 * xb + c3 * xc + d3 * xd
            k += 4
        while k < rows:
            for j in range(4):
                w_kj, x_k, out_j = w[k, v + j], x[k], out[v + j]
                for lane in range(n):
                    out_j[lane] += w_kj * x_k[lane]
            k += 1
        v += 4
    while v < cols:
        for lane in range(n):
            out[v, lane] = 0
        accumulate(out[v], w[:, v], x, n)
        v += 1


@inline
def outer_accumulate(grad, a, b, n):
    """grad[j, k] += sum over the first n lanes of a[j, lane] * b[k, lane]: a weight gradient
    summed over a tile, four k per pass over a[j]."""
    rows, cols = grad.shape
    for j in range(rows):
        a_j, k = a[j], 0
        while k + 4 <= cols:
            b0, b1, b2, b3 = b[k], b[k + 1], b[k + 2], b[k + 3]
            s0 = s1 = s2 = s3 = f32(0.0)
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
            b_k, acc = b[k], f32(0.0)
            for lane in range(n):
                acc += a_j[lane] * b_k[lane]
            grad[j, k] += acc
            k += 1


@inline
def lstm_step(table, w_hh, tok, n, h_prev, c_prev, act, c, tc, h):
    """One LSTM step for n lanes: activated gates -> act (4H, TILE), new state -> c, h."""
    four_h = table.shape[0]
    hidden = four_h // 4
    for j in range(four_h):
        row, table_row = act[j], table[j]
        for lane in range(n):
            row[lane] = table_row[tok[lane]]
        accumulate(row, w_hh[j], h_prev, n)
    # One array written per loop, so the compiler can vectorise each loop over the lanes.
    for j in range(four_h):
        if 2 * hidden <= j < 3 * hidden:
            for lane in range(n):
                act[j, lane] = tanh(act[j, lane])
        else:
            for lane in range(n):
                act[j, lane] = sigmoid(act[j, lane])
    for k in range(hidden):
        i, f, g, o = act[k], act[hidden + k], act[2 * hidden + k], act[3 * hidden + k]
        c_new, c_old, tanh_c, h_new = c[k], c_prev[k], tc[k], h[k]
        for lane in range(n):
            c_new[lane] = f[lane] * c_old[lane] + i[lane] * g[lane]
        for lane in range(n):
            tanh_c[lane] = tanh(c_new[lane])
        for lane in range(n):
            h_new[lane] = o[lane] * tanh_c[lane]


@inline
def gate_grads(act, c_prev, tc, dh, dc, dpre, n):
    """One step's gate gradients: dh (H, TILE) is dLoss/dh_t, dc carries dLoss/dc_t and becomes
    dLoss/dc_{t-1}; dpre (4H, TILE) receives dLoss/d(pre-activation gates)."""
    hidden = tc.shape[0]
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


@inline
def previous_hidden_grads(w_hh, dpre, dh, n):
    """dh (H, TILE) <- dLoss/dh_{t-1} = w_hh^T dpre, the recurrent path of the gate gradients."""
    for k in range(w_hh.shape[1]):
        for lane in range(n):
            dh[k, lane] = 0
        accumulate(dh[k], w_hh[:, k], dpre, n)


@inline
def lstm_step_backward(w_hh, tok, n, act, c_prev, tc, h_prev, dh, dc, dpre, d_table_t, d_w_hh):
    """Backpropagate one step: dh (H, TILE) is dLoss/dh_t, dc carries dLoss/dc_t and becomes
    dLoss/dc_{t-1}; accumulates d_table_t (the table's gradient, transposed) and d_w_hh;
    leaves the gate gradients in dpre and dLoss/dh_{t-1} in dh."""
    gate_grads(act, c_prev, tc, dh, dc, dpre, n)
    outer_accumulate(d_w_hh, dpre, h_prev, n)
    for lane in range(n):  # d_table_t is (vocab, 4H): each lane adds to one contiguous row
        row = d_table_t[tok[lane]]
        for j in range(w_hh.shape[0]):
            row[j] += dpre[j, lane]
    previous_hidden_grads(w_hh, dpre, dh, n)


@inline
def linear(w, b, x, n, out):
    """out (rows, TILE) = w x + b for the first n lanes of x (cols, TILE): a layer's outputs."""
    for v in range(w.shape[0]):
        row = out[v]
        for lane in range(n):
            row[lane] = b[v]
        accumulate(row, w[v], x, n)


@inline
def linear_backward(w, x, d_out, n, d_w, d_b, dx):
    """Backpropagate `linear` from d_out (rows, TILE): accumulates d_w and d_b, adds w^T d_out
    to dx (cols, TILE)."""
    for v in range(w.shape[0]):
        row, acc = d_out[v], f32(0.0)
        for lane in range(n):
            acc += row[lane]
        d_b[v] += acc
    outer_accumulate(d_w, d_out, x, n)
    for k in range(w.shape[1]):
        accumulate(dx[k], w[:, k], d_out, n)


@inline
def softmax_terms(out_w, out_b, h, n, logits, exps, total, banned=-1, ban_start=True):
    """logits (vocab, TILE) = out_w h + out_b; exps = exp(logits - max) and total = their sum
    per lane, so softmax = exps / total and log-sum-exp = max + log(total). The start symbol,
    only ever an input (if `ban_start`), and symbol `banned` (if any) get a logit of -1e30, i.e.
    probability zero: the output distribution of `models.output_log_probs`. `exps` has vocab + 1
    rows: the last one receives the max per lane."""
    linear(out_w, out_b, h, n, logits)
    if ban_start:
        for lane in range(n):
            logits[START_ID, lane] = f32(-1e30)
    if banned >= 0:
        for lane in range(n):
            logits[banned, lane] = f32(-1e30)
    exp_terms(logits, n, exps, total)


@inline
def exp_terms(logits, n, exps, total):
    """exps (vocab + 1, TILE) = exp(logits - max), the max per lane in its last row, and total
    = their sum per lane: the terms of a softmax, stable for any logits."""
    vocab = logits.shape[0]
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
            row[lane] = exp_nonpositive(logit_row[lane] - mx[lane])
        for lane in range(n):
            total[lane] += row[lane]


@inline
def buffers(steps, four_h, hidden):
    """Per-thread state of one tile for every step; c[0] = h[0] = 0 is the initial state."""
    act = np.empty((steps, four_h, TILE), np.float32)
    c = np.zeros((steps + 1, hidden, TILE), np.float32)
    tc = np.empty((steps, hidden, TILE), np.float32)
    h = np.zeros((steps + 1, hidden, TILE), np.float32)
    tok = np.empty((steps, TILE), np.uint8)  # symbol ids (< 256): cheaper lookups
    return act, c, tc, h, tok


@inline
def lookup_table(w_ih, b_ih, b_hh):
    """One run's input lookup table (4H, vocab): input weights plus both biases."""
    four_h, vocab = w_ih.shape
    table = np.empty((four_h, vocab), np.float32)
    for j in range(four_h):
        bias = b_ih[j] + b_hh[j]
        for v in range(vocab):
            table[j, v] = w_ih[j, v] + bias
    return table


@inline
def load_tokens(ids, b0, n, tok, shifted):
    """tok (steps, TILE) <- lanes b0..b0+n of ids (steps, batch); if `shifted`, the inputs of
    teacher forcing instead: `.` first, then each step's symbol one step later."""
    steps = ids.shape[0]
    for t in range(steps):
        src = t - 1 if shifted else t
        for lane in range(n):
            tok[t, lane] = ids[src, b0 + lane] if src >= 0 else START_ID


@inline
def load_mask(ids, b0, n, mask, whole, end):
    """mask (steps, TILE) <- 1 up to and including each lane's first `$` (id `end`), then 0;
    all 1 if `whole` (the likelihood runs over every position, `$` after `$` included)."""
    for lane in range(n):
        mask[0, lane] = ONE
    for t in range(1, ids.shape[0]):
        for lane in range(n):
            open_ = whole or (mask[t - 1, lane] > 0 and ids[t - 1, b0 + lane] != end)
            mask[t, lane] = ONE if open_ else f32(0.0)


@inline
def forward_tile(table, w_hh, tok, n, act, c, tc, h):
    """Run the LSTM over the tile's symbols tok (steps, TILE), keeping every step's state."""
    for t in range(tok.shape[0]):
        lstm_step(table, w_hh, tok[t], n, h[t], c[t], act[t], c[t + 1], tc[t], h[t + 1])
