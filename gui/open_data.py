"""*File > Get open data...*: fetch police.uk months, ONS boundaries and the IoD files, then load them.

The dialog only collects an :class:`hotspots.fetch.jobs.OpenDataRequest`; the fetch runs in
the window's worker (progress bar, Esc cancels; what was fetched stays cached, so asking
again continues), and the files it wrote are loaded as layers like any dropped file. The
service addresses default to the environment (``HOTSPOTS_POLICE_API`` and friends), so a
force with a local mirror sets them once.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QCheckBox,
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

from hotspots.fetch.jobs import OpenDataRequest, fetch_open_data

from .workers import Task

__all__ = ["OpenDataDialog", "OpenDataMixin"]

#: deprivation choices: release key (hotspots.fetch.imd.RELEASES) -> label
_RELEASES = {None: "none", "imd2019": "IMD 2019, Files 1 and 6 (2011 LSOAs)",
             "iod2025": "IoD 2025, File 7 (2021 LSOAs)", "all": "both"}


class OpenDataDialog(QDialog):
    """Area, months, datasets and folder for one fetch."""

    def __init__(self, parent: QWidget | None = None, *, boundaries: str | None = None, folder: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Get open data")
        self.boundaries = boundaries
        form = QFormLayout()
        area = (f"the loaded boundaries ({os.path.basename(boundaries)})" if boundaries
                else "no boundaries loaded: name local authorities or a force below")
        form.addRow("Area:", QLabel(area))
        self.lads = QLineEdit()
        self.lads.setPlaceholderText("e.g. Ashford, Medway (for ONS boundaries)")
        form.addRow("Local authorities:", self.lads)
        self.force = QLineEdit()
        self.force.setPlaceholderText("police.uk force id, e.g. kent (crimes without boundaries)")
        form.addRow("Police force:", self.force)
        self.month_from = QLineEdit()
        self.month_from.setPlaceholderText("YYYY-MM (empty: the newest month)")
        self.month_to = QLineEdit()
        self.month_to.setPlaceholderText("YYYY-MM")
        months = QHBoxLayout()
        months.addWidget(self.month_from)
        months.addWidget(QLabel("to"))
        months.addWidget(self.month_to)
        form.addRow("Months:", months)
        self.want_crimes = QCheckBox("police.uk street-level crimes")
        self.want_crimes.setChecked(True)
        self.want_boundaries = QCheckBox("ONS LSOA boundaries")
        self.want_boundaries.setChecked(boundaries is None)
        self.year = QComboBox()
        self.year.addItems(["2021", "2011"])
        self.imd = QComboBox()
        for key, label in _RELEASES.items():
            self.imd.addItem(label, key)
        b_row = QHBoxLayout()
        b_row.addWidget(self.want_boundaries)
        b_row.addWidget(QLabel("LSOA year"))
        b_row.addWidget(self.year)
        form.addRow("Datasets:", self.want_crimes)
        form.addRow("", b_row)
        form.addRow("Deprivation:", self.imd)
        self.folder = QLineEdit(folder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        f_row = QHBoxLayout()
        f_row.addWidget(self.folder, 1)
        f_row.addWidget(browse)
        form.addRow("Save in folder:", f_row)
        self.police_api = QLineEdit(os.environ.get("HOTSPOTS_POLICE_API", ""))
        self.police_api.setPlaceholderText("https://data.police.uk/api")
        self.ons_api = QLineEdit(os.environ.get("HOTSPOTS_ONS_API", ""))
        self.ons_api.setPlaceholderText("ONS ArcGIS services (default)")
        self.imd_url = QLineEdit(os.environ.get("HOTSPOTS_IMD_URL", ""))
        self.imd_url.setPlaceholderText("GOV.UK (default)")
        form.addRow("police.uk API:", self.police_api)
        form.addRow("ONS service:", self.ons_api)
        form.addRow("IoD files:", self.imd_url)
        self.message = QLabel("")
        self.message.setStyleSheet("color:#a00")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Fetch and load")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        v = QVBoxLayout(self)
        v.addLayout(form)
        v.addWidget(QLabel("Fetching needs a connection (or a local mirror); analysis never does."))
        v.addWidget(self.message)
        v.addWidget(buttons)

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Folder for the open data", self.folder.text())
        if d:
            self.folder.setText(d)

    def request(self) -> OpenDataRequest:
        """The request as filled in (empty fields become None)."""
        def txt(w: QLineEdit) -> str | None:
            return w.text().strip() or None

        return OpenDataRequest(
            folder=self.folder.text().strip(), boundaries=self.boundaries,
            lads=[s.strip() for s in self.lads.text().split(",") if s.strip()], year=self.year.currentText(),
            force=txt(self.force), month_from=txt(self.month_from), month_to=txt(self.month_to),
            crimes=self.want_crimes.isChecked(), get_boundaries=self.want_boundaries.isChecked(),
            imd=self.imd.currentData(),
            police_api=txt(self.police_api), ons_api=txt(self.ons_api), imd_url=txt(self.imd_url))

    def problem(self) -> str:
        """Why the request cannot run, in words, or "" when it can."""
        r = self.request()
        if not r.folder:
            return "Pick a folder for the files."
        if not (r.crimes or r.get_boundaries or r.imd):
            return "Tick at least one dataset."
        if r.get_boundaries and not (r.lads or r.boundaries):
            return "Name the local authorities whose LSOA boundaries to fetch."
        if r.crimes and not (r.boundaries or r.get_boundaries or r.force):
            return "Crimes need an area: load or fetch boundaries, or give a police force."
        return ""

    def _accept(self) -> None:
        text = self.problem()
        if text:
            self.message.setText(text)
            return
        self.accept()


class OpenDataMixin:
    """The window's *Get open data...* action (uses its runner, recent folders and load_paths)."""

    def get_open_data(self, request: OpenDataRequest | None = None) -> Task | None:
        """Ask (unless ``request`` is given), fetch in the worker, then load what was written."""
        if request is None:
            b = (self.state.study.boundaries if self.state.layers.boundaries is not None and not self.state.is_demo
                 else None)  # the demo town is synthetic: no police.uk data there
            dlg = OpenDataDialog(self, boundaries=b, folder=self.recent.last_folder())
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return None
            request = dlg.request()
        self.recent.set_last_folder(request.folder)
        return self._start("fetching open data",
                           lambda p, c: fetch_open_data(request, progress=p, cancel=c),
                           self._open_data_fetched, "Fetching open data…")

    def _open_data_fetched(self, items: dict) -> None:
        """Load what the fetch wrote, as if the files had been dropped on the window."""
        if not items:
            self.status.setText("Nothing new was fetched.")
            return
        from . import tasks

        fresh = self.state.is_demo  # fetched layers over the demo start the user's own study
        if "crimes" in items and "boundaries" not in items and (fresh or self.state.layers.boundaries is None):
            self._error("Boundaries needed first",
                        f"The crimes were saved in {items['crimes'][0]}; load LSOA boundaries, then that folder.")
            return
        study, layers = self.state.study, self.state.layers
        self._start("loading layers",
                    lambda p, c: tasks.load_files(study, layers, items, new_study=fresh, progress=p, cancel=c),
                    self._layers_loaded, "Loading the fetched files…")
