"""The 28-symbol alphabet: start `.`, letters `a`-`z`, end and padding `$`."""

from __future__ import annotations

import string

import torch

START = "."
END = "$"
LETTERS = string.ascii_lowercase
SYMBOLS = START + LETTERS + END
VOCAB_SIZE = len(SYMBOLS)  # 28
START_ID = SYMBOLS.index(START)  # 0
END_ID = SYMBOLS.index(END)  # 27
_INDEX = {symbol: i for i, symbol in enumerate(SYMBOLS)}


def encode(name: str, steps: int) -> list[int]:
    """Symbol ids of `name` padded with `$` to `steps` symbols (at least one `$` if it fits)."""
    if len(name) > steps:
        raise ValueError(f"name {name!r} is longer than {steps} symbols")
    if any(ch not in LETTERS for ch in name):
        raise ValueError(f"name {name!r} has symbols outside a-z")
    return [_INDEX[ch] for ch in name] + [END_ID] * (steps - len(name))


def encode_batch(names: list[str], steps: int) -> torch.Tensor:
    """Encode names into a (len(names), steps) int64 tensor."""
    return torch.tensor([encode(name, steps) for name in names], dtype=torch.long)


def decode(ids: list[int] | torch.Tensor) -> str:
    """The letters of a symbol sequence up to its first `$` (start symbols are skipped)."""
    out = []
    for i in ids.tolist() if isinstance(ids, torch.Tensor) else ids:
        if i == END_ID:
            break
        if i != START_ID:
            out.append(SYMBOLS[i])
    return "".join(out)


def decode_batch(ids: torch.Tensor) -> list[str]:
    """Decode a (batch, steps) tensor of symbol ids."""
    return [decode(row) for row in ids.tolist()]


def decode_raw(ids: torch.Tensor) -> list[str]:
    """Every symbol of each row of a (batch, steps) tensor, `$` included (for sequences that
    do not stop at `$`, as the paper's code samples them)."""
    return ["".join(SYMBOLS[i] for i in row) for row in ids.tolist()]


def name_length(name: str) -> int:
    """Letters in a name: every symbol but `$` (kept in raw free-running sequences); the start
    symbol `.` counts as a letter, as the paper's code counts it."""
    return len(name) - name.count("$")
