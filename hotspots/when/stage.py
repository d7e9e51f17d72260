"""The "when" stage: day-by-hour profiles for the force, each zone and each patrol spot.

Runs after the spots stage and only when the crimes carry times (a records extract:
``t_from``/``t_to`` columns, see :mod:`hotspots.data.extract`); police.uk rows have none and
are left out of the profiles (counted as ``untimed``). It reads the other stages' results and
changes none of them except the spots' dosage line, which now names the patrol windows
instead of telling the reader to find the hours elsewhere, and (when every crime is from the
extract) the spots' police.uk snap-point caveats, which exact coordinates do not have.

Membership: a crime is in a zone or a spot when the zone's or spot's polygon holds its point
(edge included), so each profile is of the crimes the polygon was drawn around. The profiles count crimes (each crime sums to one over its span); the windows
are chosen on the analysed measure: harm when the run weighs harm, else crimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely

from ..data.errors import DataError
from .aoristic import HOURS, MAX_SPAN_DAYS, in_span, profiles
from .windows import Window, best_windows, dosage_text, hour_label

__all__ = ["WhenResult", "when_stage", "has_times", "crime_harm", "METHOD"]

METHOD = ("Aoristic (Ratcliffe 2002): each crime's weight spread evenly over the minutes from its committed-from "
          "to its committed-to time, summed into the 168 hours of the week (Monday 00:00 first, local clock time). "
          "A missing end uses the start; a missing start time means the whole day; spans over the limit are "
          "kept out of the profiles.")


def has_times(crimes: Any) -> bool:
    """Do these crimes carry committed-from/to times (a records extract)?"""
    return crimes is not None and "t_from" in getattr(crimes, "columns", ())


@dataclass(frozen=True)
class WhenResult:
    """Profiles (168 values, Monday 00:00 first) and windows for the force, zones and spots."""

    max_span_days: float
    measure: str
    force: np.ndarray
    force_harm: np.ndarray
    crimes_timed: int
    spans_excluded: int
    untimed: int
    windows: list[Window]
    zones: dict[int, np.ndarray] = field(default_factory=dict)
    zone_windows: dict[int, list[Window]] = field(default_factory=dict)
    spots: dict[str, np.ndarray] = field(default_factory=dict)
    spot_windows: dict[str, list[Window]] = field(default_factory=dict)
    harm_source: str = ""
    #: emerging hot spots by week (hotspots.when.weekly) when the months are too few, else None
    weekly: Any = None
    weekly_note: str = ""

    def of(self, kind: str) -> str:
        word = "harm" if self.measure == "harm" else "crimes"
        return f"this {kind}'s {word}"

    def spot_texts(self, spot_id: str) -> list[str]:
        return [w.text(self.of("spot")) for w in self.spot_windows.get(spot_id, [])]

    def zone_texts(self, zone_id: int) -> list[str]:
        return [w.text(self.of("zone")) for w in self.zone_windows.get(int(zone_id), [])]

    def summary(self) -> dict[str, Any]:
        """summary.json ``when``."""
        r = lambda a: [round(float(v), 4) for v in a]  # noqa: E731
        return {
            "method": METHOD,
            "hours": "168 hours of the week, Monday 00:00-01:00 first",
            "max_span_days": self.max_span_days,
            "crimes_timed": self.crimes_timed,
            "spans_excluded": self.spans_excluded,
            "untimed": self.untimed,
            "profile_total": round(float(self.force.sum()), 3),
            "profile": r(self.force),
            "profile_harm": r(self.force_harm),
            "peak": hour_label(int(np.argmax(self.force))) if self.force.sum() > 0 else None,
            "windows": [w.text("the force's " + ("harm" if self.measure == "harm" else "crimes")) for w in self.windows],
            "zones": {str(z): {"profile": r(p), "windows": self.zone_texts(z)} for z, p in self.zones.items()},
            "spots": {s: {"windows": self.spot_texts(s)} for s in self.spots},
            "emerging_by_week": self.weekly.summary() if self.weekly is not None else {"run": False,
                                                                                       "reason": self.weekly_note},
        }


def crime_harm(crimes: Any, weights: dict[str, float] | None) -> np.ndarray:
    """Each crime's harm: its own (``harm_w``, from an offence-level table) or its category's."""
    from ..harm import DEFAULT_HARM_WEIGHTS

    if "harm_w" in crimes.columns:
        return crimes["harm_w"].to_numpy(float)
    w = weights or DEFAULT_HARM_WEIGHTS
    ct = crimes["crime_type"]
    cats = ct.cat.categories if hasattr(ct, "cat") else None
    if cats is None:
        return ct.map(lambda t: w.get(str(t), 0.0)).astype(float).to_numpy()
    per = np.array([float(w.get(str(c), 0.0)) for c in cats] + [0.0])
    return per[ct.cat.codes.to_numpy()]


#: fewer timed crimes than this in a spot or zone give no windows (a few crimes are not a pattern)
MIN_TIMED = 10


#: a window must hold at least this many crimes (aoristic weight): no share names fewer than five crimes
MIN_IN_WINDOW = 5.0


def _windows(prof: np.ndarray) -> list[Window]:
    total = float(prof.sum())
    return best_windows(prof, min_share=max(0.05, MIN_IN_WINDOW / total)) if total >= MIN_TIMED else []


def _polygon_groups(geoms: list[Any], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the first polygon holding each point, its edge included (-1: none)."""
    g = np.full(len(x), -1, dtype=np.int64)
    for k, geom in enumerate(geoms):
        if geom is None or shapely.is_empty(geom):
            continue
        x0, y0, x1, y1 = shapely.bounds(geom)
        near = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & (g < 0))
        if len(near):
            inside = shapely.intersects_xy(geom, x[near], y[near])
            g[near[inside]] = k
    return g


