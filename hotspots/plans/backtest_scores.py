"""The backtest's scoring: a plan as ranked units, scored at any area, with the hindsight ceiling.

The measures are described in :mod:`hotspots.plans.backtest` (the package's entry point, which
re-exports everything here): capture, PAI, RRI, crimes per km², the hindsight ceiling and PEI*,
each at a plan's own area or cut to another plan's area (the last unit pro rata).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .backtest_results import Backtest

__all__ = ["PLANS", "PLAN_WORDS", "CEILING", "MEASURES", "RankedPlan", "Score", "PlanEvaluation", "plan_words",
           "score_at_area", "score_prefix", "ceiling_at", "with_ceiling", "concentration", "key_counts", "cell_plan",
           "lsoa_plan", "naive_cell_units", "naive_lsoa_units", "hindsight_plan", "evaluate_plans", "snap_share",
           "snap_caveat", "naive_at"]

PLANS = ("patrol_spots", "patrol_zones", "lsoa_zones", "naive_cells", "naive_cells_patrol", "naive_lsoa_density")

#: what the outputs call each plan (a plan not listed is shown by its name)
PLAN_WORDS = {"patrol_spots": "Patrol spots", "patrol_zones": "Patrol zones", "lsoa_zones": "LSOA hot-spot clusters",
              "naive_cells": "Cells ranked by past crime",
              "naive_cells_patrol": "Cells ranked by past crime, partner places left out",
              "naive_lsoa_density": "LSOAs ranked by past crime per km²"}
#: the hindsight ceiling's name in the outputs (not a plan: nobody knows the test months in advance)
CEILING = "hindsight_ceiling"


def plan_words(name: str) -> str:
    """The plan's name in words."""
    return PLAN_WORDS.get(name, "Hindsight: the test months' own top cells" if name == CEILING
                          else name.replace("_", " ").capitalize())


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


_NAN = float("nan")
_FIELDS = ("area_share", "capture", "crimes", "crimes_per_km2", "share_per_km2", "pai", "rri", "pei", "ceiling",
           "train_share", "area_km2", "units")


@dataclass(frozen=True)
class Score:
    """A plan's figures at one area (see the module notes); NaN where a figure has no meaning."""

    area_km2: float
    area_share: float
    capture: float
    pai: float
    rri: float
    train_share: float
    units: float
    crimes: float = _NAN
    crimes_per_km2: float = _NAN
    share_per_km2: float = _NAN
    ceiling: float = _NAN
    pei: float = _NAN

    def to_dict(self) -> dict[str, float | None]:
        return {k: _clean(getattr(self, k)) for k in _FIELDS}


def _nan_score(area_km2: float) -> Score:
    return Score(area_km2, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN)


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


MEASURES = {"area_share": "plan area / study area", "capture": "share of test crime in the plan",
            "crimes": "test crimes in the plan", "crimes_per_km2": "test crimes in the plan per km² of plan",
            "share_per_km2": "capture per km² of plan",
            "pai": "capture / area_share (Chainey, Tompson and Uhlig 2008)",
            "rri": "test share / training share of the plan (Levine 2008)",
            "ceiling": "hindsight ceiling: the capture of the test months' own top cells at the plan's area",
            "pei": "PEI*: capture / ceiling (Hunt 2016; Chainey's PEI)",
            "train_share": "share of training crime in the plan", "area_km2": "plan area",
            "units": "spots, zones, cells or LSOAs in the plan (the last one pro rata)"}



def _clean(v: float) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def _clean_opt(v: float | None) -> float | None:
    return None if v is None else _clean(v)


