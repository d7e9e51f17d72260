"""The window's model: the study, its loaded layers and the last analysis, emitting on change.

Widgets never hold study data of their own: they read it from here when a signal says it
changed (the napari habit: the model emits, the views listen), so the layers panel, the
analysis panel, the table, the zones list and the map always agree.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from hotspots.model import Layers
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

    # -- changes ---------------------------------------------------------------------------
    def apply_layers(self, up: LayerUpdate) -> None:
        """Commit a load job: the study with its new files and the layers read for it, together.

        A job that started a new study (layers opened while the demo was shown) replaces the
        demo's analysis too, so nothing of the demo is mixed into the user's study."""
        if up.new_study:
            self.output = None
            self.path = None
            self.analysisChanged.emit()
        self.study, self.layers = up.study, up.layers
        self.stale = self.output is not None
        self.dirty = True
        self.layersChanged.emit()
        self.studyChanged.emit()

    def remove_layer(self, kind: str) -> None:
        """Forget a layer and what depended on it (boundaries take the crimes with them)."""
        from hotspots.pipeline import without

        self.layers, self.study = without(self.layers, self.study, kind)
        self.stale = self.output is not None
        self.dirty = True
        self.layersChanged.emit()
        self.studyChanged.emit()

    def new_study(self) -> None:
        """An empty study: no layers, no analysis (File > New study)."""
        self.replace(Study(), Layers(), None)

    def set_settings(self, settings: Settings) -> None:
        self.study.settings = settings
        self.dirty = True

    def set_output(self, output: RunOutput) -> None:
        self.output = output
        self.study.settings = output.analysis.settings
        self.stale = False
        self.analysisChanged.emit()

    def replace(self, study: Study, layers: Layers, output: RunOutput | None, *,
                path: Path | None = None) -> None:
        """Swap in a whole opened study (a .hotspots file or the demo)."""
        self.study, self.layers, self.path = study, layers, path
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
