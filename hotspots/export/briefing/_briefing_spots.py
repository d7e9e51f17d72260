"""The briefing's patrol-spot pages: a patrol list, then one card per spot (four to a page).

A patrol list is what a sergeant hands out: rank, where (a street and town), how much crime and
why it matters, how often to go. Each card adds a street-scale sketch (the spot's cells, the
crimes within 300 m, pubs) and the evidence. Drawn on a :class:`._pdf.Sheet` (reportlab); text
from input files is drawn as plain strings, clipped to fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..map._map_spots import spot_test_text
from ..map._map_style import PUB_COLOUR
from ._briefing_pages import _clip, _fit_width, _footer, _share
from ._briefing_when import draw_spot_clock
from ._pdf import BOLD
from ._pdf_maps import MapFrame

__all__ = ["spot_pages", "patrol_list_page", "spot_card_page", "CARDS_PER_PAGE"]

CARDS_PER_PAGE = 4
_SPOT_COLOUR = "#e7298a"


def spot_pages(analysis: Any) -> int:
    """How many pages the spots take (0 when there are none)."""
    res = getattr(analysis, "spots", None)
    if res is None or not res.spots:
        return 0
    return 1 + -(-len(res.spots) // CARDS_PER_PAGE)


def patrol_list_page(sheet: Any, analysis: Any, facts: dict[str, str], page: int, n_pages: int) -> None:
    res = analysis.spots
    sheet.text(0.06, 0.955, "Patrol list: hot spots for 15-minute visits", 16, bold=True)
    sheet.text(0.06, 0.933, _fit_width(sheet, _clip(f"{facts['study']}; {facts['period']}; {facts['crime_types']}",
                                                    110), 9), 9)
    sheet.para(0.06, 0.912, res.spots[0].dosage, 8, 0.88, italic=True)
    cols = ["#", "Where", "Crimes", "Share", "PAI", "Pubs", "StreetSafe", "IMD", "Test", "Check"]
    xs = [0.06, 0.09, 0.50, 0.57, 0.64, 0.71, 0.76, 0.85, 0.89, 0.94]
    y = 0.865
    for x, c in zip(xs, cols, strict=True):
        sheet.text(x, y, c, 7.5, bold=True)
    for s in res.spots[:34]:
        y -= 0.023
        vals = [str(s.rank), _fit_width(sheet, _clip(s.name, 62), 7.5, width=0.4), f"{s.crimes:,}",
                _share(s.share_of_crimes, 2), f"{s.pai:,.0f}", str(s.pubs_100m), str(s.streetsafe_100m),
                "-" if s.imd_decile is None else str(s.imd_decile), "pass" if s.significant else "-",
                "!" if s.flags else ""]
        for x, v in zip(xs, vals, strict=True):
            sheet.text(x, y, v, 7.5)
    n_sig = sum(bool(s.significant) for s in res.spots)
    partners = res.partners.to_dict()
    left = ("were left out of the ranking (listed below and in partner_places.csv)" if not partners["kept_in_plan"]
            else "were kept in the ranking by the setting")
    note = (f"Spots: the {len(res.spots)} busiest places of {res.cell:.0f} m cells (at most 4 cells), a ranking; "
            f"{n_sig} of them pass the cell test ('Test': {res.cell_test.test}, FDR {res.cell_test.alpha:g}). '!' = a "
            f"data-quality note on the spot's card. {partners['crimes']:,} crimes at {partners['count']:,} partner "
            f"places (hospital sites, police stations, prisons, shoplifting-dominated shops) {left}.")
    y = max(y - 0.04, 0.07)
    below = sheet.para(0.06, y, note, 7, 0.88)
    _partner_list(sheet, res, below - 0.02)
    _footer(sheet, page, n_pages, facts)


def _partner_list(sheet: Any, res: Any, top: float, bottom: float = 0.09) -> None:
    """The busiest partner places under the patrol list, as many as the page holds (all are in
    partner_places.csv): the places the inspector hands to the hospital, the prison, the retailer."""
    from ..partner_places import KIND_WORDS

    places = res.partners.places
    room = int((top - bottom) / 0.019) - 1
    if not places or room < 1:
        return
    head = ("Partner places: left out of the patrol plan, for the partner" if not res.partners.kept
            else "Partner places (kept in the patrol plan by the setting)")
    sheet.text(0.06, top, head, 9, bold=True, va="top")
    y = top - 0.006
    for p in places[:room]:
        y -= 0.019
        shop = f", {p.share_shoplifting:.0%} shoplifting" if p.kind == "retail" else ""
        text = _clip(f"{p.name}: {KIND_WORDS.get(p.kind, p.kind)}, {p.crimes:,} crimes{shop}", 120)
        sheet.text(0.06, y, _fit_width(sheet, text, 7.5), 7.5, va="top")
    if len(places) > room:
        sheet.text(0.06, y - 0.019, f"... and {len(places) - room:,} more in partner_places.csv", 7.5, va="top",
                   italic=True)


def _sketch(sheet: Any, rect: list[float], s: Any, crimes_xy: np.ndarray, pubs_xy: np.ndarray) -> None:
    """The spot at street scale: its cells, the crimes within 300 m (grey dots), pubs, 100 m bar."""
    import shapely

    x0, y0, x1, y1 = s.geometry.bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    r = 300.0
    m = MapFrame(sheet, rect, (cx - r, cy - r, cx + r, cy + r))
    m.begin()
    m.points(crimes_xy, size=2.0, fill="#555555", alpha=0.4)  # already cut to the spot's 2r box (near_spots)
    m.polygons(list(shapely.get_parts(s.geometry)), _SPOT_COLOUR, edge="#7a0177", lw=1.5, alpha=0.35,
               simplify=False)
    if len(pubs_xy):
        p = pubs_xy[(np.abs(pubs_xy[:, 0] - cx) < r) & (np.abs(pubs_xy[:, 1] - cy) < r)]
        m.points(p, size=4.2, fill=PUB_COLOUR, edge="#000000", lw=0.5)
    bx, by = m.x0 + 20, m.y0 + 20
    m.line([bx, bx + 100], [by, by], color="#000000", lw=2)
    m.label(bx + 50, by + 6, "100 m", 6, color="#000000", va="bottom")
    m.end(edge="#000000")


def near_spot_rows(crimes: Any, spots: list, r: float = 300.0) -> list[np.ndarray]:
    """Row positions of the crimes within ``r`` of each spot's centre (both ways), in one pass over
    the crimes: a national study's five million were scanned four times a spot (1.6 s)."""
    if crimes is None or not len(crimes) or not spots:
        return [np.zeros(0, dtype=np.int64) for _ in spots]
    x, y = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    side = 2.0 * r  # a 2r box overlaps at most 2 x 2 coarse cells of this side
    big = np.int64(1 << 31)
    key = np.floor(x / side).astype(np.int64) * big + np.floor(y / side).astype(np.int64)
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in (s.geometry.bounds for s in spots)]
    want = np.unique([int(np.floor(px / side)) * int(big) + int(np.floor(py / side))
                      for cx, cy in centres for px in (cx - r, cx + r) for py in (cy - r, cy + r)])
    at = np.minimum(np.searchsorted(want, key), len(want) - 1)
    cand = np.flatnonzero(want[at] == key)
    cx_, cy_ = x[cand], y[cand]
    return [cand[(np.abs(cx_ - cx) < r) & (np.abs(cy_ - cy) < r)] for cx, cy in centres]


