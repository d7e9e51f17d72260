"""Links between the patrol zones' candidate cells, found in numpy (:mod:`hotspots.plans.cell_zones`).

Two candidate cells are linked when at most ``gap`` cells lie between them (Chebyshev distance
``gap + 1``). Looked up one cell and one offset at a time through a dict, England's 24,000
candidates cost ~0.5 s to group and ~0.4 s more to split into beat-sized parts; here each offset
is one binary search over the sorted keys of every cell at once. The dict search stays as the
reference (:func:`link_labels_search`) and for a cell listed twice, where a dict keeps the last.
"""

from __future__ import annotations

import numpy as np

from ..units.grid import _key

__all__ = ["link_labels", "link_labels_search", "neighbour_lists"]


def _offsets(gap: int, half: bool = False) -> list[tuple[int, int]]:
    """The offsets within Chebyshev distance ``gap + 1`` (``half``: one of each pair ``+d``, ``-d``)."""
    reach = gap + 1
    out = [(dc, dr) for dc in range(-reach, reach + 1) for dr in range(-reach, reach + 1) if (dc, dr) != (0, 0)]
    return [(dc, dr) for dc, dr in out if dc > 0 or (dc == 0 and dr > 0)] if half else out


def _pairs(col: np.ndarray, row: np.ndarray, offsets: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """``(i, j)`` for every cell ``i`` and offset whose cell ``j`` is listed (the last copy of a
    cell listed twice, as a dict of the cells would answer)."""
    key = _key(col, row)
    order = np.argsort(key, kind="stable")  # copies of a key keep their order: the last is the highest index
    sk = key[order]
    src, dst = [], []
    for dc, dr in offsets:
        nb = _key(col + dc, row + dr)
        p = np.searchsorted(sk, nb, side="right") - 1
        hit = (p >= 0) & (sk[np.maximum(p, 0)] == nb)
        src.append(np.flatnonzero(hit))
        dst.append(order[p[hit]])
    return np.concatenate(src), np.concatenate(dst)


def link_labels(col: np.ndarray, row: np.ndarray, gap: int) -> np.ndarray:
    """Group label (0..) of each cell, linked cells in one group (transitively), groups numbered
    by their lowest index: the labels :func:`link_labels_search` gives."""
    col, row = np.asarray(col, np.int64), np.asarray(row, np.int64)
    n = len(col)
    if n == 0 or len(np.unique(_key(col, row))) < n:
        return link_labels_search(col, row, gap)  # a cell listed twice: links as the dict makes them
    a, b = _pairs(col, row, _offsets(gap, half=True))
    return np.unique(_roots(n, a, b), return_inverse=True)[1].reshape(-1).astype(np.int64)


def _roots(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The lowest index of each node's connected component (edges ``a[k] - b[k]``): each edge's
    higher root is hooked onto its lower one, then pointers jump to their roots, until every edge
    joins one root. A root only ever points lower, so the last root of a component is its lowest node."""
    lab = np.arange(n, dtype=np.int64)
    while len(a):
        ra, rb = lab[a], lab[b]
        if np.array_equal(ra, rb):
            break
        low = np.minimum(ra, rb)
        np.minimum.at(lab, ra, low)
        np.minimum.at(lab, rb, low)
        while True:
            nxt = lab[lab]
            if np.array_equal(nxt, lab):
                break
            lab = nxt
    return lab


def link_labels_search(col: np.ndarray, row: np.ndarray, gap: int) -> np.ndarray:
    """:func:`link_labels` by a depth-first search from each unlabelled cell in turn, through a
    dict of the cells (the reference)."""
    col, row = np.asarray(col, np.int64), np.asarray(row, np.int64)
    n = len(col)
    where = {(int(c), int(r)): i for i, (c, r) in enumerate(zip(col.tolist(), row.tolist(), strict=True))}
    offsets = _offsets(gap)
    labels = np.full(n, -1, dtype=np.int64)
    current = 0
    for start in range(n):
        if labels[start] >= 0:
            continue
        labels[start] = current
        stack = [start]
        while stack:
            i = stack.pop()
            c, r = int(col[i]), int(row[i])
            for dc, dr in offsets:
                j = where.get((c + dc, r + dr))
                if j is not None and labels[j] < 0:
                    labels[j] = current
                    stack.append(j)
        current += 1
    return labels


def neighbour_lists(col: np.ndarray, row: np.ndarray, gap: int) -> list[list[int]]:
    """Each cell's linked cells (any order), as a dict of the cells finds them."""
    col, row = np.asarray(col, np.int64), np.asarray(row, np.int64)
    n = len(col)
    a, b = _pairs(col, row, _offsets(gap))
    order = np.argsort(a, kind="stable")
    bounds = np.searchsorted(a[order], np.arange(n + 1)).tolist()
    dst = b[order].tolist()
    return [dst[bounds[i]:bounds[i + 1]] for i in range(n)]
