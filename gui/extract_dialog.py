"""The app's slot for a force's records extract: choose the file, confirm its columns, load it.

File > "Open records extract…" asks for the CSV/XLSX, shows which column the engine found for
each fact (:func:`hotspots.data.extract_columns.detect_columns`, or a mapping saved beside the
extract earlier) and lets the analyst correct them, set the date format and the coordinate
system, and choose an offence-level harm table. The confirmed mapping is saved beside the
extract as ``<name>.mapping.json`` (the same JSON ``hotspots analyse --columns`` reads), so the
next extract from the same system needs no questions. The file is read in a worker job
through the engine's loader, like every other layer.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hotspots.data.errors import DataError
from hotspots.data.extract_columns import (
    COLUMN_KEYS,
    ColumnMap,
    detect_columns,
    merge_mapping,
    read_mapping,
)

from .actions import add_after

__all__ = ["ExtractDialog", "install_extract_action", "open_extract", "load_extract", "mapping_path_for", "layer_kinds",
           "EXTRACT_LABEL"]

_LABELS = {
    "id": "Crime reference", "offence_code": "Home Office offence code", "offence": "Offence (text)",
    "from_date": "Committed from: date", "from_time": "Committed from: time", "to_date": "Committed to: date",
    "to_time": "Committed to: time", "from": "Committed from (date and time)", "to": "Committed to (date and time)",
    "x": "Easting / x", "y": "Northing / y", "lat": "Latitude", "lon": "Longitude", "location": "Location",
}
_NONE = "(not in the file)"


def mapping_path_for(extract: str | Path) -> Path:
    """Where the app keeps an extract's confirmed mapping: beside it, ``<name>.mapping.json``."""
    p = Path(extract)
    return p.with_name(p.stem + ".mapping.json")


