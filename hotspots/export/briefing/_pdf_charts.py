"""The briefing's charts drawn as rectangles, lines and text: bars, a line chart, a colour bar,
a 7x24 heat clock, and the legends under its maps.

Each chart sits in a box given in page fractions on a :class:`._pdf.Sheet`, with axes of
"nice" round ticks (1, 2, 2.5, 5 x 10^k) as matplotlib chose them, so the numbers a reader
sees did not change with the drawing library.
"""

from __future__ import annotations

__all__ = ["bars", "line_chart", "colour_bar", "heat_grid", "legend", "nice_ticks", "ylorrd"]

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._pdf import FONT, Sheet, rgb

_AXIS, _TICK, _GRID = "#333333", "#333333", "#dddddd"
#: ColorBrewer's YlOrRd, the nine colours matplotlib's "YlOrRd" ramp runs through
_YLORRD = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"]


def ylorrd(f: Any) -> np.ndarray:
    """Colours (``(n, 3)``, 0-1) of the YlOrRd ramp at ``f`` in 0-1, as matplotlib's colormap."""
    f = np.clip(np.asarray(f, float).ravel(), 0, 1)
    stops = np.array([rgb(c) for c in _YLORRD])
    at = np.linspace(0, 1, len(stops))
    return np.column_stack([np.interp(f, at, stops[:, k]) for k in range(3)])


