"""A many-runs LSTM over one-hot symbols, with hand-written backpropagation through time.

Tensors are feature-major, `(runs, features, batch)`, so each gate of each run is a contiguous
block and elementwise operations run on long contiguous rows. One-hot inputs are column lookups
into a `(runs, 4H, vocab)` table done step by step (cheap, cache-resident), and the backward
pass accumulates their gradient the same way. `tanh(x)` is computed as `2 sigmoid(2x) - 1`
(the cell-gate rows of the weights are pre-doubled), several times faster than `torch.tanh` on
the CPU. `tests/test_lstm.py` checks both passes against `torch.nn.LSTM`.
"""

from __future__ import annotations

import torch


def _double_cell_rows(weight: torch.Tensor) -> torch.Tensor:
    """A copy of a (runs, 4H, n) weight with the cell-gate rows doubled: sigmoid(2z) then gives
    tanh(z) = 2 sigmoid(2z) - 1 without a separate tanh."""
    hidden = weight.shape[1] // 4
    scale = weight.new_ones(4 * hidden, 1)
    scale[2 * hidden : 3 * hidden] = 2
    return weight * scale


def _lookup(table: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Columns of table (runs, 4H, vocab) picked by tokens (runs, batch) -> (runs, 4H, batch)."""
    runs, four_h, _ = table.shape
    return table.gather(2, tokens.unsqueeze(1).expand(runs, four_h, tokens.shape[1]))


def lstm_step(table2, w_hh2, tokens, h, c, acts=None, c_out=None, tanh_c=None, h_out=None):
    """One step: symbols tokens (runs, batch), state h, c (runs, H, batch) -> new (h, c).

    `table2`, `w_hh2` come from `_double_cell_rows`. The activated gates (runs, 4H, batch),
    tanh(c) and the new state are written into the given buffers when there are any.
    """
    pre = torch.baddbmm(_lookup(table2, tokens), w_hh2, h)  # (runs, 4H, batch)
    acts = torch.sigmoid(pre, out=acts) if acts is not None else pre.sigmoid_()
    i, f, g, o = acts.chunk(4, dim=1)
    g.mul_(2).sub_(1)  # tanh of the cell-gate pre-activation
    c_out = torch.mul(i, g, out=c_out) if c_out is not None else i * g
    c_out.addcmul_(f, c)
    tanh_c = torch.mul(c_out, 2, out=tanh_c) if tanh_c is not None else c_out * 2
    tanh_c.sigmoid_().mul_(2).sub_(1)
    h_out = torch.mul(o, tanh_c, out=h_out) if h_out is not None else o * tanh_c
    return h_out, c_out


class LSTMScan(torch.autograd.Function):
    """All hidden states of a zero-initialised LSTM over symbols, for all runs at once.

    Inputs: `table` (runs, 4H, vocab), the input weights plus both biases per symbol; `w_hh`
    (runs, 4H, H); `tokens` (steps, runs, batch). Output: (runs, H, steps * batch), step t in
    column block t. Gate order as in `torch.nn.LSTM`: input, forget, cell, output.
    """

    @staticmethod
    def forward(ctx, table, w_hh, tokens):
        steps, runs, batch = tokens.shape
        hidden = w_hh.shape[2]
        table2, w_hh2 = _double_cell_rows(table), _double_cell_rows(w_hh)
        acts = table.new_empty(steps, runs, 4 * hidden, batch)
        c = table.new_zeros(steps + 1, runs, hidden, batch)  # c[0] is the initial state
        tanh_c = table.new_empty(steps, runs, hidden, batch)
        h = table.new_zeros(runs, hidden, (steps + 1) * batch)  # block 0: the initial state
        for t in range(steps):
            now, nxt = slice(t * batch, (t + 1) * batch), slice((t + 1) * batch, (t + 2) * batch)
            state = (h[:, :, now], c[t])
            lstm_step(table2, w_hh2, tokens[t], *state, acts[t], c[t + 1], tanh_c[t], h[:, :, nxt])
        ctx.save_for_backward(table, w_hh, tokens, acts, c, tanh_c, h)
        return h[:, :, batch:]

    @staticmethod
    def backward(ctx, grad_h):
        table, w_hh, tokens, acts, c, tanh_c, h = ctx.saved_tensors
        steps, runs, batch = tokens.shape
        grad_table, grad_w_hh = torch.zeros_like(table), torch.zeros_like(w_hh)
        w_hh_t = w_hh.transpose(1, 2)  # (runs, H, 4H)
        dh = grad_h[:, :, -batch:].clone()
        dc = torch.zeros_like(dh)
        d_gates = torch.empty_like(acts[0])  # (runs, 4H, batch)
        d_i, d_f, d_g, d_o = d_gates.chunk(4, dim=1)
        for t in reversed(range(steps)):
            i, f, g, o = acts[t].chunk(4, dim=1)
            tc = tanh_c[t]
            dc.addcmul_(dh * o, 1 - tc * tc)  # through h = o * tanh(c)
            torch.mul(dh, tc, out=d_o).mul_(o - o * o)
            torch.mul(dc, g, out=d_i).mul_(i - i * i)
            torch.mul(dc, i, out=d_g).mul_(1 - g * g)
            torch.mul(dc, c[t], out=d_f).mul_(f - f * f)
            dc.mul_(f)
            h_prev = h[:, :, t * batch : (t + 1) * batch]
            grad_w_hh.baddbmm_(d_gates, h_prev.transpose(1, 2))
            index = tokens[t].unsqueeze(1).expand_as(d_gates)
            grad_table.scatter_add_(2, index, d_gates)
            if t > 0:
                dh = torch.baddbmm(grad_h[:, :, (t - 1) * batch : t * batch], w_hh_t, d_gates)
        return grad_table, grad_w_hh, None


def lstm_scan(table: torch.Tensor, w_hh: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Hidden states (runs, H, steps * batch) over tokens (steps, runs, batch); see `LSTMScan`."""
    return LSTMScan.apply(table, w_hh, tokens)


def lstm_sampler(table: torch.Tensor, w_hh: torch.Tensor):
    """A step function `(tokens, h, c) -> (h, c)` for sampling without gradients."""
    table2, w_hh2 = _double_cell_rows(table), _double_cell_rows(w_hh)
    return lambda tokens, h, c: lstm_step(table2, w_hh2, tokens, h, c)
