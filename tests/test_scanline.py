"""Scan-line centre tests pinned to the obvious point-in-polygon of every centre."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from hotspots.units.scanline import centre_mask, count_centres

KENT = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "kent" / "boundaries" / "kent_medway_lsoa2011_bgc.geojson"


def _brute(polys, x0, y1, cell, rows, cols) -> np.ndarray:
    cx = x0 + (np.arange(cols) + 0.5) * cell
    cy = y1 - (np.arange(rows) + 0.5) * cell
    xx, yy = np.meshgrid(cx, cy)
    union = shapely.union_all(np.asarray(polys, dtype=object))
    return shapely.contains_xy(union, xx.ravel(), yy.ravel()).reshape(rows, cols)


def test_holes_parts_and_odd_shapes_match_contains():
    rng = np.random.default_rng(5)
    ring = shapely.Polygon([(0, 0), (900, 0), (900, 700), (0, 700)], [[(200, 200), (500, 210), (480, 520), (190, 500)]])
    star = shapely.Polygon([(1500 + 400 * np.cos(t) * (1 + (k % 2)), 400 + 400 * np.sin(t) * (1 + (k % 2)))
                            for k, t in enumerate(np.linspace(0, 2 * np.pi, 17)[:-1])])
    multi = shapely.MultiPolygon([shapely.box(100, 900, 300, 1200), shapely.box(600.3, 950.7, 1333.3, 1010.1)])
    blob = shapely.Point(2600, 1100).buffer(333.3).difference(shapely.Point(2600, 1100).buffer(100))
    polys = np.array([ring, star, multi, blob, None], dtype=object)
    for _ in range(5):
        cell = float(rng.uniform(7, 60))
        x0, y1 = float(rng.uniform(-200, -50)), float(rng.uniform(1500, 1800))
        rows, cols = int((y1 + 400) / cell), int(3200 / cell)
        got = centre_mask(polys, x0, y1, cell, rows, cols)
        want = _brute(polys[:4], x0, y1, cell, rows, cols)
        assert got.shape == want.shape and want.sum() > 100
        assert np.array_equal(got, want)


def test_count_matches_contains():
    polys = np.array([shapely.box(0, 0, 1000, 1000), shapely.Point(3000, 3000).buffer(700)])
    cx, cy = np.meshgrid((np.arange(40) + 0.5) * 100, (np.arange(40) + 0.5) * 100)
    brute = sum(int(shapely.contains_xy(p, cx.ravel(), cy.ravel()).sum()) for p in polys)
    assert count_centres(polys, 100) == brute > 0


def test_kent_mask_matches_contains():
    if not KENT.exists():
        pytest.skip(f"real boundaries not found at {KENT}")
    import geopandas as gpd

    g = gpd.read_file(KENT).to_crs(27700).geometry.values
    minx, miny, maxx, maxy = shapely.total_bounds(g)
    cell = 400.0
    x0, y0 = np.floor(minx / cell) * cell, np.floor(miny / cell) * cell
    cols, rows = int(np.ceil((maxx - x0) / cell)), int(np.ceil((maxy - y0) / cell))
    y1 = y0 + rows * cell
    got = centre_mask(g, x0, y1, cell, rows, cols)
    want = _brute(g, x0, y1, cell, rows, cols)
    assert want.sum() > 10_000
    assert np.array_equal(got, want)
