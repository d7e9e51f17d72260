"""The briefing's page: a reportlab canvas addressed in page fractions, with text, rules and tables.

The briefing used to be laid out by matplotlib, a figure a page, and its text layout and
drawing were most of the export's time (Kent: ~12 s for 30 pages). The pages are now written
straight to PDF with reportlab's canvas: a :class:`Sheet` places text at fractions of the A4
page (0, 0 bottom left, as a matplotlib figure was addressed, so every page kept its layout),
wraps it to a width, and draws tables as rules and strings. Text goes in with ``drawString``,
never as reportlab ``Paragraph`` markup, so a name such as ``<b>`` or ``A & B`` from an input
file is printed as it is. DejaVu Sans (shipped with matplotlib) is embedded as a TrueType font,
so "≥", "–", "²" and accented names print; reportlab embeds only the glyphs used.
"""

from __future__ import annotations

__all__ = ["Sheet", "rgb", "FONT", "BOLD", "ITALIC", "PAGE_W", "PAGE_H", "register_fonts"]

import os
from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics

PAGE_W, PAGE_H = A4
FONT, BOLD, ITALIC = "HsDejaVu", "HsDejaVu-Bold", "HsDejaVu-Oblique"
_FILES = {FONT: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}
#: DejaVu Sans's ascent and descent as fractions of the font size (for "top" and "bottom" anchors)
_ASCENT, _DESCENT = 0.76, 0.24


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, oblique) with reportlab once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    from importlib.util import find_spec

    from reportlab.pdfbase.ttfonts import TTFont

    spec = find_spec("matplotlib")  # its fonts, found without importing it (a tenth of a second)
    assert spec is not None and spec.origin is not None, "matplotlib (a dependency) ships DejaVu Sans"
    folder = os.path.join(os.path.dirname(spec.origin), "mpl-data", "fonts", "ttf")
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, file)))


def rgb(colour: Any) -> tuple[float, float, float]:
    """``"#rrggbb"``, ``"#rgb"`` or an ``(r, g, b[, a])`` tuple in 0-1 as an RGB triple."""
    if isinstance(colour, str):
        h = colour.lstrip("#")
        if len(h) == 3:
            h = "".join(ch * 2 for ch in h)
        return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255
    r, g, b = (float(v) for v in tuple(colour)[:3])
    return r, g, b


def _font(bold: bool, italic: bool) -> str:
    return BOLD if bold else ITALIC if italic else FONT


