"""A plain word list of another alphabet, as a user's own list might be (tests of corpus_file
and of make generality)."""

from __future__ import annotations

import random
from pathlib import Path

# Letters of the word list: a-z, accented letters, Cyrillic and a digit (alphabet: auto).
LETTERS = "abcdefghijklmnopqrstuvwxyzäöüéèçжзик7"
N_WORDS = 400
# Lines the filter drops, with the reason dropped.tsv gives.
BAD_LINES = {"two words": "non_letter", "o'clock": "non_letter", "": "empty"}
BAD_LINES["abcdefghijklmn"] = "too_long"


def word_list(path: Path, seed: int = 0) -> Path:
    """A plain UTF-8 word list: a byte-order mark, N_WORDS words of LETTERS (some upper-case,
    one decomposed), the BAD_LINES, CRLF line ends."""
    rng = random.Random(seed)
    words = ["".join(rng.choices(LETTERS, k=rng.randint(2, 8))) for _ in range(N_WORDS)]
    words[0], words[1] = "Über", "Zoe\u0308"
    lines = words[:200] + list(BAD_LINES) + words[200:]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    return path
