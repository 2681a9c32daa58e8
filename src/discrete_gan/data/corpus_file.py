"""Your own list instead of the names corpus: `corpus_file`, a UTF-8 text file, one item per line.

The workflow computes the file's SHA-256 when it builds its graph of jobs and passes it to the
step that copies the file into `data/raw/corpus.txt` (`install_corpus_file`), while the path
travels outside the step's parameters: the corpus's identity is its checksum, so the same bytes
under another path rerun nothing, and bytes that change between the two are refused. The copy
is byte for byte; the filter removes a byte-order mark and keeps or drops each line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from discrete_gan.data.download import normalize_sha256
from discrete_gan.fileio import UserError, atomic_path

CORPUS_NAME = "corpus.txt"
BOM = "\ufeff"


def corpus_file_digest(path: str | Path) -> str:
    """The file's SHA-256, or a UserError if it is not a file, not UTF-8 or empty: the
    workflow calls it while it builds its graph, so such a file is refused before any step
    runs (and before Snakemake removes the outputs of the step that would copy it)."""
    data = read_corpus_file(path)
    check_text(data, str(path))
    return hashlib.sha256(data).hexdigest()


def read_corpus_file(path: str | Path) -> bytes:
    """The file's bytes, or a UserError if it is not a file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"corpus_file {path} does not exist; give the path of a UTF-8 text file with one "
            "item per line (relative paths start at the working directory)."
        )
    return path.read_bytes()


def check_text(data: bytes, where: str) -> None:
    """A UserError if `data` is not UTF-8 or holds no item."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UserError(
            f"corpus_file {where} is not UTF-8 text (line {line} holds byte "
            f"{data[err.start]:#04x}); save it as UTF-8 and run again."
        ) from None
    if not text.removeprefix(BOM).strip():
        raise UserError(
            f"corpus_file {where} is empty; give a file with one item per line, or set "
            "corpus_file: null for the names corpus."
        )


def install_corpus_file(source: str | Path, sha256: str, out: str | Path) -> dict:
    """Copy `source` to `out` atomically after checking that it has the digest `sha256`, is
    UTF-8 and holds an item. Returns {"source", "sha256", "bytes", "lines"}."""
    source, expected = Path(source), normalize_sha256(sha256)
    data = read_corpus_file(source)
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise UserError(
            f"corpus_file {source} changed while the workflow ran (sha256 {digest}, expected "
            f"{expected}); leave it alone until the run ends, then run again."
        )
    check_text(data, str(source))
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    return {"source": str(source), "sha256": digest, "bytes": len(data), "lines": lines}
