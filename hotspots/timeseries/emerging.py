"""Emerging hot spot analysis after ArcGIS Pro (Esri, "How Emerging Hot Spot Analysis works").

Three steps, as ArcGIS and R's sfdep run them (step 3 with one difference, explained below):

1. a space-time Gi* z-score for every (unit, month) bin (:mod:`.gi_star`: the unit and its
   spatial neighbours at this month and the ``k`` previous months, global window = cube);
2. each bin is a significant hot (+1) or cold (-1) spot when its two-sided p-value passes
   ``alpha`` after a Benjamini-Hochberg false discovery rate correction **within its month**
   (ArcGIS applies FDR to the hot spot bins; per step, every month gets its own cut-off).
   ArcGIS labels hot spot bins at 90, 95 and 99% confidence and builds the patterns from
   those bins; a bin at any of them counts here, so ``alpha = 0.10`` by default;
3. the Mann-Kendall trend of each unit's intensity over time (:mod:`.mann_kendall`).

Where this differs from ArcGIS, on purpose (measured on trendless and planted-pattern
lattices, ``tests/test_timeseries_emerging.py``): ArcGIS tests the trend of the bins' Gi*
z-scores, whose space-time neighbourhoods overlap (with ``k = 1`` successive z-scores share
half their bins, so they are autocorrelated), and the Mann-Kendall test assumes independent
observations. On hot blocks with a constant rate over 24 months that called a trend in 5-7%
of the block cells at the 1% level (Intensifying or Diminishing where nothing changes), and in
5% of all trendless cells. Here the trend is tested on the **neighbourhood totals** (the unit and
its spatial neighbours, each month on its own: the space-time neighbourhood with ``k = 0``),
which do not overlap in time. With the whole cube as the global window (the default) the
``k = 0`` z-score is an increasing linear function of that total for each unit, so this *is*
the Mann-Kendall test of the unit's Gi* z-scores at ``k = 0``: the same statistic ArcGIS
uses, without the overlap. On the same trendless blocks it calls 0.4-1.0% (the nominal 1%),
and the planted rising/falling blocks are still Intensifying/Diminishing. The hot/cold bins
(step 2) are ArcGIS's, with its ``k``; only the trend differs, so a unit can differ from
ArcGIS's category only between Intensifying, Persistent and Diminishing (the 90% rules), when
the overlapping z-scores' trend is significant and the totals' trend is not (or the reverse).
The trend must pass ``trend_alpha = 0.01`` (sfdep's default); every step is used (each month's
neighbourhood total is complete, unlike the first ``k`` steps of a space-time neighbourhood).

Each unit then falls into one of ArcGIS's 17 categories, in ArcGIS's words ("90 percent" of
the time steps is ``hot_steps >= 0.9 * steps``; "trend" is a Mann-Kendall p <= ``trend_alpha``):

- **New**: hot in the final step, never a significant hot spot before.
- **Consecutive**: a single uninterrupted run of at least two hot bins in the final steps,
  never hot before that run, less than 90 percent of bins hot.
- **Intensifying**: hot in 90 percent of steps including the final one, and the intensity
  of clustering (z) rises significantly.
- **Persistent**: hot in 90 percent of steps, no significant trend in intensity.
- **Diminishing**: hot in 90 percent of steps including the final one, intensity falling
  significantly.
- **Sporadic**: hot in the final step, on-again off-again before; less than 90 percent hot
  and never a significant cold spot.
- **Oscillating**: hot in the final step, a significant cold spot in some earlier step;
  less than 90 percent hot.
- **Historical**: not hot in the most recent step, but hot in at least 90 percent of steps.

and the same eight for cold spots (for cold, "intensifying" means z falling: colder), else
**No Pattern Detected**. Where ArcGIS's wording lets two categories apply, the final step
decides: a unit hot (cold) in the final step takes a hot (cold) category, a prior cold
(hot) spot makes it Oscillating rather than New/Consecutive/Sporadic, and a unit hot in 90
percent of steps but not in the last is Historical. R's sfdep (``classify_hotspot``) differs in
places (its Sporadic does not require a final hot step, its Historical tests the final z
sign); we follow the ArcGIS definitions.

ArcGIS needs at least 10 time steps; so does this (:data:`MIN_STEPS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..stats.fdr import fdr_threshold
from .gi_star import space_time_gi, spatial_sum
from .mann_kendall import MannKendall, mann_kendall

__all__ = ["CATEGORIES", "DEFINITIONS", "HOT", "COLD", "NO_PATTERN", "MIN_STEPS", "EmergingResult", "TooFewSteps",
           "emerging_hot_spots", "classify_units", "hot_cold_bins", "classify"]

_KINDS = ("New", "Consecutive", "Intensifying", "Persistent", "Diminishing", "Sporadic", "Oscillating",
          "Historical")
HOT = tuple(f"{k} Hot Spot" for k in _KINDS)
COLD = tuple(f"{k} Cold Spot" for k in _KINDS)
NO_PATTERN = "No Pattern Detected"
#: the 17 categories, spelled as ArcGIS spells them; ``EmergingResult.code`` indexes this
CATEGORIES = HOT + COLD + (NO_PATTERN,)
#: ArcGIS's minimum number of time steps for an emerging hot spot analysis
MIN_STEPS = 10


def _meanings(hot: str, cold: str, rising: str, falling: str) -> dict[str, str]:
    return {
        "New": f"{hot} in the final month and never before",
        "Consecutive": (f"one unbroken run of {hot} months at the end (at least two), never {hot} before it, "
                        f"{hot} in under 90% of months"),
        "Intensifying": f"{hot} in at least 90% of months including the last, and {rising} (significant trend)",
        "Persistent": f"{hot} in at least 90% of months, with no significant trend in intensity",
        "Diminishing": f"{hot} in at least 90% of months including the last, but {falling} (significant trend)",
        "Sporadic": (f"{hot} in the final month and on and off before; {hot} in under 90% of months, "
                     f"never a {cold} spot"),
        "Oscillating": f"{hot} in the final month, but a {cold} spot in some earlier month; {hot} in under 90% of months",
        "Historical": f"not {hot} in the final month, but {hot} in at least 90% of months",
    }


#: what each category means, in plain words (for the workbook, the briefing and the map legend)
DEFINITIONS = {
    **{f"{k} Hot Spot": v for k, v in _meanings("hot", "cold", "getting hotter", "cooling").items()},
    **{f"{k} Cold Spot": v for k, v in _meanings("cold", "hot", "getting colder", "warming").items()},
    NO_PATTERN: "none of the patterns above",
}


class TooFewSteps(ValueError):
    """The study spans fewer than :data:`MIN_STEPS` time steps."""


@dataclass
class EmergingResult:
    """Per-unit category and trend, per-bin Gi* z, p and hot/cold bin.

    Attributes
    ----------
    code : int8 per unit, index into :data:`CATEGORIES`.
    z, p : Gi* z-scores and two-sided p-values, units x steps.
    bins : +1 significant hot, -1 significant cold, 0 otherwise (after FDR per step).
    thresholds : per step, the p-value cut-off used (the BH cut-off when ``fdr``).
    trend : Mann-Kendall test of each unit's neighbourhood totals (unit + neighbours) per step.
    months : labels of the steps.
    params : k, alpha, trend_alpha, fdr, window.
    """

    code: np.ndarray
    z: np.ndarray
    p: np.ndarray
    bins: np.ndarray
    thresholds: np.ndarray
    trend: MannKendall
    months: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)

    @property
    def category(self) -> np.ndarray:
        """Category name of each unit (object array)."""
        return np.asarray(CATEGORIES, dtype=object)[self.code]

    def counts(self) -> dict[str, int]:
        """Units per category, in :data:`CATEGORIES` order (zeros included)."""
        n = np.bincount(self.code, minlength=len(CATEGORIES))
        return {c: int(v) for c, v in zip(CATEGORIES, n, strict=True)}

    def frame(self) -> pd.DataFrame:
        """Per unit: ``emerging``, ``emerging_trend_z``, ``emerging_trend_p``, ``hot_steps``, ``cold_steps``."""
        return pd.DataFrame({
            "emerging": self.category,
            "emerging_trend_z": self.trend.z,
            "emerging_trend_p": self.trend.p,
            "hot_steps": (self.bins > 0).sum(axis=1),
            "cold_steps": (self.bins < 0).sum(axis=1),
        })


def hot_cold_bins(z: np.ndarray, p: np.ndarray, *, alpha: float = 0.10, fdr: bool = True
                  ) -> tuple[np.ndarray, np.ndarray]:
    """+1/-1/0 per bin: significant hot/cold at ``alpha``, with BH FDR within each step (column).

    Returns the bins and the p-value cut-off of each step.
    """
    z = np.asarray(z, float)
    p = np.asarray(p, float)
    if fdr:
        cut = np.array([fdr_threshold(p[:, t], alpha) for t in range(p.shape[1])])
        sig = p <= cut[None, :]
    else:
        cut = np.full(p.shape[1], float(alpha))
        sig = p <= alpha
    bins = np.zeros(z.shape, dtype=np.int8)
    bins[sig & (z > 0)] = 1
    bins[sig & (z < 0)] = -1
    return bins, cut


def _trailing_run(flag: np.ndarray) -> np.ndarray:
    """Length of the run of True that ends each row's last step."""
    return np.cumprod(flag[:, ::-1], axis=1).sum(axis=1)


