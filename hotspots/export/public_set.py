"""A publication set: the outputs of a run that are safe to publish, with a disclosure log.

``hotspots analyse ... --public`` and the app's *File > Export for publication* call
:func:`write_public_set`. The folder it fills holds only files fit for the public, so it can
be published whole:

==========================  ===========================================================
``lsoa_results.csv``        the contract's columns; counts under the threshold as "fewer
                            than 5", numbers derived from them as "suppressed"
``patrol_zones.geojson``    zones (EPSG:4326), counts suppressed; concern ids removed
``patrol_spots.geojson``    spots (whole 150 m cells), counts suppressed, no centre points,
                            no StreetSafe reasons from fewer reports than the threshold
``patrol_zones.gpkg``       the same layers and the LSOAs (EPSG:27700)
``hotspots.xlsx``           sheets LSOAs, Zones, Patrol spots, About (rules and the log)
``patrol_map.html``         areas only (:mod:`hotspots.export.map.public_map`)
``public_summary.pdf``      one page: map of areas and the zone table, suppressed
``streetsafe_update.*``     the public "you said, we did" (XLSX, HTML, DOCX), when
                            StreetSafe was analysed
``disclosure.txt``          the rules applied and every suppression, for sign-off
``summary.json``            parameters, rules and files; no counts
==========================  ===========================================================

Not in a publication set: crime, StreetSafe and force-record points; the heat surface (a
kernel density of points at 150 m can show a single crime); streetsafe_concerns.csv (a
concern's square locates its reports); the patrol briefing and the evidence pack (their
tables and maps are built from points and unsuppressed counts; the public workbook and
summary carry the same figures suppressed). A study of sensitive types only (sexual
offences) publishes no spots or cell-built zones: LSOA level only.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..progress import CancelFn, Cancelled, ProgressFn
from ..publish.disclosure import (
    PUBLIC_MARKING,
    DisclosureLog,
    Rules,
    public_locations,
    rules_of,
    suppress_table,
)
from .atomic import atomic_path, write_text_atomic
from .safe_text import neutralise

__all__ = ["write_public_set", "public_tables", "PUBLIC_FILES", "DISCLOSURE_FILE"]

DISCLOSURE_FILE = "disclosure.txt"
PUBLIC_FILES = ["lsoa_results.csv", "patrol_zones.geojson", "patrol_spots.geojson", "patrol_zones.gpkg",
                "hotspots.xlsx", "patrol_map.html", "public_summary.pdf", "streetsafe_update.xlsx",
                "streetsafe_update.html", "streetsafe_update.docx", DISCLOSURE_FILE, "summary.json"]


def _spots_frame(analysis: Any) -> gpd.GeoDataFrame | None:
    if getattr(analysis, "spots", None) is None or not analysis.spots.spots:
        return None
    from .spots import SPOT_FIELDS, spot_records

    recs = spot_records(analysis)
    geoms = [s.geometry for s in analysis.spots.spots]
    frame = pd.DataFrame(recs, columns=[c for c in SPOT_FIELDS if c in recs[0]])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=27700).values, crs=27700)


def public_tables(analysis: Any, rules: Rules, log: DisclosureLog) -> dict[str, gpd.GeoDataFrame | None]:
    """The suppressed LSOA, zone and spot tables (EPSG:27700) every public file is made from.

    Zones and spots are finer than an LSOA: a study of sensitive types only leaves them out.
    """
    from .gis import lsoa_layer, zones_layer
    from .results import results_frame

    t = analysis.table
    res = results_frame(t)
    lsoas = gpd.GeoDataFrame(res, geometry=t.geometry.values, crs=t.crs)
    out: dict[str, gpd.GeoDataFrame | None] = {
        "lsoas": suppress_table(lsoas, rules, log, "lsoa_results"),
        "lsoa_layer": suppress_table(lsoa_layer(analysis), rules, log, "lsoa_results (GeoPackage layer)"),
    }
    if rules.sensitive_selection:
        log.omit("patrol zones and patrol spots", "the analysed types are sensitive: published at LSOA level only")
        out["zones"] = out["spots"] = None
        return out
    zones = zones_layer(analysis)
    out["zones"] = suppress_table(zones, rules, log, "patrol_zones", fine=True) if len(zones) else None
    spots = _spots_frame(analysis)
    out["spots"] = suppress_table(spots, rules, log, "patrol_spots", fine=True) if spots is not None else None
    if out["spots"] is not None and "streetsafe_reasons" in out["spots"]:
        s = out["spots"]
        n_ss = pd.to_numeric(spots["streetsafe_100m"], errors="coerce").fillna(0).to_numpy()
        few = (n_ss > 0) & (n_ss < rules.threshold)
        s["streetsafe_reasons"] = [{} if f else r for f, r in zip(few, s["streetsafe_reasons"], strict=True)]
        log.add("patrol_spots", "streetsafe_reasons", "removed (reasons of fewer reports than the threshold)",
                int(few.sum()))
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v) if np.isfinite(v) else None
    if v is pd.NA or v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _geojson(frame: gpd.GeoDataFrame, name: str, title: str) -> dict:
    wgs = frame.to_crs(4326)
    feats = []
    cols = [c for c in frame.columns if c != frame.geometry.name]
    for rec, geom in zip(frame[cols].to_dict("records"), wgs.geometry.values, strict=True):
        if geom is None or geom.is_empty:
            continue
        g = json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-6)))
        feats.append({"type": "Feature", "properties": {k: _plain(v) for k, v in rec.items()}, "geometry": g})
    return {"type": "FeatureCollection", "name": name, "metadata": {"title": title}, "features": feats}


def _flat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nested values as JSON text and mixed number/word columns as text, for GDAL."""
    out = frame.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        vals = out[c].to_numpy(dtype=object)
        if any(isinstance(v, (dict, list, tuple)) for v in vals):
            out[c] = [json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (dict, list, tuple)) else v
                      for v in vals]
        if pd.api.types.is_object_dtype(out[c].dtype) or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = ["" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
                      for v in out[c]]
    return out


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    df = pd.DataFrame(frame.drop(columns=frame.geometry.name) if hasattr(frame, "geometry") else frame)
    df = df.map(lambda v: neutralise(v) if isinstance(v, str) else v)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _xlsx(path: Path, sheets: dict[str, pd.DataFrame], about: list[tuple[str, str]], title: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    def cell(v: Any) -> Any:
        v = _plain(v)
        if isinstance(v, (dict, list)):
            v = "; ".join(f"{k} {x}" for k, x in v.items()) if isinstance(v, dict) else "; ".join(map(str, v))
        if isinstance(v, str):
            return neutralise(ILLEGAL_CHARACTERS_RE.sub("", v))
        return v

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([cell(title)])
        ws["A1"].font = Font(bold=True)
        cols = [c for c in frame.columns if c != getattr(frame, "geometry", pd.Series(name="")).name]
        ws.append(cols)
        for c in ws[2]:
            c.font = Font(bold=True)
        for row in frame[cols].itertuples(index=False):
            ws.append([cell(v) for v in row])
        ws.freeze_panes = "A3"
    ab = wb.create_sheet("About")
    ab.column_dimensions["A"].width = 32
    ab.column_dimensions["B"].width = 120
    for k, v in about:
        ab.append([cell(k), cell(v)])
        ab.cell(row=ab.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _check(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


def write_public_set(analysis: Any, layers: Any, study: Any, out: str | Path, *, rules: Rules | None = None,
                     progress: ProgressFn | None = None, cancel: CancelFn | None = None,
                     under_review: bool = False) -> tuple[dict, list[Path]]:
    """Write a publication set into ``out`` (see the module notes); returns (summary, paths).

    ``summary`` is what goes into ``summary.json`` (written last by the caller's run folder, or
    here when ``out`` is not staged). ``rules`` default to the run's settings
    (``suppress_below``, ``sensitive_types``, the analysed crime types).
    """
    from .map.html_map import run_facts
    from .map.public_map import write_public_map

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rules = rules or rules_of(analysis.settings)
    if rules.street_names and not public_locations(getattr(layers, "crimes", None)):
        rules = replace(rules, street_names=False)  # a force's records: addresses are free text
    log = DisclosureLog(rules)
    facts = run_facts(analysis, layers, study)
    title = f"{facts['study']}: crime hot spots, {facts['period']} - {PUBLIC_MARKING}"
    subtitle = f"{facts['crime_types']}; {facts['period']}"
    written: list[Path] = []

    def step(msg: str, frac: float) -> None:
        _check(cancel)
        if progress:
            progress(msg, frac)

    step("Suppressing small counts", 0.0)
    tabs = public_tables(analysis, rules, log)
    lsoas, zones, spots = tabs["lsoas"], tabs["zones"], tabs["spots"]
    step("Writing the public tables", 0.2)
    written.append(_csv(lsoas, out / "lsoa_results.csv"))
    if zones is not None:
        written.append(write_text_atomic(out / "patrol_zones.geojson", json.dumps(
            _geojson(zones, "patrol_zones", title), ensure_ascii=False, allow_nan=False)))
    if spots is not None:
        written.append(write_text_atomic(out / "patrol_spots.geojson", json.dumps(
            _geojson(spots, "patrol_spots", title), ensure_ascii=False, allow_nan=False)))
    from .gis import _write

    with atomic_path(out / "patrol_zones.gpkg") as tmp:
        if zones is not None:
            _write(_flat(zones), tmp, "patrol_zones", "GPKG")
        _write(_flat(tabs["lsoa_layer"]), tmp, "lsoa_results", "GPKG")
        if spots is not None:
            _write(_flat(spots), tmp, "patrol_spots", "GPKG")
    written.append(out / "patrol_zones.gpkg")
    step("Writing the public map", 0.4)
    written.append(write_public_map(out / "patrol_map.html", lsoas, zones, spots, title=title, subtitle=subtitle,
                                    threshold=rules.threshold))
    step("Writing the public summary", 0.6)
    from .briefing.public_pdf import write_public_pdf

    written.append(write_public_pdf(out / "public_summary.pdf", lsoas, zones, title=title, subtitle=subtitle,
                                    rules=rules))
    step("Writing the public 'you said, we did'", 0.75)
    written += _streetsafe(analysis, layers, study, out, log, rules, under_review)
    for what, why in (("crime, StreetSafe and force-record points", "never published: areas only"),
                      ("heat.tif and heat overlays", "a kernel density of points can show single crimes"),
                      ("streetsafe_concerns.csv", "a concern's grid square locates its reports"),
                      ("briefing.pdf and evidence.docx", "internal documents drawn from points and full counts; "
                                                         "public_summary.pdf and hotspots.xlsx carry the figures "
                                                         "suppressed")):
        log.omit(what, why)
    log.files = [p.name for p in written] + [DISCLOSURE_FILE, "summary.json"]
    about = [("Title", title), ("Marking", PUBLIC_MARKING), ("Threshold", f"counts of 1 to {rules.threshold - 1} "
                                                                           f"shown as '{rules.label}'")]
    about += [("Disclosure log", line) for line in log.lines() if line.strip()]
    sheets = {"LSOAs": lsoas}
    if zones is not None:
        sheets["Zones"] = zones
    if spots is not None:
        sheets["Patrol spots"] = spots
    step("Writing the public workbook", 0.85)
    written.insert(4, _xlsx(out / "hotspots.xlsx", sheets, about, title))
    log.files = [p.name for p in written] + [DISCLOSURE_FILE, "summary.json"]
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"Disclosure log: {title}", f"Written {stamp}. Study: {facts['study']}. Period: {facts['period']}.",
            "Reviewer: ____________________   Signed off (date): ____________", ""]
    written.append(write_text_atomic(out / DISCLOSURE_FILE, "\n".join(head + log.lines()) + "\n"))
    summary = {"publication": True, "title": title, "marking": PUBLIC_MARKING,
               "disclosure": {"threshold": rules.threshold, "label": rules.label,
                              "sensitive_types": list(rules.sensitive_types),
                              "sensitive_selection": rules.sensitive_selection,
                              "rules": rules.describe(), "cells_suppressed": log.cells(),
                              "suppressed": [{"file": f, "field": c, "action": a, "cells": n}
                                             for f, c, a, n in log.entries],
                              "left_out": [{"what": w, "why": y} for w, y in log.omitted]},
               "study": facts["study"], "period": facts["period"], "crime_types": facts["crime_types"],
               "files": log.files}
    if progress:
        progress("Publication set written", 1.0)
    return summary, written


def _streetsafe(analysis: Any, layers: Any, study: Any, out: Path, log: DisclosureLog, rules: Rules,
                under_review: bool) -> list[Path]:
    res = getattr(analysis, "streetsafe", None)
    if res is None:
        return []
    from ..data.actions import study_actions
    from ..streetsafe.public_update import MIN_REPORTS, build_public_update
    from .documents.public_update_files import (
        write_public_update_docx,
        write_public_update_html,
        write_public_update_xlsx,
    )
    from .streetsafe_files import period_label

    actions = res.actions if res.actions is not None else study_actions(study)
    crimes = getattr(layers, "crimes", None) if rules.street_names else None  # no force-record addresses
    upd = build_public_update(res.concerns, actions, crimes=crimes, under_review=under_review)
    if not rules.street_names:
        log.add("streetsafe_update", "place names", "by town only (the crimes are a force's records)", len(upd.rows))
    period = period_label(analysis)
    n_act = int(actions["concern_id"].nunique()) if actions is not None and len(actions) else 0
    log.add("streetsafe_update", "concerns", f"not listed one by one (fewer than {MIN_REPORTS} reports; grouped "
                                             "by town)", len(upd.grouped_small))
    log.add("streetsafe_update", "reasons", f"not shown (concerns from fewer than {MIN_REPORTS} reports)",
            upd.reasons_withheld)
    log.add("streetsafe_update", "concern ids, report counts and dates", "not published (places by street and "
                                                                         "town; months only)", len(upd.rows))
    if not under_review:
        log.omit("StreetSafe concerns with no action recorded",
                 f"not listed ({max(len(res.concerns) - n_act, 0)} concerns); set 'under review' to add them")
    note = (f"{len(upd.concerns_listed)} concerns listed in {len(upd.rows)} places. Small numbers are "
            "not published.")
    about = [("Title", "StreetSafe: you said, we did - for publication"), ("Period", period),
             ("Rules", f"places named by street and town; concerns from fewer than {MIN_REPORTS} reports grouped "
                       "by town with no reasons; no grid codes, report counts, report dates or locations; "
                       "actions by month")]
    return [write_public_update_xlsx(upd, out / "streetsafe_update.xlsx", period=period, about=about),
            write_public_update_html(upd, out / "streetsafe_update.html", period=period, note=note),
            write_public_update_docx(upd, out / "streetsafe_update.docx", period=period, note=note)]
