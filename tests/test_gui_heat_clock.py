"""The heat clock in the app: the widget, the spot and zone panels, and an extract opened in the window."""

from __future__ import annotations

import numpy as np
import pytest
from _extract_synth import NIGHT_HOURS, NIGHT_XY, make_extract, write_dialect

from hotspots.study import DEMO_DIR, Settings, Study

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def extract_run(tmp_path_factory):
    from hotspots.pipeline import analyse, load_layers

    folder = tmp_path_factory.mktemp("gui_extract")
    ex = make_extract(seed=9, n_background=1200)
    path, mapping = write_dialect(ex, folder, "athena")
    study = Study(boundaries=str(DEMO_DIR / "boundaries.gpkg"), extract=str(path), extract_columns=str(mapping),
                  settings=Settings(permutations=99, spots=8))
    layers = load_layers(study)
    return analyse(layers, study.settings), path, mapping


def test_the_heat_clock_draws_the_profile(qtbot):
    from gui.heat_clock import HeatClock

    clock = HeatClock()
    qtbot.addWidget(clock)
    clock.resize(300, 110)
    prof = np.zeros(168)
    prof[NIGHT_HOURS] = 5.0
    prof[4 * 24 + 23] = 9.0  # Friday 23:00 the busiest
    clock.set_profile(prof, "test spot")
    assert clock.peak() == (4, 23)
    assert clock.value_at(5, 22) == 5.0 and clock.value_at(0, 9) == 0.0
    img = clock.grab().toImage()
    hot = img.pixelColor(clock.cell_rect(4, 23).center().toPoint())
    cold = img.pixelColor(clock.cell_rect(0, 9).center().toPoint())
    assert hot.red() > 150 and hot.green() < 60  # dark red
    assert cold.green() > 240 and cold.blue() > 240  # white
    clock.set_profile(None)
    assert clock.peak() is None and clock.profile() is None


def test_spot_and_zone_panels_show_their_clocks(qtbot, extract_run):
    import shapely

    from gui.spots_panel import SpotsPanel
    from gui.zones_panel import ZonesPanel

    analysis, _path, _mapping = extract_run
    when = analysis.when
    panel = SpotsPanel()
    qtbot.addWidget(panel)
    panel.set_when(when)
    panel.set_spots(analysis.spots)
    first = analysis.spots.spots[0]
    assert np.allclose(panel.clock.profile(), when.spots[first.spot_id])
    assert when.spot_windows[first.spot_id][0].label() in panel.clock_label.text()
    night = next(k for k, s in enumerate(analysis.spots.spots) if shapely.intersects_xy(s.geometry, *NIGHT_XY))
    panel.table.selectRow(night)
    panel._row_changed(night)
    day, hour = panel.clock.peak()
    assert day * 24 + hour in NIGHT_HOURS
    zones = ZonesPanel()
    qtbot.addWidget(zones)
    zones.set_when(when)
    zf = analysis.zone_frame
    zones.set_zones(zf.drop(columns=zf.geometry.name), analysis.zones.evidence, analysis.zones.summary)
    zid = int(zf["zone_id"].iloc[0])
    assert np.allclose(zones.clock.profile(), when.zones[zid])
    zones.set_when(None)
    zones.set_zones(zf.drop(columns=zf.geometry.name), analysis.zones.evidence, analysis.zones.summary)
    assert zones.clock.profile() is None and "records extract" in zones.clock_label.text()


def test_the_window_opens_an_extract_and_shows_when_to_patrol(window, qtbot, extract_run, tmp_path):
    from gui.extract_dialog import mapping_path_for, open_extract

    _analysis, path, _mapping = extract_run
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())
    (tmp_path / "extract_athena.mapping.json").write_text(_mapping.read_text())  # saved earlier: no questions
    with qtbot.waitSignal(window.state.layersChanged, timeout=60_000):
        assert window.load_paths([str(DEMO_DIR / "boundaries.gpkg")], "boundaries") is not None
    assert window.open_extract_action.text().startswith("Open records")
    with qtbot.waitSignal(window.state.layersChanged, timeout=60_000):
        assert open_extract(window, str(target), ask=False) is not None
    rep = window.state.layers.reports["extract"]
    assert rep.rows_read == rep.rows_kept + rep.rows_dropped and rep.rows_kept > 0
    assert mapping_path_for(target).exists()
    window.state.study.settings.permutations = 99
    with qtbot.waitSignal(window.analysisShown, timeout=120_000):
        assert window.run_analysis() is not None
    assert window.spots.clock.profile() is not None
    assert "When to patrol" in window.spots.clock_label.text()


def test_the_layers_panel_lists_and_removes_the_extract(window, qtbot, extract_run, tmp_path):
    from gui.extract_dialog import EXTRACT_LABEL, open_extract

    _analysis, path, mapping = extract_run
    (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "extract_athena.mapping.json").write_text(mapping.read_text())
    with qtbot.waitSignal(window.state.layersChanged, timeout=60_000):
        window.load_paths([str(DEMO_DIR / "boundaries.gpkg")], "boundaries")
    with qtbot.waitSignal(window.state.layersChanged, timeout=60_000):
        open_extract(window, str(tmp_path / path.name), ask=False)
    item = window.layers_panel.item_for("extract")
    rep = window.state.layers.reports["extract"]
    assert item is not None and item.text(0) == EXTRACT_LABEL and item.text(2) == f"{rep.rows_kept:,}"
    assert "required" not in window.layers_panel.item_for("crimes").text(0)
    assert window.state.can_analyse()
    window.remove_layer("extract")
    assert window.state.layers.crimes is None and window.state.study.extract is None
    assert window.layers_panel.item_for("extract") is None and not window.state.can_analyse()
