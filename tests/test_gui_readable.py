"""The app in the app's words (issue 23): prompts, the evidence area, the lookup slot, the title.

Every modal is a patched module function, so nothing blocks; each test checks what the user
would see (the question asked, the file name offered, the words of a message).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GUI_TIMEOUT_MS

pytestmark = pytest.mark.gui


def test_opening_a_study_over_unsaved_work_asks(window, monkeypatch, no_dialogs, tmp_path) -> None:
    from PySide6.QtWidgets import QMessageBox

    import gui.prompts as prompts

    asked: list[str] = []
    answer = [QMessageBox.StandardButton.Cancel]
    monkeypatch.setattr(prompts, "ask", lambda parent, title, text, *a: asked.append(text) or answer[0])
    w = window
    w.confirm_close, w.state.dirty = True, True
    assert w.open_study_file(tmp_path / "other.hotspots") is None
    assert len(asked) == 1 and "not saved" in asked[0] and "opening another study" in asked[0]
    assert not no_dialogs  # cancelled: the file was not even read
    answer[0] = QMessageBox.StandardButton.Discard
    w.open_study_file(tmp_path / "other.hotspots")  # discard: goes on (and says the file is missing)
    assert len(asked) == 2 and no_dialogs and no_dialogs[-1][0] == "critical"
    w.state.dirty = False
    w.new_study()
    assert len(asked) == 2  # nothing unsaved: no question
    w.confirm_close = False


def test_closing_during_a_run_asks(window, qtbot, monkeypatch) -> None:
    import time

    from PySide6.QtWidgets import QMessageBox

    import gui.prompts as prompts

    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(prompts, "ask", lambda parent, title, text, *a: asked.append(text) or answer[0])
    w = window

    def job(progress, cancel):  # noqa: ANN001
        while not cancel():
            time.sleep(0.02)
        from hotspots.progress import Cancelled

        raise Cancelled()

    with qtbot.waitSignal(w.runner.busyChanged, timeout=GUI_TIMEOUT_MS):
        w._start("export", job, lambda r: None, "Exporting…")
    w.confirm_close = True
    assert w.close() is False and w.isVisible()  # "No": the window stays, the export goes on
    assert asked and "export" in asked[0] and w.runner.busy
    answer[0] = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(w.runner.ended, timeout=GUI_TIMEOUT_MS):
        assert w.close() is True
    assert len(asked) == 2 and not w.runner.busy
    w.confirm_close = False


def test_evidence_area_dialog_choices(qtbot) -> None:
    from gui.evidence_area import EvidenceAreaDialog, area_file_stem

    dlg = EvidenceAreaDialog(None, [(1, "Maidstone: Week Street"), (2, "Margate: High Street")],
                             ["Maidstone", "Thanet"], [], current_zone=2)
    qtbot.addWidget(dlg)
    assert dlg.zone_button.isChecked() and dlg.area() == "zone:2"  # starts on the selected zone
    assert dlg.zone_combo.itemText(1) == "Patrol zone 2: Margate: High Street"  # named as on the map
    assert not dlg.lsoa_button.isEnabled()  # nothing selected in the Results table
    dlg.district_button.setChecked(True)
    dlg.district_combo.setCurrentText("Thanet")
    assert dlg.area() == "district:Thanet"
    dlg.top_button.setChecked(True)
    assert dlg.area() == "top:3"
    sel = EvidenceAreaDialog(None, [], ["Maidstone"], ["E01000001", "E01000002"])
    qtbot.addWidget(sel)
    assert sel.area() == "lsoa:E01000001,E01000002" and "2 LSOAs selected" in sel.lsoa_button.text()
    assert area_file_stem("zone:2") == "evidence_zone_2"
    assert area_file_stem("district:Tunbridge Wells") == "evidence_tunbridge_wells"
    assert area_file_stem("lsoa:A,B,C") == "evidence_3_selected_lsoas"


def test_evidence_pack_asks_the_area_and_keeps_each_areas_pictures(demo_window, qtbot, monkeypatch, tmp_path) -> None:
    from docx import Document

    import gui.dialogs as dialogs
    import gui.evidence_area as evidence_area

    w = demo_window
    out = tmp_path / "results"
    out.mkdir()
    w.recent.set_output_folder(out)
    offered: list[str] = []

    def save_path(parent, title, start, filters):  # noqa: ANN001
        offered.append(start)
        return start

    monkeypatch.setattr(dialogs, "choose_save_path", save_path)
    for zone in (2, 1):
        monkeypatch.setattr(evidence_area, "ask_evidence_area", lambda *a, z=zone: f"zone:{z}")
        with qtbot.waitSignal(w.runner.ended, timeout=GUI_TIMEOUT_MS) as blocker:
            assert w.evidence_pack() is not None
        assert blocker.args == ["evidence", "finished"]
    assert [Path(p).name for p in offered] == ["evidence_zone_2.docx", "evidence_zone_1.docx"]
    assert all(Path(p).parent == out for p in offered)  # the output folder, not the input data's
    assert (out / "evidence_zone_2_area_1_map.png").is_file() and (out / "evidence_zone_1_area_1_map.png").is_file()
    doc = Document(str(out / "evidence_zone_2.docx"))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert heads[0].startswith("Safer Streets evidence: ") and " - Patrol zone 2: " in heads[0]
    assert w.status.text() == "Wrote the evidence pack evidence_zone_1.docx"  # not left on "Writing…"
    monkeypatch.setattr(evidence_area, "ask_evidence_area", lambda *a: None)
    assert w.evidence_pack() is None  # cancelled: nothing asked, nothing written
    assert len(offered) == 2


def test_lookup_slot_and_messages_in_the_apps_words(window) -> None:
    from gui.layers_panel import LOOKUP_LABEL
    from gui.words import app_words
    from hotspots.data.deprivation import FIX_VINTAGE

    w = window
    item = w.layers_panel.item_for("lsoa_lookup")
    assert item is not None and item.text(0).startswith(LOOKUP_LABEL) and "Exact Fit" in item.toolTip(0)
    assert "Add LSOA lookup (2011 to 2021)…" in [a.text().replace("&", "") for a in w.actions()]
    for text in (FIX_VINTAGE, "check the network connection, or set HOTSPOTS_ONS_API (or the matching --*-url "
                 "flag) to a reachable mirror; fetching is optional: analyse files you already have with "
                 "'hotspots analyse'"):
        said = app_words(text)
        assert "--" not in said and "HOTSPOTS_" not in said and "hotspots analyse" not in said, said
    assert "File > Add LSOA lookup" in app_words(FIX_VINTAGE)


def test_two_deprivation_files_ask_which(window, monkeypatch) -> None:
    import gui.prompts as prompts

    seen: list[list[str]] = []
    monkeypatch.setattr(prompts, "ask_which_file", lambda parent, label, paths: seen.append(paths) or None)
    w = window
    assert w.load_paths(["/d/imd2019.csv", "/d/iod2025.csv"], "imd") is None  # cancelled: nothing loaded
    assert seen == [["/d/imd2019.csv", "/d/iod2025.csv"]] and w.state.layers.imd is None
    got = prompts.one_file_per_layer(None, {"a.csv": "imd", "b.csv": "imd", "c.csv": "crimes", "d.csv": "crimes"},
                                     {"imd": "Deprivation"})
    assert got is None  # the patched question was cancelled
    monkeypatch.setattr(prompts, "ask_which_file", lambda parent, label, paths: paths[1])
    got = prompts.one_file_per_layer(None, {"a.csv": "imd", "b.csv": "imd", "c.csv": "crimes", "d.csv": "crimes"},
                                     {"imd": "Deprivation"})
    assert got == {"b.csv": "imd", "c.csv": "crimes", "d.csv": "crimes"}  # crimes are many files by design


def test_study_title_and_the_map_guide(window, monkeypatch) -> None:
    import gui.study_extras as extras

    w = window
    monkeypatch.setattr(extras, "ask_title", lambda parent, current, default: "Operation Lantern")
    shown: list[bool] = []
    monkeypatch.setattr(extras, "show_guide", lambda parent: shown.append(True))
    w.study_extras["title"].trigger()
    assert w.state.study.name == "Operation Lantern" and "Operation Lantern" in w.windowTitle()
    assert "Operation Lantern" in w.status.text()
    w.state.dirty = False
    help_menu = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "Help")
    texts = [a.text().replace("&", "") for a in help_menu.actions()]
    assert "How to read the map" in texts and texts.index("How to read the map") < texts.index("About hotspots")
    w.study_extras["guide"].trigger()
    assert shown == [True] and "Patrol zones" in extras.GUIDE_HTML


def test_add_action_moves_focus_and_checks_only_after_typing(demo_window, qtbot) -> None:
    from hotspots.data.actions import ACTION_COLUMNS

    w = demo_window
    panel = w.streetsafe_panel
    panel.concerns.selectRow(0)
    n = panel.table.rowCount()
    panel.add_action()
    assert panel.table.rowCount() == n + 1
    assert panel.table.currentRow() == n and panel.table.currentColumn() == ACTION_COLUMNS.index("action")
    assert not panel.add_button.hasFocus()  # typing now goes into the row, not into another blank row
    assert "Check row" not in panel.check.text() and "Type what was done" in panel.check.text()
    panel.table.item(n, ACTION_COLUMNS.index("concern_id")).setText("not an id")  # typed: checked from now on
    assert "Check row" in panel.check.text()
    w.state.dirty = False


def test_small_defects_spot_card_and_zero_counts(demo_window) -> None:
    from PySide6.QtGui import QTextDocument

    from gui.results_table import _fmt
    from hotspots.export.map._map_spots import spot_popup

    w = demo_window
    spots = w.state.output.analysis.spots.spots
    doc = QTextDocument()
    doc.setHtml(spot_popup(spots[0], len(spots)))
    first, second = doc.toPlainText().split("\n")[:2]
    assert first.endswith(spots[0].name) and second.startswith(f"{spots[0].crimes:,} crimes")  # not run together
    assert _fmt("crimes", 0.0) == "0" and _fmt("rate", 0.5) == "0.50" and _fmt("crimes", 1234.0) == "1,234"


def test_month_player_stops_when_hidden_and_its_legend_follows(demo_window, qtbot) -> None:
    w = demo_window
    player = w.time_player
    player.play.setChecked(True)
    player.hide()
    assert not player.play.isChecked()  # hidden: stopped, not playing behind other windows
    player.show()
    with qtbot.waitSignal(player.monthShown, timeout=10_000):
        player.slider.setValue(2)
    got: list[str] = []
    js = "(function(){var e=document.querySelector('.hs-legend .hs-lg-h');return e?e.textContent:'';})()"
    w.map_view.run_js(js, lambda v: got.append(str(v)))
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    assert got[0].startswith("Crimes in ") and player.month() in got[0]  # not "LISA clusters"
    with qtbot.waitSignal(player.monthShown, timeout=10_000):
        player.slider.setValue(0)
    got.clear()
    w.map_view.run_js(js, lambda v: got.append(str(v)))
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    assert got[0] == "LISA clusters"


def test_lisa_display_leaves_the_bivariate_layers_off(demo_window, qtbot) -> None:
    w = demo_window
    w.map_view.set_display("lisa")
    got: list[str] = []
    js = ("(function(){var m=window.hotspotsMap,out=[];for(var k in window){if(k.indexOf('layer_control_')!==0||"
          "!window[k]||!window[k].overlays)continue;var ov=window[k].overlays;for(var n in ov){"
          "if(m.hasLayer(ov[n]))out.push(n);}}return JSON.stringify(out);})()")
    qtbot.wait(300)
    w.map_view.run_js(js, lambda v: got.append(str(v)))
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    import json

    on = json.loads(got[0])
    assert any("LISA clusters" in n for n in on) and not any("bivariate" in n.lower() for n in on), on