def classify(bins: np.ndarray, trend_s: np.ndarray, trend_p: np.ndarray, *, trend_alpha: float = 0.01
             ) -> np.ndarray:
    """ArcGIS's 17-category rules, vectorised over units; returns codes into :data:`CATEGORIES`.

    Parameters
    ----------
    bins : units x steps, +1 hot, -1 cold, 0 not significant.
    trend_s, trend_p : sign-carrying Mann-Kendall S (or z) and its p-value, per unit.
    """
    b = np.asarray(bins)
    n_steps = b.shape[1]
    if n_steps < MIN_STEPS:
        raise TooFewSteps(f"emerging hot spots need at least {MIN_STEPS} time steps, not {n_steps}")
    up = (np.asarray(trend_p) <= trend_alpha) & (np.asarray(trend_s) > 0)
    down = (np.asarray(trend_p) <= trend_alpha) & (np.asarray(trend_s) < 0)
    code = np.full(b.shape[0], CATEGORIES.index(NO_PATTERN), dtype=np.int8)
    for sign, rising, falling in ((1, up, down), (-1, down, up)):
        this, other = b == sign, b == -sign
        n_this = this.sum(axis=1)
        final = this[:, -1]
        ninety = n_this * 10 >= 9 * n_steps  # "90 percent of the time-step intervals", exactly
        prior_other = other[:, :-1].any(axis=1)
        run = _trailing_run(this)
        rules = [
            (final & ninety & rising, "Intensifying"),
            (final & ninety & falling, "Diminishing"),
            (final & ninety & ~rising & ~falling, "Persistent"),
            (final & ~ninety & prior_other, "Oscillating"),
            (final & ~ninety & ~prior_other & (n_this == 1), "New"),
            (final & ~ninety & ~prior_other & (n_this >= 2) & (run == n_this), "Consecutive"),
            (final & ~ninety & ~prior_other & (n_this >= 2) & (run < n_this), "Sporadic"),
        ]
        for mask, kind in rules:
            code[mask] = CATEGORIES.index(f"{kind} {'Hot' if sign > 0 else 'Cold'} Spot")
    neither = b[:, -1] == 0
    for sign, name in ((1, "Historical Hot Spot"), (-1, "Historical Cold Spot")):
        ninety = (b == sign).sum(axis=1) * 10 >= 9 * n_steps
        code[neither & ninety] = CATEGORIES.index(name)
    return code


