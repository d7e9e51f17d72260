"""Real data: Kent and Medway 2021 through the window, a full run, and a long run cancelled."""

from __future__ import annotations

import time

import pytest
from _paths import IMD_FILE1, KENT_BOUNDARIES, KENT_CRIME, KENT_PUBS, need_real
from conftest import GUI_TIMEOUT_MS

pytestmark = [pytest.mark.gui, pytest.mark.realdata, pytest.mark.slow]
KENT_LSOAS = 1065  # PROVENANCE.md: 1,065 features


@pytest.fixture
def kent_window(window, qtbot):
    """The window with Kent's boundaries, crime folder, IMD and pubs added by drop (kinds guessed)."""
    need_real(KENT_BOUNDARIES, KENT_CRIME, IMD_FILE1, KENT_PUBS)
    with qtbot.waitSignal(window.runner.ended, timeout=GUI_TIMEOUT_MS) as blocker:
        assert window.load_paths([str(p) for p in (KENT_CRIME, KENT_BOUNDARIES, IMD_FILE1, KENT_PUBS)]) is not None
    assert blocker.args == ["loading layers", "finished"]
    return window


def test_kent_loads_runs_and_maps(kent_window, qtbot):
    w = kent_window
    L = w.state.layers
    assert len(L.boundaries) == KENT_LSOAS
    rep = L.reports["crimes"]
    assert rep.rows_read == 212_044  # PROVENANCE.md row total
    assert rep.rows_read == rep.rows_kept + rep.rows_dropped
    assert rep.dropped.get("missing coordinates", 0) >= 2_317 - 10
    assert L.reports["pubs"].rows_kept == 538
    assert not w.banner.isVisible()  # real data: no demo banner
    panel = w.analysis_panel
    assert panel.month_from.currentText() == "2021-01" and panel.month_to.currentText() == "2021-12"
    kept = int((L.crimes["crime_type"] == "Violence and sexual offences").sum())
    assert 85_000 < kept <= 87_649  # PROVENANCE.md: 87,649 rows before located-in-Kent checks
    assert f"({kept:,})" in panel.type_boxes["Violence and sexual offences"].text()
    panel.permutations.setValue(99)
    with qtbot.waitSignals([w.analysisShown, w.mapReady], timeout=GUI_TIMEOUT_MS):
        assert w.run_analysis() is not None
    t = w.state.output.analysis.table
    assert w.results.model.rowCount() == KENT_LSOAS == len(t)
    assert t["crimes"].sum() == L.crimes["lsoa"].ge(0).sum()
    assert (t["lisa_cluster"] == "HH").sum() > 0
    assert w.zones.zone_count() >= 1
    if w.map_view.available and w.map_view.failure in (None, "the page has no Leaflet map"):
        assert w.map_view.has_map, w.map_view.failure
        assert w.state.output.map_file.stat().st_size > 2_000_000  # beyond setHtml's limit


def test_long_run_cancel_keeps_gui_responsive(kent_window, qtbot):
    from PySide6.QtCore import QTimer

    w = kent_window
    w.analysis_panel.permutations.setValue(99_999)  # ~20 s on Kent: long enough to cancel
    w.analysis_panel.seed.setValue(4242)  # fresh permutation draws, nothing cached
    ticks = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    messages = []
    w.runner.progress.connect(lambda m, f: messages.append((m, f)))
    assert w.run_analysis() is not None
    assert w.cancel_button.isVisible() and w.actions_.cancel.isEnabled()
    assert not w.analysis_panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: any(m == "Permutations" for m, _ in messages), timeout=GUI_TIMEOUT_MS)
    qtbot.wait(1500)
    assert w.runner.busy, "the run finished before it could be cancelled"
    started = len(ticks)
    t0 = time.perf_counter()
    with qtbot.waitSignal(w.runner.ended, timeout=30_000) as blocker:
        w.actions_.cancel.trigger()  # what Esc does
    stopped_after = time.perf_counter() - t0
    timer.stop()
    assert blocker.args == ["analysis", "cancelled"]
    assert stopped_after < 15
    # the event loop kept running: ~20 ticks a second before and while cancelling
    assert started >= 15
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert max(gaps) < 2.0, f"the window froze for {max(gaps):.1f} s"
    assert w.state.output is None  # nothing half-done is shown
    assert "cancelled" in w.status.text()
    assert w.analysis_panel.run_button.isEnabled() and not w.cancel_button.isVisible()