def nice_ticks(top: float, n: int = 5) -> list[float]:
    """Round ticks from 0 to at most ``top`` (about ``n`` of them)."""
    if not top > 0:
        return [0.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [k * step for k in range(int(top / step + 1e-9) + 1)]


def _tick_text(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _title(s: Sheet, x: float, top: float, title: str, size: float) -> None:
    s.text(x, top + 0.006, title, size, bold=True)


def bars(s: Sheet, rect: Sequence[float], pairs: list, title: str, *, horizontal: bool,
         clip: Callable[[Any, int], str]) -> None:
    """Crimes by type (horizontal, the values beside the bars) or by month (vertical)."""
    x, y, w, h = rect
    _title(s, x if not horizontal else x - 0.24, y + h, title, 9)
    if not pairs:
        s.text(x if not horizontal else x - 0.24, y + h / 2, "no crimes recorded", 7.5)
        return
    labels = [str(k) for k, _ in pairs]
    vals = np.array([float(v) for _, v in pairs])
    c = s.c
    if horizontal:
        if len(labels) > 8:
            labels, vals = labels[:7] + [f"{len(labels) - 7} other types"], np.r_[vals[:7], vals[7:].sum()]
        top = float(vals.max()) * 1.22
        slot = h / len(vals)
        for k, (lab, v) in enumerate(zip(labels, vals, strict=True)):
            yc = y + h - (k + 0.5) * slot
            s.rect(x, yc - 0.35 * slot, w * v / top, 0.7 * slot, fill="#b2182b")
            s.text(x - 0.006, yc, clip(lab, 30), 6.5, ha="right", va="center")
            s.text(x + w * v / top + 0.003, yc, f"{int(v):,}", 6, va="center")
        ticks = nice_ticks(top)
        _axis_x(s, x, y, w, [(w * t / top, _tick_text(t)) for t in ticks])
        c.setStrokeColorRGB(*rgb(_AXIS))
        c.setLineWidth(0.6)
        c.line(s.X(x), s.Y(y), s.X(x), s.Y(y + h))
        return
    top = float(vals.max()) * 1.1
    slot = w / len(vals)
    for k, v in enumerate(vals):
        s.rect(x + (k + 0.125) * slot, y, 0.75 * slot, h * v / top, fill="#b2182b")
    step = max(1, math.ceil(len(labels) / 12))
    c.setFont(FONT, 6.5)
    c.setFillColorRGB(0, 0, 0)
    for k in range(0, len(labels), step):  # month labels turned a quarter, as on the old chart
        c.saveState()
        c.translate(s.X(x + (k + 0.5) * slot) + 2.3, s.Y(y) - 3)
        c.rotate(90)
        c.drawRightString(0, 0, labels[k])
        c.restoreState()
    _axis_y(s, x, y, h, [(h * t / top, _tick_text(t)) for t in nice_ticks(top)])
    c.setStrokeColorRGB(*rgb(_AXIS))
    c.setLineWidth(0.6)
    c.line(s.X(x), s.Y(y), s.X(x + w), s.Y(y))


def _axis_x(s: Sheet, x: float, y: float, w: float, ticks: list[tuple[float, str]]) -> None:
    c = s.c
    c.setStrokeColorRGB(*rgb(_AXIS))
    c.setLineWidth(0.6)
    c.line(s.X(x), s.Y(y), s.X(x + w), s.Y(y))
    for at, text in ticks:
        c.line(s.X(x + at), s.Y(y), s.X(x + at), s.Y(y) - 2.5)
        s.text(x + at, y - 4.5 / s.h, text, 6.5, ha="center", va="top")


def _axis_y(s: Sheet, x: float, y: float, h: float, ticks: list[tuple[float, str]], grid_w: float = 0) -> None:
    c = s.c
    c.setLineWidth(0.6)
    for at, text in ticks:
        if grid_w:
            c.setStrokeColorRGB(*rgb(_GRID))
            c.setLineWidth(0.5)
            c.line(s.X(x), s.Y(y + at), s.X(x + grid_w), s.Y(y + at))
            c.setLineWidth(0.6)
        c.setStrokeColorRGB(*rgb(_AXIS))
        c.line(s.X(x), s.Y(y + at), s.X(x) - 2.5, s.Y(y + at))
        s.text(x - 4 / s.w, y + at, text, 6.5, ha="right", va="center")
    c.setStrokeColorRGB(*rgb(_AXIS))
    c.line(s.X(x), s.Y(y), s.X(x), s.Y(y + h))


def line_chart(s: Sheet, rect: Sequence[float], labels: list[str], series: list[tuple[str, Any, str]],
               *, title: str, ylabel: str) -> None:
    """Lines with small dots, one per ``(name, values, colour)``, a legend to the right."""
    x, y, w, h = rect
    s.text(x, y + h + 0.006, title, 8.5)
    n = len(labels)
    top = max([float(np.nanmax(v)) for _, v, _ in series if len(v) and np.isfinite(v).any()] or [1.0]) * 1.05
    ticks = nice_ticks(top)
    top = max(top, ticks[-1])
    _axis_y(s, x, y, h, [(h * t / top, _tick_text(t)) for t in ticks], grid_w=w)
    xs = [x + w * (k + 0.5) / max(n, 1) for k in range(n)]
    step = max(1, n // 12)
    _axis_x(s, x, y, w, [(xs[k] - x, labels[k]) for k in range(0, n, step)])
    c = s.c
    for k, (name, vals, colour) in enumerate(series):
        v = np.asarray(vals, float)
        pts = [(s.X(xs[i]), s.Y(y + h * v[i] / top)) for i in range(n) if np.isfinite(v[i])]
        c.setStrokeColorRGB(*rgb(colour))
        c.setFillColorRGB(*rgb(colour))
        c.setLineWidth(1.2)
        if len(pts) > 1:
            p = c.beginPath()
            p.moveTo(*pts[0])
            for q in pts[1:]:
                p.lineTo(*q)
            c.drawPath(p, stroke=1, fill=0)
        for q in pts:
            c.circle(q[0], q[1], 1.1, stroke=0, fill=1)
        ly = y + h - (k + 0.5) * 0.012
        c.line(s.X(x + w + 0.012), s.Y(ly), s.X(x + w + 0.035), s.Y(ly))
        c.circle(s.X(x + w + 0.0235), s.Y(ly), 1.1, stroke=0, fill=1)
        s.text(x + w + 0.04, ly, name, 6, va="center")
    c.saveState()
    c.translate(s.X(x) - 30, s.Y(y + h / 2))
    c.rotate(90)
    c.setFont(FONT, 7.5)
    c.setFillColorRGB(0, 0, 0)
    c.drawCentredString(0, 0, ylabel)
    c.restoreState()


def colour_bar(s: Sheet, rect: Sequence[float], top: float, label: str) -> None:
    """A horizontal YlOrRd bar from 0 to ``top`` with round ticks and a label under it."""
    x, y, w, h = rect
    n = 64
    cols = ylorrd((np.arange(n) + 0.5) / n)
    for k in range(n):
        s.rect(x + w * k / n, y, w / n * 1.02, h, fill=tuple(cols[k]))
    s.rect(x, y, w, h, edge="#333333", lw=0.4)
    ticks = [t for t in nice_ticks(top, 8) if t <= top]
    c = s.c
    c.setStrokeColorRGB(*rgb(_TICK))
    c.setLineWidth(0.5)
    for t in ticks:
        c.line(s.X(x + w * t / top), s.Y(y), s.X(x + w * t / top), s.Y(y) - 2)
        s.text(x + w * t / top, y - 3 / s.h, _tick_text(t), 6, ha="center", va="top")
    s.text(x + w / 2, y - 14 / s.h, label, 6.5, ha="center", va="top")


def heat_grid(s: Sheet, rect: Sequence[float], grid: np.ndarray, colour: Callable[[float], str],
              rows: Sequence[str], cols: dict[int, str]) -> None:
    """A ``(rows, columns)`` grid of shaded cells (0 to the grid's top), labelled at the side
    and below (``cols``: column index to label)."""
    x, y, w, h = rect
    g = np.asarray(grid, float)
    top = max(float(g.max()) if g.size else 0.0, 1e-9)
    nr, nc = g.shape
    cw, ch = w / nc, h / nr
    for r in range(nr):
        for k in range(nc):
            s.rect(x + k * cw, y + h - (r + 1) * ch, cw * 1.01, ch * 1.01, fill=colour(g[r, k] / top))
    s.rect(x, y, w, h, edge="#333333", lw=0.3)
    for r, name in enumerate(rows):
        s.text(x - 0.003, y + h - (r + 0.5) * ch, name, 4.5, ha="right", va="center")
    for k, name in cols.items():
        s.text(x + (k + 0.5) * cw, y - 0.002, name, 4.5, ha="center", va="top")


def legend(sheet: Sheet, x: float, top: float, items: Sequence[tuple[str, dict]], *, ncol: int, col_w: float,
           size: float = 6.5, row_h: float = 0.0125) -> float:
    """A legend under a map: ``items`` of (label, swatch) with a swatch ``{"kind": "box"|"line"|
    "dot"|"tri", "fill", "edge", "lw", "dash"}``, in ``ncol`` columns; returns its bottom."""
    c = sheet.c
    for k, (text, sw) in enumerate(items):
        if sw.get("kind") == "none":  # an empty cell (a short column)
            continue
        col, row = k % ncol, k // ncol
        px, py = sheet.X(x + col * col_w), sheet.Y(top - (row + 0.5) * row_h)
        kind = sw.get("kind", "box")
        c.saveState()
        if sw.get("fill") is not None:
            c.setFillColorRGB(*rgb(sw["fill"]))
        c.setStrokeColorRGB(*rgb(sw.get("edge", "#777777")))
        c.setLineWidth(sw.get("lw", 0.4))
        if sw.get("dash"):
            c.setDash(list(sw["dash"]))
        if kind == "line":
            c.line(px, py, px + 16, py)
        elif kind == "dot":
            c.circle(px + 8, py, 2.3, stroke=1, fill=1)
        elif kind == "tri":
            p = c.beginPath()
            p.moveTo(px + 5.5, py - 2)
            p.lineTo(px + 10.5, py - 2)
            p.lineTo(px + 8, py + 2.5)
            p.close()
            c.drawPath(p, stroke=1, fill=1)
        else:
            c.rect(px + 2, py - 3, 12, 6, stroke=1, fill=int(sw.get("fill") is not None))
        c.restoreState()
        sheet.text(x + col * col_w + 20 / sheet.w, top - (row + 0.5) * row_h, text, size, va="center")
    return top - row_h * -(-len(items) // ncol)
