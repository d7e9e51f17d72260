"""The backtest on hand-made cases where every figure is known, and end to end on a planted study."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.data.errors import DataError
from hotspots.evaluation.backtest import check_split, run_backtest
from hotspots.plans.backtest import (
    PLANS,
    RankedPlan,
    cell_plan,
    concentration,
    evaluate_plans,
    lsoa_plan,
    naive_cell_units,
    naive_lsoa_units,
    score_at_area,
    score_prefix,
)
from hotspots.units.grid import grid_keys

TOTALS = (100.0, 16.0, 20.0)  # study km², training crimes, test crimes


def keys(*cells):
    col = np.array([c for c, _ in cells])
    row = np.array([r for _, r in cells])
    return grid_keys(col * 150.0 + 1, row * 150.0 + 1, 150)[2]


def test_scores_by_hand():
    # training: A x10, B x5, C x1; test: A x4, B x6, D x10 (cells of 1 km² for round numbers)
    A, B, C, D = (0, 0), (1, 0), (5, 5), (9, 9)
    train = keys(*([A] * 10 + [B] * 5 + [C]))
    test = keys(*([A] * 4 + [B] * 6 + [D] * 10))
    units = naive_cell_units(train)
    assert [u.tolist() for u in units] == [keys(A).tolist(), keys(B).tolist(), keys(C).tolist()]
    plan = cell_plan("naive_cells", units, 1.0, train, test, own=0)
    assert plan.train.tolist() == [10, 5, 1] and plan.test.tolist() == [4, 6, 0]
    s1 = score_prefix(plan, 1, TOTALS)
    assert s1.area_share == pytest.approx(0.01)
    assert s1.capture == pytest.approx(4 / 20)
    assert s1.pai == pytest.approx(0.2 / 0.01)
    assert s1.rri == pytest.approx((4 / 10) / (20 / 16))  # Levine: (n2 / n1) / (N2 / N1)
    # at 1.5 km²: A whole and half of B
    s = score_at_area(plan, 1.5, TOTALS)
    assert s.capture == pytest.approx((4 + 3) / 20)
    assert s.train_share == pytest.approx((10 + 2.5) / 16)
    assert s.units == pytest.approx(1.5)
    # beyond what the plan can reach: no figure
    assert np.isnan(score_at_area(plan, 3.5, TOTALS).capture)
    area, cap = concentration(plan, TOTALS)
    assert area.tolist() == pytest.approx([0, 0.01, 0.02, 0.03])
    assert cap.tolist() == pytest.approx([0, 0.2, 0.5, 0.5])


def test_a_spot_of_several_cells_counts_each_cell_once():
    A, B = (0, 0), (0, 1)
    train = keys(A, A, B)
    test = keys(A, B, B, (3, 3))
    plan = cell_plan("patrol_spots", [np.concatenate([keys(A), keys(B)])], 0.0225, train, test)
    assert plan.area_km2.tolist() == pytest.approx([0.045])
    assert plan.train.tolist() == [3] and plan.test.tolist() == [3]


def test_lsoa_plans_and_equal_area():
    area = np.array([1.0, 2.0, 4.0, 8.0])
    train = np.array([0] * 8 + [1] * 8 + [2] * 4 + [3] * 4)  # densities 8, 4, 1, 0.5
    test = np.array([0] * 2 + [1] * 10 + [3] * 8)
    units = naive_lsoa_units(train, area)
    assert [int(u[0]) for u in units] == [0, 1, 2, 3]
    totals = (15.0, 24.0, 20.0)
    naive = lsoa_plan("naive_lsoa_density", units, area, train, test, own=0)
    zones = lsoa_plan("lsoa_zones", [np.array([1, 2])], area, train, test)  # one zone, 6 km²
    ev = {e.name: e for e in evaluate_plans([zones, naive], totals, {"naive_lsoa_density": "lsoa_zones"})}
    z = ev["lsoa_zones"].own
    assert z.area_share == pytest.approx(6 / 15) and z.capture == pytest.approx(10 / 20)
    assert z.rri == pytest.approx((10 / 12) / (20 / 24))
    n = ev["naive_lsoa_density"].own  # at 6 km²: LSOA 0 (1), 1 (2), 3/4 of LSOA 2
    assert ev["naive_lsoa_density"].area_basis == "lsoa_zones area"
    assert n.capture == pytest.approx((2 + 10 + 0) / 20)
    assert n.train_share == pytest.approx((8 + 8 + 3) / 24)
    assert n.pai == pytest.approx(n.capture / (6 / 15))
    d = ev["lsoa_zones"].to_dict()
    assert set(d) >= {"plan", "area_share", "capture", "pai", "rri", "equal_area"}


def test_empty_plan_scores_zero_capture_and_no_rri():
    plan = RankedPlan("x", np.zeros(0), np.zeros(0), np.zeros(0), 0)
    s = score_prefix(plan, 0, TOTALS)
    assert s.capture == 0 and s.area_share == 0 and np.isnan(s.rri)


def test_split_is_checked():
    check_split("2021-01", "2021-09", "2021-10", "2021-12")
    for args in [("2021-01", "2021-09", "2021-09", "2021-12"), ("2021-09", "2021-01", "2021-10", "2021-12"),
                 ("2021-01", "2021-09", "", "2021-12"), ("2021-1", "2021-09", "2021-10", "2021-12")]:
        with pytest.raises(DataError):
            check_split(*args)


def planted_layers():
    """A 3 km square of four LSOAs; three hot 2 x 2 blocks of cells that stay hot in the test months."""
    from hotspots.pipeline import Layers

    geoms = [box(c * 1500, r * 1500, (c + 1) * 1500, (r + 1) * 1500) for r in range(2) for c in range(2)]
    b = gpd.GeoDataFrame({"lsoa_code": ["A", "B", "C", "D"], "lsoa_name": ["T 001A", "T 001B", "T 001C", "T 001D"]},
                         geometry=geoms, crs=27700)
    b["area_km2"] = b.area / 1e6
    rng = np.random.default_rng(4)
    rows = []
    hot = [(2, 2, 16), (15, 3, 12), (8, 16, 12)]
    for month in [f"2021-{m:02d}" for m in range(1, 13)]:
        for c, r, n in hot:  # a 2 x 2 block of cells
            for k in range(n):
                dc, dr = k % 2, (k // 2) % 2
                rows.append((month, (c + dc + rng.uniform(0.1, 0.9)) * 150, (r + dr + rng.uniform(0.1, 0.9)) * 150))
        for _ in range(8):
            rows.append((month, rng.uniform(0, 3000), rng.uniform(0, 3000)))
    month, x, y = zip(*rows, strict=True)
    x, y = np.array(x), np.array(y)
    lsoa = (x >= 1500).astype(int) + 2 * (y >= 1500).astype(int)
    crimes = pd.DataFrame({"month": pd.Categorical(month), "crime_type": pd.Categorical(["Burglary"] * len(x)),
                           "location": pd.Categorical(["On or near A Street"] * len(x)), "x": x, "y": y,
                           "lsoa": lsoa.astype(np.int32)})
    return Layers(boundaries=b, crimes=crimes), hot, x, y, np.array(month)


def test_end_to_end_on_a_planted_study_where_the_answer_is_known():
    from hotspots.study import Settings

    layers, hot, x, y, month = planted_layers()
    bt = run_backtest(layers, Settings(spots=3), "2021-01", "2021-09", "2021-10", "2021-12",
                      zones=lambda lay, s: [np.array([0])])
    test = month >= "2021-10"
    in_hot = np.zeros(len(x), bool)
    for c, r, _ in hot:
        in_hot |= np.isin(np.floor(x / 150), [c, c + 1]) & np.isin(np.floor(y / 150), [r, r + 1])
    sp = bt.plan("patrol_spots").own
    assert sp.units == 3
    assert sp.capture == pytest.approx((in_hot & test).sum() / test.sum())
    assert sp.area_share == pytest.approx(12 * 0.0225 / 9.0)
    train = month <= "2021-09"
    assert sp.rri == pytest.approx(sp.capture / ((in_hot & train).sum() / train.sum()))
    nv = bt.plan("naive_cells").own
    assert nv.capture == pytest.approx(sp.capture)  # the same twelve cells
    z = bt.plan("lsoa_zones").own
    assert z.area_share == pytest.approx(0.25)
    assert z.capture == pytest.approx(((x < 1500) & (y < 1500) & test).sum() / test.sum())
    d = bt.to_dict()
    assert [p["plan"] for p in d["plans"]] == list(PLANS)  # every plan carried through, in order
