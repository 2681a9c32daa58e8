"""The two kinds of name list, each with its one strict reader.

- Corpus names (`data/processed/names.txt`, the comparison's split): the filter's output, one
  name of the alphabet's letters per line (lower-case a-z by default); anything else means the
  file is not what the filter wrote.
- Sampled names (a run's `samples.txt`, `forced.txt`): one per line as the generator made
  them; an empty line is a real, zero-length name, so lines are kept exactly.
"""

from __future__ import annotations

from pathlib import Path

from discrete_gan.data.vocab import RESERVED, Vocab
from discrete_gan.fileio import UserError


def read_corpus_names(path: str | Path, letters: str | None = None) -> list[str]:
    """Filtered names, one per line; a clear error if the file is missing, empty or malformed:
    a name must be made of `letters` (the alphabet's, when the step knows it) or else of any
    symbols but the vocabulary's reserved ones."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"names file {path} does not exist; run the filter step first")
    names = path.read_text(encoding="utf-8").split()
    if not names:
        raise UserError(f"names file {path} holds no names; check the filter step's counts")
    if letters is None:
        bad = next((n for n in names if set(n) & set(RESERVED)), None)
        allowed = f"symbols other than {' '.join(RESERVED)}"
    else:
        bad = next((n for n in names if not set(n) <= set(letters)), None)
        allowed = Vocab(letters).label
    if bad is not None:
        raise UserError(
            f"names file {path} holds {bad!r}, which is not made of {allowed}; re-run the filter"
        )
    return names


def read_sample_names(path: str | Path, hint: str = "check the path") -> list[str]:
    """One sampled name per line, empty lines kept as zero-length names; the file must exist,
    decode and hold a line (`hint` says what to do otherwise)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read {path} ({err}); {hint}.") from None
    if not lines:
        raise UserError(f"{path} holds no names; {hint}.")
    return lines
