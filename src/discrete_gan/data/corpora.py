"""Two more real corpora, from packages that ship their data, for `make generality`.

Each corpus is a list of about the names corpus's size (7,769 names), so a run on it costs what
a run on the names does, chosen by a rule recorded beside it:

- `english_words`: English words of the `web2` list (Webster's Second International
  Dictionary, 1934) that the `english-words` package ships, lower-cased, of 1 to
  `MAX_LETTERS` letters a-z; a seeded sample of `SIZE` of them, sorted.
- `german_words`: the most frequent German words of the `wordfreq` package (`top_n_list`),
  made of letters only (umlauts and accented loan letters included), of 1 to `MAX_LETTERS`
  letters: the first `SIZE` in frequency order.

`build_corpus` writes `<name>.txt` (one item per line, UTF-8) and `<name>.json` (the package,
its version and licence, the rule, the count and the file's SHA-256). The packages are pinned in
requirements-generality.txt, which `make generality` installs; they are imported only here.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from discrete_gan.fileio import UserError, write_text

SIZE = 8000  # items per corpus, about the names corpus's 7,769
MAX_LETTERS = 9  # the paper's max_len: longer items would only be dropped by the filter
SAMPLE_SEED = 0
# wordfreq's frequency list is read this far to find SIZE short words made of letters.
WORDFREQ_DEPTH = 40000


def seeded_sample(words: Sequence[str], size: int, seed: int) -> list[str]:
    """`size` distinct words drawn with `seed` from the sorted distinct `words`, sorted."""
    pool = sorted(set(words))
    if len(pool) < size:
        raise UserError(f"the word list holds {len(pool)} words, fewer than {size}; lower SIZE.")
    return sorted(random.Random(seed).sample(pool, size))


def first_words(words: Sequence[str], size: int) -> list[str]:
    """The first `size` distinct `words`, in their order."""
    chosen = list(dict.fromkeys(words))[:size]
    if len(chosen) < size:
        raise UserError(f"the word list holds {len(chosen)} words, fewer than {size}.")
    return chosen


def short_letters(word: str, ascii_only: bool = False) -> bool:
    """A word of 1 to MAX_LETTERS letters (ASCII letters only if `ascii_only`)."""
    return 0 < len(word) <= MAX_LETTERS and word.isalpha() and (word.isascii() or not ascii_only)


def english_words() -> list[str]:
    words = module("english_words", "english-words").get_english_words_set(["web2"], lower=True)
    short = [word for word in words if short_letters(word, ascii_only=True)]
    return seeded_sample(short, SIZE, SAMPLE_SEED)


def german_words() -> list[str]:
    words = module("wordfreq", "wordfreq").top_n_list("de", WORDFREQ_DEPTH)
    return first_words([word for word in words if short_letters(word)], SIZE)


@dataclass(frozen=True)
class Corpus:
    """A corpus: the package (PyPI name) that ships its data, the data's licence, how its items
    are chosen, and the function that chooses them."""

    package: str
    licence: str
    rule: str
    items: Callable[[], list[str]]


CORPORA = {
    "english_words": Corpus(
        "english-words",
        "package MIT, its web2 list Webster's Second International Dictionary of 1934, "
        "in the public domain",
        f"web2, lower-cased, words of 1-{MAX_LETTERS} letters a-z: a sample of {SIZE} "
        f"drawn with seed {SAMPLE_SEED}, sorted",
        english_words,
    ),
    "german_words": Corpus(
        "wordfreq",
        "package Apache-2.0, its word-frequency data CC BY-SA 4.0: attribution, share alike",
        f"top_n_list('de', {WORDFREQ_DEPTH}): the {SIZE} most frequent words made of letters "
        f"only, of 1-{MAX_LETTERS} letters, in frequency order",
        german_words,
    ),
}


def module(name: str, package: str):
    """Import a corpus package, or say how to install it in one sentence."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise UserError(
            f"the package {package} is not installed; run make generality, which installs "
            "requirements-generality.txt, or pip install -r requirements-generality.txt."
        ) from None


def build_corpus(name: str, out_dir: Path) -> dict:
    """Write corpus `name`'s items and its manifest into out_dir; returns the manifest."""
    if name not in CORPORA:
        raise UserError(f"no corpus {name!r}; choose one of {', '.join(CORPORA)}.")
    corpus = CORPORA[name]
    text = "".join(f"{item}\n" for item in corpus.items())
    manifest = {
        "corpus": name,
        "package": corpus.package,
        "version": metadata.version(corpus.package),
        "licence": corpus.licence,
        "rule": corpus.rule,
        "items": text.count("\n"),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    write_text(out_dir / f"{name}.txt", text)
    write_text(out_dir / f"{name}.json", json.dumps(manifest, indent=2) + "\n")
    return manifest
