"""The vocabulary: start `.` (id 0), the letters of an alphabet, end and padding `$` (the last
id, so END = size - 1).

The paper's alphabet is a-z (28 symbols, `PAPER`); the config's `alphabet` names another, or
`auto`, the symbols the data hold (`auto_letters`). A `Vocab` travels with the model's settings
(`ModelConfig.vocab`) to wherever symbols become ids and back. The module's constants and
functions are the paper's vocabulary's, for code that only ever sees a-z.
"""

from __future__ import annotations

import functools
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

from discrete_gan.fileio import UserError

START = "."
END = "$"
START_ID = 0  # in every vocabulary
AUTO = "auto"  # the config's `alphabet: auto`: the symbols of the data
PAPER_LETTERS = string.ascii_lowercase
# Symbols no alphabet may hold: the start and end symbols, and `^`, which marks a name's start
# in the metrics' bigrams. Symbol ids must fit a byte (the kernels' token buffers).
RESERVED = START + END + "^"
MAX_SYMBOLS = 256
# Unicode categories of the symbols `auto` takes from the data: letters (L), marks (M, the
# accents of decomposed letters and the vowel signs of other scripts) and digits (N).
AUTO_CATEGORIES = ("L", "M", "N")


@dataclass(frozen=True)
class Vocab:
    """Start `.`, the `letters` in order, end `$`: ids 0, 1..len(letters), len(letters) + 1."""

    letters: str

    def __post_init__(self):
        letters = self.letters
        problem = None
        if not letters:
            problem = "it is empty"
        elif len(set(letters)) < len(letters):
            problem = "a symbol repeats"
        elif any(ch in RESERVED or not ch.isprintable() or ch.isspace() for ch in letters):
            problem = f"it holds a space, a control character or one of {' '.join(RESERVED)}"
        elif len(letters) + 2 > MAX_SYMBOLS:
            problem = f"it has more than {MAX_SYMBOLS - 2} symbols"
        if problem:
            raise UserError(
                f"alphabet {letters!r} cannot be used because {problem}; give each letter once "
                "(e.g. alphabet: abcdefghijklmnopqrstuvwxyz) or alphabet: auto"
            )

    @property
    def symbols(self) -> str:
        return START + self.letters + END

    @property
    def size(self) -> int:
        return len(self.letters) + 2

    @property
    def end_id(self) -> int:
        return self.size - 1

    @property
    def outputs(self) -> str:
        """The symbols a generator can emit: the letters and `$`."""
        return self.letters + END

    @property
    def label(self) -> str:
        """How errors name the alphabet: "a-z" for the paper's."""
        return "a-z" if self.letters == PAPER_LETTERS else f"the alphabet {self.letters!r}"

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {symbol: i for i, symbol in enumerate(self.symbols)}

    def encode(self, name: str, steps: int) -> list[int]:
        """Symbol ids of `name` padded with `$` to `steps` symbols (at least one `$` if it
        fits)."""
        if len(name) > steps:
            raise ValueError(f"name {name!r} is longer than {steps} symbols")
        if any(ch not in self.letters for ch in name):
            raise ValueError(f"name {name!r} has symbols outside {self.label}")
        return [self._index[ch] for ch in name] + [self.end_id] * (steps - len(name))

    def encode_batch(self, names: list[str], steps: int) -> torch.Tensor:
        """Encode names into a (len(names), steps) int64 tensor."""
        return torch.tensor([self.encode(name, steps) for name in names], dtype=torch.long)

    def decode(self, ids: list[int] | torch.Tensor) -> str:
        """The letters of a symbol sequence up to its first `$` (start symbols are skipped)."""
        out = []
        for i in ids.tolist() if isinstance(ids, torch.Tensor) else ids:
            if i == self.end_id:
                break
            if i != START_ID:
                out.append(self.symbols[i])
        return "".join(out)

    def decode_batch(self, ids: torch.Tensor) -> list[str]:
        """Decode a (batch, steps) tensor of symbol ids."""
        return [self.decode(row) for row in ids.tolist()]

    def decode_raw(self, ids: torch.Tensor) -> list[str]:
        """Every symbol of each row of a (batch, steps) tensor, `$` included (for sequences
        that do not stop at `$`, as the paper's code samples them)."""
        return ["".join(self.symbols[i] for i in row) for row in ids.tolist()]


PAPER = Vocab(PAPER_LETTERS)
LETTERS = PAPER.letters
SYMBOLS = PAPER.symbols
VOCAB_SIZE = PAPER.size  # 28
END_ID = PAPER.end_id  # 27


def auto_symbol(ch: str) -> bool:
    """Whether `alphabet: auto` takes the character: a letter, mark or digit."""
    return unicodedata.category(ch)[0] in AUTO_CATEGORIES


def auto_letters(names: Iterable[str], max_alphabet: int) -> str:
    """The alphabet of `names` (every symbol they hold, by code point), refused in one sentence
    when it has more than `max_alphabet` symbols."""
    letters = "".join(sorted(set().union(*map(set, names))))
    if len(letters) > max_alphabet:
        raise UserError(
            f"the corpus holds {len(letters)} distinct symbols, more than max_alphabet="
            f"{max_alphabet} ({letters}); raise max_alphabet or give an explicit alphabet "
            "that leaves out the rare ones"
        )
    if not letters:
        raise UserError("the corpus keeps no item, so it has no alphabet; check the corpus file")
    return letters


def read_alphabet(path) -> str:
    """The letters of an alphabet file (the filter's alphabet.txt: one line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read alphabet file {path} ({err}); run the filter step") from None
    return text.removesuffix("\n")


def encode(name: str, steps: int) -> list[int]:
    """`PAPER.encode`: ids of an a-z name padded with `$`."""
    return PAPER.encode(name, steps)


def encode_batch(names: list[str], steps: int) -> torch.Tensor:
    return PAPER.encode_batch(names, steps)


def decode(ids: list[int] | torch.Tensor) -> str:
    return PAPER.decode(ids)


def decode_batch(ids: torch.Tensor) -> list[str]:
    return PAPER.decode_batch(ids)


def decode_raw(ids: torch.Tensor) -> list[str]:
    return PAPER.decode_raw(ids)


def name_length(name: str) -> int:
    """Letters in a name: every symbol but `$` (kept in raw free-running sequences); the start
    symbol `.` counts as a letter, as the paper's code counts it."""
    return len(name) - name.count("$")
