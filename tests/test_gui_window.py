"""The window opens on the analysed demo study: table, zones, map, banner, shortcuts, About."""

from __future__ import annotations

import json

import pytest
from conftest import GUI_TIMEOUT_MS

pytestmark = pytest.mark.gui


def _need_map(window):
    """Skip map checks, with the reason, when QtWebEngine cannot run here."""
    mv = window.map_view
    if not mv.available:
        pytest.skip(mv.error)
    if not mv.has_map and mv.failure != "the page has no Leaflet map":
        pytest.skip(f"QtWebEngine could not show the map here: {mv.failure}")
    assert mv.has_map, mv.failure


def _map_js(window, qtbot, script):
    """Run JavaScript on the map page and return its result."""
    box = {}
    window.map_view.run_js(script, lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box, timeout=10_000)
    return box["r"]


def test_demo_opens_analysed(demo_window, qtbot):
    w = demo_window
    out = w.state.output
    assert out is not None
    n = len(w.state.layers.boundaries)
    assert n > 50
    # every LSOA is a row, and nothing else
    assert w.results.model.rowCount() == n == len(out.analysis.table)
    assert w.results.proxy.rowCount() == n
    assert w.banner.isVisible() and "SYNTHETIC" in w.banner_label.text()
    assert "Open layers" in w.banner_label.text()
    # the demo plants a night-time-economy hot spot: at least one zone with evidence
    assert w.zones.zone_count() >= 1
    assert "Top streets" in w.zones.evidence.toHtml()
    # layers panel lists what was read and kept
    item = w.layers_panel.item_for("crimes")
    rep = w.state.layers.reports["crimes"]
    assert item.text(1) == f"{rep.rows_read:,}" and item.text(2) == f"{rep.rows_kept:,}"
    assert rep.rows_read > rep.rows_kept  # the demo carries police.uk's no-location rows
    reasons = [item.child(i).text(0) for i in range(item.childCount())]
    for reason, n in rep.dropped.items():
        assert f"{n:,} dropped: {reason}" in reasons


def test_demo_map_loaded_and_highlight(demo_window, qtbot):
    from gui.map_view import FIND_MAP_JS

    w = demo_window
    _need_map(w)
    assert w.map_view.loaded_url.toLocalFile() == str(w.state.output.map_file)
    # selecting an LSOA in the table outlines it and zooms the map to it
    zoom = "(" + FIND_MAP_JS + ").getZoom()"
    start_zoom = _map_js(w, qtbot, zoom)
    code = w.results.model.code_at(0)
    w.results.select_lsoa(code)
    qtbot.waitUntil(lambda: _map_js(w, qtbot, "!!window.__hotspotsSel"), timeout=10_000)
    qtbot.waitUntil(lambda: _map_js(w, qtbot, zoom) > start_zoom, timeout=10_000)  # zoomed in to it
    west, south, east, north = w.state.output.lsoa_shapes.loc[code].bounds
    b = _map_js(w, qtbot, "(function(){var b=window.__hotspotsSel.getBounds();"
                          "return JSON.stringify([b.getWest(),b.getSouth(),b.getEast(),b.getNorth()]);})()")
    assert json.loads(b) == pytest.approx([west, south, east, north], abs=1e-6)
    # selecting a zone replaces the outline with the zone's
    w.zones.table.selectRow(0)
    w.zones._row_changed(0)
    zb = w.state.output.zone_shapes.loc[1].bounds
    qtbot.waitUntil(lambda: _map_js(w, qtbot, "window.__hotspotsSel.getBounds().getWest()") == pytest.approx(zb[0]),
                    timeout=10_000)


def test_display_switch_toggles_map_layers(demo_window, qtbot):
    from gui.map_view import FIND_MAP_JS

    w = demo_window
    _need_map(w)
    shown = ("(function(){var m=" + FIND_MAP_JS + ";var on=[];for(var k in window){"
             "if(k.indexOf('layer_control_')===0&&window[k]&&window[k].overlays){var ov=window[k].overlays;"
             "for(var n in ov){if(m.hasLayer(ov[n]))on.push(n);}}}return on.sort().join('|');})()")
    before = _map_js(w, qtbot, shown)
    assert "LISA" in before and "Gi*" not in before
    w.analysis_panel.display.setCurrentIndex(w.analysis_panel.display.findData("gi"))
    qtbot.waitUntil(lambda: "Gi*" in _map_js(w, qtbot, shown), timeout=10_000)
    after = _map_js(w, qtbot, shown)
    assert "LISA" not in after and "Patrol zones" in after


