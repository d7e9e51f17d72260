"""The briefing's maps drawn straight into the PDF: polygons as prepared paths, points, labels.

A :class:`MapFrame` is a box on a :class:`._pdf.Sheet` showing a box of EPSG:27700 metres
at true scale (the metres are widened to the box's shape, so 1 m is 1 m both ways and the
scale bar is honest). Polygons are simplified to the page's resolution (a quarter of a point)
with shapely and written as one PDF path per fill colour, built with numpy, not a Python call
per vertex: a county's overview is a few thousand vertices. Over :data:`RASTER_FROM` polygons
(a national study's 33,755 LSOAs, most smaller than a printed point) a layer is painted into
one 200 dpi image with Pillow instead, so the file and its drawing time stay bounded.
"""

from __future__ import annotations

__all__ = ["MapFrame", "RASTER_FROM", "DPI", "pixel_rings", "blend_outlines", "forget_rings"]

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._pdf import BOLD, FONT, Sheet, rgb

#: polygons above which a layer is an image (a county stays vector)
RASTER_FROM = 3000
#: an image layer's resolution
DPI = 200
#: the simplification tolerance, in points of paper (a quarter point is invisible in print)
_TOLERANCE_PT = 0.25


class MapFrame:
    """A map box at page fractions ``rect = [x, y, w, h]`` showing ``bounds`` (metres) at true scale."""

    def __init__(self, sheet: Sheet, rect: Sequence[float], bounds: Sequence[float]) -> None:
        self.sheet, self.c = sheet, sheet.c
        x, y, w, h = rect
        self.px0, self.py0 = sheet.X(x), sheet.Y(y)
        self.pw, self.ph = w * sheet.w, h * sheet.h
        minx, miny, maxx, maxy = bounds
        bw, bh = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        if bw / bh < self.pw / self.ph:
            bw = bh * self.pw / self.ph
        else:
            bh = bw * self.ph / self.pw
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.x0, self.x1, self.y0, self.y1 = cx - bw / 2, cx + bw / 2, cy - bh / 2, cy + bh / 2
        self.k = self.pw / bw  # points per metre
        self.metres_per_pt = 1.0 / self.k

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.x0, self.y0, self.x1, self.y1

    def to_page(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Page points of map metres (arrays or numbers)."""
        return self.px0 + (np.asarray(x) - self.x0) * self.k, self.py0 + (np.asarray(y) - self.y0) * self.k

    def inside(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    # --- the frame and its clip -----------------------------------------------------------------
    def begin(self) -> None:
        """Clip what follows to the box (call :meth:`end` after the map's layers)."""
        self.c.saveState()
        p = self.c.beginPath()
        p.rect(self.px0, self.py0, self.pw, self.ph)
        self.c.clipPath(p, stroke=0, fill=0)

    def end(self, edge: str = "#999999") -> None:
        self.c.restoreState()
        self.c.setStrokeColorRGB(*rgb(edge))
        self.c.setLineWidth(0.5)
        self.c.rect(self.px0, self.py0, self.pw, self.ph, stroke=1, fill=0)

    # --- polygons -------------------------------------------------------------------------------
    def simplified(self, geoms: Any) -> np.ndarray:
        """``geoms`` simplified to this map's resolution (Douglas-Peucker, a quarter point)."""
        import shapely

        g = np.asarray(geoms, dtype=object)
        return shapely.simplify(g, _TOLERANCE_PT * self.metres_per_pt, preserve_topology=False) if len(g) else g

    def polygons(self, geoms: Any, face: Any, *, edge: Any = "#888888", lw: float = 0.3, alpha: float = 1.0,
                 dash: Sequence[float] | None = None, simplify: bool = True, raster: bool | None = None) -> None:
        """Polygons (holes kept), one path per fill colour; ``face`` is one colour, None (no
        fill) or a colour per polygon. Over :data:`RASTER_FROM` polygons: an image."""
        g = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
        if not len(g):
            return
        per = face is not None and not isinstance(face, str) and len(face) == len(g) and not _is_colour(face)
        if raster if raster is not None else len(g) > RASTER_FROM:
            self._raster(g, face if per else [face] * len(g), edge)
            return
        if simplify:
            g = self.simplified(g)
        if not per:
            self._path(g, face, edge, lw, alpha, dash)
            return
        memo: dict[Any, tuple[float, float, float]] = {}  # a few colours over thousands of polygons
        keys = [memo[f] if f in memo else memo.setdefault(f, rgb(f)) for f in face]
        groups: dict[tuple, list[int]] = {}
        for i, k in enumerate(keys):
            groups.setdefault(k, []).append(i)
        for colour, idx in groups.items():
            self._path(g[idx], colour, edge, lw, alpha, dash)

    def _path(self, g: np.ndarray, face: Any, edge: Any, lw: float, alpha: float,
              dash: Sequence[float] | None) -> None:
        ops = self._ops(g)
        if not ops:
            return
        c = self.c
        c.saveState()
        if face is not None:
            c.setFillColorRGB(*rgb(face))
            if alpha < 1:
                c.setFillAlpha(alpha)
        if edge is not None:
            c.setStrokeColorRGB(*rgb(edge))
            c.setLineJoin(1)
        # the path is in tenths of a point: so are the line width and the dashes
        pen = f"{lw * 10:.3f} w " + (f"[{' '.join(f'{d * 10:g}' for d in dash)}] 0 d " if dash else "")
        paint = {(True, True): "B*", (True, False): "f*", (False, True): "S", (False, False): "n"}
        c.addLiteral("q 0.1 0 0 0.1 0 0 cm " + pen + "\n" + ops + paint[(face is not None, edge is not None)] + " Q")
        c.restoreState()

    def _ops(self, g: np.ndarray) -> str:
        """PDF path operators for every ring of ``g`` (move, lines, close), in tenths of a point."""
        import shapely

        g = g[~(shapely.is_missing(g) | shapely.is_empty(g))]
        parts = shapely.get_parts(g) if len(g) else g
        parts = parts[shapely.get_type_id(parts) == 3] if len(parts) else parts
        rings = shapely.get_rings(parts) if len(parts) else parts
        if len(rings):
            rings = rings[shapely.get_num_coordinates(rings) >= 4]
        if not len(rings):
            return ""
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        px, py = self.to_page(xy[:, 0], xy[:, 1])
        ints = np.column_stack([np.round(px * 10), np.round(py * 10)]).astype(np.int64)
        first = np.r_[True, ring[1:] != ring[:-1]]
        last = np.r_[ring[1:] != ring[:-1], True]
        op = np.where(first, "%d %d m\n", "%d %d l\n").astype(object)
        op[last] = op[last] + "h\n"
        return "".join(op.tolist()) % tuple(ints.ravel().tolist())

    def _raster(self, g: np.ndarray, faces: Sequence[Any], edge: Any) -> None:
        """Paint the polygons (and, blended in, their outlines) into an image over the box.

        Pillow fills each polygon's outer ring in pixels, largest first so an LSOA inside another's
        hole is painted over it (see :func:`pixel_rings`). A national study's 33,755 LSOAs take
        about a second, where rasterio read every vertex through Python (~10 s)."""
        from PIL import Image, ImageDraw

        w_px, h_px = max(1, round(self.pw / 72 * DPI)), max(1, round(self.ph / 72 * DPI))
        rings, owner = pixel_rings(g, (self.x0, self.y0, self.x1, self.y1), w_px)
        img = Image.new("RGB", (w_px, h_px), "white")
        draw = ImageDraw.Draw(img)
        colours: dict[Any, Any] = {}  # by face (a few colours for a nation's LSOAs, not one per LSOA)
        for r, o in zip(rings, owner, strict=True):
            face = faces[o]
            key = face if isinstance(face, (str, tuple)) or face is None else tuple(np.ravel(face).tolist())
            fill = colours.get(key, colours)
            if fill is colours:
                fill = colours[key] = None if face is None else tuple(round(v * 255) for v in rgb(face))
            if fill is not None and len(r) >= 6:
                draw.polygon(r, fill=fill)
        if edge is not None:
            img = blend_outlines(img, rings, edge)
        self.c.drawImage(_reader(img), self.px0, self.py0, self.pw, self.ph)

    def image(self, rgb_: np.ndarray, extent: Sequence[float]) -> None:
        """An RGB array (0-1, row 0 at the top) over ``extent = (minx, miny, maxx, maxy)`` metres."""
        from PIL import Image

        minx, miny, maxx, maxy = extent
        (x0, x1), (y0, y1) = self.to_page([minx, maxx], [miny, maxy])
        pil = Image.fromarray(np.round(np.clip(rgb_, 0, 1) * 255).astype(np.uint8), "RGB")
        self.c.drawImage(_reader(pil), float(x0), float(y0), float(x1 - x0), float(y1 - y0))

    # --- points and lines -----------------------------------------------------------------------
    def points(self, xy: np.ndarray, *, size: float, fill: Any, edge: Any = None, lw: float = 0.5,
               marker: str = "o", alpha: float = 1.0) -> None:
        """Markers ``size`` points across at map coordinates ``xy`` (``(n, 2)``).

        Plain dots (no edge) are zero-length round-capped strokes, one paint each, written with
        numpy-built operators: a card's thousands of crimes cost a few milliseconds, and
        overlapping translucent dots still darken where crimes pile up."""
        if not len(xy):
            return
        px, py = self.to_page(xy[:, 0], xy[:, 1])
        c = self.c
        c.saveState()
        if marker == "o" and edge is None:
            c.setStrokeColorRGB(*rgb(fill))
            if alpha < 1:
                c.setStrokeAlpha(alpha)
            c.setLineWidth(size)
            c.setLineCap(1)
            ints = np.column_stack([np.round(px * 10), np.round(py * 10)]).astype(np.int64)
            ops = "%d %d m %d %d l S\n" * len(ints) % tuple(np.repeat(ints, 2, axis=0).ravel().tolist())
            c.addLiteral("q 0.1 0 0 0.1 0 0 cm " + f"{size * 10:.2f} w\n" + ops + "Q")
            c.restoreState()
            return
        c.setFillColorRGB(*rgb(fill))
        if alpha < 1:
            c.setFillAlpha(alpha)
        if edge is not None:
            c.setStrokeColorRGB(*rgb(edge))
            c.setLineWidth(lw)
        r = size / 2
        p = c.beginPath()
        for x, y in zip(px.tolist(), py.tolist(), strict=True):
            if marker == "^":
                p.moveTo(x - r, y - r * 0.8)
                p.lineTo(x + r, y - r * 0.8)
                p.lineTo(x, y + r)
                p.close()
            elif marker == "s":
                p.rect(x - r, y - r, size, size)
            else:
                p.circle(x, y, r)
        c.drawPath(p, stroke=int(edge is not None), fill=1, fillMode=1)  # non-zero: two pubs at a point stay filled
        c.restoreState()

    def line(self, xs: Sequence[float], ys: Sequence[float], *, color: Any = "#000000", lw: float = 0.5) -> None:
        px, py = self.to_page(xs, ys)
        self.c.setStrokeColorRGB(*rgb(color))
        self.c.setLineWidth(lw)
        p = self.c.beginPath()
        p.moveTo(float(px[0]), float(py[0]))
        for x, y in zip(px[1:].tolist(), py[1:].tolist(), strict=True):
            p.lineTo(x, y)
        self.c.drawPath(p, stroke=1, fill=0)

    # --- labels ---------------------------------------------------------------------------------
    def label(self, x: float, y: float, text: str, size: float, *, bold: bool = False, color: Any = "#222222",
              ha: str = "center", va: str = "center", halo: Any = None, halo_w: float = 2.2,
              box: Any = None, box_alpha: float = 1.0, pad: float = 0.6) -> None:
        """Text at map coordinates, optionally with a halo (an outline) or a box behind it."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        font = BOLD if bold else FONT
        px, py = (float(v) for v in self.to_page(x, y))
        tw = stringWidth(text, font, size)
        left = {"left": px, "center": px - tw / 2, "right": px - tw}[ha]
        base = {"center": py - 0.36 * size, "bottom": py + 0.24 * size, "top": py - 0.76 * size}[va]
        c = self.c
        if box is not None:
            c.saveState()
            c.setFillColorRGB(*rgb(box))
            if box_alpha < 1:
                c.setFillAlpha(box_alpha)
            c.rect(left - pad, base - 0.24 * size - pad, tw + 2 * pad, size + 2 * pad, stroke=0, fill=1)
            c.restoreState()
        t = c.beginText(left, base)
        t.setFont(font, size)
        if halo is not None:
            c.saveState()
            c.setStrokeColorRGB(*rgb(halo))
            c.setLineWidth(halo_w)
            c.setLineJoin(1)
            t.setTextRenderMode(1)
            t.textOut(text)
            c.drawText(t)
            c.restoreState()
            t = c.beginText(left, base)
            t.setFont(font, size)
        c.setFillColorRGB(*rgb(color))
        t.textOut(text)
        c.drawText(t)

    def badge(self, x: float, y: float, text: str, size: float, *, fill: Any = "#000000", ring: Any = "#ffffff",
              lw: float = 0.8) -> None:
        """A number in a filled circle (a zone's rank): legible on any fill and in black and white."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        px, py = (float(v) for v in self.to_page(x, y))
        r = max(stringWidth(text, BOLD, size), size * 0.8) / 2 + size * 0.3
        c = self.c
        c.setFillColorRGB(*rgb(fill))
        c.setStrokeColorRGB(*rgb(ring))
        c.setLineWidth(lw)
        c.circle(px, py, r, stroke=1, fill=1)
        c.setFillColorRGB(1, 1, 1)
        c.setFont(BOLD, size)
        c.drawCentredString(px, py - 0.36 * size, text)

    def scale_bar(self) -> None:
        """A round-length scale bar (about a quarter of the width) in the lower left."""
        target = (self.x1 - self.x0) / 4
        steps = (50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000)
        length = max([v for v in steps if v <= target] or [50])
        bx, by = self.x0 + (self.x1 - self.x0) * 0.04, self.y0 + (self.y1 - self.y0) * 0.04
        (px0, px1), (py, _) = self.to_page([bx, bx + length], [by, by])
        c = self.c
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(2.5)
        c.setLineCap(0)
        c.line(float(px0), float(py), float(px1), float(py))
        text = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
        self.label(bx + length / 2, by + (self.y1 - self.y0) * 0.015, text, 6.5, color="#000000", va="bottom",
                   box="#ffffff", box_alpha=0.7, pad=1)

    def towns(self, *, size: float = 7.0, credit: bool = True) -> int:
        """The towns (GeoNames, offline) the web map shows at this scale, with a white halo;
        returns how many. GeoNames (CC BY 4.0) is credited in the corner."""
        from ...plans.place_labels import towns_in_box

        zoom = math.log2(156_543.034 * 0.62 / self.metres_per_pt)  # a point as a screen pixel at 52 degrees
        towns = [t for t in towns_in_box(self.x0, self.y0, self.x1, self.y1) if t.min_zoom <= zoom + 0.5]
        for t in towns:
            self.label(t.x, t.y, t.name, size if t.min_zoom <= zoom - 1 else size * 0.85, bold=True, va="bottom",
                       halo="#ffffff")
        if towns and credit:
            self.c.setFillColorRGB(*rgb("#666666"))
            self.c.setFont(FONT, 4.5)
            self.c.drawRightString(self.px0 + self.pw - 2, self.py0 + 2, "Place names: GeoNames (CC BY 4.0)")
        return len(towns)


def pixel_rings(g: np.ndarray, extent: Sequence[float], width_px: int) -> tuple[list[list[float]], np.ndarray]:
    """The outer rings of polygons ``g`` as flat pixel lists ``[x0, y0, x1, y1, ...]`` for an image
    ``width_px`` wide over ``extent`` (row 0 at the top), largest polygon first, and each ring's
    index in ``g``. Rings are simplified to a power of two metres at most half a pixel (so maps
    of about the same scale share one simplification); one that would vanish keeps its vertices."""
    x0, _, x1, y1 = extent
    sx = width_px / (x1 - x0)
    xy, ring, owner = _outer_rings(np.asarray(g, dtype=object), 2.0 ** math.floor(math.log2(0.5 / sx)))
    if not len(xy):
        return [], owner[:0]
    pix = np.column_stack([(xy[:, 0] - x0) * sx, (y1 - xy[:, 1]) * sx])
    # one list of every coordinate, cut into rings by list slices: splitting the array into a
    # nation's 34,000 rings and listing each took ~0.5 s of each national map
    flat = pix.ravel().tolist()
    cuts = (2 * np.r_[0, np.flatnonzero(np.diff(ring)) + 1, len(ring)]).tolist()
    return [flat[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)], owner


#: the last shapes simplified, their tolerance and outer rings: a national briefing draws its
#: 33,755 LSOAs on three maps of about the same scale (~0.3 s each to simplify and take apart)
_RINGS: list[tuple[np.ndarray, float, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []


def forget_rings() -> None:
    """Let the last shapes' rings go (the end of a briefing: a GUI process would otherwise hold
    a nation's shapes until its next one)."""
    _RINGS.clear()


def _outer_rings(g: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices, ring of each vertex, polygon of each ring) of ``g`` simplified to ``tol`` metres,
    largest polygon first; the last answer again for the very same shapes and tolerance."""
    import shapely

    from ...runtime.early import identical

    if _RINGS:
        seen, seen_tol, answer = _RINGS[0]
        if seen_tol == tol and identical(seen, g):
            return answer
    ok = np.flatnonzero(~(shapely.is_missing(g) | shapely.is_empty(g)))
    simple = shapely.simplify(g[ok], tol, preserve_topology=False)
    lost = shapely.is_empty(simple)
    simple[lost] = g[ok][lost]
    parts, owner = shapely.get_parts(simple, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    parts, owner = parts[keep], ok[owner[keep]]
    order = np.argsort(-shapely.area(parts), kind="stable")
    parts, owner = parts[order], owner[order]
    xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(parts), return_index=True)
    answer = (xy, ring, owner)
    _RINGS[:] = [(g.copy(), tol, answer)]  # (a copy of the array: the same shape objects, whatever the caller does)
    return answer


def blend_outlines(img: Any, rings: list[list[float]], edge: Any, strength: float = 0.45) -> Any:
    """``img`` (a Pillow RGB image) with the rings drawn over it as one-pixel lines in ``edge`` at
    ``strength``: thousands of hairlines, not a grey mush."""
    from PIL import Image, ImageDraw

    mask = Image.new("L", img.size, 0)
    lines = ImageDraw.Draw(mask)
    for r in rings:
        if len(r) >= 4:
            lines.line(r, fill=round(255 * strength))
    return Image.composite(Image.new("RGB", img.size, tuple(round(v * 255) for v in rgb(edge))), img, mask)


def _is_colour(face: Any) -> bool:
    """A single RGB(A) tuple rather than a colour per polygon."""
    return isinstance(face, tuple) and len(face) in (3, 4) and all(isinstance(v, (int, float)) for v in face)


def _reader(pil: Any) -> Any:
    from reportlab.lib.utils import ImageReader

    return ImageReader(pil)
