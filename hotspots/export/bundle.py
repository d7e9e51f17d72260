"""Every export of a run, in one call: GIS files, the workbook, the patrol map and the briefing.

The CLI and the GUI both call :func:`write_all`, so a folder written from either holds the
same files. Each export is optional at import time (the map and the briefing need folium and
matplotlib, which load only here), reports progress and is timed, and Cancel is honoured
between files; since every writer is atomic, a cancelled run leaves whole files or none.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from pathlib import Path

from ..model import Analysis, Layers
from ..progress import CancelFn, Cancelled, ProgressFn
from ..study import Study

__all__ = ["write_all", "EXPORT_FILES"]

#: file name -> (module under hotspots.export, function, label); written in this order
EXPORT_FILES: dict[str, tuple[str, str, str]] = {
    "patrol_zones.gpkg": ("gis", "write_gpkg", "GeoPackage"),
    "patrol_zones.geojson": ("gis", "write_geojson", "GeoJSON"),
    "patrol_spots.geojson": ("spots", "write_spots_geojson", "patrol spots GeoJSON"),
    "hotspots.xlsx": ("tables", "write_xlsx", "spreadsheet"),
    "patrol_map.html": ("html_map", "write_map", "patrol map"),
    "briefing.pdf": ("briefing", "write_briefing", "briefing"),
    "evidence.docx": ("evidence_docx", "write_evidence", "evidence pack"),
    "heat.tif": ("heat", "write_heat", "heat layer (GeoTIFF)"),
    # StreetSafe: written only when a StreetSafe layer is loaded (the writers return None otherwise)
    "streetsafe_concerns.csv": ("streetsafe_files", "write_concerns_csv", "StreetSafe concerns"),
    "streetsafe_update.xlsx": ("streetsafe_files", "write_update", "StreetSafe 'You said, we did'"),
}


def _writer(module: str, func: str) -> Callable:
    """The export function (its module is imported only now: folium, matplotlib, openpyxl load here)."""
    return getattr(importlib.import_module(f"{__package__}.{module}"), func)


def _call(module: str, func: Callable, analysis: Analysis, layers: Layers, study: Study, path: Path):
    if module in ("gis", "spots"):
        return func(analysis, path)
    if module == "html_map":
        return func(analysis, layers, path, study=study)
    return func(analysis, layers, study, path)


def write_all(
    analysis: Analysis,
    layers: Layers,
    study: Study,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    timings: dict[str, float] | None = None,
    skipped: list[str] | None = None,
) -> list[Path]:
    """Write the GeoPackage, GeoJSON, XLSX, patrol map and briefing into ``out``.

    Returns the paths written. A writer that returns None had nothing to write for this study
    (its layer is not loaded) and is appended to ``skipped``; seconds per file go into ``timings`` (both owned by the caller, so the
    analysis itself is never written to). Raises :class:`~hotspots.progress.Cancelled` when
    ``cancel()`` turns true between files.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings = {} if timings is None else timings
    skipped = [] if skipped is None else skipped
    written: list[Path] = []
    total = len(EXPORT_FILES)
    for k, (fname, (module, func_name, label)) in enumerate(EXPORT_FILES.items()):
        if cancel and cancel():
            raise Cancelled()
        func = _writer(module, func_name)
        if progress:
            progress(f"Writing {label} ({fname})", k / total)
        t = time.perf_counter()
        result = _call(module, func, analysis, layers, study, out / fname)
        timings[fname] = round(time.perf_counter() - t, 3)
        if result is None:  # nothing to write for this study (e.g. no StreetSafe layer)
            skipped.append(fname)
            continue
        written.append(Path(result))
    if progress:
        progress("Exports written", 1.0)
    return written
