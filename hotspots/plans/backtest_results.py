"""A backtest's results: every plan's evaluation on one split, or on each window of a rolling backtest.

:class:`Backtest` and :class:`RollingBacktest` carry the scored plans (:mod:`hotspots.plans.backtest_scores`)
and turn them into the outputs' dicts and rows; :func:`comparisons` sets each plan against each
naive ranking at the plan's own area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backtest_partners import RULE
from .backtest_scores import (
    MEASURES,
    PlanEvaluation,
    Score,
    _clean,
    _clean_opt,
    naive_at,
    snap_caveat,
)

__all__ = ["Backtest", "RollingBacktest", "naive_at", "comparisons", "rolling_comparisons", "ADDRESSABLE_FIELDS"]

_NAN = float("nan")


@dataclass
class Backtest:
    """Every plan's evaluation on one train/test split.

    ``baselines`` maps each naive ranking to the plan whose area is its own; ``ceiling_curve`` is
    the hindsight ceiling's concentration curve; ``snap_share`` the share of test crimes on a
    point that held training crime (None when not measured); ``cell_m`` the cell side.
    ``addressable`` is the same plans scored on the test crime a patrol can address (outside
    the partner places of the training months, :mod:`hotspots.plans.backtest_partners`; None when not
    scored) and ``partners`` what was left out for them (counts, and per scored plan the partner
    places the naive cells hold at its area, ``in_naive``).
    """

    plans: list[PlanEvaluation]
    train_months: tuple[str | None, str | None]
    test_months: tuple[str | None, str | None]
    train_crimes: int
    test_crimes: int
    study_area_km2: float
    notes: list[str] = field(default_factory=list)
    baselines: dict[str, str] = field(default_factory=dict)
    ceiling_curve: tuple[np.ndarray, np.ndarray] | None = None
    snap_share: float | None = None
    cell_m: float = 150.0
    addressable: Backtest | None = None
    partners: dict | None = None

    def plan(self, name: str) -> PlanEvaluation:
        return next(p for p in self.plans if p.name == name)

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.plans)

    def verdict(self) -> str:
        from .verdict import verdict

        return verdict(self)

    def to_dict(self) -> dict:
        from .verdict import verdicts

        return {"train": {"from": self.train_months[0], "to": self.train_months[1], "crimes": self.train_crimes},
                "test": {"from": self.test_months[0], "to": self.test_months[1], "crimes": self.test_crimes},
                "study_area_km2": self.study_area_km2, "cell_m": self.cell_m,
                "verdict": self.verdict(), "verdicts": verdicts(self),
                "snap_points": {"share_of_test_crimes_on_a_training_point": _clean_opt(self.snap_share),
                                "caveat": snap_caveat(self.snap_share)},
                "measures": dict(MEASURES), "naive_baselines": dict(self.baselines),
                "comparisons": comparisons(self),
                "plans": [_with_addressable(self, p) for p in self.plans], "notes": list(self.notes),
                **_addressable_dict(self)}

    def rows(self, window: int | str = 1) -> list[dict]:
        """Flat rows (one per plan and area basis) for the CSV, each naming its window."""
        head = {"window": window, "train_from": self.train_months[0], "train_to": self.train_months[1],
                "test_from": self.test_months[0], "test_to": self.test_months[1]}
        out = []
        for p in self.plans:
            mine = self.addressable.plan(p.name) if self.addressable and self.addressable.has(p.name) else None
            for at, s in _bases(p):
                row = {**head, "plan": p.name, "at": at, **s.to_dict()}
                a = dict(_bases(mine)).get(at) if mine is not None else None
                row.update({f"addressable_{k}": (_clean(getattr(a, k)) if a is not None else None)
                            for k in ADDRESSABLE_FIELDS})
                out.append(row)
        return out


#: the addressable figures each CSV row carries (``addressable_<field>``)
ADDRESSABLE_FIELDS = ("capture", "crimes", "pai", "rri", "ceiling", "pei")


def _bases(p: PlanEvaluation) -> list[tuple[str, Score]]:
    """A plan's scores by area basis: its own, then each other plan's area not the same as its own."""
    out = [(p.area_basis, p.own)]
    out += [(f"{ref} area", s) for ref, s in p.equal_area.items() if p.area_basis != f"{ref} area"]
    return out


def _addressable_dict(bt: Backtest) -> dict:
    """``addressable`` for evaluation.json: the rule, the counts, what was left out and the comparisons."""
    a = bt.addressable
    if a is None:
        return {}
    kept = bool((bt.partners or {}).get("kept_in_plan", False))
    return {"addressable": {"rule": KEPT_RULE if kept else RULE, "kept_in_plan": kept,
                            "train_crimes": a.train_crimes, "test_crimes": a.test_crimes,
                            "partner_places": dict(bt.partners or {}), "comparisons": comparisons(a)}}


def _with_addressable(bt: Backtest, p: PlanEvaluation) -> dict:
    """A plan's dict with its ``addressable`` figures (the same fields, on addressable test crime)."""
    d = p.to_dict()
    if bt.addressable is not None and bt.addressable.has(p.name):
        a = bt.addressable.plan(p.name).to_dict()
        a.pop("plan")
        d["addressable"] = a
    return d


