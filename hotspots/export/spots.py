"""Patrol spots for GIS, web maps and spreadsheets: ``patrol_spots.geojson`` and the shared tables.

The GeoJSON (EPSG:4326, RFC 7946) is written by hand rather than through GDAL so that the
evidence keeps its shape: ``crimes_by_month``, ``crimes_by_type`` and ``streetsafe_reasons`` are
JSON objects and ``flags`` a list, which a web map reads directly. The GeoPackage layer and the
XLSX sheet (flat tables) get the same fields as text. Text from the input files is cleaned of
control characters here; spreadsheets neutralise formulas in :mod:`hotspots.export.workbook.tables`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..model import Analysis
from ..stats.window_test import p_shown, p_text
from .atomic import write_text_atomic

__all__ = ["SPOT_FIELDS", "spots_layer", "spots_table", "spots_geojson", "write_spots_geojson", "spot_records"]

#: flat fields of a spot, in order (the GeoPackage layer and the XLSX sheet)
SPOT_FIELDS = ["rank", "spot_id", "name", "street", "town", "crimes", "harm", "value", "share_of_crimes", "pai",
               "area_km2", "n_cells", "cell_ids", "centre_lat", "centre_lon", "significant", "p_value", "p_text", "pubs_100m",
               "streetsafe_100m", "streetsafe_reasons", "lsoa_code", "lsoa_name", "imd_decile", "crimes_by_month",
               "crimes_by_type", "flags", "excluded_snap_crimes", "partner_crimes", "dosage"]
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(v: object) -> str:
    return _BAD.sub("", str(v)).encode("utf-8", "replace").decode("utf-8")


def _pairs(d: dict) -> str:
    return "; ".join(f"{_text(k)} {v}" for k, v in d.items())


def _num(v: object) -> object:
    if isinstance(v, (float, np.floating)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def spot_records(analysis: Analysis) -> list[dict]:
    """One JSON-ready dict per spot (nested evidence kept), rank order."""
    res = analysis.spots
    if res is None:
        return []
    out = []
    for s in res.spots:
        out.append({
            "rank": s.rank, "spot_id": s.spot_id, "name": _text(s.name), "street": _text(s.street),
            "town": _text(s.town), "crimes": s.crimes, "harm": _num(s.harm), "value": _num(s.value),
            "share_of_crimes": _num(s.share_of_crimes), "pai": _num(s.pai), "area_km2": _num(s.area_km2),
            "n_cells": s.n_cells, "cell_ids": list(s.cell_ids), "centre_lat": _num(round(s.centre_lat, 6)),
            "centre_lon": _num(round(s.centre_lon, 6)), "significant": bool(s.significant),
            "p_value": _num(p_shown(s.p_value)), "p_text": p_text(s.p_value),
            "pubs_100m": s.pubs_100m, "streetsafe_100m": s.streetsafe_100m,
            "streetsafe_reasons": {_text(k): v for k, v in s.streetsafe_reasons.items()},
            "lsoa_code": _text(s.lsoa_code), "lsoa_name": _text(s.lsoa_name), "imd_decile": s.imd_decile,
            "crimes_by_month": dict(s.crimes_by_month), "crimes_by_type": {_text(k): v for k, v in s.crimes_by_type.items()},
            "flags": [_text(f) for f in s.flags], "excluded_snap_crimes": s.excluded_snap_crimes,
            "partner_crimes": s.partner_crimes, "dosage": s.dosage,
        })
    when = getattr(analysis, "when", None)
    if when is not None:  # a records extract: when to patrol each spot (hotspots.when)
        for rec in out:
            prof = when.spots.get(rec["spot_id"])
            rec["when_profile"] = [round(float(v), 4) for v in prof] if prof is not None else None
            rec["patrol_windows"] = when.spot_texts(rec["spot_id"])
    return out


def spots_table(analysis: Analysis) -> pd.DataFrame:
    """The spots as a flat table (nested evidence as "key n; key n" text)."""
    rows = []
    for r in spot_records(analysis):
        flat = dict(r)
        flat["cell_ids"] = ";".join(r["cell_ids"])
        for k in ("streetsafe_reasons", "crimes_by_month", "crimes_by_type"):
            flat[k] = _pairs(r[k])
        flat["flags"] = "; ".join(r["flags"])
        rows.append(flat)
    frame = pd.DataFrame(rows, columns=SPOT_FIELDS)
    frame["imd_decile"] = frame["imd_decile"].astype("Int64")
    return frame


def spots_layer(analysis: Analysis) -> gpd.GeoDataFrame:
    """The spots as polygons in EPSG:27700 with :data:`SPOT_FIELDS` (empty, same schema, when none)."""
    res = analysis.spots
    geoms = [s.geometry for s in res.spots] if res is not None else []
    return gpd.GeoDataFrame(spots_table(analysis), geometry=gpd.GeoSeries(geoms, crs=27700).values, crs=27700)


def spots_geojson(analysis: Analysis) -> dict:
    """The spots as a GeoJSON FeatureCollection in EPSG:4326 (polygons, ``rank`` 1 first)."""
    res = analysis.spots
    feats = []
    if res is not None and res.spots:
        wgs = gpd.GeoSeries([s.geometry for s in res.spots], crs=27700).to_crs(4326)
        for rec, geom in zip(spot_records(analysis), wgs.values, strict=True):
            geom = shapely.set_precision(geom, 1e-7)
            feats.append({"type": "Feature", "id": rec["spot_id"], "properties": rec,
                          "geometry": json.loads(shapely.to_geojson(geom))})
    meta = res.summary() if res is not None else {}
    return {"type": "FeatureCollection", "name": "patrol_spots",
            "metadata": {k: meta.get(k) for k in ("count", "requested", "cell_m", "measure", "dosage")}
            | {"significance": meta.get("significance", {}).get("test"),
               "alpha": meta.get("significance", {}).get("alpha")},
            "features": feats}


def write_spots_geojson(analysis: Analysis, path: str | Path) -> Path:
    """``patrol_spots.geojson``, atomically."""
    def plain(v: object) -> object:
        if isinstance(v, np.generic):
            return v.item()
        raise TypeError(type(v).__name__)

    return write_text_atomic(path, json.dumps(spots_geojson(analysis), ensure_ascii=False, allow_nan=False,
                                              default=plain))
