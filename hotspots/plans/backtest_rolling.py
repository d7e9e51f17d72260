"""The mean of a rolling backtest's windows: every figure and every concentration curve averaged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .backtest_results import Backtest
from .backtest_scores import _FIELDS, PlanEvaluation, Score, plan_words

__all__ = ["mean_backtest"]

_NAN = float("nan")


#: the area shares the mean concentration curves are drawn at (fine where patrols work)
_CURVE_GRID = np.unique(np.concatenate([[0.0], np.geomspace(1e-6, 1.0, 601), np.linspace(0.0, 0.02, 201)]))


def _mean_curve(curves: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The mean of concentration curves on a common area grid, where every window's curve reaches."""
    if not curves:
        return np.zeros(0), np.zeros(0)
    ys = []
    for x, y in curves:
        x, y = np.asarray(x, float), np.asarray(y, float)
        if len(x) == 0:
            return np.zeros(0), np.zeros(0)
        ys.append(np.interp(_CURVE_GRID, x, y, right=np.nan))
    m = np.mean(ys, axis=0)
    keep = np.isfinite(m)
    return _CURVE_GRID[keep], m[keep]


def _mean_score(scores: list[Score]) -> Score:
    vals = {}
    for f in ("area_km2", "area_share", "capture", "pai", "rri", "train_share", "units", *_FIELDS):
        col = np.array([getattr(s, f) for s in scores], float)
        col = col[np.isfinite(col)]
        vals[f] = float(col.mean()) if len(col) else _NAN
    return Score(**vals)


def mean_backtest(windows: Sequence[Backtest]) -> Backtest:
    """One Backtest whose figures are the means over ``windows`` (the plans of the first window, in order).

    A figure missing in a window (no zones built, say) is left out of that figure's mean; the
    notes say how many windows lacked a plan.
    """
    if not windows:
        raise ValueError("no windows to average")
    first = windows[0]
    plans, notes = [], []
    for p in first.plans:
        evs = [w.plan(p.name) for w in windows if w.has(p.name)]
        own = _mean_score([e.own for e in evs])
        eq = {ref: _mean_score([e.equal_area[ref] for e in evs if ref in e.equal_area]) for ref in p.equal_area}
        ca, cc = _mean_curve([(e.curve_area, e.curve_capture) for e in evs])
        plans.append(PlanEvaluation(p.name, own, eq, ca, cc, p.area_basis))
        empty = sum(1 for e in evs if not (e.own.area_km2 > 0))
        if empty:
            notes.append(f"{plan_words(p.name).lower()}: none built in {empty} of {len(windows)} windows")
    ceil = [w.ceiling_curve for w in windows if w.ceiling_curve is not None]
    snaps = [w.snap_share for w in windows if w.snap_share is not None]
    return Backtest(plans=plans, train_months=(first.train_months[0], windows[-1].train_months[1]),
                    test_months=(first.test_months[0], windows[-1].test_months[1]),
                    train_crimes=int(round(np.mean([w.train_crimes for w in windows]))),
                    test_crimes=int(round(np.mean([w.test_crimes for w in windows]))),
                    study_area_km2=first.study_area_km2, notes=notes, baselines=dict(first.baselines),
                    ceiling_curve=_mean_curve(ceil) if len(ceil) == len(windows) else None,
                    snap_share=float(np.mean(snaps)) if snaps else None, cell_m=first.cell_m,
                    addressable=(mean_backtest([w.addressable for w in windows])  # type: ignore[misc]
                                 if all(w.addressable is not None for w in windows) else None),
                    partners=_mean_partners([w.partners for w in windows]))


def _mean_partners(each: list[dict | None]) -> dict | None:
    """The windows' partner figures: counts averaged, the partner places in the naive cells pooled
    (one place by its kind and point, those in the naive cells in most windows first)."""
    if not each or any(p is None for p in each):
        return None
    out: dict = {"kept_in_plan": all(p["kept_in_plan"] for p in each)}  # type: ignore[index]
    for k in ("count", "cells_left_out", "training_crimes_left_out", "test_crimes_left_out"):
        out[f"{k}_mean_per_window"] = float(np.mean([p.get(k, 0) for p in each]))  # type: ignore[union-attr]
    pooled: dict[str, dict[tuple, list]] = {}  # plan -> place (kind and point) -> [windows it was in, entry]
    for p in each:
        for plan, places in (p.get("in_naive") or {}).items():  # type: ignore[union-attr]
            seen = pooled.setdefault(plan, {})
            for t in places:  # [name, kind, x, y]: one place by its point (its name follows the months' streets)
                key = (t[1], round(float(t[2])), round(float(t[3]))) if len(t) >= 4 else (t[1], t[0])
                seen.setdefault(key, [0, list(t)])[0] += 1
    # the places in most windows first (a stable sort keeps each window's busiest-first order)
    out["in_naive"] = {plan: [entry for _, entry in sorted(d.values(), key=lambda v: -v[0])]
                       for plan, d in pooled.items()}
    return out
