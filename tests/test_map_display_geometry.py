"""Display geometry for the patrol map: simplified on two threads for many shapes, the same shapes
(in the same order) as on one."""

from __future__ import annotations

import numpy as np
import shapely

from hotspots.export.map import _map_geometry


def _shapes(n: int) -> np.ndarray:
    rng = np.random.default_rng(4)
    out = []
    for k in range(n):
        x, y = 530_000 + (k % 50) * 400, 170_000 + (k // 50) * 400
        ring = [(x + 150 * np.cos(a) + rng.normal(0, 3), y + 150 * np.sin(a) + rng.normal(0, 3))
                for a in np.linspace(0, 2 * np.pi, 60, endpoint=False)]
        out.append(shapely.Polygon(ring))
    out[7] = None  # a missing shape stays missing, in its place
    return np.array(out, dtype=object)


def test_threaded_simplify_matches_one_thread(monkeypatch):
    geoms = _shapes(300)
    one = _map_geometry._to_display(geoms, 27700)
    monkeypatch.setattr(_map_geometry, "THREADED_FROM", 10)
    two = _map_geometry._to_display(geoms, 27700)
    assert len(one) == len(two) == 300 and one[7] is None and two[7] is None
    ok = np.array([g is not None for g in one])
    assert shapely.equals_exact(one[ok], two[ok], 0).all()
    assert shapely.get_num_coordinates(two[ok]).sum() < shapely.get_num_coordinates(geoms[ok]).sum()  # simplified
    assert 51.0 < shapely.get_y(shapely.centroid(two[0])) < 52.0  # and in WGS84
