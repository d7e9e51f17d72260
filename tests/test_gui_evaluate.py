"""The Evaluate action: runs the backtest in a worker and shows the plans' table and curve."""

from __future__ import annotations

import pytest
from conftest import GUI_TIMEOUT_MS

from gui.evaluate import default_split

pytestmark = pytest.mark.gui


def test_default_split():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    assert default_split(months) == ("2025-01", "2025-09", "2025-10", "2025-12")
    assert default_split(months[:3]) is None


def test_evaluate_action_shows_table_and_curve(demo_window, qtbot):
    w = demo_window
    assert w.actions_.evaluate.isEnabled()
    w.actions_.evaluate.trigger()
    qtbot.waitUntil(lambda: getattr(w, "evaluation_view", None) is not None and w.evaluation_view.isVisible(),
                    timeout=GUI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=GUI_TIMEOUT_MS)
    v = w.evaluation_view
    assert v.table.rowCount() == 4
    plans = [v.table.item(r, 0).text() for r in range(4)]
    assert plans[0] == "Patrol spots" and plans[1] == "LSOA zones"
    assert v.table.item(0, 2).text().endswith("%")
    assert not v.chart.pixmap().isNull() and v.chart.pixmap().width() > 500
    assert "2025-10" in v.caption.text()
    assert "Evaluated" in w.status.text()
    v.close()
