"""Which cell centres of a regular grid lie inside polygons, by scan lines in numpy.

Used where a whole grid of centres must be tested at once: the size of the sparse patrol-spot
grid (:func:`hotspots.units.grid.count_centres_inside`) and the study mask of a heat surface
(:func:`centre_mask`). Every polygon edge is crossed by the horizontal lines through the
cell-centre rows it spans (an edge holds its lower end, not its upper, so a vertex on a line
counts once); per polygon part and row the crossings, sorted, pair into inside intervals
(even-odd rule, so holes fall out) and the centres on each half-open interval follow from its
ends. The cost is one number per edge crossing, never one object per cell: a nation's 33,755
LSOAs (1.9 M vertices) take ~0.3 s, where rasterio, which reads each polygon through
``__geo_interface__`` (a Python tuple per vertex), took 2.8 s.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["TIE", "centre_intervals", "centre_mask", "centre_runs", "count_centres"]


#: within this many cells of a centre, an edge or vertex makes the centre's answer a tie for GEOS to settle
TIE = 1e-7


def centre_runs(polygons: np.ndarray, cell: float, ox: float = 0.0, oy: float = 0.0, *, ties: bool = False
                ) -> tuple[np.ndarray, ...]:
    """Runs of cell centres inside each polygon part: ``(row, first column, end column, polygon)``.

    Centres are at ``(ox + (c + 0.5) cell, oy + (r + 0.5) cell)``; a run holds columns
    ``first .. end - 1`` of row ``r`` (rows counted north from ``oy``) inside polygon ``polygon``
    (its index in ``polygons``). Runs of different parts overlap where the polygons do. With
    ``ties`` two more arrays follow: the row and column of every centre that lies (within
    :data:`TIE` of a cell) on an edge or vertex, where the half-open scan-line rule and a
    point-in-polygon "touches" rule may answer differently.
    """
    empty = (np.zeros(0, np.int64),) * (6 if ties else 4)
    polys = np.asarray(polygons, dtype=object)
    valid = np.flatnonzero(~(shapely.is_missing(polys) | shapely.is_empty(polys))) if len(polys) else np.zeros(0, int)
    if len(valid) == 0:
        return empty
    parts, part_poly = shapely.get_parts(polys[valid], return_index=True)
    part_poly = valid[part_poly]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, vert_ring = shapely.get_coordinates(rings, return_index=True)
    if len(coords) < 2:
        return empty
    coords = (coords - np.array([ox, oy])) / cell - 0.5  # centres at whole numbers
    same = vert_ring[:-1] == vert_ring[1:]
    a, b = coords[:-1][same], coords[1:][same]
    part = ring_part[vert_ring[:-1][same]]
    ylo, yhi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
    k_lo = np.ceil(ylo).astype(np.int64)
    k_hi = np.ceil(yhi).astype(np.int64)  # rows k_lo .. k_hi - 1
    n = np.maximum(k_hi - k_lo, 0)
    e = np.repeat(np.arange(len(n)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    k = k_lo[e] + (np.arange(len(e)) - first)
    xa, ya, xb, yb = a[e, 0], a[e, 1], b[e, 0], b[e, 1]
    x = xa + (k - ya) * (xb - xa) / (yb - ya) if len(e) else np.zeros(0)
    tie_rc = None
    if ties:
        tie_rc = _ties(a, b, k, x)
    pe = part[e]
    order = np.lexsort((x, k, pe))
    pe, k, x = pe[order], k[order], x[order]
    start = np.ones(len(x), dtype=bool)
    start[1:] = (pe[1:] != pe[:-1]) | (k[1:] != k[:-1])
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(x)), 0)) if len(x) else np.zeros(0, int)
    odd = ((np.arange(len(x)) - group_start) % 2) == 0  # first, third, ... crossing of its row opens
    opens = np.flatnonzero(odd)
    opens = opens[opens + 1 < len(x)]
    opens = opens[~start[opens + 1]]  # a closing crossing in the same row
    c0 = np.ceil(x[opens]).astype(np.int64)
    c1 = np.ceil(x[opens + 1]).astype(np.int64)
    keep = c1 > c0
    out = (k[opens][keep], c0[keep], c1[keep], part_poly[pe[opens][keep]].astype(np.int64))
    return out + tie_rc if ties else out


def _ties(a: np.ndarray, b: np.ndarray, k: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centres on an edge or a vertex (within :data:`TIE`): crossings at a whole column, vertices
    at a whole row and column, and horizontal edges along a whole row."""
    rows, cols = [], []
    near = np.abs(x - np.round(x)) < TIE
    rows.append(k[near])
    cols.append(np.round(x[near]).astype(np.int64))
    v = np.concatenate([a, b[-1:]]) if len(a) else a
    on = (np.abs(v[:, 0] - np.round(v[:, 0])) < TIE) & (np.abs(v[:, 1] - np.round(v[:, 1])) < TIE)
    rows.append(np.round(v[on, 1]).astype(np.int64))
    cols.append(np.round(v[on, 0]).astype(np.int64))
    flat = (np.abs(a[:, 1] - b[:, 1]) < TIE) & (np.abs(a[:, 1] - np.round(a[:, 1])) < TIE)
    if flat.any():
        lo = np.ceil(np.minimum(a[flat, 0], b[flat, 0]) - TIE).astype(np.int64)
        hi = np.floor(np.maximum(a[flat, 0], b[flat, 0]) + TIE).astype(np.int64)
        n = np.maximum(hi - lo + 1, 0)
        idx = np.repeat(np.arange(len(n)), n)
        rows.append(np.round(a[flat, 1]).astype(np.int64)[idx])
        cols.append(lo[idx] + (np.arange(len(idx)) - np.repeat(np.cumsum(n) - n, n)))
    return np.concatenate(rows), np.concatenate(cols)


def centre_intervals(polygons: np.ndarray, cell: float, ox: float = 0.0, oy: float = 0.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(row, first column, end column)`` of :func:`centre_runs` (the polygons left out)."""
    return centre_runs(polygons, cell, ox, oy)[:3]


def count_centres(polygons: np.ndarray, cell: float) -> int:
    """How many centres ``((c + 0.5) cell, (r + 0.5) cell)`` lie in ``polygons`` (overlaps count twice)."""
    _, c0, c1 = centre_intervals(polygons, cell)
    return int((c1 - c0).sum())


def centre_mask(polygons: np.ndarray, x0: float, y1: float, cell: float, rows: int, cols: int) -> np.ndarray:
    """``(rows, cols)`` booleans, north row first: True where the cell's centre lies in a polygon.

    The grid's west edge is ``x0`` and its north edge ``y1`` (a heat surface's layout)."""
    y0 = y1 - rows * cell
    r, c0, c1 = centre_intervals(polygons, cell, x0, y0)
    c0, c1 = np.clip(c0, 0, cols), np.clip(c1, 0, cols)
    ok = (r >= 0) & (r < rows) & (c1 > c0)
    r, c0, c1 = r[ok], c0[ok], c1[ok]
    diff = np.zeros((rows, cols + 1), dtype=np.int32)
    np.add.at(diff, (r, c0), 1)
    np.add.at(diff, (r, c1), -1)
    inside = np.cumsum(diff[:, :cols], axis=1) > 0
    return inside[::-1]  # rows were counted north from y0: the surface's row 0 is the north one