def _weekly(analysis: Any, crimes: Any, timed: np.ndarray, harm: np.ndarray | None) -> dict[str, Any]:
    """Emerging hot spots by week when the analysed months are too few for them by month."""
    from ..timeseries.emerging import MIN_STEPS
    from .weekly import weekly_emerging

    months = list(analysis.months_with_data())
    if len(months) >= MIN_STEPS:
        return {"weekly_note": f"the period spans {len(months)} months: emerging hot spots run by month"}
    if analysis.weights is None or analysis.table is None:
        return {"weekly_note": "no spatial weights"}
    res = weekly_emerging(crimes["t_from"].to_numpy(np.int64)[timed], crimes["lsoa"].to_numpy()[timed],
                          None if harm is None else harm[timed], months, len(analysis.table), analysis.weights,
                          analysis.table["lsoa_code"].to_numpy())
    if res is None:
        return {"weekly_note": f"the analysed months hold fewer than {MIN_STEPS} whole weeks"}
    return {"weekly": res}


def when_stage(analysis, layers, progress=None, cancel=None):  # noqa: ANN001 - the pipeline's stage signature
    """Fill ``analysis.when`` (None when the crimes carry no times) and the spots' dosage."""
    crimes = layers.crimes
    if not has_times(crimes):
        return analysis
    from ..lsoa.table import filter_crimes

    s = analysis.settings
    span_days = float(getattr(s, "when_span_days", MAX_SPAN_DAYS) or MAX_SPAN_DAYS)
    if not np.isfinite(span_days) or span_days <= 0:
        raise DataError("--span-days", f"{span_days!r} days is not a span limit", hint="use a number of days "
                        "above 0 (default 7)")
    mask, _rep = filter_crimes(crimes, s.crime_types, s.month_from, s.month_to)
    t0 = crimes["t_from"].to_numpy(np.int64)
    t1 = crimes["t_to"].to_numpy(np.int64)
    timed = mask & (t1 > t0)
    short = in_span(t0, t1, span_days)
    use = timed & short
    harm = crime_harm(crimes, s.harm_weights or layers.harm_weights)
    measure_w = harm if s.measure == "harm" else None
    t0u, t1u = t0[use], t1[use]
    force = profiles(t0u, t1u)[0]
    force_harm = profiles(t0u, t1u, weights=harm[use])[0]
    pick = force_harm if s.measure == "harm" else force
    result: dict[str, Any] = {}
    frame = analysis.zones.frame if analysis.zones is not None else None
    if frame is not None and len(frame):
        x = crimes["x"].to_numpy(float)[use]
        y = crimes["y"].to_numpy(float)[use]
        ids = [int(v) for v in frame["zone_id"]]
        g = _polygon_groups(list(frame.geometry.values), x, y)
        zc = profiles(t0u, t1u, g, len(ids))
        zm = zc if measure_w is None else profiles(t0u, t1u, g, len(ids), weights=measure_w[use])
        result["zones"] = {i: zc[k] for k, i in enumerate(ids)}
        result["zone_windows"] = {i: _windows(zm[k]) for k, i in enumerate(ids)}
    spots = analysis.spots
    if spots is not None and spots.spots:
        x = crimes["x"].to_numpy(float)[use]
        y = crimes["y"].to_numpy(float)[use]
        g = _polygon_groups([sp.geometry for sp in spots.spots], x, y)
        n_s = len(spots.spots)
        sc = profiles(t0u, t1u, g, n_s)
        sm = sc if measure_w is None else profiles(t0u, t1u, g, n_s, weights=measure_w[use])
        result["spots"] = {sp.spot_id: sc[k] for k, sp in enumerate(spots.spots)}
        result["spot_windows"] = {sp.spot_id: _windows(sm[k]) for k, sp in enumerate(spots.spots)}
    result.update(_weekly(analysis, crimes, timed, harm if s.measure == "harm" else None))
    harm_source = ""
    rep = layers.reports.get("crimes")
    if rep is not None:
        harm_source = str(rep.info.get("harm_source", ""))
    res = WhenResult(max_span_days=span_days, measure=s.measure, force=force, force_harm=force_harm,
                     crimes_timed=int(timed.sum()), spans_excluded=int((timed & ~short).sum()),
                     untimed=int((mask & ~timed).sum()), windows=_windows(pick), harm_source=harm_source, **result)
    if spots is not None and spots.spots:
        of = res.of("spot")
        exact = res.untimed == 0  # every crime from the extract: exact points, no police.uk snap-point caveats
        new = [replace(sp, dosage=dosage_text(res.spot_windows.get(sp.spot_id, []), of),
                       flags=tuple(f for f in sp.flags if not (exact and "snap point" in f)))
               for sp in spots.spots]
        analysis = replace(analysis, spots=replace(spots, spots=new))
    return replace(analysis, when=res)


assert HOURS == 168


def summary_blocks(analysis: Any, layers: Any) -> dict[str, Any]:
    """summary.json ``when`` (None without times) and ``harm`` (which harm this run used, always)."""
    from ..harm import HARM_SOURCE

    s = analysis.settings
    rep = layers.reports.get("extract")
    crimes = layers.crimes
    if crimes is not None and "harm_w" in crimes.columns and rep is not None:
        harm = {"source": rep.info.get("harm_source"), "level": "offence (Home Office code)",
                "codes_filled_from_category_mean": rep.info.get("harm_codes_filled", 0)}
    elif s.harm_weights or layers.harm_weights:
        harm = {"source": "user CSV of police.uk category weights", "level": "police.uk category"}
    else:
        harm = {"source": HARM_SOURCE, "level": "police.uk category"}
        if rep is not None:
            harm["note"] = rep.info.get("harm_source")
    if rep is not None:
        harm["offence_codes"] = rep.info.get("offence_code_list")
    when = getattr(analysis, "when", None)
    return {"when": when.summary() if when is not None else None, "harm": harm}