def test_shortcuts_and_about(demo_window):
    from PySide6.QtGui import QKeySequence

    from gui.about import about_html

    a = demo_window.actions_
    assert a.open_layers.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert a.run.shortcut().toString() == "Ctrl+R"
    assert a.export.shortcut().toString() == "Ctrl+E"
    assert a.save.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert a.cancel.shortcut().toString() == "Esc"
    text = about_html()
    for needle in ("hotspots", "PySide6", "esda", "libpysal", "geopandas", "Open Government Licence v3.0",
                   "ODbL", "Crown copyright"):
        assert needle in text


def test_tooltips_explain_statistics(window):
    p = window.analysis_panel
    assert "like its neighbours" in p.display.toolTip()
    assert "HH" in p.display.toolTip()
    assert len(p.type_boxes) == 14
    assert p.permutations.toolTip() and p.fdr.toolTip() and p.weights_kind.toolTip()


def test_table_sorts_numbers_and_filters(demo_window, qtbot):
    from PySide6.QtCore import Qt

    t = demo_window.results
    cols = t.model.columns()
    c = cols.index("crimes")
    t.view.sortByColumn(c, Qt.SortOrder.DescendingOrder)
    vals = [float(t.proxy.index(r, c).data().replace(",", "")) for r in range(t.proxy.rowCount())]
    assert vals == sorted(vals, reverse=True)
    assert vals[0] == demo_window.state.output.analysis.table["crimes"].max()
    t.filter.setText("HH")
    hh = int((demo_window.state.output.analysis.table["lisa_cluster"] == "HH").sum())
    assert t.proxy.rowCount() >= hh
    t.filter.setText("E0190")
    assert t.proxy.rowCount() == t.model.rowCount()
    t.filter.setText("no such lsoa")
    assert t.proxy.rowCount() == 0
    assert "of" in t.count.text()


def test_filter_rerun_reuses_weights(demo_window, qtbot):
    w = demo_window
    first = w.state.output.analysis
    p = w.analysis_panel
    p.preset.setCurrentText("Violence and sexual offences")
    assert p.selected_types() == ["Violence and sexual offences"]
    p.permutations.setValue(99)
    with qtbot.waitSignal(w.runner.ended, timeout=60_000) as blocker:
        w.run_analysis()
    assert blocker.args == ["analysis", "finished"]
    second = w.state.output.analysis
    assert second.weights is first.weights  # only the filters changed: weights reused
    assert second.settings.crime_types == ["Violence and sexual offences"]
    violence = w.state.layers.crimes["crime_type"] == "Violence and sexual offences"
    assert second.table["crimes"].sum() == int(violence.sum())


def test_missing_demo_is_generated(window, qtbot, tmp_path):
    folder = tmp_path / "demo"
    with qtbot.waitSignal(window.analysisShown, timeout=GUI_TIMEOUT_MS):
        assert window.open_demo(folder) is not None
    assert (folder / "boundaries.gpkg").exists() and (folder / "crime").is_dir()
    assert window.results.model.rowCount() == len(window.state.layers.boundaries) > 0
    assert window.banner.isVisible()


def test_escape_cancels_a_run(demo_window, qtbot):
    from PySide6.QtCore import Qt

    w = demo_window
    shown = w.state.output
    w.analysis_panel.permutations.setValue(99_999)
    w.analysis_panel.seed.setValue(777)
    messages = []
    w.runner.progress.connect(lambda m, f: messages.append(m))
    w.activateWindow()
    assert w.run_analysis() is not None
    qtbot.waitUntil(lambda: "Permutations" in messages, timeout=GUI_TIMEOUT_MS)
    assert w.runner.busy
    with qtbot.waitSignal(w.runner.ended, timeout=30_000) as blocker:
        qtbot.keyClick(w.results.view, Qt.Key.Key_Escape)
    assert blocker.args == ["analysis", "cancelled"]
    assert w.state.output is shown  # the previous results stay on screen
    assert w.results.model.rowCount() == len(shown.analysis.table)
