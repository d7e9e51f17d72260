"""Export work started during the analysis: the map's shape-only pieces on a thread, and the
spawned export child warmed before the exports; the files are the ones written without them."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from _demo import analysed_demo

from hotspots.export import bundle, parallel, spawned
from hotspots.export.map import _prepared
from hotspots.export.map._map_geometry import _to_display
from hotspots.plans.place_labels import town_labels
from hotspots.runtime import early as early_answers
from hotspots.study import Study


@pytest.fixture(scope="module")
def demo():
    return analysed_demo(permutations=99, seed=3)[:2]


def test_prepared_shapes_are_the_ones_worked_out_on_the_spot(demo):
    a, layers = demo
    geoms, crs = layers.boundaries.geometry.values, layers.boundaries.crs
    _prepared.prepare_shapes(geoms, crs)
    assert early_answers.pending() == {"lsoa_display", "towns"}
    early = _prepared.prepared("lsoa_display", a.table.geometry.values, a.table.crs)  # the table shares the shapes
    towns = _prepared.prepared("towns", a.table.geometry.values, a.table.crs)
    assert not early_answers.pending()  # each answer is used once, then let go
    direct = _to_display(np.asarray(geoms, dtype=object), crs)
    assert len(early) == len(direct) and shapely.equals_exact(early, direct, 0).all()
    assert towns == town_labels(geoms) and len(towns) > 0


def test_other_shapes_are_not_given_an_answer_started_for_different_ones(demo, monkeypatch):
    _a, layers = demo
    geoms, crs = layers.boundaries.geometry.values, layers.boundaries.crs
    _prepared.prepare_shapes(geoms[:-1], crs)  # started for fewer shapes
    calls = []
    monkeypatch.setitem(_prepared.WORK, "lsoa_display", lambda g, c: calls.append(len(g)) or "fresh")
    assert _prepared.prepared("lsoa_display", geoms, crs) == "fresh" and calls == [len(geoms)]
    _prepared.prepare_shapes(geoms, crs)
    copies = np.array([shapely.from_wkb(shapely.to_wkb(g)) for g in geoms], dtype=object)  # equal, not the same
    assert _prepared.prepared("lsoa_display", copies, crs) == "fresh"
    early_answers.forget()


def test_the_map_is_the_same_with_its_shapes_prepared_early(demo, tmp_path):
    import re

    a, layers = demo

    def page(folder: Path) -> str:
        bundle.write_job("patrol_map.html", a, layers, Study(), folder)
        text = (folder / "patrol_map.html").read_text(encoding="utf-8")
        ids: dict[str, str] = {}
        return re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(0), f"id{len(ids)}"), text)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = page(tmp_path / "a")
    bundle.prepare_early(layers, workers=2).shutdown(wait=False)
    assert early_answers.pending()
    assert page(tmp_path / "b") == plain and not early_answers.pending()



def test_the_map_is_the_same_with_its_street_names_and_heat_pictures_drawn_early(demo, tmp_path, monkeypatch):
    """A study that spawns its export child has the map's heat pictures drawn after the early
    heat surfaces and its street names after the zones, on the early thread; the map takes
    them (it draws neither itself) and is the same page."""
    import re

    from hotspots.export.map import heat as map_heat
    from hotspots.plans import place_labels

    a, layers = demo
    assert len(a.evidence.heat) and len(_map_places_near(a))

    def page(folder: Path, analysis) -> str:
        folder.mkdir()
        bundle.write_job("patrol_map.html", analysis, layers, Study(), folder)
        text = (folder / "patrol_map.html").read_text(encoding="utf-8")
        ids: dict[str, str] = {}
        return re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(0), f"id{len(ids)}"), text)

    plain = page(tmp_path / "plain", replace_evidence(a))
    early_answers.forget()
    pool = bundle.prepare_early(layers, workers=2)
    bundle.prepare_heat_early(layers, a.settings, pool, overlays=True)
    bundle.prepare_labels_early(layers, a, pool)
    pool.shutdown(wait=True)
    assert early_answers.pending() == {"lsoa_display", "towns", "heat", "heat_overlays", "street_labels"}
    drawn: list[str] = []
    real_png, real_streets = map_heat.heat_overlay_png, place_labels.street_labels
    monkeypatch.setattr(map_heat, "heat_overlay_png", lambda *k, **kw: drawn.append("png") or real_png(*k, **kw))
    monkeypatch.setattr(place_labels, "street_labels", lambda *k, **kw: drawn.append("streets") or real_streets(*k, **kw))
    assert page(tmp_path / "early", replace_evidence(a)) == plain
    assert drawn == [] and not early_answers.pending()  # every early answer taken, none drawn again


def test_early_street_names_and_pictures_are_not_given_for_other_inputs(demo):
    from hotspots.export.map import heat as map_heat

    a, layers = demo
    early_answers.forget()
    pool = bundle.prepare_early(layers, workers=2)
    bundle.prepare_heat_early(layers, a.settings, pool, overlays=True)
    bundle.prepare_labels_early(layers, a, pool)
    pool.shutdown(wait=True)
    near = _map_places_near(a)
    assert _prepared.prepared_streets(layers.crimes.copy(), near, []) is not None  # other crimes: worked out
    assert "street_labels" not in early_answers.pending()
    surfaces = list(a.evidence.heat)
    assert map_heat.overlays_for([object()]) == {}  # other surfaces: nothing
    assert not map_heat.overlays_for(surfaces)  # (taken once, above)
    early_answers.forget()


def _map_places_near(analysis):
    from hotspots.export.map._map_places import near_shapes

    return near_shapes(analysis)

def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc"), reason="reads /proc to find the child")
def test_a_warm_child_is_given_the_job_or_stopped(demo, tmp_path, monkeypatch):
    a, layers = demo
    small = ("patrol_zones.geojson", "briefing.pdf")
    monkeypatch.setattr(bundle, "EXPORT_FILES", {k: v for k, v in bundle.EXPORT_FILES.items() if k in small})
    # spawn: the warm child writes the briefing, and no new child is started
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "spawn")
    (tmp_path / "s").mkdir()
    warm = spawned.warm_spawned(["briefing.pdf"], tmp_path / "s")
    started = []
    monkeypatch.setattr(bundle, "warm_spawned", lambda *args: started.append(args))
    paths = bundle.write_all(a, layers, Study(), tmp_path / "s", workers=2, warm=warm)
    assert [p.name for p in paths] == list(small) and not started
    # fork after all (the run came out small): the warm child is stopped, the files still written
    monkeypatch.setattr(parallel, "child_mode", lambda workers: None)
    (tmp_path / "f").mkdir()
    warm = spawned.warm_spawned(["briefing.pdf"], tmp_path / "f")
    pids = [p.pid for p in warm._hotspots_procs]
    assert pids and all(_alive(p) for p in pids)
    paths = bundle.write_all(a, layers, Study(), tmp_path / "f", workers=2, warm=warm)
    assert [p.name for p in paths] == list(small)
    end = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


def test_early_heat_is_the_analysis_heat_and_only_for_the_same_inputs(demo):
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from hotspots.evidence import early_heat
    from hotspots.evidence.stage import heat_surfaces

    a, layers = demo
    table, crimes, pubs, settings = a.evidence._heat_inputs
    direct = heat_surfaces(table, crimes, pubs, settings)
    with ThreadPoolExecutor(1) as pool:
        early_heat.start_heat(layers.boundaries, layers.crimes, layers.pubs, settings, pool, heat_surfaces)
        early = early_heat.take_heat(table, crimes, pubs, settings)
    assert early is not None and len(early) == len(direct) >= 2
    for e, d in zip(early, direct, strict=True):
        assert (e.label, e.cell, e.shape, e.points) == (d.label, d.cell, d.shape, d.points)
        assert np.array_equal(e.values, d.values, equal_nan=True)
    assert early_heat.take_heat(table, crimes, pubs, settings) is None  # used once
    with ThreadPoolExecutor(1) as pool:  # another period: not this run's surfaces
        early_heat.start_heat(layers.boundaries, layers.crimes, layers.pubs, settings, pool, heat_surfaces)
        other = replace(settings, month_from=sorted(crimes["month"].unique())[1])
        assert early_heat.take_heat(table, crimes, pubs, other) is None
        early_heat.start_heat(layers.boundaries, layers.crimes.copy(), layers.pubs, settings, pool, heat_surfaces)
        assert early_heat.take_heat(table, crimes, pubs, settings) is None  # other crimes


def test_a_fork_while_the_early_heat_is_still_running_neither_hangs_nor_changes_the_file(demo, tmp_path,
                                                                                         monkeypatch):
    """The forked child gets the parent's futures but not its threads: the parent waits for its
    early work before it forks (a child waiting on the parent's future waited for ever)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from hotspots.evidence import early_heat, stage

    a, layers = demo
    direct = tmp_path / "direct"
    direct.mkdir()
    bundle.write_job("heat.tif", a, layers, Study(), direct)
    table, crimes, pubs, settings = a.evidence._heat_inputs
    fresh = replace_evidence(a)  # no surfaces cached yet: the child must ask for them
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "fork")
    monkeypatch.setattr(bundle, "EXPORT_FILES", {k: v for k, v in bundle.EXPORT_FILES.items() if k == "heat.tif"})
    slow = stage.heat_surfaces

    def slow_heat(*args, **kwargs):
        time.sleep(1.5)  # still running when the exports fork
        return slow(*args, **kwargs)

    monkeypatch.setattr(stage, "heat_surfaces", slow_heat)
    pool = ThreadPoolExecutor(1)
    early_heat.start_heat(layers.boundaries, crimes, pubs, settings, pool, stage.heat_surfaces)
    pool.shutdown(wait=False)
    out = tmp_path / "forked"
    out.mkdir()
    done: list = []
    t = threading.Thread(target=lambda: done.append(bundle.write_all(fresh, layers, Study(), out, workers=2)),
                         daemon=True)
    t.start()
    t.join(90)
    assert done and [p.name for p in done[0]] == ["heat.tif"], "the forked child hung on the parent's future"
    import rasterio

    with rasterio.open(direct / "heat.tif") as x, rasterio.open(out / "heat.tif") as y:
        assert np.array_equal(x.read(), y.read(), equal_nan=True)


