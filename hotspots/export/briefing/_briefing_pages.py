"""The briefing's pages: the overview (study, method, cluster map, zone table) and the zone list.

Each function draws one A4 page on the :class:`._pdf.Sheet` it is given (reportlab, addressed
in page fractions); the document is assembled in :mod:`.briefing`, the zone pages are in
:mod:`._briefing_zone`. Text from input files is clipped to fit and drawn as plain strings,
so odd names cannot break a page.
"""

from __future__ import annotations

__all__ = ["overview_page", "zone_list_page", "list_pages", "MAX_ZONE_PAGES", "LIST_ROWS"]

import math
from typing import Any

import numpy as np

from .._numbers import finite
from ..map._map_style import ATTRIBUTION, LISA_COLOURS, LISA_LABELS
from ._briefing_maps import spread
from ._pdf_charts import legend
from ._pdf_maps import MapFrame

#: zone pages after the overview; the other zones are listed, a row each, on list pages
MAX_ZONE_PAGES = 20
#: zones per list page
LIST_ROWS = 60
#: the zone table's columns: heading, share of the width, left aligned
_COLUMNS = ["Zone", "Crimes", "Harm", "PAI", "% of crimes", "% of area", "Where"]
_WIDTHS = [0.06, 0.09, 0.11, 0.07, 0.1, 0.09, 0.48]


