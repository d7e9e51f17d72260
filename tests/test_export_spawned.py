"""The briefing written by a spawned interpreter from a slimmed run, for studies too large to fork."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from _demo import analysed_demo

from hotspots.export import bundle, parallel, spawned
from hotspots.export.briefing._briefing_spots import near_spot_rows, near_spots
from hotspots.export.briefing.briefing import write_briefing
from hotspots.study import Study


def _text(path: Path) -> str | None:
    """pdftotext's words, without the 'generated' time stamp (it differs by the second)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    out = subprocess.run([exe, "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    return re.sub(r"\d{2} \w+ \d{4} \d{2}:\d{2}", "<date>", " ".join(out.split()))


def _pages(path: Path) -> list[bytes]:
    return re.findall(rb"/Count (\d+)", path.read_bytes())


@pytest.fixture(scope="module")
def rich():
    """The demo study, analysed: patrol spots, zones, heat, time (every page of the briefing)."""
    return analysed_demo(permutations=99, seed=3)[:2]


def test_the_slimmed_run_gives_the_same_briefing(rich, tmp_path):
    a, layers = rich
    assert a.spots is not None and a.spots.spots, "the fixture must have patrol spots for this to mean anything"
    slim, slim_layers = spawned.slim_for_briefing(a, layers)
    assert slim.spots.cells is None and len(slim.spots.cell_test.p) == 0 and slim.units is None
    assert slim.spots.exclusions.total == a.spots.exclusions.total
    assert 0 < len(slim_layers.crimes) < len(layers.crimes)
    full = write_briefing(a, layers, Study(name="Spawn test"), tmp_path / "full.pdf")
    cut = write_briefing(slim, slim_layers, Study(name="Spawn test"), tmp_path / "slim.pdf")
    assert _pages(full) == _pages(cut) and int(_pages(full)[0]) > 1
    text = _text(full)
    if text is not None:
        assert text == _text(cut) and "Spawn test" in text


def test_the_crimes_kept_are_the_spot_cards_own(rich):
    a, layers = rich
    rows = near_spot_rows(layers.crimes, a.spots.spots)
    pts = near_spots(layers.crimes, a.spots.spots)
    x, y = layers.crimes["x"].to_numpy(float), layers.crimes["y"].to_numpy(float)
    for s, r, p in zip(a.spots.spots, rows, pts, strict=True):
        x0, y0, x1, y1 = s.geometry.bounds
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        brute = np.flatnonzero((np.abs(x - cx) < 300) & (np.abs(y - cy) < 300))  # the obvious cut
        assert np.array_equal(np.sort(r), brute) and len(p) == len(brute)


def test_a_spawned_child_writes_the_same_briefing(rich, tmp_path):
    a, layers = rich
    study = Study(name="Spawn test")
    own = write_briefing(a, layers, study, tmp_path / "own.pdf")
    out = tmp_path / "child"
    out.mkdir()
    pool, future = spawned.start_spawned(["briefing.pdf"], a, layers, study, out, bundle.write_job)
    done = parallel.collect(pool, future)
    assert [(name, Path(path).name) for name, path, _ in done] == [("briefing.pdf", "briefing.pdf")]
    child = out / "briefing.pdf"
    assert _pages(child) == _pages(own)
    text = _text(own)
    if text is not None:
        assert _text(child) == text


