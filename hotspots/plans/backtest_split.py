"""One train/test split scored: the plans' units counted on all test crime and on addressable test crime.

:func:`hotspots.evaluation.backtest.run_backtest` builds the plans the way an analysis builds them and
hands their units here. Every plan is scored twice with the same units: on every test crime of
the analysed types, and on the test crime a patrol can address (outside the partner places of
the training months, :mod:`hotspots.plans.backtest_partners`), each with its own hindsight ceiling.
The naive rankings are fixed by the training months: ``naive_cells`` by all training crime,
``naive_cells_patrol`` by the training crime outside the partner places, the cells they
dominate left out (the like-for-like sort the patrol spots must beat), ``naive_lsoa_density`` by training crimes per km².
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .backtest_partners import PartnerReach, places_in_cells
from .backtest_results import Backtest
from .backtest_scores import (
    RankedPlan,
    cell_plan,
    concentration,
    evaluate_plans,
    hindsight_plan,
    lsoa_plan,
    naive_cell_units,
    naive_lsoa_units,
)

__all__ = ["PlanUnits", "BASELINES", "score_split"]

#: each naive ranking and the plan whose area is its own
BASELINES = {"naive_cells": "patrol_spots", "naive_cells_patrol": "patrol_spots", "naive_lsoa_density": "lsoa_zones"}


@dataclass(frozen=True)
class PlanUnits:
    """The units of the plans built on the training months, best first.

    ``spots`` and ``zone_cells`` are packed cell keys of each spot / patrol zone; ``zone_lsoas``
    the LSOA rows of each LSOA cluster.
    """

    spots: Sequence[np.ndarray]
    zone_cells: Sequence[np.ndarray]
    zone_lsoas: Sequence[np.ndarray]


def _plans(units: PlanUnits, naive: list[np.ndarray], patrol: list[np.ndarray], naive_lsoa: list[np.ndarray],
           keys: np.ndarray, lsoa: np.ndarray, area: np.ndarray, cell_km2: float, tr: np.ndarray, te: np.ndarray
           ) -> list[RankedPlan]:
    trk, tek = keys[tr], keys[te]
    return [
        cell_plan("patrol_spots", units.spots, cell_km2, trk, tek),
        cell_plan("patrol_zones", units.zone_cells, cell_km2, trk, tek),
        lsoa_plan("lsoa_zones", units.zone_lsoas, area, lsoa[tr], lsoa[te]),
        cell_plan("naive_cells", naive, cell_km2, trk, tek, own=0),
        cell_plan("naive_cells_patrol", patrol, cell_km2, trk, tek, own=0),
        lsoa_plan("naive_lsoa_density", naive_lsoa, area, lsoa[tr], lsoa[te], own=0),
    ]


def _evaluate(plans: list[RankedPlan], keys: np.ndarray, cell_km2: float, area_total: float, tr: np.ndarray,
              te: np.ndarray):  # noqa: ANN202 - (evaluations, totals, ceiling)
    totals = (area_total, float(tr.sum()), float(te.sum()))
    ceiling = hindsight_plan(keys[tr], keys[te], cell_km2)
    return evaluate_plans(plans, totals, BASELINES, ceiling=ceiling), totals, ceiling


def score_split(units: PlanUnits, *, keys: np.ndarray, lsoa: np.ndarray, lsoa_area_km2: np.ndarray, cell: float,
                cell_km2: float, train: np.ndarray, test: np.ndarray, reach: PartnerReach,
                months: tuple[tuple[str, str], tuple[str, str]], notes: list[str] | None = None,
                snap: float | None = None) -> Backtest:
    """Score the plans of one split on all test crime, with ``addressable`` the same on addressable crime.

    ``keys`` and ``lsoa`` are every crime's cell key and LSOA row; ``train`` and ``test`` the
    analysed crimes of the training and test months (boolean masks over the crimes); ``reach``
    what the plan left to partners on the training months.
    """
    train, test = np.asarray(train, bool), np.asarray(test, bool)
    tra, tea = train & ~reach.out, test & ~reach.out
    naive = naive_cell_units(keys[train])
    patrol = naive_cell_units(keys[tra])
    if len(reach.cells_left_out) and patrol:  # one cell a unit: drop the cells the partner places dominate
        keep = ~np.isin(np.concatenate(patrol), reach.cells_left_out)
        patrol = [u for u, k in zip(patrol, keep, strict=True) if k]
    naive_lsoa = naive_lsoa_units(lsoa[train], lsoa_area_km2)
    area_total = float(np.asarray(lsoa_area_km2, float).sum())
    common = (naive, patrol, naive_lsoa, keys, lsoa, lsoa_area_km2, cell_km2)
    evaluated, totals, ceiling = _evaluate(_plans(units, *common, train, test), keys, cell_km2, area_total, train, test)
    ev_a, totals_a, ceiling_a = _evaluate(_plans(units, *common, tra, tea), keys, cell_km2, area_total, tra, tea)
    (train_from, train_to), (test_from, test_to) = months

    def backtest(ev, n1, n2, curve, **extra) -> Backtest:  # noqa: ANN001, ANN003
        return Backtest(plans=ev, train_months=(train_from, train_to), test_months=(test_from, test_to),
                        train_crimes=int(n1), test_crimes=int(n2), study_area_km2=area_total,
                        notes=list(notes or []), baselines=dict(BASELINES), ceiling_curve=curve, cell_m=float(cell),
                        **extra)

    partners = reach.to_dict(train, test)
    partners["in_naive"] = {p.name: [list(t) for t in _partners_in_naive(reach, naive, p.own.area_km2, cell,
                                                                          cell_km2)]
                            for p in evaluated if p.name not in BASELINES}
    addressable = backtest(ev_a, tra.sum(), tea.sum(), concentration(ceiling_a, totals_a), snap_share=None)
    return backtest(evaluated, train.sum(), test.sum(), concentration(ceiling, totals), snap_share=snap,
                    addressable=addressable, partners=partners)


def _partners_in_naive(reach: PartnerReach, naive: list[np.ndarray], area_km2: float, cell: float,
                       cell_km2: float) -> list[tuple[str, str, float, float]]:
    """The partner places in the naive cells' lead at ``area_km2`` (the last cell, even in part, counts)."""
    if not reach.places or not np.isfinite(area_km2) or area_km2 <= 0 or not naive:
        return []
    n = int(np.ceil(area_km2 / cell_km2 - 1e-9))
    return places_in_cells(reach, np.concatenate(naive[:n]), cell)
