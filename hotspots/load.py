"""Loading: a Study's files into Layers, re-reading only what changed.

The first stage of the flow (:mod:`hotspots.pipeline` composes it with the others). Readers
live in :mod:`hotspots.data`; this module decides which of them to call, runs the crime parse
beside the boundary read, places pubs and reports once, and starts the weights prefetch.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from .data.errors import DataError
from .data.file_identity import file_identity
from .data.report import LoadReport
from .model import Layers, UnitSet, geometry_fingerprint
from .progress import CancelFn, Cancelled, ProgressFn, scaled
from .study import Settings, Study
from .units.neighbours import prefetch

__all__ = ["load_layers", "without", "LAYER_FILES"]

#: the optional layers after boundaries and crimes: kind -> progress label
LAYER_FILES = {"imd": "deprivation", "pubs": "pubs", "streetsafe": "StreetSafe reports",
               "population": "population", "harm_weights_file": "harm weights", "lsoa_lookup": "LSOA lookup"}


def _check(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


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
    if kind == "lsoa_lookup":
        from .data.lsoa_lookup import read_lsoa_lookup

        return read_lsoa_lookup(path)
    if kind == "harm_weights_file":
        from .data.harm_weights import read_harm_weights

        return read_harm_weights(path), LoadReport(source=str(path), kind="harm weights")
    raise ValueError(kind)


def _place(points: Any, boundaries: Any) -> np.ndarray:
    from .units.placement import assign_lsoa

    return assign_lsoa(points.geometry.x.to_numpy(float), points.geometry.y.to_numpy(float),
                       boundaries.geometry.values)


@contextlib.contextmanager
def _small_pages() -> Iterator[None]:
    """NumPy's big arrays without ``madvise(MADV_HUGEPAGE)`` while loading.

    Loading makes many short-lived arrays of tens of MB (a national year is five million
    rows); asked for huge pages, the kernel zeroes and, with ``defrag=madvise`` (this VM,
    many distributions), may compact memory on the first touch of each. Without: national
    parse + placement 8.4 -> 7.4 s, 1.5 s less system time. Only speed changes; NumPy's
    own switch (private, so looked up with care) is restored afterwards.
    """
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1.x
        from numpy.core import multiarray  # type: ignore[no-redef]
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    before = switch(False) if switch is not None else None
    try:
        yield
    finally:
        if switch is not None:
            switch(bool(before))


def load_layers(study: Study, *, previous: Layers | None = None, settings: Settings | None = None,
                progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Layers:
    """Read every file of ``study`` into Layers; raises DataError on the first bad one.

    With ``previous``, layers whose files are unchanged are kept as they were (and crimes,
    pubs and reports are re-placed only when the boundaries changed). Boundaries and crimes
    may be absent (the GUI loads layers one by one); :func:`analyse` says what is missing.
    ``settings`` (default the study's) decide which spatial weights are prefetched.
    """
    from .runtime.warm_imports import warm

    warm()  # what the analysis imports later, while the files load (hotspots.runtime.warm_imports)
    with _small_pages():
        return _load_layers(study, previous=previous, settings=settings, progress=progress, cancel=cancel)


def _load_layers(study: Study, *, previous: Layers | None = None, settings: Settings | None = None,
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
    if ids["lsoa_lookup"] != prev.sources.get("lsoa_lookup", ()) or (
            ids["lsoa_lookup"] and (not same["boundaries"] or not same["population"])):
        same["imd"] = False  # the deprivation table is carried across the lookup afresh
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
    parsing: Future | None = None  # -> (ParsedCrimes, seconds)
    stop = threading.Event()  # a bad boundary file stops the crime parse at the next file
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        if crimes_needed:
            from .data.early_parse import claim_parse, timed_parse

            parsing = claim_parse(ids["crimes"])  # started by the CLI before its imports, for these files
        if crimes_needed and parsing is None:
            # crime CSVs are parsed on a second thread while the boundaries load: both spend
            # their time in C (Arrow's CSV reader, GDAL) with the GIL released
            def parse_cancel() -> bool:
                return stop.is_set() or bool(cancel and cancel())

            parsing = pool.submit(timed_parse, study.crimes, scaled(progress, 0.1, 0.6), parse_cancel)
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
            prefetching = pool.submit(prefetch, units, settings, timings, cancel)
        if parsing is not None:
            parsed, timings["parse_crimes"] = parsing.result()
            if units is not None:  # placing prepares the same GEOS polygons the weights use: not at once
                wait([prefetching])
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
        from .data.extract_layer import load_extract_layer  # a force's records extract (issue 25)

        data["crimes"] = load_extract_layer(study, b, data["crimes"], prev if previous else None, ids, reports,
                                            timings, boundaries_changed)
        fracs = {"imd": 0.8, "pubs": 0.85, "streetsafe": 0.9, "population": 0.95, "harm_weights_file": 0.97,
                 "lsoa_lookup": 0.98}
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
        _deprivation_extras(study, data, reports, prev if previous else None, same)
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
                if data.get("lsoa_lookup") is not None:
                    from .data.lsoa_lookup import convert_deprivation

                    data["imd"] = convert_deprivation(data["imd"], data["lsoa_lookup"], vintage,
                                                      population=data.get("population"), report=reports["imd"])
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
                  harm_weights=data.get("harm_weights"), lsoa_lookup=data.get("lsoa_lookup"),
                  imd_domains=data.get("imd_domains"), reports=reports,
                  timings={**(prev.timings if previous else {}), **timings},
                  sources={k: v for k, v in ids.items() if v}, placed=placed, boundary_key=key)


def _deprivation_extras(study: Study, data: dict, reports: dict, prev: Layers | None, same: dict) -> None:
    """What else the deprivation file carries: domain deciles, and population when no
    population file is given (IoD 2025 File 7 holds the denominators; see data/population)."""
    if data.get("imd") is None or not study.imd:
        data["imd_domains"] = None
        return
    if prev is not None and same.get("imd"):
        data["imd_domains"] = prev.imd_domains
    else:
        from .data.domains import read_domain_deciles

        dom, _rep = read_domain_deciles(study.imd)
        data["imd_domains"] = dom if dom.shape[1] > 1 else None
    if data.get("population") is None:
        reused = (prev is not None and same.get("imd") and prev.population is not None
                  and prev.reports.get("population") is not None
                  and prev.reports["population"].info.get("from_deprivation_file"))
        if reused:
            data["population"], reports["population"] = prev.population, prev.reports["population"]
            return
        from .data.population import population_from_deprivation

        found = population_from_deprivation(study.imd)
        if found is not None:
            data["population"], reports["population"] = found


def without(layers: Layers, study: Study, kind: str) -> tuple[Layers, Study]:
    """Layers and study with one layer removed, and everything that depended on it.

    Boundaries take the crimes with them (crimes are placed in them), the placement of pubs
    and reports, and the cached weights' key; nothing is read.
    """
    import copy

    if kind == "extract":  # a records extract: its crimes go, police.uk's stay (hotspots.data.extract_layer)
        from .data.extract_layer import without_extract

        return without_extract(layers, study)
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
