"""A zone page of the briefing: the zone's LSOAs shaded by crimes, pubs and reports, the evidence.

The map (its LSOAs by crimes on the YlOrRd ramp, grey neighbours, other zones dashed, pubs
and StreetSafe reports, LSOA names where they fit), the facts and top streets beside it, then
crimes by type and by month, the pubs and the StreetSafe concerns. Drawn on a
:class:`._pdf.Sheet` (reportlab), so a page is milliseconds, not a matplotlib figure's second.
"""

from __future__ import annotations

__all__ = ["zone_page"]

from typing import Any

import numpy as np
import pandas as pd
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..map._map_style import PUB_COLOUR, STREETSAFE_COLOUR
from ._briefing_maps import points_in
from ._briefing_pages import _clip, _fmt, _footer, _share, heading
from ._pdf import FONT
from ._pdf_charts import bars, colour_bar, legend, ylorrd
from ._pdf_maps import MapFrame


def _cells_text(z: pd.Series) -> str:
    """"51 of 150 m, 1.95 km across; 12 pass the cell test" for a zone built from cells."""
    text = f"{int(z['n_cells'])}, {_fmt(float(z.get('extent_m', np.nan)) / 1000, 2)} km across"
    sig = z.get("significant_cells")
    if sig is not None and pd.notna(sig):
        text += f"; {int(sig)} pass the cell test"
    return text


def _list_text(pairs: list, limit: int, empty: str) -> str:
    if not pairs:
        return empty
    out = [f"{i}. {_clip(n, 40)} ({int(c):,})" for i, (n, c) in enumerate(pairs[:limit], start=1)]
    if len(pairs) > limit:
        out.append(f"   and {len(pairs) - limit} more")
    return "\n".join(out)


def zone_page(sheet: Any, z: pd.Series, outline: Any, t: Any, disp: Any, zones: Any, outlines: list, layers: Any,
              ev: Any, facts: dict[str, str], page: int, n_pages: int) -> None:
    """One zone: its LSOAs shaded by crimes with pubs and reports, then the evidence beside and below."""
    rank, n_z = int(z["rank"]), len(zones)
    name = str(z.get("name") or "")
    heading(sheet, f"Patrol zone {rank} of {n_z}" + (f": {name}" if name else ""),
            _clip(f"{facts['study']}  |  {facts['period']}  |  {facts['crime_types']}", 120))
    top_crimes, ss_layer = _zone_map(sheet, z, outline, t, disp, zones, outlines, layers, rank)

    share_a = float(z.get("share_of_area", np.nan))
    facts_rows = [
        ("Crimes", f"{_fmt(z['crimes'])} ({_share(z.get('share_of_crimes'), 1)} of all)"),
        ("Harm", _fmt(z.get("harm"))),
        ("Area", f"{_fmt(z.get('area_km2'), 2)} km\u00b2 ({_share(share_a, 2)} of area)"),
        ("PAI", _fmt(z.get("pai"), 1)),
        *([("Cells", _cells_text(z))] if pd.notna(z.get("n_cells", np.nan)) else []),
        ("IMD decile (mean)", f"{_fmt(z.get('imd_decile_mean'), 1)}  (1 = most deprived)"),
        ("LSOAs", str(len([c for c in str(z.get("lsoa_codes") or "").split(";") if c]))),
        ("Pubs", _fmt(z.get("pubs"))),
        ("StreetSafe reports", _fmt(z.get("streetsafe")) if ss_layer is not None else "no StreetSafe file loaded"),
    ]
    sheet.text(0.64, 0.905, "Evidence", 10, bold=True, va="top")
    y = 0.883
    for k, v in facts_rows:
        sheet.text(0.64, y, k, 7.5, bold=True, va="top")
        lines = sheet.wrap(v, 7.5, 0.16)[:2]
        sheet.text(0.78, y, "\n".join(lines), 7.5, va="top")
        y -= 0.0155 + 0.0115 * (len(lines) - 1)
    sheet.text(0.64, y - 0.008, "Top streets (crimes recorded)", 10, bold=True, va="top")
    street_text = _list_text(ev.top_streets, 10, _clip(z.get("top_streets") or "none recorded", 60))
    sheet.text(0.64, y - 0.03, street_text, 7.5, va="top", linespacing=1.45)
    cb_y = max(0.48, y - 0.03 - 0.0152 * (street_text.count("\n") + 1) - 0.035)
    colour_bar(sheet, [0.64, cb_y, 0.28, 0.010], top_crimes, "Crimes per LSOA in this zone (map shading)")

    bars(sheet, [0.30, 0.245, 0.25, 0.165], ev.crime_types, "Crimes by type", horizontal=True, clip=_clip)
    bars(sheet, [0.64, 0.275, 0.30, 0.135], ev.months, "Crimes by month", horizontal=False, clip=_clip)

    pub_names = [str(p) for p in ev.pubs]
    sheet.text(0.06, 0.195, f"Pubs in this zone ({len(pub_names)})", 10, bold=True, va="top")
    body = ", ".join(_clip(p, 40) for p in pub_names) if pub_names else "No pubs in the pubs file fall in this zone."
    lines = sheet.wrap(body, 7, 0.46)
    if len(lines) > 9:
        lines = lines[:8] + [f"\u2026 ({len(pub_names)} in all; the full list is in hotspots.xlsx)"]
    sheet.text(0.06, 0.173, "\n".join(lines), 7, va="top", linespacing=1.35)
    sheet.text(0.55, 0.195, "Why people feel unsafe here (StreetSafe)", 10, bold=True, va="top")
    empty = "No StreetSafe file was loaded." if ss_layer is None else "No StreetSafe reports in this zone."
    sheet.text(0.55, 0.173, _list_text(ev.top_concerns, 8, empty), 7.5, va="top", linespacing=1.45)
    _footer(sheet, page, n_pages, facts)


