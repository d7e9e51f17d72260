"""The layers panel: each input, what was read, kept and dropped (and why), and its warnings.

Nothing is silently lost in the engine (every dropped row has a reason in the LoadReport); this
panel is where a user sees those reasons without opening a log.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hotspots.data.report import LoadReport
from hotspots.study import LAYER_KINDS

from .extract_dialog import layer_kinds
from .state import StudyState
from .words import app_words

__all__ = ["LayersPanel", "REQUIRED", "LOOKUP_LABEL"]

#: the slot for the ONS LSOA 2011 -> 2021 lookup that carries deprivation across vintages
LOOKUP_LABEL = "LSOA lookup (2011 to 2021)"

REQUIRED = {"boundaries", "crimes"}
_HELP = {
    "boundaries": "ONS LSOA polygons: GeoJSON, GeoPackage, shapefile or a zip of one (2011 or 2021 codes)",
    "crimes": "police.uk street-level CSVs: one file, a folder of months, or the bulk download zip",
    "imd": "English Indices of Deprivation: IMD 2019 File 1 or IoD 2025 (CSV or XLSX)",
    "pubs": "Open Pubs CSV, an OSM GeoJSON of amenity=pub, or any CSV with lat/lon or easting/northing",
    "streetsafe": "StreetSafe report export (CSV or XLSX with location, date and reasons)",
    "population": "Residents per LSOA (IoD 2019 File 6, census TS001, or code,population)",
    "lsoa_lookup": "ONS 'LSOA (2011) to LSOA (2021) Exact Fit Lookup' CSV (LSOA11CD, LSOA21CD, CHGIND): joins "
                   "IMD 2019 to 2021 LSOAs, or IoD 2025 to 2011 LSOAs. Optional.",
}


def _wrapped_tip(text: str) -> str:
    """A tooltip that wraps (Qt wraps rich text only), the text escaped."""
    import html

    return "<p style='white-space:pre-wrap'>" + html.escape(text).replace("\n", "<br>") + "</p>"


def show_warning_details(parent: QWidget, layer: str, text: str) -> None:
    """A load warning in full, in a window (tests patch this)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, f"{layer}: warning" if layer else "Warning", text,
                      QMessageBox.StandardButton.Ok, parent)
    box.exec()


def _paths_text(path: str | list[str] | None) -> str:
    if not path:
        return ""
    if isinstance(path, list):
        names = [Path(p).name for p in path]
        return names[0] if len(names) == 1 else f"{names[0]} + {len(names) - 1} more"
    return Path(path).name


def _info_text(rep: LoadReport) -> str:
    """The few facts from ``LoadReport.info`` worth a glance: months, LSOA vintage, file count."""
    info, parts = rep.info, []
    months = info.get("months")
    if isinstance(months, list) and months:
        parts.append(f"{months[0]} to {months[-1]}" if len(months) > 1 else str(months[0]))
    if isinstance(info.get("files"), int) and info["files"] > 1:
        parts.append(f"{info['files']} files")
    vintage = info.get("lsoa_vintage") or info.get("vintage")
    if vintage:
        parts.append(f"{vintage}" if not str(vintage).isdigit() else f"{vintage} LSOAs")
    return f" ({', '.join(parts)})" if parts else ""


