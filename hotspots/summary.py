"""summary.json content: inputs, parameters, global Moran's I, cluster counts, zones, timings.

Kept apart from the writer so the GUI can show the same facts without writing a file.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
from typing import Any

from . import __version__
from .harm import DEFAULT_HARM_WEIGHTS, HARM_SOURCE
from .lsoa.table import MEASURES
from .model import Analysis, Layers
from .study import Study
from .when.stage import summary_blocks

__all__ = ["build_summary", "cluster_counts", "P_VALUE_NOTE"]

P_VALUE_NOTE = {
    "lisa_p": "two-sided conditional-permutation pseudo p-value = min(1, 2 x lisa_p_directed)",
    "lisa_p_directed": "directed pseudo p-value (esda p_sim, GeoDa): (min(#sim >= obs, #sim <= obs) + 1) / (P + 1) "
                       "with stable draws (ties in both tails); esda's draws count #sim < obs in the lower tail; "
                       "GPKG/XLSX only (also under its old name lisa_p_folded)",
    "gi_p": "two-sided permutation pseudo p-value of Gi* = min(1, 2 x gi_p_directed)",
    "gi_z": "analytic Gi* z-score with binary weights including the LSOA itself (Ord & Getis 1995; ArcGIS; "
            "esda G_Local(star=True, transform='B').Zs)",
    "mc_permutations": "permutations this LSOA got (stable draws: more where its p-value is near a cut-off)",
    "gi_bin": "sign(gi_z) x 3/2/1 where gi_p <= 0.01/0.05/0.10 (after FDR if asked), else 0",
    "lisa_cluster": "quadrant of esda Moran_Local (HH, LH, LL, HL) where lisa_p <= alpha (FDR cut-off if asked), else ns",
}


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def cluster_counts(table) -> dict[str, int]:  # noqa: ANN001 - a DataFrame
    """HH/LL/HL/LH/ns counts and hot/cold LSOA counts by Gi* bin."""
    counts = {k: int((table["lisa_cluster"] == k).sum()) for k in ("HH", "LL", "HL", "LH", "ns")}
    gb = table["gi_bin"].to_numpy()
    counts.update({"hot_99": int((gb == 3).sum()), "hot_95": int((gb == 2).sum()), "hot_90": int((gb == 1).sum()),
                   "cold_99": int((gb == -3).sum()), "cold_95": int((gb == -2).sum()),
                   "cold_90": int((gb == -1).sum()), "hot": int((gb > 0).sum()), "cold": int((gb < 0).sum())})
    return counts


def _spots(analysis: Analysis) -> dict[str, Any] | None:
    """The patrol spots in figures, and each spot's headline (the full evidence is in the GeoJSON)."""
    from .stats.window_test import p_shown

    res = analysis.spots
    if res is None:
        return None
    out = res.summary()
    out["spots"] = [{"rank": s.rank, "spot_id": s.spot_id, "name": s.name, "crimes": s.crimes, "harm": s.harm,
                     "share_of_crimes": s.share_of_crimes, "pai": s.pai, "area_km2": s.area_km2,
                     "n_cells": s.n_cells, "centre_lat": s.centre_lat, "centre_lon": s.centre_lon,
                     "significant": bool(s.significant),
                     "p_value": p_shown(s.p_value), "lsoa_code": s.lsoa_code, "imd_decile": s.imd_decile,
                     "flags": list(s.flags)} for s in res.spots]
    return out


def _marking(study: Study, analysis: Analysis) -> str:
    from .publish.disclosure import marking_of

    return marking_of(study, analysis)


