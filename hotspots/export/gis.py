"""Patrol zones, LSOA results and LSOA clusters for QGIS/ArcGIS: a GeoPackage and GeoJSON files.

The GeoPackage is the analyst's file (EPSG:27700, every useful column, a layer per view); the
GeoJSON is the zones in EPSG:4326 for web maps and for partners who do not run a GIS. Text is
kept raw (a GIS does not run formulas) but cleaned of characters GDAL or UTF-8 cannot hold, and
every file is written to a temporary name and renamed, so QGIS never opens half a file.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..model import RESULT_COLUMNS, Analysis
from .atomic import atomic_path

__all__ = ["write_gpkg", "write_geojson", "write_clusters_geojson", "lsoa_layer", "zones_layer", "clusters_layer",
           "LSOA_EXTRA_COLUMNS"]

#: columns of the ``lsoa_results`` layer beyond the lsoa_results.csv contract, when present
LSOA_EXTRA_COLUMNS = ["population", "rate", "density", "area_km2", "imd_score", "lisa_p_folded",
                      "gi_p_folded", "gi_perm_z", "mc_permutations", "ss_gi_z", "ss_gi_bin", "fear_gap",
                      "fear_status", "fear_p", "fear_expected", "imd_lookup", "imd_sources"]
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean_text(value: object) -> object:
    """Drop control characters and unpaired surrogates that GDAL or UTF-8 cannot store."""
    if not isinstance(value, str):
        return value
    value = _BAD_CHARS.sub("", value)
    return value.encode("utf-8", "replace").decode("utf-8")


def _clean_value(v: object) -> object:
    return "" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) \
        else _clean_text(v if isinstance(v, str) else str(v))


def _clean_column(s: pd.Series) -> np.ndarray:
    """:func:`_clean_value` of every value of a text column, as an object array.

    Nearly every column is already clean (text, no control character, no lone surrogate): that
    is checked on the column joined into one string (two passes in C), and only a column that
    fails is cleaned value by value (a nation's LSOA layer: 100,000 Python calls, ~0.2 s)."""
    values = s.to_numpy(dtype=object)
    if all(type(v) is str for v in values):
        joined = "\n".join(values)  # (a newline is not one of the characters dropped)
        if _BAD_CHARS.search(joined) is None:
            try:
                joined.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate somewhere: value by value
                pass
            else:
                return values
    return np.array([_clean_value(v) for v in values], dtype=object)


def _prepare(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy GDAL can write: text cleaned, nullable ints kept nullable, geometry made multi."""
    out = gdf.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        s = out[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[c] = pd.Series(_clean_column(s), index=s.index, dtype=object)
    return out


def zones_layer(analysis: Analysis) -> gpd.GeoDataFrame:
    """The patrol zones (groups of cells) with the contract fields (an empty frame of the right
    schema when none)."""
    from ..plans.patrol_zones import PATROL_ZONE_FIELDS, empty_patrol_zones

    z = analysis.zone_frame
    if z is None:
        return empty_patrol_zones(analysis.table.crs)
    return z[[*PATROL_ZONE_FIELDS, z.geometry.name]]


def clusters_layer(analysis: Analysis) -> gpd.GeoDataFrame:
    """The LSOA LISA/Gi* clusters (the statistical map, not a patrol plan), ``cluster_id`` first."""
    from ..plans.zones import ZONE_FIELDS, empty_zones

    c = getattr(analysis, "lsoa_clusters", None)
    z = empty_zones(analysis.table.crs) if c is None else c.frame
    out = z[[*ZONE_FIELDS, z.geometry.name]].rename(columns={"zone_id": "cluster_id", "zone_kind": "cluster_kind"})
    return out


def lsoa_layer(analysis: Analysis) -> gpd.GeoDataFrame:
    """Per-LSOA results: the contract columns plus the ones a GIS user filters or styles on."""
    t = analysis.table
    cols = [c for c in [*RESULT_COLUMNS, *LSOA_EXTRA_COLUMNS] if c in t.columns]
    return gpd.GeoDataFrame(t[cols].copy(), geometry=t.geometry.values, crs=t.crs)


def _write(gdf: gpd.GeoDataFrame, path: Path, layer: str, driver: str, **kw) -> None:
    import pyogrio

    pyogrio.write_dataframe(_prepare(gdf), path, layer=layer, driver=driver, promote_to_multi=True,
                            geometry_type="MultiPolygon", **kw)


def write_gpkg(analysis: Analysis, path: str | Path) -> Path:
    """``patrol_zones.gpkg``: layers ``patrol_zones``, ``lsoa_results``, ``lsoa_clusters``, ``patrol_spots``
    and ``fear_vs_crime``.

    ``fear_vs_crime`` (the LSOAs where StreetSafe and recorded-crime hot spots disagree or
    agree) is written only when the StreetSafe analysis ran. All layers are EPSG:27700.
    """
    path = Path(path)
    lsoas = lsoa_layer(analysis)
    with atomic_path(path) as tmp:
        _write(zones_layer(analysis), tmp, "patrol_zones", "GPKG")
        _write(lsoas, tmp, "lsoa_results", "GPKG")
        _write(clusters_layer(analysis), tmp, "lsoa_clusters", "GPKG")
        if analysis.spots is not None:
            from .spots import spots_layer

            _write(spots_layer(analysis), tmp, "patrol_spots", "GPKG")
        if "fear_gap" in lsoas.columns:
            fear = lsoas[lsoas["fear_gap"].astype(str) != ""]
            _write(fear, tmp, "fear_vs_crime", "GPKG")
    return path


def write_geojson(analysis: Analysis, path: str | Path) -> Path:
    """``patrol_zones.geojson``: the zones in EPSG:4326 (RFC 7946), for web maps."""
    path = Path(path)
    zones = zones_layer(analysis).to_crs(4326)
    with atomic_path(path) as tmp:
        _write(zones, tmp, "patrol_zones", "GeoJSON", RFC7946="YES", WRITE_NAME="NO")
    return path


def write_clusters_geojson(analysis: Analysis, path: str | Path) -> Path:
    """``lsoa_clusters.geojson``: the LSOA LISA/Gi* clusters in EPSG:4326 (the statistical map)."""
    path = Path(path)
    clusters = clusters_layer(analysis).to_crs(4326)
    with atomic_path(path) as tmp:
        _write(clusters, tmp, "lsoa_clusters", "GeoJSON", RFC7946="YES", WRITE_NAME="NO")
    return path
