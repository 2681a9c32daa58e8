"""CPU kernels of the straight-through Gumbel-softmax method (`gumbel_softmax.py`), compiled
with numba as `kernels.py` is: each run's sequences in tiles of `TILE` lanes, feature-major,
runs in parallel (`prange`), built from the blocks of `tiles.py`.

A straight-through sample is one-hot in the forward pass, so both networks read it as symbol
ids through their input lookup tables; only the backward pass sees the relaxation. There,
the gradient with respect to step t's input vector (from the discriminator, and from the
generator's step t + 1, whose input the vector also is) flows through the relaxed sample
`softmax((logits + g) / tau)` into the generator's logits of step t, and on back through the
generator. The generator's forward states and the relaxed softmax's terms come from
`relaxed_sample`, in the arrays of `kernels.generator_saved_states`.
`tests/test_gumbel_softmax.py` checks both kernels against PyTorch autograd through
`gumbel_softmax.py`, the torch backend's version.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from discrete_gan.backends.kernels import input_grads, kernel
from discrete_gan.backends.tiles import (
    TILE,
    buffers,
    exp_terms,
    f32,
    forward_tile,
    gate_grads,
    inline,
    linear,
    linear_backward,
    load_mask,
    load_tokens,
    log,
    lookup_table,
    lstm_step,
    lstm_step_backward,
    previous_hidden_grads,
    transposed_product,
)
from discrete_gan.data.vocab import START_ID

# As `gumbel_softmax._TINY`: uniforms are clamped into [_LOW, _HIGH] (1.0 in float32).
_LOW, _HIGH = f32(1e-10), f32(1 - 1e-10)


@inline
def perturb(scores, uniforms, n, tau, noise):
    """scores (vocab, TILE) <- (scores + g) / tau, with Gumbel noise g = -log(-log u) from the
    lanes' uniforms as drawn, lane after lane (n * vocab,): the noise is computed in that
    order in `noise` (TILE * vocab,), then read across. The start symbol's score becomes -1e30
    (never drawn)."""
    vocab = scores.shape[0]
    for i in range(n * vocab):
        noise[i] = -log(-log(min(max(uniforms[i], _LOW), _HIGH)))
    for v in range(vocab):
        row = scores[v]
        for lane in range(n):
            row[lane] = (row[lane] + noise[lane * vocab + v]) / tau
    for lane in range(n):
        scores[START_ID, lane] = f32(-1e30)


@inline
def relaxed_backward(exps, total, mask, tau, d, scratch, n):
    """d (vocab, TILE): dLoss/d(relaxed sample) in, dLoss/d(generator logits) out, through the
    sample `softmax((logits + g) / tau) = exps / total` (`exp_terms`' terms); times mask
    (TILE,), which is 0 where the sample was replaced by a constant `$`. scratch: (2, TILE)."""
    vocab = d.shape[0]
    dot, scale = scratch[0], scratch[1]
    for lane in range(n):
        dot[lane] = 0
    for v in range(vocab):
        for lane in range(n):
            dot[lane] += exps[v, lane] * d[v, lane]
    for lane in range(n):  # dot: sum_v softmax_v d_v
        dot[lane] /= total[lane]
    for lane in range(n):
        scale[lane] = mask[lane] / (tau * total[lane])
    for v in range(vocab):
        for lane in range(n):
            d[v, lane] = scale[lane] * exps[v, lane] * (d[v, lane] - dot[lane])


@kernel
def relaxed_sample(w_ih, w_hh, b_ih, b_hh, out_w, out_b, uniforms, tau, saved):
    """Straight-through names (runs, steps, batch) of the generator, with uniforms (runs, draws,
    batch, vocab) for the Gumbel noise, as `gumbel_softmax.relaxed_sample`: each step's symbol
    is argmax((logits + g) / tau), the start symbol banned, `$` after a name's first `$`, and
    steps = draws + 1. `saved` (`kernels.generator_saved_states` of `draws` steps) receives
    every step's LSTM states and the terms of its relaxed sample, exp((logits + g) / tau - max)
    and their sum, for `relaxed_grads`."""
    acts, cs, tcs, hs, exps, totals = saved
    runs, draws, batch, vocab = uniforms.shape
    end = vocab - 1  # `$`, the last symbol
    uniforms = uniforms.reshape(runs, draws, batch * vocab)
    ids = np.full((runs, draws + 1, batch), end, np.int64)
    tau = f32(tau)
    for r in nb.prange(runs):
        table = lookup_table(w_ih[r], b_ih[r], b_hh[r])
        tok = np.empty(TILE, np.uint8)  # each lane's latest symbol, the next input
        ended = np.empty(TILE, np.bool_)
        best = np.empty(TILE, np.int64)
        scores, noise = np.empty((vocab, TILE), np.float32), np.empty(TILE * vocab, np.float32)
        for tile in range(acts.shape[1]):
            b0 = tile * TILE
            n = min(TILE, batch - b0)
            act, c, tc, h = acts[r, tile], cs[r, tile], tcs[r, tile], hs[r, tile]
            c[0], h[0], tok[:], ended[:] = 0, 0, START_ID, False
            for t in range(draws):
                lstm_step(table, w_hh[r], tok, n, h[t], c[t], act[t], c[t + 1], tc[t], h[t + 1])
                linear(out_w[r], out_b[r], h[t + 1], n, scores)
                perturb(scores, uniforms[r, t, b0 * vocab :], n, tau, noise)
                e = exps[r, tile, t]
                exp_terms(scores, n, e, totals[r, tile, t])
                for v in range(vocab - 1, -1, -1):  # the first symbol scoring the max, e[vocab]
                    for lane in range(n):
                        best[lane] = v if scores[v, lane] == e[vocab, lane] else best[lane]
                for lane in range(n):
                    symbol = end if ended[lane] else best[lane]
                    ended[lane] |= symbol == end
                    tok[lane] = symbol
                    ids[r, t, b0 + lane] = symbol
    return ids


@kernel
def relaxed_grads(disc, gen, ids, grad_logits, saved, tau):
    """Gradients w.r.t. the generator's w_ih, w_hh, b_ih, b_hh, out_w and out_b of
    sum(grad_logits * logits), the logits (runs, batch) of the discriminator on straight-through
    names ids (runs, steps, batch) that `relaxed_sample` drew from the generator with
    temperature `tau` and saved in `saved`; `disc` and `gen` are each network's six weights.

    Per tile, the discriminator runs forward again, then one sweep backward over the steps
    goes through both networks at once; a lane's input vector has a gradient up to and
    including its first `$` (later inputs are constant `$` vectors)."""
    d_w_ih, d_w_hh, d_b_ih, d_b_hh, d_out_w, _ = disc
    w_ih, w_hh, _, _, out_w, out_b = gen
    acts, cs, tcs, hs, exps, totals = saved
    runs, steps, batch = ids.shape
    four_h, vocab, hidden = w_ih.shape[1], w_ih.shape[2], w_hh.shape[2]
    g_table_t = np.zeros((runs, vocab, four_h), np.float32)
    g_w_hh, g_out_w, g_out_b = np.zeros_like(w_hh), np.zeros_like(out_w), np.zeros_like(out_b)
    tau = f32(tau)
    for r in nb.prange(runs):
        table = lookup_table(d_w_ih[r], d_b_ih[r], d_b_hh[r])
        w_in = np.empty((2 * four_h, vocab), np.float32)  # both networks' input weights
        w_in[:four_h], w_in[four_h:] = d_w_ih[r], w_ih[r]
        act, c, tc, h, tok = buffers(steps, four_h, hidden)  # the discriminator's
        g_tok, mask = np.empty((steps, TILE), np.uint8), np.empty((steps, TILE), np.float32)
        # gate gradients, as w_in's rows: the discriminator's of step t, the generator's of
        # step t + 1 (whose input is step t's vector)
        dpre = np.zeros((2 * four_h, TILE), np.float32)
        d_pre, g_pre = dpre[:four_h], dpre[four_h:]
        dh, dc = np.empty((hidden, TILE), np.float32), np.empty((hidden, TILE), np.float32)
        g_dh, g_dc = np.empty((hidden, TILE), np.float32), np.empty((hidden, TILE), np.float32)
        dx, scratch = np.empty((vocab, TILE), np.float32), np.empty((2, TILE), np.float32)
        for tile in range(acts.shape[1]):
            b0 = tile * TILE
            n = min(TILE, batch - b0)
            load_tokens(ids[r], b0, n, tok, False)
            forward_tile(table, d_w_hh[r], tok, n, act, c, tc, h)
            load_tokens(ids[r], b0, n, g_tok, True)
            load_mask(ids[r], b0, n, mask, False, vocab - 1)
            for k in range(hidden):
                for lane in range(n):
                    dh[k, lane] = grad_logits[r, b0 + lane] * d_out_w[r, 0, k]
            dc[:], g_dh[:], g_dc[:], g_pre[:] = 0, 0, 0, 0
            g_act, g_c, g_tc, g_h = acts[r, tile], cs[r, tile], tcs[r, tile], hs[r, tile]
            for t in range(steps - 1, -1, -1):
                gate_grads(act[t], c[t], tc[t], dh, dc, d_pre, n)
                previous_hidden_grads(d_w_hh[r], d_pre, dh, n)
                if t == steps - 1:
                    continue  # the last input is always the constant `$`
                transposed_product(w_in, dpre, n, dx)  # dLoss/d(input vector), both networks'
                relaxed_backward(exps[r, tile, t], totals[r, tile, t], mask[t], tau, dx, scratch, n)
                linear_backward(out_w[r], g_h[t + 1], dx, n, g_out_w[r], g_out_b[r], g_dh)
                lstm_step_backward(
                    w_hh[r],
                    g_tok[t],
                    n,
                    g_act[t],
                    g_c[t],
                    g_tc[t],
                    g_h[t],
                    g_dh,
                    g_dc,
                    g_pre,
                    g_table_t[r],
                    g_w_hh[r],
                )
    g_w_ih, g_bias = input_grads(g_table_t)
    return g_w_ih, g_w_hh, g_bias, g_bias.copy(), g_out_w, g_out_b
