"""Cell-level Gi*: pinned to esda's G_Local(star=True, transform='B') on a full lattice, by hand on
a tiny one, and the grouped Benjamini-Hochberg against scipy's false_discovery_control."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
from scipy import stats
from shapely.geometry import box

from hotspots.stats.cell_stats import bh_threshold, cell_gi_star
from hotspots.stats.fdr import fdr_threshold
from hotspots.units.grid import build_grid, grid_keys


def square_study(k: int, cell: float = 150.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"lsoa_code": ["A"], "lsoa_name": ["A 001A"]}, geometry=[box(0, 0, k * cell, k * cell)],
                             crs=27700)


def planted(k: int, seed: int, cell: float = 150.0) -> tuple[np.ndarray, np.ndarray]:
    """Points in a k x k lattice: a hot block near (2, 2), a sprinkle elsewhere."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(k):
        for r in range(k):
            n = int(rng.poisson(12 if (1 <= c <= 3 and 1 <= r <= 3) else 0.4))
            xs += list((c + rng.uniform(0.05, 0.95, n)) * cell)
            ys += list((r + rng.uniform(0.05, 0.95, n)) * cell)
    return np.array(xs), np.array(ys)


def dense_values(grid, pos, k):
    """Counts on the full k x k lattice in libpysal's lat2W order (id = row * k + col)."""
    y = np.zeros(k * k)
    np.add.at(y, grid.row[pos] * k + grid.col[pos], 1)
    return y


def test_z_equals_esda_g_local_star_binary_on_the_full_lattice():
    import esda
    from libpysal.weights import lat2W

    k = 12
    x, yy = planted(k, seed=3)
    grid, pos = build_grid(square_study(k), x, yy, 150)
    assert grid.n_cells == k * k
    counts = np.bincount(pos, minlength=len(grid)).astype(float)
    res = cell_gi_star(grid, counts)
    y = dense_values(grid, pos, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, lat2W(k, k, rook=False), transform="B", star=True, permutations=0)
    inside = grid.in_grid
    ids = grid.row[inside] * k + grid.col[inside]
    np.testing.assert_allclose(res.z[inside], g.Zs[ids], rtol=1e-10, atol=1e-10)
    # every cell not materialised has the empty-window z; interior ones equal esda's value there
    seen = set(ids.tolist())
    interior_empty = [i for i in range(k * k) if i not in seen and 0 < i // k < k - 1 and 0 < i % k < k - 1]
    assert interior_empty, "the planted lattice should leave some interior cells unmaterialised"
    np.testing.assert_allclose(g.Zs[interior_empty], res.z_empty, rtol=1e-10)


def test_z_by_hand_on_a_4x4_lattice():
    # 4 x 4 grid: 4 crimes in cell (1, 1), 2 in cell (2, 0), nothing else
    x = np.array([225.0] * 4 + [375.0] * 2)
    y = np.array([225.0] * 4 + [75.0] * 2)
    grid, pos = build_grid(square_study(4), x, y, 150)
    res = cell_gi_star(grid, np.bincount(pos, minlength=len(grid)).astype(float))
    n, vals = 16, np.array([4, 2] + [0] * 14, float)
    xbar, s = vals.mean(), vals.std()  # population sd, as Ord and Getis (1995)
    # centre cell: window = all 9 cells, sum 6
    zc = (6 - xbar * 9) / (s * np.sqrt((n * 9 - 81) / (n - 1)))
    # corner (0, 0): window = cells (0,0),(1,0),(0,1),(1,1): sum 4, W = 4
    # (0, 2): window (0..1, 1..3) on the edge: sum 4, W = 6
    z00 = (4 - xbar * 4) / (s * np.sqrt((n * 4 - 16) / (n - 1)))
    at = {(int(c), int(r)): z for c, r, z in zip(grid.col, grid.row, res.z, strict=True)}
    assert at[(1, 1)] == pytest.approx(zc)
    assert at[(0, 0)] == pytest.approx(z00)
    assert at[(0, 2)] == pytest.approx((4 - xbar * 6) / (s * np.sqrt((n * 6 - 36) / (n - 1))))
    assert (3, 3) not in at  # its window is empty: not materialised, it has z_empty
    assert res.p[grid.lookup(grid_keys(np.array([225.0]), np.array([225.0]), 150)[2])[0]] == pytest.approx(
        2 * stats.norm.sf(abs(zc)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bh_with_multiplicities_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 1, 300), rng.uniform(0, 1e-3, 40)])
    counts = rng.integers(1, 4, len(p))
    counts[0] = 5000  # one big block of equal p-values, like the empty cells of a grid
    p[0] = 0.7
    expanded = np.repeat(p, counts)
    for alpha in (0.01, 0.05, 0.1):
        thr = bh_threshold(p, alpha, counts)
        adjusted = stats.false_discovery_control(expanded, method="bh")
        np.testing.assert_array_equal(expanded <= thr if thr > 0 else np.zeros(len(expanded), bool),
                                      adjusted <= alpha)
        assert thr == fdr_threshold(expanded, alpha)


def test_nothing_is_hot_without_variation_or_crime():
    grid, pos = build_grid(square_study(5), np.array([10.0]), np.array([10.0]), 150)
    res = cell_gi_star(grid, np.zeros(len(grid)))
    assert not res.hot.any() and res.threshold == 0.0


def test_the_planted_block_is_hot_and_only_it():
    k = 20
    x, y = planted(k, seed=5)
    grid, pos = build_grid(square_study(k), x, y, 150)
    res = cell_gi_star(grid, np.bincount(pos, minlength=len(grid)).astype(float), alpha=0.05)
    hot = {(int(c), int(r)) for c, r in zip(grid.col[res.hot], grid.row[res.hot], strict=True)}
    assert (2, 2) in hot
    assert all(0 <= c <= 4 and 0 <= r <= 4 for c, r in hot)
