"""The district outlook: flat recent level, band calibrated on backtests, coverage on seasonal series."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.timeseries import month_range
from hotspots.timeseries.outlook import MIN_MONTHS, outlook


def _seasonal_forces(seed: int, forces: int = 30) -> list[np.ndarray]:
    """Forces of 5-40 districts: summer-peaking seasons, slow drift, extra-Poisson noise, 12 months."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(forces):
        d = int(rng.integers(5, 40))
        level = rng.lognormal(np.log(600), 1.0, d)
        m = np.arange(12)
        season = 1 + rng.uniform(0.0, 0.2) * np.cos(2 * np.pi * (m - rng.uniform(5, 8)) / 12)
        mu = level[:, None] * season[None, :] * (1 + rng.normal(0, 0.01)) ** m
        k = rng.uniform(0.002, 0.01)  # relative variance beyond Poisson
        out.append(rng.poisson(mu * rng.gamma(1 / k, k, size=mu.shape)).astype(float))
    return out


def test_band_holds_the_next_three_months_on_seasonal_series():
    """Fitted on Jan-Sep, Oct-Dec inside the 95% band >= 85% pooled; error = the flat mean's."""
    months = month_range("2021-01", "2021-09")
    inside, err_out, err_flat = [], [], []
    for y in _seasonal_forces(3):
        o = outlook(y[:, :9], months)
        assert o.months == ("2021-10", "2021-11", "2021-12")
        held = y[:, 9:]
        inside.append(((held >= o.low) & (held <= o.high)).ravel())
        err_out.append(np.abs(held - o.expected).ravel())
        err_flat.append(np.abs(held - y[:, :9].mean(axis=1, keepdims=True)).ravel())
    inside = np.concatenate(inside)
    assert inside.mean() >= 0.85
    assert np.median(np.concatenate(err_out)) <= np.median(np.concatenate(err_flat)) + 1e-9


@pytest.mark.parametrize("dispersion", [1.0, 4.0])
def test_band_is_calibrated_on_level_series(dispersion):
    """No season, no trend: the band holds about the stated share (not far over, not under)."""
    rng = np.random.default_rng(11)
    lam = rng.uniform(20, 400, size=(200, 1))
    if dispersion == 1:
        y = rng.poisson(np.repeat(lam, 12, axis=1)).astype(float)
    else:  # variance = dispersion x mean
        y = rng.negative_binomial(lam / (dispersion - 1), 1 / dispersion, size=(200, 12)).astype(float)
    o = outlook(y[:, :9], month_range("2021-01", "2021-09"))
    cover = ((y[:, 9:] >= o.low) & (y[:, 9:] <= o.high)).mean()
    assert 0.90 <= cover <= 0.995
    assert (o.low <= o.expected).all() and (o.expected <= o.high).all()
    assert (np.diff(o.high - o.low, axis=1) >= -1e-9).all()  # never narrower further ahead


def test_no_outlook_from_too_few_months_and_no_negative_counts():
    few = outlook(np.ones((3, MIN_MONTHS - 1)), month_range("2021-01", "2021-05"))
    assert few.months == () and few.records(0) == []
    small = outlook(np.array([[0, 1, 0, 2, 0, 0, 1, 0, 0]], float), month_range("2021-01", "2021-09"))
    assert (small.low >= 0).all() and small.months[0] == "2021-10"


def test_memory_is_districts_by_months():
    """A national-sized table (34,000 'districts') runs without resampling arrays."""
    rng = np.random.default_rng(0)
    y = rng.poisson(5.0, size=(34_000, 12)).astype(float)
    o = outlook(y, month_range("2021-01", "2021-12"))
    assert o.expected.shape == (34_000, 3) and np.isfinite(o.high).all()
