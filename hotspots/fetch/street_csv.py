"""API crimes to police.uk street CSVs, with the bulk download's columns and category names.

The API speaks slugs (``violent-crime``) and nests the location; the bulk download (the
format every reader and check here expects) has twelve flat columns and category names
("Violence and sexual offences"). Writing the API's answer in the download's shape means a
fetched month is read, filtered and reported exactly like a downloaded one.

The API has no LSOA and no force per crime: the LSOA columns are filled by point-in-polygon
against the study's boundaries (when there are any), and ``Reported by``/``Falls within``
with the force's name when it is known (``--force``), else left empty.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from ..categories import CATEGORIES
from ..export.atomic import write_text_atomic
from ..units.placement import assign_lsoa

__all__ = ["STREET_COLUMNS", "CATEGORY_NAMES", "category_name", "to_rows", "write_month", "month_path"]

#: the bulk download's columns, in its order
STREET_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                  "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
#: API slug -> category name; the two legacy slugs are those police.uk used before May 2013
CATEGORY_NAMES: dict[str, str] = {slug: name for name, slug in CATEGORIES.items()}
CATEGORY_NAMES.update({"public-disorder-weapons": "Public disorder and weapons",
                       "theft-from-the-person": "Theft from the person"})
#: points this close (metres) outside the study area are kept: rounding on the edge
EDGE_M = 1.0
_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


def category_name(slug: str) -> str:
    """The bulk-download name of an API category slug (an unknown slug is title-cased)."""
    s = str(slug or "").strip()
    return CATEGORY_NAMES.get(s, s.replace("-", " ").capitalize())


def _text(v: object) -> str:
    return "" if v is None else str(v)


def to_rows(crimes: list[dict], area: BaseGeometry | None, boundaries: gpd.GeoDataFrame | None,
            force_name: str = "") -> tuple[list[list[str]], dict[str, int]]:
    """Bulk-download rows for the crimes inside ``area`` (EPSG:27700), sorted by API id.

    A crime is kept when it lies in (or within 1 m of) one of ``boundaries``' LSOAs, else, with
    no boundaries (a force's area), within 1 m of ``area``. Returns the rows and counts of what
    was left out ("outside the study area", "no coordinates"), for the report.
    """
    crimes = sorted(crimes, key=lambda c: (str(c.get("month", "")), _sort_id(c.get("id"))))
    lon = np.full(len(crimes), np.nan)
    lat = np.full(len(crimes), np.nan)
    for i, c in enumerate(crimes):
        loc = c.get("location") or {}
        with contextlib.suppress(TypeError, ValueError):
            lon[i], lat[i] = float(loc.get("longitude")), float(loc.get("latitude"))
    has = np.isfinite(lon) & np.isfinite(lat)
    x, y = _TO_BNG.transform(np.where(has, lon, 0.0), np.where(has, lat, 0.0))
    x, y = np.asarray(x), np.asarray(y)
    idx = np.full(len(crimes), -1, dtype=np.int64)
    if boundaries is not None and has.any():
        idx[has] = assign_lsoa(x[has], y[has], boundaries.geometry.values)
    keep = has.copy()
    loose = has & (idx < 0)
    if loose.any() and boundaries is not None:
        pts = shapely.points(x[loose], y[loose])
        near = shapely.STRtree(boundaries.geometry.values).query(pts, predicate="dwithin", distance=EDGE_M)[0]
        inside = np.zeros(len(pts), dtype=bool)
        inside[near] = True
        keep[loose] = inside
    elif loose.any() and area is not None:
        shapely.prepare(area)
        keep[loose] = shapely.dwithin(area, shapely.points(x[loose], y[loose]), EDGE_M)
    dropped = {"no coordinates": int((~has).sum()), "outside the study area": int((has & ~keep).sum())}
    codes = boundaries["lsoa_code"].to_numpy() if boundaries is not None else None
    names = boundaries["lsoa_name"].to_numpy() if boundaries is not None else None
    rows = []
    for i in np.flatnonzero(keep):
        c = crimes[i]
        loc = c.get("location") or {}
        street = loc.get("street") or {}
        outcome = c.get("outcome_status") or {}
        j = int(idx[i])
        rows.append([
            _text(c.get("persistent_id")), _text(c.get("month")), force_name, force_name,
            f"{lon[i]:.6f}", f"{lat[i]:.6f}", _text(street.get("name")),
            _text(codes[j]) if j >= 0 and codes is not None else "",
            _text(names[j]) if j >= 0 and names is not None else "",
            category_name(_text(c.get("category"))),
            _text(outcome.get("category")) if isinstance(outcome, dict) else "",
            _text(c.get("context")),
        ])
    return rows, dropped


def _sort_id(v: object) -> tuple[int, str]:
    try:
        return (int(v), "")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return (0, str(v))


def month_path(out: Path, month: str, area_name: str) -> Path:
    """``out/YYYY-MM/YYYY-MM-<area>-street.csv``, the bulk download's layout."""
    import re

    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", str(month)):  # never a path from a server's text
        raise ValueError(f"not a month: {str(month)[:40]!r}")
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in area_name.lower()).split()) or "area"
    return Path(out) / month / f"{month}-{slug}-street.csv"


def write_month(path: Path, rows: list[list[str]]) -> Path:
    """Write one month's CSV atomically (header even when the month has no crimes)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(STREET_COLUMNS)
    w.writerows(rows)
    return write_text_atomic(path, buf.getvalue())