class ExtractDialog(QDialog):
    """Confirm which column holds what; ``mapping()`` is the result."""

    def __init__(self, headers: list[str], mapping: ColumnMap | None = None, *, extract: str = "",
                 harm_table: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Records extract: which column holds what")
        self.headers = list(headers)
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        for key in COLUMN_KEYS:
            box = QComboBox()
            box.addItems([_NONE, *self.headers])
            box.setAccessibleName(_LABELS[key])
            self.combos[key] = box
            form.addRow(_LABELS[key], box)
        self.crs = QLineEdit()
        self.crs.setPlaceholderText("EPSG:27700 (British National Grid) when x/y are given")
        form.addRow("Coordinate system (x/y)", self.crs)
        self.date_format = QLineEdit()
        self.date_format.setPlaceholderText("guessed, e.g. %d/%m/%Y")
        form.addRow("Date format (strftime)", self.date_format)
        self.harm = QLineEdit(harm_table or "")
        self.harm.setPlaceholderText("none: police.uk category weights")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_harm)
        row = QHBoxLayout()
        row.addWidget(self.harm, 1)
        row.addWidget(browse)
        form.addRow("Harm table (CSS or CCHI)", row)
        self.note = QLabel(f"<small>{_escape(extract)}</small>")
        self.note.setWordWrap(True)
        load = QPushButton("Load mapping…")
        load.clicked.connect(self._load_mapping)
        save = QPushButton("Save mapping as…")
        save.clicked.connect(self._save_mapping)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(load, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(save, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.set_mapping(mapping if mapping is not None else detect_columns(self.headers))

    def set_mapping(self, cm: ColumnMap) -> None:
        for key, box in self.combos.items():
            col = cm.get(key)
            box.setCurrentIndex(1 + self.headers.index(col) if col in self.headers else 0)
        self.crs.setText(cm.crs or "")
        self.date_format.setText(cm.date_format or "")

    def mapping(self) -> ColumnMap:
        cm = ColumnMap()
        for key, box in self.combos.items():
            text = box.currentText()
            cm.set(key, None if box.currentIndex() == 0 else text)
        cm.crs = self.crs.text().strip() or None
        cm.date_format = self.date_format.text().strip() or None
        return cm

    def harm_table(self) -> str | None:
        return self.harm.text().strip() or None

    def _choose_harm(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Harm table: Home Office code and weight or days", "",
                                              "Tables (*.csv *.xlsx)")
        if path:
            self.harm.setText(path)

    def _load_mapping(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Column mapping", "", "Mapping (*.json)")
        if path:
            try:
                self.set_mapping(merge_mapping(detect_columns(self.headers), read_mapping(path)))
            except DataError as exc:
                self.note.setText(_escape(str(exc)))

    def _save_mapping(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the column mapping", "", "Mapping (*.json)")
        if path:
            from hotspots.export.mapping_file import write_mapping

            try:
                write_mapping(self.mapping(), path)
            except OSError as exc:
                self.note.setText(_escape(f"could not save the mapping: {exc}"))


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


def load_extract(study: Any, layers: Any, extract: str, mapping: str | None, harm_table: str | None,
                 progress: Any = None, cancel: Any = None) -> Any:
    """Worker job: the study with the extract set, read through the engine's loader."""
    from hotspots.pipeline import load_layers

    from .tasks import LayerUpdate

    new = copy.deepcopy(study)
    new.extract, new.extract_columns, new.harm_table = extract, mapping, harm_table
    out = load_layers(new, previous=layers, progress=progress, cancel=cancel)
    return LayerUpdate(study=new, layers=out, changed=["extract"])


def open_extract(win: Any, path: str | None = None, *, ask: bool = True) -> Any:
    """File > Open records extract…: choose, confirm the columns, save the mapping, load."""
    if win.runner.busy:
        return None
    if win.state.layers.boundaries is None:
        win._error("Boundaries needed first", "An extract's crimes are placed in LSOAs by their grid reference, so "
                   "load the LSOA boundaries first.")
        return None
    if path is None:
        path, _ = QFileDialog.getOpenFileName(win, "A force's records extract", win.recent.last_folder() or "",
                                              "Records extracts (*.csv *.xlsx *.txt)")
        if not path:
            return None
    from hotspots.data.extract import peek_columns

    try:
        headers = peek_columns(path)
        saved = mapping_path_for(path)
        given = read_mapping(saved) if saved.exists() else ColumnMap()
    except DataError as exc:
        win._error("Cannot read the extract", str(exc))
        return None
    cm = merge_mapping(detect_columns(headers), given)
    harm = win.state.study.harm_table
    if ask:
        dlg = ExtractDialog(headers, cm, extract=str(path), harm_table=harm, parent=win)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        cm, harm = dlg.mapping(), dlg.harm_table()
    from hotspots.export.mapping_file import write_mapping

    target = mapping_path_for(path)
    try:
        write_mapping(cm, target)
    except OSError:  # a read-only share: keep the mapping with the app's own files
        target = write_mapping(cm, win._tmp / target.name)
    study, layers = win.state.study, win.state.layers
    return win._start("loading the extract",
                      lambda p, c: load_extract(study, layers, str(path), str(target), harm, p, c),
                      win._layers_loaded, "Reading the records extract…")


def install_extract_action(win: Any) -> QAction:
    """Add File > "Open records extract…" after "Open crime folder…" (and to the window's shortcuts)."""
    act = QAction("Open records e&xtract…", win)
    act.setStatusTip("Add a force's own crime records (offence code, committed from/to times, grid reference): "
                     "exact places and when to patrol")
    act.setToolTip(act.statusTip())
    act.triggered.connect(lambda _checked=False: open_extract(win))
    add_after(win, act, win.actions_.open_folder)
    return act


EXTRACT_LABEL = "Crime records extract"


def layer_kinds(study: Any) -> list[tuple[str, str]]:
    """The Layers panel's rows: the study's layer kinds, and the records extract when there is one."""
    from hotspots.study import LAYER_KINDS

    kinds = list(LAYER_KINDS.items())
    if getattr(study, "extract", None):
        kinds.insert(2, ("extract", EXTRACT_LABEL))
    return kinds
