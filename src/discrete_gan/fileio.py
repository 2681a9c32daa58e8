"""Small I/O helpers shared by every step: user-facing errors, atomic writes, and the one
reader of CSV tables."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)


class UserError(Exception):
    """A problem the user can fix (bad input, bad config, no network): one clear sentence."""


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` only if the block succeeds.

    An interrupted or failing step therefore never leaves a half-written file that looks finished.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp creates 0600; give outputs the usual mode
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> None:
    """Write `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_lines(path: str | Path, lines: list[str]) -> None:
    """Write one item per line, atomically."""
    write_text(path, "".join(f"{line}\n" for line in lines))


def parse_named(item: str, form: str) -> tuple[str, Path]:
    """Split a `name=path` command-line item; `form` (e.g. "variant=path") names both parts in
    the error."""
    name, sep, path = item.partition("=")
    if not sep or not name or not path:
        raise UserError(f"expected {form}, not {item!r}; give each item as {form}.")
    return name, Path(path)


def run_cli(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> None:
    """Run a step's `main`, turning a UserError into one line on stderr and exit status 1."""
    try:
        main(argv)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None


def read_table(
    path: str | Path,
    columns: Sequence[str],
    what: str,
    fix: str,
    numeric: Sequence[str] = (),
    dtype: dict | None = None,
) -> pd.DataFrame:
    """Read a CSV table and check that it has `columns` and a row, and that the `numeric`
    columns hold finite numbers (converted to float). Each problem is a UserError naming the
    table (`what`, e.g. "losses file") and what to do (`fix`)."""
    try:
        table = pd.read_csv(path, dtype=dtype)
    except (OSError, UnicodeDecodeError, pd.errors.EmptyDataError, pd.errors.ParserError) as err:
        raise UserError(f"cannot read {what} {path} ({err}); {fix}.") from None
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise UserError(f"{what} {path} lacks column(s) {', '.join(missing)}; {fix}.")
    if table.empty:
        raise UserError(f"{what} {path} has no rows; {fix}.")
    if numeric:
        values = table[list(numeric)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        if not np.isfinite(values).all():
            raise UserError(f"{what} {path} holds a missing, non-numeric or infinite value; {fix}.")
        table[list(numeric)] = values
    return table