def emerging_hot_spots(values: np.ndarray, weights, *, months: tuple[str, ...] | list[str] = (), k: int = 1,
                       alpha: float = 0.10, trend_alpha: float = 0.01, fdr: bool = True,
                       window: str = "cube") -> EmergingResult:
    """Emerging hot spot analysis of a units x steps array (ArcGIS's method; see module notes).

    Parameters
    ----------
    values : counts (or harm) per unit per step, e.g. ``SpaceTimeCube.matrix()``.
    weights : the project's spatial :class:`~hotspots.stats.weights.Weights` among the units.
    months : step labels, kept on the result.
    k : neighbourhood time step (previous steps in each bin's neighbourhood), ArcGIS default 1.
    alpha : significance of a hot/cold bin (two-sided), FDR-corrected within each step if ``fdr``;
        0.10 is ArcGIS's lowest hot spot confidence class (90%).
    trend_alpha : significance of the Mann-Kendall trend of the neighbourhood totals.
    window : Gi* global window, "cube" (ArcGIS Pro's default) or "step".

    Raises
    ------
    TooFewSteps
        Fewer than :data:`MIN_STEPS` steps.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("values must be units x steps")
    if x.shape[1] < MIN_STEPS:
        raise TooFewSteps(f"emerging hot spots need at least {MIN_STEPS} months, the study spans {x.shape[1]}")
    z, p = space_time_gi(x, weights, k=k, window=window)
    bins, cut = hot_cold_bins(z, p, alpha=alpha, fdr=fdr)
    mk = mann_kendall(spatial_sum(x, weights)[0])  # the trend of the neighbourhood totals (module notes)
    code = classify(bins, mk.s, mk.p, trend_alpha=trend_alpha)
    return EmergingResult(code=code, z=z, p=p, bins=bins, thresholds=cut, trend=mk, months=tuple(months),
                          params={"k": int(k), "alpha": float(alpha), "trend_alpha": float(trend_alpha),
                                  "fdr": bool(fdr), "window": window})


def classify_units(cube, weights, *, crime_types=None, month_from: str | None = None, month_to: str | None = None,
                   measure: str = "count", harm_weights=None, **kwargs) -> EmergingResult:
    """Emerging hot spot categories for any unit set, from its cube and weights.

    The entry point for other unit sets than LSOAs (the micro-place cells behind patrol
    spots): ``cube`` is a :class:`~hotspots.timeseries.cube.SpaceTimeCube` over the units and
    ``weights`` their spatial weights. Extra keywords go to :func:`emerging_hot_spots`.
    """
    sl = cube.month_slice(month_from, month_to)
    values = cube.matrix(crime_types, month_from, month_to, measure=measure, harm_weights=harm_weights)
    return emerging_hot_spots(values, weights, months=cube.months[sl], **kwargs)
