"""Issue 13 where it reaches the window: a tampered study file, and an export folder's run id."""

from __future__ import annotations

import json

import pytest
from conftest import GUI_TIMEOUT_MS

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("settings, field", [({"alpha": None}, "settings.alpha"),
                                             ({"seed": -1}, "settings.seed"),
                                             ({"crime_types": 5}, "settings.crime_types")])
def test_tampered_study_file_is_one_dialog_naming_the_field(demo_window, tmp_path, no_dialogs, settings, field):
    w = demo_window
    study = w.state.study
    bad = tmp_path / "tampered.hotspots"
    bad.write_text(json.dumps({"format": "hotspots-study", "version": 1, "boundaries": "b.geojson",
                               "crimes": ["c.csv"], "settings": settings}))
    assert w.open_study_file(bad) is None
    assert len(no_dialogs) == 1 and no_dialogs[0][0] == "critical"
    assert f"'{field}'" in no_dialogs[0][2] and "Traceback" not in no_dialogs[0][2]
    assert w.state.study is study


def test_a_string_of_crime_paths_is_refused(demo_window, tmp_path, no_dialogs):
    w = demo_window
    bad = tmp_path / "string.hotspots"
    bad.write_text(json.dumps({"format": "hotspots-study", "version": 1, "boundaries": "b.geojson",
                               "crimes": "crime"}))
    assert w.open_study_file(bad) is None
    assert no_dialogs and "'crimes' must be a list" in no_dialogs[-1][2]


def test_gui_export_is_stamped_with_one_run_id(demo_window, qtbot, tmp_path, no_dialogs):
    from hotspots.export._stamps import read_stamp

    w = demo_window
    out = tmp_path / "export"
    with qtbot.waitSignal(w.runner.ended, timeout=GUI_TIMEOUT_MS):
        assert w.export_all(str(out)) is not None
    run_id = json.loads((out / "summary.json").read_text(encoding="utf-8"))["run_id"]
    stamped = [p for p in out.iterdir() if p.suffix in (".gpkg", ".xlsx", ".html", ".pdf")]
    assert stamped and all(read_stamp(p) == run_id for p in stamped)
    assert not [p for p in out.iterdir() if ".tmp" in p.name or p.name.startswith(".hotspots-run-")]
