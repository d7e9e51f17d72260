"""The StreetSafe stage: placement with accounting, the fear-vs-crime test and concerns.

One function the pipeline calls after the crime statistics (it needs the crime Gi* bins and
the spatial weights) and, for the patrol zone and spot of each concern, after zones and spots.
It writes the per-LSOA columns ``streetsafe`` (reports placed inside or near the LSOA, in the
analysed months), ``fear_gap``, ``fear_status``, ``fear_p``, ``fear_expected`` into the table and
returns a :class:`StreetSafeResult` for the summary, the exports and the GUI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.report import LoadReport
from .concerns import build_concerns
from .fear_test import MIN_REPORTS, FearTest, fear_vs_crime
from .place import NEAR_METRES, Placement, place_reports, record_placement

__all__ = ["StreetSafeResult", "streetsafe_stage", "FEAR_TABLE_COLUMNS", "period_mask", "place_layer",
           "placed_in_period"]

#: Per-LSOA columns the stage adds to the results table.
FEAR_TABLE_COLUMNS = ["fear_gap", "fear_status", "fear_p", "fear_expected"]


@dataclass
class StreetSafeResult:
    """What the StreetSafe stage produced.

    Attributes
    ----------
    placement : where each report kept by the reader went (None when placed at load)
    accounting : read / placed inside / near / outside / dropped, and a one-line summary
    in_period : bool per report, True where its month is in the analysed months
    fear : the fear-vs-crime test (None when there were no crimes or no reports to test)
    concerns : the concern table (:data:`hotspots.streetsafe.concerns.CONCERN_COLUMNS`)
    actions : the actions log, when one was given
    notes : sentences for the summary and the CLI (accounting first, period, untested LSOAs)
    reason_note : the unknown-reasons sentence for the GUI's StreetSafe panel ("" when none)
    """

    placement: Placement | None
    accounting: dict[str, Any]
    in_period: np.ndarray
    fear: FearTest | None
    concerns: pd.DataFrame
    actions: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    reason_note: str = ""

    def summary(self) -> dict[str, Any]:
        """The summary.json entry."""
        out: dict[str, Any] = {"accounting": {k: v for k, v in self.accounting.items()},
                               "reports_in_period": int(self.in_period.sum()),
                               "concerns": int(len(self.concerns)), "notes": list(self.notes),
                               "unknown_reasons": self.reason_note}
        if self.fear is not None:
            out["fear_vs_crime"] = {"counts": self.fear.counts, **self.fear.params}
        if self.actions is not None:
            out["actions"] = {"rows": int(len(self.actions)),
                              "concerns": int(self.actions["concern_id"].nunique()) if len(self.actions) else 0}
        return out


def period_mask(months: pd.Series, month_from: str | None, month_to: str | None) -> np.ndarray:
    """Reports in the analysed months; with no period set, every report (even undated ones)."""
    m = months.fillna("").astype(str)
    keep = np.ones(len(m), dtype=bool)
    if month_from or month_to:
        keep &= (m != "").to_numpy()
        if month_from:
            keep &= (m >= month_from).to_numpy()
        if month_to:
            keep &= (m <= month_to).to_numpy()
    return keep


def place_layer(reports: Any, boundaries: Any, report: LoadReport | None,
                max_distance: float = NEAR_METRES) -> np.ndarray:
    """LSOA row per report (inside, or nearest within ``max_distance``; -1 outside), accounted.

    Called once at load; the accounting goes into the layer's LoadReport (``info["placement"]``
    and warnings), so summary.json, the CLI and the GUI layer all say where every report went.
    """
    placement = place_reports(reports.geometry.x.to_numpy(float), reports.geometry.y.to_numpy(float),
                              np.asarray(boundaries.geometry.array, dtype=object), max_distance=max_distance)
    if report is not None:
        record_placement(report, placement)
    return placement.index


def placed_in_period(placed: dict[str, np.ndarray], reports: Any, month_from: str | None,
                     month_to: str | None) -> dict[str, np.ndarray]:
    """``placed`` with reports outside the analysed months set to -1 (not counted per LSOA)."""
    if reports is None or "streetsafe" not in placed or not (month_from or month_to):
        return placed
    months = reports["month"] if "month" in reports else pd.Series([""] * len(reports))
    keep = period_mask(months, month_from, month_to)
    return {**placed, "streetsafe": np.where(keep, placed["streetsafe"], -1)}


def streetsafe_stage(table: pd.DataFrame, boundaries: Any, reports: Any, report: LoadReport, *,
                     weights: Any = None, crimes: pd.DataFrame | None = None,
                     month_from: str | None = None, month_to: str | None = None,
                     zones: Any = None, spots: Any = None, actions: pd.DataFrame | None = None,
                     placed: np.ndarray | None = None,
                     alpha: float = 0.05, max_distance: float = NEAR_METRES,
                     min_reports: int = MIN_REPORTS) -> StreetSafeResult:
    """Place, account for, test and group the StreetSafe reports of one analysis.

    Parameters
    ----------
    table : the per-LSOA results table (``crimes``, ``gi_bin``); columns are added in place
    boundaries : LSOA GeoDataFrame in table order
    reports, report : the reader's frame and LoadReport (the placement is recorded in it)
    weights : spatial weights for the fear test's neighbourhoods
    crimes : the crime layer (``x``, ``y``, ``location``, ``month``) to name concerns' streets
    month_from, month_to : the analysed months (reports outside them are placed and counted,
        but left out of the per-LSOA counts, the test and the concerns)
    zones, spots : patrol zones (``zone_id``) and spots (``rank``) for each concern's cover
    actions : the actions log (``hotspots.data.actions``)
    alpha : FDR for the fear test
    max_distance : metres within which a report outside every LSOA joins the nearest one
    min_reports : fewest reports in a neighbourhood for it to be tested
    placed : LSOA row per report when the loader already placed them (:func:`place_layer`,
        whose accounting is then in ``report.info["placement"]``)
    """
    if placed is None or "placement" not in report.info:
        placement = place_reports(reports.geometry.x.to_numpy(float), reports.geometry.y.to_numpy(float),
                                  np.asarray(boundaries.geometry.array, dtype=object), max_distance=max_distance)
        acc = record_placement(report, placement)
        index = placement.index
    else:
        placement, acc, index = None, report.info["placement"], np.asarray(placed)
    months = reports["month"] if "month" in reports else pd.Series([""] * len(reports))
    in_period = period_mask(months, month_from, month_to)
    notes = [acc["line"]]
    if (month_from or month_to) and (~in_period).any():
        notes.append(f"{int((~in_period).sum()):,} StreetSafe report(s) fall outside the analysed months "
                     f"(or are undated) and are left out of the counts, the fear test and the concerns")
    use = in_period & (index >= 0)
    counts = np.bincount(index[use], minlength=len(table)).astype(np.int64)
    table["streetsafe"] = counts
    unknown = report.info.get("unknown_reasons", {})
    reason_note = ""
    if unknown.get("count"):
        reason_note = (f"{unknown['count']} StreetSafe reason(s) are not in the reason table and are shown "
                       f"as 'Other: <text>' (e.g. {', '.join(repr(e) for e in unknown.get('examples', [])[:3])}); "
                       f"add them to a reasons CSV (label,reason) to group them")
    fear = None
    if counts.sum() > 0 and "crimes" in table and table["crimes"].sum() > 0:
        hot = table["gi_bin"].to_numpy(int) >= 2 if "gi_bin" in table else None
        fear = fear_vs_crime(counts, table["crimes"].to_numpy(float), weights, crime_hot=hot, alpha=alpha,
                             min_reports=min_reports)
        for c in FEAR_TABLE_COLUMNS:
            table[c] = fear.frame[c].to_numpy()
        if fear.counts["too few reports"]:
            notes.append(f"fear vs crime: {fear.counts['too few reports']:,} LSOAs have fewer than "
                         f"{min_reports} reports in their neighbourhood and are not testable (no coverage is "
                         f"not no fear; fear_status 'too few reports', shown as 'not testable' on the map)")
        power = fear.params.get("power", {})
        if isinstance(power, dict) and power.get("neighbourhood_ratio_for_80pct"):
            d = fear.params["dispersion"]
            notes.append(f"fear vs crime power: {power['note']} (report variance estimated from the data: "
                         f"{d['phi']:.2f}x Poisson from repeat reporting, uptake variation {d['a1']:.2f} per LSOA "
                         f"and {d['a2']:.2f} per area)")
    else:
        notes.append("fear vs crime skipped: no StreetSafe reports (or no crimes) in the analysed period")
        table["fear_gap"] = ""
        table["fear_status"] = "too few reports"
        table["fear_p"] = np.nan
        table["fear_expected"] = np.nan
    concerns = build_concerns(reports[use], crimes=crimes, boundaries=boundaries, zones=zones, spots=spots)
    if actions is not None and len(actions):
        missing = sorted(set(actions["concern_id"]) - set(concerns["concern_id"]))
        if missing:
            notes.append(f"{len(missing)} concern(s) in the actions log have no reports this period "
                         f"(e.g. {missing[0]}); they stay listed in 'You said, we did'")
    return StreetSafeResult(placement=placement, accounting=acc, in_period=in_period, fear=fear,
                            concerns=concerns, actions=actions, notes=notes, reason_note=reason_note)
