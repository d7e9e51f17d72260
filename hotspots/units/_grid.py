"""Point-in-polygon for millions of distinct points: a grid index, then exact prepared tests.

The obvious bulk query (:func:`hotspots.units.placement.assign_tree`) builds one shapely
Point per point and walks an R-tree for each; at five million distinct points the Point
objects and the tree walks cost more than the point-in-polygon tests themselves. Here the
candidates come from a grid laid over the polygons' bounding boxes, in NumPy, with no
object per point:

1. each polygon's bounding box is listed in the grid cells it overlaps (a CSR table, polygons
   in index order within a cell);
2. points are sorted by cell (so neighbouring points test the same few polygons while their
   edge indexes are in cache: the locality a space-filling curve buys), and each point's
   candidates are the polygons listed in its cell whose bounding box holds it;
3. an exact test per candidate, GEOS's prepared, indexed point-in-area locator
   (:func:`shapely.contains_xy`); a point no polygon contains is tested for touching one
   (:func:`shapely.intersects_xy`), so a point on an edge still lands somewhere.

The rule is the obvious path's: the lowest-indexed polygon that contains the point, else the
lowest-indexed one whose boundary it lies on, else -1 (a test pins the two paths together).
Chunks of points are tested on two threads (the GEOS calls release the GIL).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

__all__ = ["assign_grid", "CHUNK"]

#: points per chunk (bounds the candidate pairs held at once to a few tens of MB)
CHUNK = 262_144
_MAX_CELLS = 8_000_000


def _expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For integer ranges ``[lo, hi)``: the row of each member and the member itself."""
    n = np.maximum(hi - lo, 0)
    row = np.repeat(np.arange(len(lo)), n)
    start = np.cumsum(n) - n
    return row, lo[row] + (np.arange(len(row)) - start[row])


class _Index:
    """Polygons' bounding boxes listed per grid cell (CSR), polygons ascending within a cell."""

    def __init__(self, polygons: np.ndarray, usable: np.ndarray, cell: float | None) -> None:
        bounds = shapely.bounds(polygons)
        idx = np.flatnonzero(usable)
        b = bounds[idx]
        self.x0, self.y0 = float(b[:, 0].min()), float(b[:, 1].min())
        x1, y1 = float(b[:, 2].max()), float(b[:, 3].max())
        size = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        c = float(cell) if cell else float(np.median(size)) / 3.0
        c = max(c, np.sqrt((x1 - self.x0) * (y1 - self.y0) / _MAX_CELLS), 1e-9 * max(x1 - self.x0, y1 - self.y0, 1.0))
        self.c = c
        self.nx = int(np.floor((x1 - self.x0) / c)) + 1
        self.ny = int(np.floor((y1 - self.y0) / c)) + 1
        ix0, iy0 = self._ix(b[:, 0]), self._iy(b[:, 1])
        ix1, iy1 = self._ix(b[:, 2]), self._iy(b[:, 3])
        r1, vx = _expand(ix0, ix1 + 1)
        r2, vy = _expand(iy0[r1], iy1[r1] + 1)
        poly = idx[r1[r2]]
        flat = vx[r2] * self.ny + vy
        order = np.lexsort((poly, flat))
        self.poly = poly[order]
        self.start = np.searchsorted(flat[order], np.arange(self.nx * self.ny + 1)).astype(np.int64)
        self.bx0, self.by0, self.bx1, self.by1 = (np.ascontiguousarray(bounds[:, j]) for j in range(4))

    def _ix(self, v: np.ndarray) -> np.ndarray:
        return np.clip(np.floor((v - self.x0) / self.c), 0, self.nx - 1).astype(np.int64)

    def _iy(self, v: np.ndarray) -> np.ndarray:
        return np.clip(np.floor((v - self.y0) / self.c), 0, self.ny - 1).astype(np.int64)

    def flat(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._ix(x) * self.ny + self._iy(y)


def _first_per_row(row: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """``value`` at each row's first occurrence (rows ascending), -1 for rows absent."""
    out = np.full(n, -1, dtype=np.int64)
    if len(row):
        first = np.ones(len(row), dtype=bool)
        first[1:] = row[1:] != row[:-1]
        out[row[first]] = value[first]
    return out


def _chunk(index: _Index, polygons: np.ndarray, x: np.ndarray, y: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """Exact answers for one chunk of points (sorted by cell)."""
    row, k = _expand(index.start[flat], index.start[flat + 1])
    poly = index.poly[k]
    px, py = x[row], y[row]
    inbox = (px >= index.bx0[poly]) & (px <= index.bx1[poly]) & (py >= index.by0[poly]) & (py <= index.by1[poly])
    row, poly, px, py = row[inbox], poly[inbox], px[inbox], py[inbox]
    geoms = polygons[poly]
    hold = shapely.contains_xy(geoms, px, py)
    best = _first_per_row(row[hold], poly[hold], len(x))  # polygons ascending per row: first = lowest
    rest = best < 0
    if rest.any():  # contained by none: on an edge (touched by one or two) or outside
        redo = rest[row]
        touch = shapely.intersects_xy(geoms[redo], px[redo], py[redo])
        best = np.where(rest, _first_per_row(row[redo][touch], poly[redo][touch], len(x)), best)
    return best


def assign_grid(x: np.ndarray, y: np.ndarray, polygons: np.ndarray, *, cell: float | None = None,
                threads: int = 1) -> np.ndarray:
    """Index of the polygon holding each point (-1 for none), exactly as the obvious tree query.

    Parameters
    ----------
    x, y : point coordinates, in the polygons' CRS (NaN -> -1)
    polygons : array of shapely (Multi)Polygons; None or empty ones hold nothing
    cell : grid cell side (default half the median polygon width)
    threads : chunks tested at once. **Keep 1.** GEOS builds a prepared polygon's point locator
        lazily, on its first test, and that is not thread-safe: with two threads sharing the
        prepared LSOAs, about one national run in three died at exit ("tcache_thread_shutdown():
        unaligned tcache chunk detected", a corrupted heap). One thread costs ~1.5 s on five
        million exact points.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    polygons = np.asarray(polygons, dtype=object)
    out = np.full(len(x), -1, dtype=np.int64)
    usable = ~(shapely.is_missing(polygons) | shapely.is_empty(polygons))
    if len(x) == 0 or not usable.any():
        return out
    index = _Index(polygons, usable, cell)
    shapely.prepare(polygons[usable])
    ok = np.isfinite(x) & np.isfinite(y)
    ok &= (x >= index.x0) & (y >= index.y0) & (x <= index.x0 + index.nx * index.c) & (y <= index.y0 + index.ny * index.c)
    pts = np.flatnonzero(ok)
    flat = index.flat(x[pts], y[pts])
    order = np.argsort(flat)  # by cell: neighbours test the same polygons while they are in cache
    pts, flat = pts[order], flat[order]
    spans = [(s, min(s + CHUNK, len(pts))) for s in range(0, len(pts), CHUNK)]

    def work(span: tuple[int, int]) -> None:
        a, z = span
        sel = pts[a:z]
        out[sel] = _chunk(index, polygons, x[sel], y[sel], flat[a:z])

    if threads > 1 and len(spans) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(work, spans))
    else:
        for span in spans:
            work(span)
    return out
