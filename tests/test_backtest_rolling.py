"""The rolling backtest, PEI* and the hindsight ceiling on hand-made crimes where every answer is known.

The lattice: a 3 km square of four LSOAs (150 m cells) with three 2 x 2 blocks of cells whose
monthly counts are fixed by hand (one hot every month, one that cools after April, one that
appears in April) and a thin sprinkle of background crime. Every figure is recomputed here
from the crimes themselves (cell of each crime, sort, cut at the area), not by the engine.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.data.errors import DataError
from hotspots.evaluation.backtest import rolling_windows, run_backtest, run_rolling, shift_month
from hotspots.plans.backtest import (
    PLANS,
    Backtest,
    cell_plan,
    evaluate_plans,
    hindsight_plan,
    mean_backtest,
    naive_cell_units,
    snap_caveat,
    snap_share,
)
from hotspots.plans.verdict import verdict
from hotspots.units.grid import grid_keys

CELL_KM2 = 0.0225
MONTHS = [f"2021-{m:02d}" for m in range(1, 7)]
#: block (lower-left cell) -> crimes per month, January to June
BLOCKS = {"P": ((2, 2), [16, 16, 16, 16, 16, 16]),   # hot every month
          "Q": ((15, 3), [12, 12, 12, 12, 0, 0]),   # cools after April
          "R": ((8, 16), [0, 0, 0, 14, 14, 14])}    # appears in April


def lattice_layers():
    from hotspots.pipeline import Layers

    geoms = [box(c * 1500, r * 1500, (c + 1) * 1500, (r + 1) * 1500) for r in range(2) for c in range(2)]
    b = gpd.GeoDataFrame({"lsoa_code": list("ABCD"), "lsoa_name": [f"T 001{c}" for c in "ABCD"]},
                         geometry=geoms, crs=27700)
    b["area_km2"] = b.area / 1e6
    rng = np.random.default_rng(11)
    rows = []
    for mi, month in enumerate(MONTHS):
        for (c, r), counts in BLOCKS.values():
            for k in range(counts[mi]):  # spread over the block's four cells, inside each cell
                dc, dr = k % 2, (k // 2) % 2
                rows.append((month, (c + dc + 0.2 + 0.6 * rng.random()) * 150, (r + dr + 0.2 + 0.6 * rng.random()) * 150))
        for _ in range(6):
            rows.append((month, rng.uniform(0, 3000), rng.uniform(0, 3000)))
    month, x, y = (np.array(v) for v in zip(*rows, strict=True))
    lsoa = (x >= 1500).astype(int) + 2 * (y >= 1500).astype(int)
    crimes = pd.DataFrame({"month": pd.Categorical(month), "crime_type": pd.Categorical(["Burglary"] * len(x)),
                           "location": pd.Categorical(["On or near A Street"] * len(x)), "x": x, "y": y,
                           "lsoa": lsoa.astype(np.int32)})
    return Layers(boundaries=b, crimes=crimes), x, y, month, lsoa


def _cells(x, y):
    return np.floor(x / 150).astype(int) * 1000 + np.floor(y / 150).astype(int)


def _top_at(counts: np.ndarray, n_cells: float) -> float:
    """Crimes in the ``n_cells`` busiest cells of ``counts`` (the last pro rata): by hand."""
    c = np.sort(counts)[::-1]
    whole = int(np.floor(n_cells + 1e-9))
    frac = n_cells - whole
    return float(c[:whole].sum() + (frac * c[whole] if whole < len(c) and frac > 1e-9 else 0.0))


def _block_cells(name: str) -> set[int]:
    (c, r), _ = BLOCKS[name]
    return {(c + dc) * 1000 + r + dr for dc in (0, 1) for dr in (0, 1)}


def test_windows_are_each_month_from_the_k_before():
    assert rolling_windows(3, "2021-04", "2021-06", MONTHS) == [
        ("2021-01", "2021-03", "2021-04", "2021-04"), ("2021-02", "2021-04", "2021-05", "2021-05"),
        ("2021-03", "2021-05", "2021-06", "2021-06")]
    assert shift_month("2021-01", -1) == "2020-12" and shift_month("2020-12", 13) == "2022-01"


@pytest.mark.parametrize("k, first, last, setting, words", [
    (3, "2021-03", "2021-06", "rolling_start", "2021-04 or later"),   # trains on 2020-12
    (0, "2021-04", "2021-06", "rolling", "1 to"),
    ("x", "2021-04", "2021-06", "rolling", "not a number"),
    (2, "2021-05", "2021-07", "test_range", "2021-07"),               # after the data end
    (2, "2021-06", "2021-05", "test_to", "before they start"),
    (2, None, "2021-05", "test_from", "first and last test months"),
])
def test_bad_rolling_ranges_name_the_setting(k, first, last, setting, words):
    with pytest.raises(DataError) as e:
        rolling_windows(k, first, last, MONTHS)
    assert e.value.setting == setting and words in str(e.value)


def test_ceiling_and_pei_by_hand():
    # training: A x10, B x5; test: A x4, B x6, D x10 (cells of 1 km²)
    def keys(*cells):
        col = np.array([c for c, _ in cells])
        row = np.array([r for _, r in cells])
        return grid_keys(col * 150.0 + 1, row * 150.0 + 1, 150)[2]

    A, B, D = (0, 0), (1, 0), (9, 9)
    train = keys(*([A] * 10 + [B] * 5))
    test = keys(*([A] * 4 + [B] * 6 + [D] * 10))
    totals = (100.0, 15.0, 20.0)
    naive = cell_plan("naive_cells", naive_cell_units(train), 1.0, train, test, own=0)
    spot = cell_plan("patrol_spots", [keys(A)], 1.0, train, test)
    ceiling = hindsight_plan(train, test, 1.0)
    assert ceiling.test.tolist() == [10, 6, 4]  # D, B, A: the test months' own ranking
    ev = {e.name: e for e in evaluate_plans([spot, naive], totals, {"naive_cells": "patrol_spots"}, ceiling=ceiling)}
    s = ev["patrol_spots"].own
    assert s.capture == pytest.approx(4 / 20) and s.ceiling == pytest.approx(10 / 20)
    assert s.pei == pytest.approx(0.4)
    assert s.crimes == 4 and s.crimes_per_km2 == pytest.approx(4.0) and s.share_per_km2 == pytest.approx(0.2)
    # past the last cell with test crime the ceiling is every test crime
    from hotspots.plans.backtest import ceiling_at

    assert ceiling_at(ceiling, 50.0, totals) == pytest.approx(1.0)
    assert ceiling_at(ceiling, 1.5, totals) == pytest.approx((10 + 3) / 20)


def test_rolling_on_the_lattice_every_figure_by_hand():
    from hotspots.study import Settings

    layers, x, y, month, lsoa = lattice_layers()
    cell = _cells(x, y)
    rb = run_rolling(layers, Settings(spots=2), 2, "2021-03", "2021-06", zones=lambda lay, s: [np.array([0])])
    assert len(rb.windows) == 4
    for w, m in zip(rb.windows, MONTHS[2:], strict=True):
        train_months = {shift_month(m, -2), shift_month(m, -1)}
        assert (w.train_months, w.test_months) == ((min(train_months), max(train_months)), (m, m))
        tr, te = np.isin(month, list(train_months)), month == m
        n1, n2 = tr.sum(), te.sum()
        assert (w.train_crimes, w.test_crimes) == (n1, n2)
        test_counts = np.unique(cell[te], return_counts=True)[1]

        # the spots are the two blocks busiest in training
        mi = MONTHS.index(m)
        busiest = sorted(BLOCKS, key=lambda b: -sum(BLOCKS[b][1][mi - 2:mi]))[:2]
        spot_cells = set().union(*(_block_cells(b) for b in busiest))
        sp = w.plan("patrol_spots").own
        assert sp.units == 2 and sp.area_km2 == pytest.approx(8 * CELL_KM2)
        assert sp.capture == pytest.approx(np.isin(cell[te], list(spot_cells)).sum() / n2)
        assert sp.ceiling == pytest.approx(_top_at(test_counts, 8) / n2)
        assert sp.pei == pytest.approx(sp.capture / sp.ceiling)
        assert sp.pei <= 1 + 1e-12

        # the naive cells at the spots' area: cells by training count, the same eight here
        nv = w.plan("naive_cells").own
        assert nv.capture == pytest.approx(sp.capture)

        # the LSOA zone is LSOA 0 (2.25 km² = 100 cells): its ceiling is the top 100 test cells
        z = w.plan("lsoa_zones").own
        assert z.capture == pytest.approx(((lsoa == 0) & te).sum() / n2)
        assert z.ceiling == pytest.approx(min(_top_at(test_counts, 100), n2) / n2)
        assert z.pei == pytest.approx(z.capture / z.ceiling)

        # every plan's PEI* is its capture over the ceiling at its own area
        for p in w.plans:
            o = p.own
            if np.isfinite(o.capture) and o.area_km2 > 0:
                assert o.ceiling == pytest.approx(_top_at(test_counts, o.area_km2 / CELL_KM2) / n2)
                assert o.pei == pytest.approx(o.capture / o.ceiling)
        assert [p.name for p in w.plans] == list(PLANS)

    # the mean is the mean of the windows
    for name in PLANS:
        caps = [w.plan(name).own.capture for w in rb.windows]
        assert rb.mean.plan(name).own.capture == pytest.approx(np.mean(caps))
    # in June the spots were built on April-May (P and R): they find R, which the March plan could not
    assert rb.windows[-1].plan("patrol_spots").own.capture > rb.windows[0].plan("patrol_spots").own.capture
    d = rb.to_dict()
    assert d["mode"] == "rolling" and d["window_count"] == 4 and len(d["windows"]) == 4
    assert d["windows"][0]["test"] == {"from": "2021-03", "to": "2021-03", "crimes": rb.windows[0].test_crimes}
    assert d["verdict"].startswith("Over 4 windows")
    rows = rb.rows()
    assert {r["window"] for r in rows} == {1, 2, 3, 4}
    assert len(rows) == 4 * len(rb.windows[0].rows())


def test_rolling_reuses_the_loaded_crimes_and_matches_single_splits():
    from hotspots.study import Settings

    layers, *_ = lattice_layers()
    zones = lambda lay, s: [np.array([0])]  # noqa: E731
    rb = run_rolling(layers, Settings(spots=2), 2, "2021-05", "2021-06", zones=zones)
    one = run_backtest(layers, Settings(spots=2), "2021-04", "2021-05", "2021-06", "2021-06", zones=zones)
    assert rb.windows[1].to_dict()["plans"] == one.to_dict()["plans"]


def test_verdict_says_plainly_when_a_plan_loses():
    from hotspots.study import Settings

    layers, *_ = lattice_layers()
    bt = run_backtest(layers, Settings(spots=2), "2021-01", "2021-04", "2021-05", "2021-06",
                      zones=lambda lay, s: [np.array([3])])  # a quiet LSOA as the zone: it must lose
    v = bt.to_dict()["verdicts"]["lsoa_zones"]
    assert v.startswith("1 LSOA hot-spot cluster covering 25% of the study area")
    assert "less than a simple ranking of LSOAs by past crime per km² caught in the same area" in v
    assert "of the next 2 months' crime" in v and "of the most any plan that size could have caught" in v
    assert verdict(bt) == bt.to_dict()["verdict"]


def test_mean_backtest_averages_and_drops_missing_figures():
    def bt(test_a: int) -> Backtest:
        plan = cell_plan("patrol_spots", [np.array([7])], 1.0, np.array([7, 7]), np.array([7] * test_a + [8]))
        ev = evaluate_plans([plan], (10.0, 2.0, test_a + 1.0))
        return Backtest(ev, ("2021-01", "2021-01"), ("2021-02", "2021-02"), 2, test_a + 1, 10.0)

    m = mean_backtest([bt(1), bt(3)])
    assert m.plan("patrol_spots").own.capture == pytest.approx((1 / 2 + 3 / 4) / 2)
    assert np.isnan(m.plan("patrol_spots").own.pei)  # no ceiling given: not made up


def test_snap_share_and_caveat():
    train = (np.array([100.0, 200.0]), np.array([100.0, 100.0]))
    test = (np.array([100.2, 200.0, 300.0, 100.0]), np.array([100.1, 100.0, 100.0, 100.0]))
    assert snap_share(train, test) == pytest.approx(3 / 4)  # to the metre
    assert snap_share(train, (np.zeros(0), np.zeros(0))) is None
    assert "75% of the test crimes" in snap_caveat(0.75) and "PAI" in snap_caveat(None)
