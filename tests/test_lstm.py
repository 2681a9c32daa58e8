"""The many-runs LSTM with hand-written backward, against `torch.nn.LSTM` run by run."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from discrete_gan.backends.lstm import LSTMScan, lstm_sampler, lstm_scan


def random_weights(runs: int, hidden: int, vocab: int, seed: int, scale: float = 0.5):
    g = torch.Generator().manual_seed(seed)

    def draw(*shape: int) -> torch.Tensor:
        return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1) * scale

    return {
        "weight_ih_l0": draw(runs, 4 * hidden, vocab),
        "weight_hh_l0": draw(runs, 4 * hidden, hidden),
        "bias_ih_l0": draw(runs, 4 * hidden),
        "bias_hh_l0": draw(runs, 4 * hidden),
    }


def torch_lstm(weights: dict[str, torch.Tensor], run: int) -> nn.LSTM:
    runs, four_h, vocab = weights["weight_ih_l0"].shape
    lstm = nn.LSTM(vocab, four_h // 4, batch_first=True).double()
    lstm.load_state_dict({k: v[run] for k, v in weights.items()})
    return lstm


def table_of(weights: dict[str, torch.Tensor]) -> torch.Tensor:
    bias = weights["bias_ih_l0"] + weights["bias_hh_l0"]
    return weights["weight_ih_l0"] + bias[..., None]


def as_batch_first(out: torch.Tensor, steps: int, batch: int) -> torch.Tensor:
    """(H, steps * batch) of one run -> (batch, steps, H), nn.LSTM's batch_first layout."""
    hidden = out.shape[0]
    return out.view(hidden, steps, batch).permute(2, 1, 0)


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_forward_and_backward_match_nn_lstm(scale: float) -> None:
    runs, hidden, vocab, steps, batch = 3, 4, 28, 6, 5
    weights = random_weights(runs, hidden, vocab, seed=0, scale=scale)
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, vocab, (steps, runs, batch), generator=g)
    out_weight = torch.randn(runs, hidden, steps * batch, generator=g, dtype=torch.float64)

    table = table_of(weights).requires_grad_()
    w_hh = weights["weight_hh_l0"].clone().requires_grad_()
    out = lstm_scan(table, w_hh, tokens)
    assert out.shape == (runs, hidden, steps * batch)
    (out * out_weight).sum().backward()

    for r in range(runs):
        lstm = torch_lstm(weights, r)
        x = F.one_hot(tokens[:, r].T, vocab).double()  # (batch, steps, vocab)
        expected, _ = lstm(x)  # (batch, steps, hidden)
        got = as_batch_first(out[r].detach(), steps, batch)
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)
        (expected * as_batch_first(out_weight[r], steps, batch)).sum().backward()
        # one-hot inputs: the table's gradient is the input weights' gradient, and its
        # column sums are the gradient of either bias
        torch.testing.assert_close(table.grad[r], lstm.weight_ih_l0.grad, rtol=0, atol=1e-10)
        torch.testing.assert_close(table.grad[r].sum(-1), lstm.bias_ih_l0.grad, rtol=0, atol=1e-10)
        torch.testing.assert_close(w_hh.grad[r], lstm.weight_hh_l0.grad, rtol=0, atol=1e-10)


def test_gradient_of_final_state_only() -> None:
    """A loss on the last step's hidden state alone (as in the discriminator)."""
    runs, hidden, vocab, steps, batch = 2, 3, 7, 5, 4
    weights = random_weights(runs, hidden, vocab, seed=2)
    tokens = torch.randint(
        0, vocab, (steps, runs, batch), generator=torch.Generator().manual_seed(3)
    )
    table = table_of(weights).requires_grad_()
    w_hh = weights["weight_hh_l0"].clone().requires_grad_()
    lstm_scan(table, w_hh, tokens)[:, :, -batch:].sum().backward()
    for r in range(runs):
        lstm = torch_lstm(weights, r)
        _, (h, _) = lstm(F.one_hot(tokens[:, r].T, vocab).double())
        h.sum().backward()
        torch.testing.assert_close(table.grad[r], lstm.weight_ih_l0.grad, rtol=0, atol=1e-10)
        torch.testing.assert_close(w_hh.grad[r], lstm.weight_hh_l0.grad, rtol=0, atol=1e-10)


def test_gradcheck_tiny() -> None:
    runs, hidden, vocab, steps, batch = 2, 2, 5, 3, 2
    weights = random_weights(runs, hidden, vocab, seed=4, scale=1.0)
    table = table_of(weights).requires_grad_()
    w_hh = weights["weight_hh_l0"].clone().requires_grad_()
    tokens = torch.randint(
        0, vocab, (steps, runs, batch), generator=torch.Generator().manual_seed(5)
    )
    assert torch.autograd.gradcheck(LSTMScan.apply, (table, w_hh, tokens), eps=1e-6, atol=1e-8)


def test_runs_are_independent() -> None:
    """Run r's outputs depend on run r's weights only."""
    runs, hidden, vocab, steps, batch = 3, 4, 28, 4, 3
    weights = random_weights(runs, hidden, vocab, seed=6)
    tokens = torch.randint(
        0, vocab, (steps, runs, batch), generator=torch.Generator().manual_seed(7)
    )
    base = lstm_scan(table_of(weights), weights["weight_hh_l0"], tokens)
    changed = {k: v.clone() for k, v in weights.items()}
    changed["weight_hh_l0"][1] += 0.3
    changed["weight_ih_l0"][1] -= 0.2
    other = lstm_scan(table_of(changed), changed["weight_hh_l0"], tokens)
    assert torch.equal(base[[0, 2]], other[[0, 2]])
    assert not torch.allclose(base[1], other[1])


def test_sampler_step_matches_scan() -> None:
    runs, hidden, vocab, steps, batch = 2, 4, 28, 5, 3
    weights = random_weights(runs, hidden, vocab, seed=8)
    tokens = torch.randint(
        0, vocab, (steps, runs, batch), generator=torch.Generator().manual_seed(9)
    )
    table = table_of(weights)
    scanned = lstm_scan(table, weights["weight_hh_l0"], tokens)
    step = lstm_sampler(table, weights["weight_hh_l0"])
    h = c = torch.zeros(runs, hidden, batch, dtype=torch.float64)
    for t in range(steps):
        h, c = step(tokens[t], h, c)
        block = scanned[:, :, t * batch : (t + 1) * batch]
        torch.testing.assert_close(h, block, rtol=0, atol=1e-12)