def snap_share(train_xy: tuple[np.ndarray, np.ndarray], test_xy: tuple[np.ndarray, np.ndarray]) -> float | None:
    """Share of test crimes on a point (to the metre) that held a training crime; None without test crimes.

    police.uk's snap points are shared by every crime mapped to them, so on police.uk data this
    share is high (~97% for a Kent quarter) and a micro-place plan is partly scored on the very
    points it was built on; on exact locations it is far lower.
    """
    def keys(xy: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        x = np.round(np.asarray(xy[0], float)).astype(np.int64)
        y = np.round(np.asarray(xy[1], float)).astype(np.int64)
        return x * 10_000_000 + y  # British National Grid metres: y < 1.3e6

    te = keys(test_xy)
    if len(te) == 0:
        return None
    return float(np.isin(te, np.unique(keys(train_xy))).mean())


def snap_caveat(share: float | None) -> str:
    """The snap-point caveat in words, with the share measured for this split when there is one."""
    how_many = ("most test crimes fall on a point that held training crime (about 97% in Kent)"
                if share is None or share != share else
                f"{share:.0%} of the test crimes fall on a point that held training crime")
    return ("PAI caveat: police.uk moves each crime to an anonymous snap point that many crimes share, and "
            f"{how_many}, so micro-place PAI (patrol spots, cells) looks better than it would on exact locations.")


def _score(area: float, n1: float, n2: float, units: float, totals: tuple[float, float, float]) -> Score:
    total_area, n1_all, n2_all = totals
    area_share = area / total_area if total_area > 0 else _NAN
    capture = n2 / n2_all if n2_all > 0 else _NAN
    train_share = n1 / n1_all if n1_all > 0 else _NAN
    pai = capture / area_share if area_share > 0 else _NAN
    rri = capture / train_share if train_share > 0 else _NAN
    per_km2 = n2 / area if area > 0 else _NAN
    share_km2 = capture / area if area > 0 else _NAN
    return Score(area, area_share, capture, pai, rri, train_share, units, crimes=n2, crimes_per_km2=per_km2,
                 share_per_km2=share_km2)


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
        return _nan_score(area_km2)
    k = int(np.searchsorted(cum, area_km2 * (1 - 1e-12), side="right") - 1)  # whole units within the area
    k = min(k, n)
    frac = 0.0 if k >= n or a[k] == 0 else min(max((area_km2 - cum[k]) / a[k], 0.0), 1.0)
    n1 = float(plan.train[:k].sum()) + (frac * float(plan.train[k]) if k < n else 0.0)
    n2 = float(plan.test[:k].sum()) + (frac * float(plan.test[k]) if k < n else 0.0)
    return _score(float(area_km2), n1, n2, k + frac, totals)


def ceiling_at(ceiling: RankedPlan, area_km2: float, totals: tuple[float, float, float]) -> float:
    """The most any plan of ``area_km2`` could have caught (a share of the test crime).

    ``ceiling`` is :func:`hindsight_plan`: past its last cell every test crime is caught.
    """
    if not np.isfinite(area_km2):
        return _NAN
    if totals[2] <= 0:
        return _NAN
    total = float(ceiling.area_km2.sum())
    if area_km2 >= total:
        return float(ceiling.test.sum()) / totals[2]
    return score_at_area(ceiling, area_km2, totals).capture


def with_ceiling(score: Score, ceiling: RankedPlan | None, totals: tuple[float, float, float]) -> Score:
    """``score`` with its hindsight ceiling and PEI* filled in."""
    if ceiling is None or not np.isfinite(score.capture):
        return score
    c = ceiling_at(ceiling, score.area_km2, totals)
    return replace(score, ceiling=c, pei=score.capture / c if c > 0 else _NAN)


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


def hindsight_plan(train_keys: np.ndarray, test_keys: np.ndarray, cell_km2: float) -> RankedPlan:
    """The hindsight ceiling as a ranking: cells by their *test* count (most first; ties by key).

    Cut at any area it holds the most test crime cells of that area could hold (the last cell
    pro rata), so it bounds every plan made of the same cells.
    """
    return cell_plan(CEILING, naive_cell_units(test_keys), cell_km2, train_keys, test_keys, own=0)


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
                   baselines: dict[str, str] | None = None, ceiling: RankedPlan | None = None
                   ) -> list[PlanEvaluation]:
    """Score every plan at its own area and at each other plan's own area.

    ``baselines`` maps a naive ranking to the plan whose area is its "own" (e.g.
    ``{"naive_cells": "patrol_spots"}``): a ranking has no size of its own. ``ceiling`` (from
    :func:`hindsight_plan`) fills in every score's hindsight ceiling and PEI*.
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
        eq = {q.name: with_ceiling(score_at_area(p, own_area[q.name], totals, limit=limit), ceiling, totals)
              for q in plans if q.name != p.name and q.name not in baselines}
        ca, cc = concentration(p, totals, limit=limit)
        out.append(PlanEvaluation(p.name, with_ceiling(own, ceiling, totals), eq, ca, cc, basis))
    return out


def naive_at(bt: Backtest, naive: str, plan: str) -> Score | None:
    """The naive ranking ``naive`` scored at ``plan``'s own area (None when not scored there)."""
    if not (bt.has(naive) and bt.has(plan)):
        return None
    n = bt.plan(naive)
    if n.area_basis == f"{plan} area":
        return n.own
    return n.equal_area.get(plan)
