"""The sparse cell grid built on a dense raster of its bounding box, when that box is small enough.

:func:`hotspots.units.grid.build_grid` materialises the cells holding points and their queen
neighbours, and needs each cell's window size and the LSOA of every ring cell's centre. Done
with sorted key sets (the obvious way: concatenate the nine shifted key arrays, sort, search)
and a point-in-polygon test of every ring centre, a national study spends ~10 s there: 13 M
keys sorted twice, 18 binary searches over millions of keys, 6 M centres tested by GEOS. On a
raster of the points' bounding box (England at 150 m: 4,300 x 4,000 cells) the same sets are
boolean images: the rings are 3 x 3 dilations, the windows 3 x 3 box sums, positions a rank
image, and the centres' LSOAs come from scan lines (:func:`hotspots.units.scanline.centre_runs`),
with GEOS asked only about centres that lie on an edge or a vertex, where the scan-line rule and
"contains, else touches, lowest index first" could differ. A test pins the result to the
sorted-set build on real and synthetic data, array for array.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_rings"]



def _dilate(img: np.ndarray) -> np.ndarray:
    """3 x 3 (queen) dilation of a boolean image, separable: rows, then columns."""
    out = img.copy()
    out[1:, :] |= img[:-1, :]
    out[:-1, :] |= img[1:, :]
    res = out.copy()
    res[:, 1:] |= out[:, :-1]
    res[:, :-1] |= out[:, 1:]
    return res


def _box_sum(img: np.ndarray) -> np.ndarray:
    """3 x 3 sums of an int8 image (cells beyond the edge count 0)."""
    out = img.copy()
    out[1:, :] += img[:-1, :]
    out[:-1, :] += img[1:, :]
    res = out.copy()
    res[:, 1:] += out[:, :-1]
    res[:, :-1] += out[:, 1:]
    return res


def _centre_labels(polys: np.ndarray, cell: float, c0: int, r0: int, ncols: int, nrows: int, want: np.ndarray
                   ) -> tuple[np.ndarray, int]:
    """The polygon holding each box cell's centre (lowest index; -1 for none), by scan lines, with
    the centres on an edge or vertex among ``want`` settled by the point-in-polygon rule; and the
    number of grid centres inside the polygons anywhere (:func:`~hotspots.units.grid.count_centres_inside`)."""
    from .placement import assign_lsoa
    from .scanline import centre_runs

    label = np.full(ncols * nrows, np.iinfo(np.int32).max, dtype=np.int32)
    r, a, b, poly, tr, tc = centre_runs(polys, cell, c0 * cell, r0 * cell, ties=True)
    inside = int((b - a).sum())
    a, b = np.clip(a, 0, ncols), np.clip(b, 0, ncols)
    ok = (r >= 0) & (r < nrows) & (b > a)
    r, a, b, poly = r[ok], a[ok], b[ok], poly[ok]
    n = b - a
    run = np.repeat(np.arange(len(n)), n)
    cols = a[run] + (np.arange(len(run)) - np.repeat(np.cumsum(n) - n, n))
    np.minimum.at(label, cols * nrows + r[run], poly[run].astype(np.int32))  # overlaps: the lowest index
    label[label == np.iinfo(np.int32).max] = -1
    ok = (tr >= 0) & (tr < nrows) & (tc >= 0) & (tc < ncols)
    tie = np.unique(tc[ok] * nrows + tr[ok])
    tie = tie[want[tie]]
    if len(tie):
        col, row = tie // nrows + c0, tie % nrows + r0
        label[tie] = assign_lsoa((col + 0.5) * cell, (row + 0.5) * cell, polys, unique=True)
    return label, inside


def dense_rings(col: np.ndarray, row: np.ndarray, polys: np.ndarray, cell: float, max_cells: int) -> dict | None:
    """The grid's rings, windows and ring-centre LSOAs for points in cells ``(col, row)``, or None
    when their bounding box (plus two cells) exceeds ``max_cells`` (the caller passes
    :data:`hotspots.units.grid.DENSE_MAX`, the bound of the lookups' dense table, which this build
    hands over as it is; passed in, not imported, so this module never imports the grid that uses it).

    Returns ``c0, r0, nrows`` (the box), ``ring1`` (flat box positions of the materialised cells,
    ascending: the same order as their packed keys), ``pos`` (each point's position in ring1),
    ``occupied``, ``in_grid``, ``window`` and ``centre_lsoa`` (per ring1 cell) and ``rank`` (the
    dense position table of :meth:`CellGrid.lookup`).
    """
    if len(col) == 0:
        return None
    c0, r0 = int(col.min()) - 2, int(row.min()) - 2
    ncols, nrows = int(col.max()) + 3 - c0, int(row.max()) + 3 - r0
    if ncols * nrows > max_cells:
        return None
    flat = (col - c0) * nrows + (row - r0)
    occ = np.zeros(ncols * nrows, dtype=bool)
    occ[flat] = True
    ring1 = _dilate(occ.reshape(ncols, nrows))
    ring2 = _dilate(ring1).ravel()
    label, inside = _centre_labels(polys, cell, c0, r0, ncols, nrows, ring2)
    member = ((label >= 0) | occ).reshape(ncols, nrows)
    window = _box_sum(member.astype(np.int8)).ravel()
    r1 = np.flatnonzero(ring1.ravel())
    rank = np.full(ncols * nrows, -1, dtype=np.int32)
    rank[r1] = np.arange(len(r1), dtype=np.int32)
    return {"c0": c0, "r0": r0, "nrows": nrows, "ring1": r1, "pos": rank[flat].astype(np.int64),
            "occupied": occ[r1], "in_grid": member.ravel()[r1], "window": window[r1],
            "centre_lsoa": label[r1], "rank": rank, "inside_centres": inside}
