"""The paper's name filter: lower-case, letters a-z only, at most `max_len` letters.

Every input line lands in exactly one bucket, so the counts add up:
lines_read = undecodable + empty + non_letter + too_long + kept. Names with letters outside
a-z (accents included) are dropped, not transliterated, as the paper's code drops them; every
dropped line can be written out with its reason (`--dropped`, `data/processed/dropped.tsv`).

Another alphabet (`alphabet` in the config) keeps the lines made of its letters once
NFC-normalised and lower-cased, and `auto` keeps every line of letters, marks and digits, in
any script; its alphabet is then the symbols of the kept lines (`vocab.auto_letters`). With an
ASCII alphabet such as the paper's, a line with any other character is dropped (a few
non-ASCII letters, such as the Kelvin sign, lower-case or normalise to ASCII ones).
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from discrete_gan.data.vocab import AUTO, PAPER_LETTERS, Vocab, auto_letters, auto_symbol
from discrete_gan.fileio import UserError

# Stray whitespace around a name (the "\r" of a CRLF line ending included); "\n" ends a line.
STRAY_WHITESPACE = " \t\r\f\v"
UTF8_BOM = b"\xef\xbb\xbf"  # a byte-order mark some editors put at the start of a file
# A name list with fewer kept names than this is cut short or not a name list (the corpus's
# lists keep 4,896 and 2,873 names).
MIN_NAMES_PER_LIST = 100
DOWNLOAD_AGAIN = "download the corpus again"


def decode_line(line: str | bytes) -> str | None:
    """Return the line's text without its "\\n" terminator, or None if it is not UTF-8."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return line.removesuffix("\n")


def check_alphabet(alphabet: str) -> None:
    """A UserError if `alphabet` is neither `auto` nor letters that a lower-cased, NFC-normalised
    line can hold."""
    if alphabet == AUTO:
        return
    Vocab(alphabet)
    if unicodedata.normalize("NFC", alphabet).lower() != alphabet:
        raise UserError(
            f"alphabet {alphabet!r} holds upper-case or unnormalised letters, which no line "
            "keeps once lower-cased; write the alphabet in lower case"
        )


def letters_label(alphabet: str) -> str:
    """How a message names what a kept line is made of."""
    if alphabet == AUTO:
        return "letters, marks or digits"
    return "letters a-z" if alphabet == PAPER_LETTERS else f"letters of {Vocab(alphabet).label}"


def in_alphabet(name: str, alphabet: str) -> bool:
    """Whether a lower-cased line is made of the alphabet's letters (of letters, marks and
    digits for `auto`)."""
    if alphabet == AUTO:
        return all(map(auto_symbol, name))
    return set(name) <= set(alphabet)


def classify(text: str, max_len: int, alphabet: str = PAPER_LETTERS) -> tuple[str, str | None]:
    """Return (bucket, name) for one decoded line; name is set only when the bucket is "kept"."""
    stripped = text.strip(STRAY_WHITESPACE)
    if not stripped:
        return "empty", None
    # ASCII first: a few non-ASCII letters (the Kelvin sign) lower-case to a-z.
    if alphabet != AUTO and alphabet.isascii() and not stripped.isascii():
        return "non_letter", None
    name = unicodedata.normalize("NFC", stripped).lower()
    if not in_alphabet(name, alphabet):
        return "non_letter", None
    if len(name) > max_len:
        return "too_long", None
    return "kept", name


def filter_names(
    lines: Iterable[str | bytes],
    max_len: int = 9,
    deduplicate: bool = False,
    dropped: list | None = None,
    alphabet: str = PAPER_LETTERS,
) -> tuple[list[str], dict]:
    """Filter lines (str, or bytes decoded one line at a time) into names plus counts.

    Without `deduplicate`, names kept twice stay twice (the paper's own code does this);
    with it, only the first occurrence of each name is kept, in input order.
    `whitespace_stripped` counts non-blank lines that had stray whitespace around them.
    Given a `dropped` list, (line index, bucket, line) of every line not kept is appended.
    `alphabet` is the letters a name may hold, or `auto` (see the module's docstring).
    """
    if max_len < 1:
        raise UserError(f"max_len must be at least 1, got {max_len}; pass a positive --max-len.")
    buckets = dict.fromkeys(["undecodable", "empty", "non_letter", "too_long", "kept"], 0)
    counts = {"lines_read": 0, **buckets, "whitespace_stripped": 0}
    names: list[str] = []
    for line in lines:
        counts["lines_read"] += 1
        text = decode_line(line)
        if text is None:
            bucket, name = "undecodable", None
        else:
            bucket, name = classify(text, max_len, alphabet)
        counts[bucket] += 1
        if dropped is not None and bucket != "kept":
            dropped.append((counts["lines_read"] - 1, bucket, line))
        if bucket not in ("undecodable", "empty"):
            counts["whitespace_stripped"] += text != text.strip(STRAY_WHITESPACE)
        if name is not None:
            names.append(name)
    distinct = list(dict.fromkeys(names))
    counts["distinct"] = len(distinct)
    counts["duplicates_removed"] = len(names) - len(distinct) if deduplicate else 0
    result = distinct if deduplicate else names
    counts.update(written=len(result), max_len=max_len, deduplicate=deduplicate)
    return result, counts


