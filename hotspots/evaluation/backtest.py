"""``hotspots evaluate``: the patrol plans built on the training months, scored on the test months.

The scoring lives in :mod:`hotspots.plans.backtest`; this module only builds the plans the way an
analysis builds them (the same filters, measure, cell size and number of spots; the zones
through the same analysis and zone rule) and hands them over. Test crimes are the crimes of the
same types in the test months, *all* of them (a station's crimes count as captured when a plan
covers the station: the scoring counts what happened, the plan chose where to go), and every
plan is scored again on the test crime a patrol can address, outside the partner places the
plan left out on the training months (:mod:`hotspots.plans.backtest_partners`), beside
``naive_cells_patrol``, the naive cells without those places.

A single split trains on one range and tests on a later one. A *rolling* backtest
(:func:`run_rolling`) scores every month of a test range from the ``k`` months before it, the
way a team would use the tool month after month: one window a month, the crimes read and placed
once, the micro-place grid built once (the spots stage's grid cache) and the crimes' cell keys
computed once for all windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from ..data.errors import DataError
from ..lsoa.table import filter_crimes
from ..plans.backtest import Backtest, RollingBacktest, mean_backtest, snap_share
from ..plans.backtest_partners import partner_reach
from ..plans.backtest_plans import lsoa_cluster_units, patrol_zone_cells
from ..plans.backtest_split import PlanUnits, score_split
from ..progress import CancelFn, Cancelled, ProgressFn, scaled
from ..units.grid import grid_keys

__all__ = ["run_backtest", "run_rolling", "evaluate_study", "check_split", "check_rolling", "rolling_windows",
           "zone_units", "data_months", "shift_month", "months_between", "ROLLING_MAX"]

ZoneBuilder = Callable[[object, object], list[np.ndarray]]

#: the most months a rolling window trains on (three years; more says nothing about next month)
ROLLING_MAX = 36


def _month_index(m: str) -> int:
    y, mm = m.split("-")
    return int(y) * 12 + int(mm) - 1


def shift_month(month: str, n: int) -> str:
    """``month`` (YYYY-MM) moved by ``n`` months."""
    i = _month_index(month) + n
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM), inclusive."""
    return [shift_month(first, i) for i in range(_month_index(last) - _month_index(first) + 1)]


def data_months(crimes: pd.DataFrame) -> list[str]:
    """The months the loaded crimes cover (sorted)."""
    if crimes is None or "month" not in crimes or len(crimes) == 0:
        return []
    return sorted({str(m) for m in pd.unique(crimes["month"].dropna())})


def check_rolling(k: object, test_from: str | None, test_to: str | None) -> tuple[int, str, str]:
    """``k`` is a whole number of months (1 to :data:`ROLLING_MAX`) and the test range is two months in order.

    Checked before anything is read; :func:`rolling_windows` checks the range against the data.
    """
    from ..study import _check_month

    try:
        kk = int(k)  # type: ignore[call-overload]
        if kk != k and not (isinstance(k, str) and k.strip().isdigit()):
            raise ValueError
    except (TypeError, ValueError):
        raise DataError(None, f"'{k}' is not a number of months", hint="e.g. --rolling 3",
                        setting="rolling") from None
    if not 1 <= kk <= ROLLING_MAX:
        raise DataError(None, f"each window cannot train on {kk} months", setting="rolling",
                        hint=f"train each window on 1 to {ROLLING_MAX} months, e.g. 3")
    a, b = _check_month(test_from, "test_from"), _check_month(test_to, "test_to")
    if not a or not b:
        raise DataError(None, "a rolling backtest needs the first and last test months",
                        setting="test_from" if not a else "test_to",
                        hint="e.g. --rolling 3 --test-from 2021-04 --test-to 2021-12")
    if a > b:
        raise DataError(None, f"the test months end ({b}) before they start ({a})", setting="test_to",
                        hint="give the test range as from <= to")
    return kk, a, b


