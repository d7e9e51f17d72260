"""Which place names a map draws, where, and from which zoom: towns and streets, offline.

A map with no basemap tiles (no network) showed coloured shapes with no name on them, so an
inspector could not tell Margate from Ramsgate. This module chooses the names every map draws:

- **towns** from GeoNames (:mod:`hotspots.data.gazetteer`), the places inside the study area;
- **streets** from police.uk's own snap-point labels ("On or near High Street"), the streets
  where crime was recorded (placeholders such as "Supermarket", police stations and prisons are
  not streets and are never drawn), one label per street per ~400 m, busiest first.

Each label gets the first zoom from which it is drawn. A town starts at a zoom set by its size
(a city at county zoom, a village at town zoom) and a street at street zoom (15); a label that
would overlap a bigger one already drawn at that zoom waits for a closer zoom, so the map never
prints names on top of each other. Overlap is judged on the label's box in screen pixels at
each zoom (Web Mercator scale at the study's latitude), so the same rule serves a town or the
country. Positions are British National Grid metres (EPSG:27700), as every analysis here.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PlaceLabel", "town_labels", "towns_in_box", "towns_at", "town_at", "street_labels", "nearest_town", "label_zooms", "TOWN_ZOOMS", "STREET_ZOOM",
           "MAX_ZOOM"]

#: (population at least, first zoom): cities at county zoom, villages at town zoom
TOWN_ZOOMS = ((150_000, 7), (40_000, 8), (15_000, 10), (4_000, 11), (1, 12), (0, 13))
#: streets are drawn from this zoom (about 4 m a pixel: a few streets across the screen)
STREET_ZOOM = 15
MAX_ZOOM = 18
#: px: an approximate character width and label height (13 px bold towns, 11 px streets), and a gap
_CHAR_PX = {"town": 8.0, "street": 6.2}
_HEIGHT_PX = {"town": 18.0, "street": 15.0}
_GAP_PX = 6.0


@dataclass(frozen=True)
class PlaceLabel:
    """One name to draw: text, position (EPSG:27700 metres) and the first zoom it is drawn at."""

    name: str
    x: float
    y: float
    min_zoom: int
    kind: str  # "town" or "street"
    weight: int  # population (towns) or recorded crimes (streets): who wins a crowded spot


def _metres_per_px(zoom: int, lat: float) -> float:
    """Web Mercator ground resolution (Leaflet's 256 px tiles) at a latitude."""
    return 156_543.034 * math.cos(math.radians(lat)) / (2 ** zoom)


def label_zooms(names: list[str], x: np.ndarray, y: np.ndarray, first: list[int], kind: str, lat: float,
                taken: list[tuple[float, float, float, float, int]] | None = None) -> list[int | None]:
    """The first zoom at which each label fits without overlapping one drawn before it.

    Labels are taken in the order given (most important first); ``first`` is each one's
    earliest zoom. ``taken`` holds boxes already placed (x, y, half-width px, half-height px,
    zoom), e.g. towns when placing streets. None: no room even at :data:`MAX_ZOOM` (a label
    exactly on another). Boxes are bucketed on grids as wide as the largest possible clash,
    so thousands of street labels cost a few neighbours each, not every label before them."""
    placed = list(taken or [])
    sizes = [(len(n) * _CHAR_PX[kind]) / 2 + _GAP_PX for n in names]
    widest = max([hw for _, _, hw, _, _ in placed] + sizes + [_HEIGHT_PX["town"]])
    # a label is tested at zooms >= its own first zoom z0, where a clash spans at most 2 * widest
    # px: boxes are bucketed on one grid per first zoom asked, that wide at z0, so a test reads
    # only its neighbours (one grid sized by the lowest first zoom put every street of a county,
    # or every town of a nation, in one bucket)
    n_max = len(placed) + len(names)
    qx_a, qy_a, qhw_a, qhh_a = (np.empty(n_max) for _ in range(4))
    qz_a = np.empty(n_max, np.int64)
    boxes: list[tuple[float, float, float, float, int]] = []
    # first zoom -> (cell, its boxes by number (the array test), and as tuples)
    levels: dict[int, tuple[float, dict[tuple[int, int], list[int]],
                            dict[tuple[int, int], list[tuple[float, float, float, float, int]]]]] = {}

    def level(z0: int) -> tuple[float, dict, dict]:
        lv = levels.get(z0)
        if lv is None:
            cell = 2 * widest * _metres_per_px(z0, lat) + 1.0
            grid: dict[tuple[int, int], list[int]] = {}
            grid_boxes: dict[tuple[int, int], list[tuple[float, float, float, float, int]]] = {}
            for k, box in enumerate(boxes):
                key = (int(box[0] // cell), int(box[1] // cell))
                grid.setdefault(key, []).append(k)
                grid_boxes.setdefault(key, []).append(box)
            lv = levels[z0] = (cell, grid, grid_boxes)
        return lv

    def add(box: tuple[float, float, float, float, int]) -> None:
        k = len(boxes)
        boxes.append(box)
        qx_a[k], qy_a[k], qhw_a[k], qhh_a[k], qz_a[k] = box
        for cell, grid, grid_boxes in levels.values():
            key = (int(box[0] // cell), int(box[1] // cell))
            grid.setdefault(key, []).append(k)
            grid_boxes.setdefault(key, []).append(box)

    for box in placed:
        add(box)
    mpps = [_metres_per_px(z, lat) for z in range(MAX_ZOOM + 1)]
    out: list[int | None] = []
    for hw, px, py, z0 in zip(sizes, np.asarray(x, float), np.asarray(y, float), first, strict=True):
        hh = _HEIGHT_PX[kind] / 2 + _GAP_PX / 2
        cell, grid, grid_boxes = level(int(z0))
        gx, gy = int(px // cell), int(py // cell)
        keys = [(gx + i, gy + j) for i in (-1, 0, 1) for j in (-1, 0, 1)]
        near = [b for key in keys if (b := grid_boxes.get(key))]
        total = sum(map(len, near))
        chosen = None
        if total < 48:  # a few neighbours: plain loops (no generator per zoom) beat building arrays
            for z in range(int(z0), MAX_ZOOM + 1):
                mpp = mpps[z]
                clash = False
                for bucket in near:
                    for qx, qy, qhw, qhh, qz in bucket:
                        if qz <= z and abs(qx - px) < (hw + qhw) * mpp and abs(qy - py) < (hh + qhh) * mpp:
                            clash = True
                            break
                    if clash:
                        break
                if not clash:
                    chosen = z
                    break
        else:  # a crowded spot (a county zoom's bucket holds hundreds): the same test on arrays
            lists = [b for key in keys if (b := grid.get(key))]
            idx = np.fromiter(itertools.chain.from_iterable(lists), np.int64, total)
            dx, dy = np.abs(qx_a[idx] - px), np.abs(qy_a[idx] - py)
            sx, sy, qz = hw + qhw_a[idx], hh + qhh_a[idx], qz_a[idx]
            for z in range(int(z0), MAX_ZOOM + 1):
                mpp = mpps[z]
                if not ((qz <= z) & (dx < sx * mpp) & (dy < sy * mpp)).any():
                    chosen = z
                    break
        if chosen is not None:
            add((px, py, hw, hh, chosen))
        out.append(chosen)
    return out


def _study_lat(geoms: Any) -> float:
    import shapely

    b = shapely.total_bounds(np.asarray(geoms, dtype=object))
    if not np.all(np.isfinite(b)):
        return 52.0
    lat = _to_wgs84(np.array([(b[0] + b[2]) / 2]), np.array([(b[1] + b[3]) / 2]))[1]
    return float(lat[0])


def _to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:27700 to longitude/latitude, with the thread's one transformer (naming a county's
    spots and zones asks hundreds of times)."""
    from ..runtime.proj import transformer

    t = transformer(27700, 4326)
    lon, lat = t.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def _towns_inside(geoms: Any, margin_m: float = 0.0) -> pd.DataFrame:
    """GeoNames places inside the study's polygons (EPSG:27700), with their x and y."""
    import shapely

    from ..data.gazetteer import places_in

    geoms = np.asarray(geoms, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
    geoms = geoms[ok]
    if not len(geoms):
        return pd.DataFrame({"name": [], "x": [], "y": [], "population": []})
    b = shapely.total_bounds(geoms)
    lon, lat = _to_wgs84(np.array([b[0], b[2], b[0], b[2]]), np.array([b[1], b[1], b[3], b[3]]))
    # the box must hold every place within the margin, or the nearest town to a point would depend
    # on which other points were asked with it (0.02 degrees of longitude is only ~1.4 km here)
    far = math.radians(min(89.0, float(np.abs(lat).max())))
    pad_lat = max(0.02, 1.05 * margin_m / 110_574.0)
    pad_lon = max(0.02, 1.05 * margin_m / (111_320.0 * math.cos(far)))
    df = places_in(float(lon.min()) - pad_lon, float(lat.min()) - pad_lat, float(lon.max()) + pad_lon,
                   float(lat.max()) + pad_lat, bng=True)
    if not len(df):
        return df
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    tree = shapely.STRtree(geoms)
    pts = shapely.points(x, y)
    if margin_m > 0:
        hit, _ = tree.query(pts, predicate="dwithin", distance=margin_m)
    else:
        hit, _ = tree.query(pts, predicate="intersects")
    inside = np.zeros(len(df), bool)
    inside[np.unique(hit)] = True
    return df[inside].reset_index(drop=True)


def town_labels(geoms: Any) -> list[PlaceLabel]:
    """The towns inside the study area (LSOA polygons in EPSG:27700), each from its first zoom."""
    df = _towns_inside(geoms)
    if not len(df):
        return []
    lat = _study_lat(geoms)
    first = [next(z for p, z in TOWN_ZOOMS if pop >= p) for pop in df["population"]]
    names = df["name"].tolist()
    zooms = label_zooms(names, df["x"].to_numpy(), df["y"].to_numpy(), first, "town", lat)
    return [PlaceLabel(n, float(x), float(y), z, "town", int(p))
            for n, x, y, p, z in zip(names, df["x"], df["y"], df["population"], zooms, strict=True) if z is not None]


def street_labels(crimes: Any, *, near: Any = None, near_m: float = 1500.0, towns: list[PlaceLabel] | None = None,
                  max_labels: int = 6000) -> list[PlaceLabel]:
    """Street names from police.uk snap-point labels, one per street per ~400 m, busiest first.

    ``near``: geometries (EPSG:27700: the zones and spots) to keep streets within ``near_m``
    of, so the map carries the names where an inspector zooms in without the file growing by
    every street in the force. ``towns`` are placed first so a street never covers a town.
    """
    import shapely

    from .snap_points import label_kinds, strip_prefixes
    from .street_points import busiest_points, within_distance

    if crimes is None or not len(crimes) or "location" not in crimes:
        return []
    if "x" in crimes and "y" in crimes:  # the crimes table: EPSG:27700 metres
        x_all, y_all = np.asarray(crimes["x"], float), np.asarray(crimes["y"], float)
    elif "geometry" in crimes:
        g = crimes.geometry
        if getattr(g, "crs", None) is not None and g.crs.to_epsg() != 27700:
            g = g.to_crs(27700)
        x_all = np.asarray(shapely.get_x(np.asarray(g.values, dtype=object)), float)
        y_all = np.asarray(shapely.get_y(np.asarray(g.values, dtype=object)), float)
    else:
        return []
    ok = np.asarray(label_kinds(crimes["location"]) == "street") & np.isfinite(x_all) & np.isfinite(y_all)
    if not ok.any():
        return []
    if near is not None:
        near = np.asarray(near, dtype=object)
        near = near[~(shapely.is_missing(near) | shapely.is_empty(near))]
        if not len(near):
            return []
        ok &= within_distance(x_all, y_all, near, near_m, ok)
    rows = np.flatnonzero(ok)
    names = strip_prefixes(crimes["location"])[rows]
    rows, names = rows[names != ""], names[names != ""]
    if not len(rows):
        return []
    name_of, bx, by, bc = busiest_points(names, x_all[rows], y_all[rows], max_labels)
    best = pd.DataFrame({"name": name_of, "x": bx, "y": by, "crimes": bc})
    lat = float(_to_wgs84(np.array([best["x"].mean()]), np.array([best["y"].mean()]))[1][0])
    taken = [(t.x, t.y, len(t.name) * _CHAR_PX["town"] / 2 + _GAP_PX, _HEIGHT_PX["town"] / 2 + _GAP_PX / 2, t.min_zoom)
             for t in towns or []]
    names = best["name"].tolist()
    zooms = label_zooms(names, best["x"].to_numpy(), best["y"].to_numpy(), [STREET_ZOOM] * len(best), "street", lat,
                        taken=taken)
    return [PlaceLabel(n, float(x), float(y), z, "street", int(c))
            for n, x, y, c, z in zip(names, best["x"], best["y"], best["crimes"], zooms, strict=True) if z is not None]


def nearest_town(x: np.ndarray, y: np.ndarray, geoms: Any, *, within_m: float = 3000.0,
                 min_population: int = 1) -> np.ndarray:
    """The GeoNames town nearest each point (EPSG:27700), "" when none is within ``within_m``.

    A town a spot or zone is named after must be one people say they are in: the nearest
    populated place (of at least ``min_population``), not the district ("High Street,
    Margate", not "High Street, Thanet")."""
    import shapely

    x, y = np.asarray(x, float), np.asarray(y, float)
    out = np.full(len(x), "", dtype=object)
    towns = _towns_inside(geoms, margin_m=within_m)
    towns = towns[towns["population"] >= min_population] if len(towns) else towns
    if not len(towns) or not len(x):
        return out
    tree = shapely.STRtree(shapely.points(towns["x"].to_numpy(), towns["y"].to_numpy()))
    finite = np.isfinite(x) & np.isfinite(y)
    idx = np.flatnonzero(finite)
    if not len(idx):
        return out
    (src, hit), dist = tree.query_nearest(shapely.points(x[idx], y[idx]), max_distance=within_m, return_distance=True,
                                          all_matches=False)
    names = towns["name"].to_numpy()
    out[idx[src]] = names[hit]
    return out


def towns_in_box(minx: float, miny: float, maxx: float, maxy: float) -> list[PlaceLabel]:
    """The towns inside a box (EPSG:27700), e.g. a printed map's frame with its surroundings.

    Same zoom rule as :func:`town_labels`; used by the briefing's and evidence pack's maps. The
    briefing draws several maps of the same frame (overview, heat): each box is placed once per
    process (a nation's few thousand towns take about a second to place)."""
    return list(_towns_in_box(float(minx), float(miny), float(maxx), float(maxy)))


@functools.lru_cache(maxsize=16)
def _towns_in_box(minx: float, miny: float, maxx: float, maxy: float) -> tuple[PlaceLabel, ...]:
    return tuple(town_labels([shapely_box(minx, miny, maxx, maxy)]))


def shapely_box(minx: float, miny: float, maxx: float, maxy: float) -> Any:
    import shapely

    return shapely.box(minx, miny, maxx, maxy)


#: a town a place is named after: the nearest of at least this many people within BIG_M, else
#: the nearest place of any size within ANY_M (so a town centre is not named after a suburb)
BIG_TOWN, BIG_M, ANY_M = 5_000, 2_500.0, 3_000.0


def towns_at(x: np.ndarray, y: np.ndarray, fallback: Any = None) -> np.ndarray:
    """The town each point (EPSG:27700) is in, for naming spots, zones and concerns.

    The nearest GeoNames place of :data:`BIG_TOWN` people or more within :data:`BIG_M`, else
    the nearest place within :data:`ANY_M`, else ``fallback`` (e.g. the LSOA's district)."""
    import shapely

    x, y = np.asarray(x, float), np.asarray(y, float)
    fb = np.full(len(x), "", dtype=object) if fallback is None else np.asarray(fallback, dtype=object)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return fb.copy()
    frame = [shapely.box(x[ok].min(), y[ok].min(), x[ok].max(), y[ok].max())]
    big = nearest_town(x, y, frame, within_m=BIG_M, min_population=BIG_TOWN)
    small = nearest_town(x, y, frame, within_m=ANY_M, min_population=0)
    out = np.where(big != "", big, np.where(small != "", small, fb))
    return out.astype(object)


def town_at(x: float, y: float, fallback: str = "") -> str:
    """:func:`towns_at` for one point."""
    return str(towns_at(np.array([x]), np.array([y]), np.array([fallback], dtype=object))[0])
