"""The tool's own backtest: build each patrol plan on training months, score it on test months.

A hot-spot map is a forecast: "crime will be here". The honest test is to make the plan from
earlier months and count what happened later (Chainey, Tompson and Uhlig 2008; Bowers, Johnson
and Pease 2004). Six plans are scored (:data:`PLANS`):

- ``patrol_spots``: the ranked patrol spots (:mod:`hotspots.plans.spots`) of the training months;
- ``patrol_zones``: the patrol zones built from the spots' ranked cells (:mod:`hotspots.plans`);
- ``lsoa_zones``: the LSOA LISA/Gi* clusters (:mod:`hotspots.plans.zones`) of the training months;
- ``naive_cells``: grid cells of the same size ranked by their training count (the
  spreadsheet sort a plan must beat);
- ``naive_cells_patrol``: the same cells ranked by their training crime outside the partner
  places the plan leaves to partners (hospital sites, Bluewater; :mod:`hotspots.plans.backtest_partners`),
  the like-for-like sort;
- ``naive_lsoa_density``: LSOAs ranked by their training crimes per km².

Every plan is scored on all test crime and again on the test crime a patrol can address
(outside the partner places of the training months, ``Backtest.addressable``).

Measures, for a plan covering area ``a`` of a study of area ``A``, holding ``n1`` of the ``N1``
training crimes and ``n2`` of the ``N2`` test crimes:

- ``area_share = a / A``; ``capture = n2 / N2`` (the hit rate);
- ``pai = capture / area_share``, the Predictive Accuracy Index (Chainey et al. 2008);
- ``rri = (n2 / n1) / (N2 / N1)``, Levine's Recapture Rate Index (Levine 2008, *Security
  Journal* 21, 295-302): the test share over the training share of the same plan. 1 means the
  places stayed as hot as they were; below 1 they cooled (regression to the mean); NaN when
  the plan held no training crime.
- ``crimes = n2``; ``crimes_per_km2 = n2 / a`` and ``share_per_km2 = capture / a``: what a
  square kilometre of the plan caught (the figure an inspector can weigh against patrol hours).
- ``ceiling``: the hindsight ceiling, the most any plan of area ``a`` could have caught: the
  test months' *own* busiest cells (the same grid and cell size as the spots) covering ``a``,
  the last one pro rata. ``pei = capture / ceiling`` is PEI* (Hunt 2016, *Evaluating the
  Predictive Efficiency of Hot Spot Maps*; Chainey's PEI): 1 means no plan of that size could
  have done better. For a plan not made of the grid's cells (LSOAs) the ceiling is still the
  cells', so PEI* there says how far the coarse units are from the best micro-places.

police.uk moves every crime to an anonymous snap point, and in Kent ~97% of a quarter's crimes
fall on a point that held crime in the months before; micro-place PAI is therefore higher on
police.uk data than it would be on exact locations (:func:`snap_caveat`; the share is measured
for every split).

Each plan is scored at its own area, and *at equal area*: every ranked plan is cut (or, for the
naive rankings, extended) to the area of each other plan, the last unit counted pro rata, so
plans of different sizes are compared on the same ground. The concentration curve of a plan is
its capture against its area share as its units are added in rank order.

The code: scoring in :mod:`hotspots.plans.backtest_scores`, results in :mod:`hotspots.plans.backtest_results`,
rolling means in :mod:`hotspots.plans.backtest_rolling`, one split in :mod:`hotspots.plans.backtest_split`;
this module re-exports their public names.
"""

from __future__ import annotations

from .backtest_results import Backtest, RollingBacktest, comparisons, naive_at, rolling_comparisons
from .backtest_rolling import mean_backtest
from .backtest_scores import (
    CEILING,
    MEASURES,
    PLAN_WORDS,
    PLANS,
    PlanEvaluation,
    RankedPlan,
    Score,
    ceiling_at,
    cell_plan,
    concentration,
    evaluate_plans,
    hindsight_plan,
    key_counts,
    lsoa_plan,
    naive_cell_units,
    naive_lsoa_units,
    plan_words,
    score_at_area,
    score_prefix,
    snap_caveat,
    snap_share,
    with_ceiling,
)

__all__ = ["PLANS", "PLAN_WORDS", "CEILING", "MEASURES", "RankedPlan", "Score", "PlanEvaluation", "Backtest",
           "RollingBacktest", "score_at_area", "score_prefix", "ceiling_at", "with_ceiling", "concentration",
           "cell_plan", "lsoa_plan", "naive_cell_units", "naive_lsoa_units", "hindsight_plan", "evaluate_plans",
           "key_counts", "mean_backtest", "plan_words", "naive_at", "comparisons", "rolling_comparisons",
           "snap_caveat", "snap_share"]
