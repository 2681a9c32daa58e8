"""The figures' colours, defined once: a variant has one colour in every figure that shows it
(Figures 5 and 6, the variants side by side, the diagnostics, the paper-units figure), alone or
beside any others, and a method one colour in every figure of the comparison and benchmark."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from discrete_gan.config import VARIANTS

# The ladder, from the paper's text to its code, in Matplotlib's first six categorical colours.
VARIANT_COLORS = dict(
    zip(
        VARIANTS,
        ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"),
        strict=True,
    )
)
# Names outside the ladder (a figure drawn from tables named otherwise), in order of appearance.
SPARE_COLORS = ("tab:pink", "tab:olive", "tab:cyan", "tab:gray")
# The lines and bars of a figure that names no variant, and real names beside generated ones.
UNNAMED_COLOR = "0.25"
REAL_COLOR = "0.6"
PAPER_COLOR = "black"  # the values read off the paper's figures


def variant_colors(variants: Iterable[str]) -> dict[str, str]:
    """{variant: colour} of `variants`: the ladder's own colour, a spare one for any other, and
    UNNAMED_COLOR for "" (no variant named)."""
    spare = itertools.cycle(SPARE_COLORS)
    return {
        variant: VARIANT_COLORS.get(variant) or (next(spare) if variant else UNNAMED_COLOR)
        for variant in variants
    }


def method_colors(methods: Iterable[str]) -> dict[str, str]:
    """One colour per method, in table order, from Matplotlib's default cycle."""
    return {method: f"C{i % 10}" for i, method in enumerate(methods)}
