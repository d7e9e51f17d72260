"""``briefing.pdf``: an overview page and one page per patrol zone, for a shift briefing.

Inspectors brief a shift with a few named places, streets and reasons, on paper as often as
on a screen, so this is A4 portrait, readable in black and white where it matters (zones
are outlined and numbered, not only coloured). Page 1 shows the study, the period, the crime
types, the measure and an overview map of LISA clusters with the zones numbered, and a table
of the zones; each zone page then zooms in: its LSOAs shaded by crimes, pubs, StreetSafe
reports, grey neighbours for context, and the evidence (crimes, harm, PAI, top streets,
pubs, StreetSafe concerns, crimes by type and month). At most :data:`MAX_ZONE_PAGES` zone
pages are written; the other zones follow as a list, a row each (a national run finds
hundreds: 200 zone pages are not a briefing), and all are in the GIS and spreadsheet outputs.

The pages are written straight to PDF with reportlab's canvas (:mod:`._pdf`): text, tables
and charts as strings, rules and rectangles, maps as prepared paths (:mod:`._pdf_maps`), so a
page costs milliseconds where a matplotlib figure cost most of a second (Kent's 30 pages: ~12 s
before, well under a second now). Nothing touches pyplot, so a GUI worker thread can write a
briefing safely; text from input files is drawn as plain strings (never markup or mathtext),
so a street called "$5 Alley" or a pub called "<b>50% Off & Co</b>" cannot break the page.
"""

from __future__ import annotations

__all__ = ["write_briefing", "page_count", "MAX_ZONE_PAGES", "A4_INCHES"]

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# write_briefing looks the page functions up here, by these names, at call time (tests patch _zone_page)
from ...model import ZoneEvidence
from ..atomic import atomic_path
from ..map.html_map import run_facts, zone_outline
from ._briefing_maps import LazySimplified
from ._briefing_pages import LIST_ROWS, MAX_ZONE_PAGES, _footer, list_pages
from ._briefing_pages import overview_page as _overview_page
from ._briefing_pages import zone_list_page as _zone_list_page
from ._briefing_zone import zone_page as _zone_page

A4_INCHES = (8.27, 11.69)


def write_briefing(analysis: Any, layers: Any, study: Any, path: str | Path, *, pages: tuple[int, int] | None = None
                   ) -> Path:
    """Write the briefing PDF atomically (A4 portrait); returns the path.

    Parameters
    ----------
    analysis : :class:`hotspots.model.Analysis` after the zones stage
        (zones may be None or empty: the briefing then says no hot spots were found)
    layers : :class:`hotspots.pipeline.Layers` (pubs and StreetSafe points are drawn; may be None)
    study : :class:`hotspots.study.Study` or None (its name titles the pages)
    path : the PDF to write; a partial file never replaces it
    pages : write only pages ``start .. stop - 1`` (0-based) of the whole briefing, numbered as in
        the whole: two processes can each write a part (:mod:`hotspots.export.briefing.briefing_parts`)
    """
    from reportlab.pdfgen.canvas import Canvas

    from ._pdf import FONT, PAGE_H, PAGE_W, Sheet, register_fonts

    register_fonts()
    plan, facts = _page_plan(analysis, layers, study)
    start, stop = pages if pages is not None else (0, len(plan))
    from ._pdf_maps import forget_rings

    try:
        with atomic_path(path) as tmp, _no_ascii85():
            c = Canvas(str(tmp), pagesize=(PAGE_W, PAGE_H), pageCompression=1, initialFontName=FONT,
                       initialFontSize=8)
            c.setTitle(f"Patrol briefing: {facts['study']}")
            c.setCreator("hotspots")
            c.setSubject(facts["period"])
            for draw_page in plan[start:stop]:
                draw_page(Sheet(c))
                c.showPage()
            c.save()
    finally:
        forget_rings()  # the maps' shared simplification lives for one briefing (the GUI keeps its process)
    return Path(path)


@contextmanager
def _no_ascii85() -> Iterator[None]:
    """Streams only deflated, not also ASCII-85 encoded (reportlab's default, in pure Python:
    a second for Kent's pages and heat map, and a quarter more bytes). Restored afterwards."""
    from reportlab import rl_config

    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def page_count(analysis: Any, layers: Any = None, study: Any = None) -> int:
    """How many pages :func:`write_briefing` writes for this run."""
    return len(_page_plan(analysis, layers, study)[0])


