"""Fear against recorded crime: where StreetSafe reports and recorded crime disagree, per LSOA.

Most victims never report, so where people report feeling unsafe more than recorded crime
explains there is fear that crime figures miss; the reverse shows crime that people who do use
StreetSafe have not flagged. This stage runs after the statistics and the zones, with its own
progress and cancel, and returns a new :class:`~hotspots.model.Analysis` with a
:class:`~hotspots.model.FearGapResult`, the StreetSafe result (accounting, concerns) and the
``fear_gap``, ``fear_status``, ``fear_p``, ``fear_expected`` columns on a new table.

Method: a negative-binomial test of each LSOA neighbourhood's reports *given* its recorded
crime, with the reports' overdispersion (repeat reporters, patchy uptake) estimated from the
data, Benjamini-Hochberg FDR, a coverage rule and a fewest-own-reports rule
(:mod:`hotspots.streetsafe.fear_test`, where the labels, the "too few reports" (not testable)
rule, the power and the limits are documented).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model import Analysis, FearGapResult, Layers
from ..progress import CancelFn, Cancelled, ProgressFn

__all__ = ["fear_gap_stage", "FEAR_GAP_LABELS"]

FEAR_GAP_LABELS = {
    "fear_not_crime": "significantly more StreetSafe reports than recorded crime predicts",
    "crime_not_fear": "significantly fewer StreetSafe reports than recorded crime predicts (where StreetSafe is used)",
    "both": "a recorded-crime hot spot with significantly more StreetSafe reports than even its crime predicts",
}


def _spots_frame(analysis: Analysis):
    """The patrol spots' polygons, when a spots stage has run (any of its usual shapes)."""
    res = getattr(analysis, "spots", None)
    if res is None or not res.spots:
        return None
    import geopandas as gpd

    return gpd.GeoDataFrame({"rank": [s.rank for s in res.spots]},
                            geometry=[s.geometry for s in res.spots], crs=27700)


def fear_gap_stage(analysis: Analysis, layers: Layers, progress: ProgressFn | None = None,
                   cancel: CancelFn | None = None) -> Analysis:
    """The pipeline's fear-vs-crime stage; a no-op without a StreetSafe layer."""
    from ..data.report import LoadReport
    from ..stats.global_moran import global_moran
    from .fear_test import FEAR_GAP_VALUES
    from .stage import streetsafe_stage

    if layers.streetsafe is None:
        return analysis
    s = analysis.settings
    table = analysis.table.copy()
    report = layers.reports.get("streetsafe") or LoadReport(source="streetsafe", kind="streetsafe",
                                                            rows_read=len(layers.streetsafe),
                                                            rows_kept=len(layers.streetsafe))
    if progress:
        progress("Testing StreetSafe reports against recorded crime", 0.0)
    if cancel is not None and cancel():
        raise Cancelled()
    result = streetsafe_stage(table, layers.boundaries, layers.streetsafe, report, weights=analysis.weights,
                              crimes=layers.crimes, month_from=s.month_from, month_to=s.month_to,
                              zones=analysis.zone_frame, spots=_spots_frame(analysis), alpha=s.alpha,
                              placed=layers.placed.get("streetsafe"))
    labels = table["fear_gap"].to_numpy(dtype=object)
    y = table["streetsafe"].to_numpy(float)
    moran = None
    if len(y) >= 3 and np.nanstd(y) > 0:
        moran = global_moran(y, analysis.weights, permutations=min(int(s.permutations), 999), seed=s.seed,
                             cancel=cancel)
    fear = result.fear
    counts = ({k: int((labels == k).sum()) for k in FEAR_GAP_VALUES[1:]} | {
        "tested": fear.counts["tested"], "too few reports": fear.counts["too few reports"]}) if fear else {}
    method = fear.params["method"] if fear else "not run: no StreetSafe reports or no crimes in the period"
    gap = FearGapResult(labels=labels, counts=counts, method=method,
                        columns={c: table[c].to_numpy() for c in ("fear_status", "fear_p", "fear_expected")},
                        global_moran=moran, notes=list(result.notes[1:]))
    if progress:
        progress("StreetSafe compared with crime", 1.0)
    return replace(analysis, table=table, fear_gap=gap, streetsafe=result,
                   notes=analysis.notes + tuple(gap.notes))