def read_lines(path: str | Path) -> tuple[list[bytes], bool]:
    """Read a file's lines as raw bytes, split on "\\n" only; a final line needs no terminator.
    A UTF-8 byte-order mark at the start is removed (it would make the first name a non-letter);
    the second value says whether there was one.

    A "\\r" therefore stays on its line and is stripped (and counted) as stray whitespace.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"name list {path} does not exist; run the download step first.")
    data = path.read_bytes()
    bom = data.startswith(UTF8_BOM)
    lines = data.removeprefix(UTF8_BOM).split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines, bom


def filter_files(
    paths: Sequence[str | Path],
    max_len: int = 9,
    deduplicate: bool = False,
    min_names: int = MIN_NAMES_PER_LIST,
    dropped: list | None = None,
    alphabet: str = PAPER_LETTERS,
    fix: str = DOWNLOAD_AGAIN,
) -> tuple[list[str], dict]:
    """Filter the name lists in `paths`, read in order (female.txt then male.txt). A list that
    keeps fewer than `min_names` names is refused, with `fix` as what to do. Given a `dropped`
    list, (file name, line number from 1, reason, line) of every line not kept is appended."""
    per_file = [(Path(p), *read_lines(p)) for p in paths]
    lines = [line for _, file_lines, _ in per_file for line in file_lines]
    indexed: list = []
    names, counts = filter_names(lines, max_len, deduplicate, indexed, alphabet)
    starts = list(
        itertools.accumulate((len(file_lines) for _, file_lines, _ in per_file), initial=0)
    )
    located = [(bisect.bisect_right(starts, i) - 1, i, bucket, line) for i, bucket, line in indexed]
    for k, (path, file_lines, _) in enumerate(per_file):
        kept = len(file_lines) - sum(file == k for file, *_ in located)
        if kept < min_names:
            letters = letters_label(alphabet)
            raise UserError(
                f"name list {path} holds {kept} names of 1 to {max_len} {letters}, fewer than "
                f"{min_names}; it is empty or cut short: {fix}."
            )
    if dropped is not None:
        dropped.extend(
            (per_file[k][0].name, i - starts[k] + 1, bucket, line) for k, i, bucket, line in located
        )
    files = [
        {"name": p.name, "lines_read": len(file_lines), "bom_removed": bom}
        for p, file_lines, bom in per_file
    ]
    return names, {"files": files, **counts}


def resolve_alphabet(names: Sequence[str], alphabet: str, max_alphabet: int) -> str:
    """The letters of the kept names' vocabulary: an explicit alphabet as it is, and for `auto`
    the symbols the names hold (refused past `max_alphabet`)."""
    return auto_letters(names, max_alphabet) if alphabet == AUTO else alphabet


def dropped_tsv(dropped: list) -> str:
    """The dropped lines as TSV text: file, line, reason and the line itself, escaped so that it
    holds no tab or newline (undecodable bytes as \\x.. escapes, other letters as they are)."""
    rows = ["file\tline\treason\ttext"]
    for name, number, reason, line in dropped:
        text = line.decode("utf-8", "backslashreplace") if isinstance(line, bytes) else line
        text = "".join(  # tabs and other control characters escaped, the rest as it is
            ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
        )
        rows.append(f"{name}\t{number}\t{reason}\t{text}")
    return "\n".join(rows) + "\n"


def summary(counts: dict) -> str:
    """One readable line per count, for the step's log."""
    per_file = ", ".join(f"{f['name']}: {f['lines_read']}" for f in counts["files"])
    keys = [k for k in counts if k != "files"]
    return "\n".join([f"lines read per file: {per_file}", *(f"{k}: {counts[k]}" for k in keys)])
