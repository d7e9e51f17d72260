"""``hotspots evaluate``: the four plans built on the training months, scored on the test months.

The scoring lives in :mod:`hotspots.backtest`; this module only builds the plans the way an
analysis builds them (the same filters, measure, cell size and number of spots; the LSOA zones
through the same analysis and zone rule) and hands them over. Test crimes are the crimes of the
same types in the test months, *all* of them (a station's crimes count as captured when a plan
covers the station: the scoring counts what happened, the plan chose where to go).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from .backtest import (
    Backtest,
    RankedPlan,
    cell_plan,
    evaluate_plans,
    lsoa_plan,
    naive_cell_units,
    naive_lsoa_units,
)
from .data.errors import DataError
from .plans.backtest_plans import lsoa_cluster_units, patrol_zone_cells
from .progress import CancelFn, Cancelled, ProgressFn
from .table import filter_crimes
from .units.grid import grid_keys

__all__ = ["run_backtest", "evaluate_study", "check_split", "zone_units"]

ZoneBuilder = Callable[[object, object], list[np.ndarray]]


def check_split(train_from: str, train_to: str, test_from: str, test_to: str) -> None:
    """The four months are YYYY-MM, each range in order, and the test starts after training ends."""
    from .study import _check_month

    names = {"train_from": train_from, "train_to": train_to, "test_from": test_from, "test_to": test_to}
    vals = {k: _check_month(v, k) for k, v in names.items()}
    missing = [k for k, v in vals.items() if not v]
    if missing:
        raise DataError(None, "the train/test split needs all four months", setting=missing[0],
                        hint="e.g. training 2021-01 to 2021-09, test 2021-10 to 2021-12")
    if vals["train_from"] > vals["train_to"] or vals["test_from"] > vals["test_to"]:
        raise DataError(None, "a month range ends before it starts", hint="give each range as from <= to",
                        setting="split")
    if vals["test_from"] <= vals["train_to"]:
        raise DataError(None, f"the test months ({vals['test_from']}) overlap the training months "
                        f"(to {vals['train_to']})", hint="start the test after the training months end",
                        setting="test_from")


def zone_units(table: pd.DataFrame) -> list[np.ndarray]:
    """LSOA rows of each zone, zone 1 first (from ``table['zone_id']``)."""
    z = table["zone_id"].to_numpy(dtype="float", na_value=np.nan)
    ranks = sorted(int(v) for v in np.unique(z[~np.isnan(z)]))
    return [np.flatnonzero(z == r) for r in ranks]


def run_backtest(layers, settings, train_from: str, train_to: str, test_from: str, test_to: str, *,
                 zones: ZoneBuilder | None = None, progress: ProgressFn | None = None,
                 cancel: CancelFn | None = None) -> Backtest:
    """Build ``patrol_spots``, ``lsoa_zones``, ``naive_cells`` and ``naive_lsoa_density`` on the
    training months and score them on the test months.

    Parameters
    ----------
    layers : loaded :class:`hotspots.pipeline.Layers` (boundaries and crimes at least)
    settings : the analysis :class:`hotspots.study.Settings` (its months are replaced by the
        training months; its ``cell`` and ``spots`` size the spots and the naive cells)
    train_from, train_to, test_from, test_to : YYYY-MM
    zones : ``(layers, settings) -> zone LSOA rows`` to replace the analysis' zones (tests); by
        default the whole analysis runs on the training months and both plans come from it
    """
    from .spots import build_spots

    check_split(train_from, train_to, test_from, test_to)
    s = replace(settings.validated(), month_from=train_from, month_to=train_to)
    crimes, b = layers.crimes, layers.boundaries
    step = 0

    def tick(msg: str) -> None:
        nonlocal step
        if cancel and cancel():
            raise Cancelled()
        if progress:
            progress(msg, step / 5)
        step += 1

    tick("Selecting training and test crimes")
    train, _ = filter_crimes(crimes, s.crime_types, train_from, train_to)
    try:
        test, _ = filter_crimes(crimes, s.crime_types, test_from, test_to)
    except DataError:
        raise DataError(None, f"no crimes in the test months {test_from}..{test_to}",
                        hint="choose test months the crime files cover", setting="split") from None
    x, y = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    if zones is None:
        from .pipeline import analyse

        tick("Analysing the training months (zones and patrol spots)")
        analysis = analyse(layers, s, cancel=cancel)
        spots, zone_lsoas = analysis.spots, lsoa_cluster_units(analysis)
        zone_cells = analysis.zones.cell_keys if analysis.zones is not None else []
        tick("Plans built")
    else:
        tick("Building patrol spots on the training months")
        spots = build_spots(crimes, train, b, cell=s.cell, n_spots=s.spots, measure=s.measure,
                            harm_weights=s.harm_weights or layers.harm_weights, alpha=s.alpha, with_evidence=False)
        tick("Building LSOA zones on the training months")
        zone_lsoas = zones(layers, s)
        zone_cells = patrol_zone_cells(spots, s)
    tick("Scoring the plans on the test months")
    trk = grid_keys(x[train], y[train], spots.cell)[2]
    tek = grid_keys(x[test], y[test], spots.cell)[2]
    lsoa = crimes["lsoa"].to_numpy()
    area = b["area_km2"].to_numpy(float)
    plans: list[RankedPlan] = [
        cell_plan("patrol_spots", spots.spot_keys(), spots.grid.cell_km2, trk, tek),
        cell_plan("patrol_zones", zone_cells, spots.grid.cell_km2, trk, tek),
        lsoa_plan("lsoa_zones", zone_lsoas, area, lsoa[train], lsoa[test]),
        cell_plan("naive_cells", naive_cell_units(trk), spots.grid.cell_km2, trk, tek, own=0),
        lsoa_plan("naive_lsoa_density", naive_lsoa_units(lsoa[train], area), area, lsoa[train], lsoa[test], own=0),
    ]
    totals = (float(area.sum()), float(train.sum()), float(test.sum()))
    evaluated = evaluate_plans(plans, totals, {"naive_cells": "patrol_spots", "naive_lsoa_density": "lsoa_zones"})
    notes = list(spots.notes)
    notes.append(f"patrol spots: {len(spots.spots)} of {s.spots} requested, {spots.cell:.0f} m cells; "
                 f"{spots.exclusions.to_dict(train)['excluded']} training crimes at police-station or prison "
                 "snap points left out of the spot ranking")
    if not zone_lsoas:
        notes.append("no LSOA zones on the training months")
    tick("Backtest done")
    return Backtest(plans=evaluated, train_months=(train_from, train_to), test_months=(test_from, test_to),
                    train_crimes=int(train.sum()), test_crimes=int(test.sum()), study_area_km2=totals[0], notes=notes)


def evaluate_study(study, out, train_from: str, train_to: str, test_from: str, test_to: str, *,
                   progress: ProgressFn | None = None, cancel: CancelFn | None = None):  # noqa: ANN001, ANN201
    """Load a study, backtest it and write evaluation.json, evaluation.csv and concentration.png.

    Returns ``(backtest, written paths)``. The study's own months are ignored: the split decides.
    """
    from pathlib import Path

    from .export.evaluation import write_evaluation
    from .pipeline import check_out_dir, check_study
    from .progress import scaled

    settings = study.settings.validated()
    check_split(train_from, train_to, test_from, test_to)
    check_study(study)
    check_out_dir(Path(out))
    # only the months in the split are analysed: load everything, filter in the backtest
    from .pipeline import load_layers

    layers = load_layers(study, settings=settings, progress=scaled(progress, 0.0, 0.4), cancel=cancel)
    bt = run_backtest(layers, settings, train_from, train_to, test_from, test_to,
                      progress=scaled(progress, 0.4, 0.95), cancel=cancel)
    written = write_evaluation(bt, Path(out))
    if progress:
        progress("Evaluation written", 1.0)
    return bt, written
