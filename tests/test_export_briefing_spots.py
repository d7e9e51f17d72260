"""The briefing's patrol list and spot cards: pages counted, the list readable as text."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest
from _demo import analysed_demo

from hotspots.export.briefing._briefing_spots import CARDS_PER_PAGE, spot_pages
from hotspots.export.briefing.briefing import write_briefing


@pytest.fixture(scope="module")
def demo():
    return analysed_demo(permutations=99, spots=6)


def _pages(path):
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


@pytest.mark.skipif(shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None, reason="poppler-utils")
def test_patrol_list_and_cards(demo, tmp_path):
    a, layers, study = demo
    evil = replace(a.spots.spots[0], name="$5 Alley 50% Off, Demoton")
    a = replace(a, spots=replace(a.spots, spots=[evil, *a.spots.spots[1:]]))
    pdf = write_briefing(a, layers, study, tmp_path / "briefing.pdf")
    n_spot = spot_pages(a)
    assert n_spot == 1 + -(-6 // CARDS_PER_PAGE) == 3
    heat = len(a.evidence.heat[:1]) if getattr(a, "evidence", None) is not None else 0
    has_time = int(getattr(a, "time", None) is not None and len(a.time.months) >= 3)  # the over-time page
    assert _pages(pdf) == 1 + heat + has_time + n_spot + len(a.zones.frame)
    first = 2  # the patrol list follows the overview
    text = subprocess.run(["pdftotext", "-f", str(first), "-l", str(first + 1), str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "Patrol list" in text and "$5 Alley 50% Off" in text
    assert "15 minutes" in text and "time of day" in text
    for s in a.spots.spots[:4]:
        assert f"{s.rank}. {s.name}"[:40] in text


def test_no_spots_no_pages(demo):
    a, _, _ = demo
    assert spot_pages(replace(a, spots=None)) == 0
    assert spot_pages(replace(a, spots=replace(a.spots, spots=[]))) == 0