def test_a_forked_child_inherits_the_heat_and_title_instead_of_working_them_out_again(demo, tmp_path,
                                                                                      monkeypatch):
    """What the parent needs anyway is worked out before the fork: the early heat is taken there
    (an answer started in another process is never taken) and the study's title remembered, so
    the child's briefing and GeoTIFF and the parent's map and summary share one of each."""
    from concurrent.futures import ThreadPoolExecutor

    from hotspots import study_title
    from hotspots.evidence import early_heat, stage

    a, layers = demo
    _table, crimes, pubs, settings = a.evidence._heat_inputs
    fresh = replace_evidence(a)
    study_title._CACHE.clear()

    def counted(module, name: str):
        real = getattr(module, name)
        log = tmp_path / f"{name}.txt"

        def call(*args, **kwargs):
            with open(log, "a", encoding="utf-8") as f:  # (a child's calls are seen through the file)
                f.write(f"{os.getpid()}\n")
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, call)
        return log

    heat_log = counted(stage, "heat_surfaces")
    title_log = counted(study_title, "_places_title")
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "fork")
    monkeypatch.setattr(bundle, "EXPORT_FILES", {k: v for k, v in bundle.EXPORT_FILES.items()
                                                 if k in ("heat.tif", "briefing.pdf")})
    with ThreadPoolExecutor(1) as pool:
        early_heat.start_heat(layers.boundaries, crimes, pubs, settings, pool, stage.heat_surfaces)
    out = tmp_path / "forked"
    out.mkdir()
    written = bundle.write_all(fresh, layers, Study(), out, workers=2)
    assert sorted(p.name for p in written) == ["briefing.pdf", "heat.tif"]
    assert heat_log.read_text(encoding="utf-8").split() == [str(os.getpid())]  # once, on the early thread
    assert title_log.read_text(encoding="utf-8").split() == [str(os.getpid())]  # once, before the fork
    assert not early_answers.pending()
    study_title._CACHE.clear()


