"""A study's name on every output: the user's title, else the places it covers ("Kent and Medway").

Maps, briefings, evidence packs and workbooks were titled by the boundary file's name
("kent_medway_lsoa2011_bgc"): a file name, not a place a reader knows. The title is now, in
this order:

1. the title the user gave (``--title``, the app's *Study title* field);
2. the districts the LSOAs are in, when there are one to three ("Maidstone", "Ashford and
   Canterbury");
3. the county-level areas the study covers, from GeoNames' county and unitary names
   (``admin2``) of the places nearest each LSOA: an area is named when it holds at least
   :data:`AREA_SHARE` of the LSOAs, or when it is one of the study's districts too (a
   unitary authority such as Medway, whose towns GeoNames often files under the county):
   "Kent and Medway"; when those areas hold less than half the LSOAs together (a region, a nation)
   the countries are named instead ("England", "England and Wales");
4. the police force of the police.uk files ("Kent Police area");
5. "Hot spot analysis".

A name that is the boundary (or crime) file's stem, or the default "Untitled study", is never
taken for a title the user gave.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["study_title", "places_title", "user_title", "join_names", "run_facts", "AREA_SHARE", "DEFAULT_NAMES"]

#: an area is named in the title when it holds at least this share of the LSOAs
AREA_SHARE = 0.05
#: the areas named must hold at least this share of the LSOAs together, else the countries are
#: named ("England" for an England-wide study, not its one county with 5% of the LSOAs)
COVER_SHARE = 0.5
#: names that are placeholders, not titles
DEFAULT_NAMES = frozenset({"", "untitled study", "hot spot analysis"})


def join_names(names: list[str], most: int = 3) -> str:
    """"A", "A and B", "A, B and C", "A, B and 4 more"."""
    names = [n for n in names if n]
    if len(names) > most:
        return f"{', '.join(names[:most - 1])} and {len(names) - most + 1} more"
    return names[0] if len(names) == 1 else (", ".join(names[:-1]) + " and " + names[-1] if names else "")


def user_title(study: Any) -> str:
    """The study's name when the user gave one: not a default, not a file's name."""
    name = str(getattr(study, "name", "") or "").strip()
    if name.lower() in DEFAULT_NAMES:
        return ""
    stems = set()
    for attr in ("boundaries", "extract", "imd", "pubs", "streetsafe"):
        p = getattr(study, attr, None)
        if p:
            stems.add(Path(str(p)).stem.lower())
    for p in getattr(study, "crimes", None) or []:
        stems.add(Path(str(p)).stem.lower())
    return "" if name.lower() in stems else name


_CACHE: list[tuple[Any, Any, str]] = []


def places_title(table: Any, layers: Any = None) -> str:
    """The places an analysis table's LSOAs cover, in words (rules 2-5 of the module).

    Remembered for the last few tables (the app asks on every change of the window title)."""
    if table is None or not len(table):
        return "Hot spot analysis"
    for t, lay, title in _CACHE:
        if t is table and lay is layers:
            return title
    title = _places_title(table, layers)
    _CACHE.insert(0, (table, layers, title))
    del _CACHE[4:]
    return title


def _places_title(table: Any, layers: Any) -> str:
    from .lsoa.districts import districts_for
    try:
        d = districts_for(table, layers)
        names = pd.Series(d.names).astype(str)
        sourced = d.warning is None or d.count > 1
    except (KeyError, ValueError, TypeError):
        names, sourced = pd.Series([], dtype=str), False
    order = names.value_counts()
    if sourced and 1 <= len(order) <= 3:
        return join_names(list(order.index))
    areas = _county_areas(table, set(order.index))
    if areas:
        return join_names(areas)
    from .lsoa.districts import force_label

    rep = (getattr(layers, "reports", None) or {}).get("crimes")
    force = force_label(getattr(rep, "files", None) or []) if rep is not None else None
    return force or "Hot spot analysis"


def _county_areas(table: Any, districts: set[str]) -> list[str]:
    from .runtime import early

    geometry = getattr(table, "geometry", None)
    if geometry is None:
        return []
    found, got = early.take(COUNTY_COUNTS, **_early_inputs(geometry))
    counts, countries, n = got if found else county_counts(geometry)
    if counts.empty:
        return []
    share = counts / float(n)
    keep = [a for a in counts.index if share[a] >= AREA_SHARE or a in districts]
    if counts[keep].sum() < COVER_SHARE * n and not countries.empty:
        # a region or a nation: the areas named would hold a minority of it (an England-wide study
        # came out "Greater London", the one county with 5% of the LSOAs); name the countries
        keep = [c for c in countries.index if countries[c] >= AREA_SHARE * n]
    return keep


#: the early answer's name (:func:`county_counts` of the loaded boundaries, worked out beside a
#: nation's analysis: ~0.25 s that the parent spent just before its export child took over)
COUNTY_COUNTS = "county_counts"


def county_counts(geometry: Any) -> tuple[pd.Series, pd.Series, int]:
    """How many LSOAs each county-level area and each country (GeoNames ``admin2`` and ``admin1``
    of the place nearest each LSOA's representative point) holds, most first, and how many LSOAs
    were placed: the part of the title that depends only on the shapes."""
    from .data.gazetteer import admin_areas_in

    none = pd.Series([], dtype=int)
    try:
        pts = geometry.representative_point().to_crs(4326)
    except (AttributeError, ValueError):
        return none, none, 0
    ok = ~(pts.isna() | pts.is_empty)
    if not ok.any():
        return none, none, 0
    got = admin_areas_in(pts[ok].x.to_numpy(), pts[ok].y.to_numpy())
    areas, countries = got["admin2"].astype(str), got["admin1"].astype(str)
    return areas[areas != ""].value_counts(), countries[countries != ""].value_counts(), int(ok.sum())


def start_county_counts(geometry: Any, pool: Any) -> None:
    """Work :func:`county_counts` out on ``pool`` for these shapes (the title takes it if it is
    asked for the very same shapes and CRS; :mod:`hotspots.runtime.early`)."""
    from .runtime import early

    early.start(COUNTY_COUNTS, pool, county_counts, geometry, **_early_inputs(geometry))


def _early_inputs(geometry: Any) -> dict[str, Any]:
    """What an early :func:`county_counts` is matched on: the very same shapes and CRS."""
    return {"same": (np.asarray(geometry.values, dtype=object),), "equal": str(geometry.crs)}


def study_title(study: Any, analysis: Any = None, layers: Any = None) -> str:
    """The title every output carries (see the module)."""
    return user_title(study) or places_title(getattr(analysis, "table", None), layers)


def run_facts(analysis: Any, layers: Any = None, study: Any = None) -> dict[str, str]:
    """Plain-text facts about a run (study, period, crime types, measure, method) for titles.

    Shared by the map and the briefing so both describe a run in the same words. Values are
    *not* escaped: callers escape for HTML; matplotlib gets them with mathtext off.
    """
    from .limits import MEASURES

    s = analysis.settings
    name = study_title(study, analysis, layers)  # the user's title, else the places covered; never a file name
    # the period is the months that hold analysed crime, not the months asked for
    months = list(getattr(getattr(analysis, "filters", None), "months_with_data", None) or [])
    if not months:
        crimes = getattr(layers, "crimes", None)
        if crimes is not None and "month" in crimes and len(crimes):
            months = sorted(crimes["month"].dropna().astype(str).unique())
    start, end = (months[0], months[-1]) if months else (getattr(s, "month_from", None), getattr(s, "month_to", None))
    period = (f"{start} to {end}" if start != end else start) if start and end else (start or end or "all months")
    types = getattr(s, "crime_types", None)
    measure = getattr(s, "measure", "count")
    alpha = float(getattr(s, "alpha", 0.05))
    method = (f"Local Moran's I and Getis-Ord Gi*, {getattr(s, 'permutations', 999):,} permutations, "
              f"alpha {alpha:g}{' with FDR' if getattr(s, 'fdr', False) else ''}, "
              f"{getattr(s, 'weights', 'queen')} weights")
    zones = getattr(analysis, "zones", None)
    zones = getattr(zones, "frame", zones)
    return {
        "study": str(name),
        "period": period,
        "crime_types": ", ".join(types) if types else "all crime types",
        "measure": MEASURES.get(measure, measure),
        "method": method,
        "alpha": f"{alpha:g}",
        "zones": str(0 if zones is None else len(zones)),
        "generated": _dt.datetime.now().strftime("%d %B %Y %H:%M"),
        "marking": _marking(study, analysis),
    }


def _marking(study: Any, analysis: Any) -> str:
    from .publish.disclosure import marking_of

    return marking_of(study, analysis)
