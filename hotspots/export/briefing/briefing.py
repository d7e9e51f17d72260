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

matplotlib is imported inside :func:`write_briefing` (``import hotspots`` stays light), and
figures are built without pyplot, so a GUI worker thread can write a briefing safely. Text
from input files goes in as plain text with mathtext parsing off, so a street called
"$5 Alley" or a pub called "50% Off" cannot break the page.
"""

from __future__ import annotations

__all__ = ["write_briefing", "page_count", "MAX_ZONE_PAGES", "A4_INCHES"]

import warnings
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
from ._briefing_pages import zone_page as _zone_page

A4_INCHES = (8.27, 11.69)
_RC = {"text.parse_math": False, "text.usetex": False, "font.family": "DejaVu Sans", "font.size": 8,
       "pdf.fonttype": 42, "axes.titlesize": 9, "axes.labelsize": 7.5, "xtick.labelsize": 6.5,
       "ytick.labelsize": 6.5, "axes.spines.top": False, "axes.spines.right": False}


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
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    plan, facts = _page_plan(analysis, layers, study)
    start, stop = pages if pages is not None else (0, len(plan))
    meta = {"Title": f"Patrol briefing: {facts['study']}", "Creator": "hotspots", "Subject": facts["period"]}
    with matplotlib.rc_context(_RC), warnings.catch_warnings(), _lean_font_subsets():
        warnings.filterwarnings("ignore", message=r".*Glyph .* missing from.*")
        with atomic_path(path) as tmp, PdfPages(tmp, metadata=meta) as pdf:
            for draw_page, dpi in plan[start:stop]:
                fig = Figure(figsize=A4_INCHES)
                draw_page(fig)
                pdf.savefig(fig, dpi=dpi)
    return Path(path)


#: OpenType layout tables a PDF never reads: matplotlib has already placed every glyph
_LAYOUT_TABLES = ["GSUB", "GPOS", "GDEF", "JSTF", "kern", "MATH"]


@contextmanager
def _lean_font_subsets() -> Iterator[None]:
    """Embed the fonts without their layout tables while the briefing is written.

    matplotlib subsets DejaVu Sans with fontTools for each PDF it writes, and fontTools parses
    and subsets the glyph substitution and positioning tables on the way (~0.5 s a file here).
    In a PDF the text is already laid out glyph by glyph, so a viewer never reads them: the
    pages and their text (pdftotext) come out the same, the fonts a little smaller."""
    from fontTools import subset

    original = subset.Options

    class _Options(original):  # type: ignore[misc, valid-type]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.drop_tables += [t for t in _LAYOUT_TABLES if t not in self.drop_tables]

    subset.Options = _Options
    try:
        yield
    finally:
        subset.Options = original


def page_count(analysis: Any, layers: Any = None, study: Any = None) -> int:
    """How many pages :func:`write_briefing` writes for this run."""
    return len(_page_plan(analysis, layers, study)[0])


def _page_plan(analysis: Any, layers: Any, study: Any) -> tuple[list[tuple[Callable[[Any], None], Any]], dict]:
    """Every page of the briefing in order, as (draw it on a figure, dpi), and the run's facts.

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
            from ..documents._evidence_figures import draw_heat

            draw_heat(fig, surface, t, title=f"Heat map: {surface.label}", rect=[0.04, 0.25, 0.92, 0.65],
                      pubs=getattr(layers, "pubs", None), footer=0.2)
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

    plan: list[tuple[Callable[[Any], None], Any]] = [
        (lambda fig: _overview_page(fig, analysis, t, zones, outlines, facts, n_pages), 200)]  # a large map's dpi
    if n_spot:  # the patrol list and the spot cards come before the zone pages
        plan.append((lambda fig: patrol_list_page(fig, analysis, facts, 2, n_pages), "figure"))
        plan += [(cards(k), "figure") for k in range(n_spot - 1)]
    plan += [(heat_page(surface), "figure") for surface in heat]  # the evidence stage's heat map
    if has_time:  # crime over time, after the overview (and the heat map)
        from ._briefing_time import time_page

        plan.append((lambda fig: time_page(fig, analysis, facts, 2 + n_spot + len(heat), n_pages, _footer), "figure"))
    if zones is not None:
        plan += [(zone(i, z), "figure") for i, z in zones.head(MAX_ZONE_PAGES).iterrows()]
        page = 2 + n_spot + len(heat) + has_time + min(len(zones), MAX_ZONE_PAGES)
        for start in range(MAX_ZONE_PAGES, len(zones), LIST_ROWS):
            plan.append((zone_list(start, page), "figure"))
            page += 1
    assert len(plan) == n_pages, (len(plan), n_pages)
    return plan, facts