def rolling_windows(k: object, test_from: str | None, test_to: str | None, months: list[str]
                    ) -> list[tuple[str, str, str, str]]:
    """The splits of a rolling backtest: each month of the test range, trained on the ``k`` before it.

    ``months`` are the months the crime files cover; the first window may not train on a month
    before them, and every test month must be one of them.
    """
    kk, a, b = check_rolling(k, test_from, test_to)
    if not months:
        raise DataError(None, "no crimes are loaded", setting="crimes", hint="load police.uk crime files")
    first_train = shift_month(a, -kk)
    if first_train < months[0]:
        earliest = shift_month(months[0], kk)
        fix = f"start the test months at {earliest} or later"
        most = _month_index(a) - _month_index(months[0])
        if most >= 1:
            fix += f", or train on fewer months (at most {most})"
        raise DataError(None, f"the first test month {a} would train on {first_train}..{shift_month(a, -1)}, "
                        f"before the crime files start ({months[0]})", hint=fix, setting="rolling_start")
    have = set(months)
    missing = [m for m in months_between(first_train, b) if m not in have]
    if missing:
        raise DataError(None, f"the crime files hold no crimes in {missing[0]}"
                        + (f" (and {len(missing) - 1} more months)" if len(missing) > 1 else "")
                        + f"; they cover {months[0]}..{months[-1]}",
                        hint="choose test months the crime files cover, with the training months before them",
                        setting="test_range")
    return [(shift_month(m, -kk), shift_month(m, -1), m, m) for m in months_between(a, b)]


def check_split(train_from: str, train_to: str, test_from: str, test_to: str) -> None:
    """The four months are YYYY-MM, each range in order, and the test starts after training ends."""
    from ..study import _check_month

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
                 cancel: CancelFn | None = None, shared: dict | None = None) -> Backtest:
    """Build every plan of :data:`hotspots.plans.backtest.PLANS` on the training months and score them on
    the test months: on all test crime, and (``Backtest.addressable``) on the test crime outside
    the partner places the plan left out (:mod:`hotspots.plans.backtest_split`).

    Parameters
    ----------
    layers : loaded :class:`hotspots.pipeline.Layers` (boundaries and crimes at least)
    settings : the analysis :class:`hotspots.study.Settings` (its months are replaced by the
        training months; its ``cell`` and ``spots`` size the spots and the naive cells)
    train_from, train_to, test_from, test_to : YYYY-MM
    zones : ``(layers, settings) -> zone LSOA rows`` to replace the analysis' zones (tests); by
        default the whole analysis runs on the training months and both plans come from it
    shared : a dict the windows of one rolling backtest share (the crimes' coordinates, LSOAs
        and cell keys, computed on the first window); None for a split of its own
    """
    from ..plans.spots import build_spots

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
        months = test_from if test_from == test_to else f"{test_from}..{test_to}"
        raise DataError(None, f"no crimes of the analysed types in the test months {months}",
                        hint="choose test months the crime files cover",
                        setting="split" if shared is None else "test_range") from None
    shared = {} if shared is None else shared
    if shared.get("crimes") is not crimes:  # a new crimes table: forget what was derived from another
        shared.clear()
        shared.update(crimes=crimes, x=crimes["x"].to_numpy(float), y=crimes["y"].to_numpy(float),
                      lsoa=crimes["lsoa"].to_numpy())
    x, y = shared["x"], shared["y"]
    if zones is None:
        from ..pipeline import analyse

        tick("Analysing the training months (zones and patrol spots)")
        analysis = analyse(layers, s, cancel=cancel)
        spots, zone_lsoas = analysis.spots, lsoa_cluster_units(analysis)
        zone_cells = analysis.zones.cell_keys if analysis.zones is not None else []
        tick("Plans built")
    else:
        tick("Building patrol spots on the training months")
        every_type, _ = filter_crimes(crimes, None, train_from, train_to)  # a place's crime mix, as analyse()
        spots = build_spots(crimes, train, b, cell=s.cell, n_spots=s.spots, measure=s.measure,
                            harm_weights=s.harm_weights or layers.harm_weights, alpha=s.alpha, with_evidence=False,
                            keep_partner_places=bool(s.keep_partner_places), mix_mask=every_type)
        tick("Building LSOA zones on the training months")
        zone_lsoas = zones(layers, s)
        zone_cells = patrol_zone_cells(spots, s)
    tick("Scoring the plans on the test months")
    if shared.get("cell") != spots.cell:  # every crime's cell key, once for all windows
        shared.update(cell=spots.cell, keys=grid_keys(x, y, spots.cell)[2])
    keys = shared["keys"]
    reach = partner_reach(crimes, train, spots.partners, keys, consider=test, shared=shared)
    notes = list(spots.notes)
    notes.append(f"patrol spots: {len(spots.spots)} of {s.spots} requested, {spots.cell:.0f} m cells; "
                 + (f"{len(reach.places)} partner places found on the training months (their "
                    f"{int((reach.out & train).sum()):,} training crimes left out of the patrol ranking)"
                    if not reach.kept else "partner places kept in the patrol ranking (keep_partner_places)"))
    if not zone_lsoas:
        notes.append("no LSOA zones on the training months")
    bt = score_split(PlanUnits(spots=spots.spot_keys(), zone_cells=zone_cells, zone_lsoas=zone_lsoas), keys=keys,
                     lsoa=shared["lsoa"], lsoa_area_km2=b["area_km2"].to_numpy(float), cell=float(spots.cell),
                     cell_km2=spots.grid.cell_km2, train=train, test=test, reach=reach,
                     months=((train_from, train_to), (test_from, test_to)), notes=notes,
                     snap=snap_share((x[train], y[train]), (x[test], y[test])))
    tick("Backtest done")
    return bt


