"""The GUI's time views: Emerging and Trend columns, and the month slider redrawing the map from memory."""

from __future__ import annotations

import builtins
import io

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def _need_map(window):
    mv = window.map_view
    if not mv.available:
        pytest.skip(mv.error)
    if not mv.has_map and mv.failure != "the page has no Leaflet map":
        pytest.skip(f"QtWebEngine could not show the map here: {mv.failure}")
    assert mv.has_map, mv.failure


def _map_js(window, qtbot, script):
    box = {}
    window.map_view.run_js(script, lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box, timeout=10_000)
    return box["r"]


_FILL = ("(function(id){var c=null;for(var k in window){if(k.indexOf('layer_control_')!==0||!window[k]||"
         "!window[k].overlays)continue;var ov=window[k].overlays;for(var n in ov){if(n!==\"LISA clusters "
         "(Local Moran's I)\")continue;ov[n].eachLayer(function(l){if(l.feature&&l.feature.id===id)"
         "c=l.options.fillColor;});}}return c;})")


def test_table_has_emerging_and_trend_sparkline(demo_window):
    from PySide6.QtCore import Qt

    from gui.sparkline import SERIES_ROLE

    w = demo_window
    a = w.state.output.analysis
    model = w.results.model
    cols = model.columns()
    assert "emerging" in cols and "sparkline" in cols
    e, s = cols.index("emerging"), cols.index("sparkline")
    assert {model.data(model.index(r, e)) for r in range(model.rowCount())} == set(a.table["emerging"])
    row7 = model.row_of(str(a.table["lsoa_code"].iloc[7]))  # the model holds rows in the order shown
    np.testing.assert_array_equal(model.data(model.index(row7, s), SERIES_ROLE), a.time.values[7])
    assert model.headerData(s, Qt.Orientation.Horizontal) == "Trend"
    # sorting the Trend column orders LSOAs by Sen's slope
    w.results.view.sortByColumn(s, Qt.SortOrder.DescendingOrder)
    first = w.results.proxy.mapToSource(w.results.proxy.index(0, 0)).row()
    i = int(np.flatnonzero(a.table["lsoa_code"].to_numpy() == model.code_at(first))[0])  # its table row
    assert a.time.trends.lsoa["sen_slope"].iloc[i] == a.time.trends.lsoa["sen_slope"].max()


def test_month_slider_redraws_the_map_without_reading_files(demo_window, qtbot, monkeypatch):
    from gui.time_player import MONTH_PALETTE, month_colours

    w = demo_window
    _need_map(w)
    player = w.time_player
    time = w.state.output.analysis.time
    assert player.isEnabled() and player.slider.maximum() == len(time.months) == 12
    reads = []

    def no_read(*args, **kwargs):
        reads.append(args[:1])
        raise AssertionError(f"the slider read a file: {args[:1]}")

    import pandas as pd
    import pyogrio

    import hotspots.data.crimes as crimes_mod

    for target, name in ((builtins, "open"), (io, "open"), (pd, "read_csv"), (pyogrio, "read_dataframe"),
                         (crimes_mod, "parse_crime_files"), (crimes_mod, "read_crimes")):
        monkeypatch.setattr(target, name, no_read)
    n = len(time.values)
    with qtbot.waitSignal(player.monthShown, timeout=10_000) as got:
        player.slider.setValue(3)
    assert got.args == [time.months[2], n]
    month = time.months[2]
    vals = time.month_values(month)
    busiest = int(np.argmax(vals))
    expect = month_colours(vals, player.breaks)
    assert _map_js(w, qtbot, f"{_FILL}({busiest})") == expect[busiest] == MONTH_PALETTE[-1]
    quiet = int(np.flatnonzero(vals == 0)[0]) if (vals == 0).any() else None
    if quiet is not None:
        assert _map_js(w, qtbot, f"{_FILL}({quiet})") == MONTH_PALETTE[0]
    # another month redraws again, and the first position restores the analysis colours
    with qtbot.waitSignal(player.monthShown, timeout=10_000) as got:
        player.slider.setValue(7)
    assert got.args == [time.months[6], n]
    with qtbot.waitSignal(player.monthShown, timeout=10_000) as got:
        player.slider.setValue(0)
    assert got.args[0] == ""
    from hotspots.export.map._map_style import LISA_COLOURS

    lisa = w.state.output.analysis.table["lisa_cluster"].iloc[busiest]
    assert _map_js(w, qtbot, f"{_FILL}({busiest})") == LISA_COLOURS[lisa]
    assert reads == []
    # the month values are the cube's: the same as counting that month's crimes in the table
    layers = w.state.layers
    sel = layers.crimes["month"].astype(str) == month
    counts = np.bincount(layers.crimes.loc[sel, "lsoa"], minlength=n)
    np.testing.assert_array_equal(vals, counts)


def test_emerging_display_shows_the_emerging_layer(demo_window, qtbot):
    from gui.map_view import FIND_MAP_JS

    w = demo_window
    _need_map(w)
    shown = ("(function(){var m=" + FIND_MAP_JS + ";var on=[];for(var k in window){"
             "if(k.indexOf('layer_control_')===0&&window[k]&&window[k].overlays){var ov=window[k].overlays;"
             "for(var n in ov){if(m.hasLayer(ov[n]))on.push(n);}}}return on.sort().join('|');})()")
    panel = w.analysis_panel
    panel.display.setCurrentIndex(panel.display.findData("emerging"))
    qtbot.waitUntil(lambda: "Emerging" in _map_js(w, qtbot, shown), timeout=10_000)
    on = _map_js(w, qtbot, shown)
    assert "LISA" not in on and "Gi*" not in on
    panel.display.setCurrentIndex(panel.display.findData("gi"))
    qtbot.waitUntil(lambda: "Emerging" not in _map_js(w, qtbot, shown), timeout=10_000)
