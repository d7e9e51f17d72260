"""The main window: layers and analysis on the left, map and results in the middle, zones on the right.

The window wires widgets to the :class:`~gui.state.StudyState` and starts engine calls in the
:class:`~gui.workers.TaskRunner`; it computes nothing itself. Long work (reading, permutations,
exports) runs in the worker with a progress bar, a status line and a Cancel button, and its
result is committed in one step when it finishes, so a bad file or a Cancel leaves the study as
it was.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import shapely
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hotspots.data.errors import DataError

from . import dialogs, tasks
from .about import show_about
from .actions import build_actions
from .analysis_panel import AnalysisPanel
from .extract_dialog import install_extract_action
from .layer_loading import LayerLoadingMixin
from .layers_panel import LayersPanel
from .map_view import MapView
from .open_data import OpenDataMixin
from .publish import install_publish_action
from .recent import Recent, default_settings
from .results_table import ResultsTable
from .spots_panel import SpotsPanel
from .state import StudyState
from .streetsafe_panel import StreetSafePanel
from .study_files import StudyFilesMixin
from .time_player import TimePlayer
from .words import describe
from .workers import Task, TaskRunner
from .zones_panel import ZonesPanel

__all__ = ["MainWindow", "DEMO_BANNER"]

DEMO_BANNER = ("<b>SYNTHETIC DEMO DATA.</b> Demoton is a made-up town: none of these crimes, places or "
               "reports are real. To analyse your own area use <b>File &gt; Open layers…</b> (Ctrl+O) or "
               "drag LSOA boundaries and police.uk crime CSVs (files, a folder or the zip) onto this window.")


def _n_jobs() -> int:
    """Permutation threads: leave one core for the window."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class MainWindow(StudyFilesMixin, LayerLoadingMixin, OpenDataMixin, QMainWindow):
    """The desktop app. ``analysisShown`` fires when a run's table and zones are on screen,
    ``mapReady(bool)`` when its map page has loaded."""

    analysisShown = Signal()
    mapReady = Signal(bool)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("hotspots")
        self.resize(1500, 950)
        self.setAcceptDrops(True)
        self.confirm_close = True
        self.headless = False  # True: messages go to stderr, no modal dialogs
        self.state = StudyState(self)
        self.runner = TaskRunner(self)
        self.recent = Recent(settings if settings is not None else default_settings())
        self._tmp = Path(tempfile.mkdtemp(prefix="hotspots-gui-"))
        self._build()
        self.actions_ = build_actions(self, {
            "open_layers": lambda: self.add_layers(""), "open_folder": self.add_crime_folder,
            "open_data": self.get_open_data,
            "new_study": self.new_study, "open_study": self.choose_study, "open_demo": self.open_demo, "save": self.save_study,
            "save_as": lambda: self.save_study(ask=True), "export": self.export_all, "evidence": self.evidence_pack, "run": self.run_analysis,
            "cancel": self.cancel, "about": lambda: show_about(self), "quit": self.close,
            "evaluate": self.evaluate,
        })
        self._refresh_recent()
        self.open_extract_action = install_extract_action(self)  # a force's records extract (issue 25)
        self.publish_action = install_publish_action(self)  # File > Export for publication (issue 24)
        from .study_extras import install_study_extras

        self.study_extras = install_study_extras(self)  # study title, LSOA lookup, the map guide (issue 23)
        self.runner.busyChanged.connect(self._busy_changed)
        self.runner.progress.connect(self._progress)
        self.state.analysisChanged.connect(self._show_analysis)
        self.state.studyChanged.connect(self._study_changed)
        self.state.layersChanged.connect(self._layers_changed)
        self._study_changed()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = QFrame()
        self.banner.setStyleSheet("QFrame{background:#fff3bf;border-bottom:1px solid #e0c45c}"
                                  "QLabel{color:#4a3b00;font-size:13px}")
        self.banner_label = QLabel(DEMO_BANNER)
        self.banner_label.setWordWrap(True)
        close = QPushButton("Hide")
        close.setFlat(True)
        close.clicked.connect(self.banner.hide)
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(10, 6, 10, 6)
        bl.addWidget(self.banner_label, 1)
        bl.addWidget(close)
        self.banner.setVisible(False)

        self.layers_panel = LayersPanel(self.state)
        self.layers_panel.addRequested.connect(self.add_layers)
        self.layers_panel.removeRequested.connect(self.remove_layer)
        self.analysis_panel = AnalysisPanel(self.state)
        self.analysis_panel.n_jobs = _n_jobs()
        self.analysis_panel.runRequested.connect(self.run_analysis)
        layers_box = QGroupBox("Layers")
        QVBoxLayout(layers_box).addWidget(self.layers_panel)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(layers_box)
        left.addWidget(self.analysis_panel)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 2)
        left.setSizes([290, 560])

        self.map_view = MapView()
        self.map_view.ready.connect(self._map_ready)
        self.analysis_panel.displayChanged.connect(self.map_view.set_display)
        self.results = ResultsTable()
        self.results.lsoaSelected.connect(self.highlight_lsoa)
        self.time_player = TimePlayer(self.map_view)
        map_box = QWidget()
        mb = QVBoxLayout(map_box)
        mb.setContentsMargins(0, 0, 0, 0)
        mb.setSpacing(0)
        mb.addWidget(self.map_view, 1)
        mb.addWidget(self.time_player)
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(map_box)
        centre.addWidget(self.results)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 2)
        centre.setSizes([560, 320])

        self.zones = ZonesPanel()
        self.zones.zoneSelected.connect(self.highlight_zone)
        self.zones.lsoaSelected.connect(self.results.select_lsoa)
        right = QTabWidget()
        right.addTab(self.zones, "Patrol zones")
        self.spots = SpotsPanel()
        self.spots.spotSelected.connect(self.highlight_spot)
        right.addTab(self.spots, "Patrol spots")
        self.streetsafe_panel = StreetSafePanel(self.state)
        self.streetsafe_panel.actionsEdited.connect(self._study_changed)
        right.addTab(self.streetsafe_panel, "StreetSafe")

        main = QSplitter(Qt.Orientation.Horizontal)
        for w in (left, centre, right):
            main.addWidget(w)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setStretchFactor(2, 0)
        main.setSizes([400, 820, 380])
        self.splitters = (main, left, centre)
        body = QWidget()
        v = QVBoxLayout(body)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        v.addWidget(self.banner)
        v.addWidget(main, 1)
        self.setCentralWidget(body)

        sb = self.statusBar()
        self.status = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(240)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc)")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        sb.addWidget(self.status, 1)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)

    # -- messages --------------------------------------------------------------------------
    def _error(self, title: str, text: str) -> None:
        """An error dialog; on stderr instead when headless (``--screenshot``), where nobody can click OK."""
        from .words import app_words

        text = app_words(text)  # menus and fields, never command-line flags (#23)
        if self.headless:
            sys.stderr.write(f"error: {text}\n")
        else:
            dialogs.show_error(self, title, text)

    def _info(self, title: str, text: str) -> None:
        if self.headless:
            sys.stderr.write(f"{title}: {text}\n")
        else:
            dialogs.show_info(self, title, text)

    # -- running work ----------------------------------------------------------------------
    def _start(self, name: str, fn, on_finished, busy_text: str, on_error=None) -> Task | None:  # noqa: ANN001
        if self.runner.busy:
            self.status.setText(f"Still busy with {self.runner.current.name}: wait, or press Esc to cancel it.")
            return None
        task = Task(fn, name)
        self.status.setText(busy_text)
        return self.runner.start(
            task, on_finished=on_finished,
            on_error=on_error or (lambda text: self._failed(name, text)),
            on_cancelled=lambda: self.status.setText(f"{name.capitalize()} cancelled; nothing was changed."))

    def _failed(self, name: str, text: str) -> None:
        self.status.setText(f"{name.capitalize()} failed.")
        self._error(f"Could not finish: {name}", text)

    def _busy_changed(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.actions_.cancel.setEnabled(busy)
        for a in self.actions_.long_work():
            a.setEnabled(not busy)
        self.analysis_panel.run_button.setEnabled(not busy and self.state.can_analyse())
        self.layers_panel.add_button.setEnabled(not busy)
        if not busy:
            self._layers_changed()

    def _progress(self, message: str, fraction: float) -> None:
        self.progress.setValue(int(1000 * max(0.0, min(1.0, fraction))))
        self.status.setText(message)

    def cancel(self) -> None:
        if self.runner.busy:
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling… (stops at the next safe point)")

    # -- study and layer state -------------------------------------------------------------
    def _study_changed(self) -> None:
        from hotspots.study_title import places_title, user_title

        out = self.state.output  # the user's title, else the places the study covers (never a file name)
        name = user_title(self.state.study) or (places_title(out.analysis.table, self.state.layers)
                                                if out is not None else "Untitled study")
        self.setWindowTitle(f"hotspots — {name}{' *' if self.state.dirty else ''}")
        self.banner.setVisible(self.state.is_demo)

    def _layers_changed(self) -> None:
        self.analysis_panel.run_button.setEnabled(self.state.can_analyse() and not self.runner.busy)
        self.actions_.run.setEnabled(self.state.can_analyse() and not self.runner.busy)
        self.actions_.export.setEnabled(self.state.output is not None and not self.runner.busy)
        if self.state.stale:
            self.status.setText("Layers changed: press Run (Ctrl+R) to update the results.")

    # -- analysis --------------------------------------------------------------------------
    def run_analysis(self) -> Task | None:
        if not self.state.can_analyse():
            self._error("Nothing to analyse", "Load LSOA boundaries and police.uk crime files first "
                                              "(File > Open layers, or drag them onto the window).")
            return None
        settings = self.analysis_panel.settings()
        try:
            settings.validated()
        except DataError as exc:
            self._error("Check the settings", describe(exc))
            return None
        layers, study = self.state.layers, self.state.study
        return self._start(
            "analysis",
            lambda p, c: tasks.run_analysis(layers, settings, self._tmp, study=study, progress=p, cancel=c),
            self._analysed, f"Analysing with {settings.permutations:,} permutations…")

    def _analysed(self, output: tasks.RunOutput) -> None:
        self.state.set_output(output)
        self.state.dirty = True
        self._study_changed()
        self.status.setText(f"Analysis done in {output.seconds:.1f} s. " + " ".join(output.notes))

    def _show_analysis(self) -> None:
        out = self.state.output
        if out is None:
            self.results.set_table(None)
            self.time_player.set_time(None)
            self.zones.set_zones(None, None)
            self.spots.set_spots(None)
            self.map_view.show_message("No analysis yet: load layers and press Run.")
            return
        a = out.analysis
        table = a.table.drop(columns=a.table.geometry.name)
        if a.time is not None:  # the Trend sparkline column sorts by Sen's slope
            table["sparkline"] = a.time.trends.lsoa["sen_slope"].to_numpy()
        self.results.set_table(table, None if a.time is None else a.time.values)
        self.time_player.set_time(a.time)
        when = getattr(a, "when", None)  # a records extract's day-by-hour profiles (hotspots.when)
        self.zones.set_when(when)
        self.spots.set_when(when)
        zf = a.zone_frame
        self.zones.set_zones(None if zf is None else zf.drop(columns=zf.geometry.name),
                             a.zones.evidence if a.zones else None, a.zones.summary if a.zones else None,
                             has_streetsafe=self.state.layers.streetsafe is not None)
        self.spots.set_spots(a.spots)
        self.map_view.show_file(out.map_file)
        for old in self._tmp.glob("map_*.html"):  # earlier runs' pages (a county map is megabytes)
            if old != out.map_file:
                old.unlink(missing_ok=True)
        self.actions_.export.setEnabled(not self.runner.busy)
        self.analysisShown.emit()

    def _map_ready(self, ok: bool) -> None:
        self.map_view.set_display(self.analysis_panel.display_key())
        self.mapReady.emit(ok)

    def _highlight(self, shapes, key, label: str) -> None:  # noqa: ANN001
        if shapes is None or key not in shapes.index:
            return
        geom = shapes.loc[key]
        self.map_view.highlight(shapely.to_geojson(geom), geom.bounds, label)

    def highlight_lsoa(self, code: str) -> None:
        out = self.state.output
        if out is not None:
            self._highlight(out.lsoa_shapes, code, code)

    def highlight_zone(self, zone_id: int) -> None:
        out = self.state.output
        if out is not None:
            self._highlight(out.zone_shapes, zone_id, f"Zone {zone_id}")

    def evaluate(self):  # noqa: ANN201 - a Task or None
        """The Evaluate action: backtest the plans in a worker and show the table and curve."""
        from .evaluate import start_evaluation

        return start_evaluation(self)

    def highlight_spot(self, rank: int) -> None:
        """Zoom the map to a patrol spot (street scale) and outline it."""
        out = self.state.output
        spots = out.analysis.spots if out is not None else None
        if spots is None or not 1 <= rank <= len(spots.spots):
            return
        import geopandas as gpd

        geom = gpd.GeoSeries([spots.spots[rank - 1].geometry], crs=27700).to_crs(4326).iloc[0]
        self.map_view.highlight(shapely.to_geojson(geom), geom.bounds, f"Spot {rank}")

    # -- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        from .prompts import busy_close_ok

        if not busy_close_ok(self):  # a run or export still going: ask first (#23)
            event.ignore()
            return
        if self.confirm_close and self.state.dirty and not self.state.is_demo:
            answer = QMessageBox.question(
                self, "Save the study?", "Save the layers and settings before closing?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel)
            if answer == QMessageBox.StandardButton.Cancel or (
                    answer == QMessageBox.StandardButton.Save and self.save_study() is None):
                event.ignore()
                return
        self.runner.shutdown(60_000)
        shutil.rmtree(self._tmp, ignore_errors=True)
        super().closeEvent(event)