def run_rolling(layers, settings, k: int, test_from: str, test_to: str, *, zones: ZoneBuilder | None = None,
                progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> RollingBacktest:
    """Score every month from ``test_from`` to ``test_to`` with the plans of the ``k`` months before it.

    Each window is a :func:`run_backtest` split (train = the ``k`` preceding months, test = the
    month) on the same loaded layers: nothing is read again, the grid comes from the spots
    stage's cache and the cell keys are computed once. Months outside the crime files are a
    :class:`DataError` naming the flags (``rolling_start``, ``test_range``).
    """
    windows = rolling_windows(k, test_from, test_to, data_months(layers.crimes))
    shared: dict = {}
    done: list[Backtest] = []
    n = len(windows)
    for i, split in enumerate(windows):
        if cancel and cancel():
            raise Cancelled()
        inner = scaled(progress, i / n, (i + 1) / n)

        def step(msg: str, frac: float, _i: int = i, _m: str = split[2], _inner=inner) -> None:  # noqa: ANN001
            if _inner:
                _inner(f"Window {_i + 1} of {n} (test {_m}): {msg}", frac)

        done.append(run_backtest(layers, settings, *split, zones=zones, progress=step if progress else None,
                                 cancel=cancel, shared=shared))
    return RollingBacktest(windows=done, k=int(k), mean=mean_backtest(done))


def evaluate_study(study, out, train_from: str | None, train_to: str | None, test_from: str | None,
                   test_to: str | None, *, rolling: int | None = None, progress: ProgressFn | None = None,
                   cancel: CancelFn | None = None):  # noqa: ANN001, ANN201
    """Load a study, backtest it and write evaluation.json, evaluation.csv and concentration.png.

    Returns ``(backtest, written paths)``: a :class:`Backtest` for a split, a
    :class:`RollingBacktest` when ``rolling`` (months of training per window) is given, in which
    case ``train_from``/``train_to`` must be None. The study's own months are ignored.
    """
    from pathlib import Path

    from ..export.evaluation import SEAL as EVALUATION_SEAL
    from ..export.evaluation import write_evaluation
    from ..pipeline import check_out_dir, check_study

    settings = study.settings.validated()
    if rolling is not None:
        if train_from or train_to:
            raise DataError(None, "a rolling backtest trains each window on the months before its test month",
                            hint="drop --train-from/--train-to, or drop --rolling for a single split",
                            setting="train_from" if train_from else "train_to")
        check_rolling(rolling, test_from, test_to)
    else:
        check_split(train_from, train_to, test_from, test_to)
    check_study(study)
    check_out_dir(Path(out))
    # only the months in the split are analysed: load everything, filter in the backtest
    from ..export.run_folder import RunFolder
    from ..pipeline import load_layers

    # the folder is held for the whole run (an analysis into it meanwhile is refused), the files
    # are staged and renamed in with evaluation.json last; files of an earlier evaluation are
    # replaced only where they are, byte for byte, what it wrote (an analyst's edited
    # evaluation.csv stops the run, named), and an analysis's files in the folder are never touched
    with RunFolder(Path(out), seal=EVALUATION_SEAL) as folder:
        layers = load_layers(study, settings=settings, progress=scaled(progress, 0.0, 0.4), cancel=cancel)
        if rolling is not None:
            bt = run_rolling(layers, settings, rolling, test_from, test_to, progress=scaled(progress, 0.4, 0.95),
                             cancel=cancel)
        else:
            bt = run_backtest(layers, settings, train_from, train_to, test_from, test_to,
                              progress=scaled(progress, 0.4, 0.95), cancel=cancel)
        written = folder.commit(write_evaluation(bt, folder.staging))
    if progress:
        progress("Evaluation written", 1.0)
    return bt, written
