"""The window's model: the study, its loaded layers and the last analysis, emitting on change.

Widgets never hold study data of their own: they read it from here when a signal says it
changed (the napari habit: the model emits, the views listen), so the layers panel, the
analysis panel, the table, the zones list and the map always agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from hotspots.pipeline import Layers
from hotspots.study import DEMO_DIR, Settings, Study

from .tasks import LayerUpdate, RunOutput

__all__ = ["StudyState"]


class StudyState(QObject):
    """Study + layers + last run. All changes go through the methods so the signals fire."""

    layersChanged = Signal()
    analysisChanged = Signal()
    studyChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.study = Study()
        self.layers = Layers()
        self.output: RunOutput | None = None
        self.path: Path | None = None
        self.demo_dirs = {DEMO_DIR.resolve()}  # folders holding synthetic demo data
        self.stale = False  # layers changed since the shown analysis
        self.dirty = False
        self._weights: Any = None

    # -- queries ---------------------------------------------------------------------------
    @property
    def is_demo(self) -> bool:
        """True while the boundaries are the synthetic demo town's (the banner says so)."""
        b = self.study.boundaries
        try:
            return bool(b) and any(Path(b).resolve().is_relative_to(d) for d in self.demo_dirs)
        except OSError:
            return False

    def can_analyse(self) -> bool:
        return self.layers.boundaries is not None and self.layers.crimes is not None

    def months(self) -> list[str]:
        if self.layers.crimes is None or "month" not in self.layers.crimes:
            return []
        return sorted(str(m) for m in self.layers.crimes["month"].dropna().unique())

    def crime_type_counts(self) -> dict[str, int]:
        c = self.layers.crimes
        if c is None or "crime_type" not in c:
            return {}
        return {str(k): int(v) for k, v in c["crime_type"].value_counts().items()}

    def weights_for_reuse(self) -> Any:
        """The last run's weights, passed back to the engine so a filter change skips rebuilding them."""
        return self._weights

    # -- changes ---------------------------------------------------------------------------
    def apply_layers(self, up: LayerUpdate) -> None:
        """Commit a load job's layers (all of them together) and their file paths."""
        for kind, data in up.data.items():
            if kind == "harm_weights":
                self.layers.harm_weights = data
                self.study.harm_weights_file = str(up.paths[kind])
            else:
                setattr(self.layers, kind, data)
                setattr(self.study, kind, up.paths[kind])
        self.layers.reports.update(up.reports)
        self.layers.timings.update(up.timings)
        if "boundaries" in up.data:
            self._weights = None
            self.study.name = Path(str(up.paths["boundaries"])).stem
        self.stale = self.output is not None
        self.dirty = True
        self.layersChanged.emit()
        self.studyChanged.emit()

    def remove_layer(self, kind: str) -> None:
        """Forget a layer; boundaries take the crimes with them (crimes are placed in them)."""
        kinds = ["boundaries", "crimes"] if kind == "boundaries" else [kind]
        for k in kinds:
            setattr(self.layers, k, None)
            self.layers.reports.pop(k, None)
            setattr(self.study, k, [] if k == "crimes" else None)
        if kind == "boundaries":
            self._weights = None
        self.stale = self.output is not None
        self.dirty = True
        self.layersChanged.emit()
        self.studyChanged.emit()

    def set_settings(self, settings: Settings) -> None:
        self.study.settings = settings
        self.dirty = True

    def set_output(self, output: RunOutput) -> None:
        self.output = output
        self.study.settings = output.analysis.settings
        self._weights = (output.analysis.weights, output.analysis.weights_info)
        self.stale = False
        self.analysisChanged.emit()

    def replace(self, study: Study, layers: Layers, output: RunOutput | None, *,
                path: Path | None = None) -> None:
        """Swap in a whole opened study (a .hotspots file or the demo)."""
        self.study, self.layers, self.path = study, layers, path
        self._weights = None
        self.output = None
        self.dirty = False
        self.layersChanged.emit()
        if output is not None:
            self.set_output(output)
        else:
            self.analysisChanged.emit()
        self.studyChanged.emit()

    def mark_saved(self, path: Path) -> None:
        self.path, self.dirty = path, False
        self.studyChanged.emit()