def test_a_large_process_spawns_and_a_small_one_forks(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_NO_FORK", raising=False)
    monkeypatch.setattr(parallel.multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    monkeypatch.setattr(parallel, "resident_bytes", lambda: parallel.CHILD_LIMIT_BYTES + 1)
    assert parallel.child_mode(2) == "spawn" and parallel.child_mode(1) is None
    monkeypatch.setattr(parallel, "resident_bytes", lambda: 100 << 20)
    assert parallel.child_mode(2) == "fork"
    monkeypatch.setenv("HOTSPOTS_NO_FORK", "1")
    assert parallel.child_mode(2) is None


def test_write_all_with_a_spawned_briefing_writes_every_file(rich, tmp_path, monkeypatch):
    a, layers = rich
    small = ("patrol_zones.geojson", "briefing.pdf")
    monkeypatch.setattr(bundle, "EXPORT_FILES", {k: v for k, v in bundle.EXPORT_FILES.items() if k in small})
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "spawn" if workers > 1 else None)
    timings: dict[str, float] = {}
    paths = bundle.write_all(a, layers, Study(), tmp_path, timings=timings, workers=2)
    assert [p.name for p in paths] == list(small)
    assert "spawn_briefing" in timings and "alongside_wait" in timings and timings["briefing.pdf"] > 0
    assert int(_pages(tmp_path / "briefing.pdf")[0]) > 1


def test_the_plan_without_cells_writes_the_same_summary_and_spot_files(rich, tmp_path):
    from hotspots.export.spots import write_spots_geojson
    from hotspots.plans.spots import without_cells
    from hotspots.summary import build_summary

    a, layers = rich
    lean = replace(a, spots=without_cells(a.spots))
    assert lean.spots.cells is None and len(lean.spots.value) == 0
    assert lean.spots.summary() == a.spots.summary()
    study = Study(name="Lean")
    assert build_summary(lean, layers, study, {})["spots"] == build_summary(a, layers, study, {})["spots"]
    one = write_spots_geojson(a, tmp_path / "a.geojson").read_text()
    two = write_spots_geojson(lean, tmp_path / "b.geojson").read_text()
    assert one == two


@pytest.mark.parametrize("mode", ["fork", "spawn"])
def test_a_briefing_in_two_parts_is_the_one_briefing(rich, tmp_path, monkeypatch, mode):
    """Split by a share under 1, the child draws the first pages, the parent the rest; the joined
    file reads as one. (By default the child draws every page: the briefing is fast now.)"""
    from hotspots.export.briefing import briefing_parts
    from hotspots.export.briefing.briefing import page_count

    a, layers = rich
    study = Study(name="Parts test")
    n = page_count(a, layers, study)
    assert n > 3
    assert briefing_parts.split(n, mode) == n  # the default: one part, written by the child
    monkeypatch.setattr(briefing_parts, "CHILD_SHARE", {"fork": 0.65, "spawn": 0.75})
    k = briefing_parts.split(n, mode)
    assert 0 < k < n, "the demo briefing must be split for this test to mean anything"
    one = write_briefing(a, layers, study, tmp_path / "one.pdf")
    small = ("patrol_zones.geojson", "briefing.pdf")
    monkeypatch.setattr(bundle, "EXPORT_FILES", {k_: v for k_, v in bundle.EXPORT_FILES.items() if k_ in small})
    monkeypatch.setattr(parallel, "child_mode", lambda workers: mode if workers > 1 else None)
    if mode == "fork":
        monkeypatch.setattr(parallel, "can_fork", lambda workers: workers > 1)
    timings: dict[str, float] = {}
    out = tmp_path / "parts"
    paths = bundle.write_all(a, layers, study, out, timings=timings, workers=2)
    assert [p.name for p in paths] == list(small)
    assert sorted(p.name for p in out.iterdir()) == sorted(small)  # the parts are gone
    assert "briefing_join" in timings and timings["briefing.pdf"] > 0
    joined = out / "briefing.pdf"
    assert int(_pages(joined)[-1]) == n == int(_pages(one)[0])
    text = _text(one)
    if text is not None:
        assert _text(joined) == text


def test_briefing_fonts_are_embedded_without_layout_tables(rich, tmp_path):
    """The embedded DejaVu subsets (reportlab's) carry their glyphs and no GSUB/GPOS (a PDF never
    reads them), and the text still extracts."""
    a, layers = rich
    path = write_briefing(a, layers, Study(name="Fonts"), tmp_path / "b.pdf", pages=(0, 2))
    from io import BytesIO

    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    fonts = []
    for num in range(1, len(reader.xref_objStm) + 2000):
        try:
            obj = reader.get_object(num)
        except Exception:  # noqa: BLE001 - past the last object
            continue
        if hasattr(obj, "get_data") and "/Length1" in obj:  # an embedded TrueType file
            fonts.append(TTFont(BytesIO(obj.get_data())))
    assert fonts and all("glyf" in f for f in fonts)
    assert not any(t in f for f in fonts for t in ("GPOS", "GSUB", "GDEF"))
    text = _text(path)
    if text is not None:
        assert "Fonts" in text and "Patrol" in text


def _cells(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's cell values, less the 'Created' row (the clock)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    return {ws.title: [r for r in ws.iter_rows(values_only=True) if not (r and r[0] == "Created")]
            for ws in wb.worksheets}


def test_a_spawned_child_writes_the_same_workbook_geopackage_csv_and_geotiff(rich, tmp_path):
    """The workbook's evidence pack reads every crime and its title the boundaries, which the child
    does not get: the parent hands both over, so every cell is the parent's; the GeoPackage's
    layers and the GeoTIFF come from the slimmed run unchanged."""
    import pyogrio

    a, layers = rich
    assert a.evidence is not None and a.evidence.rates is not None, "the fixture needs a population (a pack)"
    study = Study()  # no title of its own: the places the study covers
    # what the child writes today, and what the slimmed run can still write should the split move again
    jobs = ["hotspots.xlsx", "patrol_zones.gpkg", "partner_places.csv", "heat.tif"]
    assert set(spawned.SPAWNED) - {"briefing.pdf"} <= set(jobs)
    own = tmp_path / "own"
    own.mkdir()
    for job in jobs:
        bundle.write_job(job, a, layers, study, own)
    out = tmp_path / "child"
    out.mkdir()
    pool, future = spawned.start_spawned(jobs, a, layers, study, out, bundle.write_job)
    done = parallel.collect(pool, future)
    assert [name for name, _, _ in done] == jobs
    mine, theirs = _cells(own / "hotspots.xlsx"), _cells(out / "hotspots.xlsx")
    assert "Evidence" in mine and mine == theirs
    assert (own / "heat.tif").read_bytes() == (out / "heat.tif").read_bytes()
    assert (own / "partner_places.csv").read_bytes() == (out / "partner_places.csv").read_bytes()
    assert len(a.evidence.heat) > 1, "the GeoTIFF holds every surface, the briefing shows one"
    names = [n for n, _ in pyogrio.list_layers(own / "patrol_zones.gpkg")]
    assert "patrol_spots" in names and names == [n for n, _ in pyogrio.list_layers(out / "patrol_zones.gpkg")]
    for layer in names:
        x = pyogrio.read_dataframe(own / "patrol_zones.gpkg", layer=layer)
        y = pyogrio.read_dataframe(out / "patrol_zones.gpkg", layer=layer)
        assert x.drop(columns="geometry").equals(y.drop(columns="geometry")), layer
        assert x.geometry.to_wkb().tolist() == y.geometry.to_wkb().tolist(), layer


def test_the_handover_is_what_the_slimmed_run_cannot_work_out(rich):
    from hotspots.export.workbook.evidence_sheets import evidence_frames, pack_for
    from hotspots.study_title import places_title

    a, layers = rich
    slim, slim_layers = spawned.slim_for_briefing(a, layers)
    jobs = ["briefing.pdf", "hotspots.xlsx", "heat.tif"]  # (the workbook was the child's until 2026-12-07)
    given = spawned.handover(jobs, a, layers, Study())
    assert given["places"] == places_title(a.table, layers)
    assert spawned.handover(jobs, a, layers, Study(name="Named")).keys() == {"pack"}
    assert "pack" not in spawned.handover(["briefing.pdf", "patrol_zones.gpkg"], a, layers, Study())
    whole = evidence_frames(a, layers, Study(), given["pack"])["Evidence"]
    try:  # the slimmed crimes (points and months near the spots) cannot make the pack
        cut = evidence_frames(slim, slim_layers, Study(), pack_for(slim, slim_layers, Study()))["Evidence"]
    except KeyError:
        cut = None
    assert len(whole) and (cut is None or not whole.equals(cut))


def test_the_child_titles_its_files_with_the_places_the_parent_found(rich):
    """The places a study covers come from its boundaries, deprivation file and lookup, which the
    child does not get: it takes the parent's words for its slimmed table."""
    from hotspots.study_title import study_title

    a, layers = rich
    slim, slim_layers = spawned.slim_for_briefing(a, layers)
    spawned._take_over({"places": "Somewhere In Particular"}, slim, slim_layers, Study())
    assert study_title(Study(), slim, slim_layers) == "Somewhere In Particular"
    assert study_title(Study(name="Own title"), slim, slim_layers) == "Own title"