class Sheet:
    """One A4 page of a reportlab canvas; ``x``, ``y`` (and widths) are fractions of the page.

    ``text`` anchors like matplotlib's ``fig.text``: ``ha`` left/center/right, ``va``
    baseline/top/center/bottom, so the pages ported from figures kept their places."""

    def __init__(self, canvas: Any) -> None:
        self.c = canvas
        self.w, self.h = PAGE_W, PAGE_H

    # --- coordinates ----------------------------------------------------------------------------
    def X(self, x: float) -> float:  # noqa: N802 - page points from a fraction, as in matplotlib's figure
        return x * self.w

    def Y(self, y: float) -> float:  # noqa: N802
        return y * self.h

    def width(self, text: str, size: float, bold: bool = False, italic: bool = False) -> float:
        """The width of ``text`` as a fraction of the page width."""
        return pdfmetrics.stringWidth(text, _font(bold, italic), size) / self.w

    # --- text -----------------------------------------------------------------------------------
    def text(self, x: float, y: float, text: str, size: float = 8, *, bold: bool = False, italic: bool = False,
             color: Any = "#000000", ha: str = "left", va: str = "baseline", linespacing: float = 1.2) -> float:
        """Draw ``text`` (lines split at newlines) at page fraction ``(x, y)``; returns the fraction
        of the page height below the last line's baseline (the next free line for ``va="top"``)."""
        lines = str(text).split("\n")
        lead = linespacing * size * 1.2
        bx, by = self.X(x), self.Y(y)
        if va == "top":
            by -= _ASCENT * size
        elif va == "bottom":
            by += _DESCENT * size + lead * (len(lines) - 1)
        elif va == "center":
            by += lead * (len(lines) - 1) / 2 - 0.36 * size
        c = self.c
        c.setFillColorRGB(*rgb(color))
        c.setFont(_font(bold, italic), size)
        draw = {"left": c.drawString, "center": c.drawCentredString, "right": c.drawRightString}[ha]
        for k, line in enumerate(lines):
            draw(bx, by - k * lead, line)
        return (by - (len(lines) - 1) * lead - _DESCENT * size) / self.h

    def wrap(self, text: str, size: float, width: float, bold: bool = False, italic: bool = False) -> list[str]:
        """``text`` broken into lines no wider than ``width`` (a page fraction), at spaces."""
        from reportlab.lib.utils import simpleSplit

        out: list[str] = []
        for para in str(text).split("\n"):
            out += simpleSplit(para, _font(bold, italic), size, width * self.w) or [""]
        return out

    def para(self, x: float, y: float, text: str, size: float, width: float, *, max_lines: int | None = None,
             **kw: Any) -> float:
        """Wrapped text from ``y`` (its top) down; returns the fraction below it. ``max_lines``
        keeps the first lines, the last ending in an ellipsis."""
        lines = self.wrap(text, size, width, kw.get("bold", False), kw.get("italic", False))
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = lines[-1].rstrip() + "\u2026"
        kw.setdefault("va", "top")
        return self.text(x, y, "\n".join(lines), size, **kw)

    def lines_height(self, n: int, size: float, linespacing: float = 1.2) -> float:
        """The page fraction ``n`` lines of ``size`` take."""
        return (linespacing * size * 1.2 * max(n - 1, 0) + size) / self.h

    # --- shapes ---------------------------------------------------------------------------------
    def rect(self, x: float, y: float, w: float, h: float, *, fill: Any = None, edge: Any = None,
             lw: float = 0.5) -> None:
        c = self.c
        if fill is not None:
            c.setFillColorRGB(*rgb(fill))
        if edge is not None:
            c.setStrokeColorRGB(*rgb(edge))
            c.setLineWidth(lw)
        c.rect(self.X(x), self.Y(y), w * self.w, h * self.h, stroke=int(edge is not None), fill=int(fill is not None))

    def line(self, xs: Sequence[float], ys: Sequence[float], *, color: Any = "#000000", lw: float = 0.5,
             dash: Sequence[float] | None = None) -> None:
        c = self.c
        c.setStrokeColorRGB(*rgb(color))
        c.setLineWidth(lw)
        c.setDash(list(dash) if dash else [])
        p = c.beginPath()
        p.moveTo(self.X(xs[0]), self.Y(ys[0]))
        for x, y in zip(xs[1:], ys[1:], strict=True):
            p.lineTo(self.X(x), self.Y(y))
        c.drawPath(p, stroke=1, fill=0)
        c.setDash([])

    # --- a table --------------------------------------------------------------------------------
    def table(self, x: float, top: float, width: float, widths: Sequence[float], header: Sequence[str],
              rows: Sequence[Sequence[str]], row_h: float, size: float = 7, *, left: Sequence[int] = (),
              pad: float = 0.004) -> float:
        """A ruled table: a grey bold header row, then ``rows``; ``widths`` are shares of
        ``width``; columns in ``left`` are left aligned, the others right aligned (numbers).
        Cells are clipped to their column (an ellipsis), never run into the next. Returns
        the table's bottom (a page fraction)."""
        c = self.c
        n = len(rows) + 1
        bottom = top - row_h * n
        xs = [x]
        for share in widths:
            xs.append(xs[-1] + share * width)
        self.rect(x, top - row_h, width, row_h, fill="#eeeeee")
        c.setStrokeColorRGB(*rgb("#bbbbbb"))
        c.setLineWidth(0.3)
        for k in range(n + 1):
            c.line(self.X(x), self.Y(top - k * row_h), self.X(x + width), self.Y(top - k * row_h))
        for xv in xs:
            c.line(self.X(xv), self.Y(top), self.X(xv), self.Y(bottom))
        c.setFillColorRGB(0, 0, 0)
        for r, row in enumerate([list(header), *rows]):
            font = BOLD if r == 0 else FONT
            c.setFont(font, size)
            base = self.Y(top - (r + 0.5) * row_h) - 0.36 * size
            for k, cell in enumerate(row):
                room = (xs[k + 1] - xs[k] - 2 * pad) * self.w
                s = _fit(str(cell), font, size, room)
                if k in left:
                    c.drawString(self.X(xs[k] + pad), base, s)
                else:
                    c.drawRightString(self.X(xs[k + 1] - pad), base, s)
        return bottom


def _fit(s: str, font: str, size: float, room: float) -> str:
    """``s`` cut (with an ellipsis) to ``room`` points.

    ``room`` is given a part in a billion of slack: a title is first scaled to fill the width
    exactly, and reportlab's C width (rl_accel) and its Python fallback sum the glyph widths in
    a different order, so without it the same title was kept whole by one and clipped by the other."""
    room *= 1 + 1e-9
    if pdfmetrics.stringWidth(s, font, size) <= room:
        return s
    while s and pdfmetrics.stringWidth(s + "\u2026", font, size) > room:
        s = s[:-1]
    return s.rstrip() + "\u2026"
