"""Rates per 1,000 against the force: a hand-made table, and Kent against an independent sum."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from hotspots.evidence.rates import lsoa_rates, percentile_within, pooled_rate
from tests._paths import IMD_FILE1, KENT_BOUNDARIES, KENT_CRIME, REAL, need_real

FILE6 = REAL / "imd" / "File_6_-_IoD2019_Population_Denominators.csv"


def _table():
    return pd.DataFrame({"lsoa_code": ["A", "B", "C", "D"], "crimes": [10, 30, 0, 60],
                         "population": [1000.0, 1500.0, 500.0, np.nan]})


def test_hand_made_rates():
    res = lsoa_rates(_table())
    # force: (10 + 30 + 0) crimes over 3,000 residents (D has no population) = 13.33 per 1,000
    assert res.force.count == 40 and res.force.population == 3000
    assert res.force.per_1000 == pytest.approx(40 / 3000 * 1000)
    f = res.frame
    np.testing.assert_allclose(f["rate_per_1000"][:3], [10.0, 20.0, 0.0])
    np.testing.assert_allclose(f["rate_vs_force"][:3], [0.75, 1.5, 0.0])
    assert np.isnan(f["rate_per_1000"].iloc[3]) and np.isnan(f["rate_vs_force"].iloc[3])
    np.testing.assert_allclose(f["rate_percentile"][:3], [200 / 3, 100.0, 100 / 3])
    assert res.lsoas_without_population == 1 and any("no population" in n for n in res.notes)
    # the pooled rate is not the mean of rates
    assert res.force.per_1000 != pytest.approx(np.mean([10.0, 20.0, 0.0]))


def test_crime_decile_joined_and_ties():
    deciles = pd.DataFrame({"lsoa_code": ["A", "B", "Z"], "crime_decile": pd.array([1, 10, 5], dtype="Int64")})
    res = lsoa_rates(_table(), crime_deciles=deciles)
    assert res.frame["crime_decile_national"].tolist()[:2] == [1, 10]
    assert res.frame["crime_decile_national"].isna().tolist()[2:] == [True, True]
    np.testing.assert_allclose(percentile_within(np.array([1.0, 1.0, 2.0, np.nan]))[:3], [200 / 3, 200 / 3, 100])
    assert np.isnan(pooled_rate(np.array([1.0]), np.array([0.0])).per_1000)


@pytest.mark.realdata
@pytest.mark.slow
def test_kent_rates_match_independent_computation():
    need_real(KENT_BOUNDARIES, KENT_CRIME, IMD_FILE1, FILE6)
    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Study

    st = Study(boundaries=str(KENT_BOUNDARIES), crimes=[str(KENT_CRIME)], imd=str(IMD_FILE1), population=str(FILE6))
    layers = load_layers(st)
    a = analyse(layers, st.settings)
    res = lsoa_rates(a.table, crime_deciles=layers.imd)
    with FILE6.open(encoding="utf-8-sig", newline="") as fh:
        pop = {r["LSOA code (2011)"]: float(r["Total population: mid 2015 (excluding prisoners)"].replace(",", ""))
               for r in csv.DictReader(fh)}
    crimes = dict(zip(a.table["lsoa_code"], a.table["crimes"], strict=True))
    force = sum(crimes.values()) / sum(pop[c] for c in crimes) * 1000
    for k, code in enumerate(a.table["lsoa_code"]):
        rate = crimes[code] / pop[code] * 1000
        assert res.frame["rate_per_1000"].iloc[k] == pytest.approx(rate, rel=0.005)
        assert res.frame["rate_vs_force"].iloc[k] == pytest.approx(rate / force, rel=0.005)
    assert res.force.per_1000 == pytest.approx(force, rel=1e-9)
    assert res.lsoas_without_population == 0
