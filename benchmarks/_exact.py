"""Exact (unsnapped) crime coordinates for the benchmarks: every crime at its own point.

police.uk snaps each crime to one of a limited set of anonymised points, so a year of a
nation's crime sits on ~550k distinct coordinates and placement can be done once per distinct
point. A force's own extract, geocoded StreetSafe reports and other sources have exact
coordinates: millions of distinct points. :func:`jitter_inside` turns snapped points into such
points (each moved by a random offset, kept inside the polygon that holds its snap point, so
the per-LSOA counts do not change) and :func:`degrees_text` writes them as police.uk does.
Used by ``generate_national.py --exact`` and ``generate_kent_exact.py``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

__all__ = ["jitter_inside", "degrees_text", "SIGMA_M"]

#: standard deviation of the offset from the snap point (metres); street-scale
SIGMA_M = 60.0


def jitter_inside(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, polys: np.ndarray,
                  owner: np.ndarray, sigma: float = SIGMA_M, tries: int = 6):
    """Move each point by a Gaussian offset, keeping it strictly inside ``polys[owner]``.

    The test is made on the *published* coordinate (lon/lat rounded to 6 decimals and projected
    back), so the polygon that contains the row in the CSV is its owner. A point whose offsets
    keep leaving the polygon gets smaller ones; after ``tries`` it stays where it was.

    Returns lon, lat (rounded to 6 decimals) of every point, in EPSG:4326.
    """
    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    lon, lat = (np.round(np.asarray(v, float), 6) for v in to_wgs.transform(x, y))
    shapely.prepare(polys)
    todo = np.arange(len(x))
    for k in range(tries):
        s = sigma / (2 ** k)
        nx = x[todo] + rng.normal(0.0, s, len(todo))
        ny = y[todo] + rng.normal(0.0, s, len(todo))
        nlon, nlat = (np.round(np.asarray(v, float), 6) for v in to_wgs.transform(nx, ny))
        bx, by = to_bng.transform(nlon, nlat)
        ok = shapely.contains_xy(polys[owner[todo]], np.asarray(bx), np.asarray(by))
        lon[todo[ok]], lat[todo[ok]] = nlon[ok], nlat[ok]
        todo = todo[~ok]
        if not len(todo):
            break
    return lon, lat


def degrees_text(v: np.ndarray) -> pa.Array:
    """Degrees as police.uk writes them (``-0.123456``, ``51.276836``), built in Arrow, no Python loop."""
    micro = np.round(np.asarray(v, float) * 1e6).astype(np.int64)
    neg = micro < 0
    a = np.abs(micro)
    whole = pc.cast(pa.array(a // 1_000_000), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(a % 1_000_000), pa.string()), 6, "0")
    sign = pc.if_else(pa.array(neg), pa.scalar("-"), pa.scalar(""))
    return pc.binary_join_element_wise(sign, whole, ".", frac, "")
