"""Small modal dialogs: errors, "which layer is this?", and file pickers per layer kind.

They are module functions (not methods) so tests can patch one name, e.g.
``monkeypatch.setattr(gui.dialogs.QMessageBox, "critical", ...)``, and never block on a modal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from hotspots.study import LAYER_KINDS

__all__ = ["show_error", "show_info", "ask_kind", "choose_files", "choose_folder", "choose_study_file",
           "choose_save_study", "choose_save_path", "FILTERS"]

FILTERS = {
    "boundaries": "Boundaries (*.geojson *.json *.gpkg *.shp *.zip);;All files (*)",
    "crimes": "police.uk crime CSVs or zip (*.csv *.zip);;All files (*)",
    "imd": "Deprivation tables (*.csv *.xlsx);;All files (*)",
    "pubs": "Pubs (*.csv *.xlsx *.geojson *.json *.gpkg);;All files (*)",
    "streetsafe": "StreetSafe exports (*.csv *.xlsx *.geojson);;All files (*)",
    "population": "Population tables (*.csv *.xlsx);;All files (*)",
    "lsoa_lookup": "ONS LSOA (2011) to LSOA (2021) lookup (*.csv *.xlsx);;All files (*)",
    "": ("All supported (*.csv *.xlsx *.zip *.geojson *.json *.gpkg *.shp *.hotspots);;"
         "All files (*)"),
}


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    """One modal error with the engine's message (file, row/column, fix): never a traceback."""
    QMessageBox.critical(parent, title, text)


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def ask_kind(parent: QWidget | None, path: str, reason: str) -> str | None:
    """Ask which layer an unrecognised file is; None when the user cancels."""
    labels = list(LAYER_KINDS.values())
    label, ok = QInputDialog.getItem(
        parent, "Which layer is this?",
        f"{Path(path).name}\n({reason})\n\nLoad it as:", labels, 0, False)
    if not ok:
        return None
    return next(k for k, v in LAYER_KINDS.items() if v == label)


def choose_files(parent: QWidget | None, kind: str, start: str) -> list[str]:
    from .layers_panel import LOOKUP_LABEL

    label = LAYER_KINDS.get(kind) or (LOOKUP_LABEL if kind == "lsoa_lookup" else kind)
    title = f"Add {label.lower()}" if kind else "Add layers"
    if kind in ("crimes", ""):
        files, _ = QFileDialog.getOpenFileNames(parent, title, start, FILTERS[kind])
        return files
    file, _ = QFileDialog.getOpenFileName(parent, title, start, FILTERS[kind])
    return [file] if file else []


def choose_folder(parent: QWidget | None, title: str, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title, start)


def choose_study_file(parent: QWidget | None, start: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open study", start, "hotspots studies (*.hotspots);;All files (*)")
    return path


def choose_save_study(parent: QWidget | None, start: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Save study", start, "hotspots studies (*.hotspots)")
    return path


def choose_save_path(parent: QWidget | None, title: str, start: str, filters: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
    return path
