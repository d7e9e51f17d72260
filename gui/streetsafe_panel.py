"""The StreetSafe tab: where every report went, unknown reasons, concerns and the actions log.

The actions table is the "we did" of "you said, we did": one row an action against a concern
(``concern_id, date, action, agency, status``). Rows are kept in the study
(``Study.action_rows``) and saved with it in the ``.hotspots`` file, so next quarter's run shows
them against the same concerns (concern ids never move). The panel never computes: the
accounting, the concerns and the checks come from the engine.
"""

from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hotspots.data.actions import ACTION_COLUMNS, actions_from_records
from hotspots.data.errors import DataError

__all__ = ["StreetSafePanel"]

_CONCERN_COLUMNS = [("concern_id", "Concern"), ("place", "Place"), ("reports", "Reports"), ("top_reasons", "Top reasons")]
_HEADERS = {"concern_id": "Concern", "date": "Date", "action": "Action", "agency": "Agency", "status": "Status"}


class StreetSafePanel(QWidget):
    """Accounting and unknown-reason notes, the concerns of the last run, and the actions table."""

    actionsEdited = Signal()

    def __init__(self, state, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a StudyState
        super().__init__(parent)
        self.state = state
        self.note = QLabel("No StreetSafe layer loaded.")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.reason_note = QLabel("")
        self.reason_note.setWordWrap(True)
        self.reason_note.setTextFormat(Qt.TextFormat.PlainText)
        self.reason_note.setStyleSheet("QLabel{background:#fff3bf;border:1px solid #e0c45c;padding:4px}")
        self.reason_note.setVisible(False)
        self.concerns = QTableWidget(0, len(_CONCERN_COLUMNS))
        self.concerns.setHorizontalHeaderLabels([h for _, h in _CONCERN_COLUMNS])
        self.concerns.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.concerns.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.concerns.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table = QTableWidget(0, len(ACTION_COLUMNS))
        self.table.setHorizontalHeaderLabels([_HEADERS[c] for c in ACTION_COLUMNS])
        self.table.horizontalHeader().setStretchLastSection(True)
        for k in (0, 1):  # the concern id and the date are read whole
            self.table.horizontalHeader().setSectionResizeMode(k, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        for t in (self.table, self.concerns):
            t.verticalHeader().setVisible(False)
        self.table.setToolTip("Actions taken on StreetSafe concerns; saved with the study (File > Save)")
        self.check = QLabel("")
        self.check.setWordWrap(True)
        self.check.setTextFormat(Qt.TextFormat.PlainText)
        self.add_button = QPushButton("Add action")
        self.add_button.setToolTip("A new action for the concern selected above")
        self.remove_button = QPushButton("Remove action")
        self.add_button.clicked.connect(self.add_action)
        self.remove_button.clicked.connect(self.remove_action)
        self.table.itemChanged.connect(self._store)
        self._fresh: int | None = None  # the row Add action just made, not checked until typed in
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        v = QVBoxLayout(self)
        v.addWidget(self.note)
        v.addWidget(self.reason_note)
        v.addWidget(QLabel("Concerns (150 m squares) in the last run"))
        v.addWidget(self.concerns, 2)
        v.addWidget(QLabel("You said, we did: actions"))
        v.addWidget(self.table, 2)
        v.addLayout(buttons)
        v.addWidget(self.check)
        state.studyChanged.connect(self.load_rows)
        state.layersChanged.connect(self.refresh)
        state.analysisChanged.connect(self.refresh)
        self.refresh()
        self.load_rows()

    # -- from the engine -----------------------------------------------------------------
    def refresh(self) -> None:
        """Accounting and unknown reasons from the layer's load report; concerns from the run."""
        rep = self.state.layers.reports.get("streetsafe") if self.state.layers.streetsafe is not None else None
        if rep is None:
            self.note.setText("No StreetSafe layer loaded.")
            self.reason_note.setVisible(False)
        else:
            acc = rep.info.get("placement")
            self.note.setText(acc["line"] if acc else rep.summary_line())
            unknown = rep.info.get("unknown_reasons", {})
            if unknown.get("count"):
                ex = ", ".join(repr(e) for e in unknown.get("examples", [])[:3])
                self.reason_note.setText(f"{unknown['count']} reason(s) are not in the reason table and are shown as "
                                         f"'Other: <text>' (e.g. {ex}). Add them to a reasons CSV to group them.")
            self.reason_note.setVisible(bool(unknown.get("count")))
        out = self.state.output
        result = getattr(out.analysis, "streetsafe", None) if out is not None else None
        frame = result.concerns if result is not None else None
        self.concerns.setRowCount(0 if frame is None else len(frame))
        if frame is not None:
            for r, row in enumerate(frame.itertuples(index=False)):
                d = row._asdict()
                for c, (key, _) in enumerate(_CONCERN_COLUMNS):
                    self.concerns.setItem(r, c, QTableWidgetItem(str(d.get(key, ""))))

    # -- the actions table -------------------------------------------------------------------
    def rows(self) -> list[dict[str, str]]:
        out = []
        for r in range(self.table.rowCount()):
            out.append({c: (self.table.item(r, k).text().strip() if self.table.item(r, k) else "")
                        for k, c in enumerate(ACTION_COLUMNS)})
        return out

    def load_rows(self) -> None:
        """Show the study's action rows (signals blocked: showing is not editing)."""
        rows = list(getattr(self.state.study, "action_rows", []) or [])
        if rows == self.rows():
            return
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for k, c in enumerate(ACTION_COLUMNS):
                    self.table.setItem(r, k, QTableWidgetItem(str(row.get(c, ""))))
        finally:
            self.table.blockSignals(False)
        self._validate()

    def add_action(self) -> None:
        sel = self.concerns.selectionModel().selectedRows() if self.concerns.selectionModel() else []
        cid = self.concerns.item(sel[0].row(), 0).text() if sel else ""
        values = {"concern_id": cid, "date": _dt.date.today().isoformat(), "action": "", "agency": "",
                  "status": "planned"}
        self.table.blockSignals(True)
        try:
            r = self.table.rowCount()
            self.table.insertRow(r)
            for k, c in enumerate(ACTION_COLUMNS):
                self.table.setItem(r, k, QTableWidgetItem(values[c]))
        finally:
            self.table.blockSignals(False)
        self._fresh = r
        self._store()
        col = ACTION_COLUMNS.index("action")
        self.table.setCurrentCell(r, col)
        self.table.setFocus()  # typing goes into the new row's action, never presses the button again
        self.table.editItem(self.table.item(r, col))

    def remove_action(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)
            self._fresh = None if self._fresh == r else (self._fresh - 1 if self._fresh and self._fresh > r
                                                           else self._fresh)
            self._store()

    def _validate(self) -> bool:
        rows = self.rows()
        fresh = self._fresh if self._fresh is not None and self._fresh < len(rows) else None
        if fresh is not None and not rows[fresh]["action"]:  # just added: no "check row" before any typing
            rows = rows[:fresh] + rows[fresh + 1:]
        try:
            actions_from_records(rows, "actions table")
        except DataError as exc:
            self.check.setText(f"Check row {(exc.row or 2) - 1}: {exc.message} ({exc.hint})")
            self.check.setStyleSheet("QLabel{color:#a00000}")
            return False
        self.check.setText(f"{self.table.rowCount()} action(s); saved with the study."
                           + (" Type what was done in the new row's Action." if len(rows) < self.table.rowCount()
                              else ""))
        self.check.setStyleSheet("")
        return True

    def _store(self, item: QTableWidgetItem | None = None) -> None:
        """Write the rows into the study (kept even while a row is incomplete) and mark it unsaved."""
        if item is not None and item.row() == self._fresh:
            self._fresh = None  # typed in: checked like any other row from now on
        self.state.study.action_rows = self.rows()
        self.state.dirty = True
        self._validate()
        self.actionsEdited.emit()
