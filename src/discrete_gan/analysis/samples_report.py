"""Render one run's generated names as Markdown, in the manner of Section 5.2 of the paper.

A few names drawn at random (seeded) are listed as bullets, as the paper lists them, followed by
the full lists so that a reader can check the picks were not cherry-picked.
"""

from __future__ import annotations

import numpy as np

from discrete_gan.data.vocab import name_length
from discrete_gan.fileio import UserError

EMPTY = "(empty)"


def show(name: str) -> str:
    """A name as displayed; the zero-length name gets a visible placeholder."""
    return name if name else EMPTY


def draw_names(names: list[str], n: int, rng: np.random.Generator, what: str) -> list[str]:
    """Draw n names without replacement, in draw order."""
    if not 1 <= n <= len(names):
        raise UserError(f"cannot show {n} of {len(names)} {what} names; lower --n-show.")
    return [names[i] for i in rng.choice(len(names), size=n, replace=False)]


def bullets(names: list[str]) -> str:
    return "\n".join(f"- {show(name)}" for name in names)


def code_block(names: list[str]) -> str:
    return "```text\n" + "".join(f"{show(name)}\n" for name in names) + "```"


def forced_length(forced: list[str]) -> str:
    """The letters every forced name has (max_steps of the run), read off the names."""
    lengths = {name_length(name) for name in forced}
    return str(lengths.pop()) if len(lengths) == 1 else "max_steps"


def render_samples(
    samples: list[str], forced: list[str], seed: int, run_seed: int, n_show: int = 5
) -> str:
    """Markdown with n_show random generated and forced names, then both full lists."""
    rng = np.random.default_rng(seed)
    picked = draw_names(samples, n_show, rng, "generated")
    picked_forced = draw_names(forced, n_show, rng, "forced")
    sections = [
        "# Generated names",
        f"Names from the generator trained with seed {run_seed}. The random picks below were "
        f"drawn without replacement with seed {seed}; `{EMPTY}` marks a zero-length name.",
        "## Random sample of generated names",
        bullets(picked),
        f"## Names forced to length {forced_length(forced)}",
        bullets(picked_forced),
        "## All generated names",
        f"{len(samples)} names, in the order the generator produced them.",
        code_block(samples),
        "## All forced names",
        f"{len(forced)} names, in the order the generator produced them.",
        code_block(forced),
    ]
    return "\n\n".join(sections) + "\n"
