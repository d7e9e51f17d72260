"""Fear against recorded crime: where StreetSafe reports and recorded crime disagree, per LSOA.

Most victims never report, so where StreetSafe reports cluster but recorded crime does not,
there is fear that crime figures miss; the reverse shows crime that nobody has flagged as a
place they fear. This stage runs after the statistics, with its own progress and cancel, and
returns a new :class:`~hotspots.model.Analysis` with a :class:`~hotspots.model.FearGapResult`
and the ``fear_gap`` column on a new table.

Method (to be replaced by a test of reports *given* crime): Getis-Ord Gi* on the reports per
LSOA against the crime Gi* bins.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .model import Analysis, FearGapResult, Layers
from .progress import CancelFn, ProgressFn

__all__ = ["fear_gap_stage", "FEAR_GAP_LABELS"]

FEAR_GAP_LABELS = {
    "fear_not_crime": "StreetSafe reports cluster, recorded crime does not",
    "crime_not_fear": "recorded crime clusters, StreetSafe reports do not",
    "both": "both cluster",
}


def _fear_gap(analysis: Analysis, progress: ProgressFn | None, cancel: CancelFn | None) -> FearGapResult | None:
    from .stats.local import analyse_clusters

    t = analysis.table
    y = t["streetsafe"].to_numpy(float)
    if np.nanstd(y) == 0:
        note = f"fear vs crime skipped: every LSOA has the same number of StreetSafe reports ({y[0]:g})"
        return FearGapResult(labels=np.full(len(t), "", dtype=object), counts={}, method="skipped", notes=[note])
    s = analysis.settings
    res = analyse_clusters(y, analysis.weights, permutations=s.permutations, seed=s.seed, alpha=s.alpha,
                           fdr=s.fdr, n_jobs=s.n_jobs, engine=analysis.clusters.engine,
                           draws=analysis.clusters.draws, progress=progress, cancel=cancel)
    ss_bin = res.frame["gi_bin"].to_numpy(int)
    gb = t["gi_bin"].to_numpy(int)
    gap = np.full(len(t), "", dtype=object)
    gap[(ss_bin >= 2) & (gb <= 0)] = "fear_not_crime"
    gap[(gb >= 2) & (ss_bin <= 0)] = "crime_not_fear"
    gap[(gb >= 2) & (ss_bin >= 2)] = "both"
    return FearGapResult(labels=gap, counts={k: int((gap == k).sum()) for k in FEAR_GAP_LABELS},
                         method="Gi* on StreetSafe reports per LSOA against the crime Gi* bins",
                         columns={"ss_gi_z": res.frame["gi_z"].to_numpy(float), "ss_gi_bin": ss_bin},
                         global_moran=res.global_moran)


def fear_gap_stage(analysis: Analysis, layers: Layers, progress: ProgressFn | None = None,
                   cancel: CancelFn | None = None) -> Analysis:
    """The pipeline's fear-vs-crime stage; a no-op without a StreetSafe layer."""
    if layers.streetsafe is None:
        return analysis
    result = _fear_gap(analysis, progress, cancel)
    if result is None:
        return analysis
    table = analysis.table.copy()
    if result.method != "skipped":
        for name, col in result.columns.items():
            table[name] = col
        table["fear_gap"] = result.labels
    return replace(analysis, table=table, fear_gap=result, notes=analysis.notes + tuple(result.notes))
