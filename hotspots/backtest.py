"""The tool's own backtest: build each patrol plan on training months, score it on test months.

A hot-spot map is a forecast: "crime will be here". The honest test is to make the plan from
earlier months and count what happened later (Chainey, Tompson and Uhlig 2008; Bowers, Johnson
and Pease 2004). Four plans are scored:

- ``patrol_spots``: the ranked patrol spots (:mod:`hotspots.spots`) of the training months;
- ``lsoa_zones``: the ranked patrol zones (:mod:`hotspots.zones`) of the training months;
- ``naive_cells``: grid cells of the same size ranked by their training count (the
  spreadsheet sort a plan must beat);
- ``naive_lsoa_density``: LSOAs ranked by their training crimes per km².

Measures, for a plan covering area ``a`` of a study of area ``A``, holding ``n1`` of the ``N1``
training crimes and ``n2`` of the ``N2`` test crimes:

- ``area_share = a / A``; ``capture = n2 / N2`` (the hit rate);
- ``pai = capture / area_share``, the Predictive Accuracy Index (Chainey et al. 2008);
- ``rri = (n2 / n1) / (N2 / N1)``, Levine's Recapture Rate Index (Levine 2008, *Security
  Journal* 21, 295-302): the test share over the training share of the same plan. 1 means the
  places stayed as hot as they were; below 1 they cooled (regression to the mean); NaN when
  the plan held no training crime.

Each plan is scored at its own area, and *at equal area*: every ranked plan is cut (or, for the
naive rankings, extended) to the area of each other plan, the last unit counted pro rata, so
plans of different sizes are compared on the same ground. The concentration curve of a plan is
its capture against its area share as its units are added in rank order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PLANS", "RankedPlan", "Score", "PlanEvaluation", "Backtest", "score_at_area", "score_prefix",
           "concentration", "cell_plan", "lsoa_plan", "naive_cell_units", "naive_lsoa_units", "evaluate_plans",
           "key_counts"]

PLANS = ("patrol_spots", "patrol_zones", "lsoa_zones", "naive_cells", "naive_lsoa_density")


@dataclass(frozen=True)
class RankedPlan:
    """A plan as ranked units (best first): each unit's area, training and test crimes.

    ``own`` is how many leading units the plan itself holds (the naive rankings run on past
    their own size so that they can be scored at any area).
    """

    name: str
    area_km2: np.ndarray
    train: np.ndarray
    test: np.ndarray
    own: int

    def __post_init__(self) -> None:
        if not (len(self.area_km2) == len(self.train) == len(self.test)):
            raise ValueError("one area, training and test count per unit")


@dataclass(frozen=True)
class Score:
    """A plan's figures at one area."""

    area_km2: float
    area_share: float
    capture: float
    pai: float
    rri: float
    train_share: float
    units: float

    def to_dict(self) -> dict[str, float]:
        return {k: _clean(getattr(self, k)) for k in ("area_share", "capture", "pai", "rri", "train_share",
                                                      "area_km2", "units")}


@dataclass(frozen=True)
class PlanEvaluation:
    """One plan: its own score, its scores at the other plans' areas and its concentration curve."""

    name: str
    own: Score
    equal_area: dict[str, Score]
    curve_area: np.ndarray
    curve_capture: np.ndarray
    area_basis: str = "own"

    def to_dict(self) -> dict:
        d: dict = {"plan": self.name, **self.own.to_dict(), "area_basis": self.area_basis}
        d["equal_area"] = {f"at_{ref}_area": s.to_dict() for ref, s in self.equal_area.items()}
        return d