class LayersPanel(QWidget):
    """A tree of the six layer kinds; emits what the user asks for, the window does it."""

    addRequested = Signal(str)  # a kind, or "" for "guess from the file"
    removeRequested = Signal(str)

    def __init__(self, state: StudyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Layer", "Read", "Kept", "Dropped"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        hdr = self.tree.header()
        hdr.setStretchLastSection(False)
        hdr.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            hdr.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())

        self.add_button = QPushButton("Add layer")
        self.add_button.setToolTip("Add a file or folder; you can also drag files onto the window")
        menu = QMenu(self.add_button)
        menu.addAction("Any file (guess the kind)…", lambda: self.addRequested.emit(""))
        menu.addSeparator()
        for kind, label in LAYER_KINDS.items():
            menu.addAction(f"{label}…", lambda k=kind: self.addRequested.emit(k))
        self.add_button.setMenu(menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected layer from the study")
        self.remove_button.clicked.connect(self._remove_clicked)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tree, 1)
        lay.addLayout(buttons)
        state.layersChanged.connect(self.refresh)
        self.refresh()

    def _kind_of(self, item: QTreeWidgetItem | None) -> str | None:
        while item is not None and item.parent() is not None:
            item = item.parent()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        kind = self._kind_of(self.tree.currentItem())
        self.remove_button.setEnabled(bool(kind) and (kind == "extract" or getattr(self.state.layers, kind, None) is not None))

    def _remove_clicked(self) -> None:
        kind = self._kind_of(self.tree.currentItem())
        if kind:
            self.removeRequested.emit(kind)

    def _double_clicked(self, item: QTreeWidgetItem, _col: int) -> None:
        full = item.data(0, Qt.ItemDataRole.UserRole + 1)
        if full:  # a load warning: the whole text in a window (the row cuts it off)
            show_warning_details(self, item.parent().text(0) if item.parent() else "", str(full))
            return
        kind = self._kind_of(item)
        if kind and item.parent() is None and getattr(self.state.layers, kind, None) is None:
            self.addRequested.emit(kind)

    def item_for(self, kind: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            if it.data(0, Qt.ItemDataRole.UserRole) == kind:
                return it
        return None

    def refresh(self) -> None:
        """Rebuild the tree from the state (cheap: six layers and their reasons)."""
        self.tree.clear()
        warn_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        ok_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
        missing_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogNewFolder)
        grey = QBrush(QColor("#777777"))
        kinds = [*layer_kinds(self.state.study), ("lsoa_lookup", LOOKUP_LABEL)]  # + the lookup's slot (#23)
        for kind, label in kinds:  # + the records extract (gui.extract_dialog)
            rep: LoadReport | None = self.state.layers.reports.get(kind)
            loaded = (kind == "extract" or getattr(self.state.layers, kind, None) is not None) and rep is not None
            item = QTreeWidgetItem(self.tree)
            item.setData(0, Qt.ItemDataRole.UserRole, kind)
            if not loaded:
                need = " (required)" if kind in REQUIRED and not (kind == "crimes" and self.state.study.extract) else ""
                item.setText(0, f"{label}: not loaded{need}")
                item.setForeground(0, grey)
                item.setIcon(0, missing_icon)
                item.setToolTip(0, f"{_HELP[kind]}\nDouble-click to add.")
                continue
            path = getattr(self.state.study, kind)
            item.setText(0, label)
            item.setText(1, f"{rep.rows_read:,}")
            item.setText(2, f"{rep.rows_kept:,}")
            item.setText(3, f"{rep.rows_dropped:,}")
            for c in (1, 2, 3):
                item.setTextAlignment(c, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setIcon(0, warn_icon if rep.warnings else ok_icon)
            files = path if isinstance(path, list) else [path]
            item.setToolTip(0, rep.summary_line() + "\n" + "\n".join(str(f) for f in files))
            child = QTreeWidgetItem(item, [_paths_text(path) + _info_text(rep)])
            child.setForeground(0, grey)
            child.setToolTip(0, "\n".join(str(f) for f in files))
            child.setFirstColumnSpanned(True)
            placement = rep.info.get("placement")  # StreetSafe: where every report went
            if placement:
                child = QTreeWidgetItem(item, [placement["line"]])
                child.setFirstColumnSpanned(True)
                child.setToolTip(0, placement["line"])
            for reason, n in sorted(rep.dropped.items(), key=lambda kv: -kv[1]):
                child = QTreeWidgetItem(item, [f"{n:,} dropped: {reason}"])
                child.setFirstColumnSpanned(True)
                child.setToolTip(0, f"{n:,} rows dropped because: {reason}")
            for text in rep.warnings:
                text = app_words(text)  # the window's words, not the command line's
                child = QTreeWidgetItem(item, [text])
                child.setIcon(0, warn_icon)
                child.setToolTip(0, _wrapped_tip(text + "\n\nDouble-click to read it in a window."))
                child.setData(0, Qt.ItemDataRole.UserRole + 1, text)
                child.setFirstColumnSpanned(True)
            item.setExpanded(bool(rep.dropped or rep.warnings))
        self._update_buttons()
