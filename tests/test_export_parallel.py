"""The briefing and evidence pack written by a forked child beside the other exports."""

from __future__ import annotations

import os
import re
import sys
import time
import types

import pytest
from test_export_gis_tables import _analysis

from hotspots.data.errors import DataError
from hotspots.export import bundle, parallel
from hotspots.progress import Cancelled
from hotspots.study import Study

SMALL = ("patrol_zones.gpkg", "patrol_zones.geojson", "briefing.pdf")


@pytest.fixture()
def rich():
    return _analysis()


@pytest.fixture()
def forking(monkeypatch):
    """pytest-qt may have loaded Qt in this process; the export code paths are what is tested."""
    monkeypatch.setattr(parallel, "can_fork", lambda workers: workers > 1)
    monkeypatch.setattr(bundle, "EXPORT_FILES", {k: v for k, v in bundle.EXPORT_FILES.items() if k in SMALL})


def _fake_briefing(monkeypatch, write) -> None:
    mod = types.ModuleType("hotspots.export.briefing.briefing")
    mod.write_briefing = write
    mod.page_count = lambda *args: 1  # one page: the child writes the whole (fake) briefing
    monkeypatch.setitem(sys.modules, mod.__name__, mod)


def test_the_same_files_either_way_and_the_briefing_from_another_process(rich, tmp_path, forking):
    a, layers = rich
    one, two = {}, {}
    seq = bundle.write_all(a, layers, Study(), tmp_path / "seq", timings=one, workers=1)
    par = bundle.write_all(a, layers, Study(), tmp_path / "par", timings=two, workers=2)
    assert [p.name for p in seq] == [p.name for p in par] == list(SMALL)
    for p, q in zip(seq, par, strict=True):
        assert q.stat().st_size > 0
        if p.suffix == ".pdf":  # same pages (the creation date differs)
            pages = [re.findall(rb"/Count (\d+)", f.read_bytes()) for f in (p, q)]
            assert pages[0] == pages[1] and int(pages[0][0]) > 0
    assert "briefing.pdf" in two and "alongside_wait" in two and "alongside_wait" not in one


def test_child_pid_differs(rich, tmp_path, forking, monkeypatch):
    a, layers = rich

    def write(analysis, layers, study, path):
        path.write_text(str(os.getpid()))
        return path

    _fake_briefing(monkeypatch, write)
    paths = bundle.write_all(a, layers, Study(), tmp_path, workers=2)
    assert int((tmp_path / "briefing.pdf").read_text()) != os.getpid()
    assert [p.name for p in paths] == list(SMALL)


def test_a_data_error_in_the_child_reaches_the_parent_whole(rich, tmp_path, forking, monkeypatch):
    a, layers = rich

    def write(analysis, layers, study, path):
        raise DataError(tmp_path / "x.csv", "the briefing cannot name the zones", hint="fix it", setting="measure")

    _fake_briefing(monkeypatch, write)
    with pytest.raises(DataError) as info:
        bundle.write_all(a, layers, Study(), tmp_path / "o", workers=2)
    assert info.value.message == "the briefing cannot name the zones"
    assert info.value.setting == "measure" and info.value.hint == "fix it"


def test_a_crash_in_the_child_names_the_file(rich, tmp_path, forking, monkeypatch):
    a, layers = rich

    def write(analysis, layers, study, path):
        raise ValueError("boom")

    _fake_briefing(monkeypatch, write)
    with pytest.raises(RuntimeError, match=r"briefing\.pdf.*ValueError: boom"):
        bundle.write_all(a, layers, Study(), tmp_path / "o", workers=2)


def test_cancel_stops_the_child(rich, tmp_path, forking, monkeypatch):
    a, layers = rich

    def write(analysis, layers, study, path):
        time.sleep(60)
        path.write_text("late")
        return path

    _fake_briefing(monkeypatch, write)
    state = {"n": 0}

    def cancel():
        state["n"] += 1
        return state["n"] > 3  # after the parent's own files

    t = time.perf_counter()
    with pytest.raises(Cancelled):
        bundle.write_all(a, layers, Study(), tmp_path / "o", cancel=cancel, workers=2)
    assert time.perf_counter() - t < 20
    assert not (tmp_path / "o" / "briefing.pdf").exists()


def test_can_fork_only_when_safe(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_NO_FORK", raising=False)
    monkeypatch.setattr(parallel, "resident_bytes", lambda: 200 << 20)
    assert parallel.can_fork(2) is ("fork" in __import__("multiprocessing").get_all_start_methods())
    assert not parallel.can_fork(1)
    monkeypatch.setattr(parallel, "resident_bytes", lambda: 3 << 30)  # a national study: RSS would count twice
    assert not parallel.can_fork(2)
    monkeypatch.setenv("HOTSPOTS_NO_FORK", "1")
    assert not parallel.can_fork(2)
    assert parallel.resident_bytes() >= 0
