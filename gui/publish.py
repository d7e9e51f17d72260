"""File > Export for publication: a publication set of the analysis shown, written in the worker.

The dialog asks only what a publication set needs: the folder, the suppression threshold
("fewer than 5" by default), crime types to keep at LSOA level, and whether the public "you
said, we did" also lists concerns under review. The engine writes the set
(:func:`hotspots.export.public_set.write_public_set` through ``write_outputs(public=True)``),
off the GUI thread with progress and Cancel like every export; the window computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hotspots.publish.disclosure import DEFAULT_THRESHOLD

from .actions import add_after

__all__ = ["PublishChoice", "PublishDialog", "install_publish_action", "export_for_publication", "publish"]


@dataclass(frozen=True)
class PublishChoice:
    folder: str
    threshold: int = DEFAULT_THRESHOLD
    sensitive: tuple[str, ...] = ()
    under_review: bool = False


class PublishDialog(QDialog):
    """Ask where and how strictly to publish; :meth:`choice` is the answer."""

    def __init__(self, folder: str = "", threshold: int = DEFAULT_THRESHOLD, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export for publication")
        intro = QLabel("Writes only files fit to publish: counts from 1 to the threshold minus one are shown as "
                       "'fewer than N', areas only (no crime or StreetSafe points), no free text, the public "
                       "'you said, we did' and disclosure.txt, the log a reviewer signs off.")
        intro.setWordWrap(True)
        self.folder = QLineEdit(folder)
        self.folder.setAccessibleName("Folder for the publication set")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.threshold = QSpinBox()
        self.threshold.setRange(2, 100)
        self.threshold.setValue(int(threshold))
        self.threshold.setToolTip("Counts below this are shown as 'fewer than N' (5 is the usual UK convention)")
        self.sensitive = QLineEdit()
        self.sensitive.setPlaceholderText("e.g. Robbery; Stalking (sexual offences always are)")
        self.sensitive.setToolTip("Crime types shown only at LSOA level and above the threshold; separate with ;")
        self.under_review = QCheckBox("List concerns under review in 'you said, we did'")
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Suppress counts below", self.threshold)
        form.addRow("Sensitive crime types", self.sensitive)
        form.addRow("", self.under_review)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        v = QVBoxLayout(self)
        v.addWidget(intro)
        v.addLayout(form)
        v.addWidget(buttons)

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Folder for the publication set", self.folder.text())
        if d:
            self.folder.setText(d)

    def choice(self) -> PublishChoice:
        types = tuple(t.strip() for t in self.sensitive.text().replace(",", ";").split(";") if t.strip())
        return PublishChoice(self.folder.text().strip(), self.threshold.value(), types, self.under_review.isChecked())


def publish(analysis: Any, layers: Any, study: Any, choice: PublishChoice, *, progress=None,  # noqa: ANN001
            cancel=None) -> tuple[dict, list[Path]]:  # noqa: ANN001
    """The worker's job: the engine's publication set of ``analysis`` into ``choice.folder``."""
    from hotspots.pipeline import check_out_dir, write_outputs

    out = Path(choice.folder)
    check_out_dir(out)
    settings = replace(analysis.settings, suppress_below=int(choice.threshold),
                       sensitive_types=list(choice.sensitive) or None, update_under_review=bool(choice.under_review))
    settings.validated()  # a bad threshold is said in the engine's words before any file is written
    analysis = replace(analysis, settings=settings)
    return write_outputs(analysis, layers, replace(study, settings=settings), out, exports=True, progress=progress,
                         cancel=cancel, public=True)


def export_for_publication(win: Any, choice: PublishChoice | None = None) -> Any:
    """Ask (unless ``choice`` is given) and start the worker; the Task, or None when nothing starts."""
    out = win.state.output
    if out is None:
        win._error("Nothing to publish", "Run the analysis first (Ctrl+R).")
        return None
    if choice is None:
        dlg = PublishDialog(str(Path(win.recent.last_folder()) / "publication"),
                            int(getattr(out.analysis.settings, "suppress_below", DEFAULT_THRESHOLD)), win)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        choice = dlg.choice()
    if not choice.folder:
        win._error("No folder", "Choose a folder for the publication set.")
        return None
    layers, study = win.state.layers, win.state.study
    return win._start("publication", lambda p, c: publish(out.analysis, layers, study, choice, progress=p, cancel=c),
                      lambda r: _published(win, Path(choice.folder), r), f"Writing a publication set to {choice.folder}…")


def _published(win: Any, folder: Path, result: tuple[dict, list[Path]]) -> None:
    summary, written = result
    cells = summary.get("disclosure", {}).get("cells_suppressed", 0)
    win.status.setText(f"Publication set: {len(written)} files in {folder}; {cells:,} cells suppressed")
    names = "\n".join(f"  {Path(p).name}" for p in written)
    win._info("Publication set written", f"Wrote {len(written)} files to {folder} ({cells:,} cells suppressed or "
                                         f"removed; see disclosure.txt):\n{names}")


def install_publish_action(win: Any) -> QAction:
    """Add File > "Export for publication…" after "Export all…", disabled while a worker runs."""
    act = QAction("Export for &publication…", win)
    act.setStatusTip("Write a publication set: small counts suppressed, areas only, the public 'you said, we did' "
                     "and a disclosure log")
    act.setToolTip(act.statusTip())
    act.triggered.connect(lambda _checked=False: export_for_publication(win))
    add_after(win, act, win.actions_.export)
    win.runner.busyChanged.connect(lambda busy: act.setEnabled(not busy))
    return act
