"""Save a study (layers + settings), reopen it, and remember it in a test-only QSettings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GUI_TIMEOUT_MS

pytestmark = pytest.mark.gui


def _choose_settings(panel):
    panel.preset.setCurrentText("Night-time economy")
    panel.permutations.setValue(199)
    panel.weights_kind.setCurrentIndex(panel.weights_kind.findData("knn"))
    panel.weights_param.setValue(6)
    panel.month_from.setCurrentIndex(2)
    panel.fdr.setChecked(True)
    panel.seed.setValue(7)


def test_save_and_reopen_study(demo_window, qtbot, tmp_path, monkeypatch, gui_settings):
    from PySide6.QtWidgets import QFileDialog

    from hotspots.categories import PRESETS

    w = demo_window
    _choose_settings(w.analysis_panel)
    month_from = w.analysis_panel.month_from.currentText()
    target = tmp_path / "studies" / "town centre"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    saved = w.save_study()  # the demo is never overwritten: asks for a name
    assert saved == target.with_suffix(".hotspots") and saved.exists()
    d = json.loads(saved.read_text(encoding="utf-8"))
    assert d["format"] == "hotspots-study"
    assert d["settings"]["permutations"] == 199 and d["settings"]["weights"] == "knn:6"
    assert d["settings"]["fdr"] is True and d["settings"]["month_from"] == month_from
    assert sorted(d["settings"]["crime_types"]) == sorted(PRESETS["Night-time economy"])
    assert not Path(d["boundaries"]).is_absolute()  # paths relative to the study file

    # remembered in the test's own settings file, not the user's
    assert w.recent.files()[0] == str(saved.resolve())
    assert Path(w.recent.last_folder()) == saved.parent
    gui_settings.sync()
    assert "town centre.hotspots" in Path(gui_settings.fileName()).read_text()

    # reopen: back to the demo first, then the saved study
    demo_boundaries = w.state.study.boundaries
    w.analysis_panel.set_settings(type(w.state.study.settings)())
    with qtbot.waitSignals([w.analysisShown, w.runner.ended], timeout=GUI_TIMEOUT_MS):
        assert w.open_study_file(saved) is not None
    s = w.state.study.settings
    assert s.permutations == 199 and s.weights == "knn:6" and s.fdr and s.seed == 7
    assert s.month_from == month_from
    assert Path(w.state.study.boundaries).resolve() == Path(demo_boundaries).resolve()
    assert w.state.path == saved
    assert w.analysis_panel.permutations.value() == 199
    assert w.analysis_panel.preset.currentText() == "Night-time economy"
    assert w.analysis_panel.weights_spec() == "knn:6"
    assert w.state.output.analysis.weights_info.spec == "knn:6"
    assert w.actions_.recent_menu.actions()[0].text() == saved.name
    # the analysis ran with the saved filters
    t = w.state.output.analysis.table
    crimes = w.state.layers.crimes
    keep = crimes["crime_type"].isin(PRESETS["Night-time economy"]) & (crimes["month"].astype(str) >= month_from)
    assert int(t["crimes"].sum()) == int(keep.sum())


def test_broken_study_file_shows_error(demo_window, tmp_path, no_dialogs):
    w = demo_window
    study = w.state.study
    bad = tmp_path / "broken.hotspots"
    bad.write_text("{ not json")
    assert w.open_study_file(bad) is None
    assert no_dialogs and "broken.hotspots" in no_dialogs[-1][2]
    assert w.state.study is study


def test_export_everything_in_the_worker(demo_window, qtbot, tmp_path, no_dialogs):
    from hotspots.export.bundle import EXPORT_FILES

    w = demo_window
    out = tmp_path / "export"
    progress = []
    w.runner.progress.connect(lambda m, f: progress.append(m))
    with qtbot.waitSignal(w.runner.ended, timeout=GUI_TIMEOUT_MS) as blocker:
        assert w.export_all(str(out)) is not None
    assert blocker.args == ["export", "finished"]
    names = {p.name for p in out.iterdir()}
    assert {"lsoa_results.csv", "summary.json"} <= names
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    skipped = set(summary["exports_skipped"])
    assert set(EXPORT_FILES) - skipped <= names
    assert summary  # written from the same analysis the window shows
    lines = (out / "lsoa_results.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + w.results.model.rowCount()
    assert any(m.startswith("Writing") for m in progress)
    assert no_dialogs and no_dialogs[-1][0] == "information" and str(out) in no_dialogs[-1][2]
    assert Path(w.recent.last_folder()) == out


def test_new_study_closes_the_demo_and_removing_boundaries_takes_what_depended_on_them(demo_window):
    w = demo_window
    assert w.state.is_demo and w.banner.isVisible()
    w.state.remove_layer("boundaries")
    assert w.state.layers.boundaries is None and w.state.layers.crimes is None
    assert w.state.study.crimes == [] and w.state.layers.placed == {}
    assert w.state.layers.pubs is not None  # pubs do not depend on the boundaries' file
    w.actions_.new_study.trigger()
    assert w.state.output is None and w.state.study.boundaries is None and w.state.study.pubs is None
    assert w.state.layers.pubs is None and not w.banner.isVisible()
    assert not w.actions_.run.isEnabled()
