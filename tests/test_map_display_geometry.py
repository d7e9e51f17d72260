"""Display geometry for the patrol map: Douglas-Peucker simplification, the topology-preserving
kind for the shapes it would spoil, missing shapes kept in their place."""

from __future__ import annotations

import numpy as np
import shapely
from _shapes import noisy_circles

from hotspots.export.map import _map_geometry


def _shapes(n: int) -> np.ndarray:
    out = noisy_circles(n, origin=(530_000, 170_000), step=400, per_row=50, radius=150, noise=3, vertices=60, seed=4)
    out[7] = None  # a missing shape stays missing, in its place
    out[8] = shapely.box(530_000, 171_000, 530_003, 171_003)  # smaller than the tolerance: DP empties it
    # a C whose gap (2 m) is narrower than the tolerance: whatever the simplifier does, valid and there
    out[9] = shapely.Polygon([(0, 0), (100, 0), (100, 49), (20, 49), (20, 51), (100, 51), (100, 100), (0, 100)])
    out[9] = shapely.affinity.translate(out[9], 540_000, 172_000)
    return np.array(out, dtype=object)


def test_display_shapes_are_simplified_valid_and_in_place():
    geoms = _shapes(300)
    dp = shapely.simplify(geoms, 5.0, preserve_topology=False)
    assert shapely.is_empty(dp[8]) or not shapely.is_valid(dp[8])  # the cases the fallback is for
    out = _map_geometry._to_display(geoms, 27700)
    assert len(out) == 300 and out[7] is None
    ok = np.array([g is not None for g in out])
    assert shapely.is_valid(out[ok]).all() and not shapely.is_empty(out[ok]).any()
    assert shapely.get_num_coordinates(out[ok]).sum() < shapely.get_num_coordinates(geoms[ok]).sum()  # simplified
    assert 51.0 < shapely.get_y(shapely.centroid(out[0])) < 52.0  # and in WGS84
    back = _map_geometry._simplify(geoms, 5.0)
    tp = shapely.simplify(geoms, 5.0, preserve_topology=True)
    assert shapely.equals_exact(back[8], tp[8], 0)  # spoilt by DP: the topology-preserving shape
    assert shapely.is_valid(back[9]) and not shapely.is_empty(back[9])
    kept = ok.copy()
    kept[[8, 9]] = False
    assert shapely.equals_exact(back[kept], dp[kept], 0).all()  # the rest: Douglas-Peucker's
    assert np.allclose(shapely.area(back[kept]), shapely.area(geoms[kept]), rtol=0.05)


def test_a_small_island_of_an_lsoa_stays_drawn():
    main = shapely.Polygon([(0, 0), (400, 0), (400, 400), (0, 400)])
    islet = shapely.box(600, 600, 604, 603)  # smaller than the 5 m tolerance
    lsoa = shapely.affinity.translate(shapely.MultiPolygon([main, islet]), 530_000, 170_000)
    assert shapely.get_num_geometries(shapely.simplify(lsoa, 5.0, preserve_topology=False)) == 1  # DP drops it
    out = _map_geometry._simplify(np.array([lsoa], dtype=object), 5.0)
    assert shapely.get_num_geometries(out[0]) == 2
