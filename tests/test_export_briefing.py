"""briefing.pdf: one overview page plus one page per zone (capped), written atomically.

Uses the lattice (analysis, layers) of ``test_export_map`` so the briefing is tested without
the statistics or the zoning code. Page counts are read with pypdf when installed, else
by counting ``/Type /Page`` objects (reportlab writes page dictionaries uncompressed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_export_map import MATH_STREET, make_analysis

STUDY = SimpleNamespace(name="Lattice $study$ <b>test</b>")


def _pages(path: Path) -> int:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    try:
        import pypdf
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    return len(pypdf.PdfReader(str(path)).pages)


def _text(path: Path) -> str | None:
    """The PDF's text via poppler's pdftotext, or None when it is not installed."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    return subprocess.run([exe, "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def test_overview_plus_one_page_per_zone(tmp_path: Path) -> None:
    from hotspots.export.briefing.briefing import write_briefing

    analysis, layers = make_analysis()
    out = write_briefing(analysis, layers, STUDY, tmp_path / "briefing.pdf")
    assert out == tmp_path / "briefing.pdf"
    assert _pages(out) == 1 + len(analysis.zone_frame)
    assert [p.name for p in tmp_path.iterdir()] == ["briefing.pdf"]  # no temporary file left behind
    text = _text(out)
    if text is not None:
        flat = " ".join(text.split())
        assert "Patrol zone 1 of 2" in flat and "Patrol zone 2 of 2" in flat
        assert "2024-01 to 2024-12" in flat
        assert "Lattice $study$ <b>test</b>" in flat  # plain text, no mathtext, no HTML
        assert MATH_STREET.split()[0] in flat  # "$5" survived with mathtext off
        assert "<script>alert(1)</script>" in flat  # a pub name is just text in a PDF
        assert "High Street (40)" in flat and "Badly lit (2)" in flat
        assert "Violence and sexual offences" in flat


@pytest.mark.parametrize("zones", ["none", "empty"])
def test_no_zones_gives_one_page_saying_so(tmp_path: Path, zones: str) -> None:
    from hotspots.export.briefing.briefing import write_briefing

    analysis, layers = make_analysis({} if zones == "none" else None, fear=False, evidence=False)
    if zones == "empty":
        from dataclasses import replace

        analysis.zone_frame = analysis.zone_frame.iloc[0:0]
        analysis.zones = replace(analysis.zones, frame=analysis.zone_frame)
    out = write_briefing(analysis, None, None, tmp_path / "b.pdf")
    assert _pages(out) == 1
    text = _text(out)
    if text is not None:
        assert "No significant hot spots were found" in text and "alpha = 0.05" in " ".join(text.split())


def test_zone_pages_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotspots.export.briefing import briefing

    cells = {i + 1: [(r, c)] for i, (r, c) in enumerate((r, c) for r in range(5) for c in range(5))}
    analysis, layers = make_analysis(cells, evidence=False)
    assert len(analysis.zone_frame) == 25 > briefing.MAX_ZONE_PAGES
    drawn: list[int] = []
    real = briefing._zone_page

    def fast_page(fig, z, *args, **kwargs):  # draw only the first zone page fully; count the rest
        drawn.append(int(z["rank"]))
        if len(drawn) == 1:
            real(fig, z, *args, **kwargs)

    monkeypatch.setattr(briefing, "_zone_page", fast_page)
    out = briefing.write_briefing(analysis, layers, STUDY, tmp_path / "b.pdf")
    assert drawn == list(range(1, briefing.MAX_ZONE_PAGES + 1))
    assert _pages(out) == 1 + briefing.MAX_ZONE_PAGES + 1  # the other 5 zones on one list page
    text = _text(out)
    if text is not None:
        flat = " ".join(text.split())
        assert f"Showing the top {briefing.MAX_ZONE_PAGES} of 25 zones" in flat
        assert f"Patrol zones {briefing.MAX_ZONE_PAGES + 1}-25 of 25" in flat


