"""Adding layers by menu, toolbar and drag-and-drop, as a mixin of the main window.

Each file's kind is guessed from its name, extension and header (:mod:`gui.file_kinds`); the
window asks only when the guess is unsure. All the files of one drop are read in one worker
job and committed together, so a bad file leaves every previous layer as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from hotspots.study import LAYER_KINDS

from . import dialogs, tasks
from .file_kinds import group_paths, guess_kind
from .workers import Task

__all__ = ["LayerLoadingMixin"]


class LayerLoadingMixin:
    """Layer actions of :class:`gui.main_window.MainWindow` (uses its state, runner, recent)."""

    def add_layers(self, kind: str = "") -> Task | None:
        files = dialogs.choose_files(self, kind, self.recent.last_folder())
        if not files:
            return None
        self.recent.set_last_folder(files[0])
        return self.load_paths(files, kind or None)

    def add_crime_folder(self) -> Task | None:
        folder = dialogs.choose_folder(self, "Folder of police.uk street CSVs", self.recent.last_folder())
        if not folder:
            return None
        self.recent.set_last_folder(folder)
        return self.load_paths([folder], "crimes")

    def load_paths(self, paths: list[str], kind: str | None = None) -> Task | None:
        """Load files as layers: ``kind`` for all of them, or guessed per file (asking when unsure)."""
        kinds: dict[str, str] = {}
        for p in paths:
            k = kind
            if k is None:
                guess = guess_kind(p)
                if guess.kind == "study":
                    return self.open_study_file(p)
                k = guess.kind or dialogs.ask_kind(self, p, guess.reason)
                if k is None:
                    self.status.setText(f"Skipped {Path(p).name}.")
                    continue
            kinds[str(p)] = k
        if not kinds:
            return None
        from .prompts import one_file_per_layer

        kinds = one_file_per_layer(self, kinds, LAYER_KINDS)  # two deprivation files: ask, never last-wins
        if not kinds:
            self.status.setText("Nothing loaded.")
            return None
        items = group_paths(kinds)
        fresh = self.state.is_demo  # layers opened over the demo start the user's own study
        if "crimes" in items and "boundaries" not in items and (fresh or self.state.layers.boundaries is None):
            self._error("Boundaries needed first",
                               "Crimes are placed in LSOAs by their location, so load the LSOA boundaries first "
                               "(or drop them together with the crime files).")
            return None
        study, layers = self.state.study, self.state.layers
        names = ", ".join(LAYER_KINDS.get(k, k).lower() for k in items)
        return self._start("loading layers",
                           lambda p, c: tasks.load_files(study, layers, items, new_study=fresh, progress=p,
                                                         cancel=c),
                           self._layers_loaded, f"Reading {names}…")

    def _layers_loaded(self, up: tasks.LayerUpdate) -> None:
        self.state.apply_layers(up)
        lines = [up.layers.reports[k].summary_line() for k in up.changed if k in up.layers.reports]
        self.status.setText("Loaded: " + "; ".join(lines) + (" — press Run to analyse." if self.state.can_analyse()
                                                              else ""))

    def remove_layer(self, kind: str) -> None:
        if self.runner.busy:
            return
        self.state.remove_layer(kind)


    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        if paths:
            self.load_paths(paths)
