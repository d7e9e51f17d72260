"""The engine calls the window's worker threads make: load layers, analyse, export.

No Qt here: each function takes the engine's ``progress``/``cancel`` callables and returns a
plain result the window commits in one go on the GUI thread. Nothing is changed in place, so a
bad file or a Cancel leaves the study exactly as it was.
"""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd

from hotspots.model import Analysis, Layers
from hotspots.pipeline import analyse, load_layers, write_outputs
from hotspots.progress import CancelFn, Cancelled, ProgressFn, scaled
from hotspots.study import Settings, Study

__all__ = ["LayerUpdate", "RunOutput", "load_files", "run_analysis", "open_study", "export_all", "evidence_pack",
           "study_with"]

_MAP_COUNTER = itertools.count(1)


@dataclass
class LayerUpdate:
    """The study with its new files and the layers the engine read for it (committed together)."""

    study: Study
    layers: Layers
    changed: list[str] = field(default_factory=list)
    #: True when the job started a new study (the demo was shown): the demo's results go
    new_study: bool = False


@dataclass
class RunOutput:
    """An analysis plus what the window needs to show it without computing anything."""

    analysis: Analysis
    map_file: Path
    lsoa_shapes: gpd.GeoSeries  # EPSG:4326, indexed by lsoa_code, for highlighting on the map
    zone_shapes: gpd.GeoSeries | None  # EPSG:4326, indexed by zone_id
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _check(cancel: CancelFn | None) -> None:
    if cancel and cancel():
        raise Cancelled()


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return a == b


def study_with(study: Study, items: dict[str, str | list[str]]) -> Study:
    """A copy of ``study`` with the files of ``items`` (kind -> path or paths) set.

    New crime paths are added to the crime files; one already in the study (the same file or
    folder, by its resolved path) is not added twice, so re-adding a folder never doubles it.
    """
    new = copy.deepcopy(study)
    for kind, path in items.items():
        if kind == "crimes":
            paths = [str(p) for p in (path if isinstance(path, list) else [path])]
            merged = list(new.crimes)
            for p in paths:
                if not any(_same_file(p, q) for q in merged):
                    merged.append(p)
            new.crimes = merged
        elif kind == "harm_weights":
            new.harm_weights_file = str(path)
        else:
            setattr(new, kind, str(path))
    if "boundaries" in items:
        new.name = Path(str(items["boundaries"])).stem
    return new


def load_files(study: Study, layers: Layers, items: dict[str, str | list[str]], *, new_study: bool = False,
               progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> LayerUpdate:
    """Read the layers in ``items`` against the current study, through the engine's one loader.

    Only what changed is read again (:func:`hotspots.pipeline.load_layers` with ``previous``):
    new boundaries re-place the crimes, pubs and reports in them and re-join the deprivation.
    """
    if new_study:  # the demo was shown: the user's files start a study of their own
        study, layers = Study(settings=copy.deepcopy(study.settings)), Layers()
    new = study_with(study, items)
    out = load_layers(new, previous=layers, progress=progress, cancel=cancel)
    changed = [k for k in out.reports if out.reports.get(k) is not layers.reports.get(k)]
    return LayerUpdate(study=new, layers=out, changed=changed, new_study=new_study)


def _shapes_4326(gdf: gpd.GeoDataFrame | None, key: str) -> gpd.GeoSeries | None:
    if gdf is None or len(gdf) == 0:
        return None
    g = gdf.set_index(key).geometry
    return g.to_crs(4326) if g.crs is not None else g


def run_analysis(layers: Layers, settings: Settings, map_dir: Path, *, study: Study | None = None,
                 progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> RunOutput:
    """Analyse (every engine stage) and write the map page: everything one Run shows."""
    t0 = time.perf_counter()
    analysis = analyse(layers, settings, progress=scaled(progress, 0.0, 0.9), cancel=cancel)
    _check(cancel)
    if progress:
        progress("Drawing the map", 0.9)
    from hotspots.export.map.html_map import map_html

    page = map_html(analysis, layers, study)
    map_dir.mkdir(parents=True, exist_ok=True)
    map_file = map_dir / f"map_{next(_MAP_COUNTER)}.html"
    map_file.write_text(page, encoding="utf-8")
    lsoa_shapes = _shapes_4326(analysis.table, "lsoa_code")
    zone_shapes = _shapes_4326(analysis.zone_frame, "zone_id")
    if progress:
        progress("Done", 1.0)
    return RunOutput(analysis=analysis, map_file=map_file,
                     lsoa_shapes=lsoa_shapes, zone_shapes=zone_shapes,
                     seconds=round(time.perf_counter() - t0, 2), notes=list(analysis.notes))


def open_study(study: Study, map_dir: Path, *, progress: ProgressFn | None = None,
               cancel: CancelFn | None = None) -> tuple[Layers, RunOutput]:
    """Read every layer of a study and analyse it with its own settings."""
    from hotspots.pipeline import check_study

    study.settings.validated()  # a bad saved setting fails before gigabytes are read
    check_study(study)
    layers = load_layers(study, progress=scaled(progress, 0.0, 0.5), cancel=cancel)
    out = run_analysis(layers, study.settings, map_dir, study=study, progress=scaled(progress, 0.5, 1.0), cancel=cancel)
    return layers, out


def export_all(analysis: Analysis, layers: Layers, study: Study, out: Path, *,
               progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> tuple[dict, list[Path]]:
    """Every output of the DESIGN contract into ``out`` (the engine's ``write_outputs``, as the CLI)."""
    from hotspots.pipeline import check_out_dir

    check_out_dir(Path(out))
    study = replace(study, settings=analysis.settings)
    return write_outputs(analysis, layers, study, Path(out), exports=True, progress=progress, cancel=cancel)


def evidence_pack(analysis: Analysis, layers: Layers, study: Study, path: Path, area: str | None, *,
                  progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Path:
    """``evidence.docx`` for ``area`` (``hotspots.evidence.pack.parse_area``; None = the top zones)."""
    from hotspots.evidence.pack import build_pack, parse_area
    from hotspots.export.documents.evidence_docx import write_evidence_docx
    from hotspots.study_title import study_title

    if progress:
        progress("Gathering the evidence", 0.0)
    pack = build_pack(analysis, layers, spec=parse_area(area), study_name=study_title(study, analysis, layers))
    if cancel and cancel():
        from hotspots.progress import Cancelled

        raise Cancelled()
    if progress:
        progress("Writing the Word document", 0.3)
    return write_evidence_docx(pack, analysis, layers, Path(path), heat=analysis.evidence.heat)
