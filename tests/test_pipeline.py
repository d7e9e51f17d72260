"""The one composer: stale caches, cancel in every stage, re-added files, demo layers kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _study import lattice_study

from hotspots.load import load_layers
from hotspots.pipeline import STAGES, analyse
from hotspots.progress import Cancelled
from hotspots.study import Settings, Study, demo_study

SETTINGS = Settings(permutations=99, seed=7)


def _reversed(b: Path, out: Path) -> Path:
    gj = json.loads(b.read_text())
    gj["features"] = gj["features"][::-1]
    out.write_text(json.dumps(gj))
    return out


def _neighbours_by_code(a) -> dict[str, set[str]]:
    codes = a.table["lsoa_code"].to_numpy()
    w = a.weights
    return {codes[i]: {codes[j] for j in w.neighbors[i]} for i in range(len(codes))}


def test_reversed_boundaries_never_reuse_stale_weights(tmp_path):
    b, c = lattice_study(tmp_path, 7)
    study = Study(boundaries=str(b), crimes=[str(c)], settings=SETTINGS)
    layers = load_layers(study)
    first = analyse(layers, SETTINGS)
    rev = Study(boundaries=str(_reversed(b, tmp_path / "rev.geojson")), crimes=[str(c)], settings=SETTINGS)
    again = analyse(load_layers(rev, previous=layers), SETTINGS)  # the GUI's path: reuse what is unchanged
    fresh = analyse(load_layers(rev), SETTINGS)  # a new process would do this
    assert _neighbours_by_code(again) == _neighbours_by_code(fresh) == _neighbours_by_code(first)
    cols = ["lsoa_code", "crimes", "lisa_i", "lisa_p", "lisa_cluster", "gi_z", "gi_p", "gi_bin"]
    assert again.table[cols].equals(fresh.table[cols])
    assert again.units.key != first.units.key


def test_cancel_during_the_fear_gap_pass(tmp_path):
    study = demo_study()
    if not Path(study.boundaries).exists():
        pytest.skip("demo data not generated")
    layers = load_layers(study)
    label = dict((n, lab) for n, lab, *_ in STAGES)["fear_gap"]
    seen: list[str] = []
    stop = {"now": False}

    def progress(msg: str, frac: float) -> None:
        seen.append(msg)
        if msg == label:
            stop["now"] = True

    calls = {"after": 0}

    def cancel() -> bool:
        if stop["now"]:
            calls["after"] += 1
            return calls["after"] > 1  # the stage has started: stop inside it
        return False

    with pytest.raises(Cancelled):
        analyse(layers, Settings(permutations=999), progress=progress, cancel=cancel)
    assert label in seen and calls["after"] >= 2


def test_cancel_during_global_moran():
    from libpysal.weights import lat2W

    from hotspots.stats.global_moran import global_moran

    w = lat2W(20, 20)
    y = np.random.default_rng(0).poisson(5, 400).astype(float)
    polls = {"n": 0}

    def cancel() -> bool:
        polls["n"] += 1
        return polls["n"] > 1

    with pytest.raises(Cancelled):
        global_moran(y, w, permutations=99_999, cancel=cancel)
    assert polls["n"] == 2


def test_re_adding_a_crime_folder_does_not_double_asb(tmp_path):
    from gui.tasks import load_files

    b, c = lattice_study(tmp_path, 6)
    folder = tmp_path / "months"
    folder.mkdir()
    c.rename(folder / "2021-01-test-street.csv")
    study = Study(boundaries=str(b), crimes=[str(folder)])
    layers = load_layers(study)
    asb = int((layers.crimes["crime_type"] == "Anti-social behaviour").sum())
    up = load_files(study, layers, {"crimes": [str(folder)]})
    up2 = load_files(up.study, up.layers, {"crimes": [str(folder) + "/"]})
    for u in (up, up2):
        assert u.study.crimes == [str(folder)]
        assert int((u.layers.crimes["crime_type"] == "Anti-social behaviour").sum()) == asb
        assert len(u.layers.crimes) == len(layers.crimes)


def test_demo_layers_are_not_carried_into_a_new_study(tmp_path):
    from gui.tasks import load_files

    demo = demo_study()
    if not Path(demo.boundaries).exists():
        pytest.skip("demo data not generated")
    demo_layers = load_layers(demo)
    b, c = lattice_study(tmp_path, 6)
    up = load_files(demo, demo_layers, {"boundaries": str(b), "crimes": [str(c)]}, new_study=True)
    assert up.new_study
    assert up.study.crimes == [str(c)] and up.study.boundaries == str(b)
    for kind in ("imd", "pubs", "streetsafe", "population"):
        assert getattr(up.study, kind) is None and getattr(up.layers, kind) is None
        assert kind not in up.layers.reports
    a = analyse(up.layers, SETTINGS)
    assert len(a.table) == 36 and a.table["population"].isna().all()


def test_unchanged_layers_are_not_read_again(tmp_path, monkeypatch):
    import hotspots.load as load

    b, c = lattice_study(tmp_path, 6)
    study = Study(boundaries=str(b), crimes=[str(c)])
    layers = load_layers(study)
    reads: list[str] = []
    real = load._read
    monkeypatch.setattr(load, "_read", lambda kind, *a, **k: (reads.append(kind), real(kind, *a, **k))[1])
    again = load_layers(study, previous=layers)
    assert reads == [] and again.crimes is layers.crimes and again.boundaries is layers.boundaries


def test_rerun_with_another_crime_type_reads_nothing(tmp_path, monkeypatch):
    """The GUI's Run (gui.tasks.run_analysis) with a new crime-type filter: no file is read again.

    Every reader entry point is watched (the loader's dispatch, the crime parse and each
    reader module), and the counts follow the filter, checked against the loaded rows.
    """
    import hotspots.data.boundaries as rb
    import hotspots.data.crimes as rc
    import hotspots.load as load
    from gui import tasks

    b, c = lattice_study(tmp_path, 6)
    study = Study(boundaries=str(b), crimes=[str(c)])
    layers = load_layers(study)
    reads: list[str] = []

    def watch(mod, name):
        real = getattr(mod, name)
        monkeypatch.setattr(mod, name, lambda *a, **k: (reads.append(name), real(*a, **k))[1])

    watch(load, "_read")
    watch(rc, "parse_crime_files")
    watch(rc, "read_crimes")
    watch(rb, "read_boundaries")
    counts = {}
    for types in (None, ["Anti-social behaviour"], ["Violence and sexual offences"]):
        settings = Settings(permutations=99, seed=7, crime_types=types)
        out = tasks.run_analysis(layers, settings, tmp_path / "maps")
        counts[str(types)] = int(out.analysis.table["crimes"].sum())
    assert reads == []
    by_type = layers.crimes["crime_type"].astype(str).value_counts()
    assert counts["None"] == len(layers.crimes)
    assert counts["['Anti-social behaviour']"] == by_type["Anti-social behaviour"]
    assert counts["['Violence and sexual offences']"] == by_type["Violence and sexual offences"]


def test_each_front_end_names_the_setting_in_its_own_words(tmp_path):
    from gui.words import describe
    from hotspots.cli import FLAGS
    from hotspots.data.errors import DataError

    b, c = lattice_study(tmp_path, 6)
    layers = load_layers(Study(boundaries=str(b), crimes=[str(c)]))
    with pytest.raises(DataError) as err:
        analyse(layers, Settings(measure="rate", permutations=99))
    exc = err.value
    assert exc.setting == "population" and "--" not in str(exc) and "population layer" in str(exc)
    assert exc.describe(FLAGS).startswith("--population: ")
    assert describe(exc).startswith("Population layer (File > Open layers): ")
    assert "--" not in describe(exc)
