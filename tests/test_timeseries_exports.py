"""Time in the exports: the workbook's trend sheets and chart, the briefing page, the map layer."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import openpyxl
import pytest
from _lattice import planted_study

from hotspots.export._time_style import EMERGING_COLOURS, EMERGING_LAYER
from hotspots.study import Settings, Study
from hotspots.timeseries import CATEGORIES


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from hotspots.pipeline import analyse, load_layers

    b, c, *_ = planted_study(tmp_path_factory.mktemp("grid"), 5, rows=20, cols=20)
    study = Study(boundaries=str(b), crimes=[str(c)], name="Planted grid")
    layers = load_layers(study)
    full = analyse(layers, Settings(permutations=99))
    short = analyse(layers, Settings(permutations=99, month_from="2021-04", month_to="2021-09"))
    return study, layers, full, short


def test_workbook_has_the_time_sheets_and_a_chart(run, tmp_path):
    from hotspots.export.workbook.tables import write_xlsx

    study, layers, a, _ = run
    path = write_xlsx(a, layers, study, tmp_path / "hotspots.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-3:] == ["District trends", "Emerging hot spots", "Top 10 by period"]
    ws = wb["District trends"]
    assert "Outlook, not a trend line" in ws["A2"].value and "backtests" in ws["A2"].value
    assert len(ws._charts) == 1
    header = [c.value for c in ws[4]]
    assert header[:5] == ["district", "lsoas", "crimes", "mean_per_month", "trend"]
    months = a.time.trends.outlook().months
    assert len(months) == 3 and header[-3:] == [f"outlook {months[-1]}", f"outlook {months[-1]} low",
                                                 f"outlook {months[-1]} high"]
    row = [c.value for c in ws[5]]
    assert row[-2] <= row[-3] <= row[-1]  # low <= expected <= high
    assert ws["A5"].value == "Grid" and ws["C5"].value == a.table["crimes"].sum()
    em = wb["Emerging hot spots"]
    rows = {r[0].value: r[1].value for r in em.iter_rows(min_row=5, max_row=4 + 17)}
    assert list(rows) == list(CATEGORIES)
    assert rows == a.time.emerging.counts()
    lsoas = [c.value for c in wb["LSOAs"][1]]
    assert "emerging" in lsoas and "crime_trend" in lsoas
    top = wb["Top 10 by period"]
    assert [c.value for c in top[3]][:3] == ["period", "previous", "stayed"]


def test_workbook_says_why_emerging_did_not_run(run, tmp_path):
    from hotspots.export.workbook.tables import write_xlsx

    study, layers, _, short = run
    wb = openpyxl.load_workbook(write_xlsx(short, layers, study, tmp_path / "short.xlsx"))
    assert "Not run" in wb["Emerging hot spots"]["A3"].value and "6 months" in wb["Emerging hot spots"]["A3"].value


def _pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


def test_briefing_has_an_over_time_page(run, tmp_path):
    from hotspots.export.briefing.briefing import MAX_ZONE_PAGES, write_briefing

    study, layers, a, _ = run
    out = write_briefing(a, layers, study, tmp_path / "briefing.pdf")
    zones = 0 if a.zone_frame is None else min(len(a.zone_frame), MAX_ZONE_PAGES)
    from hotspots.export.briefing._briefing_spots import spot_pages

    heat = len(a.evidence.heat[:1]) if a.evidence is not None else 0
    heat += spot_pages(a)  # pages before the over-time page
    assert _pages(out) == 2 + heat + zones
    exe = shutil.which("pdftotext")
    if exe:
        page = str(2 + heat)
        text = " ".join(subprocess.run([exe, "-f", page, "-l", page, str(out), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "Crime over time" in text and "Outlook, not a trend line" in text
        assert "Persistent Hot Spot" in text and "Top 10 LSOAs by quarter" in text


def test_map_has_the_emerging_layer_and_legend(run):
    from hotspots.export.map.html_map import map_html

    study, layers, a, short = run
    html = map_html(a, layers, study)
    assert EMERGING_LAYER in html
    counts = a.time.emerging.counts()
    for cat in CATEGORIES[:-1]:
        assert (f"{cat} ({counts[cat]})" in html) == bool(counts[cat])
    assert EMERGING_COLOURS["Persistent Hot Spot"] in html
    assert EMERGING_LAYER not in map_html(short, layers, study)  # under 10 months: no layer


def test_every_category_has_a_colour_and_hot_is_red_cold_is_blue():
    for cat in CATEGORIES:
        r, g, b = (int(EMERGING_COLOURS[cat][k:k + 2], 16) for k in (1, 3, 5))
        if "Hot" in cat:
            assert r > b
        elif "Cold" in cat:
            assert b > r
    assert np.unique(list(EMERGING_COLOURS.values())).size == 17


def test_no_over_time_page_for_two_months(run, tmp_path):
    from hotspots.export.briefing.briefing import MAX_ZONE_PAGES, write_briefing
    from hotspots.pipeline import analyse

    study, layers, *_ = run
    a = analyse(layers, Settings(permutations=99, month_from="2021-11", month_to="2021-12"))
    out = write_briefing(a, layers, study, tmp_path / "briefing.pdf")
    zones = 0 if a.zone_frame is None else min(len(a.zone_frame), MAX_ZONE_PAGES)
    from hotspots.export.briefing._briefing_spots import spot_pages

    heat = len(a.evidence.heat[:1]) if a.evidence is not None else 0
    assert _pages(out) == 1 + heat + spot_pages(a) + zones
