"""A short district outlook (1 to 3 months) with a band calibrated on the series' own backtests.

Why not the trend line: a Sen (or any straight) line fitted to part of a year carries the
season forward. Fitted on Kent's January-September 2021 the 12-month Sen line over-projected
every district in October-December (its 95% band held 87% of the district-months at once and
69% by the third month; 73% and 20% on a second force), and a flat mean of the fitted months
had smaller errors (5.5% against 8.9%). So the outlook is the **recent level**: the mean of the
last ``window`` months (12 by default: a whole year when there is one, so a season is not
mistaken for a level). It says "about this many a month, if nothing changes", no more.

The band is **calibrated on backtests**, not assumed. The flat-mean forecast is re-made from
every earlier origin of every district's own series (at least ``MIN_FIT`` months fitted, the
same window rule) and its error recorded ``h`` = 1..3 months ahead. The errors are put on one
scale by the count's variance ``f + kappa f^2`` (Poisson noise plus a relative, extra-Poisson
part ``kappa`` measured from the same backtest errors, so small and large districts share
one calibration), and the band at horizon ``h`` is ``f +/- q_h sqrt(f + kappa f^2)``, with
``q_h`` the ``level`` quantile of the absolute standardised errors at that horizon (a
conservative order statistic; never below the normal quantile; non-decreasing in ``h``). The
quantile is of absolute errors, so the band is symmetric: the backtests of a rising season are
all under-forecasts, and a band skewed upwards by them would miss the autumn fall.

Measured (fit January-September, check October-December, 95% band): Kent 2021's 13
districts: see ``tests/test_timeseries_outlook.py`` and the issue report; simulated seasonal
over-dispersed series are pinned in that test at >= 85% of district-months inside the band, with
median error no worse than the flat mean's own (it is the flat mean).

Not offered: a trend or seasonal model. A trend fitted within one seasonal cycle beats the
flat level on its own backtests (it follows the spring rise) and then fails in the autumn, the
trap described above; a seasonal profile needs two or more years. The district's Mann-Kendall
trend test and Sen's slope stay beside the outlook as the answer to "is it rising?".

Memory and time are O(districts x months x horizon): no resampling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cube import shift_month

__all__ = ["Outlook", "outlook", "OUTLOOK_NOTE", "HORIZON", "MIN_FIT", "MIN_MONTHS", "WINDOW"]

#: months ahead the outlook covers
HORIZON = 3
#: months averaged for the level (a whole year when there is one)
WINDOW = 12
#: fewest months a backtest origin is fitted on
MIN_FIT = 3
#: fewest analysed months for an outlook at all (three backtest origins a month ahead)
MIN_MONTHS = MIN_FIT + 3

OUTLOOK_NOTE = ("Outlook, not a trend line: the next {h} months at the recent level (the mean of the last "
                "{w} months), with a {level:.0%} band calibrated on how well that level forecast each district's "
                "own earlier months (backtests). It assumes nothing changes: no seasons, policy or recording "
                "changes. The Mann-Kendall trend and Sen's slope answer 'is it rising?'.")


@dataclass
class Outlook:
    """Per district and month ahead: the expected count and its calibrated band.

    Attributes
    ----------
    months : the forecast months (``YYYY-MM``), ``horizon`` of them (empty when none is offered)
    expected, low, high : districts x horizon
    params : method, window, level, kappa, q per horizon, backtest errors used, and the
        backtests' own coverage and median absolute percentage error
    """

    months: tuple[str, ...]
    expected: np.ndarray
    low: np.ndarray
    high: np.ndarray
    params: dict = field(default_factory=dict)

    def records(self, row: int) -> list[dict]:
        """summary.json's ``forecast`` list for one district row."""
        return [{"month": m, "expected": round(float(self.expected[row, h]), 1),
                 "low": round(float(self.low[row, h]), 1), "high": round(float(self.high[row, h]), 1)}
                for h, m in enumerate(self.months)]


def _level(y: np.ndarray, end: int, window: int) -> np.ndarray:
    """Mean of months ``[end - window, end)`` (fewer at the start) per row."""
    return y[:, max(0, end - window):end].mean(axis=1)