KEPT_RULE = "every test crime: the plan keeps the partner places (keep_partner_places), so nothing is left out"


@dataclass
class RollingBacktest:
    """Every test month scored from the ``k`` months before it (one :class:`Backtest` a window).

    ``mean`` is a Backtest whose figures are the means over the windows (each month weighs the
    same) and whose curves are the mean curves, so everything that shows a split shows it.
    """

    windows: list[Backtest]
    k: int
    mean: Backtest

    def verdict(self) -> str:
        from .verdict import rolling_verdict

        return rolling_verdict(self)

    def to_dict(self) -> dict:
        """The means under each plan's name and in ``plans`` (as a split's), the windows in ``windows``."""
        from .verdict import rolling_verdicts

        d = self.mean.to_dict()
        d["train"] = {"from": self.mean.train_months[0], "to": self.mean.train_months[1], "months_per_window": self.k,
                      "crimes_mean_per_window": self.mean.train_crimes}
        d["test"] = {"from": self.mean.test_months[0], "to": self.mean.test_months[1],
                     "months_per_window": 1, "crimes": sum(w.test_crimes for w in self.windows),
                     "crimes_mean_per_window": self.mean.test_crimes}
        d.update({"mode": "rolling", "rolling": self.k, "window_count": len(self.windows),
                  "verdict": self.verdict(), "verdicts": rolling_verdicts(self),
                  "averaged": "each figure under plans is the mean over the windows (each month weighs the same)",
                  "comparisons": rolling_comparisons(self),
                  "windows": [{"window": i, **_window_dict(w)} for i, w in enumerate(self.windows, start=1)]})
        shadow = self.addressable()
        if shadow is not None and "addressable" in d:
            d["addressable"]["comparisons"] = rolling_comparisons(shadow)
            d["addressable"]["test_crimes"] = sum(w.test_crimes for w in shadow.windows)
            d["addressable"]["test_crimes_mean_per_window"] = shadow.mean.test_crimes
        return d

    def addressable(self) -> RollingBacktest | None:
        """The windows scored on addressable test crime, as a rolling backtest of their own (None if not scored)."""
        if self.mean.addressable is None or any(w.addressable is None for w in self.windows):
            return None
        return RollingBacktest(windows=[w.addressable for w in self.windows], k=self.k,  # type: ignore[misc]
                               mean=self.mean.addressable)

    def rows(self) -> list[dict]:
        return [r for i, w in enumerate(self.windows, start=1) for r in w.rows(i)]


def _window_dict(bt: Backtest) -> dict:
    d = bt.to_dict()
    for k in ("measures", "verdicts"):
        d.pop(k, None)
    d["snap_points"] = {"share_of_test_crimes_on_a_training_point": _clean_opt(bt.snap_share)}
    return d



def _ratio(a: float, b: float) -> float:
    return a / b if np.isfinite(a) and np.isfinite(b) and b > 0 else _NAN


def comparisons(bt: Backtest) -> list[dict]:
    """Each plan against each naive ranking at the plan's own area: captures and their ratio."""
    out = []
    for p in bt.plans:
        if p.name in bt.baselines:
            continue
        for naive in bt.baselines:
            s = naive_at(bt, naive, p.name)
            if s is None:
                continue
            out.append({"plan": p.name, "against": naive, "area_share": _clean(p.own.area_share),
                        "plan_capture": _clean(p.own.capture), "naive_capture": _clean(s.capture),
                        "ratio": _clean(_ratio(p.own.capture, s.capture)), "plan_pei": _clean(p.own.pei),
                        "ceiling": _clean(p.own.ceiling)})
    return out


def rolling_comparisons(rb: RollingBacktest) -> list[dict]:
    """Per plan and naive ranking: mean captures, their ratio, and the windows the plan won and lost."""
    out = []
    for c in comparisons(rb.mean):
        won = lost = 0
        for w in rb.windows:
            if not (w.has(c["plan"])):
                continue
            s = naive_at(w, c["against"], c["plan"])
            mine = w.plan(c["plan"]).own.capture
            if s is None or not (np.isfinite(mine) and np.isfinite(s.capture)):
                continue
            won += bool(mine > s.capture)
            lost += bool(mine < s.capture)
        out.append({**c, "windows_won": won, "windows_lost": lost, "windows": len(rb.windows)})
    return out