@dataclass
class Backtest:
    """Every plan's evaluation on one train/test split."""

    plans: list[PlanEvaluation]
    train_months: tuple[str | None, str | None]
    test_months: tuple[str | None, str | None]
    train_crimes: int
    test_crimes: int
    study_area_km2: float
    notes: list[str] = field(default_factory=list)

    def plan(self, name: str) -> PlanEvaluation:
        return next(p for p in self.plans if p.name == name)

    def to_dict(self) -> dict:
        return {"train": {"from": self.train_months[0], "to": self.train_months[1], "crimes": self.train_crimes},
                "test": {"from": self.test_months[0], "to": self.test_months[1], "crimes": self.test_crimes},
                "study_area_km2": self.study_area_km2,
                "measures": {"area_share": "plan area / study area", "capture": "share of test crime in the plan",
                             "pai": "capture / area_share (Chainey, Tompson and Uhlig 2008)",
                             "rri": "test share / training share of the plan (Levine 2008)"},
                "plans": [p.to_dict() for p in self.plans], "notes": list(self.notes)}

    def rows(self) -> list[dict]:
        """Flat rows (one per plan and area basis) for the CSV."""
        out = []
        for p in self.plans:
            out.append({"plan": p.name, "at": p.area_basis, **p.own.to_dict()})
            for ref, s in p.equal_area.items():
                if p.area_basis == f"{ref} area":
                    continue  # the same figures as its own row
                out.append({"plan": p.name, "at": f"{ref} area", **s.to_dict()})
        return out


def _clean(v: float) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def _score(area: float, n1: float, n2: float, units: float, totals: tuple[float, float, float]) -> Score:
    total_area, n1_all, n2_all = totals
    area_share = area / total_area if total_area > 0 else float("nan")
    capture = n2 / n2_all if n2_all > 0 else float("nan")
    train_share = n1 / n1_all if n1_all > 0 else float("nan")
    pai = capture / area_share if area_share > 0 else float("nan")
    rri = capture / train_share if train_share > 0 else float("nan")
    return Score(area, area_share, capture, pai, rri, train_share, units)


def score_prefix(plan: RankedPlan, k: int, totals: tuple[float, float, float]) -> Score:
    """Score the first ``k`` units. ``totals`` = (study area km², training crimes, test crimes)."""
    k = int(min(max(k, 0), len(plan.area_km2)))
    return _score(float(plan.area_km2[:k].sum()), float(plan.train[:k].sum()), float(plan.test[:k].sum()), k, totals)


def score_at_area(plan: RankedPlan, area_km2: float, totals: tuple[float, float, float],
                  limit: int | None = None) -> Score:
    """Score the leading units covering ``area_km2``, the last one pro rata.

    Units beyond ``limit`` (default: all) are not used; when they cannot reach the area the
    score is NaN (a plan of 20 spots has no figure at the area of 60 LSOAs).
    """
    n = len(plan.area_km2) if limit is None else int(limit)
    a = np.asarray(plan.area_km2[:n], float)
    cum = np.concatenate([[0.0], np.cumsum(a)])
    if area_km2 > cum[-1] * (1 + 1e-9) or n == 0:
        nan = float("nan")
        return Score(area_km2, nan, nan, nan, nan, nan, nan)
    k = int(np.searchsorted(cum, area_km2 * (1 - 1e-12), side="right") - 1)  # whole units within the area
    k = min(k, n)
    frac = 0.0 if k >= n or a[k] == 0 else min(max((area_km2 - cum[k]) / a[k], 0.0), 1.0)
    n1 = float(plan.train[:k].sum()) + (frac * float(plan.train[k]) if k < n else 0.0)
    n2 = float(plan.test[:k].sum()) + (frac * float(plan.test[k]) if k < n else 0.0)
    return _score(float(area_km2), n1, n2, k + frac, totals)