def _page_plan(analysis: Any, layers: Any, study: Any) -> tuple[list[Callable[[Any], None]], dict]:
    """Every page of the briefing in order, as functions drawing it on a :class:`._pdf.Sheet`, and
    the run's facts.

    Nothing is drawn here: a process writing some of the pages builds only those."""
    t = analysis.table
    zones = analysis.zone_frame
    if zones is not None and len(zones):
        zones = zones.sort_values("rank", kind="mergesort").reset_index(drop=True)
    else:
        zones = None
    outlines = [zone_outline(g) for g in zones.geometry.values] if zones is not None else []
    evidence = analysis.zones.evidence if analysis.zones is not None else {}
    facts = run_facts(analysis, layers, study)
    from ._briefing_spots import (
        CARDS_PER_PAGE,
        near_spots,
        patrol_list_page,
        spot_card_page,
        spot_pages,
    )

    heat = analysis.evidence.heat[:1] if getattr(analysis, "evidence", None) is not None else []
    n_spot = spot_pages(analysis)
    # a trend needs a few months: under three, the over-time page would say nothing
    has_time = getattr(analysis, "time", None) is not None and len(analysis.time.months) >= 3
    n_pages = 1 + n_spot + len(heat) + has_time + (min(len(zones), MAX_ZONE_PAGES) + list_pages(len(zones))
                                                   if zones is not None else 0)
    disp = LazySimplified(t.geometry.values, 2.0)  # 2 m: invisible; only the LSOAs a zone page draws
    near: dict[str, list] = {}  # the crimes near each spot, found once, on the first card page drawn

    def cards(k: int) -> Callable[[Any], None]:
        def draw(fig: Any) -> None:
            if "spots" not in near:
                near["spots"] = near_spots(getattr(layers, "crimes", None), analysis.spots.spots)
            spot_card_page(fig, analysis, layers, facts, k * CARDS_PER_PAGE, 3 + k, n_pages, near=near["spots"])
        return draw

    def heat_page(surface: Any) -> Callable[[Any], None]:
        def draw(fig: Any) -> None:
            from ._briefing_heat import heat_page as draw_heat

            draw_heat(fig, surface, t, pubs=getattr(layers, "pubs", None))
            _footer(fig, 2 + n_spot, n_pages, facts)
        return draw

    def zone(i: int, z: Any) -> Callable[[Any], None]:
        def draw(fig: Any) -> None:
            ev = evidence.get(int(z["zone_id"])) or ZoneEvidence()
            _zone_page(fig, z, outlines[i], t, disp, zones, outlines, layers, ev, facts,
                       i + 2 + n_spot + len(heat) + has_time, n_pages)
        return draw

    def zone_list(start: int, page: int) -> Callable[[Any], None]:
        return lambda fig: _zone_list_page(fig, zones, analysis, facts, start, page, n_pages)

    plan: list[Callable[[Any], None]] = [lambda fig: _overview_page(fig, analysis, t, zones, outlines, facts, n_pages)]
    if n_spot:  # the patrol list and the spot cards come before the zone pages
        plan.append(lambda fig: patrol_list_page(fig, analysis, facts, 2, n_pages))
        plan += [cards(k) for k in range(n_spot - 1)]
    plan += [heat_page(surface) for surface in heat]  # the evidence stage's heat map
    if has_time:  # crime over time, after the overview (and the heat map)
        from ._briefing_time import time_page

        plan.append(lambda fig: time_page(fig, analysis, facts, 2 + n_spot + len(heat), n_pages, _footer))
    if zones is not None:
        plan += [zone(i, z) for i, z in zones.head(MAX_ZONE_PAGES).iterrows()]
        page = 2 + n_spot + len(heat) + has_time + min(len(zones), MAX_ZONE_PAGES)
        for start in range(MAX_ZONE_PAGES, len(zones), LIST_ROWS):
            plan.append(zone_list(start, page))
            page += 1
    assert len(plan) == n_pages, (len(plan), n_pages)
    return plan, facts
