"""The analysis panel's patrol-zone settings reach the engine and come back from a study."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")


def test_zone_settings_round_trip(qtbot):
    from gui.analysis_panel import AnalysisPanel
    from gui.state import StudyState
    from hotspots.study import Settings

    panel = AnalysisPanel(StudyState())
    qtbot.addWidget(panel)
    s = panel.settings()
    assert (s.zones, s.zone_share) == (40, 0.35)  # the engine's defaults
    panel.zones.setValue(12)
    panel.zone_share.setValue(50)
    s = panel.settings()
    assert (s.zones, s.zone_share) == (12, 0.5)
    assert s.validated().zone_share == 0.5
    panel.set_settings(Settings(zones=7, zone_share=0.2))
    assert panel.zones.value() == 7 and panel.zone_share.value() == pytest.approx(20)
    assert panel.settings().zone_share == 0.2
