"""District and LSOA trends, the district outlook table, the top-10 stability."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.timeseries import month_range
from hotspots.timeseries.mann_kendall import mann_kendall
from hotspots.timeseries.stability import periods_of, stability
from hotspots.timeseries.trends import Trends, district_of


def test_district_is_the_name_without_its_code():
    names = ["Maidstone 004F", "Tunbridge Wells 012A", "Medway 001A", "Somewhere odd", "Folkestone and Hythe 010B"]
    assert district_of(names).tolist() == ["Maidstone", "Tunbridge Wells", "Medway", "Somewhere odd",
                                           "Folkestone and Hythe"]
    codes = ["E1", "E2", "E3", "E4", "E5"]
    assert district_of(names, codes, {"E3": "Gillingham"})[2] == "Gillingham"


def _study(seed=0):
    rng = np.random.default_rng(seed)
    months = month_range("2021-01", "2021-12")
    names = [f"{d} {k:03d}A" for d in ("Ashford", "Dover", "Swale") for k in range(1, 5)]
    base = rng.poisson(8.0, size=(12, 12)).astype(float)
    base[8:] += np.arange(12) * 2.0  # Swale rises
    return base, months, [f"E{k:08d}" for k in range(12)], names


def test_district_series_are_sums_and_trends_are_mann_kendall():
    x, months, codes, names = _study()
    tr = Trends.from_matrix(x, months, codes, names)
    d = tr.district.set_index("district")
    assert set(d.index) == {"Ashford", "Dover", "Swale"}
    swale = tr.district_series[list(tr.district["district"]).index("Swale")]
    np.testing.assert_array_equal(swale, x[8:].sum(axis=0))
    ref = mann_kendall(swale[None, :])
    assert d.loc["Swale", "mk_z"] == pytest.approx(ref.z[0])
    assert d.loc["Swale", "sen_slope"] == pytest.approx(ref.slope[0])
    assert d.loc["Swale", "trend"] == "increasing"
    assert tr.district["crimes"].is_monotonic_decreasing  # busiest first
    lsoa = tr.lsoa.set_index("lsoa_code")
    assert lsoa.loc["E00000000", "district"] == "Ashford"
    assert lsoa["crimes"].sum() == x.sum()
    mean = x[11].mean()
    assert lsoa.loc["E00000011", "sen_pct_per_year"] == pytest.approx(mann_kendall(x[11]).slope[0] * 12 / mean * 100)


def test_outlook_is_labelled_short_and_lazy():
    x, months, codes, names = _study()
    tr = Trends.from_matrix(x, months, codes, names, horizon=12)
    assert tr.horizon == 3  # never further than the backtests can check
    assert "Outlook, not a trend line" in tr.note
    assert tr._projection is None
    table = tr.district_table()
    assert [c for c in table.columns if c.startswith("outlook ") and c.count(" ") == 1] == [
        "outlook 2022-01", "outlook 2022-02", "outlook 2022-03"]
    assert (table["outlook 2022-01 low"] <= table["outlook 2022-01"]).all()
    assert (table["outlook 2022-03"] <= table["outlook 2022-03 high"]).all()
    fc = tr.forecast(0)
    assert [f["month"] for f in fc] == ["2022-01", "2022-02", "2022-03"]
    assert fc[0]["expected"] == pytest.approx(tr.district_series[0].mean(), abs=0.05)


# ---------------------------------------------------------------------------- stability


def test_periods_are_quarters_for_a_year_and_years_beyond():
    q, kind = periods_of(month_range("2021-01", "2021-12"))
    assert kind == "quarter" and q[0] == "2021-Q1" and q[11] == "2021-Q4"
    y, kind = periods_of(month_range("2020-06", "2021-12"))
    assert kind == "year" and y[0] == "2020" and y[-1] == "2021"


def test_top_lists_carry_over_by_hand():
    months = month_range("2021-01", "2021-06")  # Q1 and Q2
    codes = [f"L{k}" for k in range(6)]
    x = np.zeros((6, 6))
    # Q1 totals: L0 30, L1 20, L2 10, L3 5 ; Q2 totals: L1 40, L3 25, L4 15, L0 5, L5 15
    x[0, :3], x[1, :3], x[2, :3], x[3, :3] = 10, [5, 5, 10], [2, 3, 5], [5, 0, 0]
    x[1, 3:], x[3, 3:], x[4, 3:], x[0, 3:], x[5, 3:] = [20, 10, 10], [5, 10, 10], 5, [5, 0, 0], [5, 5, 5]
    s = stability(x, months, codes, codes, n=3)
    assert s.kind == "quarter"
    q1 = s.top[s.top["period"] == "2021-Q1"]["lsoa_code"].tolist()
    q2 = s.top[s.top["period"] == "2021-Q2"]["lsoa_code"].tolist()
    assert q1 == ["L0", "L1", "L2"]
    assert q2 == ["L1", "L3", "L4"]  # L4 and L5 tie on 15: the lower code ranks first
    t = s.transitions.iloc[0]
    assert t["stayed"] == 1 and t["stayed_codes"] == "L1"
    assert t["share_in_previous_top"] == pytest.approx((5 + 40 + 0) / 100)  # Q2 crime in L0, L1, L2
    assert t["share_in_own_top"] == pytest.approx(80 / 100)
    assert s.periods["months"].tolist() == [3, 3]
    assert s.summary()["stayed"] == [1]


def test_one_period_has_no_transitions():
    s = stability(np.ones((4, 2)), ("2021-01", "2021-02"), list("abcd"), list("abcd"))
    assert len(s.transitions) == 0 and len(s.periods) == 1 and s.summary()["mean_stayed"] is None
