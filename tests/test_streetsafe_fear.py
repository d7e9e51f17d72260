"""The fear-vs-crime test: exact p-values, BH, coverage rules and the false-positive rate on nulls."""

from __future__ import annotations

import numpy as np
import pytest
from libpysal.weights import lat2W
from scipy import stats

from hotspots.streetsafe.fear_test import fear_vs_crime, neighbourhood_sums

SIDE = 30  # a 30 x 30 lattice: 900 units, about Kent's number of LSOAs (~1,000)


def _w():
    return lat2W(SIDE, SIDE, rook=False)  # queen neighbours, from libpysal


def _crime_intensity(rng: np.random.Generator) -> np.ndarray:
    """A lumpy, spatially smooth crime surface (town centres, quiet villages)."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    lam = np.full((SIDE, SIDE), 5.0)
    for _ in range(6):
        cx, cy, s = rng.uniform(0, SIDE), rng.uniform(0, SIDE), rng.uniform(1.5, 5)
        lam += rng.uniform(40, 300) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))
    return lam.ravel()


def test_p_values_match_scipy_binomtest_and_bh_matches_scipy() -> None:
    reports = np.array([0, 3, 9, 12, 30, 7, 1, 5])
    crimes = np.array([50, 400, 60, 900, 200, 700, 10, 100])
    res = fear_vs_crime(reports, crimes, neighbourhood=False, min_reports=1, alpha=0.05)
    pi = reports.sum() / (reports.sum() + crimes.sum())
    f = res.frame
    for i in range(len(reports)):
        if reports[i] < 1:
            assert np.isnan(f["fear_p"][i]) and f["fear_status"][i] == "too few reports"
            continue
        # the doubled smaller tail of scipy's exact one-sided tests (an independent computation)
        more = stats.binomtest(int(reports[i]), int(reports[i] + crimes[i]), pi, alternative="greater").pvalue
        less = stats.binomtest(int(reports[i]), int(reports[i] + crimes[i]), pi, alternative="less").pvalue
        assert f["fear_p"][i] == pytest.approx(min(1.0, 2 * min(more, less)), rel=1e-9)
    tested = f["fear_status"] == "tested"
    q = stats.false_discovery_control(f["fear_p"][tested].to_numpy(), method="bh")
    assert ((q <= 0.05) == (f["fear_gap"][tested] != "")).all()
    assert f["fear_expected"].to_numpy() == pytest.approx(reports.sum() * crimes / crimes.sum())


def test_neighbourhood_sums_use_libpysal_neighbours() -> None:
    w = _w()
    v = np.arange(SIDE * SIDE, dtype=float)
    got = neighbourhood_sums(v, w.sparse)
    for i in (0, 31, 450, 899):
        assert got[i] == v[i] + sum(v[j] for j in w.neighbors[i])


@pytest.mark.parametrize("mechanism", ["resample", "poisson"])
def test_false_positive_rate_on_null_data(mechanism: str) -> None:
    """Reports in proportion to crime: at most 1% of LSOAs labelled in every sample."""
    w = _w()
    seeds = range(40)
    any_label = 0
    shares = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        lam = _crime_intensity(rng)
        crimes = rng.poisson(lam)
        if mechanism == "resample":  # reports drawn from the crime records themselves
            reports = rng.multinomial(1000, crimes / crimes.sum())
        else:  # an independent report process with the same intensity
            reports = rng.poisson(lam * 1000 / lam.sum())
        hot = crimes > np.quantile(crimes, 0.9)
        res = fear_vs_crime(reports, crimes, w, crime_hot=hot, alpha=0.05)
        share = (res.frame["fear_gap"] != "").mean()
        shares.append(share)
        any_label += share > 0
        assert share <= 0.01, (seed, res.counts)
    # BH controls the chance of any false label at alpha under the global null (+ MC slack)
    assert any_label <= stats.binom.ppf(0.999, len(seeds), 0.05)
    assert np.mean(shares) <= 0.002


def test_power_fear_placed_where_reports_are_and_never_on_empty_lsoas() -> None:
    w = _w()
    rng = np.random.default_rng(7)
    lam = _crime_intensity(rng)
    crimes = rng.poisson(lam)
    reports = rng.multinomial(1000, crimes / crimes.sum())
    quiet = int(np.argmin(np.where(np.arange(SIDE * SIDE) % SIDE > 0, lam, np.inf)))  # a quiet LSOA
    reports[quiet] += 25
    for j in w.neighbors[quiet]:
        reports[j] = 0  # its neighbours have no reports at all
    busy = int(np.argmax(crimes))
    reports[busy] += 60
    hot = np.zeros(len(crimes), bool)
    hot[busy] = True
    res = fear_vs_crime(reports, crimes, w, crime_hot=hot)
    gap = res.frame["fear_gap"]
    assert gap[quiet] == "fear_not_crime"
    assert gap[busy] == "both"
    assert not gap[reports == 0].isin(["fear_not_crime", "both"]).any()


def test_coverage_no_reports_is_not_no_fear() -> None:
    n = 40
    crimes = np.full(n, 100)
    crimes[:5] = 2000  # a crime hot area ...
    reports = np.full(n, 10)
    reports[:5] = 0  # ... with no StreetSafe reports at all: no coverage, no label
    res = fear_vs_crime(reports, crimes, neighbourhood=False)
    assert (res.frame["fear_status"][:5] == "too few reports").all()
    assert (res.frame["fear_gap"][:5] == "").all()
    reports[:5] = 6  # people here do use StreetSafe, far less than the crime predicts
    res = fear_vs_crime(reports, crimes, neighbourhood=False)
    assert (res.frame["fear_gap"][:5] == "crime_not_fear").all()
    assert res.counts["crime_not_fear"] == 5 and res.counts["tested"] == n


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        fear_vs_crime(np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        fear_vs_crime(np.ones(3), np.ones(3), alpha=0)
