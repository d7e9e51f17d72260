"""The pipeline's time stage: cube -> emerging hot spots, trends and stability, on the analysed filter.

The cube is built once per loaded crimes table and kept (:func:`cube_for`): a rerun with
other crime types or months, or the GUI's month slider, reads it instead of the files. The
stage then takes the analysed filter's LSOA x month matrix (counts, or harm when the measure is
harm; rates and densities use counts, since population and area do not change month to
month) and runs

- :func:`~hotspots.timeseries.emerging.emerging_hot_spots` on the analysis's own spatial
  weights, when the analysed period spans at least 10 months (ArcGIS's minimum);
  otherwise the ``emerging`` column stays empty and a note says why;
- :class:`~hotspots.timeseries.trends.Trends` (LSOA and district series, Mann-Kendall, Sen);
- :func:`~hotspots.timeseries.stability.stability` (top 10 per year or quarter).

It adds ``emerging``, ``emerging_trend_z``, ``hot_months``, ``crime_trend``, ``crime_trend_p``
and ``crime_sen_slope`` to a new table and a :class:`TimeResult` to the analysis.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..progress import CancelFn, Cancelled, ProgressFn
from .cube import SpaceTimeCube
from .emerging import CATEGORIES, MIN_STEPS, EmergingResult, classify_units, emerging_hot_spots
from .stability import Stability, stability
from .trends import Trends

__all__ = ["TimeResult", "time_stage", "cube_for", "emerging_for_units", "EMERGING_PARAMS"]

#: ArcGIS Pro's defaults (see :mod:`.emerging` for the trend threshold and the trend steps)
EMERGING_PARAMS = {"k": 1, "alpha": 0.10, "fdr": True, "trend_alpha": 0.01, "window": "cube"}

_last: tuple[Any, int, SpaceTimeCube] | None = None  # (weakref to the crimes, n_units, cube)


def cube_for(crimes: pd.DataFrame, n_units: int) -> SpaceTimeCube:
    """The cube of this crimes table, built on first use and kept while the table lives."""
    global _last
    if _last is not None and _last[0]() is crimes and _last[1] == n_units:
        return _last[2]
    cube = SpaceTimeCube.from_crimes(crimes, n_units=n_units)
    _last = (weakref.ref(crimes), n_units, cube)
    return cube


@dataclass(frozen=True)
class TimeResult:
    """Crime over time for one analysis: the cube, the analysed months and what was found in them.

    Attributes
    ----------
    cube : the space-time cube of all loaded crimes (any filter can be re-read from it).
    months : the analysed months (contiguous).
    measure : "count" or "harm", what ``values`` holds.
    values : LSOAs x analysed months of the measure, for the analysed crime types.
    emerging : the emerging hot spot result, or None when the period is under 10 months.
    trends, stability : per-LSOA/district trends and top-10 stability.
    notes : plain-words notes (why emerging did not run).
    """

    cube: SpaceTimeCube
    months: tuple[str, ...]
    measure: str
    values: np.ndarray
    emerging: EmergingResult | None
    trends: Trends
    stability: Stability
    crime_types: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)

    def emerging_labels(self) -> np.ndarray:
        """The ``emerging`` column: ArcGIS's category per LSOA, "" when not run."""
        if self.emerging is None:
            return np.full(self.values.shape[0], "", dtype=object)
        return self.emerging.category

    def month_values(self, month: str) -> np.ndarray:
        """One analysed month's counts (or harm) per LSOA, from the cube (the GUI's slider)."""
        return self.cube.month_counts(month, self.crime_types, measure=self.measure,
                                      harm_weights=self.params.get("harm_weights"))

    def summary(self) -> dict[str, Any]:
        """summary.json's ``emerging``, ``trends`` and ``stability`` entries."""
        em: dict[str, Any] = {"run": self.emerging is not None, "months": len(self.months),
                              "min_months": MIN_STEPS, "measure": self.measure,
                              "method": ("ArcGIS Pro Emerging Hot Spot Analysis: space-time Gi* (spatial "
                                         "neighbours and the previous k months), BH FDR within each month, "
                                         "Mann-Kendall trend of each LSOA's neighbourhood totals (its k = 0 Gi* "
                                         "z-scores: no overlap in time), 17 categories"),
                              "parameters": {k: v for k, v in self.params.items() if k != "harm_weights"}}
        if self.emerging is not None:
            em["counts"] = self.emerging.counts()
        else:
            em["counts"] = dict.fromkeys(CATEGORIES, 0)
        d = self.trends.district
        trends = {"district_source": self.trends.params.get("district_source"),
                  "districts": [{"district": r.district, "crimes": r.crimes, "trend": r.trend,
                                 "mk_z": round(float(r.mk_z), 4), "mk_p": round(float(r.mk_p), 6),
                                 "sen_slope_per_month": round(float(r.sen_slope), 4),
                                 "forecast": self.trends.forecast(i)}
                                for i, r in enumerate(d.itertuples())],
                  "forecast_method": {"note": self.trends.note, **self.trends.outlook().params},
                  "lsoas_increasing": int((self.trends.lsoa["trend"] == "increasing").sum()),
                  "lsoas_decreasing": int((self.trends.lsoa["trend"] == "decreasing").sum())}
        return {"emerging": em, "trends": trends, "stability": self.stability.summary()}


