"""Cell lookups after the dense table is let go: a few points search the sorted keys (same
answers, no 69 MB table built again), and the patrol zones reuse the spots' crime positions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from hotspots.units import grid as grid_mod


def _grid(n: int = 20_000, seed: int = 5):
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    x = rng.normal(530_000, 2_000, n)
    y = rng.normal(180_000, 2_000, n)
    boxes = [shapely.box(520_000 + 5_000 * i, 170_000 + 5_000 * j, 525_000 + 5_000 * i, 175_000 + 5_000 * j)
             for i in range(4) for j in range(4)]
    b = gpd.GeoDataFrame({"lsoa_code": [f"E{k:08d}" for k in range(16)]}, geometry=boxes, crs=27700)
    b["area_km2"] = b.area / 1e6
    g, pos = grid_mod.build_grid(b, x, y, 150.0, lsoa=np.zeros(n, np.int64))
    return g, pos, x, y, rng


def test_a_few_lookups_do_not_build_the_dense_table_and_agree_with_it():
    g, _pos, x, y, rng = _grid()
    grid_mod.drop_dense(g)
    qx = np.concatenate([x[:500], rng.uniform(500_000, 560_000, 500), [np.nan]])
    qy = np.concatenate([y[:500], rng.uniform(150_000, 210_000, 500), [np.nan]])
    few = g.positions(qx, qy)
    assert "_dense" not in g.__dict__  # searched, not tabled
    assert len(qx) < grid_mod.FEW_LOOKUPS
    many = g.positions(np.tile(qx, 60), np.tile(qy, 60))  # enough lookups to build the table
    assert "_dense" in g.__dict__
    np.testing.assert_array_equal(few, many[: len(qx)])
    assert (few[:500] >= 0).all() and few[-1] == -1
    keys = grid_mod.grid_keys(qx[:-1], qy[:-1], g.cell)[2]
    grid_mod.drop_dense(g)
    np.testing.assert_array_equal(g.lookup(keys), few[:-1])
    assert "_dense" not in g.__dict__


def test_the_zones_reuse_the_spots_positions_only_for_the_same_crimes_and_grid(monkeypatch):
    from hotspots.plans import spots

    g, pos, x, y, _rng = _grid()
    crimes = pd.DataFrame({"x": x, "y": y})
    monkeypatch.setattr(spots, "_GRID_CACHE", {})
    import weakref

    spots._GRID_CACHE.update(crimes=weakref.ref(crimes), grid=(g, pos))
    assert spots.cached_positions(crimes, g) is pos
    np.testing.assert_array_equal(pos, g.positions(x, y))
    assert spots.cached_positions(crimes.copy(), g) is None
    other, *_ = _grid(seed=6)
    assert spots.cached_positions(crimes, other) is None
