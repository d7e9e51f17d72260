"""Spatial weights: queen (default), rook, knn:K and distance:METRES, with islands handled.

Contiguity is built from vertices first (libpysal's definition, what GeoDa and esda users
get: queen = a shared vertex, rook = a shared edge). Real boundary files often defeat that:
in generalised ONS files neighbouring polygons do not share vertices exactly (the Kent BGC
file in EPSG:27700 has **no** shared vertices, so vertex Queen returns 1,065 islands and every
LISA is meaningless). When vertex contiguity leaves more than 1% islands or under 2
neighbours on average, contiguity is rebuilt from the geometry: two LSOAs are queen
neighbours when their polygons come within ``tolerance`` metres (default 1 m), rook
neighbours when they also share a stretch of boundary longer than ``2 * tolerance``. LSOAs
still without a neighbour (true islands) are joined to their nearest polygon and reported,
because an island's local statistic is undefined.

The weights are held as a compact binary CSR structure (:class:`Weights`) built with
vectorised shapely/NumPy; libpysal is imported only when a libpysal ``W`` is asked for
(``Weights.to_libpysal``), which keeps a cold start about a second shorter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..data.errors import DataError
from ..limits import parse_weights_spec
from .csr import CSR

__all__ = ["Weights", "WeightsInfo", "build_weights", "parse_weights_spec", "vertex_contiguity"]

ISLAND_SHARE_LIMIT = 0.01
#: fewer areas than this leave nothing to compare a local statistic with
MIN_AREAS = 3
MIN_MEAN_NEIGHBOURS = 2.0


class Weights:
    """Binary, symmetric neighbour relations among areas ``0..n-1`` (CSR arrays).

    Exposes the parts of libpysal's ``W`` that the statistics use (``n``, ``sparse`` -- a
    :class:`hotspots.stats.csr.CSR`, not a scipy matrix --
    ``neighbors``, ``cardinalities``, ``id_order``, ``transform``); :meth:`to_libpysal`
    gives a real ``W`` for esda.
    """

    transform = "O"

    def __init__(self, n: int, i: np.ndarray, j: np.ndarray) -> None:
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        keep = i != j
        i, j = np.concatenate([i[keep], j[keep]]), np.concatenate([j[keep], i[keep]])
        self.n = int(n)
        self.sparse = CSR.from_pairs(self.n, i, j, binary=True)

    @property
    def id_order(self) -> list[int]:
        return list(range(self.n))

    @property
    def card(self) -> np.ndarray:
        """Neighbours per area as an array."""
        return np.diff(self.sparse.indptr)

    @property
    def cardinalities(self) -> dict[int, int]:
        return dict(enumerate(self.card.tolist()))

    @cached_property
    def neighbors(self) -> dict[int, list[int]]:
        ip, ix = self.sparse.indptr, self.sparse.indices
        return {k: ix[ip[k]:ip[k + 1]].tolist() for k in range(self.n)}

    @property
    def weights(self) -> dict[int, list[float]]:
        return {k: [1.0] * len(v) for k, v in self.neighbors.items()}

    @property
    def islands(self) -> list[int]:
        return np.flatnonzero(self.card == 0).tolist()

    def to_libpysal(self):
        """A fresh libpysal ``W`` with the same neighbours (for esda)."""
        from libpysal.weights import W

        return W(self.neighbors, id_order=self.id_order, silence_warnings=True)

    def __repr__(self) -> str:
        return f"Weights(n={self.n}, links={self.sparse.nnz})"


@dataclass
class WeightsInfo:
    """What was built, for summary.json and the GUI."""

    spec: str
    method: str
    n: int
    mean_neighbours: float = 0.0
    min_neighbours: int = 0
    max_neighbours: int = 0
    islands_before_fix: int = 0
    islands_joined: list[str] = field(default_factory=list)
    tolerance_m: float | None = None
    vertex_islands: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _pairs_within_groups(group: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (a, b) member pairs that share a group, from unique (group, member) rows."""
    order = np.lexsort((member, group))
    g, m = group[order], member[order]
    out_a, out_b = [], []
    d = 1
    while d < len(g):
        same = g[d:] == g[:-d]
        if not same.any():
            break
        out_a.append(m[:-d][same])
        out_b.append(m[d:][same])
        d += 1
    if not out_a:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


def _unique_rows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b) rows, via one integer key per row."""
    base = int(b.max()) + 1 if len(b) else 1
    key = pd.unique(a.astype(np.int64) * base + b.astype(np.int64))
    return key // base, key % base


def vertex_contiguity(geoms: np.ndarray, rook: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour pairs by exactly shared vertices (queen) or shared edges (rook), as libpysal.

    Vectorised: every vertex is keyed by its exact coordinates; polygons meeting at a key
    are queen neighbours. For rook, keys are the polygon edges (unordered vertex pairs).
    """
    if rook:
        parts, part_poly = shapely.get_parts(geoms, return_index=True)  # MultiPolygons -> Polygons
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        poly = part_poly[ring_part][ring_of].astype(np.int64)
    else:  # queen needs only which polygon each vertex belongs to
        coords, poly = shapely.get_coordinates(geoms, return_index=True)
        poly = poly.astype(np.int64)
    if len(coords) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    vcode = pd.factorize(coords[:, 0] + 1j * coords[:, 1])[0].astype(np.int64)
    if rook:
        same_ring = ring_of[1:] == ring_of[:-1]
        a, b = vcode[:-1][same_ring], vcode[1:][same_ring]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        key = pd.factorize(lo * (int(vcode.max()) + 1) + hi)[0].astype(np.int64)
        owner = poly[:-1][same_ring]
    else:
        key, owner = vcode, poly
    g, m = _unique_rows(key, owner)
    a, b = _pairs_within_groups(g, m)
    return a, b