def replace_evidence(analysis):
    """The analysis with its evidence's heat not yet computed (a copy: the fixture's stays cached)."""
    from dataclasses import replace

    ev = analysis.evidence
    return replace(analysis, evidence=replace(ev, _cache={}))


def test_no_early_work_under_an_address_space_limit(demo, monkeypatch):
    """Under ``ulimit -v`` the early thread's temporaries could be the allocation that fails, on a
    thread where NumPy cannot say so cleanly: the exports then do the work themselves."""
    import resource

    _a, layers = demo
    early_answers.forget()
    monkeypatch.setattr(resource, "getrlimit", lambda which: (700 << 20, 700 << 20))
    pool = bundle.prepare_early(layers, workers=2)
    bundle.prepare_heat_early(layers, _a.settings, pool)
    assert pool is None and not early_answers.pending()
    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    pool = bundle.prepare_early(layers, workers=2)
    bundle.prepare_heat_early(layers, _a.settings, pool)
    pool.shutdown(wait=False)
    assert early_answers.pending() == {"lsoa_display", "towns", "heat", "heat_overlays"}
    bundle.settle_early()
    early_answers.forget()


def test_the_analysis_says_when_each_stage_is_done(demo):
    """The CLI starts export work beside the analysis from these calls (the child's warm start
    and the map's shapes after the statistics, the heat surfaces after the patrol spots)."""
    from hotspots.pipeline import STAGES, analyse
    from hotspots.study import Settings

    _a, layers = demo
    calls: list[str] = []
    analyse(layers, Settings(permutations=99, seed=3), beside=lambda stage, so_far: calls.append(stage))
    assert calls == ["statistics", *[name for name, *_ in STAGES]]