def list_pages(n_zones: int) -> int:
    """List pages for the zones beyond :data:`MAX_ZONE_PAGES` (a national run has hundreds)."""
    return -(-max(0, n_zones - MAX_ZONE_PAGES) // LIST_ROWS)


def _fmt(x: Any, decimals: int = 0, pct: bool = False) -> str:
    v = finite(x)
    if v is None:
        return "-"
    return f"{v:.{decimals}%}" if pct else f"{v:,.{decimals}f}"


def _share(x: Any, decimals: int) -> str:
    """A share as a percentage, '<0.01%' rather than a misleading '0.00%'."""
    v = finite(x)
    if v is not None and 0 < v < 0.5 * 10 ** -(decimals + 2):
        return f"<{10 ** -decimals:.{decimals}f}%"
    return _fmt(v, decimals, pct=True)


def _clip(text: Any, n: int) -> str:
    s = "" if text is None or (isinstance(text, float) and math.isnan(text)) else " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _footer(sheet: Any, page: int, pages: int, facts: dict[str, str]) -> None:
    """The attribution and the page number, and the protective marking top and bottom."""
    grey = "#555555"
    sheet.para(0.06, 0.022 + sheet.lines_height(2, 5.5), ATTRIBUTION + ". Map: hotspots, " + facts["generated"] + ".",
               5.5, 0.74, color=grey, max_lines=2)
    sheet.text(0.94, 0.022, f"Page {page} of {pages}", 6.5, color=grey, ha="right", va="bottom")
    if facts.get("marking"):  # the protective marking, top and bottom of every page (GSC practice)
        for y, va in ((0.992, "top"), (0.004, "bottom")):
            sheet.text(0.5, y, facts["marking"], 7, color="#b00020", ha="center", va=va, bold=True)


def heading(sheet: Any, title: str, sub: str, size: float = 17, sub_size: float = 8) -> None:
    """A page's title (smaller, down to 11 pt, when it is long, then clipped) and the line under it
    (study, period, crime types), each fitted to the width."""
    from ._pdf import BOLD

    wide = sheet.width(title, size, bold=True)
    size = max(11.0, size * min(1.0, 0.88 / wide)) if wide > 0 else size
    sheet.text(0.06, 0.955, _fit_width(sheet, title, size, BOLD), size, bold=True)
    sheet.text(0.06, 0.933, _fit_width(sheet, sub, sub_size), sub_size, color="#333333")


def _fit_width(sheet: Any, text: str, size: float, font: str | None = None, width: float = 0.88) -> str:
    from ._pdf import FONT, _fit

    return _fit(text, font or FONT, size, width * sheet.w)


def overview_page(sheet: Any, analysis: Any, t: Any, zones: Any, outlines: list, facts: dict[str, str],
                  n_pages: int) -> None:
    """Page 1: what was analysed and how, the LISA map with zones numbered, the zone table."""
    sheet.text(0.06, 0.955, "Hot spots and patrol zones", 17, bold=True)
    sheet.text(0.06, 0.933, _fit_width(sheet, _clip(facts["study"], 90), 11), 11)
    lines = [("Period", facts["period"]), ("Crime types", facts["crime_types"]), ("Analysed", facts["measure"]),
             ("Method", facts["method"]), ("Generated", facts["generated"])]
    y = 0.912
    for k, v in lines:
        wrapped = sheet.wrap(str(v) or "-", 7.5, 0.77)[:2] or ["-"]
        sheet.text(0.06, y, k, 7.5, bold=True, va="top")
        sheet.text(0.17, y, "\n".join(wrapped), 7.5, va="top", linespacing=1.3)
        y -= 0.0135 * len(wrapped)

    m = MapFrame(sheet, [0.06, 0.40, 0.88, y - 0.41], tuple(t.total_bounds))
    m.begin()
    cl = t["lisa_cluster"].where(t["lisa_cluster"].isin(list(LISA_COLOURS)), "ns")
    # as on the map: cold spots pale; a national study's LSOAs become an image (MapFrame.polygons)
    muted = {k: _muted(k) for k in LISA_COLOURS}  # five colours, not one call per LSOA
    m.polygons(t.geometry.values, [muted[c] for c in cl], edge="#9a9a9a", lw=0.15)
    if zones is not None and len(zones):
        m.polygons(outlines, None, edge="#000000", lw=1.1)
    m.towns()  # offline place names (GeoNames), under the zone numbers
    if zones is not None and len(zones):
        ranks, anchors = [], []
        for rank, g in zip(zones["rank"], outlines, strict=True):
            if g is not None and int(rank) <= MAX_ZONE_PAGES:
                p = g.representative_point()
                ranks.append(int(rank))
                anchors.append((p.x, p.y))
        if anchors:
            anchors_xy = np.asarray(anchors, dtype=float)
            pos = spread(anchors_xy, 0.03 * (m.x1 - m.x0))
            for r, (ax_, ay_), (px, py) in zip(ranks, anchors_xy, pos, strict=True):
                if math.hypot(px - ax_, py - ay_) > 1e-6:
                    m.line([ax_, px], [ay_, py], color="#000000", lw=0.5)
                m.badge(px, py, str(r), 5.5)
    m.scale_bar()
    m.end()
    counts = t["lisa_cluster"].value_counts()
    items = [(f"{LISA_LABELS[k]} ({int(counts.get(k, 0))})", {"fill": _muted(k)}) for k in ("HH", "HL", "LH", "LL", "ns")]
    if zones is not None and len(zones):
        items.append(("Patrol zone (numbered by rank)", {"fill": None, "edge": "#000000", "lw": 1.2}))
    legend(sheet, 0.06, 0.395, _columns_first(items, 3), ncol=3, col_w=0.25)

    if zones is None or not len(zones):
        alpha = facts["alpha"]
        sheet.text(0.5, 0.27, "No significant hot spots were found", 14, bold=True, ha="center")
        text = (f"No LSOA was a significant hot spot at alpha = {alpha} under the patrol-zone rule for the chosen "
                "crimes and period, so no patrol zones were drawn. Try a longer period, more crime types, or check "
                "the inputs in summary.json.")
        lines_ = sheet.wrap(text, 8.5, 0.8)
        sheet.text(0.5, 0.24, "\n".join(lines_), 8.5, ha="center", va="top", linespacing=1.4)
    else:
        _zone_table(sheet, zones, analysis)
    _footer(sheet, 1, n_pages, facts)


def _columns_first(items: list, ncol: int) -> list:
    """Legend items reordered so they read down each column (as matplotlib fills a legend)."""
    rows = -(-len(items) // ncol)
    cols = [items[k * rows:(k + 1) * rows] for k in range(ncol)]
    out = []
    for r in range(rows):
        for col in cols:
            out.append(col[r] if r < len(col) else ("", {"kind": "none"}))
    while out and out[-1][0] == "":
        out.pop()
    return out


def _table_rows(shown: Any, analysis: Any) -> list[list[str]]:
    ev = analysis.zones.evidence if getattr(analysis, "zones", None) is not None else {}
    rows = []
    for _, z in shown.iterrows():
        streets = ev[int(z["zone_id"])].top_streets if int(z["zone_id"]) in ev else []
        top = f"{streets[0][0]} ({int(streets[0][1]):,})" if streets else str(z.get("top_streets") or "").split(";")[0]
        top = str(z.get("name") or "") or top  # patrol zones are named by town and streets
        rows.append([str(int(z["rank"])), _fmt(z["crimes"]), _fmt(z["harm"]), _fmt(z["pai"], 1),
                     _share(z["share_of_crimes"], 1), _share(z["share_of_area"], 2), _clip(top, 48)])
    return rows


def _table(sheet: Any, rows: list[list[str]], top: float, row_h: float) -> float:
    """The zone table (rank, crimes, harm, PAI, shares, top street) from ``top`` down; returns its bottom."""
    return sheet.table(0.06, top, 0.88, _WIDTHS, _COLUMNS, rows, row_h, 7, left=(6,))


def zone_list_page(sheet: Any, zones: Any, analysis: Any, facts: dict[str, str], start: int, page: int,
                   n_pages: int) -> None:
    """A page listing zones ``start`` .. ``start + LIST_ROWS - 1`` (0-based rows of ``zones``), a row each."""
    shown = zones.iloc[start:start + LIST_ROWS]
    first, last = int(shown["rank"].iloc[0]), int(shown["rank"].iloc[-1])
    heading(sheet, f"Patrol zones {first}-{last} of {len(zones)}",
            _clip(f"{facts['study']}  |  {facts['period']}  |  {facts['crime_types']}", 120))
    sheet.text(0.06, 0.915, "Zones after the first pages, in rank order; each zone's LSOAs, evidence and outline are "
               "in hotspots.xlsx and patrol_zones.gpkg.", 7, italic=True)
    _table(sheet, _table_rows(shown, analysis), 0.895, min(0.0135, 0.84 / (LIST_ROWS + 1)))
    _footer(sheet, page, n_pages, facts)


def _zone_table(sheet: Any, zones: Any, analysis: Any) -> None:
    rows = _table_rows(zones.head(MAX_ZONE_PAGES), analysis)
    top, row_h = 0.325, 0.0115
    sheet.text(0.06, top + 0.012, f"Patrol zones ({len(zones)})", 10, bold=True)
    bottom = _table(sheet, rows, top, row_h)
    y = bottom - 0.016
    if len(zones) > MAX_ZONE_PAGES:
        sheet.text(0.06, y, f"Showing the top {MAX_ZONE_PAGES} of {len(zones)} zones; the others are listed after "
                   "the zone pages, and all zones are in patrol_zones.gpkg and hotspots.xlsx.", 7, italic=True)
        y -= 0.014
    y = min(y, 0.06)
    grey = "#444444"
    sheet.text(0.06, y, "PAI (Predictive Accuracy Index) = share of crimes / share of area; above 1 means "
               "crime is more concentrated than the area's size alone would suggest.", 6.5, color=grey)
    outside = analysis.zones.summary.top_lsoas_outside_zones if getattr(analysis, "zones", None) is not None else []
    if outside:  # busy LSOAs whose crime is spread thin or at single spots: no zone covers them most
        names = ", ".join(f"{_clip(r['lsoa_name'], 30)} ({_fmt(r['value'])})" for r in outside[:4])
        text = _clip(f"Busiest LSOAs no zone covers (crime spread out or at single spots): {names}", 170)
        sheet.text(0.06, y - 0.012, _fit_width(sheet, text, 6.5), 6.5, color=grey)


def _muted(cluster: str) -> tuple[float, float, float]:
    """A LISA class's colour as the map draws it (its opacity over white), so hot spots lead on paper too."""
    from ..map._map_style import LISA_OPACITY
    from ._pdf import rgb

    r, g, b = rgb(LISA_COLOURS.get(cluster, LISA_COLOURS["ns"]))
    a = max(LISA_OPACITY.get(cluster, 0.35), 0.35 if cluster == "ns" else 0.0)
    return (1 - a + a * r, 1 - a + a * g, 1 - a + a * b)
