"""Which crimes a map names streets from, and where each street's name goes, in NumPy.

:func:`hotspots.plans.place_labels.street_labels` names the streets near the patrol zones and
spots. A national run has millions of crimes with exact coordinates and a million near its
zones: testing each against the zones with a shapely point and a tree query, and grouping them
by name and position with pandas, cost seconds and a gigabyte. These do the same sums on
squares and integer ranks, with the same answers (tests/test_gazetteer.py pins
:func:`within_distance` to ``shapely.dwithin``; the labels were compared on Kent and England).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["STREET_REPEAT_M", "busiest_points", "within_distance"]

#: one label per street per this many metres (a long street is named again further along)
STREET_REPEAT_M = 400.0


def busiest_points(names: np.ndarray, x: np.ndarray, y: np.ndarray, limit: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each street stretch's label point: crimes counted per snap point (name, x, y), each
    (name, 400 m square) labelled at its busiest point (ties: the smaller x, then y) with the
    stretch's crimes, busiest stretch first (ties by name, x, y), at most ``limit``.

    On integer name ranks and NumPy sorts: a national run's million crimes near the zones were
    grouped three times as strings by pandas (~1 s)."""
    codes, uniq = pd.factorize(names)
    rank = np.empty(len(uniq), np.int64)
    rank[np.argsort(np.asarray(uniq, dtype=str), kind="stable")] = np.arange(len(uniq))
    r = rank[codes]
    order = np.lexsort((y, x, r))  # snap points: runs of equal (name, x, y)
    r, xs, ys = r[order], x[order], y[order]
    start = np.flatnonzero(np.r_[True, (r[1:] != r[:-1]) | (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])])
    pr, px, py = r[start], xs[start], ys[start]
    pc = np.diff(np.r_[start, len(r)])
    gx, gy = np.floor(px / STREET_REPEAT_M), np.floor(py / STREET_REPEAT_M)
    order = np.lexsort((py, px, -pc, gy, gx, pr))  # in each stretch: busiest, then smaller x, y
    pr, px, py, pc, gx, gy = pr[order], px[order], py[order], pc[order], gx[order], gy[order]
    first = np.flatnonzero(np.r_[True, (pr[1:] != pr[:-1]) | (gx[1:] != gx[:-1]) | (gy[1:] != gy[:-1])])
    br, bx, by, bc = pr[first], px[first], py[first], np.add.reduceat(pc, first)
    order = np.lexsort((by, bx, br, -bc))[:limit]
    by_rank = np.empty(len(uniq), dtype=object)
    by_rank[rank] = np.asarray(uniq, dtype=object)
    return by_rank[br[order]], bx[order], by[order], bc[order]


def within_distance(x: np.ndarray, y: np.ndarray, geoms: np.ndarray, within: float, ok: np.ndarray,
                    block: float = 250.0) -> np.ndarray:
    """Which points (where ``ok``) lie within ``within`` metres of any of ``geoms``: exactly
    ``shapely.dwithin``, without a point object and a tree query for every one of millions.

    Points are grouped in ``block``-metre squares. A square whose centre is within
    ``within - h`` of a geometry (h: half its diagonal) holds only points within ``within`` of it
    (triangle inequality); one whose centre is farther than ``within + h`` holds none; only the
    points of the squares between are tested one by one (a national run's ~1.2 million crimes
    near its zones: ~3 s and 1 GiB of points -> the few on the edges)."""
    import shapely

    out = np.zeros(len(x), bool)
    rows = np.flatnonzero(ok)
    if not len(rows) or not len(geoms):
        return out
    px, py = x[rows], y[rows]
    x0, y0 = np.floor(px.min() / block), np.floor(py.min() / block)
    w, h = int(np.floor(px.max() / block) - x0) + 1, int(np.floor(py.max() / block) - y0) + 1
    tree = shapely.STRtree(geoms)
    if w * h > 50_000_000:  # points spread over a continent: the exact test for every point
        hit, _ = tree.query(shapely.points(px, py), predicate="dwithin", distance=within)
        out[rows[np.unique(hit)]] = True
        return out
    cell = (np.floor(px / block) - x0).astype(np.int64) * h + (np.floor(py / block) - y0).astype(np.int64)
    used = np.flatnonzero(np.bincount(cell, minlength=w * h))
    boxes = np.zeros((w, h), bool)  # squares touching a geometry's box widened by the distance
    for b in shapely.bounds(geoms):
        c0, c1 = int(np.floor((b[0] - within) / block) - x0), int(np.floor((b[2] + within) / block) - x0)
        r0, r1 = int(np.floor((b[1] - within) / block) - y0), int(np.floor((b[3] + within) / block) - y0)
        if c1 >= 0 and r1 >= 0 and c0 < w and r0 < h:
            boxes[max(c0, 0):c1 + 1, max(r0, 0):r1 + 1] = True
    used = used[boxes.ravel()[used]]  # the others hold no point within the distance of any geometry
    cx = (x0 + used // h + 0.5) * block
    cy = (y0 + used % h + 0.5) * block
    half = block * math.sqrt(0.5)
    (found, _), dist = tree.query_nearest(shapely.points(cx, cy), max_distance=within + half, return_distance=True,
                                          all_matches=False)
    near_d = np.full(len(used), np.inf)
    near_d[found] = dist
    state = np.zeros(w * h, np.int8)  # 0: no point near, 1: every point near, 2: test each point
    margin = 1e-9 * max(within, 1.0)  # rounding: a square on the line is tested point by point
    state[used[near_d <= within - half - margin]] = 1
    state[used[(near_d > within - half - margin) & (near_d <= within + half + margin)]] = 2
    s = state[cell]
    out[rows[s == 1]] = True
    edge = np.flatnonzero(s == 2)
    if len(edge):
        hit, _ = tree.query(shapely.points(px[edge], py[edge]), predicate="dwithin", distance=within)
        out[rows[edge[np.unique(hit)]]] = True
    return out
