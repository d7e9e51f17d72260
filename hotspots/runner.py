"""Run a whole study to an output folder: load, analyse, zone, export (the CLI's job)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .pipeline import Analysis, Layers, analyse, load_layers
from .progress import CancelFn, ProgressFn, scaled
from .study import Study

__all__ = ["RunResult", "run_study", "write_outputs"]


@dataclass
class RunResult:
    layers: Layers
    analysis: Analysis
    summary: dict
    written: list[Path] = field(default_factory=list)


def write_outputs(analysis: Analysis, layers: Layers, study: Study, out: Path, timings: dict[str, float],
                  *, exports: bool = True, progress: ProgressFn | None = None,
                  cancel: CancelFn | None = None) -> tuple[dict, list[Path]]:
    """Write lsoa_results.csv, summary.json and (when available) the map/GIS/XLSX/PDF exports."""
    from .export.results import write_results_csv, write_summary_json
    from .summary import build_summary

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    t = time.perf_counter()
    if exports:
        from .export import bundle

        written += bundle.write_all(analysis, layers, study, out, progress=progress, cancel=cancel)
        timings["exports"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    written.append(write_results_csv(analysis.table, out / "lsoa_results.csv"))
    timings["write_results"] = round(time.perf_counter() - t, 3)
    summary = build_summary(analysis, layers, study, timings)
    written.append(write_summary_json(summary, out / "summary.json"))
    return summary, written


def _check_out_dir(out: Path) -> None:
    """The output folder must be a folder we can write to; say so before any work is done."""
    from .data.errors import DataError

    if out.exists() and not out.is_dir():
        raise DataError(out, "--out names a file, not a folder", hint="give a folder path (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(out, f"cannot create the output folder ({exc.strerror})",
                        hint="choose a folder you can write to") from None
    if not os.access(out, os.W_OK):
        raise DataError(out, "the output folder is not writable", hint="choose a folder you can write to")


def run_study(study: Study, out: Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
              exports: bool = True) -> RunResult:
    t0 = time.perf_counter()
    settings = study.settings.validated()  # fail on bad flags before reading gigabytes
    _check_out_dir(out)
    layers = load_layers(study, progress=scaled(progress, 0.0, 0.4), cancel=cancel)
    analysis = analyse(layers, settings, progress=scaled(progress, 0.4, 0.8), cancel=cancel)
    timings = {**layers.timings, **analysis.timings}
    from .zones import build_zones

    t = time.perf_counter()
    build_zones(analysis, layers)
    timings["zones"] = round(time.perf_counter() - t, 3)
    summary, written = write_outputs(analysis, layers, study, out, timings, exports=exports,
                                     progress=scaled(progress, 0.8, 1.0), cancel=cancel)
    timings["total_in_process"] = round(time.perf_counter() - t0, 3)
    return RunResult(layers=layers, analysis=analysis, summary=summary, written=written)