def _geometric_contiguity(geoms: np.ndarray, rook: bool, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    tree = shapely.STRtree(geoms)
    # Most neighbours touch or overlap: the (prepared) intersects test finds them cheaply; only the
    # remaining pairs whose boxes come within the tolerance need the costlier distance test.
    i1, j1 = tree.query(geoms, predicate="intersects")
    b = shapely.bounds(geoms)
    boxes = shapely.box(b[:, 0] - tolerance, b[:, 1] - tolerance, b[:, 2] + tolerance, b[:, 3] + tolerance)
    i2, j2 = tree.query(boxes)
    n = len(geoms)
    rest = (i2 < j2) & ~np.isin(i2 * n + j2, i1 * n + j1)
    i2, j2 = i2[rest], j2[rest]
    near = shapely.dwithin(geoms[i2], geoms[j2], tolerance)
    m = i1 < j1
    i, j = np.concatenate([i1[m], i2[near]]), np.concatenate([j1[m], j2[near]])
    if rook and len(i):
        bnd = shapely.boundary(geoms)
        shared = shapely.length(shapely.intersection(bnd[i], shapely.buffer(bnd[j], tolerance)))
        keep = shared > 2 * tolerance
        i, j = i[keep], j[keep]
    return i, j


def _join_islands(w: Weights, geoms: np.ndarray) -> tuple[Weights, list[int]]:
    islands = w.islands
    if not islands or len(geoms) < 2:
        return w, islands
    tree = shapely.STRtree(geoms)
    src, dst = tree.query_nearest(geoms[islands], exclusive=True, all_matches=False)
    i = np.concatenate([w.sparse.rows(), np.asarray(islands)[src]])
    j = np.concatenate([w.sparse.indices, dst])
    return Weights(w.n, i, j), islands


def build_weights(
    gdf: gpd.GeoDataFrame, spec: str = "queen", *, tolerance: float = 1.0
) -> tuple[Weights, WeightsInfo]:
    """Binary spatial weights for the rows of ``gdf`` (ids 0..n-1), islands joined."""
    kind, arg = parse_weights_spec(spec)
    n = len(gdf)
    if n < MIN_AREAS:
        # A local statistic compares each area with the others; with fewer than three there is
        # no "others" to permute, so say so here rather than fail deep in the statistics.
        raise DataError(None, f"hot-spot statistics need at least {MIN_AREAS} LSOAs, but the "
                        f"boundaries hold {n}",
                        hint="use boundaries for a whole district or force area (dozens of LSOAs or more)", setting="boundaries")
    geoms = gdf.geometry.values
    info = WeightsInfo(spec=spec, method="", n=n)
    if kind in ("queen", "rook"):
        w = Weights(n, *vertex_contiguity(geoms, rook=(kind == "rook")))
        n_isl = len(w.islands)
        mean = w.sparse.nnz / max(n, 1)
        info.vertex_islands = n_isl
        if n_isl > ISLAND_SHARE_LIMIT * n or mean < MIN_MEAN_NEIGHBOURS:
            w = Weights(n, *_geometric_contiguity(geoms, rook=(kind == "rook"), tolerance=tolerance))
            info.method = (f"{kind} contiguity from geometry (polygons within {tolerance:g} m; vertex-based "
                           f"{kind} found {n_isl} islands, mean {mean:.2f} neighbours)")
            info.tolerance_m = tolerance
        else:
            info.method = f"{kind} contiguity from shared {'edges' if kind == 'rook' else 'vertices'}"
    elif kind == "knn":
        from scipy.spatial import cKDTree

        k = int(arg)  # type: ignore[arg-type]
        if k >= n:
            raise DataError(None, f"knn:{k} needs more than {k} LSOAs (there are {n})",
                            hint=f"use a smaller K, e.g. knn:{max(1, min(6, n - 1))}", setting="weights")
        pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
        _, nn = cKDTree(pts).query(pts, k=k + 1)
        i = np.repeat(np.arange(n), k)
        j = nn[:, 1:].ravel()
        w = Weights(n, i, j)  # symmetric: every relation is mutual, as contiguity is
        info.method = f"{k} nearest neighbours (representative points, symmetrised)"
    else:
        d = float(arg)  # type: ignore[arg-type]
        pts = shapely.point_on_surface(geoms)
        i, j = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=d)
        w = Weights(n, i, j)
        info.method = f"distance band {d:g} m between representative points"
    w, islands = _join_islands(w, geoms)
    info.islands_before_fix = len(islands)
    codes = gdf["lsoa_code"].to_numpy() if "lsoa_code" in gdf else np.arange(n).astype(str)
    info.islands_joined = [str(codes[k]) for k in islands]
    card = w.card
    info.mean_neighbours = float(card.mean()) if n else 0.0
    info.min_neighbours = int(card.min()) if n else 0
    info.max_neighbours = int(card.max()) if n else 0
    return w, info