def near_spots(crimes: Any, spots: list, r: float = 300.0) -> list[np.ndarray]:
    """Each spot's nearby crime points (``(n, 2)`` EPSG:27700), see :func:`near_spot_rows`."""
    if crimes is None or not len(crimes):
        return [np.zeros((0, 2)) for _ in spots]
    x, y = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    return [np.column_stack([x[rows], y[rows]]) for rows in near_spot_rows(crimes, spots, r)]


def spot_card_page(sheet: Any, analysis: Any, layers: Any, facts: dict[str, str], first: int, page: int,
                   n_pages: int, near: list[np.ndarray] | None = None) -> None:
    """Spot cards ``first`` .. ``first + CARDS_PER_PAGE``; ``near``: :func:`near_spots` of every
    spot, computed once for all the pages (else for this page's spots)."""
    res = analysis.spots
    crimes = getattr(layers, "crimes", None)
    page_spots = res.spots[first: first + CARDS_PER_PAGE]
    near = near_spots(crimes, page_spots) if near is None else near[first: first + CARDS_PER_PAGE]
    pubs = getattr(layers, "pubs", None)
    pxy = (np.column_stack([pubs.geometry.x, pubs.geometry.y]) if pubs is not None and len(pubs)
           else np.zeros((0, 2)))
    side = 0.2 * sheet.w / sheet.h  # a square sketch, 0.2 of the page wide
    for k, s in enumerate(page_spots):
        top = 0.95 - k * 0.225
        _sketch(sheet, [0.06, top - 0.1 - side / 2, 0.2, side], s, near[k], pxy)
        types = ", ".join(f"{a} {b}" for a, b in list(s.crimes_by_type.items())[:4])
        months = " ".join(f"{m[5:]}:{c}" for m, c in s.crimes_by_month.items())
        reasons = ", ".join(f"{a} {b}" for a, b in list(s.streetsafe_reasons.items())[:3]) or "none"
        lines = [f"{s.crimes:,} crimes ({_share(s.share_of_crimes, 2)} of the force's) in {s.area_km2:.3f} km²; "
                 f"PAI {s.pai:,.0f}; harm {s.harm:,.0f}",
                 f"Types: {types}", f"Months: {months}",
                 f"{spot_test_text(s)}; centre {s.centre_lat:.5f}, {s.centre_lon:.5f}",
                 f"Pubs within 100 m: {s.pubs_100m}; StreetSafe within 100 m: {s.streetsafe_100m} ({reasons})",
                 f"LSOA {s.lsoa_code} {s.lsoa_name}; IMD decile {'-' if s.imd_decile is None else s.imd_decile}"]
        lines += [f"Note: {f}" for f in s.flags[:3]]
        sheet.text(0.29, top - 0.005, _fit_width(sheet, _clip(f"{s.rank}. {s.name}", 70), 10.5, BOLD, 0.65), 10.5,
                   bold=True, va="top")
        body = [ln for t in lines for ln in sheet.wrap(_clip(t, 300), 6.8, 0.65)]
        sheet.text(0.29, top - 0.028, "\n".join(body), 6.8, va="top", linespacing=1.2)
        draw_spot_clock(sheet, analysis, s, top)  # a records extract: when to patrol (hotspots.when)
    sheet.para(0.06, 0.075, res.spots[0].dosage, 6.5, 0.88, italic=True)
    _footer(sheet, page, n_pages, facts)
