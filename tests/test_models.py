"""Units of the reference models: likelihood by hand, normalisation, gradients, sampling rule."""

from __future__ import annotations

import itertools
import math
import random

import pytest
import torch
import torch.nn.functional as F
from defaults import model_config

from discrete_gan.config import ModelConfig
from discrete_gan.data.vocab import END_ID, LETTERS, START_ID, VOCAB_SIZE, encode_batch
from discrete_gan.model.networks import (
    PARAMETER_NAMES,
    Discriminator,
    Generator,
    draw_symbol,
    finish_names,
    init_uniform_,
    up_to_first_end,
)


def make_model(cls, config: ModelConfig, seed: int = 0, dtype=torch.float64):
    model = cls(config)
    init_uniform_(model, config.hidden_size, torch.Generator().manual_seed(seed))
    return model.to(dtype)


def hand_lstm_step(lstm, token: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
    """One LSTM step from the module's weights, written out: token (batch,), h, c (batch, H)."""
    x = F.one_hot(token, VOCAB_SIZE).to(h.dtype)
    gates = x @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0
    i, f, g, o = gates.chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def hand_step_probs(gen: Generator, ids: torch.Tensor) -> torch.Tensor:
    """Teacher-forced next-symbol probabilities (batch, steps, vocab), one step at a time."""
    batch, steps = ids.shape
    hidden = gen.config.hidden_size
    h = c = torch.zeros(batch, hidden, dtype=gen.out.weight.dtype)
    token = torch.full((batch,), START_ID)
    probs = []
    for t in range(steps):
        h, c = hand_lstm_step(gen.lstm, token, h, c)
        logits = gen.out(h)
        logits[:, START_ID] = -torch.inf  # `.` is an input only: never an output
        probs.append(torch.softmax(logits, dim=-1))
        token = ids[:, t]
    return torch.stack(probs, dim=1)


def random_names(n: int, max_len: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(LETTERS, k=rng.randint(0, max_len))) for _ in range(n)]


def test_log_likelihood_equals_hand_computed_product() -> None:
    config = model_config(hidden_size=5, max_steps=6)
    gen = make_model(Generator, config, seed=1)
    names = ["", "a", "zz", "abcde", "qwert", "m"]
    ids = encode_batch(names, config.max_steps)
    probs = hand_step_probs(gen, ids)  # (batch, steps, vocab)
    expected = []
    for b, name in enumerate(names):
        # every letter, then the first `$` (a name of max_steps - 1 letters has exactly one `$`)
        terms = [math.log(probs[b, t, ids[b, t]].item()) for t in range(len(name) + 1)]
        expected.append(sum(terms))
    with torch.no_grad():
        got = gen.log_likelihood(ids)
    torch.testing.assert_close(
        got, torch.tensor(expected, dtype=torch.float64), rtol=1e-12, atol=1e-12
    )


def test_log_likelihood_ignores_symbols_after_first_end() -> None:
    config = model_config(hidden_size=4, max_steps=5)
    gen = make_model(Generator, config, seed=2)
    padded = torch.tensor([[1, 2, END_ID, END_ID, END_ID]])
    garbage = torch.tensor([[1, 2, END_ID, 7, 0]])
    with torch.no_grad():
        torch.testing.assert_close(gen.log_likelihood(garbage), gen.log_likelihood(padded))


def test_up_to_first_end_mask() -> None:
    ids = torch.tensor([[1, END_ID, END_ID], [1, 2, 3], [END_ID, 4, END_ID]])
    expected = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    torch.testing.assert_close(up_to_first_end(ids), expected)


