"""The fear-vs-crime test: exact p-values, the dispersion fit, BH, coverage, and its size on nulls shaped like
StreetSafe data (repeat reporters, patchy uptake) and its power on a planted area."""

from __future__ import annotations

import numpy as np
import pytest
from libpysal.weights import lat2W
from scipy import stats

from hotspots.streetsafe.fear_test import (
    MIN_OWN_REPORTS,
    Dispersion,
    estimate_dispersion,
    fear_vs_crime,
    neighbourhood_sums,
)

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


def test_p_values_are_exact_negative_binomial_tails_and_bh_matches_scipy() -> None:
    """With a given dispersion, each p is the doubled smaller exact tail of NB(mean e, variance V)."""
    reports = np.array([0, 3, 9, 12, 30, 7, 1, 5])
    crimes = np.array([50, 400, 60, 900, 200, 700, 10, 100])
    disp = Dispersion(phi=2.0, a1=0.0, a2=0.1)
    res = fear_vs_crime(reports, crimes, neighbourhood=False, min_reports=1, alpha=0.05, dispersion=disp)
    f = res.frame
    e = reports.sum() * crimes / crimes.sum()
    for i in range(len(reports)):
        if reports[i] < 1:
            assert np.isnan(f["fear_p"][i]) and f["fear_status"][i] == "too few reports"
            continue
        v = 2.0 * e[i] + 0.1 * e[i] ** 2 + e[i] ** 2 / crimes[i]
        size, prob = e[i] ** 2 / (v - e[i]), e[i] / v  # an independent parametrisation of the same NB
        more = stats.nbinom(size, prob).sf(reports[i] - 1)
        less = stats.nbinom(size, prob).cdf(reports[i])
        assert f["fear_p"][i] == pytest.approx(min(1.0, 2 * min(more, less)), rel=1e-9)
    tested = f["fear_status"] == "tested"
    q = stats.false_discovery_control(f["fear_p"][tested].to_numpy(), method="bh")
    sig = q <= 0.05
    own3 = (reports[tested] >= MIN_OWN_REPORTS) | (reports[tested] < e[tested])
    assert ((sig & own3) == (f["fear_gap"][tested] != "")).all()
    assert f["fear_expected"].to_numpy() == pytest.approx(e)


