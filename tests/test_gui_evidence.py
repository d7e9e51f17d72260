"""Evidence pack... from the window: selected LSOAs (or the selected zone) make the pack's area."""

from __future__ import annotations

import pytest
from conftest import GUI_TIMEOUT_MS

pytestmark = pytest.mark.gui


def test_evidence_pack_for_selected_lsoas(demo_window, qtbot, tmp_path, no_dialogs):
    from docx import Document
    from PySide6.QtCore import QItemSelectionModel

    w = demo_window
    assert w.evidence_area() is None or w.evidence_area().startswith("zone:")
    view = w.results.view
    sel = view.selectionModel()
    sel.clearSelection()
    for r in (0, 2):
        idx = w.results.proxy.index(r, 0)
        sel.select(idx, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    codes = w.results.selected_codes()
    assert len(codes) == 2
    assert w.evidence_area() == "lsoa:" + ",".join(codes)
    path = tmp_path / "pack" / "evidence.docx"
    with qtbot.waitSignal(w.runner.ended, timeout=GUI_TIMEOUT_MS) as blocker:
        assert w.evidence_pack(str(path)) is not None
    assert blocker.args == ["evidence", "finished"]
    doc = Document(str(path))
    assert "2 selected LSOAs in Demoton" in [p.text for p in doc.paragraphs]  # named by their district (#23)
    assert len(doc.inline_shapes) >= 1 and len(doc.tables) >= 1
    assert w.actions_.evidence.text().startswith("E&vidence")
