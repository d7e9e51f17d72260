"""The Patrol spots panel: filled from the analysis, evidence shown, selecting a spot zooms the map."""

from __future__ import annotations

import re

import pytest
from test_gui_window import _map_js, _need_map

pytestmark = pytest.mark.gui


def test_spots_panel_lists_the_spots_with_evidence(demo_window):
    w = demo_window
    res = w.state.output.analysis.spots
    assert res is not None and w.spots.spot_count() == len(res.spots) == 20
    assert w.spots.table.item(0, 1).text() == res.spots[0].name
    assert "Patrol spot 1 of 20" in w.spots.evidence.toPlainText()
    assert "time of day" in w.spots.evidence.toPlainText()
    seen = []
    w.spots.spotSelected.connect(seen.append)
    w.spots.table.selectRow(2)
    w.spots._row_changed(2)
    assert seen[-1] == 3 and "Patrol spot 3 of 20" in w.spots.evidence.toPlainText()
    # each spot says whether it passes the cell test, in the table and the evidence
    assert [w.spots.table.item(r, 5).text() for r in range(len(res.spots))] == [
        "pass" if s.significant else "-" for s in res.spots]
    text = w.spots.evidence.toPlainText()
    assert "Cell test:" in text and not re.search(r"\de-\d", text)  # no p like 9.9e-160


def test_keep_partner_places_checkbox_round_trips(demo_window):
    from hotspots.study import Settings

    panel = demo_window.analysis_panel
    assert panel.settings().keep_partner_places is False  # the default leaves them out
    panel.set_settings(Settings(keep_partner_places=True))
    assert panel.keep_partners.isChecked() and panel.settings().keep_partner_places is True
    panel.keep_partners.setChecked(False)
    assert panel.settings().keep_partner_places is False


def test_selecting_a_spot_zooms_the_map_to_it(demo_window, qtbot):
    import geopandas as gpd

    from gui.map_view import FIND_MAP_JS

    w = demo_window
    _need_map(w)
    s = w.state.output.analysis.spots.spots[0]
    w.spots._row_changed(0)
    qtbot.waitUntil(lambda: _map_js(w, qtbot, "!!window.__hotspotsSel"), timeout=10_000)
    west = gpd.GeoSeries([s.geometry], crs=27700).to_crs(4326).total_bounds[0]
    qtbot.waitUntil(lambda: _map_js(w, qtbot, "window.__hotspotsSel.getBounds().getWest()") == pytest.approx(west),
                    timeout=10_000)
    # street scale: far closer than the opening view of the whole town
    qtbot.waitUntil(lambda: _map_js(w, qtbot, "(" + FIND_MAP_JS + ").getZoom()") >= 14, timeout=10_000)
