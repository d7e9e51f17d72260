"""The fast point placement (grid index) is pinned to the slow obvious one (R-tree query).

Both must put every point in the same polygon: inside -> that polygon, on a shared edge or
vertex -> the lowest polygon index, overlapping polygons -> the lowest index, outside or NaN
-> -1. The hand-made cases are checked against answers worked out by hand; the random ones
(tessellations with points put exactly on vertices and edges) against the tree path and, for
a sample, against shapely's scalar predicates one point at a time.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _paths import KENT_BOUNDARIES, need_real

from hotspots.units._grid import assign_grid
from hotspots.units.placement import GRID_FROM, assign_lsoa, assign_tree


def _by_hand(x: np.ndarray, y: np.ndarray, polygons) -> np.ndarray:
    """One point at a time with shapely's scalar predicates: the rule as written."""
    out = []
    for px, py in zip(x, y, strict=True):
        p = shapely.Point(px, py)
        inside = [i for i, g in enumerate(polygons) if g is not None and g.contains(p)]
        touch = [i for i, g in enumerate(polygons) if g is not None and g.intersects(p)]
        out.append(inside[0] if inside else (touch[0] if touch else -1))
    return np.array(out)


def _squares() -> list:
    return [
        shapely.box(0, 0, 10, 10),                       # 0
        shapely.box(10, 0, 20, 10),                      # 1 shares x=10 with 0
        shapely.box(0, 10, 20, 20),                      # 2 shares y=10 with 0 and 1
        shapely.Polygon([(20, 0), (30, 0), (30, 20), (20, 20)], [[(22, 2), (28, 2), (28, 8), (22, 8)]]),  # 3, hole
        None,                                            # 4 missing geometry holds nothing
        shapely.box(24, 4, 26, 6),                       # 5 inside 3's hole
        shapely.box(5, 5, 15, 15),                       # 6 overlaps 0, 1, 2 (lowest index wins)
        shapely.MultiPolygon([shapely.box(40, 0, 41, 1), shapely.box(50, 0, 51, 1)]),  # 7
    ]


def test_hand_made_cases_both_paths():
    polys = np.array(_squares(), dtype=object)
    pts = {
        (5, 5): 0,        # 0's interior and 6's corner: contained by 0 only -> 0
        (12, 12): 2,      # inside 2 and 6 -> the lower index
        (10, 5): 0,       # shared edge of 0 and 1, and on 6's bottom edge -> touched by 0, 1, 6 -> 0
        (10, 2): 0,       # shared edge of 0 and 1 (outside 6) -> 0
        (10, 10): 6,      # vertex of 0, 1, 2, inside 6 -> 6 (containment beats touching)
        (20, 10): 1,      # edge of 1, 2 and 3 -> 1
        (25, 5): 5,       # in 3's hole, inside 5
        (23, 3): -1,      # in 3's hole, outside 5
        (22, 5): 3,       # on the hole's ring: touches 3 only
        (40.5, 0.5): 7,   # first part of the multipolygon
        (50.5, 0.5): 7,   # second part
        (45, 0.5): -1,    # between the parts
        (-1, -1): -1,     # outside everything
        (30, 20): 3,      # the outer corner of 3
        (12, 5): 1,       # inside 1 (odd) and 6 (even): the lower index across the two threads' halves
        (14, 10): 6,      # on the edge of 1 and 2, inside 6: containment (even) beats touching (odd)
        (24, 5): 5,       # on 5's edge, in 3's hole: touched by 5 (odd) only
    }
    x = np.array([p[0] for p in pts], float)
    y = np.array([p[1] for p in pts], float)
    want = np.array(list(pts.values()))
    np.testing.assert_array_equal(_by_hand(x, y, polys), want)
    np.testing.assert_array_equal(assign_tree(x, y, polys), want)
    for cell in (None, 0.5, 3.0, 7.0, 1000.0):
        np.testing.assert_array_equal(assign_grid(x, y, polys, cell=cell), want)
    nan = assign_grid(np.array([np.nan, 5.0]), np.array([5.0, np.inf]), polys)
    np.testing.assert_array_equal(nan, [-1, -1])


