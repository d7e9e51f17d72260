"""The evidence tables for the workbook: an *Evidence* sheet and the inquiry's *Cross-table*.

The Evidence sheet holds, for each area of the pack (the top zones unless the run names
another area), each figure against the force: count, rate per 1,000, force rate, times the
force and percentile; then the bivariate cluster counts and their caution. The Cross-table
sheet holds one row per deprivation band x pub band. Both come from
:func:`hotspots.evidence.pack.build_pack` and :class:`hotspots.evidence.crosstab.CrossTab`,
so the workbook and ``evidence.docx`` quote the same numbers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["evidence_frames", "given_pack", "pack_for"]

#: a pack worked out by another process for this one's (analysis, layers, study), by identity:
#: a spawned export child (:mod:`hotspots.export.spawned`) has only the crimes near the patrol
#: spots, and the pack's rates and trends read every crime
_GIVEN: list[tuple[Any, Any, Any, Any]] = []


def given_pack(analysis: Any, layers: Any, study: Any, pack: Any) -> None:
    """Let :func:`pack_for` answer ``pack`` for these very objects (one run at a time)."""
    _GIVEN[:] = [(analysis, layers, study, pack)]


def pack_for(analysis: Any, layers: Any, study: Any) -> Any:
    """The evidence pack of a run for its ``evidence_area`` (top zones by default), or None
    when the run has no population (a pack of rates needs residents)."""
    for a, lay, st, pack in _GIVEN:
        if a is analysis and lay is layers and st is study:
            return pack
    ev = getattr(analysis, "evidence", None)
    if ev is None or ev.rates is None:
        return None
    from ...evidence.pack import build_pack, parse_area
    from ...study_title import study_title

    spec = parse_area(getattr(analysis.settings, "evidence_area", None))
    return build_pack(analysis, layers, spec=spec, study_name=study_title(study, analysis, layers))


def evidence_frames(analysis: Any, layers: Any, study: Any, pack: Any = None) -> dict[str, pd.DataFrame]:
    """Sheet name -> frame, for the sheets this run can fill (none without the evidence stage)."""
    ev = getattr(analysis, "evidence", None)
    if ev is None:
        return {}
    out: dict[str, pd.DataFrame] = {}
    pack = pack if pack is not None else pack_for(analysis, layers, study)
    rows: list[dict[str, Any]] = []
    if pack is not None:
        for area in pack.areas:
            for m in area.measures:
                rows.append({"area": area.title, "lsoas": len(area.lsoa_codes), "residents": area.population,
                             "figure": m.name, "count": m.count, "per_1000": m.per_1000,
                             "force_per_1000": m.force_per_1000, "times_force": m.ratio,
                             "percentile_in_force": m.percentile, "trend": area.trend, "pubs": area.pubs,
                             "streetsafe": area.streetsafe})
    if ev.bivariate is not None:
        from ...evidence.bivariate import CAUTION

        for col, counts in ev.bivariate.counts.items():
            rows.append({"area": "whole study", "figure": f"bivariate LISA, crime vs {ev.bivariate.variables[col]}",
                         **{f"LSOAs {k}": v for k, v in counts.items()}})
        rows.append({"area": "caution", "figure": CAUTION})
    if rows:
        out["Evidence"] = pd.DataFrame(rows)
    if ev.crosstab is not None:
        g = ev.crosstab.groups.rename(columns={"imd_band": "IMD decile band", "pub_band": "pubs per km² band"})
        out["Cross-table"] = g
    return out
