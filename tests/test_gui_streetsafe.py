"""The StreetSafe tab: accounting note, concerns, and an actions table that round-trips a saved study."""

from __future__ import annotations

import json

import pytest
from conftest import GUI_TIMEOUT_MS

pytestmark = pytest.mark.gui


def test_actions_table_round_trips_through_a_saved_study(demo_window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    w = demo_window
    panel = w.streetsafe_panel
    assert panel.note.text().startswith("StreetSafe: read 300")  # every report accounted for
    tree = w.layers_panel.tree
    lines = [tree.topLevelItem(i).child(k).text(0) for i in range(tree.topLevelItemCount())
             for k in range(tree.topLevelItem(i).childCount())]
    assert any(t.startswith("StreetSafe: read 300, placed") for t in lines)  # the layer says so too
    assert panel.concerns.rowCount() == len(w.state.output.analysis.streetsafe.concerns) > 0
    panel.concerns.selectRow(0)
    first = panel.concerns.item(0, 0).text()
    panel.add_action()
    panel.table.item(0, 2).setText("Street lights repaired")
    panel.table.item(0, 3).setText("Demoton Council")
    panel.table.item(0, 4).setText("done")
    assert w.state.study.action_rows[0]["concern_id"] == first
    assert w.state.dirty and "saved with the study" in panel.check.text()
    panel.add_action()
    panel.table.item(1, 0).setText("not an id")  # a bad row is flagged, not lost
    assert "Check row 2" in panel.check.text()
    panel.table.setCurrentCell(1, 0)
    panel.remove_action()
    assert len(w.state.study.action_rows) == 1

    target = tmp_path / "with actions"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    saved = w.save_study()
    d = json.loads(saved.read_text(encoding="utf-8"))
    assert d["action_rows"][0]["action"] == "Street lights repaired"
    w.state.study.action_rows = []
    panel.load_rows()
    assert panel.table.rowCount() == 0
    with qtbot.waitSignals([w.analysisShown, w.runner.ended], timeout=GUI_TIMEOUT_MS):
        assert w.open_study_file(saved) is not None
    assert w.state.study.action_rows == d["action_rows"]
    assert panel.table.rowCount() == 1 and panel.table.item(0, 2).text() == "Street lights repaired"
    assert panel.table.item(0, 0).text() == first


def test_unknown_reasons_note_is_visible(window, qtbot, tmp_path):
    from hotspots.data.report import LoadReport

    panel = window.streetsafe_panel
    rep = LoadReport(source="ss.csv", kind="streetsafe", rows_read=2, rows_kept=2)
    rep.info["unknown_reasons"] = {"count": 1, "reports": 1, "examples": ["Loud music"]}
    window.state.layers = window.state.layers.replace(streetsafe=object(), reports={"streetsafe": rep})
    panel.refresh()
    assert not panel.reason_note.isHidden() and "Loud music" in panel.reason_note.text()