def build_summary(analysis: Analysis, layers: Layers, study: Study, timings: dict[str, float], *,
                  skipped: list[str] | None = None) -> dict[str, Any]:
    """Everything summary.json holds, as plain JSON-safe values."""
    s = analysis.settings
    t = analysis.table
    inputs = {}
    for kind, rep in layers.reports.items():
        d = rep.to_dict()
        inputs[kind] = {
            "path": d["source"], "files": d["files"], "rows_read": d["rows_read"], "rows_kept": d["rows_kept"],
            "rows_dropped": d["rows_dropped"], "dropped": d["dropped"], "warnings": d["warnings"], "info": d["info"],
        }
    zones = None
    if analysis.zones is not None:
        zones = analysis.zones.summary.to_dict()
        zones["fear_gap"] = analysis.fear_gap.counts if analysis.fear_gap is not None else None
    summary = {
        "tool": "hotspots",
        "version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "marking": _marking(study, analysis),
        "study": _title(study, analysis, layers),
        "inputs": inputs,
        "filters": analysis.filters.to_dict(),
        "parameters": {
            "measure": s.measure,
            "measure_label": MEASURES[s.measure],
            "crime_types": s.crime_types or "all",
            "from": s.month_from,
            "to": s.month_to,
            "weights": s.weights,
            "permutations": s.permutations,
            "seed": s.seed,
            "draws": s.draws,
            "alpha": s.alpha,
            "fdr": s.fdr,
            "p_values": "two-sided conditional-permutation pseudo p-values",
            "zone_rule": s.zone_rule,
            "cell_m": s.cell,
            "spots": s.spots,
            "harm_weights": s.harm_weights or layers.harm_weights or DEFAULT_HARM_WEIGHTS,
            "harm_weights_source": HARM_SOURCE if not (s.harm_weights or layers.harm_weights) else "user CSV",
            "engine": analysis.clusters.engine,
        },
        "columns": P_VALUE_NOTE,
        "weights": analysis.weights_info.to_dict(),
        "global_moran": analysis.clusters.global_moran,
        # computed with the fear-vs-crime Gi* on StreetSafe counts: do reports cluster at all?
        "streetsafe_global_moran": analysis.fear_gap.global_moran if analysis.fear_gap is not None else None,
        "thresholds": analysis.clusters.thresholds,
        # Monte Carlo error of the p-values near the cut-offs and how many labels it could change
        "monte_carlo": getattr(analysis.clusters, "stability", None) or None,
        "lsoas": int(len(t)),
        "crimes_analysed": int(t["crimes"].sum()),
        "harm_analysed": float(t["harm"].sum()),
        "clusters": cluster_counts(t),
        "zones": zones,
        # the LSOA LISA/Gi* clusters: the statistical map (lsoa_clusters.geojson), not a patrol plan
        "lsoa_clusters": (analysis.lsoa_clusters.summary.to_dict()
                          if getattr(analysis, "lsoa_clusters", None) is not None else None),
        "spots": _spots(analysis),
        "period": {"months_with_data": analysis.months_with_data()},
        "evidence": analysis.evidence.summary() if getattr(analysis, "evidence", None) is not None else None,
        "streetsafe": _streetsafe(analysis, study),
        **(analysis.time.summary() if analysis.time is not None else {"emerging": None}),
        **summary_blocks(analysis, layers),  # when to patrol and which harm (hotspots.when)
        "notes": list(analysis.notes),
        "exports_skipped": list(skipped or []),
        "timings": timings,
    }
    return _clean(summary)


def _streetsafe(analysis: Analysis, study: Study) -> dict[str, Any] | None:
    """StreetSafe accounting, fear-vs-crime counts, concerns and actions (None without the layer)."""
    result = getattr(analysis, "streetsafe", None)
    if result is None:
        return None
    from .data.actions import study_actions

    out = result.summary()
    acts = result.actions if result.actions is not None else study_actions(study)
    if acts is not None:
        out["actions"] = {"rows": int(len(acts)), "concerns": int(acts["concern_id"].nunique()) if len(acts) else 0,
                          "concerns_in_period": int(acts["concern_id"].isin(result.concerns["concern_id"]).sum())}
    return out


def _title(study: Any, analysis: Any, layers: Any) -> str:
    """The study's title (the user's, else the places covered: :mod:`hotspots.study_title`)."""
    from .study_title import study_title

    return study_title(study, analysis, layers)