def _tessellation(rng: np.random.Generator, n: int, extent: float = 1000.0) -> np.ndarray:
    """Voronoi cells clipped to a square: a planar partition whose neighbours share edges exactly."""
    seeds = shapely.multipoints(rng.uniform(0, extent, (n, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=shapely.box(0, 0, extent, extent)))
    cells = shapely.intersection(cells, shapely.box(0, 0, extent, extent))
    return np.asarray(cells[rng.permutation(len(cells))], dtype=object)


def _hard_points(rng: np.random.Generator, polys: np.ndarray, n: int, extent: float) -> tuple[np.ndarray, np.ndarray]:
    """Random points, every vertex, edge midpoints (exactly representable or not) and points outside."""
    xy = [rng.uniform(-0.1 * extent, 1.1 * extent, (n, 2))]
    verts = shapely.get_coordinates(polys)
    xy.append(verts)
    xy.append((verts[:-1] + verts[1:]) / 2)       # midpoints of segments (and of ring breaks)
    xy.append(np.round(rng.uniform(0, extent, (n // 4, 2))))  # integer lattice hits grid lines
    pts = np.vstack(xy)
    return pts[:, 0], pts[:, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grid_equals_tree_on_tessellations(seed):
    rng = np.random.default_rng(seed)
    polys = _tessellation(rng, 300)
    x, y = _hard_points(rng, polys, 20_000, 1000.0)
    slow = assign_tree(x, y, polys)
    assert (slow >= 0).mean() > 0.5 and (slow < 0).any()  # the case has points inside and outside
    for cell in (None, 1.0, 13.7, 250.0):
        fast = assign_grid(x, y, polys, cell=cell)
        mismatch = np.flatnonzero(fast != slow)
        assert not len(mismatch), f"cell {cell}: {len(mismatch)} points differ, e.g. {x[mismatch[:3]]}, {y[mismatch[:3]]}"
    sample = rng.choice(len(x), 400, replace=False)
    np.testing.assert_array_equal(slow[sample], _by_hand(x[sample], y[sample], list(polys)))


@pytest.mark.parametrize("chunk", [None, 40_000])
def test_grid_equals_tree_with_overlaps_and_threads(monkeypatch, chunk):
    """Overlapping polygons (a coarse layer over a fine one): lowest index, on one thread or two;
    with small chunks the points are also ordered by cell in two shares, one a thread (as five
    million are), some of them outside the grid or missing."""
    from hotspots.units import _grid

    if chunk:
        monkeypatch.setattr(_grid, "CHUNK", chunk)
    rng = np.random.default_rng(7)
    fine = _tessellation(rng, 200)
    coarse = _tessellation(rng, 12)
    polys = np.concatenate([fine[:100], coarse, fine[100:]])
    x, y = _hard_points(rng, polys, 300_000, 1000.0)
    x[rng.choice(len(x), 500, replace=False)] = np.nan
    y[rng.choice(len(y), 500, replace=False)] += 5_000.0  # beyond the grid
    slow = assign_tree(x, y, polys)
    np.testing.assert_array_equal(assign_grid(x, y, polys, threads=1), slow)
    np.testing.assert_array_equal(assign_grid(x, y, polys, threads=2), slow)


def test_assign_lsoa_dispatch_keeps_the_answer():
    rng = np.random.default_rng(3)
    polys = _tessellation(rng, 100)
    x, y = _hard_points(rng, polys, GRID_FROM + 5_000, 1000.0)
    x, y = np.concatenate([x, x[:500]]), np.concatenate([y, y[:500]])  # repeated points
    want = assign_tree(x, y, polys)
    for method in ("auto", "grid", "tree"):
        got = assign_lsoa(x, y, polys, method=method)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError):
        assign_lsoa(x, y, polys, method="fast")


@pytest.mark.realdata
def test_grid_equals_tree_on_kent_boundaries():
    """The real Kent BGC polygons (neighbours touch and overlap by slivers, no shared vertices)."""
    need_real(KENT_BOUNDARIES)
    import pyogrio

    polys = np.asarray(pyogrio.read_dataframe(KENT_BOUNDARIES).to_crs(27700).geometry.values)
    rng = np.random.default_rng(11)
    b = shapely.total_bounds(polys)
    n = 100_000
    x = np.concatenate([rng.uniform(b[0], b[2], n), shapely.get_coordinates(polys)[::3, 0]])
    y = np.concatenate([rng.uniform(b[1], b[3], n), shapely.get_coordinates(polys)[::3, 1]])
    np.testing.assert_array_equal(assign_grid(x, y, polys), assign_tree(x, y, polys))


@pytest.mark.parametrize("n", [0, 3, 250_001])
def test_projection_in_place_equals_pyproj(n):
    """transform_xy's chunks (two threads from 200,000 points), transformed in place, give
    pyproj's own answer to the bit; ``overwrite`` hands back the caller's arrays."""
    from pyproj import Transformer

    from hotspots.units.placement import project_to_bng, transform_xy

    rng = np.random.default_rng(n)
    lon, lat = rng.uniform(-6, 2, n), rng.uniform(49.9, 55.8, n)
    if n:
        lon[::101] = np.nan
    want = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
    kept = lon.copy(), lat.copy()
    got = project_to_bng(lon, lat)
    assert np.array_equal(lon, kept[0], equal_nan=True) and np.array_equal(lat, kept[1], equal_nan=True)
    mine = lon.copy(), lat.copy()
    over = project_to_bng(*mine, overwrite=True)
    assert over[0] is mine[0] and over[1] is mine[1]
    for g in (got, over, transform_xy(list(lon), list(lat), 4326, 27700, threads=1)):
        np.testing.assert_array_equal(g[0], want[0])
        np.testing.assert_array_equal(g[1], want[1])
