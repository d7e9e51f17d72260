"""Opening, saving and exporting whole studies: the window's File menu, as a mixin.

A study opens in the worker (read every layer, analyse, draw the map) and is swapped into the
state in one step when it has all worked; saving writes the small ``.hotspots`` JSON on the
spot; exporting runs :func:`hotspots.pipeline.write_outputs` in the worker with progress.
"""

from __future__ import annotations

from pathlib import Path

from hotspots.data.errors import DataError
from hotspots.study import DEMO_DIR, Study, demo_study

from . import dialogs, prompts, tasks
from .words import describe
from .workers import Task

__all__ = ["StudyFilesMixin"]


class StudyFilesMixin:
    """Study and export actions of :class:`gui.main_window.MainWindow` (uses its state, runner, recent)."""

    def open_demo(self, demo_dir: Path | None = None) -> Task | None:
        """Open the synthetic demo study (generating its files first if they are missing)."""
        folder = Path(demo_dir) if demo_dir is not None else DEMO_DIR
        study = demo_study(folder)
        self.state.demo_dirs.add(folder.resolve())
        need = not (folder / "boundaries.gpkg").exists() or not (folder / "crime").is_dir()

        def job(progress, cancel):  # noqa: ANN001
            if need:
                from hotspots.demo import generate_demo

                progress("Generating the demo town", 0.0)
                generate_demo(folder)
            return tasks.open_study(study, self._tmp, progress=progress, cancel=cancel)

        return self._start("opening the demo", job, lambda r: self._opened(study, r, None),
                           "Opening the synthetic demo study…")

    def new_study(self) -> None:
        """File > New study: close the demo (or the current study) and start empty."""
        if self.runner.busy:
            self.status.setText("Still busy: wait, or press Esc to cancel it.")
            return
        if not prompts.unsaved_work_ok(self, "starting a new study"):
            return
        self.state.new_study()
        self.status.setText("New study: open LSOA boundaries and police.uk crime files (Ctrl+O).")

    def choose_study(self) -> None:
        path = dialogs.choose_study_file(self, self.recent.last_folder())
        if path:
            self.open_study_file(path)

    def open_study_file(self, path: str | Path) -> Task | None:
        from hotspots.data.study_file import read_study

        path = Path(path)
        if not prompts.unsaved_work_ok(self, "opening another study"):
            return None
        try:
            study = read_study(path)
        except DataError as exc:
            self._error("Could not open the study", describe(exc))
            return None
        self.recent.set_last_folder(path)
        return self._start("opening the study", lambda p, c: tasks.open_study(study, self._tmp, progress=p, cancel=c),
                           lambda r: self._opened(study, r, path), f"Opening {path.name}…")

    def _opened(self, study: Study, result, path: Path | None) -> None:  # noqa: ANN001
        layers, output = result
        self.state.replace(study, layers, output, path=path)
        if path is not None:
            self.recent.add_file(path)
            self._refresh_recent()
        from hotspots.study_title import study_title

        self.status.setText(f"Opened {study_title(study, output.analysis, layers)}: "
                            f"{output.analysis.table.shape[0]:,} LSOAs analysed "
                            f"in {output.seconds:.1f} s.")

    def save_study(self, ask: bool = False) -> Path | None:
        from hotspots.export.study_file import write_study

        path = self.state.path
        if ask or path is None or self.state.is_demo:
            start = str(Path(self.recent.output_folder()) / f"{self.state.study.name or 'study'}.hotspots")
            name = dialogs.choose_save_study(self, start)
            if not name:
                return None
            path = Path(name if name.endswith(".hotspots") else f"{name}.hotspots")
        self.state.set_settings(self.analysis_panel.settings())
        try:
            write_study(self.state.study, path)
        except (OSError, DataError) as exc:
            self._error("Could not save the study", describe(exc) if isinstance(exc, DataError) else str(exc))
            return None
        self.state.mark_saved(path)
        self.recent.add_file(path)
        self.recent.set_last_folder(path)
        self.recent.set_output_folder(path)
        self._refresh_recent()
        self.status.setText(f"Saved {path}")
        return path

    def _refresh_recent(self) -> None:
        menu = self.actions_.recent_menu
        menu.clear()
        files = self.recent.files()
        for f in files:
            menu.addAction(Path(f).name, lambda p=f: self.open_study_file(p)).setToolTip(f)
        if files:
            menu.addSeparator()
            menu.addAction("Clear the list", lambda: (self.recent.clear(), self._refresh_recent()))
        menu.setEnabled(bool(files))


    def export_all(self, folder: str | None = None) -> Task | None:
        out = self.state.output
        if out is None:
            self._error("Nothing to export", "Run the analysis first (Ctrl+R).")
            return None
        folder = folder or dialogs.choose_folder(self, "Export everything to folder", self.recent.output_folder())
        if not folder:
            return None
        study = self.state.study
        return self._start("export",
                           lambda p, c: tasks.export_all(out.analysis, self.state.layers, study, Path(folder),
                                                         progress=p, cancel=c),
                           lambda r: self._exported(Path(folder), r), f"Exporting to {folder}…")

    def evidence_area(self) -> str | None:
        """The pack's area from the selection: selected LSOAs, else the selected zone, else the top zones."""
        codes = self.results.selected_codes() if hasattr(self, "results") else []
        if codes:
            return "lsoa:" + ",".join(codes)
        zone = self.zones.current_zone() if hasattr(self, "zones") else None
        return f"zone:{zone}" if zone is not None else None

    def evidence_pack(self, path: str | None = None, area: str | None = None) -> Task | None:
        """Evidence pack... : ``evidence.docx`` (and its PNGs) for the selection, in a worker."""
        out = self.state.output
        if out is None:
            self._error("Nothing to put in a pack", "Run the analysis first (Ctrl+R).")
            return None
        if getattr(out.analysis, "evidence", None) is None or out.analysis.evidence.rates is None:
            self._error("No population loaded", "An evidence pack gives rates per 1,000 residents: add a population "
                        "layer (IoD 2019 File 6) or an IoD file that carries population, then run again.")
            return None
        if not path and not area:  # from the menu: ask which area, never pick one silently (#23)
            from .evidence_area import area_file_stem, ask_evidence_area

            codes = self.results.selected_codes() if hasattr(self, "results") else []
            zone = self.zones.current_zone() if hasattr(self, "zones") else None
            area = ask_evidence_area(self, out.analysis, codes, zone)
            if not area:
                return None
            path = dialogs.choose_save_path(self, "Save the evidence pack", str(Path(self.recent.output_folder())
                                                                                 / f"{area_file_stem(area)}.docx"),
                                            "Word (*.docx)")
        area = area or self.evidence_area()
        if not path:
            path = dialogs.choose_save_path(self, "Save the evidence pack", str(Path(self.recent.output_folder())
                                                                                 / "evidence.docx"), "Word (*.docx)")
        if not path:
            return None
        study = self.state.study
        return self._start("evidence", lambda p, c: tasks.evidence_pack(out.analysis, self.state.layers, study,
                                                                        Path(path), area, progress=p, cancel=c),
                           lambda r: self._pack_written(Path(r)), "Writing the evidence pack…")

    def _pack_written(self, path: Path) -> None:
        self.recent.set_output_folder(path)
        self.status.setText(f"Wrote the evidence pack {path.name}")  # the busy line is replaced, not left
        self._info("Evidence pack written", f"Wrote {path}")

    def _exported(self, folder: Path, result) -> None:  # noqa: ANN001
        _summary, written = result
        self.recent.set_last_folder(folder)  # exists now
        self.recent.set_output_folder(folder)
        self.status.setText(f"Wrote {len(written)} files to {folder}")
        names = "\n".join(f"  {Path(p).name}" for p in written)
        self._info("Export finished", f"Wrote {len(written)} files to {folder}:\n{names}")
