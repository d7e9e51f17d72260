"""Fear against recorded crime: a local test of StreetSafe reports *given* crime.

The question is "are there more (or fewer) StreetSafe reports here than recorded crime would
lead us to expect?". Comparing two significance flags (reports Gi* hot, crime Gi* not) does
not answer it: each flag carries its own noise, so with reports drawn from the crime records
(no gap by construction) such labels still appear by the dozen, and smoothing paints LSOAs
with no reports at all. This module tests the reports conditionally on the crime.

Method
------
For each LSOA *i*, its neighbourhood *N(i)* is the LSOA and its spatial-weights neighbours
(the analysis weights; ``neighbourhood=False`` tests the LSOA alone). With ``n`` reports and
``c`` crimes in *N(i)*, and ``R``, ``C`` the study totals, the null hypothesis is that reports
follow the same spatial intensity as recorded crime (report intensity = k x crime intensity):
``n`` has mean ``expected = R x c / C``.

Real StreetSafe reports are not independent Poisson events, and a test that assumes they are
(the conditional binomial test this module used before) labels LSOAs where there is no gap:
on Kent with reports placed in proportion to crime it labelled 7-19 LSOAs a map when each
person files 1 + Poisson(1) reports near one spot (repeat reporters), and 5-49 when uptake
varies by area (a Gamma(2) factor). So the variance of a neighbourhood's count is **estimated
from the data**, in the form

    Var(n) = phi x expected + a1 x sum_{j in N(i)} expected_j^2 + a2 x expected^2 + expected^2 / c

* ``phi >= 1``: clustering of reports (one person, several reports; quasi-Poisson);
* ``a1 >= 0``: uptake varying from LSOA to LSOA independently (each LSOA of the neighbourhood
  adds its own share of gamma-type variation: negative-binomial at the LSOA level);
* ``a2 >= 0``: uptake varying over areas wider than a neighbourhood (the whole neighbourhood
  shares the factor: negative-binomial at the neighbourhood level);
* ``expected^2 / c``: the Poisson noise of the crime count behind ``expected`` (the conditional
  binomial test's allowance for it; negligible when crimes far outnumber reports).

The three parameters are fitted together by moments to the squared residuals of every LSOA on
its own (where ``a1`` and ``a2`` act alike) and of every neighbourhood (where they differ),
by iteratively reweighted non-negative least squares (weights ``1 / Var``) with squared
Pearson residuals capped at 4 sd, so that a real fear gap does not inflate the dispersion it is
then judged against. Each neighbourhood's count is then
compared with a negative binomial of that mean and variance (Poisson when the data show no
overdispersion, which is close to the old binomial test): exact two-sided p-value
``p = min(1, 2 min(P(X >= n), P(X <= n)))``, adjusted over the tested LSOAs by
Benjamini-Hochberg (1995) at ``alpha``; overlapping neighbourhoods are positively dependent,
for which BH remains valid (Benjamini and Yekutieli 2001). The fitted ``phi``, ``a1``, ``a2``
are in ``params`` (summary.json). A neighbourhood with reports but no recorded crime is tested
as if it held one crime (zero crimes is not zero risk; its ``fear_expected`` stays 0).

Labels (``fear_gap``)
---------------------
* ``fear_not_crime``: significantly more reports than crime predicts, the LSOA itself has at
  least ``MIN_OWN_REPORTS`` (3) reports and more than its own expected share (a label never
  rests on one or two reports of its own, or on its neighbours' reports alone), and recorded
  crime is not hot there.
* ``both``: the same significant excess of reports where recorded crime is *also* a hot spot
  (crime Gi* at 95%+): the places where fear runs higher still than a crime hot spot explains.
  It is deliberately not "crime hot and reports merely in line": under the null every crime hot
  spot has reports in line, so that label would flag most hot spots when there is no gap.
* ``crime_not_fear``: significantly fewer reports than crime predicts, where there is coverage.
* ``""`` otherwise (no evidence of a gap either way).

Coverage, testability and power (``fear_status``, ``params["power"]``)
---------------------------------------------------------------------
StreetSafe use is patchy: an area where nobody has heard of it reports nothing whatever its
fear. Zero reports are absence of data, not absence of fear, so a neighbourhood is tested only
when it holds at least ``min_reports`` reports (default 5): evidence that people there use
StreetSafe. Below that, ``fear_status`` is ``"too few reports"`` (not testable: no label in
either direction, out of the BH family; the map shows these LSOAs as "not testable"). An LSOA
with fewer than ``MIN_OWN_REPORTS`` reports of its own is never labelled fear.

Power is stated, not assumed: ``params["power"]`` gives, for the median tested neighbourhood
and for a single LSOA of median expected count, the ratio of reports to expected at which the
excess is found with 80% probability at the Bonferroni level ``alpha / tested`` (BH's first
rejection). With a few thousand reports over a county a whole neighbourhood needs roughly
two to three times its expected reports; a single LSOA on its own, several times more (a
lone LSOA is rarely detectable, which is why neighbourhoods are tested).

Limits
------
Recorded crime is a proxy for risk with its own reporting biases; StreetSafe users are not a
random sample (mostly women and girls who know the app); the dispersion is estimated once for
the study (a variance that changes from place to place in other ways than the model allows is
not captured); a neighbourhood test locates a gap to within an LSOA and its neighbours, not to
a street. A label is a reason to look, not a finding on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ..stats.fdr import fdr_threshold

__all__ = ["FEAR_GAP_VALUES", "FearTest", "fear_vs_crime", "neighbourhood_sums", "MIN_OWN_REPORTS",
           "Dispersion", "estimate_dispersion"]

#: Values of the ``fear_gap`` column ("" = no label).
FEAR_GAP_VALUES = ("", "fear_not_crime", "crime_not_fear", "both")
#: Default fewest reports in a neighbourhood for it to be tested ("coverage").
MIN_REPORTS = 5
#: Fewest reports of its own an LSOA needs to carry a fear label.
MIN_OWN_REPORTS = 3
#: Squared Pearson residuals are capped at this many variances in the dispersion fit (4 sd; at 3 sd
#: the skewed small counts of repeat reporters lost a quarter of their variance) ...
_CAP = 16.0
#: ... and divided by E[min(Z^2, 16)] for a standard normal Z, so the cap does not shrink the estimate
_CAP_CONSISTENCY = 0.99986
#: power is stated for this probability of finding an excess
POWER = 0.80


@dataclass
class FearTest:
    """Result of :func:`fear_vs_crime`.

    Attributes
    ----------
    frame : one row per LSOA (table order): ``fear_reports`` and ``fear_crimes`` (neighbourhood
        counts), ``fear_expected`` (reports expected from crime), ``fear_ratio`` (observed /
        expected), ``fear_p`` (exact two-sided negative-binomial p-value with the estimated
        dispersion, NaN untested), ``fear_status`` ("tested" or "too few reports"), ``fear_gap``
    counts : label -> LSOAs, plus "tested" and "too few reports"
    params : the settings, the fitted dispersion and the power, for summary.json
    """

    frame: pd.DataFrame
    counts: dict[str, int]
    params: dict[str, object]


@dataclass(frozen=True)
class Dispersion:
    """``Var(n) = phi e + a1 sum e_j^2 + a2 e^2 + e^2 / c`` (module notes)."""

    phi: float = 1.0
    a1: float = 0.0
    a2: float = 0.0

    def variance(self, e: np.ndarray, q: np.ndarray, c: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            crime_noise = np.where(c > 0, e * e / np.maximum(c, 1e-300), 0.0)
        return self.phi * e + self.a1 * q + self.a2 * e * e + crime_noise


def neighbourhood_sums(values: np.ndarray, adjacency: sparse.spmatrix | None) -> np.ndarray:
    """Each unit's value plus its neighbours' (binary adjacency, self added once)."""
    v = np.asarray(values, float)
    if adjacency is None:
        return v.copy()
    return v + _binary_off_diagonal(adjacency) @ v


def _binary_off_diagonal(adjacency: sparse.spmatrix) -> sparse.csr_matrix:
    a = sparse.csr_matrix(adjacency, dtype=float)
    a.data[:] = 1.0
    a.setdiag(0.0)
    a.eliminate_zeros()
    return a


def _adjacency(weights: object | None, n: int) -> sparse.csr_matrix | None:
    """A scipy CSR adjacency from our Weights, a libpysal W, a matrix, or None."""
    if weights is None:
        return None
    if sparse.issparse(weights) or isinstance(weights, np.ndarray):
        return sparse.csr_matrix(weights)
    sp = weights.sparse
    if not sparse.issparse(sp):  # hotspots.stats.weights CSR
        sp = sparse.csr_matrix((np.ones(len(sp.indices)), sp.indices, sp.indptr), shape=(n, n))
    return sparse.csr_matrix(sp)


def estimate_dispersion(own_r: np.ndarray, own_e: np.ndarray, own_c: np.ndarray,
                        r: np.ndarray | None = None, e: np.ndarray | None = None, q: np.ndarray | None = None,
                        c: np.ndarray | None = None, *, iterations: int = 12) -> Dispersion:
    """Fit ``phi >= 1``, ``a1, a2 >= 0`` by capped, reweighted moments (module notes).

    ``own_*`` are per LSOA (reports, expected, crimes); ``r, e, q, c`` per neighbourhood
    (reports, expected, sum of its LSOAs' squared expected, crimes), None for the LSOA-alone
    test (``a1`` and ``a2`` then act alike and are reported as ``a2``).
    """
    from scipy.optimize import nnls

    rows_r, rows_e, rows_q, rows_c, rows_x = [], [], [], [], []
    use = own_e > 0
    rows_r.append(own_r[use])
    rows_e.append(own_e[use])
    rows_q.append(own_e[use] ** 2)
    rows_c.append(own_c[use])
    if r is not None:
        nb = e > 0
        rows_r.append(r[nb])
        rows_e.append(e[nb])
        rows_q.append(q[nb])
        rows_c.append(c[nb])
    rr, ee, qq, cc = (np.concatenate(v) for v in (rows_r, rows_e, rows_q, rows_c))
    if len(rr) < 3:
        return Dispersion()
    rows_x = np.column_stack([ee, qq, ee * ee]) if r is not None else np.column_stack([ee, ee * ee])
    fit = Dispersion()
    for _ in range(iterations):
        v = fit.variance(ee, qq, cc)
        d2 = np.minimum((rr - ee) ** 2, _CAP * v) / _CAP_CONSISTENCY
        base = Dispersion().variance(ee, qq, cc)  # phi = 1, no extra variation
        w = 1.0 / np.maximum(v, 1e-12)
        theta, _ = nnls(rows_x * w[:, None], (d2 - base) * w)
        new = (Dispersion(1.0 + theta[0], theta[1], theta[2]) if r is not None
               else Dispersion(1.0 + theta[0], 0.0, theta[1]))
        done = np.allclose([new.phi, new.a1, new.a2], [fit.phi, fit.a1, fit.a2], rtol=1e-4, atol=1e-6)
        fit = new
        if done:
            break
    return fit


def _nb_params(e: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scipy's ``nbinom(size, prob)`` with mean ``e`` and variance ``v > e``."""
    size = e * e / (v - e)
    return size, e / v


def _two_sided_p(k: np.ndarray, e: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Exact two-sided p of count ``k``: negative binomial of mean ``e``, variance ``v`` (Poisson if ``v <= e``)."""
    from scipy import stats

    p = np.ones(len(k))
    nb = v > e * (1 + 1e-9)
    if nb.any():
        size, prob = _nb_params(e[nb], v[nb])
        more = stats.nbinom.sf(k[nb] - 1, size, prob)
        fewer = stats.nbinom.cdf(k[nb], size, prob)
        p[nb] = np.minimum(1.0, 2.0 * np.minimum(more, fewer))
    if (~nb).any():
        more = stats.poisson.sf(k[~nb] - 1, e[~nb])
        fewer = stats.poisson.cdf(k[~nb], e[~nb])
        p[~nb] = np.minimum(1.0, 2.0 * np.minimum(more, fewer))
    return p


def detectable_ratio(e: np.ndarray, v_of: object, level: float, power: float = POWER) -> np.ndarray:
    """Ratio of reports to expected at which the excess is found with probability ``power``.

    The critical count ``k*`` is the smallest with two-sided p <= ``level``; the ratio ``rho``
    is the smallest (on a grid) with ``P(X >= k*) >= power`` when ``X`` has mean ``rho e`` and
    the variance the same dispersion gives for that mean (``v_of(mean)``).
    """
    from scipy import stats

    e = np.asarray(e, float)
    out = np.full(len(e), np.nan)
    rhos = np.exp(np.linspace(0.0, np.log(50.0), 200))
    for i, ei in enumerate(e):
        if not ei > 0:
            continue
        v0 = float(v_of(np.array([ei]))[0])
        ks = np.arange(0, int(ei + 60 * np.sqrt(v0) + 60))
        p = _two_sided_p(ks, np.full(len(ks), ei), np.full(len(ks), v0))
        crit = ks[(ks > ei) & (p <= level)]
        if not len(crit):
            continue
        kstar = int(crit[0])
        mu = rhos * ei
        v = np.asarray(v_of(mu), float)
        nb = v > mu * (1 + 1e-9)
        got = np.empty(len(mu))
        size, prob = _nb_params(mu[nb], v[nb])
        got[nb] = stats.nbinom.sf(kstar - 1, size, prob)
        got[~nb] = stats.poisson.sf(kstar - 1, mu[~nb])
        ok = got >= power
        out[i] = rhos[ok][0] if ok.any() else np.inf
    return out


def fear_vs_crime(reports: np.ndarray, crimes: np.ndarray, weights: object | None = None, *,
                  crime_hot: np.ndarray | None = None, alpha: float = 0.05,
                  min_reports: int = MIN_REPORTS, neighbourhood: bool = True,
                  dispersion: Dispersion | None = None) -> FearTest:
    """Test each LSOA neighbourhood's StreetSafe reports against its recorded crime.

    Parameters
    ----------
    reports, crimes : counts per LSOA (table order)
    weights : spatial weights defining neighbours (``Weights``, libpysal ``W`` or a sparse
        adjacency); ignored when ``neighbourhood`` is False
    crime_hot : bool per LSOA, True where recorded crime is a hot spot (e.g. Gi* bin >= 2);
        separates ``both`` from ``fear_not_crime`` (all False when None)
    alpha : false discovery rate (Benjamini-Hochberg) over the tested LSOAs
    min_reports : fewest reports in a neighbourhood for it to be tested (coverage)
    neighbourhood : test the LSOA and its neighbours (True) or the LSOA alone
    dispersion : a known variance model (tests); estimated from the data when None

    Returns
    -------
    FearTest
    """
    own_r = np.asarray(reports, float)
    own_c = np.asarray(crimes, float)
    n = len(own_r)
    if len(own_c) != n:
        raise ValueError(f"reports ({n}) and crimes ({len(own_c)}) must be per LSOA")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    adj = _adjacency(weights, n) if neighbourhood else None
    r = neighbourhood_sums(own_r, adj)
    c = neighbourhood_sums(own_c, adj)
    total_r, total_c = own_r.sum(), own_c.sum()
    share = total_r / total_c if total_c > 0 else np.nan
    expected = share * c if total_c > 0 else np.full(n, np.nan)
    own_expected = share * own_c if total_c > 0 else np.full(n, np.nan)
    q = neighbourhood_sums(own_expected ** 2, adj) if total_c > 0 else np.full(n, np.nan)
    tested = (r >= min_reports) & (total_r > 0) & (total_c > 0)
    # a neighbourhood with no recorded crime is tested as if it had one: zero crimes is not zero risk
    # (the conditional binomial test this replaced tested it too); its expected column stays 0
    c_test = np.maximum(c, 1.0)
    e_test = np.where(c >= 1, expected, share * c_test) if total_c > 0 else expected
    q_test = np.where(c >= 1, q, e_test ** 2) if total_c > 0 else q
    if dispersion is None:
        dispersion = (estimate_dispersion(own_r, own_expected, own_c, *((r, expected, q, c) if adj is not None
                                                                       else (None, None, None, None)))
                      if total_r > 0 and total_c > 0 else Dispersion())
    var = dispersion.variance(e_test, q_test, c_test) if total_c > 0 else np.full(n, np.nan)
    p = np.full(n, np.nan)
    if tested.any():
        p[tested] = _two_sided_p(np.rint(r[tested]), e_test[tested], var[tested])
    cut = fdr_threshold(p[tested], alpha) if tested.any() else 0.0
    sig = tested & (p <= cut) & (cut > 0)
    excess = sig & (r > e_test)  # more reports than the crime predicts
    deficit = sig & (r < e_test)
    hot = np.zeros(n, bool) if crime_hot is None else np.asarray(crime_hot, bool)
    own_more = (own_r >= MIN_OWN_REPORTS) & (own_r > own_expected)
    gap = np.full(n, "", dtype=object)
    gap[excess & own_more & ~hot] = "fear_not_crime"
    gap[excess & own_more & hot] = "both"
    gap[deficit & (own_r < own_expected)] = "crime_not_fear"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, r / expected, np.nan)
    frame = pd.DataFrame({
        "fear_reports": r.astype(np.int64), "fear_crimes": c.astype(np.int64),
        "fear_expected": expected, "fear_ratio": ratio, "fear_p": p,
        "fear_status": np.where(tested, "tested", "too few reports").astype(object),
        "fear_gap": gap,
    })
    counts = {label: int((gap == label).sum()) for label in FEAR_GAP_VALUES[1:]}
    counts.update({"tested": int(tested.sum()), "too few reports": int((~tested).sum())})
    params = {"method": "negative-binomial test of reports given recorded crime, dispersion estimated from "
                        "the data (repeat reporters, patchy uptake), Benjamini-Hochberg FDR",
              "alpha": alpha, "min_reports": int(min_reports), "min_own_reports": MIN_OWN_REPORTS,
              "neighbourhood": "LSOA and its neighbours" if adj is not None else "LSOA alone",
              "report_share": float(total_r / (total_r + total_c)) if total_r + total_c > 0 else 0.0,
              "fdr_p_cutoff": float(cut),
              "dispersion": {"phi": round(float(dispersion.phi), 4), "a1": round(float(dispersion.a1), 5),
                             "a2": round(float(dispersion.a2), 5)},
              "power": _power(tested, expected, own_expected, dispersion, alpha, share)}
    return FearTest(frame=frame, counts=counts, params=params)


def _power(tested: np.ndarray, expected: np.ndarray, own_expected: np.ndarray, disp: Dispersion, alpha: float,
           share: float) -> dict[str, object]:
    """What excess the test can find: the median tested neighbourhood and a median LSOA alone."""
    m = int(tested.sum())
    if not m or not np.isfinite(share) or share <= 0:
        return {"note": "nothing tested"}
    level = alpha / m  # BH's first rejection needs p <= alpha / tested
    e_nb = float(np.median(expected[tested]))
    own = own_expected[own_expected > 0]
    e_own = float(np.median(own)) if len(own) else 0.0
    # variance at mean ``mu`` of a neighbourhood (or lone LSOA) whose expected count is ``e``:
    # phi mu + (a1 / k + a2) mu^2 with k LSOAs of equal share (k = 7 for a typical neighbourhood)
    k_nb = 7.0

    def v_nb(mu: np.ndarray) -> np.ndarray:
        return disp.phi * mu + (disp.a1 / k_nb + disp.a2) * mu * mu

    def v_own(mu: np.ndarray) -> np.ndarray:
        return disp.phi * mu + (disp.a1 + disp.a2) * mu * mu

    r_nb = float(detectable_ratio(np.array([e_nb]), v_nb, level)[0])
    r_own = float(detectable_ratio(np.array([e_own]), v_own, level)[0]) if e_own > 0 else float("nan")

    def fmt(x: float) -> str:
        return "never" if not np.isfinite(x) else f"{x:.1f}x"

    return {"median_neighbourhood_expected": round(e_nb, 2), "neighbourhood_ratio_for_80pct": (
                round(r_nb, 2) if np.isfinite(r_nb) else None),
            "median_lsoa_expected": round(e_own, 2),
            "single_lsoa_ratio_for_80pct": round(r_own, 2) if np.isfinite(r_own) else None,
            "note": (f"an excess is found with 80% probability when a neighbourhood (median: {e_nb:.1f} reports "
                     f"expected) has about {fmt(r_nb)} its expected reports; a single LSOA on its own "
                     f"({e_own:.1f} expected) would need {fmt(r_own)}")}
