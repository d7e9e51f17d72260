"""The Evaluate window: picks the months, runs the backtest in a worker with progress and Cancel, and
shows the verdict, the table, the PAI caveat and the curve."""

from __future__ import annotations

import pytest
from conftest import GUI_TIMEOUT_MS

from gui.evaluate import default_rolling, default_split

pytestmark = pytest.mark.gui


def test_default_split():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    assert default_split(months) == ("2025-01", "2025-09", "2025-10", "2025-12")
    assert default_split(months[:3]) is None
    assert default_rolling(months) == (3, "2025-04", "2025-12")
    assert default_rolling(months[:3]) == (2, "2025-03", "2025-03")
    assert default_rolling(months[:1]) is None


def _wait_done(w, qtbot):
    qtbot.waitUntil(lambda: not w.runner.busy and not w.evaluation_view.running, timeout=GUI_TIMEOUT_MS)


def _column(v, c):
    return [v.table.item(r, c).text() for r in range(v.table.rowCount())]


def test_evaluate_action_shows_verdict_table_caveat_and_curve(demo_window, qtbot):
    from hotspots.plans.backtest import PLAN_WORDS, PLANS

    w = demo_window
    assert w.actions_.evaluate.isEnabled()
    w.actions_.evaluate.trigger()
    qtbot.waitUntil(lambda: getattr(w, "evaluation_view", None) is not None and w.evaluation_view.isVisible(),
                    timeout=GUI_TIMEOUT_MS)
    _wait_done(w, qtbot)
    v = w.evaluation_view
    # the default: the last three months tested, the months before them the training
    assert (v.train_from.currentText(), v.train_to.currentText()) == ("2025-01", "2025-09")
    assert (v.test_from.currentText(), v.test_to.currentText()) == ("2025-10", "2025-12")
    assert v.table.rowCount() == len(PLANS)  # every plan the engine scores, not a fixed four
    assert _column(v, 1) == [PLAN_WORDS[p] for p in PLANS]
    assert v.table.item(0, 4).text().endswith("%")
    ceilings = _column(v, 8)
    assert all(c.endswith("%") for c in ceilings)
    # the crime a patrol can address (outside the partner places) beside all crime, and the fair naive ranking
    headers = [v.table.horizontalHeaderItem(c).text() for c in range(v.table.columnCount())]
    addr = headers.index("% of crime a patrol can address")
    assert all(c.endswith("%") for c in _column(v, addr))
    patrol = headers.index("vs cells, partner places left out")
    assert _column(v, patrol)[0].endswith("x")  # the patrol spots against the naive cells without partner places
    assert "Crime a patrol can address" in v.caption.text()
    assert "of the study area caught" in v.verdict.text() and "could have caught" in v.verdict.text()
    assert "snap point" in v.caveat.text() and "PAI" in v.caveat.text()
    assert not v.chart.pixmap().isNull() and v.chart.pixmap().width() > 500
    assert "2025-10" in v.caption.text()
    assert "Evaluated" in w.status.text()
    assert v.run_button.isEnabled() and not v.cancel_button.isEnabled() and not v.progress.isVisible()
    v.close()


def test_the_user_picks_a_rolling_backtest(demo_window, qtbot):
    w = demo_window
    w.actions_.evaluate.trigger()
    qtbot.waitUntil(lambda: getattr(w, "evaluation_view", None) is not None, timeout=GUI_TIMEOUT_MS)
    _wait_done(w, qtbot)
    v = w.evaluation_view
    v.choose_rolling(2, "2025-10", "2025-12")
    assert not v.train_from.isEnabled() and v.rolling.isEnabled()
    seen = []
    w.runner.progress.connect(lambda msg, f: seen.append(msg))
    qtbot.mouseClick(v.run_button, qtbot_button())
    assert v.cancel_button.isEnabled() and not v.run_button.isEnabled()  # while it runs
    _wait_done(w, qtbot)
    assert any(m.startswith("Window 3 of 3") for m in seen)
    windows = _column(v, 0)
    assert windows[0] == "mean of 3"
    assert {"2025-10", "2025-11", "2025-12"} <= set(windows)
    assert v.verdict.text().startswith("Over 3 windows")
    assert "2 months before it" in v.verdict.text()
    v.close()


def test_bad_months_are_named_and_nothing_runs(demo_window, qtbot):
    w = demo_window
    w.actions_.evaluate.trigger()
    qtbot.waitUntil(lambda: getattr(w, "evaluation_view", None) is not None, timeout=GUI_TIMEOUT_MS)
    _wait_done(w, qtbot)
    v = w.evaluation_view
    v.choose_split("2025-01", "2025-10", "2025-10", "2025-12")  # the test overlaps the training
    qtbot.mouseClick(v.run_button, qtbot_button())
    assert not w.runner.busy
    assert "Evaluate > Test from" in v.message.text()
    v.choose_rolling(6, "2025-03", "2025-12")  # would train on 2024
    qtbot.mouseClick(v.run_button, qtbot_button())
    assert not w.runner.busy and "Months before each test month" in v.message.text()
    v.close()


def test_cancel_keeps_the_last_result(demo_window, qtbot):
    w = demo_window
    w.actions_.evaluate.trigger()
    qtbot.waitUntil(lambda: getattr(w, "evaluation_view", None) is not None, timeout=GUI_TIMEOUT_MS)
    _wait_done(w, qtbot)
    v = w.evaluation_view
    before = v.verdict.text()
    v.choose_rolling(3, "2025-04", "2025-12")
    ended = []
    w.runner.ended.connect(lambda name, outcome: ended.append((name, outcome)))
    qtbot.mouseClick(v.run_button, qtbot_button())
    qtbot.mouseClick(v.cancel_button, qtbot_button())  # at once: the worker stops at its next check
    _wait_done(w, qtbot)
    assert ended == [("evaluation", "cancelled")]
    assert v.verdict.text() == before and "cancelled" in v.message.text()
    assert v.run_button.isEnabled() and not v.cancel_button.isEnabled()
    v.close()


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
