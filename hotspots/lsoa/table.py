"""Points to a per-LSOA table: crimes, harm, pubs, StreetSafe reports, population, rate, density.

Counting is ``np.bincount`` over the LSOA index each crime already carries (placed by
point-in-polygon in the reader), so re-running with another filter costs milliseconds,
which is what lets the GUI re-analyse as the user ticks crime types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ..data.errors import DataError
from ..harm import DEFAULT_HARM_WEIGHTS
from ..limits import MEASURES
from ..units.placement import assign_lsoa

__all__ = ["MEASURES", "FilterReport", "filter_crimes", "count_points", "build_table"]



@dataclass
class FilterReport:
    """Rows the analysis filters leave out (kept in the layer, not analysed)."""

    rows_in: int = 0
    rows_analysed: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    crime_types: list[str] | None = None
    month_from: str | None = None
    month_to: str | None = None
    #: analysed months holding at least one crime (the period a briefing states)
    months_with_data: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rows_in": self.rows_in, "rows_analysed": self.rows_analysed, "excluded": self.excluded,
                "crime_types": self.crime_types or "all", "month_from": self.month_from,
                "month_to": self.month_to, "months_with_data": self.months_with_data}


def filter_crimes(
    crimes: pd.DataFrame,
    crime_types: list[str] | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> tuple[np.ndarray, FilterReport]:
    """Boolean mask of crimes to analyse, and what the filters excluded."""
    if month_from and month_to and month_from > month_to:
        raise DataError(None, f"the first month {month_from} is after the last month {month_to}",
                        hint="swap the two months", setting="months")
    rep = FilterReport(rows_in=len(crimes), crime_types=crime_types, month_from=month_from, month_to=month_to)
    mask = np.ones(len(crimes), dtype=bool)
    if crime_types:
        by_type = crimes["crime_type"].isin(crime_types).to_numpy()
        rep.excluded["other crime types"] = int((~by_type).sum())
        mask &= by_type
    if month_from or month_to:
        month = crimes["month"].astype(str)
        in_range = np.ones(len(crimes), dtype=bool)
        if month_from:
            in_range &= (month >= month_from).to_numpy()
        if month_to:
            in_range &= (month <= month_to).to_numpy()
        rep.excluded["outside the month range"] = int((mask & ~in_range).sum())
        mask &= in_range
    rep.rows_analysed = int(mask.sum())
    codes = crimes["month"].cat.codes.to_numpy() if hasattr(crimes["month"], "cat") else None
    if codes is not None:
        present = np.bincount(codes[mask & (codes >= 0)], minlength=len(crimes["month"].cat.categories)) > 0
        rep.months_with_data = sorted(str(m) for m, ok in zip(crimes["month"].cat.categories, present, strict=True) if ok)
    else:
        rep.months_with_data = sorted(str(m) for m in pd.unique(crimes["month"][mask]))
    if rep.rows_analysed == 0:
        months = sorted(crimes["month"].astype(str).unique())
        span = f"{months[0]}..{months[-1]}" if months else "none"
        raise DataError(None, "no crimes are left after the filters",
                        hint=f"the crimes inside these LSOAs cover months {span} and types "
                             f"{', '.join(sorted(crimes['crime_type'].astype(str).unique())[:14])}", setting="filters")
    return mask, rep


def count_points(x: np.ndarray, y: np.ndarray, boundaries: gpd.GeoDataFrame) -> np.ndarray:
    """Points per LSOA by point-in-polygon (points outside every LSOA are not counted)."""
    idx = assign_lsoa(np.asarray(x, float), np.asarray(y, float), boundaries.geometry.values)
    return np.bincount(idx[idx >= 0], minlength=len(boundaries)).astype(np.int64)


def build_table(
    boundaries: gpd.GeoDataFrame,
    crimes: pd.DataFrame,
    mask: np.ndarray,
    *,
    measure: str = "count",
    harm_weights: dict[str, float] | None = None,
    imd: pd.DataFrame | None = None,
    pubs: gpd.GeoDataFrame | None = None,
    streetsafe: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    placed: dict[str, np.ndarray] | None = None,
) -> gpd.GeoDataFrame:
    """One row per LSOA with the counts, the covariates and ``value`` (the analysed measure).

    ``placed`` holds the LSOA row of each pub and report when the loader already placed them
    (so a re-run does no point-in-polygon); otherwise they are placed here.
    """
    if measure not in MEASURES:
        raise DataError(None, f"unknown measure '{measure}'", hint=f"use one of {', '.join(MEASURES)}", setting="measure")
    n = len(boundaries)
    # two columns of the selected rows, never a copy of the whole crime table (5M rows nationally)
    lsoa = crimes["lsoa"].to_numpy()[mask]
    weights = harm_weights or DEFAULT_HARM_WEIGHTS
    ctype = crimes["crime_type"]
    if isinstance(ctype.dtype, pd.CategoricalDtype):  # the reader's: weigh the categories, not the rows
        per_cat = np.array([weights.get(str(t), 0.0) for t in ctype.cat.categories] + [0.0], dtype=float)
        w_type = per_cat[ctype.cat.codes.to_numpy()[mask]]  # code -1 (missing) -> the trailing 0.0
    else:
        w_type = ctype[mask].map(lambda t: weights.get(str(t), 0.0)).astype(float).to_numpy()
    if "harm_w" in crimes.columns:  # a records extract weighed by offence (hotspots.data.offence_codes)
        w_type = crimes["harm_w"].to_numpy(float)[mask]
    table = gpd.GeoDataFrame(
        {
            "lsoa_code": boundaries["lsoa_code"].to_numpy(),
            "lsoa_name": boundaries["lsoa_name"].to_numpy(),
            "area_km2": boundaries["area_km2"].to_numpy(),
            "crimes": np.bincount(lsoa, minlength=n).astype(np.int64),
            "harm": np.bincount(lsoa, weights=w_type, minlength=n),
        },
        geometry=boundaries.geometry.values,
        crs=boundaries.crs,
    )
    placed = placed or {}
    for kind, pts in (("pubs", pubs), ("streetsafe", streetsafe)):
        if pts is None or not len(pts):
            table[kind] = 0
        elif kind in placed:
            idx = placed[kind]
            table[kind] = np.bincount(idx[idx >= 0], minlength=n).astype(np.int64)
        else:
            table[kind] = count_points(pts.geometry.x, pts.geometry.y, boundaries)
    table["population"] = np.nan
    if population is not None:
        pop = population.drop_duplicates("lsoa_code").set_index("lsoa_code")["population"]
        table["population"] = table["lsoa_code"].map(pop).astype(float).to_numpy()
    table["imd_decile"] = pd.array([pd.NA] * n, dtype="Int64")
    table["imd_score"] = np.nan
    if imd is not None:
        d = imd.drop_duplicates("lsoa_code").set_index("lsoa_code")
        table["imd_decile"] = table["lsoa_code"].map(d["imd_decile"]).astype("Int64").to_numpy()
        if "imd_score" in d:
            table["imd_score"] = table["lsoa_code"].map(d["imd_score"]).astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rate"] = np.where(table["population"] > 0, table["crimes"] / table["population"] * 1000, np.nan)
        table["density"] = table["crimes"] / table["area_km2"]
    if measure == "rate":
        missing = table["rate"].isna()
        if population is None:
            raise DataError(None, "a rate needs population figures",
                            hint="load a population layer (IoD2019 File 6 or a CSV of lsoa_code,population), or analyse density instead", setting="population")
        if missing.all():
            raise DataError(None, "no LSOA of the boundaries has a population figure",
                            hint="use population for the same LSOA vintage (2011 or 2021 codes) as the boundaries", setting="population")
        if missing.any():
            raise DataError(None, f"{int(missing.sum())} LSOAs have no population, e.g. "
                            f"{', '.join(table.loc[missing, 'lsoa_code'].head(3))}",
                            hint="give a population for every LSOA (same vintage as the boundaries) or analyse density instead", setting="population")
    table["value"] = table[{"count": "crimes", "harm": "harm", "rate": "rate", "density": "density"}[measure]].astype(float)
    return table
