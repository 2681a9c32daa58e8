"""Bands for `verify` from a statistic's sampling distribution, at a stated false-alarm rate.

A checked value (a 4-run mean of the CI config, a 30-run mean of the full config) varies with
the seeds, and a run on another kind of CPU rounds differently, so its chaotic GAN trajectories
diverge as if the seeds had changed. A band therefore comes from the value's spread over many
independent seed sets, not from repeats of one set:

- `prediction_band`: the normal prediction interval for one new observation from n measured
  ones, mean +- t(1 - alpha/2; n-1) * sd * sqrt(1 + 1/n): a correct program falls outside with
  probability alpha if the values are normal (Student's t accounts for estimating the sd).
- `reference_band`: around one reference run's value, from its standard error (per-run spread
  over sqrt(runs), or resampled): a new run's value differs from the reference by the
  difference of two independent means, whose sd is sqrt(2) times the standard error.
- `flip_bound`: for a verdict that never changed in `draws` resampled seed sets, the 95 %
  upper bound on how often it changes (the rule of three, 3 / draws).

`t_quantile` needs no SciPy: the t distribution's tail is a regularised incomplete beta
function, evaluated by its continued fraction and inverted by bisection.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Flips seen in resampled sets: the 95 % upper bound on the rate when none is seen is 3 / draws.
RULE_OF_THREE = 3.0


@dataclass(frozen=True)
class Band:
    """[low, high] and how it was set: the centre, the sd it scales, the multiplier."""

    low: float
    high: float
    centre: float
    sd: float
    k: float
    n: int


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, fpmin = 1e-15, 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > fpmin else fpmin)
    h = d
    for m in range(1, 1000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > fpmin else fpmin)
            c = 1.0 + numerator / c
            c = c if abs(c) > fpmin else fpmin
            h *= d * c
        if abs(d * c - 1.0) < tiny:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for 0 <= x <= 1."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_two_sided_tail(x: float, df: int) -> float:
    """P(|T| > x) for Student's t with `df` degrees of freedom."""
    x = abs(x)
    return incomplete_beta(df / 2.0, 0.5, df / (df + x * x))


@functools.lru_cache(maxsize=256)
def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with `df` degrees of freedom, for 0.5 <= p < 1."""
    if not 0.5 <= p < 1.0 or df < 1:
        raise ValueError(f"t_quantile needs 0.5 <= p < 1 and df >= 1, got p={p}, df={df}")
    tail = 2.0 * (1.0 - p)
    low, high = 0.0, 1.0
    while t_two_sided_tail(high, df) > tail:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if t_two_sided_tail(middle, df) > tail else (low, middle)
    return 0.5 * (low + high)


def normal_quantile(p: float) -> float:
    """The p-quantile of the standard normal distribution."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def prediction_band(values: Sequence[float], alpha: float, floor: float = 0.0) -> Band:
    """The two-sided normal prediction interval at rate `alpha` for one more value like
    `values`; `floor` is the least half-width (a value with no spread, such as one fixed by
    the data alone, still gets room for the last digits)."""
    array = np.asarray(values, dtype=float)
    n = len(array)
    if n < 3:
        raise ValueError(f"a prediction band needs at least 3 values, got {n}")
    centre, sd = float(array.mean()), float(array.std(ddof=1))
    k = t_quantile(1.0 - alpha / 2.0, n - 1)
    half = max(k * sd * math.sqrt(1.0 + 1.0 / n), floor)
    return Band(centre - half, centre + half, centre, sd, k, n)


def reference_band(estimate: float, standard_error: float, alpha: float, n: int) -> Band:
    """Band around a reference run's `estimate` for another run of the same size: +- z(1 -
    alpha/2) * sqrt(2) * standard_error (the sd of the difference of two independent means)."""
    k = normal_quantile(1.0 - alpha / 2.0)
    half = k * math.sqrt(2.0) * standard_error
    return Band(estimate - half, estimate + half, estimate, standard_error, k, n)


def flip_bound(flips: int, draws: int) -> float:
    """Upper 95 % bound on a verdict's change rate after `flips` changes in `draws` sets: 3 /
    draws when none is seen (the rule of three), else the observed rate plus two of its
    standard errors."""
    if draws < 1:
        raise ValueError("flip_bound needs at least one draw")
    if flips == 0:
        return RULE_OF_THREE / draws
    rate = flips / draws
    return rate + 2.0 * math.sqrt(rate * (1.0 - rate) / draws)
