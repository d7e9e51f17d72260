"""Issue 27 items 8 and 12 in the app: a hostile study file is one message, never a hang or traceback."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("text", [
    '{"format": "hotspots-study", "version": 1, "lsoa_lookup": 5}',
    '{"format": "hotspots-study", "version": 1, "actions": ["a.csv"]}',
    '{"format": "hotspots-study", "version": 1, "action_rows": 5}',
    '{"format": "hotspots-study", "version": 1, "action_rows": "SS-E612300N165450"}',
    '{"format": "hotspots-study", "version": 1, "settings": {"seed": ' + "9" * 5000 + "}}",
    '{"format": "hotspots-study", "version": 1, "name": "a", "name": "b"}',
    "FIFO",
])
def test_12_a_hostile_study_is_one_message_in_the_app(demo_window, tmp_path, no_dialogs, text):
    w = demo_window
    study = w.state.study
    bad = tmp_path / "hostile.hotspots"
    if text == "FIFO":
        os.mkfifo(bad)
    else:
        bad.write_text(text)
    assert w.open_study_file(bad) is None
    assert no_dialogs and "hostile.hotspots" in no_dialogs[-1][2] and "Traceback" not in no_dialogs[-1][2]
    assert w.state.study is study
