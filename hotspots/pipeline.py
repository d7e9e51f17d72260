"""The one flow every front end drives: files -> layers -> per-LSOA table -> statistics.

``load_layers`` reads a Study's files, ``analyse`` turns layers and Settings into an
``Analysis``; the CLI and the GUI worker call exactly these, with a progress callback and a
cancel flag, so the two never disagree.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from .data.errors import DataError
from .data.report import LoadReport
from .progress import CancelFn, Cancelled, ProgressFn, scaled
from .stats.local import ClusterResult, analyse_clusters
from .stats.weights import Weights, WeightsInfo, build_weights
from .study import Settings, Study
from .table import FilterReport, build_table, filter_crimes

__all__ = ["Layers", "Analysis", "load_layer", "load_layers", "analyse", "cluster_counts", "bivariate",
           "BIVARIATE_OTHERS", "RESULT_COLUMNS"]

#: lsoa_results.csv columns, in order (the DESIGN contract)
RESULT_COLUMNS = ["lsoa_code", "lsoa_name", "crimes", "harm", "value", "imd_decile", "pubs", "streetsafe",
                  "lisa_i", "lisa_p", "lisa_cluster", "gi_z", "gi_p", "gi_bin", "zone_id"]


@dataclass
class Layers:
    """Loaded inputs and their load reports. Only boundaries and crimes are required."""

    boundaries: gpd.GeoDataFrame | None = None
    crimes: pd.DataFrame | None = None
    imd: pd.DataFrame | None = None
    pubs: gpd.GeoDataFrame | None = None
    streetsafe: gpd.GeoDataFrame | None = None
    population: pd.DataFrame | None = None
    harm_weights: dict[str, float] | None = None
    #: weights (and their permutation draws, cached) built while the crimes were being placed
    prepared_weights: tuple[Weights, WeightsInfo] | None = None
    reports: dict[str, LoadReport] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Analysis:
    """Everything one run produced; exports and the GUI read from here."""

    table: gpd.GeoDataFrame
    weights: Weights
    weights_info: WeightsInfo
    clusters: ClusterResult
    filters: FilterReport
    settings: Settings
    timings: dict[str, float] = field(default_factory=dict)
    zones: gpd.GeoDataFrame | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def _reader(kind: str) -> Callable:
    if kind == "imd":
        from .data.deprivation import read_deprivation

        return read_deprivation
    if kind == "pubs":
        from .data.pubs import read_pubs

        return read_pubs
    if kind == "streetsafe":
        from .data.streetsafe import read_streetsafe

        return read_streetsafe
    if kind == "population":
        from .data.population import read_population

        return read_population
    raise ValueError(kind)


def load_layer(
    kind: str,
    path: str | list[str],
    boundaries: gpd.GeoDataFrame | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[Any, LoadReport]:
    """Read one layer. Crimes need the boundaries (they are placed by point-in-polygon)."""
    if kind == "boundaries":
        from .data.boundaries import read_boundaries

        return read_boundaries(path)  # type: ignore[arg-type]
    if kind == "crimes":
        from .data.crimes import read_crimes

        if boundaries is None:
            raise DataError(path if isinstance(path, str) else ", ".join(path),
                            "crimes need LSOA boundaries to be placed in", hint="load the boundaries first")
        return read_crimes(path, boundaries, progress=progress, cancel=cancel)
    if kind == "harm_weights":
        from .data.harm_weights import read_harm_weights

        return read_harm_weights(path), LoadReport(source=str(path), kind="harm weights")  # type: ignore[arg-type]
    return _reader(kind)(path)


def load_layers(study: Study, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Layers:
    """Read every file of ``study``; raises DataError on the first bad one."""
    if not study.boundaries:
        raise DataError("--boundaries", "no LSOA boundary file given", hint="pass --boundaries PATH (or --demo)")
    if not study.crimes:
        raise DataError("--crimes", "no crime files given", hint="pass --crimes PATH (a CSV, a folder or the police.uk zip)")
    layers = Layers()

    def step(kind: str, msg: str, frac: float, fn: Callable[[], tuple[Any, LoadReport]]) -> Any:
        if cancel and cancel():
            raise Cancelled()
        if progress:
            progress(msg, frac)
        t = time.perf_counter()
        data, rep = fn()
        layers.timings[f"load_{kind}"] = round(time.perf_counter() - t, 3)
        layers.reports[kind] = rep
        return data

    # The crime CSVs are parsed on a second thread while the boundaries load: both spend their
    # time in C (Arrow's CSV reader, GDAL) with the GIL released, so on two cores they overlap.
    from concurrent.futures import ThreadPoolExecutor

    from .data.crimes import parse_crime_files

    stop = threading.Event()  # a bad boundary file stops the parse at the next file

    def parse_cancel() -> bool:
        return stop.is_set() or bool(cancel and cancel())

    with ThreadPoolExecutor(max_workers=1) as pool:
        t_parse = time.perf_counter()
        parsing = pool.submit(parse_crime_files, study.crimes, progress=scaled(progress, 0.1, 0.6),
                              cancel=parse_cancel)
        try:
            layers.boundaries = step("boundaries", "Reading boundaries", 0.0,
                                     lambda: load_layer("boundaries", study.boundaries))  # type: ignore[arg-type]
        except BaseException:
            stop.set()
            raise
        # the spatial weights and the permutation draws need only the boundaries: build them on
        # another thread while the crimes are parsed and placed
        prep_pool = ThreadPoolExecutor(max_workers=1)
        preparing = prep_pool.submit(_prepare_weights, layers.boundaries, study.settings, layers.timings)
        try:
            parsed = parsing.result()
        except BaseException:
            prep_pool.shutdown(wait=False, cancel_futures=True)
            raise
        layers.timings["parse_crimes"] = round(time.perf_counter() - t_parse, 3)
    try:
        layers.crimes = step("crimes", "Placing crimes in LSOAs", 0.6,
                             lambda: load_layer("crimes", parsed, layers.boundaries,  # type: ignore[arg-type]
                                                progress=scaled(progress, 0.6, 0.8), cancel=cancel))
    except BaseException:
        prep_pool.shutdown(wait=False, cancel_futures=True)
        raise
    for kind, label, frac in (("imd", "deprivation", 0.8), ("pubs", "pubs", 0.85),
                              ("streetsafe", "StreetSafe reports", 0.9), ("population", "population", 0.95)):
        p = getattr(study, kind)
        if p:
            setattr(layers, kind, step(kind, f"Reading {label}", frac, lambda k=kind, p=p: load_layer(k, p)))
    if study.harm_weights_file:
        layers.harm_weights = step("harm_weights", "Reading harm weights", 0.97,
                                   lambda: load_layer("harm_weights", study.harm_weights_file))  # type: ignore[arg-type]
    if layers.imd is not None:
        from .data.deprivation import check_join

        vintage = layers.reports["boundaries"].info.get("vintage", "unknown")
        layers.reports["imd"].info["join"] = check_join(
            layers.imd, layers.boundaries["lsoa_code"].tolist(), vintage, layers.reports["imd"])
    try:
        layers.prepared_weights = preparing.result()
    except Exception:  # a bad --weights spec is reported by analyse(), with its own message
        layers.prepared_weights = None
    finally:
        prep_pool.shutdown(wait=False)
    if progress:
        progress("Layers loaded", 1.0)
    return layers


def _prepare_weights(boundaries: gpd.GeoDataFrame, settings: Settings,
                     timings: dict[str, float]) -> tuple[Weights, WeightsInfo]:
    """Weights for ``settings`` plus their permutation draws (left in the kernel's cache)."""
    from .stats.permutation import prefetch_draws

    t = time.perf_counter()
    w, info = build_weights(boundaries, settings.weights)
    timings["weights_prepared"] = round(time.perf_counter() - t, 3)
    if len(boundaries) >= 3 and 99 <= int(settings.permutations) <= 99_999:
        t = time.perf_counter()
        prefetch_draws(w, int(settings.permutations), int(settings.seed), settings.draws)
        timings["draws_prepared"] = round(time.perf_counter() - t, 3)
    return w, info


def analyse(
    layers: Layers,
    settings: Settings,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    weights: tuple[Weights, WeightsInfo] | None = None,
) -> Analysis:
    """Filter, aggregate, build weights and run the local statistics.

    ``weights`` may be passed in to reuse them between runs that only change filters.
    """
    if layers.boundaries is None or layers.crimes is None:
        raise DataError(None, "boundaries and crimes are both needed", hint="load LSOA boundaries and a crime file")
    s = settings.validated()
    timings: dict[str, float] = {}

    def tick(name: str, t0: float) -> None:
        timings[name] = round(time.perf_counter() - t0, 3)

    t = time.perf_counter()
    if progress:
        progress("Counting crimes per LSOA", 0.0)
    mask, filters = filter_crimes(layers.crimes, s.crime_types, s.month_from, s.month_to)
    harm_w = s.harm_weights or layers.harm_weights
    table = build_table(layers.boundaries, layers.crimes, mask, measure=s.measure, harm_weights=harm_w,
                        imd=layers.imd, pubs=layers.pubs, streetsafe=layers.streetsafe,
                        population=layers.population)
    tick("aggregate", t)
    if cancel and cancel():
        raise Cancelled()
    t = time.perf_counter()
    if progress:
        progress("Building spatial weights", 0.1)
    if weights is None and layers.prepared_weights is not None:
        weights = layers.prepared_weights
    if weights is None or weights[1].spec != s.weights or weights[1].n != len(table):
        weights = build_weights(layers.boundaries, s.weights)
    w, winfo = weights
    tick("weights", t)
    t = time.perf_counter()
    rate = None
    if s.measure == "rate":
        rate = (table["crimes"].to_numpy(float), table["population"].to_numpy(float))
    clusters = analyse_clusters(table["value"].to_numpy(float), w, permutations=s.permutations, seed=s.seed,
                                alpha=s.alpha, fdr=s.fdr, n_jobs=s.n_jobs, rate=rate, draws=s.draws,
                                progress=scaled(progress, 0.15, 0.95), cancel=cancel)
    tick("statistics", t)
    for c in clusters.frame.columns:
        table[c] = clusters.frame[c].to_numpy()
    table["zone_id"] = pd.array([pd.NA] * len(table), dtype="Int64")
    if progress:
        progress("Analysis done", 1.0)
    return Analysis(table=table, weights=w, weights_info=winfo, clusters=clusters, filters=filters,
                    settings=s, timings=timings)


def cluster_counts(table: pd.DataFrame) -> dict[str, int]:
    """HH/LL/HL/LH/ns counts and hot/cold LSOA counts by Gi* bin, for the summary."""
    counts = {k: int((table["lisa_cluster"] == k).sum()) for k in ("HH", "LL", "HL", "LH", "ns")}
    gb = table["gi_bin"].to_numpy()
    counts.update({"hot_99": int((gb == 3).sum()), "hot_95": int((gb == 2).sum()), "hot_90": int((gb == 1).sum()),
                   "cold_99": int((gb == -3).sum()), "cold_95": int((gb == -2).sum()),
                   "cold_90": int((gb == -1).sum()), "hot": int((gb > 0).sum()), "cold": int((gb < 0).sum())})
    return counts



#: what a bivariate LISA can set the analysed measure against
BIVARIATE_OTHERS = {
    "pubs_density": "pubs per km²",
    "imd_score": "IMD score (higher = more deprived)",
    "imd_deprivation": "IMD decile reversed (10 = most deprived)",
    "streetsafe": "StreetSafe reports",
}


def bivariate(analysis: Analysis, other: str, *, permutations: int | None = None, seed: int | None = None
              ) -> pd.DataFrame:
    """Bivariate Local Moran of the analysed measure against ``other`` around each LSOA.

    "crime vs pubs density" asks: is this high-crime LSOA surrounded by pub-dense LSOAs?
    Returns ``bv_i, bv_p, bv_cluster`` aligned with ``analysis.table``.
    """
    from .stats.local import bivariate_lisa

    t = analysis.table
    if other == "pubs_density":
        y = (t["pubs"] / t["area_km2"]).to_numpy(float)
    elif other == "imd_score":
        if t["imd_score"].isna().all():
            raise DataError("--imd", "the deprivation file has no IMD scores (File 1 has ranks and deciles only)",
                            hint="use IMD 2019 File 5/7 or IoD 2025 for scores, or compare with imd_deprivation")
        y = t["imd_score"].to_numpy(float)
    elif other == "imd_deprivation":
        if t["imd_decile"].isna().all():
            raise DataError("--imd", "no IMD deciles joined to these LSOAs", hint="load an IMD file of the same LSOA vintage")
        y = (11 - t["imd_decile"].astype(float)).to_numpy(float)
    elif other == "streetsafe":
        y = t["streetsafe"].to_numpy(float)
    else:
        raise DataError("bivariate", f"unknown comparison '{other}'", hint=f"use one of {', '.join(BIVARIATE_OTHERS)}")
    s = analysis.settings
    return bivariate_lisa(t["value"].to_numpy(float), y, analysis.weights,
                          permutations=permutations or s.permutations, seed=s.seed if seed is None else seed,
                          alpha=s.alpha)