def concentration(plan: RankedPlan, totals: tuple[float, float, float],
                  limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The concentration curve: (area share, capture) after each unit, from (0, 0)."""
    n = len(plan.area_km2) if limit is None else int(limit)
    area = np.concatenate([[0.0], np.cumsum(plan.area_km2[:n])]) / totals[0]
    cap = np.concatenate([[0.0], np.cumsum(plan.test[:n])]) / max(totals[2], 1e-300)
    return area, cap


def key_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and how many times each occurs."""
    return np.unique(np.asarray(keys, np.int64), return_counts=True)


def _count_in(units: Sequence[np.ndarray], uniq: np.ndarray, counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(units))
    for i, u in enumerate(units):
        u = np.asarray(u, np.int64)
        if len(uniq) == 0 or len(u) == 0:
            continue
        p = np.minimum(np.searchsorted(uniq, u), len(uniq) - 1)
        out[i] = counts[p][uniq[p] == u].sum()
    return out


def cell_plan(name: str, units: Sequence[np.ndarray], cell_km2: float, train_keys: np.ndarray,
              test_keys: np.ndarray, own: int | None = None) -> RankedPlan:
    """A plan of grid cells: ``units`` are the packed cell keys of each ranked unit (a spot, a cell)."""
    tu, tc = key_counts(train_keys)
    su, sc = key_counts(test_keys)
    area = np.array([len(np.unique(u)) * cell_km2 for u in units], float)
    if len(units) and all(len(u) == 1 for u in units):  # one cell a unit: vectorised
        flat = np.concatenate([np.asarray(u, np.int64) for u in units])
        return RankedPlan(name, area, _lookup(flat, tu, tc), _lookup(flat, su, sc),
                          len(units) if own is None else own)
    return RankedPlan(name, area, _count_in(units, tu, tc), _count_in(units, su, sc),
                      len(units) if own is None else own)


def _lookup(keys: np.ndarray, uniq: np.ndarray, counts: np.ndarray) -> np.ndarray:
    if len(uniq) == 0:
        return np.zeros(len(keys))
    p = np.minimum(np.searchsorted(uniq, keys), len(uniq) - 1)
    return np.where(uniq[p] == keys, counts[p], 0).astype(float)


def naive_cell_units(train_keys: np.ndarray) -> list[np.ndarray]:
    """Cells holding training crime, by training count (most first; ties by key)."""
    uniq, counts = key_counts(train_keys)
    order = np.lexsort((uniq, -counts))
    return [uniq[i: i + 1] for i in order]


def lsoa_plan(name: str, units: Sequence[np.ndarray], lsoa_area_km2: np.ndarray, train_lsoa: np.ndarray,
              test_lsoa: np.ndarray, own: int | None = None) -> RankedPlan:
    """A plan of LSOAs: ``units`` are the LSOA row indices of each ranked unit (a zone, an LSOA)."""
    n = len(lsoa_area_km2)
    tr = np.bincount(np.asarray(train_lsoa, np.int64), minlength=n)
    te = np.bincount(np.asarray(test_lsoa, np.int64), minlength=n)
    area = np.array([lsoa_area_km2[u].sum() for u in units], float)
    return RankedPlan(name, area, np.array([tr[u].sum() for u in units], float),
                      np.array([te[u].sum() for u in units], float), len(units) if own is None else own)


def naive_lsoa_units(train_lsoa: np.ndarray, lsoa_area_km2: np.ndarray) -> list[np.ndarray]:
    """Every LSOA, by training crimes per km² (densest first; ties by row)."""
    n = len(lsoa_area_km2)
    dens = np.bincount(np.asarray(train_lsoa, np.int64), minlength=n) / np.maximum(lsoa_area_km2, 1e-12)
    order = np.lexsort((np.arange(n), -dens))
    return [np.array([i]) for i in order]


def evaluate_plans(plans: Sequence[RankedPlan], totals: tuple[float, float, float],
                   baselines: dict[str, str] | None = None) -> list[PlanEvaluation]:
    """Score every plan at its own area and at each other plan's own area.

    ``baselines`` maps a naive ranking to the plan whose area is its "own" (e.g.
    ``{"naive_cells": "patrol_spots"}``): a ranking has no size of its own.
    """
    baselines = baselines or {}
    own_area = {p.name: float(p.area_km2[:p.own].sum()) for p in plans}
    out = []
    for p in plans:
        ref = baselines.get(p.name)
        if ref is not None and ref in own_area:
            own = score_at_area(p, own_area[ref], totals)
            basis = f"{ref} area"
        else:
            own = score_prefix(p, p.own, totals)
            basis = "own"
        limit = None if ref is not None else p.own
        eq = {q.name: score_at_area(p, own_area[q.name], totals, limit=limit) for q in plans
              if q.name != p.name and q.name not in baselines}
        ca, cc = concentration(p, totals, limit=limit)
        out.append(PlanEvaluation(p.name, own, eq, ca, cc, basis))
    return out
