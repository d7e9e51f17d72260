"""Exports that grow with the study stay readable: the map's display geometry and its encoding.

The fast GeoJSON encoding is pinned to shapely's own ``mapping`` (the obvious path); the
display tolerance is pinned to hand-worked values for a county and a nation.
"""

from __future__ import annotations

import json

import numpy as np
import shapely
from shapely.geometry import mapping

from hotspots.export.map.html_map import SIMPLIFY_M, _fc, _to_display, display_tolerance


def test_feature_collection_equals_shapely_mapping():
    polys = np.array([shapely.box(0, 0, 1, 1), None, shapely.Polygon([(0, 0), (2, 0), (2, 2)], [[(1.5, 0.2), (1.8, 0.2), (1.8, 0.5)]]),
                      shapely.MultiPolygon([shapely.box(5, 5, 6, 6), shapely.box(7, 7, 8.123456, 8)]), shapely.Polygon()],
                     dtype=object)
    props = [{"k": i, "name": f"<b>{i}</b>"} for i in range(len(polys))]
    fast = _fc(polys, props)
    slow = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i, "properties": p, "geometry": mapping(g)}
        for i, (g, p) in enumerate(zip(polys, props, strict=True)) if g is not None and not g.is_empty]}
    # compare as JSON (tuples vs lists): what the page receives
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(slow))
    assert [f["id"] for f in fast["features"]] == [0, 2, 3]


def test_display_tolerance_county_and_nation():
    assert display_tolerance(100_000) == (SIMPLIFY_M, 5)      # Kent: as before
    tol, dec = display_tolerance(650_000)                     # England: 32.5 m, 4 decimals
    assert abs(tol - 32.5) < 1e-9 and dec == 4
    assert display_tolerance(float("nan")) == (SIMPLIFY_M, 5)


def test_display_geometry_fewer_vertices_at_national_extent():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    r = 1000 + rng.normal(0, 8, len(t))  # a wiggly 1 km polygon near Maidstone
    ring = np.column_stack([575_000 + r * np.cos(t), 155_000 + r * np.sin(t)])
    poly = np.array([shapely.Polygon(ring)], dtype=object)
    county = _to_display(poly, 27700, extent_m=100_000)[0]
    nation = _to_display(poly, 27700, extent_m=650_000)[0]
    assert shapely.get_num_coordinates(nation) < shapely.get_num_coordinates(county) <= 401
    # the national shape still covers the same ground, to within its tolerance (in degrees, ~1e-3)
    assert shapely.hausdorff_distance(county, nation) < 1e-3
    coords = shapely.get_coordinates(nation)
    assert np.allclose(coords, np.round(coords, 4))