def test_a_forked_childs_briefing_is_warmed_on_the_early_thread_before_the_fork(tmp_path, monkeypatch):
    """Where the exports fork, the analysis's early thread imports the briefing and reads its
    fonts (after the heat surfaces), and the run waits for it before it forks: the briefing is
    written, whole, even when the warming is still running as the analysis ends."""
    import threading

    from reportlab.pdfbase import pdfmetrics

    from hotspots.export.briefing._pdf import FONT
    from hotspots.pipeline import run_study
    from hotspots.study import demo_study

    study = demo_study()
    if not Path(study.boundaries).exists():
        pytest.skip("demo data not generated")
    study.settings.permutations, study.settings.n_jobs = 99, 2
    seen: list[bool] = []
    real = bundle._warm_briefing

    def spy() -> None:
        seen.append(threading.current_thread() is not threading.main_thread())
        time.sleep(1.0)  # still warming when the analysis ends: the fork must wait for it
        real()

    monkeypatch.setattr(bundle, "_warm_briefing", spy)
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "fork")
    monkeypatch.setattr(parallel, "can_fork", lambda workers: True)
    res = run_study(study, tmp_path / "out")
    assert seen == [True]
    assert "briefing_warm" not in early_answers.pending()  # let go at the end of the run
    assert FONT in pdfmetrics.getRegisteredFontNames()
    assert (tmp_path / "out" / "briefing.pdf").stat().st_size > 10_000
    assert res.summary["timings"].get("export_briefing.pdf", 0) > 0


