"""Display geometry for the patrol map: simplified, rounded EPSG:4326 shapes and their GeoJSON.

Display only (the analysis and the GIS files keep full geometry): 5 m and 5 decimals up to a
county, more at national extents (:func:`display_tolerance`). The GeoJSON comes from GEOS's
writer and one ``json.loads`` rather than ``shapely.geometry.mapping`` (a Python tuple per vertex).
"""

from __future__ import annotations

__all__ = ["SIMPLIFY_M", "display_tolerance", "zone_outline"]

from typing import Any

import numpy as np

#: display-only simplification tolerance (metres, EPSG:27700)
SIMPLIFY_M = 5.0


def display_tolerance(extent_m: float) -> tuple[float, int]:
    """(simplification tolerance in metres, decimals of a degree) for a map ``extent_m`` wide.

    5 m and 5 decimals (~1 m) up to a county; beyond ~100 km, 1/20,000 of the extent (a national
    map zoomed to a town shows ~10 m a pixel) and 4 decimals (~10 m), which is below that.
    """
    tol = max(SIMPLIFY_M, float(extent_m) / 20_000.0) if np.isfinite(extent_m) else SIMPLIFY_M
    return tol, (5 if tol < 10 else 4)


def _to_display(geoms: Any, crs: Any, extent_m: float | None = None) -> np.ndarray:
    """27700 shapes -> simplified, rounded EPSG:4326 shapes (for drawing only).

    ``extent_m``: the width of the whole map (default: these shapes' own), which sets the
    tolerance and precision (:func:`display_tolerance`).
    """
    import geopandas as gpd
    import shapely

    g = gpd.GeoSeries(geoms, crs=crs if crs is not None else 27700)
    if extent_m is None:
        b = shapely.total_bounds(np.asarray(g.values, dtype=object))
        extent_m = float(max(b[2] - b[0], b[3] - b[1])) if np.all(np.isfinite(b)) else 0.0
    tol, decimals = display_tolerance(extent_m)
    g = gpd.GeoSeries(_simplify(np.asarray(g.values, dtype=object), tol), crs=g.crs).to_crs(4326)
    return shapely.transform(np.asarray(g.values, dtype=object), lambda c: np.round(c, decimals))


def _simplify(geoms: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker simplification; the topology-preserving kind only for the shapes it
    would leave empty or invalid, or short of a part (a small island of an LSOA stays drawn).

    Each shape is simplified on its own either way (neither keeps neighbours' shared edges),
    and where Douglas-Peucker leaves a shape valid the two differ by a vertex here and there
    within the tolerance. The topology-preserving kind costs ten times as much: a nation's
    33,755 LSOAs took 1.4 s (2.8 s beside the analysis) against 0.13 s."""
    import shapely

    out = shapely.simplify(geoms, tol, preserve_topology=False)
    given = ~shapely.is_missing(geoms)
    spoilt = shapely.is_empty(out) | ~shapely.is_valid(out)
    spoilt |= shapely.get_num_geometries(out) != shapely.get_num_geometries(geoms)  # an islet dropped
    bad = np.flatnonzero(given & spoilt & ~shapely.is_empty(geoms))
    if len(bad):
        out[bad] = shapely.simplify(geoms[bad], tol, preserve_topology=True)
    return out


def zone_outline(geom: Any, min_hole_m2: float = 1000.0) -> Any:
    """A zone's polygon parts without sliver holes, for drawing.

    Unioning generalised (BGC) LSOAs leaves zero-area holes where neighbours' edges do not
    quite meet; drawn, they look like stray lines inside a zone. A real hole is a whole
    LSOA (at least ~90,000 m\u00b2), so anything under ``min_hole_m2`` goes; the
    polygons written to GIS files are not touched.
    """
    import shapely

    if geom is None or geom.is_empty:
        return None
    polys = []
    for p in shapely.get_parts(geom):
        if p.geom_type == "MultiPolygon":
            polys.extend(shapely.get_parts(p))
        elif p.geom_type == "Polygon":
            polys.append(p)
    polys = [shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= min_hole_m2])
             for p in polys if p.area > 0]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _fc(geoms: np.ndarray, props: list[dict]) -> dict:
    """A FeatureCollection with integer ids (folium keys its style lookup on them).

    Geometry goes through GEOS's GeoJSON writer and one ``json.loads`` (C speed) rather than
    ``shapely.geometry.mapping`` (a Python tuple per vertex: ~1 minute for a nation).
    """
    import json

    import shapely

    geoms = np.asarray(geoms, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
    keep = np.flatnonzero(ok)
    shapes = json.loads("[" + ",".join(shapely.to_geojson(geoms[keep]).tolist()) + "]") if len(keep) else []
    feats = [{"type": "Feature", "id": int(i), "properties": props[i], "geometry": g}
             for i, g in zip(keep, shapes, strict=True)]
    return {"type": "FeatureCollection", "features": feats}
