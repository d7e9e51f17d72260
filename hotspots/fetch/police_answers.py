"""Checking what police.uk answers, and counting each crime once.

A server (police.uk, a mirror, or something else at that address) may send anything: every
crime record is checked before it is cached or written (:func:`check_crimes`), and crimes seen
by two overlapping tiles are merged only by a real id (:func:`unique_crimes`); a crime with
no id is never merged with another.
"""

from __future__ import annotations

import contextlib
import json

from ..data.errors import DataError
from .tiles import TileGrid

__all__ = ["POLICE_ENV", "malformed", "check_crimes", "crime_key", "unique_crimes"]

POLICE_ENV = "HOTSPOTS_POLICE_API"


def malformed(url: str, what: str) -> DataError:
    return DataError(url, f"the answer is malformed: {what}",
                     hint=f"check that {POLICE_ENV} (or --police-api) points at the police.uk API (…/api), "
                          "or try again later")


def check_crimes(data: object, url: str, month: str) -> list[dict]:
    """The answer of ``crimes-street/all-crime`` as a list of crime objects, or a DataError."""
    if not isinstance(data, list):
        raise malformed(url, f"for {month} it is not a list of crimes")
    for i, c in enumerate(data):
        where = f"crime {i + 1} of {month}"
        if not isinstance(c, dict):
            raise malformed(url, f"{where} is {type(c).__name__}, not an object")
        cid = c.get("id")
        if cid is not None and (isinstance(cid, bool) or not isinstance(cid, (int, str))):
            raise malformed(url, f"{where} has an id that is {type(cid).__name__}")
        if isinstance(cid, int) and abs(cid) >= 10 ** 30:
            raise malformed(url, f"{where} has an id of {len(str(abs(cid)))} digits")
        loc = c.get("location")
        if loc is not None and not isinstance(loc, dict):
            raise malformed(url, f"{where} has a location that is {type(loc).__name__}, not an object")
        if isinstance(loc, dict):
            for k in ("latitude", "longitude"):
                v = loc.get(k)
                if v is not None and not isinstance(v, (int, float, str)):
                    raise malformed(url, f"{where} has a {k} that is {type(v).__name__}")
                if isinstance(v, str) and v.strip() and not _is_number(v):
                    raise malformed(url, f"{where} has a {k} of {v[:20]!r}, not a number")
            st = loc.get("street")
            if st is not None and not isinstance(st, dict):
                raise malformed(url, f"{where} has a street that is {type(st).__name__}, not an object")
        out = c.get("outcome_status")
        if out is not None and not isinstance(out, dict):
            raise malformed(url, f"{where} has an outcome_status that is {type(out).__name__}, not an object")
    return data


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return len(v) < 40


def crime_key(c: dict) -> str | None:
    """The de-duplication key of a crime: its API id, or None when it has no real one (null,
    missing, empty): such crimes cannot be told apart, so none is ever merged with another."""
    cid = c.get("id")
    if cid is None or isinstance(cid, bool):
        return None
    text = str(cid).strip()
    return text or None


def unique_crimes(seen: list[tuple[str, dict]], grid: TileGrid, leaves: set[str]) -> list[dict]:
    """Each crime once, though overlapping tiles report some twice.

    A crime with a real id is kept the first time that id is seen. A crime without one (null,
    missing, empty) cannot be matched by id, and two such records alike in every field may
    well be two crimes (police.uk snaps crimes to shared points), so none is merged with
    another: each is kept from the one tile whose square (the tile without its overlap)
    holds its point, and dropped from the tiles that saw it only in their overlap. One with
    no usable point is kept from the first tile that reported a record like it.
    """
    import numpy as np
    from pyproj import Transformer

    out: list[dict] = []
    seen_ids: set[str] = set()
    no_id: list[tuple[str, dict]] = []
    for key, c in seen:
        k = crime_key(c)
        if k is None:
            no_id.append((key, c))
        elif k not in seen_ids:
            seen_ids.add(k)
            out.append(c)
    if not no_id:
        return out
    lon = np.full(len(no_id), np.nan)
    lat = np.full(len(no_id), np.nan)
    for i, (_, c) in enumerate(no_id):
        loc = c.get("location") or {}
        with contextlib.suppress(TypeError, ValueError):
            lon[i], lat[i] = float(loc.get("longitude")), float(loc.get("latitude"))
    ok = np.isfinite(lon) & np.isfinite(lat)
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    first_tile: dict[str, str] = {}
    for i, (key, c) in enumerate(no_id):
        owner = _owner(grid, leaves, float(x[i]), float(y[i])) if ok[i] else None
        if owner is None:  # no point, or outside every answered tile: by the record itself
            sig = json.dumps(c, sort_keys=True, default=str)
            owner = first_tile.setdefault(sig, key)
        if owner == key:
            out.append(c)
    return out


def _owner(grid: TileGrid, leaves: set[str], x: float, y: float) -> str | None:
    """The answered tile whose square holds (x, y), walking the quadtree from the root."""
    t = grid.root
    x0, y0, x1, y1 = t.bounds
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return None
    key = t.key
    while key not in leaves:
        if len(key) > 40:
            return None
        x0, y0, x1, y1 = t.bounds
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        i = (0 if y >= my else 2) + (1 if x >= mx else 0)
        t = t.children()[i]
        key = t.key
    return key
