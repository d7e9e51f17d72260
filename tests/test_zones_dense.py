"""The default zone rule "dense": dense LSOAs in and beside significant hot spots, plus the peaks,
judged as a patrol plan against the naive density sort on held-out months."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from libpysal.weights import lat2W
from test_zones import crimes_at, planted_analysis

from hotspots.plans.zone_rules import dense_members, dense_rows, hot_mask
from hotspots.plans.zones import zones_stage


def _table(values, areas, codes=None) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"lsoa_code": codes or [f"E01{i:06d}" for i in range(n)],
                         "value": np.asarray(values, float), "area_km2": np.asarray(areas, float)})


def test_dense_rows_is_the_shortest_density_prefix_holding_the_share():
    # densities 100, 10, 50, 1, 20: the order is 0, 2, 4, 1, 3; values 100, 50, 20, 10, 1 (total 181)
    t = _table([100, 10, 50, 1, 20], [1, 1, 1, 1, 1])
    assert dense_rows(t, 0.5).tolist() == [True, False, False, False, False]  # 100 >= 90.5
    assert dense_rows(t, 0.6).tolist() == [True, False, True, False, False]   # 150 >= 108.6
    # density, not count: a big quiet LSOA with many crimes comes last
    t2 = _table([100, 90], [50, 1])
    assert dense_rows(t2, 0.3).tolist() == [False, True]
    assert not dense_rows(_table([0, 0], [1, 1])).any()


def test_dense_members_need_a_significant_lsoa_in_or_beside_them():
    # a 1 x 6 strip: 0 significant and dense; 1 dense, touches 0; 3 dense and significant-free,
    # touching 2 (significant but quiet and big): 3 is dropped, its group holds no hot spot; 5 dense, alone
    w = lat2W(1, 6, rook=True)
    t = _table([50, 40, 1, 30, 1, 30], [0.5, 0.5, 9, 0.5, 9, 0.5])
    sig = np.array([True, False, True, False, False, False])
    m = dense_members(t, w, sig, share=0.95)
    assert m.tolist() == [True, True, False, False, False, False]


def test_dense_zones_take_the_dense_core_and_the_lone_peaks():
    n = 10
    # HH block 0, 1, 10, 11; 11 holds 2 crimes (significant only through its neighbours): left out.
    # Cell 2 beside the block is busy but not significant: a peak that joins the block's zone.
    # Cell 99 is busy and alone: a lone peak. Twelve quiet cells with 5 crimes each.
    cells = {0: 60, 1: 60, 10: 60, 11: 2, 2: 50, 99: 45, **{c: 5 for c in (30, 33, 36, 39, 50, 53, 56, 59, 70, 73, 76, 79)}}
    a, layers = planted_analysis(n, n, crimes_at(cells, n), hh=[0, 1, 10, 11])
    a = zones_stage(a, layers)
    z = a.zones.frame
    codes = a.table["lsoa_code"].to_numpy()
    kinds = {c: k for c, k in zip(z["lsoa_codes"], z["zone_kind"], strict=True)}
    cluster = [c for c, k in kinds.items() if k == "cluster"]
    assert len(cluster) == 1
    members = set(cluster[0].split(";"))
    assert members == {codes[0], codes[1], codes[10], codes[2]}
    assert kinds[codes[99]] == "lone peak"
    assert a.zones.summary.rule == "dense"
    assert hot_mask(a.table, "dense")[[0, 1, 10, 11]].all()


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("crime_type", [None, "Violence and sexual offences"])
def test_kent_zones_against_the_density_sort_on_held_out_months(crime_type):
    """Trained on January-September 2021, scored on October-December by an independent count of the
    test crimes per LSOA: the zones at their own area against LSOAs sorted by training density."""
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    from hotspots.evaluation.backtest import run_backtest
    from hotspots.lsoa.table import filter_crimes
    from hotspots.pipeline import load_layers
    from hotspots.study import Settings, Study

    s = Settings(crime_types=[crime_type] if crime_type else None)
    layers = load_layers(Study(boundaries=str(KENT_BOUNDARIES), crimes=[str(KENT_CRIME)]), settings=s)
    bt = run_backtest(layers, s, "2021-01", "2021-09", "2021-10", "2021-12")
    zones = next(p.own for p in bt.plans if p.name == "lsoa_zones")
    # independent: zone LSOAs from a fresh analysis on the training months, test crimes by LSOA
    from dataclasses import replace

    from hotspots.pipeline import analyse

    a = analyse(layers, replace(s, month_from="2021-01", month_to="2021-09"))
    in_zone = a.lsoa_clusters.zone_of > 0  # the LSOA clusters (the patrol zones are cells now)
    crimes = layers.crimes
    test, _ = filter_crimes(crimes, s.crime_types, "2021-10", "2021-12")
    train, _ = filter_crimes(crimes, s.crime_types, "2021-01", "2021-09")
    n = len(a.table)
    te = np.bincount(crimes["lsoa"].to_numpy()[test], minlength=n)
    tr = np.bincount(crimes["lsoa"].to_numpy()[train], minlength=n)
    area = layers.boundaries["area_km2"].to_numpy(float)
    capture = te[in_zone].sum() / te.sum()
    assert abs(capture - zones.capture) < 0.005
    order = np.lexsort((np.arange(n), -tr / area))
    cum = np.cumsum(area[order])
    k = int(np.searchsorted(cum, area[in_zone].sum()))
    naive = (te[order[:k]].sum() + (area[in_zone].sum() - (cum[k - 1] if k else 0)) / area[order[k]] * te[order[k]]) / te.sum()
    ratio = capture / naive
    top = np.argsort(-tr, kind="stable")[:10]
    assert in_zone[top].all()
    if crime_type is None:
        assert ratio >= 0.85, ratio
    else:  # Swale 006D, a prison LSOA of 23 km², is a top-10 LSOA for violence and so a lone peak
        assert ratio >= 0.6, ratio