def _zone_map(sheet: Any, z: pd.Series, outline: Any, t: Any, disp: Any, zones: Any, outlines: list, layers: Any,
              rank: int) -> tuple[float, Any]:
    """The zone's map and legend; returns the top of the shading scale and the StreetSafe layer."""
    import shapely

    minx, miny, maxx, maxy = outline.bounds if outline is not None else z["geometry"].bounds
    pad = max(maxx - minx, maxy - miny) * 0.12 + 200
    m = MapFrame(sheet, [0.06, 0.47, 0.55, 0.44], (minx - pad, miny - pad, maxx + pad, maxy + pad))
    view = m.bounds
    view_box = shapely.box(*view)
    near = t.sindex.query(view_box, predicate="intersects")
    zid = t["zone_id"].fillna(-1).to_numpy(dtype=np.int64) if "zone_id" in t else np.full(len(t), -1)
    members = near[zid[near] == int(z["zone_id"])]
    others = np.setdiff1d(near, members)
    crimes = t["crimes"].to_numpy(float)
    top = max(1.0, float(crimes[members].max()) if len(members) else 1.0)
    m.begin()
    m.polygons(disp[others], "#e9e9e9", edge="#ffffff", lw=0.6)
    m.polygons(disp[members], [tuple(c) for c in ylorrd(crimes[members] / top)], edge="#666666", lw=0.4)
    other_zones = [(int(r), g) for r, g in zip(zones["rank"], outlines, strict=True)
                   if int(r) != rank and g is not None and g.intersects(view_box)]
    if other_zones:
        m.polygons([g for _, g in other_zones], None, edge="#555555", lw=0.8, dash=(3, 2))
    m.polygons([outline if outline is not None else z["geometry"]], None, edge="#000000", lw=1.8)
    m.towns(size=7.5)
    names = t["lsoa_name"].astype(str).to_numpy()
    placed: list[tuple[float, float, float, float]] = []
    for i in members:  # name an LSOA only where its name fits inside it and clears the others
        label = _clip(names[i], 24)
        bx0, by0, bx1, by1 = disp[i].bounds
        tw = (stringWidth(label, FONT, 5.2) + 1.2) * m.metres_per_pt
        th = 7.9 * m.metres_per_pt
        if (bx1 - bx0) > tw and (by1 - by0) > 1.5 * th:
            p = disp[i].representative_point()
            box = (p.x - tw / 2, p.y - th / 2, p.x + tw / 2, p.y + th / 2)
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                continue
            placed.append(box)
            m.label(p.x, p.y, label, 5.2, box="#ffffff", box_alpha=0.6)
    for r, g in other_zones:
        p = g.representative_point()
        if m.inside(p.x, p.y):
            m.badge(p.x, p.y, str(r), 6, fill="#555555", lw=0.6)
    items: list[tuple[str, dict]] = [("This zone", {"kind": "line", "edge": "#000000", "lw": 1.8})]
    pubs = points_in(getattr(layers, "pubs", None), view)
    if len(pubs):
        m.points(pubs, size=3.6, fill=PUB_COLOUR, edge="#333333", lw=0.5)
        items.append(("Pub", {"kind": "dot", "fill": PUB_COLOUR, "edge": "#333333"}))
    ss_layer = getattr(layers, "streetsafe", None)
    ss = points_in(ss_layer, view)
    if len(ss):
        m.points(ss, size=3.8, fill=STREETSAFE_COLOUR, edge="#ffffff", lw=0.3, marker="^")
        items.append(("StreetSafe report", {"kind": "tri", "fill": STREETSAFE_COLOUR, "edge": "#ffffff"}))
    m.scale_bar()
    m.end()
    if other_zones:
        items.append(("Other patrol zone", {"kind": "line", "edge": "#555555", "lw": 0.8, "dash": (3, 2)}))
    items.append(("Other LSOAs", {"fill": "#e9e9e9", "edge": "#bbbbbb"}))
    legend(sheet, 0.06, 0.465, items, ncol=3, col_w=0.18)
    return top, ss_layer
