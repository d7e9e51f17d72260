"""Map drawing with matplotlib for the evidence pack's figures, and geometry helpers the briefing shares.

The briefing PDF draws its maps straight into the PDF (:mod:`._pdf_maps`); the evidence pack's
PNG figures (:mod:`hotspots.export.documents._evidence_figures`) still draw on matplotlib axes
with :func:`draw`, :func:`map_axes`, :func:`scale_bar` and :func:`town_names`. Plain matplotlib
artists on a given figure (never pyplot), so a GUI worker thread can draw. Coordinates are
EPSG:27700 metres throughout, which keeps a scale bar honest: the axes are widened to the box's
shape so 1 m is 1 m both ways. matplotlib is imported only inside the functions that use it.
:func:`spread`, :func:`points_in` and :class:`LazySimplified` are plain numpy and shapely, used
by both.
"""

from __future__ import annotations

__all__ = ["RASTER_FROM", "LazySimplified", "draw", "map_axes", "spread", "scale_bar", "points_in", "town_names"]

import math
from typing import Any

import numpy as np

#: polygons above which a map layer is drawn as an image inside the PDF (a county stays vector)
RASTER_FROM = 3000


def _compound(geoms: Any) -> Any:
    """All the (multi)polygons' rings as one matplotlib Path (holes kept), built without a
    Python loop per polygon: 33,755 LSOAs take ~0.1 s instead of ~4 s."""
    import shapely
    from matplotlib.path import Path as MPath

    g = np.asarray(geoms, dtype=object)
    g = g[~(shapely.is_missing(g) | shapely.is_empty(g))] if len(g) else g
    parts = shapely.get_parts(g) if len(g) else np.empty(0, dtype=object)
    parts = parts[shapely.get_type_id(parts) == 3] if len(parts) else parts  # polygons only
    rings = shapely.get_rings(parts) if len(parts) else np.empty(0, dtype=object)
    if len(rings):
        rings = rings[shapely.get_num_coordinates(rings) >= 4]
    if not len(rings):
        return MPath(np.zeros((1, 2)), [MPath.MOVETO])
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(xy), MPath.LINETO, dtype=np.uint8)
    first = np.r_[0, np.flatnonzero(np.diff(ring)) + 1]
    codes[first] = MPath.MOVETO
    codes[np.r_[first[1:] - 1, len(xy) - 1]] = MPath.CLOSEPOLY
    return MPath(xy, codes)


class LazySimplified:
    """``geoms`` simplified (Douglas-Peucker, ``tolerance`` metres) on first use, by index.

    The zone pages draw only the LSOAs around each zone; simplifying all 33,755 of a national
    study up front cost 1.6 s for the few hundred drawn. ``lazy[idx]`` takes what a numpy
    object array takes (an index, an integer array); each geometry is simplified once."""

    def __init__(self, geoms: Any, tolerance: float) -> None:
        self._geoms = np.asarray(geoms, dtype=object)
        self._out = np.empty(len(self._geoms), dtype=object)
        self._done = np.zeros(len(self._geoms), dtype=bool)
        self._tol = float(tolerance)

    def __len__(self) -> int:
        return len(self._geoms)

    def __getitem__(self, idx: Any) -> Any:
        import shapely

        if isinstance(idx, (int, np.integer)):
            return self[np.array([idx])][0]
        sel = np.arange(len(self._geoms))[idx]
        need = sel[~self._done[sel]]
        if len(need):
            self._out[need] = shapely.simplify(self._geoms[need], self._tol, preserve_topology=False)
            self._done[need] = True
        return self._out[sel]


def draw(ax: Any, geoms: Any, face: Any, edge: Any = "#888888", lw: float = 0.3, z: int = 1, **kw: Any) -> None:
    """Polygons (holes kept) as one collection with one compound path per fill colour: fast,
    and one PDF object per colour. Polygons do not overlap (LSOAs, zones), so the order in
    which the colour groups are drawn does not show. Over :data:`RASTER_FROM` polygons the
    layer is embedded as an image (at the page's dpi) unless ``rasterized`` is given."""
    from matplotlib.collections import PathCollection
    from matplotlib.colors import is_color_like, to_rgba

    geoms = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    kw.setdefault("rasterized", len(geoms) > RASTER_FROM)
    if is_color_like(face):  # one colour for every polygon
        paths, faces = [_compound(geoms)], [face]
    else:
        keys = [to_rgba(f) for f in face]
        groups: dict[tuple, list[int]] = {}
        for i, k in enumerate(keys):
            groups.setdefault(k, []).append(i)
        paths = [_compound(geoms[idx]) for idx in groups.values()]
        faces = list(groups)
    ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors=edge, linewidths=lw, zorder=z, **kw))


