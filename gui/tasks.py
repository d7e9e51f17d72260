"""The engine calls the window's worker threads make: load layers, analyse, export.

No Qt here: each function takes the engine's ``progress``/``cancel`` callables and returns a
plain result the window commits in one go on the GUI thread. Nothing is changed in place, so a
bad file or a Cancel leaves the study exactly as it was.
"""

from __future__ import annotations

import copy
import html
import itertools
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd

from hotspots.data.report import LoadReport
from hotspots.pipeline import Analysis, Layers, analyse, load_layer, load_layers
from hotspots.progress import CancelFn, Cancelled, ProgressFn, scaled
from hotspots.study import Settings, Study

__all__ = ["LayerUpdate", "RunOutput", "load_files", "run_analysis", "open_study", "export_all",
           "map_available", "LOAD_ORDER"]

#: boundaries first: crimes are placed in them by point-in-polygon
LOAD_ORDER = ("boundaries", "crimes", "imd", "pubs", "streetsafe", "population", "harm_weights")
_MAP_COUNTER = itertools.count(1)


@dataclass
class LayerUpdate:
    """Layers read by one load job, to be set on the study together (or not at all)."""

    data: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, LoadReport] = field(default_factory=dict)
    paths: dict[str, str | list[str]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class RunOutput:
    """An analysis plus what the window needs to show it without computing anything."""

    analysis: Analysis
    map_file: Path
    map_is_placeholder: bool
    lsoa_shapes: gpd.GeoSeries  # EPSG:4326, indexed by lsoa_code, for highlighting on the map
    zone_shapes: gpd.GeoSeries | None  # EPSG:4326, indexed by zone_id
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _check(cancel: CancelFn | None) -> None:
    if cancel and cancel():
        raise Cancelled()


def load_files(study: Study, layers: Layers, items: dict[str, str | list[str]], *,
               progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> LayerUpdate:
    """Read the layers in ``items`` (kind -> path or paths) against the current study.

    New crime paths are added to the study's crime files and all of them are re-read, so the
    crime layer is the union. New boundaries re-place the existing crimes in them and re-join
    the deprivation table.
    """
    up = LayerUpdate()
    kinds = [k for k in LOAD_ORDER if k in items]
    if "boundaries" in items and study.crimes and "crimes" not in items:
        kinds.insert(1, "crimes")
        items = {**items, "crimes": []}
    boundaries = layers.boundaries
    for i, kind in enumerate(kinds):
        _check(cancel)
        a, b = i / len(kinds), (i + 1) / len(kinds)
        path: str | list[str] = items[kind]
        if kind == "crimes":
            new = [str(p) for p in (path if isinstance(path, list) else [path])]
            path = list(dict.fromkeys([*study.crimes, *new]))
        label = kind if kind != "imd" else "deprivation"
        if progress:
            progress(f"Reading {label}", a)
        t = time.perf_counter()
        data, rep = load_layer(kind, path, boundaries, progress=scaled(progress, a, b), cancel=cancel)
        up.timings[f"load_{kind}"] = round(time.perf_counter() - t, 3)
        if kind == "boundaries":
            boundaries = data
        up.data[kind], up.reports[kind], up.paths[kind] = data, rep, path
    imd = up.data.get("imd", layers.imd)
    if imd is not None and boundaries is not None and ("imd" in up.data or "boundaries" in up.data):
        from hotspots.data.deprivation import check_join

        rep = up.reports.get("imd") or copy.deepcopy(layers.reports["imd"])
        vintage = (up.reports.get("boundaries") or layers.reports["boundaries"]).info.get("vintage", "unknown")
        check_join(imd, boundaries["lsoa_code"].tolist(), vintage, rep)
        up.reports["imd"] = rep
    if progress:
        progress("Layers read", 1.0)
    return up


def map_available() -> bool:
    """True once the engine's map export (:mod:`hotspots.export.html_map`) is importable."""
    try:
        from hotspots.export.html_map import map_html  # noqa: F401
    except ImportError:
        return False
    return True


def _placeholder_html(analysis: Analysis) -> str:
    t = analysis.table
    n_hot = int((t["gi_bin"] >= 2).sum())
    n_hh = int((t["lisa_cluster"] == "HH").sum())
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Map</title></head>"
        "<body style='font-family:sans-serif;background:#eef2f5;color:#223;padding:2em'>"
        "<h2>The interactive map is not part of this build yet</h2>"
        f"<p>The analysis ran: {len(t):,} LSOAs, {n_hh:,} High-High clusters, "
        f"{n_hot:,} Gi* hot spots at 95% or more. See the results table and the zones list.</p>"
        f"<p>Study: {html.escape(str(analysis.settings.measure))} measure, "
        f"{html.escape(analysis.settings.weights)} weights, "
        f"{analysis.settings.permutations:,} permutations.</p></body></html>"
    )


def _shapes_4326(gdf: gpd.GeoDataFrame | None, key: str) -> gpd.GeoSeries | None:
    if gdf is None or len(gdf) == 0:
        return None
    g = gdf.set_index(key).geometry
    return g.to_crs(4326) if g.crs is not None else g


def run_analysis(layers: Layers, settings: Settings, map_dir: Path, *, study: Study | None = None,
                 weights: Any = None, progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> RunOutput:
    """Analyse, build the patrol zones, write the map page: everything one Run shows."""
    t0 = time.perf_counter()
    analysis = analyse(layers, settings, progress=scaled(progress, 0.0, 0.75), cancel=cancel, weights=weights)
    _check(cancel)
    notes: list[str] = []
    try:
        from hotspots.zones import build_zones
    except ImportError:
        build_zones = None  # type: ignore[assignment]
        notes.append("patrol zones are not available in this build")
    if build_zones is not None:
        if progress:
            progress("Building patrol zones", 0.75)
        t = time.perf_counter()
        build_zones(analysis, layers)
        analysis.timings["zones"] = round(time.perf_counter() - t, 3)
    _check(cancel)
    if progress:
        progress("Drawing the map", 0.9)
    placeholder = not map_available()
    if placeholder:
        page = _placeholder_html(analysis)
    else:
        from hotspots.export.html_map import map_html

        page = map_html(analysis, layers, study)
    map_dir.mkdir(parents=True, exist_ok=True)
    map_file = map_dir / f"map_{next(_MAP_COUNTER)}.html"
    map_file.write_text(page, encoding="utf-8")
    lsoa_shapes = _shapes_4326(analysis.table, "lsoa_code")
    zone_shapes = _shapes_4326(analysis.zones, "zone_id")
    if progress:
        progress("Done", 1.0)
    return RunOutput(analysis=analysis, map_file=map_file, map_is_placeholder=placeholder,
                     lsoa_shapes=lsoa_shapes, zone_shapes=zone_shapes,
                     seconds=round(time.perf_counter() - t0, 2), notes=notes)


def open_study(study: Study, map_dir: Path, *, progress: ProgressFn | None = None,
               cancel: CancelFn | None = None) -> tuple[Layers, RunOutput]:
    """Read every layer of a study and analyse it with its own settings."""
    study.settings.validated()  # a bad saved setting fails before gigabytes are read
    layers = load_layers(study, progress=scaled(progress, 0.0, 0.5), cancel=cancel)
    out = run_analysis(layers, study.settings, map_dir, study=study, progress=scaled(progress, 0.5, 1.0), cancel=cancel)
    return layers, out


def export_all(analysis: Analysis, layers: Layers, study: Study, out: Path, *,
               progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> tuple[dict, list[Path]]:
    """Every output of the DESIGN contract into ``out`` (the CLI's ``write_outputs``)."""
    from hotspots.runner import write_outputs

    timings = {**layers.timings, **analysis.timings}
    study = replace(study, settings=analysis.settings)
    return write_outputs(analysis, layers, study, Path(out), timings, exports=True,
                         progress=progress, cancel=cancel)
