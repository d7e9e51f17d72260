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
