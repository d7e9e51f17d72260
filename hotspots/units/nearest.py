"""The nearest of a set of points to each query point, without importing scipy for a county.

scipy's ``cKDTree`` is the quick answer for a nation's millions of points, but importing
``scipy.spatial`` costs ~0.15 s of a cold process (it brings ``scipy.linalg`` and the rotation
classes with it), about 4% of a county's whole run, where the question is small: Kent's partner
places ask ~100 points against ~10,000 street snap points, its title 1,065 LSOAs against a few
thousand towns. A small question is answered by GEOS's STRtree (shapely, loaded already), a large
one by ``cKDTree``. Both give the point at the least Euclidean distance; among points at exactly
the same distance the STRtree's answer is the lowest index, the tree's is its own (scipy names
no rule), which only matters for two different points at one spot.
"""

from __future__ import annotations

import numpy as np

__all__ = ["nearest", "SMALL_POINTS", "SMALL_QUERIES"]

#: at most this many points and query points: the STRtree (its build is ~10x slower than an
#: unbalanced ``cKDTree``'s, and each query carries more overhead, but no import is paid)
SMALL_POINTS, SMALL_QUERIES = 200_000, 5_000


def nearest(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray,
            within: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each query point (qx, qy), the index of the nearest point (px, py) closer than
    ``within`` (strictly; any distance when None) and that distance; -1 and inf when none.
    Coordinates must be finite (a caller fills or drops its missing ones)."""
    px, py, qx, qy = (np.asarray(a, float) for a in (px, py, qx, qy))
    idx = np.full(len(qx), -1, np.int64)
    dist = np.full(len(qx), np.inf)
    if not len(qx) or not len(px):
        return idx, dist
    if len(px) <= SMALL_POINTS and len(qx) <= SMALL_QUERIES:
        import shapely

        tree = shapely.STRtree(shapely.points(px, py))
        (qi, ti), d = tree.query_nearest(shapely.points(qx, qy), max_distance=within, return_distance=True,
                                         all_matches=True)
        order = np.lexsort((ti, qi))  # each query's equally near points, lowest index first
        qi, ti, d = qi[order], ti[order], d[order]
        first = np.ones(len(qi), bool)
        first[1:] = qi[1:] != qi[:-1]
        idx[qi[first]], dist[qi[first]] = ti[first], d[first]
    else:
        from scipy.spatial import cKDTree

        # a tree built without the median splits and box shrinking (3x faster to build for 2.5 M
        # points) answers the same nearest point
        tree = cKDTree(np.column_stack([px, py]), balanced_tree=False, compact_nodes=False)
        d, j = tree.query(np.column_stack([qx, qy]), distance_upper_bound=np.inf if within is None else within)
        found = np.isfinite(d)
        idx[found], dist[found] = j[found], d[found]
    if within is not None:
        far = dist >= within  # strictly closer, as the tree's bound (GEOS's includes the bound itself)
        idx[far], dist[far] = -1, np.inf
    return idx, dist
