"""The statistics behind verify's bands: Student's t without SciPy, prediction and reference
bands at a stated false-alarm rate, and the bound on a verdict's change rate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from discrete_gan.analysis.bands import (
    flip_bound,
    incomplete_beta,
    normal_quantile,
    prediction_band,
    reference_band,
    t_quantile,
    t_two_sided_tail,
)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    # printed tables of Student's t
    [(0.975, 10, 2.2281), (0.995, 5, 4.0321), (0.975, 1, 12.7062), (0.9995, 30, 3.6460)],
)
def test_t_quantile_matches_printed_tables(p: float, df: int, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=1e-4)


def test_t_tail_matches_the_integral_of_its_density() -> None:
    df, x = 7, 2.5
    grid = np.linspace(x, 400.0, 400_001)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    density = np.exp(log_c) * (1 + grid**2 / df) ** (-(df + 1) / 2)
    upper = float(np.sum((density[1:] + density[:-1]) / 2 * np.diff(grid)))
    assert t_two_sided_tail(x, df) == pytest.approx(2 * upper, rel=1e-5)


def test_t_approaches_the_normal_and_beta_is_a_distribution() -> None:
    assert t_quantile(1 - 1e-5, 100_000) == pytest.approx(normal_quantile(1 - 1e-5), rel=1e-4)
    assert incomplete_beta(2.0, 3.0, 0.0) == 0.0 and incomplete_beta(2.0, 3.0, 1.0) == 1.0
    # I_x(1, 1) = x, and I_x(a, b) = 1 - I_{1-x}(b, a)
    assert incomplete_beta(1.0, 1.0, 0.3) == pytest.approx(0.3)
    assert incomplete_beta(2.5, 0.5, 0.8) == pytest.approx(1 - incomplete_beta(0.5, 2.5, 0.2))
    with pytest.raises(ValueError):
        t_quantile(0.3, 5)


def test_prediction_band_misses_at_its_rate() -> None:
    """For normal values the band of 20 misses the 21st at the stated rate (5 % here)."""
    rng = np.random.default_rng(0)
    trials, misses = 4000, 0
    for _ in range(trials):
        values = rng.normal(3.0, 0.5, size=21)
        band = prediction_band(values[:20], 0.05)
        misses += not band.low <= values[20] <= band.high
    assert misses / trials == pytest.approx(0.05, abs=0.012)


def test_prediction_band_fields_and_floor() -> None:
    band = prediction_band([1.0, 2.0, 3.0, 4.0], 0.01)
    assert band.centre == 2.5 and band.n == 4 and band.k == pytest.approx(t_quantile(0.995, 3))
    half = band.k * band.sd * math.sqrt(1 + 1 / 4)
    assert (band.low, band.high) == pytest.approx((2.5 - half, 2.5 + half))
    fixed = prediction_band([5.9, 5.9, 5.9], 1e-5, floor=1e-6)
    assert (fixed.low, fixed.high) == pytest.approx((5.9 - 1e-6, 5.9 + 1e-6))
    with pytest.raises(ValueError, match="at least 3"):
        prediction_band([1.0, 2.0], 0.01)


def test_reference_band_is_two_means_apart() -> None:
    band = reference_band(-10.0, 0.2, 0.05, 30)
    assert band.k == pytest.approx(1.95996, abs=1e-4)
    assert band.high - band.centre == pytest.approx(1.95996 * math.sqrt(2) * 0.2, abs=1e-4)


def test_flip_bound() -> None:
    assert flip_bound(0, 30_000) == pytest.approx(1e-4)
    assert flip_bound(10, 1000) == pytest.approx(0.01 + 2 * math.sqrt(0.01 * 0.99 / 1000))
    with pytest.raises(ValueError):
        flip_bound(0, 0)
