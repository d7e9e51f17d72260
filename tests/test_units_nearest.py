"""The nearest-point helper: both of its paths against brute force, bounds and ties."""

from __future__ import annotations

import numpy as np
import pytest
from _imports import imported_after

from hotspots.units import nearest as nearest_mod
from hotspots.units.nearest import nearest


def brute(px, py, qx, qy, within=None):
    d = np.hypot(qx[:, None] - px[None, :], qy[:, None] - py[None, :])
    j = d.argmin(axis=1)  # the lowest index among equal distances
    best = d[np.arange(len(qx)), j]
    if within is not None:
        far = best >= within
        j, best = np.where(far, -1, j), np.where(far, np.inf, best)
    return j, best


@pytest.fixture(params=["strtree", "kdtree"])
def path(request, monkeypatch):
    if request.param == "kdtree":
        monkeypatch.setattr(nearest_mod, "SMALL_POINTS", -1)
    return request.param


@pytest.mark.parametrize("within", [None, 150.0])
def test_nearest_is_brute_force(path, within):
    rng = np.random.default_rng(7)
    px, py = np.round(rng.uniform(0, 5_000, 3_000), -1), np.round(rng.uniform(0, 5_000, 3_000), -1)
    qx, qy = rng.uniform(-200, 5_200, 700), rng.uniform(-200, 5_200, 700)
    j, d = nearest(px, py, qx, qy, within)
    wj, wd = brute(px, py, qx, qy, within)
    np.testing.assert_allclose(d, wd, rtol=0, atol=1e-9)
    assert ((j >= 0) == (wj >= 0)).all()
    ok = j >= 0
    # where two points are equally near, either is the nearest; the distance to it must be the least
    np.testing.assert_allclose(np.hypot(qx[ok] - px[j[ok]], qy[ok] - py[j[ok]]), wd[ok], rtol=0, atol=1e-9)
    if within is not None:
        assert (~ok).any() and ok.any()
        assert (d[ok] < within).all()


def test_small_path_takes_the_lowest_index_among_ties_and_the_bound_is_strict():
    px, py = np.array([10.0, 0.0, 0.0, 5.0]), np.array([0.0, 10.0, 0.0, 5.0])
    qx, qy = np.array([5.0, 0.0, 100.0]), np.array([5.0, 5.0, 100.0])
    j, d = nearest(px, py, qx, qy)
    assert j.tolist() == [3, 1, 3]  # (5, 5) itself; (0, 5) is 5 from points 1, 2 and 3: the lowest
    px2, py2 = px[:3], py[:3]
    j, d = nearest(px2, py2, qx[:2], qy[:2])
    assert j.tolist() == [0, 1]  # (5, 5): points 0, 1 and 2 at 7.07 -> 0; (0, 5): points 1 and 2 at 5 -> 1
    j, d = nearest(px2, py2, qx[1:2], qy[1:2], within=5.0)
    assert j.tolist() == [-1] and np.isinf(d).all()  # exactly 5 away is not closer than 5
    j, d = nearest(px2, py2, qx[1:2], qy[1:2], within=5.000001)
    assert j.tolist() == [1] and d.tolist() == [5.0]


def test_empty_inputs(path):
    e = np.zeros(0)
    j, d = nearest(e, e, np.array([1.0]), np.array([1.0]))
    assert j.tolist() == [-1] and np.isinf(d).all()
    j, d = nearest(np.array([1.0]), np.array([1.0]), e, e)
    assert len(j) == len(d) == 0


def test_a_small_question_does_not_import_scipy_spatial():
    code = ("import numpy as np\n"
            "from hotspots.units.nearest import nearest\n"
            "nearest(np.arange(100.0), np.arange(100.0), np.array([3.2]), np.array([4.1]))")
    assert imported_after(code, "scipy.spatial", "shapely") == [False, True]
