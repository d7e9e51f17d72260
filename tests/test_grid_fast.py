"""The grid's fast paths (dense-table window sums, positions, the cell's LSOA vote) against
brute-force references on random inputs, to the last bit."""

from __future__ import annotations

from collections import Counter

import geopandas as gpd
import numpy as np
import shapely

from hotspots.units import grid as G


def _grid(seed: int, dense: bool = True):
    rng = np.random.default_rng(seed)
    b = gpd.GeoDataFrame({"lsoa_code": ["A", "B"], "lsoa_name": ["a", "b"]},
                         geometry=[shapely.box(0, 0, 3000, 4000), shapely.box(3000, 0, 6000, 4000)], crs=27700)
    x = np.concatenate([rng.normal(1500, 300, 3000), rng.uniform(-500, 6500, 500)])
    y = np.concatenate([rng.normal(2000, 500, 3000), rng.uniform(-500, 4500, 500)])
    return G.build_grid(b, x, y, 150.0, dense=dense)[0]


def _brute_window_sum(g, v: np.ndarray) -> np.ndarray:
    """Each cell's window summed in WINDOW's order through a dict of (col, row)."""
    where = {(int(c), int(r)): i for i, (c, r) in enumerate(zip(g.col, g.row, strict=True))}
    out = np.zeros(len(g))
    for i, (c, r) in enumerate(zip(g.col.tolist(), g.row.tolist(), strict=True)):
        s = 0.0
        for dc, dr in G.WINDOW:
            j = where.get((c + dc, r + dr))
            if j is not None:
                s += v[j]
        out[i] = s
    return out


def test_window_sums_of_fractions_equal_brute_force_bit_for_bit(monkeypatch):
    for seed, dense in ((1, True), (2, True), (3, False)):  # dense=False: the grid's own padded table
        g = _grid(seed, dense)
        rng = np.random.default_rng(seed)
        v = rng.exponential(1.0, len(g)) * (rng.random(len(g)) < 0.4) / 3.0  # harm-like fractions, many 0
        fast = g.window_sum(v)
        assert G._inner(g) is not None, "the dense path must have run"
        assert np.array_equal(fast.view(np.int64), _brute_window_sum(g, v).view(np.int64))
        G.drop_dense(g)
        monkeypatch.setattr(G, "DENSE_MAX", 0)  # the searched path gives the same bits
        assert np.array_equal(g.window_sum(v).view(np.int64), fast.view(np.int64))
        monkeypatch.undo()
        G.drop_dense(g)


def test_positions_equal_the_key_lookup_and_miss_outside(monkeypatch):
    g = _grid(4)
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.uniform(-3000, 9000, 20000), [np.nan, 1500.0, np.inf, -np.inf]])
    y = np.concatenate([rng.uniform(-3000, 7000, 20000), [2000.0, np.nan, 2000.0, 2000.0]])
    fast = g.positions(x, y)
    expect = g.lookup(G.grid_keys(x[:-4], y[:-4], g.cell)[2])
    assert np.array_equal(fast[:-4], expect) and (fast >= 0).any() and (fast[:-4] == -1).any()
    assert (fast[-4:] == -1).all()
    G.drop_dense(g)
    monkeypatch.setattr(G, "DENSE_MAX", 0)
    assert np.array_equal(g.positions(x[:-4], y[:-4]), expect)


def test_cell_lsoa_vote_equals_counting():
    rng = np.random.default_rng(5)
    m = 360  # cells 300.. hold no point
    pos = rng.integers(-1, 300, 5000)
    lsoa = np.where(rng.random(5000) < 0.7, pos // 7, rng.integers(-1, 60, 5000))  # most cells one LSOA
    got = G._mode_lsoa(pos, lsoa, m)
    for cell in range(m):
        votes = Counter(int(a) for p, a in zip(pos, lsoa, strict=True) if p == cell and a >= 0)
        want = min(votes, key=lambda a: (-votes[a], a)) if votes else -1
        assert got[cell] == want, cell
    assert (got == -1).any() and len(set(got.tolist())) > 10