def all_prefix_events(max_steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every distinct outcome of sampling max_steps symbols and stopping at the first `$`.

    Returns ids (events, max_steps), `$`-padded, and a bool mask of the events that are names
    (letters only before the first `$`). Their probabilities partition 1.
    """
    non_end = range(END_ID)  # `.` and the letters
    events = []
    for k in range(max_steps + 1):
        for prefix in itertools.product(non_end, repeat=k):
            events.append(list(prefix) + [END_ID] * (max_steps - k))
    ids = torch.tensor(events)
    is_name = ((ids >= 1) & (ids <= 26)) | (ids == END_ID)
    has_end = (ids == END_ID).any(-1)
    return ids, is_name.all(-1) & has_end


def test_probabilities_of_all_names_sum_to_at_most_one() -> None:
    """With max_steps 3 a name has at most 2 letters; the rest of the mass is on the outcomes
    that are not names: 3 letters without `$` (the start symbol `.` is never an output)."""
    config = model_config(hidden_size=4, max_steps=3)
    gen = make_model(Generator, config, seed=3)
    ids, is_name = all_prefix_events(config.max_steps)
    assert int(is_name.sum()) == 1 + 26 + 26 * 26
    with torch.no_grad():
        p = gen.log_likelihood(ids).exp()
    names_total = p[is_name].sum().item()
    assert names_total <= 1 + 1e-12
    assert abs(names_total + p[~is_name].sum().item() - 1) < 1e-12
    # the exact complement: the mass of every outcome that is not a name, computed by hand
    probs = hand_step_probs(gen, ids)  # (events, steps, vocab)
    mask = up_to_first_end(ids).to(torch.float64)
    by_hand = (probs.gather(-1, ids.unsqueeze(-1)).squeeze(-1).log() * mask).sum(-1).exp()
    assert abs(names_total - (1 - by_hand[~is_name].sum().item())) < 1e-12
    has_start = (ids == START_ID).any(-1)
    assert p[has_start].max().item() == 0.0
    with torch.no_grad():
        p32 = make_model(Generator, config, seed=3, dtype=torch.float32).log_likelihood(ids).exp()
    assert p32[is_name].sum().item() <= 1 + 1e-6


def test_gradients_reach_every_generator_parameter() -> None:
    config = model_config()
    gen = make_model(Generator, config, seed=4, dtype=torch.float32)
    names = random_names(64, config.max_steps - 1, seed=0)
    gen.log_likelihood(encode_batch(names, config.max_steps)).sum().backward()
    for name, param in gen.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    input_grad = gen.lstm.weight_ih_l0.grad  # (4H, vocab): one column per input symbol
    assert (input_grad[:, :END_ID].abs().sum(0) > 0).all()
    # `$` is an input only after the first `$`, where the likelihood stops
    assert input_grad[:, END_ID].abs().sum() == 0


def test_free_sample_stops_at_end() -> None:
    config = model_config(hidden_size=6, max_steps=7)
    gen = make_model(Generator, config, seed=5)
    uniforms = torch.rand(500, config.max_steps - 1, generator=torch.Generator().manual_seed(0))
    ids = gen.sample(uniforms.double())
    assert ids.shape == (500, config.max_steps)
    assert (ids[:, -1] == END_ID).all()
    after_first_end = (ids == END_ID).cumsum(-1) > 0
    assert (ids[after_first_end] == END_ID).all()
    assert (ids == END_ID).sum() < ids.numel()  # not trivially all `$`


def test_free_sample_follows_inverse_cdf_of_teacher_forced_probabilities() -> None:
    """Each drawn symbol s satisfies cdf[s - 1] < u <= cdf[s] under the model's own
    probabilities given the drawn prefix, up to and including the first `$`."""
    config = model_config(hidden_size=6, max_steps=7)
    gen = make_model(Generator, config, seed=6)
    uniforms = torch.rand(300, config.max_steps - 1, generator=torch.Generator().manual_seed(1))
    uniforms = uniforms.double()
    ids = gen.sample(uniforms)
    cdf = hand_step_probs(gen, ids).cumsum(-1)[:, :-1]  # (batch, draws, vocab)
    drawn = ids[:, :-1]
    mask = up_to_first_end(drawn).bool()
    upper = cdf.gather(-1, drawn.unsqueeze(-1)).squeeze(-1)
    lower = torch.where(
        drawn > 0, cdf.gather(-1, (drawn - 1).clamp(min=0).unsqueeze(-1)).squeeze(-1), 0.0
    )
    assert (uniforms[mask] <= upper[mask] + 1e-12).all()
    assert (uniforms[mask] > lower[mask] - 1e-12).all()


def test_forced_sample_never_emits_end() -> None:
    config = model_config(hidden_size=6, max_steps=7)
    gen = make_model(Generator, config, seed=7)
    uniforms = torch.rand(500, config.max_steps, generator=torch.Generator().manual_seed(2))
    ids = gen.sample(uniforms.double(), forced=True)
    assert ids.shape == (500, config.max_steps)
    assert (ids != END_ID).all()


@pytest.mark.parametrize("forced", [False, True])
def test_sample_emits_only_letters_before_end(forced: bool) -> None:
    """Sampled names are names: the start symbol `.` is never drawn, so a forced name has
    exactly max_steps letters and a decoded free name has as many letters as symbols drawn."""
    config = model_config(hidden_size=6, max_steps=7)
    gen = make_model(Generator, config, seed=7)
    n_draws = config.max_steps if forced else config.max_steps - 1
    uniforms = torch.rand(500, n_draws, generator=torch.Generator().manual_seed(2))
    ids = gen.sample(uniforms.double(), forced=forced)
    assert (ids != START_ID).all(), f"{int((ids == START_ID).sum())} start symbols drawn"


def test_draw_symbol_picks_first_symbol_whose_cdf_reaches_uniform() -> None:
    logits = torch.full((VOCAB_SIZE,), -torch.inf, dtype=torch.float64)
    logits[[3, 10, END_ID]] = torch.tensor([0.0, 0.0, math.log(2.0)], dtype=torch.float64)
    # probabilities: 1/4 on `c` (3), 1/4 on `j` (10), 1/2 on `$`; cdf 0.25, 0.5, 1
    cases = {0.1: 3, 0.2499: 3, 0.2501: 10, 0.4999: 10, 0.5001: END_ID, 0.9999: END_ID}
    uniforms = torch.tensor(list(cases), dtype=torch.float64)
    got = draw_symbol(logits.expand(len(cases), -1), uniforms, forced=False)
    assert got.tolist() == list(cases.values())
    # forced: `$` gets probability zero, `c` and `j` 1/2 each
    forced_cases = {0.1: 3, 0.4999: 3, 0.5001: 10, 0.9999: 10}
    uniforms = torch.tensor(list(forced_cases), dtype=torch.float64)
    got = draw_symbol(logits.expand(len(forced_cases), -1), uniforms, forced=True)
    assert got.tolist() == list(forced_cases.values())


def test_draw_symbol_uniform_above_rounded_total_gives_last_symbol() -> None:
    logits = torch.zeros(VOCAB_SIZE, dtype=torch.float32)
    got = draw_symbol(logits[None], torch.tensor([1.0 + 1e-6]), forced=False)
    assert got.tolist() == [VOCAB_SIZE - 1]


def test_finish_names_pads_after_first_end() -> None:
    drawn = torch.tensor([[1, END_ID, 2], [1, 2, 3], [END_ID, END_ID, 5]])
    expected = [
        [1, END_ID, END_ID, END_ID],
        [1, 2, 3, END_ID],
        [END_ID, END_ID, END_ID, END_ID],
    ]
    assert finish_names(drawn).tolist() == expected


def test_discriminator_is_linear_in_final_hidden_state() -> None:
    config = model_config(hidden_size=5, max_steps=6)
    disc = make_model(Discriminator, config, seed=8)
    ids = encode_batch(["anna", "bob", "", "abcdef"], config.max_steps)
    with torch.no_grad():
        logits = disc(ids)
        h = c = torch.zeros(len(ids), config.hidden_size, dtype=torch.float64)
        states = []
        for t in range(config.max_steps):
            h, c = hand_lstm_step(disc.lstm, ids[:, t], h, c)
            states.append(h)
        expected = states[-1] @ disc.out.weight[0] + disc.out.bias[0]
        before_last = states[-2] @ disc.out.weight[0] + disc.out.bias[0]
    assert logits.shape == (4,)
    torch.testing.assert_close(logits, expected, rtol=1e-12, atol=1e-12)
    assert not torch.allclose(logits, before_last)


def test_discriminator_depends_on_every_position() -> None:
    config = model_config(hidden_size=5, max_steps=6)
    disc = make_model(Discriminator, config, seed=9)
    ids = encode_batch(["annaxy"], config.max_steps)
    with torch.no_grad():
        base = disc(ids)
        for t in range(config.max_steps):
            changed = ids.clone()
            changed[0, t] = END_ID
            assert not torch.allclose(disc(changed), base), t


def test_parameter_names_are_the_networks_state_dict_names() -> None:
    """The backends index stacked parameters by `PARAMETER_NAMES`: they must be exactly the
    names (and order) of both networks' state_dicts, which checkpoints store."""
    config = model_config()
    for cls in (Generator, Discriminator):
        assert tuple(cls(config).state_dict()) == PARAMETER_NAMES