def test_a_forked_study_queues_its_heat_and_briefing_warm_up_once_the_statistics_are_done(tmp_path, monkeypatch):
    """Where the exports fork, the heat surfaces and the briefing's warm-up are queued on the
    early thread with the map's shapes, after the statistics, not after the patrol spots: they
    are then done by the end of a county's analysis, when the run forks (Kent: the wait before
    the fork 0.2-0.4 s less). A spawning study still waits for its spots (its peak memory)."""
    from hotspots import pipeline
    from hotspots.study import demo_study

    study = demo_study()
    if not Path(study.boundaries).exists():
        pytest.skip("demo data not generated")
    study.settings.permutations, study.settings.n_jobs = 99, 2
    queued: dict[str, list[str]] = {}
    real_analyse = pipeline.analyse

    def analyse(*args, beside=None, **kwargs):
        def spy(stage, so_far):
            beside(stage, so_far)
            queued[stage] = sorted(early_answers.pending())

        return real_analyse(*args, beside=spy if beside is not None else None, **kwargs)

    monkeypatch.setattr(pipeline, "analyse", analyse)
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "fork")
    monkeypatch.setattr(parallel, "can_fork", lambda workers: True)
    pipeline.run_study(study, tmp_path / "out")
    assert {"heat", "briefing_warm", "lsoa_display", "towns"} <= set(queued["statistics"])
    assert (tmp_path / "out" / "heat.tif").exists() and (tmp_path / "out" / "briefing.pdf").exists()


def test_a_failed_briefing_warm_up_is_only_a_head_start_lost(monkeypatch):
    """The warm-up's failure is not the run's: letting it go at the end raises nothing."""
    from concurrent.futures import ThreadPoolExecutor

    def broken() -> None:
        raise OSError("no fonts here")

    monkeypatch.setattr(bundle, "_warm_briefing", broken)
    with ThreadPoolExecutor(1) as pool:
        bundle.prepare_briefing_early(pool)
    assert bundle.BRIEFING_WARM in early_answers.pending()
    early_answers.let_go(bundle.BRIEFING_WARM, wait=True)
    assert bundle.BRIEFING_WARM not in early_answers.pending()


def test_letting_go_with_wait_waits_for_the_work_and_without_does_not_take_it():
    """The run's end lets go of early work no output took: with ``wait`` only once it is done."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    done = threading.Event()
    release = threading.Event()

    def slow() -> None:
        release.wait(5)
        time.sleep(0.05)
        done.set()

    with ThreadPoolExecutor(2) as pool:
        early_answers.start("slow", pool, slow)
        early_answers.start("other", pool, lambda: 1)
        release.set()
        early_answers.let_go("slow", wait=True)
        assert done.is_set()
        assert early_answers.pending() == {"other"}
        early_answers.let_go("other", "never started")
        assert not early_answers.pending()


def test_a_spawning_study_imports_the_map_writer_beside_its_analysis(tmp_path, monkeypatch):
    """Where the briefing goes to a spawned child the parent writes the map last: folium
    (~0.17 s cold) is imported on the early thread while the patrol spots run, not in the
    map's own time (England codes-only, 6 alternated pairs: the map 1.53 -> 1.41 s)."""
    import threading

    from hotspots import pipeline
    from hotspots.runtime import warm_imports
    from hotspots.study import demo_study

    study = demo_study()
    if not Path(study.boundaries).exists():
        pytest.skip("demo data not generated")
    study.settings.permutations, study.settings.n_jobs = 99, 2
    calls: list[tuple[str, tuple[str, ...]]] = []
    real = warm_imports.import_now

    def spy(modules):
        calls.append((threading.current_thread().name, tuple(modules)))
        return real(modules)

    monkeypatch.setattr(warm_imports, "import_now", spy)
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "spawn" if workers > 1 else None)
    pipeline.run_study(study, tmp_path / "out")
    assert any(name.startswith("exports-early") and "folium" in mods for name, mods in calls), calls
    assert (tmp_path / "out" / "patrol_map.html").exists() and (tmp_path / "out" / "briefing.pdf").exists()
    calls.clear()
    monkeypatch.setattr(parallel, "child_mode", lambda workers: "fork" if workers > 1 else None)
    monkeypatch.setattr(parallel, "can_fork", lambda workers: True)
    pipeline.run_study(study, tmp_path / "forked")
    assert not calls  # a forking study's early thread must be done before the fork: nothing more on it
