"""Quadtree tiles over a study area, turned into the short polygons police.uk accepts.

police.uk refuses (HTTP 503) a custom area holding more than 10,000 crimes in a month and a
GET longer than 4,094 characters, so a county is asked for in tiles: the bounding box is
split into quadrants until every tile answers. Each tile's request polygon is the tile
(grown by an overlap) intersected with the study area (grown by a margin), then simplified
to keep the URL short. The growths (100 m) are larger than the simplification tolerances
together (10 m for the study area, 20 m for the grown area, 40 m for a tile), so the
request polygons always cover the study area: no crime inside it falls between two tiles.
Crimes seen by two overlapping tiles are de-duplicated by their API ``id`` afterwards.

Geometry is handled in EPSG:27700 (metres); the polygons are sent in WGS84 lat/lng.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

__all__ = ["Tile", "TileGrid", "poly_param", "MARGIN_M", "OVERLAP_M", "TOLERANCE_M", "MAX_DEPTH"]

#: study area grown by this before tiling (covers edge crimes and snap-point rounding)
MARGIN_M = 100.0
#: each tile grown by this so neighbouring request polygons overlap
OVERLAP_M = 100.0
#: Douglas-Peucker tolerance of the request polygon (must stay below both growths)
TOLERANCE_M = 40.0
#: the grown area is simplified by this (keeps every request polygon short to compute)
GROWN_TOLERANCE_M = 20.0
#: deepest split: a 60 km county reaches tiles of about 60 m, far below any real 503
MAX_DEPTH = 12
_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


@dataclass(frozen=True)
class Tile:
    """One quadtree cell: ``key`` is its path from the root ("r", "r0", "r03", ...)."""

    key: str
    bounds: tuple[float, float, float, float]

    @property
    def depth(self) -> int:
        return len(self.key) - 1

    def children(self) -> list[Tile]:
        x0, y0, x1, y1 = self.bounds
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        quads = [(x0, my, mx, y1), (mx, my, x1, y1), (x0, y0, mx, my), (mx, y0, x1, my)]
        return [Tile(f"{self.key}{i}", q) for i, q in enumerate(quads)]

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.bounds
        return (x1 - x0) * (y1 - y0)

    @property
    def size_m(self) -> float:
        x0, y0, x1, y1 = self.bounds
        return max(x1 - x0, y1 - y0)


class TileGrid:
    """The quadtree over one study area (EPSG:27700), and each tile's request polygon."""

    def __init__(self, area: BaseGeometry) -> None:
        if area.is_empty:
            raise ValueError("the study area is empty")
        self.area = shapely.make_valid(area)
        self.grown = self.area.buffer(MARGIN_M).simplify(GROWN_TOLERANCE_M)
        shapely.prepare(self.grown)
        x0, y0, x1, y1 = self.grown.bounds
        side = max(x1 - x0, y1 - y0)  # square cells: tiles stay compact at every depth
        self.root = Tile("r", (x0, y0, x0 + side, y0 + side))

    def tile(self, key: str) -> Tile:
        """The tile with this key (keys name a path of quadrants from the root)."""
        t = self.root
        for ch in key[1:]:
            t = t.children()[int(ch)]
        return t

    def touches(self, tile: Tile) -> bool:
        """Whether any of the study area lies in the tile (empty tiles need no request)."""
        return bool(self.grown.intersects(box(*tile.bounds)))

    def request_polygon(self, tile: Tile) -> BaseGeometry:
        """A single-ring polygon (27700) covering the study area inside ``tile``.

        Multi-part pieces (a coast, an island) become their convex hull: the API takes one ring,
        and a hull covers every part; the extra crimes it brings in are clipped afterwards.
        """
        cell = box(*tile.bounds).buffer(OVERLAP_M, join_style="mitre")
        piece = self.grown.intersection(cell)
        need = self.area.intersection(box(*tile.bounds))
        if piece.is_empty:
            return piece
        poly = _one_ring(piece).simplify(TOLERANCE_M, preserve_topology=True)
        poly = _one_ring(poly)
        if not need.is_empty and not poly.buffer(1.0).covers(need):
            poly = _one_ring(piece.convex_hull)  # never expected; the hull always covers
        return poly


def _one_ring(geom: BaseGeometry) -> BaseGeometry:
    """The polygon with no holes (the API ignores holes); the convex hull for several parts."""
    if geom.geom_type == "Polygon":
        return shapely.Polygon(geom.exterior)
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]
    if len(polys) == 1:
        return shapely.Polygon(polys[0].exterior)
    return geom.convex_hull


def poly_param(poly: BaseGeometry, decimals: int = 5) -> str:
    """police.uk's ``poly`` parameter: ``lat,lng:lat,lng:...`` in WGS84 (5 decimals, about 1 m)."""
    xy = np.asarray(poly.exterior.coords)[:-1]
    lon, lat = _TO_WGS84.transform(xy[:, 0], xy[:, 1])
    return ":".join(f"{la:.{decimals}f},{lo:.{decimals}f}" for la, lo in zip(lat, lon, strict=True))
