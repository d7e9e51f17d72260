"""Emerging hot spots by week, when an extract's months are too few for them by month.

The time stage runs emerging hot spot analysis on the LSOA x month cube and needs ten steps
(ArcGIS's minimum, :data:`hotspots.timeseries.emerging.MIN_STEPS`): a quarter's extract has
three. A records extract knows the day of each crime, so the same analysis (space-time Gi*
with FDR per step, Mann-Kendall trend of the neighbourhood totals, ArcGIS's 17 categories)
can run on weeks instead: a quarter has 13.

Weeks run Monday to Sunday (the week of a crime's committed-from time) and only whole weeks
inside the analysed months are used, so a part week at either end cannot fake a rise or a fall.
The statistics are :func:`hotspots.timeseries.emerging.emerging_hot_spots`, unchanged; weekly
counts are small, so a week's Gi* z is noisier than a month's and fewer places reach
significance (said in the note).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.extract_dates import EPOCH
from ..timeseries.emerging import (
    CATEGORIES,
    MIN_STEPS,
    NO_PATTERN,
    EmergingResult,
    emerging_hot_spots,
)
from .aoristic import WEEK

__all__ = ["WeeklyEmerging", "weekly_emerging"]


@dataclass(frozen=True)
class WeeklyEmerging:
    """The weekly emerging hot spot result and the weeks (labels: the Monday's date)."""

    result: EmergingResult
    weeks: tuple[str, ...]
    codes: np.ndarray  # LSOA code per unit row

    def summary(self) -> dict[str, Any]:
        cat = self.result.category
        named = {c: sorted(str(x) for x in self.codes[cat == c]) for c in CATEGORIES if c != NO_PATTERN}
        return {"run": True, "steps": "weeks (Monday to Sunday, whole weeks inside the analysed months)",
                "weeks": len(self.weeks), "first_week": self.weeks[0], "last_week": self.weeks[-1],
                "counts": self.result.counts(), "lsoas": {c: v for c, v in named.items() if v},
                "note": "weekly counts are small: a week's Gi* is noisier than a month's, so fewer places reach "
                        "significance; months are used instead when the period spans ten or more"}


def _month_bounds(months: list[str]) -> tuple[int, int]:
    """Minutes (Monday epoch) of the first analysed month's start and the last one's end."""
    first = np.datetime64(min(months), "M").astype("datetime64[m]")
    last = (np.datetime64(max(months), "M") + 1).astype("datetime64[m]")
    return int((first - EPOCH).astype(np.int64)), int((last - EPOCH).astype(np.int64))


def weekly_emerging(t_from: np.ndarray, lsoa: np.ndarray, weights_w: np.ndarray | None, months: list[str],
                    n_units: int, spatial_weights: Any, codes: np.ndarray) -> WeeklyEmerging | None:
    """Emerging hot spots on LSOA x week counts (or harm with ``weights_w``), or None when the
    analysed months hold fewer than :data:`MIN_STEPS` whole weeks."""
    if not months:
        return None
    start, end = _month_bounds(months)
    w0 = -(-start // WEEK)  # the first Monday on or after the period's start
    w1 = end // WEEK  # weeks [w0, w1) end on or before the period's end
    n_weeks = int(w1 - w0)
    if n_weeks < MIN_STEPS:
        return None
    wk = np.asarray(t_from, np.int64) // WEEK - w0
    ok = (wk >= 0) & (wk < n_weeks) & (np.asarray(lsoa) >= 0)
    flat = np.asarray(lsoa, np.int64)[ok] * n_weeks + wk[ok]
    w = None if weights_w is None else np.asarray(weights_w, float)[ok]
    values = np.bincount(flat, weights=w, minlength=n_units * n_weeks).reshape(n_units, n_weeks).astype(float)
    labels = tuple(str((EPOCH + np.timedelta64(int((w0 + k) * WEEK), "m")).astype("datetime64[D]"))
                   for k in range(n_weeks))
    res = emerging_hot_spots(values, spatial_weights, months=labels, k=1, alpha=0.10, fdr=True, trend_alpha=0.01,
                             window="cube")
    return WeeklyEmerging(result=res, weeks=labels, codes=np.asarray(codes))