def emerging_for_units(crimes: pd.DataFrame, unit_of_crime: np.ndarray, n_units: int, weights, settings,
                       harm_weights=None) -> EmergingResult | None:
    """Emerging hot spot categories for another unit set (micro-place cells, patrol spots).

    ``unit_of_crime`` gives each crime's unit id (``-1``: in no unit), ``weights`` the units'
    spatial weights (a :class:`~hotspots.stats.weights.Weights`), ``settings`` the analysis
    settings (crime types, months, measure). Same method and parameters as the LSOA column;
    None when the analysed period spans fewer than 10 months.
    """
    cube = SpaceTimeCube.from_crimes(crimes, units=unit_of_crime, n_units=n_units)
    sl = cube.month_slice(settings.month_from, settings.month_to)
    if sl.stop - sl.start < MIN_STEPS:
        return None
    return classify_units(cube, weights, crime_types=settings.crime_types or None, month_from=settings.month_from,
                          month_to=settings.month_to, measure="harm" if settings.measure == "harm" else "count",
                          harm_weights=harm_weights or settings.harm_weights, **EMERGING_PARAMS)


def time_stage(analysis, layers, progress: ProgressFn | None = None, cancel: CancelFn | None = None, *,
               districts=None, district_source: str | None = None):
    """The pipeline stage (see the module notes); a no-op without crimes. ``districts``: each
    LSOA's district for the trends (the pipeline's :func:`hotspots.lsoa.districts.district_time_stage`
    chooses them), else the LSOA name prefix."""
    if layers.crimes is None:
        return analysis
    s = analysis.settings
    n = len(analysis.table)
    if progress:
        progress("Building the space-time cube", 0.0)
    cube = cube_for(layers.crimes, n)
    measure = "harm" if s.measure == "harm" else "count"
    harm_w = s.harm_weights or layers.harm_weights
    sl = cube.month_slice(s.month_from, s.month_to)
    months = cube.months[sl]
    types = tuple(s.crime_types) if s.crime_types else None
    values = cube.matrix(types, s.month_from, s.month_to, measure=measure, harm_weights=harm_w)
    if cancel and cancel():
        raise Cancelled()
    notes: list[str] = []
    emerging = None
    if len(months) >= MIN_STEPS:
        if progress:
            progress("Finding emerging hot spots", 0.3)
        emerging = emerging_hot_spots(values, analysis.weights, months=months, **EMERGING_PARAMS)
    else:
        notes.append(f"emerging hot spots not run: the analysed period spans {len(months)} month"
                     f"{'' if len(months) == 1 else 's'}, and ArcGIS's method needs at least {MIN_STEPS} "
                     "(the emerging column is left empty)")
    if cancel and cancel():
        raise Cancelled()
    if progress:
        progress("Trends and stability", 0.7)
    table = analysis.table
    codes, names = table["lsoa_code"].to_numpy(), table["lsoa_name"].to_numpy()
    trends = Trends.from_matrix(values, months, codes, names, districts=districts, district_source=district_source)
    stab = stability(values, months, codes, names)
    result = TimeResult(cube=cube, months=tuple(months), measure=measure, values=values, emerging=emerging,
                        trends=trends, stability=stab, crime_types=types, notes=tuple(notes),
                        params={**EMERGING_PARAMS, "harm_weights": harm_w})
    new = table.copy()
    new["emerging"] = result.emerging_labels()
    new["emerging_trend_z"] = emerging.trend.z if emerging is not None else np.nan
    new["hot_months"] = (emerging.bins > 0).sum(axis=1) if emerging is not None else pd.NA
    new["crime_trend"] = trends.lsoa["trend"].to_numpy()
    new["crime_trend_p"] = trends.lsoa["mk_p"].to_numpy()
    new["crime_sen_slope"] = trends.lsoa["sen_slope"].to_numpy()
    return replace(analysis, table=new, time=result, notes=analysis.notes + tuple(notes))
