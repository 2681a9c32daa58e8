"""The two kinds of name list, each with its one strict reader.

- Corpus names (`data/processed/names.txt`, the comparison's split): the filter's output, one
  lower-case a-z name per line; anything else means the file is not what the filter wrote.
- Sampled names (a run's `samples.txt`, `forced.txt`): one per line as the generator made
  them; an empty line is a real, zero-length name, so lines are kept exactly.
"""

from __future__ import annotations

from pathlib import Path

from discrete_gan.data.vocab import LETTERS
from discrete_gan.fileio import UserError


def read_corpus_names(path: str | Path) -> list[str]:
    """Filtered names, one per line; a clear error if the file is missing, empty or malformed."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"names file {path} does not exist; run the filter step first")
    names = path.read_text(encoding="utf-8").split()
    if not names:
        raise UserError(f"names file {path} holds no names; check the filter step's counts")
    bad = next((n for n in names if not set(n) <= set(LETTERS)), None)
    if bad is not None:
        raise UserError(
            f"names file {path} holds {bad!r}, which is not lower-case a-z; re-run the filter"
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
