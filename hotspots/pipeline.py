"""The one composer: files -> layers -> per-unit table -> statistics -> zones -> ... -> exports.

Every front end drives exactly these functions, with a ``progress(message, fraction)``
callback and a ``cancel()`` flag that every stage and chunk polls:

- :func:`load_layers` reads a :class:`~hotspots.study.Study`'s files into
  :class:`~hotspots.model.Layers`. Given the ``previous`` layers it re-reads only what changed
  (file identity = path, size, modification time) and what depends on it (crimes, pubs and
  reports are placed in the boundaries), so the GUI adding one file never re-reads the rest.
- :func:`analyse` runs the table and statistics stages, then :data:`STAGES` in order; each
  returns a new :class:`~hotspots.model.Analysis`.
- :func:`write_outputs` writes lsoa_results.csv, summary.json and the exports.
- :func:`run_study` is all three, for the CLI.

Caches (spatial weights, permutation draws) are keyed on what they were built from: the
boundaries' geometry fingerprint and the weights spec, never on a count of areas.
How to add a stage: see :mod:`hotspots.model`.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .data.errors import DataError
from .data.report import LoadReport
from .fear_gap import fear_gap_stage
from .model import Analysis, Layers, UnitSet, geometry_fingerprint
from .progress import CancelFn, Cancelled, ProgressFn, scaled
from .study import Settings, Study
from .zones import zones_stage

__all__ = ["STAGES", "RunResult", "load_layers", "analyse", "write_outputs", "run_study", "weights_for",
           "file_identity", "LAYER_FILES", "without", "check_study", "check_out_dir"]

#: the optional layers after boundaries and crimes: kind -> progress label
LAYER_FILES = {"imd": "deprivation", "pubs": "pubs", "streetsafe": "StreetSafe reports",
               "population": "population", "harm_weights_file": "harm weights"}

Stage = Callable[[Analysis, Layers, ProgressFn | None, CancelFn | None], Analysis]
#: the stages after the statistics: (name, progress label, share of the analysis bar, function)
STAGES: list[tuple[str, str, float, Stage]] = [
    ("zones", "Building patrol zones", 0.05, zones_stage),
    ("fear_gap", "Comparing StreetSafe reports with recorded crime", 0.15, fear_gap_stage),
]


def _check(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


# ----------------------------------------------------------------------------- identities
def file_identity(paths: str | list[str] | None) -> tuple:
    """(path, size, mtime) of every file under ``paths``: equal identities -> same content read.

    Folders are walked (a police.uk folder of months), so a month added to a folder is seen.
    """
    if not paths:
        return ()
    items = [paths] if isinstance(paths, str) else list(paths)
    out = []
    for p in items:
        q = Path(p)
        try:
            if q.is_dir():
                for root, _dirs, files in os.walk(q):
                    for f in sorted(files):
                        st = os.stat(os.path.join(root, f))
                        out.append((os.path.join(root, f), st.st_size, st.st_mtime_ns))
            else:
                st = q.stat()
                out.append((str(q.resolve()), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(q), -1, -1))  # the reader will say what is wrong with it
    return tuple(sorted(out))


# ------------------------------------------------------------------------------- weights
_WEIGHTS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_WEIGHTS_LOCK = threading.Lock()


def weights_for(units: UnitSet, spec: str, *, cancel: CancelFn | None = None):
    """The ``(Weights, WeightsInfo)`` for ``units`` under ``spec``, from the cache when it holds them.

    The key is the units' geometry fingerprint and the spec, so boundaries with the same count
    but other polygons (or the same polygons in another order) never reuse stale neighbours.
    A build already running on another thread (the prefetch) is waited for, not repeated.
    """
    from .stats.weights import build_weights

    key = (units.key, spec)
    with _WEIGHTS_LOCK:
        hit = _WEIGHTS.get(key)
        if hit is None:
            hit = Future()
            _WEIGHTS[key] = hit
            owner = True
        else:
            owner = False
        while len(_WEIGHTS) > 4:
            _WEIGHTS.popitem(last=False)
    if not owner:
        try:
            return hit.result()
        except BaseException:
            with _WEIGHTS_LOCK:
                if _WEIGHTS.get(key) is hit:
                    del _WEIGHTS[key]
            return weights_for(units, spec, cancel=cancel)
    try:
        import geopandas as gpd

        gdf = gpd.GeoDataFrame({"lsoa_code": units.codes}, geometry=units.geometry, crs=units.crs)
        result = build_weights(gdf, spec)
    except BaseException as exc:
        hit.set_exception(exc)
        raise
    hit.set_result(result)
    return result


def _prefetch(units: UnitSet, settings: Settings, timings: dict[str, float], cancel: CancelFn | None) -> None:
    """Weights and permutation draws for ``settings``, built while the crimes are parsed."""
    from .stats.permutation import prefetch_draws

    t = time.perf_counter()
    w, _info = weights_for(units, settings.weights, cancel=cancel)
    timings["weights_prepared"] = round(time.perf_counter() - t, 3)
    if len(units) >= 3 and 99 <= int(settings.permutations) <= 99_999:
        t = time.perf_counter()
        prefetch_draws(w, int(settings.permutations), int(settings.seed), settings.draws, cancel=cancel)
        timings["draws_prepared"] = round(time.perf_counter() - t, 3)


# --------------------------------------------------------------------------------- loading
def _read(kind: str, path: Any, boundaries: Any = None, *, progress: ProgressFn | None = None,
          cancel: CancelFn | None = None) -> tuple[Any, LoadReport]:
    """One reader call (readers live in :mod:`hotspots.data`)."""
    if kind == "boundaries":
        from .data.boundaries import read_boundaries

        return read_boundaries(path)
    if kind == "crimes":
        from .data.crimes import read_crimes

        return read_crimes(path, boundaries, progress=progress, cancel=cancel)
    if kind == "imd":
        from .data.deprivation import read_deprivation

        return read_deprivation(path)
    if kind == "pubs":
        from .data.pubs import read_pubs

        return read_pubs(path)
    if kind == "streetsafe":
        from .data.streetsafe import read_streetsafe

        return read_streetsafe(path)
    if kind == "population":
        from .data.population import read_population

        return read_population(path)
    if kind == "harm_weights_file":
        from .data.harm_weights import read_harm_weights

        return read_harm_weights(path), LoadReport(source=str(path), kind="harm weights")
    raise ValueError(kind)


def _place(points: Any, boundaries: Any) -> np.ndarray:
    from .units.placement import assign_lsoa

    return assign_lsoa(points.geometry.x.to_numpy(float), points.geometry.y.to_numpy(float),
                       boundaries.geometry.values)


def load_layers(study: Study, *, previous: Layers | None = None, settings: Settings | None = None,
                progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Layers:
    """Read every file of ``study`` into Layers; raises DataError on the first bad one.

    With ``previous``, layers whose files are unchanged are kept as they were (and crimes,
    pubs and reports are re-placed only when the boundaries changed). Boundaries and crimes
    may be absent (the GUI loads layers one by one); :func:`analyse` says what is missing.
    ``settings`` (default the study's) decide which spatial weights are prefetched.
    """
    settings = settings or study.settings
    prev = previous or Layers()
    ids = {"boundaries": file_identity(study.boundaries), "crimes": file_identity(study.crimes),
           **{k: file_identity(getattr(study, k)) for k in LAYER_FILES}}
    same = {k: k in prev.sources and prev.sources[k] == v and bool(v) for k, v in ids.items()}
    data: dict[str, Any] = {}
    reports = dict(prev.reports)
    timings: dict[str, float] = {}

    def keep_or_drop(kind: str, attr: str) -> None:
        if same[kind]:
            data[attr] = getattr(prev, attr)
        else:
            data[attr] = None
            reports.pop(attr, None)

    def timed(kind: str, label: str, frac: float, fn: Callable[[], tuple[Any, LoadReport]]) -> Any:
        _check(cancel)
        if progress:
            progress(label, frac)
        t = time.perf_counter()
        value, rep = fn()
        timings[f"load_{kind}"] = round(time.perf_counter() - t, 3)
        reports[kind] = rep
        return value

    boundaries_changed = not same["boundaries"]
    crimes_needed = bool(study.crimes) and (boundaries_changed or not same["crimes"])
    parsing: Future | None = None
    stop = threading.Event()  # a bad boundary file stops the crime parse at the next file
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        if crimes_needed:
            # crime CSVs are parsed on a second thread while the boundaries load: both spend
            # their time in C (Arrow's CSV reader, GDAL) with the GIL released
            from .data.crimes import parse_crime_files

            def parse_cancel() -> bool:
                return stop.is_set() or bool(cancel and cancel())

            t_parse = time.perf_counter()
            parsing = pool.submit(parse_crime_files, study.crimes, progress=scaled(progress, 0.1, 0.6),
                                  cancel=parse_cancel)
        if not study.boundaries:
            data["boundaries"], key = None, ""
            reports.pop("boundaries", None)
        elif same["boundaries"]:
            data["boundaries"], key = prev.boundaries, prev.boundary_key
        else:
            try:
                data["boundaries"] = timed("boundaries", "Reading boundaries", 0.0,
                                           lambda: _read("boundaries", study.boundaries))
            except BaseException:
                stop.set()
                raise
            key = ""
        b = data["boundaries"]
        units = None
        if b is not None:
            units = UnitSet.from_boundaries(b, key or geometry_fingerprint(b["lsoa_code"].to_numpy(), b.geometry.values))
            key = units.key
            # spatial weights and draws need only the boundaries: build them meanwhile
            pool.submit(_prefetch, units, settings, timings, cancel)
        if parsing is not None:
            parsed = parsing.result()
            timings["parse_crimes"] = round(time.perf_counter() - t_parse, 3)
            if b is None:
                raise DataError(None, "crimes need LSOA boundaries to be placed in",
                                hint="load the LSOA boundaries first", setting="boundaries")
            data["crimes"] = timed("crimes", "Placing crimes in LSOAs", 0.6,
                                   lambda: _read("crimes", parsed, b, progress=scaled(progress, 0.6, 0.8),
                                                 cancel=cancel))
        elif study.crimes and same["crimes"] and not boundaries_changed:
            data["crimes"] = prev.crimes
        else:
            data["crimes"] = None
            reports.pop("crimes", None)
        fracs = {"imd": 0.8, "pubs": 0.85, "streetsafe": 0.9, "population": 0.95, "harm_weights_file": 0.97}
        for kind, label in LAYER_FILES.items():
            attr = "harm_weights" if kind == "harm_weights_file" else kind
            path = getattr(study, kind)
            if not path:
                data[attr] = None
                reports.pop(attr, None)
                continue
            if same[kind]:
                keep_or_drop(kind, attr)
                continue
            data[attr] = timed(attr, f"Reading {label}", fracs[kind], lambda k=kind, p=path: _read(k, p))
        placed: dict[str, np.ndarray] = {}
        if b is not None:
            for kind in ("pubs", "streetsafe"):
                pts = data.get(kind)
                if pts is None:
                    continue
                if not boundaries_changed and same[kind] and kind in prev.placed:
                    placed[kind] = prev.placed[kind]
                elif kind == "streetsafe":  # inside, or the nearest LSOA within 250 m (coast), accounted
                    from .streetsafe.stage import place_layer

                    placed[kind] = place_layer(pts, b, reports.get(kind))
                else:
                    placed[kind] = _place(pts, b)
            if data.get("imd") is not None and (boundaries_changed or not same["imd"]):
                from .data.deprivation import check_join

                vintage = reports["boundaries"].info.get("vintage", "unknown")
                reports["imd"].info["join"] = check_join(data["imd"], b["lsoa_code"].tolist(), vintage,
                                                         reports["imd"])
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=False)
    if progress:
        progress("Layers loaded", 1.0)
    return Layers(boundaries=data["boundaries"], crimes=data["crimes"], imd=data.get("imd"),
                  pubs=data.get("pubs"), streetsafe=data.get("streetsafe"), population=data.get("population"),
                  harm_weights=data.get("harm_weights"), reports=reports,
                  timings={**(prev.timings if previous else {}), **timings},
                  sources={k: v for k, v in ids.items() if v}, placed=placed, boundary_key=key)


# -------------------------------------------------------------------------------- analysis
def analyse(layers: Layers, settings: Settings, *, progress: ProgressFn | None = None,
            cancel: CancelFn | None = None) -> Analysis:
    """Filter, count per LSOA, run the local statistics, then every stage of :data:`STAGES`."""
    from .stats.local import analyse_clusters
    from .table import build_table, filter_crimes

    if layers.boundaries is None:
        raise DataError(None, "no LSOA boundaries are loaded", hint="load an LSOA boundary file",
                        setting="boundaries")
    if layers.crimes is None:
        raise DataError(None, "no crimes are loaded", hint="load police.uk street-level crime files",
                        setting="crimes")
    s = settings.validated()
    timings: dict[str, float] = {}

    def tick(name: str, t0: float) -> None:
        timings[name] = round(time.perf_counter() - t0, 3)

    t = time.perf_counter()
    if progress:
        progress("Counting crimes per LSOA", 0.0)
    units = UnitSet.from_boundaries(layers.boundaries, layers.boundary_key)
    mask, filters = filter_crimes(layers.crimes, s.crime_types, s.month_from, s.month_to)
    from .streetsafe.stage import placed_in_period

    placed = placed_in_period(layers.placed, layers.streetsafe, s.month_from, s.month_to)
    table = build_table(layers.boundaries, layers.crimes, mask, measure=s.measure,
                        harm_weights=s.harm_weights or layers.harm_weights, imd=layers.imd, pubs=layers.pubs,
                        streetsafe=layers.streetsafe, population=layers.population, placed=placed)
    tick("aggregate", t)
    _check(cancel)
    t = time.perf_counter()
    if progress:
        progress("Building spatial weights", 0.1)
    w, winfo = weights_for(units, s.weights, cancel=cancel)
    tick("weights", t)
    _check(cancel)
    t = time.perf_counter()
    rate = None
    if s.measure == "rate":
        rate = (table["crimes"].to_numpy(float), table["population"].to_numpy(float))
    stats_end = 1.0 - sum(share for *_, share, _fn in STAGES)
    clusters = analyse_clusters(table["value"].to_numpy(float), w, permutations=s.permutations, seed=s.seed,
                                alpha=s.alpha, fdr=s.fdr, n_jobs=s.n_jobs, rate=rate, draws=s.draws,
                                progress=scaled(progress, 0.15, stats_end), cancel=cancel)
    tick("statistics", t)
    for c in clusters.frame.columns:
        table[c] = clusters.frame[c].to_numpy()
    table["zone_id"] = pd.array([pd.NA] * len(table), dtype="Int64")
    analysis = Analysis(units=units, table=table, weights=w, weights_info=winfo, clusters=clusters,
                        filters=filters, settings=s, timings=timings)
    start = stats_end
    for name, label, share, fn in STAGES:
        _check(cancel)
        if progress:
            progress(label, start)
        t = time.perf_counter()
        analysis = fn(analysis, layers, scaled(progress, start, start + share), cancel)
        analysis.timings[name] = round(time.perf_counter() - t, 3)
        start += share
    if progress:
        progress("Analysis done", 1.0)
    return analysis


# --------------------------------------------------------------------------------- outputs
@dataclass
class RunResult:
    layers: Layers
    analysis: Analysis
    summary: dict
    written: list[Path] = field(default_factory=list)


def write_outputs(analysis: Analysis, layers: Layers, study: Study, out: Path, *, exports: bool = True,
                  timings: dict[str, float] | None = None, progress: ProgressFn | None = None,
                  cancel: CancelFn | None = None) -> tuple[dict, list[Path]]:
    """Write lsoa_results.csv, summary.json and (with ``exports``) the map/GIS/XLSX/PDF files."""
    from .export.results import write_results_csv, write_summary_json
    from .summary import build_summary

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings = dict(timings if timings is not None else {**layers.timings, **analysis.timings})
    written: list[Path] = []
    export_timings: dict[str, float] = {}
    skipped: list[str] = []
    t = time.perf_counter()
    if exports:
        from .export import bundle

        written += bundle.write_all(analysis, layers, study, out, progress=progress, cancel=cancel,
                                    timings=export_timings, skipped=skipped)
        timings["exports"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    written.append(write_results_csv(analysis.table, out / "lsoa_results.csv"))
    timings["write_results"] = round(time.perf_counter() - t, 3)
    timings.update({f"export_{k}": v for k, v in export_timings.items()})
    summary = build_summary(analysis, layers, study, timings, skipped=skipped)
    written.append(write_summary_json(summary, out / "summary.json"))
    return summary, written


def check_out_dir(out: Path) -> None:
    """The output folder must be a folder we can write to; say so before any work is done."""
    if str(out).strip() == "":
        raise DataError(None, "no output folder given", hint="name a folder for the results", setting="out")
    if out.exists() and not out.is_dir():
        raise DataError(out, "the output names a file, not a folder",
                        hint="give a folder path (it is created if missing)", setting="out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(out, f"cannot create the output folder ({exc.strerror})",
                        hint="choose a folder you can write to", setting="out") from None
    if not os.access(out, os.W_OK):
        raise DataError(out, "the output folder is not writable", hint="choose a folder you can write to",
                        setting="out")


def check_study(study: Study) -> None:
    """The inputs a run cannot start without, said once in the engine's words."""
    if not study.boundaries:
        raise DataError(None, "no LSOA boundary file given", hint="give the LSOA boundaries (or use the demo)",
                        setting="boundaries")
    if not study.crimes:
        raise DataError(None, "no crime files given",
                        hint="give police.uk street-level crime files (a CSV, a folder or the police.uk zip)",
                        setting="crimes")


def run_study(study: Study, out: Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
              exports: bool = True) -> RunResult:
    """Load, analyse and write a whole study into ``out`` (the CLI's job)."""
    t0 = time.perf_counter()
    settings = study.settings.validated()  # fail on bad settings before reading gigabytes
    check_study(study)
    check_out_dir(Path(out))
    layers = load_layers(study, settings=settings, progress=scaled(progress, 0.0, 0.4), cancel=cancel)
    analysis = analyse(layers, settings, progress=scaled(progress, 0.4, 0.8), cancel=cancel)
    timings = {**layers.timings, **analysis.timings}
    summary, written = write_outputs(analysis, layers, study, Path(out), exports=exports, timings=timings,
                                     progress=scaled(progress, 0.8, 1.0), cancel=cancel)
    timings["total_in_process"] = round(time.perf_counter() - t0, 3)
    return RunResult(layers=layers, analysis=analysis, summary=summary, written=written)


def without(layers: Layers, study: Study, kind: str) -> tuple[Layers, Study]:
    """Layers and study with one layer removed, and everything that depended on it.

    Boundaries take the crimes with them (crimes are placed in them), the placement of pubs
    and reports, and the cached weights' key; nothing is read.
    """
    import copy

    kinds = ["boundaries", "crimes"] if kind == "boundaries" else [kind]
    new_study = copy.deepcopy(study)
    changes: dict[str, Any] = {}
    reports = dict(layers.reports)
    sources = dict(layers.sources)
    for k in kinds:
        attr = "harm_weights" if k in ("harm_weights", "harm_weights_file") else k
        study_attr = "harm_weights_file" if attr == "harm_weights" else attr
        changes[attr] = None
        reports.pop(attr, None)
        sources.pop(study_attr, None)
        setattr(new_study, study_attr, [] if study_attr == "crimes" else None)
    placed = {} if kind == "boundaries" else {k: v for k, v in layers.placed.items() if k not in kinds}
    key = "" if kind == "boundaries" else layers.boundary_key
    return layers.replace(**changes, reports=reports, sources=sources, placed=placed, boundary_key=key), new_study