def map_axes(fig: Any, rect: list[float], bounds: tuple[float, float, float, float]) -> Any:
    """Axes whose limits are ``bounds`` widened to the box's shape, so 1 m is 1 m both ways."""
    ax = fig.add_axes(rect)
    minx, miny, maxx, maxy = bounds
    w_in, h_in = rect[2] * fig.get_figwidth(), rect[3] * fig.get_figheight()
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    if w / h < w_in / h_in:
        w = h * w_in / h_in
    else:
        h = w * h_in / w_in
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_color("#999999")
        s.set_linewidth(0.5)
    return ax


def spread(anchors: np.ndarray, dmin: float, iterations: int = 200) -> np.ndarray:
    """Label positions at least ``dmin`` apart, each kept near its anchor (simple repulsion).

    The pairs are pushed apart one after another (each push sees the last), so the loop runs on
    Python floats: a county's twenty zone numbers took ~0.09 s of the briefing as numpy scalars."""
    pos = np.asarray(anchors, float).copy()
    n = len(pos)
    if n < 2:
        return pos
    xs, ys = pos[:, 0].tolist(), pos[:, 1].tolist()
    ax, ay = list(xs), list(ys)
    rng = np.random.default_rng(0)  # only to separate labels that start on the same spot
    for _ in range(iterations):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                dx, dy = xs[j] - xs[i], ys[j] - ys[i]
                dist = math.hypot(dx, dy)
                if dist < dmin:
                    if dist < 1e-9:
                        d = rng.normal(size=2)
                        d = d / np.hypot(*d)
                        dx, dy, dist = float(d[0]), float(d[1]), 1.0
                    half = (dmin - dist) / 2
                    px, py = half * dx / dist, half * dy / dist
                    xs[i] -= px
                    ys[i] -= py
                    xs[j] += px
                    ys[j] += py
                    moved = True
        for i in range(n):  # a weak pull home keeps labels next to their zone
            xs[i] += (ax[i] - xs[i]) * 0.02
            ys[i] += (ay[i] - ys[i]) * 0.02
        if not moved:
            break
    return np.column_stack([xs, ys])


def scale_bar(ax: Any) -> None:
    """A round-length scale bar (about a quarter of the width) in the lower left."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 4
    length = max([v for v in (50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000) if v <= target] or [50])
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    ax.plot([bx, bx + length], [by, by], color="black", lw=2.5, solid_capstyle="butt", zorder=11)
    ax.text(bx + length / 2, by + (y1 - y0) * 0.015, f"{length / 1000:g} km" if length >= 1000 else f"{length} m",
            ha="center", va="bottom", fontsize=6.5, zorder=11,
            bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})


def points_in(layer: Any, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """``(n, 2)`` coordinates of a point layer's features inside ``bounds`` (none when no layer)."""
    if layer is None or len(layer) == 0:
        return np.zeros((0, 2))
    g = layer.geometry
    g = g[g.notna() & ~g.is_empty]
    xy = np.column_stack([g.x.to_numpy(float), g.y.to_numpy(float)])
    minx, miny, maxx, maxy = bounds
    keep = (xy[:, 0] >= minx) & (xy[:, 0] <= maxx) & (xy[:, 1] >= miny) & (xy[:, 1] <= maxy)
    return xy[keep]


def town_names(ax: Any, *, size: float = 7.0, credit: bool = True) -> int:
    """Write the towns (GeoNames, offline) that fit this map's scale on it; returns how many.

    The printed maps had no place names, so a reader could not tell which town a zone was in.
    The axes' scale is turned into the web map's zoom (a point on paper as a screen pixel), and
    the towns the web map shows at that zoom are written, with a white halo so they read over
    any fill, under the zone numbers. GeoNames (CC BY 4.0) is credited in the corner."""
    import math

    from matplotlib import patheffects

    from ...plans.place_labels import towns_in_box

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    bbox = ax.get_position()
    width_pt = bbox.width * ax.figure.get_figwidth() * 72
    if width_pt <= 0 or x1 <= x0:
        return 0
    mpp = (x1 - x0) / width_pt
    zoom = math.log2(156_543.034 * 0.62 / mpp)  # cos(52 degrees): Britain's latitude
    towns = [t for t in towns_in_box(x0, y0, x1, y1) if t.min_zoom <= zoom + 0.5]
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for t in towns:
        ax.text(t.x, t.y, t.name, fontsize=size if t.min_zoom <= zoom - 1 else size * 0.85, fontweight="bold",
                color="#222222", ha="center", va="bottom", zorder=9, path_effects=halo, parse_math=False, clip_on=True)
    if towns and credit:
        ax.text(0.995, 0.005, "Place names: GeoNames (CC BY 4.0)", transform=ax.transAxes, fontsize=4.5,
                color="#666666", ha="right", va="bottom", zorder=11, parse_math=False)
    return len(towns)
