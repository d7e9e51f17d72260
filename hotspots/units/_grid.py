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
   candidates are the polygons listed in its cell;
3. an exact test per candidate, GEOS's prepared, indexed point-in-area locator
   (:func:`shapely.contains_xy`, which rejects a point outside the polygon's box first); a
   point no polygon contains is tested for touching one (:func:`shapely.intersects_xy`), so
   a point on an edge still lands somewhere.

The rule is the obvious path's: the lowest-indexed polygon that contains the point, else the
lowest-indexed one whose boundary it lies on, else -1 (a test pins the two paths together).
The even and the odd polygons are tested on two threads (the GEOS calls release the GIL).
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
    """Polygons' bounding boxes listed per grid cell (CSR), polygons ascending within a cell.

    ``lists`` holds one listing per class of polygons (``classes`` of them, by index modulo
    ``classes``) over the same grid, so each class can be tested on its own thread.
    """

    def __init__(self, polygons: np.ndarray, usable: np.ndarray, cell: float | None, classes: int = 1) -> None:
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
        self.lists: list[tuple[np.ndarray, np.ndarray]] = []
        for k in range(classes):
            mine = poly % classes == k if classes > 1 else slice(None)
            # ``poly`` ascends, so a stable sort by cell keeps polygons ascending within a cell
            order = np.argsort(flat[mine], kind="stable")
            counts = np.bincount(flat[mine], minlength=self.nx * self.ny)
            start = np.zeros(len(counts) + 1, dtype=np.int64)
            np.cumsum(counts, out=start[1:])
            self.lists.append((poly[mine][order], start))

    def _cell(self, v: np.ndarray, origin: float, n: int) -> np.ndarray:
        """Cell column (or row) of each value, clipped to the grid: in one buffer (millions of
        points: each temporary would be tens of MB of fresh pages)."""
        f = np.subtract(v, origin, dtype=float)
        f /= self.c
        np.floor(f, out=f)
        np.clip(f, 0, n - 1, out=f)
        return f.astype(np.int64)

    def _ix(self, v: np.ndarray) -> np.ndarray:
        return self._cell(v, self.x0, self.nx)

    def _iy(self, v: np.ndarray) -> np.ndarray:
        return self._cell(v, self.y0, self.ny)

    def flat(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = self._ix(x)
        out *= self.ny
        out += self._iy(y)
        return out


def _first_per_row(row: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """``value`` at each row's first occurrence (rows ascending), -1 for rows absent."""
    out = np.full(n, -1, dtype=np.int64)
    if len(row):
        first = np.ones(len(row), dtype=bool)
        first[1:] = row[1:] != row[:-1]
        out[row[first]] = value[first]
    return out


def _lowest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, the lower of two polygon indexes where -1 means none."""
    return np.where(a < 0, b, np.where(b < 0, a, np.minimum(a, b)))


class _Pairs:
    """One chunk's candidate (point, polygon) pairs within one class of polygons."""

    def __init__(self, index: _Index, k: int, x: np.ndarray, y: np.ndarray, flat: np.ndarray) -> None:
        listed, start = index.lists[k]
        row, at = _expand(start[flat], start[flat + 1])
        # no bounding-box filter here: GEOS's prepared test rejects a point outside the box
        # first, for less than the filter costs (it halves the pairs but not the time)
        self.n = len(x)
        self.row, self.poly, self.px, self.py = row, listed[at], x[row], y[row]

    def contained(self, polygons: np.ndarray) -> np.ndarray:
        """Each point's lowest polygon (of this class) containing it, -1 for none."""
        hold = shapely.contains_xy(polygons[self.poly], self.px, self.py)
        return _first_per_row(self.row[hold], self.poly[hold], self.n)  # polygons ascending: first = lowest

    def touched(self, polygons: np.ndarray, rest: np.ndarray) -> np.ndarray:
        """For the points in ``rest`` (contained by no polygon), the lowest polygon they lie on
        the edge of (touched by one or two), -1 for none."""
        redo = rest[self.row]
        row, poly = self.row[redo], self.poly[redo]
        touch = shapely.intersects_xy(polygons[poly], self.px[redo], self.py[redo])
        return _first_per_row(row[touch], poly[touch], self.n)


def _class_task(index: _Index, k: int, polygons: np.ndarray, x: np.ndarray, y: np.ndarray,
                flat: np.ndarray) -> tuple[_Pairs, np.ndarray]:
    pairs = _Pairs(index, k, x, y, flat)
    return pairs, pairs.contained(polygons)


def _by_cell(index: _Index, x: np.ndarray, y: np.ndarray, ok: np.ndarray, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """The points in the grid (``ok``) ordered by cell, and their cells: neighbours then test the
    same polygons while these are in cache (a stable sort, a timsort: quick on points that come
    grouped, as police.uk's do).

    With ``parts`` > 1 each share of the points is found its cells and sorted on its own thread
    (NumPy sorts without the GIL), and the shares follow one another: the order only buys cache
    locality, every point's answer is its own (five million points: ~0.5 -> ~0.25 s)."""

    def share(a: int, z: int) -> tuple[np.ndarray, np.ndarray]:
        sub = ok[a:z]
        if sub.all():  # no gathers of millions of coordinates that are all in
            p = np.arange(a, z)
            f = index.flat(x[a:z], y[a:z])
        else:
            p = np.flatnonzero(sub) + a
            f = index.flat(x[p], y[p])
        order = np.argsort(f, kind="stable")
        return p[order], f[order]

    n = len(x)
    if parts <= 1:
        return share(0, n)
    step = -(-n // parts)
    with ThreadPoolExecutor(max_workers=parts) as pool:
        got = list(pool.map(lambda a: share(a, min(a + step, n)), range(0, n, step)))
    return np.concatenate([p for p, _ in got]), np.concatenate([f for _, f in got])


def assign_grid(x: np.ndarray, y: np.ndarray, polygons: np.ndarray, *, cell: float | None = None,
                threads: int = 2) -> np.ndarray:
    """Index of the polygon holding each point (-1 for none), exactly as the obvious tree query.

    Parameters
    ----------
    x, y : point coordinates, in the polygons' CRS (NaN -> -1)
    polygons : array of shapely (Multi)Polygons; None or empty ones hold nothing
    cell : grid cell side (default a third of the median polygon width)
    threads : 2 splits the polygons into even and odd indexes, each class tested on its own
        thread (one task at a time per class), and takes the lower answer of the two. Never
        split the points instead: GEOS builds a prepared polygon's point locator lazily, on
        its first tests, and that is not thread-safe (with two threads sharing the prepared
        LSOAs about one national run in three died at exit with a corrupted heap); split by
        polygon, no polygon is ever tested by two threads at once.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    polygons = np.asarray(polygons, dtype=object)
    out = np.full(len(x), -1, dtype=np.int64)
    usable = ~(shapely.is_missing(polygons) | shapely.is_empty(polygons))
    if len(x) == 0 or not usable.any():
        return out
    classes = 2 if threads > 1 else 1
    index = _Index(polygons, usable, cell, classes)
    shapely.prepare(polygons[usable])
    ok = np.isfinite(x) & np.isfinite(y)
    ok &= (x >= index.x0) & (y >= index.y0) & (x <= index.x0 + index.nx * index.c) & (y <= index.y0 + index.ny * index.c)
    pts, flat = _by_cell(index, x, y, ok, 2 if classes > 1 and len(x) >= 4 * CHUNK else 1)
    spans = [(s, min(s + CHUNK, len(pts))) for s in range(0, len(pts), CHUNK)]
    if classes == 1:
        for a, z in spans:
            sel = pts[a:z]
            pairs = _Pairs(index, 0, x[sel], y[sel], flat[a:z])
            best = pairs.contained(polygons)
            rest = best < 0
            if rest.any():
                best = np.where(rest, pairs.touched(polygons, rest), best)
            out[sel] = best
        return out
    lanes = [ThreadPoolExecutor(max_workers=1) for _ in range(classes)]  # one per class: its tests in turn
    try:
        queued: list[tuple[np.ndarray, list]] = []

        def submit(a: int, z: int) -> None:
            sel = pts[a:z]
            xs, ys = x[sel], y[sel]
            queued.append((sel, [lane.submit(_class_task, index, k, polygons, xs, ys, flat[a:z])
                                 for k, lane in enumerate(lanes)]))

        for j, (a, z) in enumerate(spans):
            if j == 0:
                submit(a, z)
            if j + 1 < len(spans):
                submit(*spans[j + 1])  # the next chunk is tested while this one is finished
            sel, tasks = queued.pop(0)
            results = [t.result() for t in tasks]
            best = results[0][1]
            for _pairs, found in results[1:]:
                best = _lowest(best, found)
            rest = best < 0
            if rest.any():
                touched = [lanes[k].submit(p.touched, polygons, rest) for k, (p, _f) in enumerate(results)]
                edge = touched[0].result()
                for t in touched[1:]:
                    edge = _lowest(edge, t.result())
                best = np.where(rest, edge, best)
            out[sel] = best
    finally:
        for lane in lanes:
            lane.shutdown(wait=True)
    return out
