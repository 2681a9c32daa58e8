"""Generator and discriminator of one run, as plain `nn.Module`s (paper Section 4).

These are the readable reference models: `backends/torch_runs.py` trains many runs at once
with the same
parameters stacked along a leading `runs` dimension, and checkpoints store these modules'
`state_dict`s, so a sampler can rebuild a model from the file alone.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from discrete_gan.config import ModelConfig
from discrete_gan.data.vocab import END_ID, START_ID

# The names of both networks' parameters in their `state_dict`s (nn.LSTM's and nn.Linear's),
# which checkpoints store and the backends index their stacked parameters by.
W_IH, W_HH = "lstm.weight_ih_l0", "lstm.weight_hh_l0"  # (4H, vocab), (4H, H)
B_IH, B_HH = "lstm.bias_ih_l0", "lstm.bias_hh_l0"  # (4H,) each
OUT_W, OUT_B = "out.weight", "out.bias"  # (outputs, H), (outputs,)
PARAMETER_NAMES = (W_IH, W_HH, B_IH, B_HH, OUT_W, OUT_B)


def init_uniform_(module: nn.Module, hidden_size: int, generator: torch.Generator) -> None:
    """PyTorch's default LSTM/Linear initialisation, U(-1/sqrt(H), 1/sqrt(H)), from `generator`.

    With input size H to the linear layers this equals their default too; drawing it from an
    explicit generator makes a run's initial weights depend on its seed alone.
    """
    bound = 1.0 / math.sqrt(hidden_size)
    with torch.no_grad():
        for param in module.parameters():
            param.uniform_(-bound, bound, generator=generator)


class Discriminator(nn.Module):
    """One-hot symbols -> LSTM -> final hidden state -> linear -> logit of "real"."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.vocab_size = config.vocab.size
        self.lstm = nn.LSTM(self.vocab_size, config.hidden_size, batch_first=True)
        self.out = nn.Linear(config.hidden_size, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits (batch,) for symbol sequences `ids` (batch, steps)."""
        x = F.one_hot(ids, self.vocab_size).to(self.out.weight.dtype)  # (batch, steps, vocab)
        _, (h, _) = self.lstm(x)  # h: (1, batch, hidden)
        return self.out(h[0]).squeeze(-1)


class Generator(nn.Module):
    """Character LSTM that starts from `.` and emits a softmax over the vocabulary's symbols
    per step (28 with the paper's a-z)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.vocab = config.vocab
        self.lstm = nn.LSTM(self.vocab.size, config.hidden_size, batch_first=True)
        self.out = nn.Linear(config.hidden_size, self.vocab.size)

    def _one_hot(self, ids: torch.Tensor) -> torch.Tensor:
        return F.one_hot(ids, self.vocab.size).to(self.out.weight.dtype)

    def log_likelihood(
        self, ids: torch.Tensor, temperature: float = 1.0, whole: bool = False
    ) -> torch.Tensor:
        """log P_G of each `$`-padded name in `ids` (batch, steps), by teacher forcing.

        The product of step probabilities runs up to and including the first `$` (over every
        position if `whole`, as the paper's code does). With a
        `temperature`, the output logits are divided by it first (the distribution that
        `sample` draws from at that temperature).
        """
        start = torch.full_like(ids[:, :1], START_ID)
        inputs = torch.cat([start, ids[:, :-1]], dim=1)  # (batch, steps)
        hidden, _ = self.lstm(self._one_hot(inputs))  # (batch, steps, hidden)
        logits = self.out(hidden) / temperature  # (batch, steps, vocab)
        log_probs = output_log_probs(logits, ban_start=self.config.ban_start)
        step_log_p = log_probs.gather(-1, ids.unsqueeze(-1)).squeeze(-1)  # (batch, steps)
        if whole:
            return step_log_p.sum(-1)
        return step_log_p.where(up_to_first_end(ids, end_id=self.vocab.end_id) > 0, 0.0).sum(-1)

    @torch.no_grad()
    def sample(
        self,
        uniforms: torch.Tensor,
        forced: bool = False,
        temperature: float = 1.0,
        stop: bool = True,
    ) -> torch.Tensor:
        """Sample names (batch, max_steps) by inverse-CDF with `uniforms` (batch, n_draws), from
        the output distribution at `temperature` (logits divided by it).

        Unforced: n_draws = max_steps - 1; positions after the first `$` are `$` padding and the
        last symbol is always `$` (at most max_steps - 1 letters). Forced: n_draws = max_steps,
        the probability of `$` is zero, so every name has max_steps letters. Unforced without
        `stop` (the paper's code), the n_draws drawn symbols are returned as they are, letters
        after a `$` included.
        """
        batch, n_draws = uniforms.shape
        token = torch.full((batch, 1), START_ID, dtype=torch.long, device=uniforms.device)
        state, drawn = None, []
        for t in range(n_draws):
            hidden, state = self.lstm(self._one_hot(token), state)  # (batch, 1, hidden)
            logits = self.out(hidden[:, 0]) / temperature  # (batch, vocab)
            token = draw_symbol(logits, uniforms[:, t], forced, self.config.ban_start)
            token = token.unsqueeze(1)
            drawn.append(token)
        ids = torch.cat(drawn, dim=1)
        return finish_names(ids, self.vocab.end_id) if stop and not forced else ids


def _ban(logits: torch.Tensor, symbols: list[int], dim: int = -1) -> torch.Tensor:
    """Logits with the given symbols' entries set to -inf (probability zero)."""
    if not symbols:
        return logits
    index = torch.tensor(symbols, device=logits.device)
    return logits.index_fill(dim, index, -torch.inf)


def output_log_probs(logits: torch.Tensor, dim: int = -1, ban_start: bool = True) -> torch.Tensor:
    """The generator's output distribution: softmax over the vocabulary except the start symbol
    `.`, which is only ever an input (a name never contains it); over every symbol without
    `ban_start`, as the paper's code does."""
    return _ban(logits, [START_ID] if ban_start else [], dim).log_softmax(dim)


def draw_symbol(
    logits: torch.Tensor, uniforms: torch.Tensor, forced: bool, ban_start: bool = True
) -> torch.Tensor:
    """Inverse-CDF draw from the output distribution of logits (..., vocab) with uniforms (...):
    the first symbol whose cumulative probability reaches the uniform; `$` (the last symbol) too
    has probability zero if `forced`, and `.` has unless `ban_start` is off."""
    end_id = logits.shape[-1] - 1
    banned = ([START_ID] if ban_start else []) + ([end_id] if forced else [])
    cdf = _ban(logits, banned).softmax(-1).cumsum(-1)
    values = uniforms.unsqueeze(-1).to(cdf.dtype).contiguous()
    symbol = torch.searchsorted(cdf, values).squeeze(-1)
    # Never a banned first symbol (a uniform of exactly 0) nor past the last allowed one (a
    # uniform above the rounded total of 1).
    first = START_ID + 1 if ban_start else START_ID
    return symbol.clamp_(min=first, max=end_id - 1 if forced else end_id)


def finish_names(drawn: torch.Tensor, end_id: int = END_ID) -> torch.Tensor:
    """Pad drawn symbols (..., steps - 1) after their first `$` (id `end_id`, the paper's by
    default) and append the final `$`."""
    after_end = (drawn == end_id).cumsum(-1) > 0
    drawn = drawn.masked_fill(after_end, end_id)
    return F.pad(drawn, (0, 1), value=end_id)


def up_to_first_end(ids: torch.Tensor, dim: int = -1, end_id: int = END_ID) -> torch.Tensor:
    """Float mask shaped like ids of the positions up to and including the first `$` (id
    `end_id`, the paper's by default) along `dim` (the steps)."""
    is_end = (ids == end_id).to(torch.int64)
    before_or_at_first = (is_end.cumsum(dim) - is_end) == 0
    return before_or_at_first.to(torch.get_default_dtype())
