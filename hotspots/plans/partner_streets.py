"""The street a partner place is named after: the nearest street snap point among the crimes.

A hospital reads "Hospital by Hermitage Lane" as a patrol would find it. A national table has
millions of crimes, so only those in blocks of the naming distance around the places are looked
at (:func:`near_blocks`), and the search can run on a thread while the plan's cells are ranked
(:func:`street_finder` reads the table's columns first, searches later:
:class:`hotspots.plans.partner_places.FoundPlaces`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .snap_points import label_kinds, strip_prefix

__all__ = ["NAME_WITHIN_M", "near_blocks", "nearest_streets", "street_finder"]

#: a place is named after the nearest street snap point within this many metres
NAME_WITHIN_M = 400.0


def near_blocks(cx: np.ndarray, cy: np.ndarray, x: np.ndarray, y: np.ndarray, within: float,
                 block: float | None = None) -> np.ndarray:
    """Which points (cx, cy) may lie within ``within`` metres of a place (x, y): those in a
    ``block``-metre square (default ``within``) no further than ``within`` from the place's square.

    The blocks near a place are marked on a dense table of the points' blocks (a nation at
    200 m: ~8 million booleans) and each point reads its block's mark: one gather, where looking
    5 million points up in a sorted list of blocks cost half a second. Blocks of half the distance
    leave out the far corners of the 3 x 3 blocks of ``within`` (a sixth of the points nationally)."""
    out = np.zeros(len(cx), bool)
    ok = np.isfinite(cx) & np.isfinite(cy)
    every = bool(ok.all())
    if not len(x) or not (every or ok.any()):
        return out
    px, py = (cx, cy) if every else (cx[ok], cy[ok])
    b = float(block or within)
    reach = int(np.ceil(within / b - 1e-9))
    x0, y0 = np.floor(px.min() / b) - 1, np.floor(py.min() / b) - 1
    w = int(np.floor(px.max() / b) - x0) + 2
    h = int(np.floor(py.max() / b) - y0) + 2
    if w * h > 50_000_000:  # points spread over a continent: look blocks up in a sorted list instead
        key = np.floor(px / within) * 4.0e9 + np.floor(py / within)
        qx, qy = np.floor(x / within), np.floor(y / within)
        near = np.unique(np.concatenate([(qx + dx) * 4.0e9 + (qy + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]))
        at = np.minimum(np.searchsorted(near, key), len(near) - 1)
        hit = near[at] == key
    else:
        mark = np.zeros(w * h, bool)
        qx = (np.floor(x / b) - x0).astype(np.int64)
        qy = (np.floor(y / b) - y0).astype(np.int64)
        for dx in range(-reach, reach + 1):
            for dy in range(-reach, reach + 1):
                if (max(abs(dx) - 1, 0) ** 2 + max(abs(dy) - 1, 0) ** 2) * b * b > within * within:
                    continue  # every point of that block is further than ``within`` from the place's block
                ax, ay = qx + dx, qy + dy
                inside = (ax >= 0) & (ax < w) & (ay >= 0) & (ay < h)
                mark[ax[inside] * h + ay[inside]] = True
        cell = ((px - x0 * b) / b).astype(np.int64) * h  # non-negative: truncation is floor
        cell += ((py - y0 * b) / b).astype(np.int64)
        hit = mark[cell]
    if every:
        return hit
    out[ok] = hit
    return out


def nearest_streets(crimes: pd.DataFrame, sel: np.ndarray, x: np.ndarray, y: np.ndarray,
                     within: float = NAME_WITHIN_M) -> list[str]:
    """The nearest street snap point's name to each place (within ``within`` metres, else ""), so
    a hospital reads "Hospital by Hermitage Lane" as a patrol would find it. Only the crimes in
    blocks of ``within`` metres around the places are looked at (a national table has millions)."""
    return street_finder(crimes, sel, x, y, within)()


def street_finder(crimes: pd.DataFrame, sel: np.ndarray, x: np.ndarray, y: np.ndarray,
                   within: float = NAME_WITHIN_M) -> Callable[[], list[str]]:
    """:func:`nearest_streets` in two steps: the crimes table's columns are read now, the search
    runs when the returned function is called (on any thread: it reads only these arrays)."""
    if len(x) == 0:
        return list
    cx, cy = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    loc = crimes["location"]
    cat = loc.array if isinstance(loc.dtype, pd.CategoricalDtype) else pd.Categorical(loc)
    all_codes = np.asarray(cat.codes)
    categories = cat.categories
    sel = np.asarray(sel, bool)
    x, y = np.asarray(x, float), np.asarray(y, float)

    def search() -> list[str]:
        from ..units.nearest import nearest

        rows = np.flatnonzero(sel)
        rows = rows[near_blocks(cx[rows], cy[rows], x, y, within, within / 2)]
        if len(rows) == 0:
            return [""] * len(x)
        codes = all_codes[rows]
        kinds = label_kinds(pd.Categorical.from_codes(codes, categories))
        rows, codes = rows[kinds == "street"], codes[kinds == "street"]
        if len(rows) == 0:
            return [""] * len(x)
        j, _ = nearest(cx[rows], cy[rows], x, y, within)  # (see units.nearest on points equally near)
        out = np.full(len(x), "", dtype=object)
        found = j >= 0
        if found.any():  # each distinct label stripped once
            used, inv = np.unique(codes[j[found]], return_inverse=True)
            out[found] = np.array([strip_prefix(c) for c in categories.take(used)], dtype=object)[inv.reshape(-1)]
        return out.tolist()

    return search
