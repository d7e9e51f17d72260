"""The grid's dense position table answers every lookup as the binary search over sorted keys does."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from hotspots.units import grid as G


def _grid(seed: int):
    rng = np.random.default_rng(seed)
    b = gpd.GeoDataFrame({"lsoa_code": ["A", "B"], "lsoa_name": ["a", "b"]},
                         geometry=[shapely.box(0, 0, 3000, 4000), shapely.box(3000, 0, 6000, 4000)], crs=27700)
    x = np.concatenate([rng.normal(1500, 300, 3000), rng.uniform(-500, 6500, 500)])
    y = np.concatenate([rng.normal(2000, 500, 3000), rng.uniform(-500, 4500, 500)])
    return G.build_grid(b, x, y, 150.0)[0]


def test_dense_and_searched_lookups_agree(monkeypatch):
    for seed in (1, 2):
        g = _grid(seed)
        rng = np.random.default_rng(seed)
        keys = np.concatenate([g.key, G._key(rng.integers(-50, 90, 5000), rng.integers(-50, 90, 5000)),
                               g.key + 1, g.key - G._SHIFT])
        dense = g.lookup(keys)
        assert g.__dict__.get("_dense"), "the small grid must have used its dense table"
        G.drop_dense(g)
        monkeypatch.setattr(G, "DENSE_MAX", 0)
        searched = g.lookup(keys)
        monkeypatch.undo()
        assert np.array_equal(dense, searched)
        assert np.array_equal(dense[: len(g.key)], np.arange(len(g.key))) and (dense == -1).any()
        for dc, dr in G.WINDOW:  # the window sums' neighbour queries, both ways
            a = g.neighbours(dc, dr)
            G.drop_dense(g)
            monkeypatch.setattr(G, "DENSE_MAX", 0)
            b = g.neighbours(dc, dr)
            monkeypatch.undo()
            G.drop_dense(g)
            assert np.array_equal(a, b)


def _same_grid(boundaries, x, y, cell, lsoa=None):
    fast, pos_f = G.build_grid(boundaries, x, y, cell, lsoa=lsoa)
    slow, pos_s = G.build_grid(boundaries, x, y, cell, lsoa=lsoa, dense=False)
    assert fast.__dict__.get("_dense"), "the raster build must have run"
    for name in ("col", "row", "key", "occupied", "in_grid", "window", "lsoa"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert fast.n_cells == slow.n_cells and np.array_equal(pos_f, pos_s)
    return fast


def test_raster_build_equals_sorted_sets_with_centres_on_edges():
    """Boxes whose edges pass through cell centres (x = 75 + 150 k) and a triangle through centres:
    the scan-line rule and 'contains, else touches, lowest index' differ there unless ties are settled."""
    edges = [75 + 150 * k for k in range(0, 9, 2)]
    polys = [shapely.box(a, 75, b, 1275) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    polys.append(shapely.Polygon([(1275, 75), (1875, 75), (1275, 675)]))  # hypotenuse through centres
    polys.append(shapely.box(1275, 675, 1875, 1275).difference(shapely.box(1425, 825, 1575, 975)))  # a hole
    b = gpd.GeoDataFrame({"lsoa_code": [f"L{i}" for i in range(len(polys))],
                          "lsoa_name": [f"n{i}" for i in range(len(polys))]}, geometry=polys, crs=27700)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 2000, 4000), rng.uniform(0, 1400, 4000)
    g = _same_grid(b, x, y, 150.0)
    assert g.in_grid.sum() > 0 and (~g.in_grid).sum() > 0
    _same_grid(b, x, y, 75.0)


def test_raster_build_equals_sorted_sets_on_real_kent():
    from pathlib import Path

    import pytest

    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "kent"
    if not root.exists():
        pytest.skip(f"real Kent data not found at {root}")
    from hotspots.data.boundaries import read_boundaries
    from hotspots.data.crimes import read_crimes

    b, _ = read_boundaries(root / "boundaries" / "kent_medway_lsoa2011_bgc.geojson")
    crimes, _ = read_crimes(sorted((root / "crime").rglob("*.csv"))[:3], b)
    x, y = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    for cell in (150.0, 250.0):
        _same_grid(b, x, y, cell, lsoa=crimes["lsoa"].to_numpy())
