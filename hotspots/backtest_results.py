"""A backtest's results: every plan's evaluation on one split, or on each window of a rolling backtest.

:class:`Backtest` and :class:`RollingBacktest` carry the scored plans (:mod:`hotspots.backtest_scores`)
and turn them into the outputs' dicts and rows; :func:`comparisons` sets each plan against each
naive ranking at the plan's own area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backtest_scores import MEASURES, PlanEvaluation, Score, _clean, _clean_opt, snap_caveat

__all__ = ["Backtest", "RollingBacktest", "naive_at", "comparisons", "rolling_comparisons"]

_NAN = float("nan")


@dataclass
class Backtest:
    """Every plan's evaluation on one train/test split.

    ``baselines`` maps each naive ranking to the plan whose area is its own; ``ceiling_curve`` is
    the hindsight ceiling's concentration curve; ``snap_share`` the share of test crimes on a
    point that held training crime (None when not measured); ``cell_m`` the cell side.
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
                "plans": [p.to_dict() for p in self.plans], "notes": list(self.notes)}

    def rows(self, window: int | str = 1) -> list[dict]:
        """Flat rows (one per plan and area basis) for the CSV, each naming its window."""
        head = {"window": window, "train_from": self.train_months[0], "train_to": self.train_months[1],
                "test_from": self.test_months[0], "test_to": self.test_months[1]}
        out = []
        for p in self.plans:
            out.append({**head, "plan": p.name, "at": p.area_basis, **p.own.to_dict()})
            for ref, s in p.equal_area.items():
                if p.area_basis == f"{ref} area":
                    continue  # the same figures as its own row
                out.append({**head, "plan": p.name, "at": f"{ref} area", **s.to_dict()})
        return out


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
        return d

    def rows(self) -> list[dict]:
        return [r for i, w in enumerate(self.windows, start=1) for r in w.rows(i)]


def _window_dict(bt: Backtest) -> dict:
    d = bt.to_dict()
    for k in ("measures", "verdicts"):
        d.pop(k, None)
    d["snap_points"] = {"share_of_test_crimes_on_a_training_point": _clean_opt(bt.snap_share)}
    return d



def naive_at(bt: Backtest, naive: str, plan: str) -> Score | None:
    """The naive ranking ``naive`` scored at ``plan``'s own area (None when not scored there)."""
    if not (bt.has(naive) and bt.has(plan)):
        return None
    n = bt.plan(naive)
    if n.area_basis == f"{plan} area":
        return n.own
    return n.equal_area.get(plan)


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

