"""File > Export for publication: the action, the dialog's answer, the worker and the files it writes."""

from __future__ import annotations

import csv
import json

import pytest

pytest.importorskip("pytestqt")

from conftest import GUI_TIMEOUT_MS  # noqa: E402


def test_export_for_publication_runs_in_the_worker(demo_window, qtbot, tmp_path, no_dialogs):
    from gui.publish import PublishChoice, PublishDialog, export_for_publication

    w = demo_window
    file_menu = next(a.menu() for a in w.menuBar().actions() if a.menu() is not None
                     and w.actions_.export in a.menu().actions())
    assert w.publish_action in file_menu.actions()
    dlg = PublishDialog(str(tmp_path / "x"), 5, w)
    dlg.threshold.setValue(7)
    dlg.sensitive.setText("Robbery; Burglary")
    dlg.under_review.setChecked(True)
    assert dlg.choice() == PublishChoice(str(tmp_path / "x"), 7, ("Robbery", "Burglary"), True)
    dlg.deleteLater()

    out = tmp_path / "publication"
    progress = []
    w.runner.progress.connect(lambda m, f: progress.append(m))
    with qtbot.waitSignal(w.runner.ended, timeout=GUI_TIMEOUT_MS) as blocker:
        assert export_for_publication(w, PublishChoice(str(out), 7)) is not None
        assert not w.publish_action.isEnabled()  # one job at a time
    assert blocker.args == ["publication", "finished"]
    assert w.publish_action.isEnabled()
    names = {p.name for p in out.iterdir()}
    assert {"disclosure.txt", "lsoa_results.csv", "patrol_map.html", "summary.json"} <= names
    assert "briefing.pdf" not in names and "streetsafe_concerns.csv" not in names
    with open(out / "lsoa_results.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == w.results.model.rowCount()
    assert not {r["crimes"] for r in rows} & {"1", "2", "3", "4", "5", "6"}
    disclosure = json.loads((out / "summary.json").read_text())["disclosure"]
    assert disclosure["threshold"] == 7 and disclosure["cells_suppressed"] > 0
    assert any(v == "fewer than 7" for r in rows for v in r.values())
    assert any("publication" in m.lower() or m.startswith("Writing") for m in progress)
    assert any(kind == "information" and "Publication set written" in title for kind, title, _ in no_dialogs)


def test_export_for_publication_needs_an_analysis(window, no_dialogs, tmp_path):
    from gui.publish import PublishChoice, export_for_publication

    assert export_for_publication(window, PublishChoice(str(tmp_path / "p"))) is None
    assert no_dialogs and no_dialogs[-1][1] == "Nothing to publish"