def _order_quantile(a: np.ndarray, level: float) -> float:
    """The ``ceil(level (N + 1))``-th smallest of ``a`` (the conformal rule), the largest when N is small."""
    s = np.sort(np.asarray(a, float))
    if not len(s):
        return float("nan")
    k = int(np.ceil(level * (len(s) + 1)))
    return float(s[min(k, len(s)) - 1])


def outlook(series: np.ndarray, months: Sequence[str], *, horizon: int = HORIZON, window: int = WINDOW,
            level: float = 0.95) -> Outlook:
    """The flat-level outlook of each row of ``series`` (districts x months) with its backtest band.

    Returns an empty outlook (no months) when there are fewer than :data:`MIN_MONTHS` months or
    no rows: too few backtests to calibrate a band on.
    """
    from scipy.special import ndtri  # norm.ppf itself, without importing scipy.stats (~0.7 s)

    y = np.asarray(series, dtype=np.float64)
    d, n = y.shape if y.ndim == 2 else (0, 0)
    horizon = int(max(0, min(horizon, HORIZON)))
    empty = Outlook((), np.zeros((d, 0)), np.zeros((d, 0)), np.zeros((d, 0)),
                    {"method": "none", "reason": f"needs at least {MIN_MONTHS} months"})
    if d == 0 or n < MIN_MONTHS or horizon == 0:
        return empty
    # backtests: forecast from every origin with MIN_FIT+ months fitted, errors h months ahead
    fc, obs, hor = [], [], []
    for origin in range(MIN_FIT, n):
        f = _level(y, origin, window)
        for h in range(1, horizon + 1):
            t = origin + h - 1
            if t >= n:
                break
            fc.append(f)
            obs.append(y[:, t])
            hor.append(np.full(d, h))
    f_b, y_b, h_b = np.concatenate(fc), np.concatenate(obs), np.concatenate(hor)
    ok = f_b > 0
    f_b, y_b, h_b = f_b[ok], y_b[ok], h_b[ok]
    if not len(f_b):
        return empty
    # extra-Poisson relative variance, by moments over all backtest errors (>= 0)
    kappa = max(0.0, float(np.sum((y_b - f_b) ** 2 - f_b) / np.sum(f_b ** 2)))
    z = np.abs(y_b - f_b) / np.sqrt(f_b + kappa * f_b ** 2)
    floor = float(ndtri((1 + level) / 2))
    q = []
    for h in range(1, horizon + 1):
        zh = z[h_b == h]
        if len(zh) < 20:  # too few at this horizon alone: those at this horizon or beyond
            zh = z[h_b >= h] if (h_b >= h).sum() >= 20 else z
        q.append(max(floor, _order_quantile(zh, level)))
    q_h = np.maximum.accumulate(np.array(q))
    f_now = _level(y, n, window)
    sd = np.sqrt(f_now + kappa * f_now ** 2)
    expected = np.repeat(f_now[:, None], horizon, axis=1)
    low = np.maximum(expected - q_h[None, :] * sd[:, None], 0.0)
    high = expected + q_h[None, :] * sd[:, None]
    inside = np.abs(y_b - f_b) <= q_h[h_b - 1] * np.sqrt(f_b + kappa * f_b ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = np.abs(y_b - f_b) / np.where(y_b > 0, y_b, np.nan)
    params = {"method": f"flat mean of the last {min(window, n)} months",
              "window": int(min(window, n)), "level": float(level), "horizon": horizon,
              "kappa": round(kappa, 6), "q": [round(float(v), 3) for v in q_h],
              "backtest_errors": int(len(z)), "backtest_coverage": round(float(inside.mean()), 3),
              "backtest_median_ape": round(float(np.nanmedian(ape)), 4) if np.isfinite(ape).any() else None}
    fmonths = tuple(shift_month(months[-1], h) for h in range(1, horizon + 1))
    return Outlook(fmonths, expected, low, high, params)


def outlook_frame(result: Outlook, districts: Sequence[str]) -> pd.DataFrame:
    """Long table: ``district, month, expected, low, high`` (one row per district and month ahead)."""
    rows = [(dist, m, result.expected[i, h], result.low[i, h], result.high[i, h])
            for i, dist in enumerate(districts) for h, m in enumerate(result.months)]
    return pd.DataFrame(rows, columns=["district", "month", "expected", "low", "high"])
