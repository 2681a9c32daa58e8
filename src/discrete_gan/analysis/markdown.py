"""The one Markdown table writer of the reports and docs pages."""

from __future__ import annotations

from collections.abc import Sequence

ALIGN = {"l": "---", "r": "---:"}


def escape_cell(text: str) -> str:
    """A cell's text with each `|` escaped, so that it never splits the cell (inside a code
    span too: a table's cells are split before code spans are read)."""
    return text.replace("|", "\\|")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A Markdown table (no trailing newline): the header, the alignment row, then `rows`.

    `align` holds one letter per column, `l` (left) or `r` (right, for numbers); columns past
    its end take its last letter ("lr": the first column left, the rest right; "": all left).
    Every cell, the header's included, is escaped once, here.
    """
    if set(align) - set(ALIGN):
        raise ValueError(f"align {align!r} holds letters other than l and r")
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"every row needs {len(header)} cells, as the header has")
    letters = align.ljust(len(header), align[-1:] or "l")
    alignment = [ALIGN[letter] for letter in letters[: len(header)]]
    lines = [header, alignment, *rows]
    return "\n".join("| " + " | ".join(map(escape_cell, line)) + " |" for line in lines)