def test_dispersion_is_estimated_from_the_data() -> None:
    """Poisson data give phi ~ 1; clustered reports (1 + Poisson(1) each) give phi ~ 2.5; gamma uptake a > 0."""
    rng = np.random.default_rng(3)
    lam = _crime_intensity(rng)
    crimes = rng.poisson(lam)
    e = 3000 * lam / lam.sum()
    plain = estimate_dispersion(rng.poisson(e).astype(float), e, crimes.astype(float))
    assert plain.phi < 1.2 and plain.a2 < 0.05
    people = rng.poisson(e / 2)
    clustered = np.array([(1 + rng.poisson(1.0, k)).sum() for k in people], float)
    rep = estimate_dispersion(clustered, e, crimes.astype(float))
    assert 1.7 < rep.phi + rep.a2 * np.median(e) < 3.2  # true 2.5; small skewed counts pull it down a little
    patchy = rng.poisson(e * rng.gamma(2.0, 0.5, len(e))).astype(float)
    gam = estimate_dispersion(patchy, e, crimes.astype(float))
    assert 0.3 < gam.a2 < 0.75  # Var = e + 0.5 e^2


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
    poisson = Dispersion()  # the coverage rule under test, not the dispersion fit (40 made-up LSOAs)
    res = fear_vs_crime(reports, crimes, neighbourhood=False, dispersion=poisson)
    assert (res.frame["fear_status"][:5] == "too few reports").all()
    assert (res.frame["fear_gap"][:5] == "").all()
    reports[:5] = 6  # people here do use StreetSafe, far less than the crime predicts
    res = fear_vs_crime(reports, crimes, neighbourhood=False, dispersion=poisson)
    assert (res.frame["fear_gap"][:5] == "crime_not_fear").all()
    assert res.counts["crime_not_fear"] == 5 and res.counts["tested"] == n


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        fear_vs_crime(np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        fear_vs_crime(np.ones(3), np.ones(3), alpha=0)


def _repeat_reporters(rng: np.random.Generator, lam: np.ndarray, total: int, w) -> np.ndarray:
    """Each person files 1 + Poisson(1) reports near one spot (a crime-weighted cell; a quarter spill next door)."""
    counts = np.zeros(len(lam), np.int64)
    got = 0
    p = lam / lam.sum()
    while got < total:
        people = rng.choice(len(lam), size=max(1, (total - got) // 2), p=p)
        for cell in people:
            for _ in range(1 + rng.poisson(1.0)):
                nb = w.neighbors[cell]
                where = cell if rng.random() > 0.25 or not nb else nb[rng.integers(len(nb))]
                counts[where] += 1
                got += 1
    return counts


@pytest.mark.parametrize("total", [1000, 3000])
@pytest.mark.parametrize("shape", ["repeat reporters", "patchy uptake", "patchy areas"])
def test_size_on_nulls_shaped_like_streetsafe(shape: str, total: int) -> None:
    """No gap anywhere, reports shaped as real StreetSafe data: <= 1 label a map (repeat), <= 3 (patchy).

    The binomial test this replaced labelled 7-19 (repeat) and 5-49 (patchy) Kent LSOAs a map.
    """
    w = _w()
    labels = []
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        lam = _crime_intensity(rng)
        crimes = rng.poisson(lam)
        if shape == "repeat reporters":
            reports = _repeat_reporters(rng, lam, total, w)
        else:
            if shape == "patchy uptake":  # Gamma(2) factor per LSOA
                g = rng.gamma(2.0, 0.5, SIDE * SIDE)
            else:  # Gamma(2) factor per 5 x 5 block of LSOAs
                g = np.kron(rng.gamma(2.0, 0.5, (SIDE // 5, SIDE // 5)), np.ones((5, 5))).ravel()
            reports = rng.multinomial(total, lam * g / (lam * g).sum())
        hot = crimes > np.quantile(crimes, 0.9)
        res = fear_vs_crime(reports, crimes, w, crime_hot=hot)
        labels.append(int((res.frame["fear_gap"] != "").sum()))
    assert np.mean(labels) <= (1.0 if shape == "repeat reporters" else 3.0), labels


def test_power_a_planted_area_reporting_five_times_its_share() -> None:
    """An LSOA and its neighbours reporting 5x their share (3,000 reports): labelled in >= half its LSOAs."""
    w = _w()
    shares = []
    for seed in range(12):
        rng = np.random.default_rng(200 + seed)
        lam = _crime_intensity(rng)
        crimes = rng.poisson(lam)
        centre = int(rng.choice(np.flatnonzero(lam >= np.median(lam))))
        area = np.zeros(SIDE * SIDE, bool)
        area[[centre, *w.neighbors[centre]]] = True
        p = lam * np.where(area, 5.0, 1.0)
        reports = rng.multinomial(3000, p / p.sum())
        res = fear_vs_crime(reports, crimes, w, crime_hot=np.zeros(len(lam), bool))
        shares.append(np.mean(res.frame["fear_gap"][area] != ""))
        assert res.params["power"]["neighbourhood_ratio_for_80pct"] > 1.0
    assert np.mean(shares) >= 0.5 and np.mean(np.array(shares) >= 0.5) >= 0.75, shares


def test_no_fear_label_rests_on_fewer_than_three_own_reports() -> None:
    w = _w()
    rng = np.random.default_rng(9)
    lam = _crime_intensity(rng)
    crimes = rng.poisson(lam)
    reports = rng.multinomial(1000, crimes / crimes.sum())
    quiet = int(np.argmin(np.where(np.arange(SIDE * SIDE) % SIDE > 0, lam, np.inf)))
    for j in w.neighbors[quiet]:
        reports[j] += 12  # the neighbours report a lot ...
    reports[quiet] = 2  # ... the LSOA itself twice
    res = fear_vs_crime(reports, crimes, w, dispersion=Dispersion())
    assert res.frame["fear_gap"][quiet] == ""
    assert (res.frame["fear_gap"][w.neighbors[quiet]] == "fear_not_crime").any()
    assert not res.frame["fear_gap"][reports < MIN_OWN_REPORTS].isin(["fear_not_crime", "both"]).any()