def test_failure_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotspots.export.briefing import briefing

    analysis, layers = make_analysis()
    target = tmp_path / "briefing.pdf"
    target.write_bytes(b"previous briefing")
    calls = []

    def boom(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(briefing, "_zone_page", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        briefing.write_briefing(analysis, layers, STUDY, target)
    assert calls == [1]  # it failed after the overview page was already in the temporary PDF
    assert target.read_bytes() == b"previous briefing"
    assert [p.name for p in tmp_path.iterdir()] == ["briefing.pdf"]


def test_briefing_does_not_touch_pyplot(tmp_path: Path) -> None:
    """Figures are built without pyplot, so a GUI worker thread can write a briefing."""
    import sys

    from hotspots.export.briefing.briefing import write_briefing

    had_pyplot = "matplotlib.pyplot" in sys.modules
    analysis, layers = make_analysis({1: [(0, 0)]})
    write_briefing(analysis, layers, STUDY, tmp_path / "b.pdf")
    assert had_pyplot or "matplotlib.pyplot" not in sys.modules


def test_non_latin_text_and_markup_print_as_written(tmp_path: Path) -> None:
    """The briefing embeds DejaVu Sans (not the core Helvetica, Latin-1 only) and draws names as
    plain strings, never as reportlab markup: "≥", "–", "²", accents, "<b>" and "&" all print."""
    from hotspots.export.briefing.briefing import write_briefing

    analysis, layers = make_analysis()
    name = "Ærø Café ≥ 5 – 2² <i>&amp; Co</i> & Sons"
    out = write_briefing(analysis, layers, SimpleNamespace(name=name), tmp_path / "b.pdf")
    data = out.read_bytes()
    assert b"DejaVu" in data and b"/Helvetica" not in data  # the TrueType font is embedded, no core font
    import pypdf

    reader = pypdf.PdfReader(str(out))
    assert reader.metadata.title == f"Patrol briefing: {name}"
    text = " ".join(reader.pages[0].extract_text().split())
    assert name in text
    zone_page = " ".join(reader.pages[1].extract_text().split())
    assert "<b>Bold Road</b> (2)" in zone_page and "km²" in zone_page
    assert "The Crown & Anchor" in zone_page


def test_a_national_layer_is_one_picture_that_keeps_every_polygon(tmp_path: Path) -> None:
    """Over RASTER_FROM polygons a map layer is painted into one image (a national study's LSOAs
    would be megabytes of paths): each polygon keeps its colour, an enclave inside another's hole
    included, and the page carries no path per polygon."""
    import numpy as np
    import pypdf
    import shapely
    from reportlab.pdfgen.canvas import Canvas

    from hotspots.export.briefing._pdf import PAGE_H, PAGE_W, Sheet, register_fonts
    from hotspots.export.briefing._pdf_maps import RASTER_FROM, MapFrame

    k = int(np.ceil(np.sqrt(RASTER_FROM + 1)))
    x, y = np.meshgrid(np.arange(k) * 100.0, np.arange(k) * 100.0)
    cells = shapely.box(x.ravel(), y.ravel(), x.ravel() + 100, y.ravel() + 100)
    side = k * 100.0
    ring = shapely.box(side, 0, side + 3000, 3000).difference(shapely.box(side + 1000, 1000, side + 2000, 2000))
    enclave = shapely.box(side + 1000, 1000, side + 2000, 2000)
    geoms = np.r_[cells, [ring, enclave]]
    faces = ["#0000ff"] * len(cells) + ["#00ff00", "#ff0000"]
    faces[3 * k + 5], faces[3 * k + 7] = None, (1.0, 1.0, 0.0)  # one cell unpainted, one a colour tuple
    register_fonts()
    c = Canvas(str(tmp_path / "m.pdf"), pagesize=(PAGE_W, PAGE_H))
    m = MapFrame(Sheet(c), [0.1, 0.1, 0.8, 0.8], (0, 0, side + 3000, side))
    m.begin()
    m.polygons(geoms, faces, edge="#888888", lw=0.2)
    m.end()
    c.showPage()
    c.save()
    page = pypdf.PdfReader(str(tmp_path / "m.pdf")).pages[0]
    assert len(page.get_contents().get_data()) < 2000  # an image and a frame, no polygon paths
    (img,) = page.images
    pic = np.asarray(img.image.convert("RGB"), dtype=int)
    h, w = pic.shape[:2]

    def at(mx: float, my: float) -> tuple[int, ...]:
        px = (mx - m.x0) / (m.x1 - m.x0) * w
        py = (m.y1 - my) / (m.y1 - m.y0) * h
        return tuple(pic[int(py), int(px)])

    assert at(side + 1500, 1500) == (255, 0, 0)  # the enclave, painted after the ring around it
    assert at(side + 500, 500) == (0, 255, 0)
    assert at(150, 150)[2] > 200 and at(150, 150)[0] < 80  # a cell: blue, its outline only blended in
    assert at(150, 150) == at(950, 950)  # the same face, the same paint
    assert min(at(550, 350)) > 240  # cell 3k + 5 (x 500-600, y 300-400): no face, left white
    yellow = at(750, 350)  # cell 3k + 7: the tuple's yellow
    assert yellow[0] > 200 and yellow[1] > 200 and yellow[2] < 80




def test_a_title_scaled_to_fill_the_width_is_kept_whole() -> None:
    """Page titles are scaled to fill the line exactly, then fitted to it: the width measured at
    the new size can come out a rounding error over the line, and the title lost its last
    letters. Which titles did depended on whether reportlab's C widths (rl_accel) were
    installed (Kent: three zone pages read "High Stre\u2026" with them, "High Street" without)."""
    from reportlab.pdfbase import pdfmetrics

    from hotspots.export.briefing._pdf import BOLD, PAGE_W, _fit, register_fonts

    register_fonts()
    towns = (("Margate", "Northdown", "High"), ("Ashford", "Wellesley", "Park"), ("Maidstone", "Tonbridge", "Week"),
             ("Dover", "Folkestone", "Biggin"), ("Gravesend", "Milton", "Queen"))
    for k in range(1, 41):
        for town, a, b in towns:
            title = f"Patrol zone {k} of 40: {town}: {a} Road, {b} Street"
            for size in (16.0, 17.0, 20.0):  # as _briefing_pages.heading scales it
                size = max(11.0, size * min(1.0, 0.88 / (pdfmetrics.stringWidth(title, BOLD, size) / PAGE_W)))
                assert _fit(title, BOLD, size, 0.88 * PAGE_W) == title, (title, size)
    assert _fit("Patrol zone 4 of 40: Margate", BOLD, 16.0, 100.0).endswith("\u2026")
