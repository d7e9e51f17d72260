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
follow the same spatial intensity as recorded crime (report intensity = k x crime intensity).
For two Poisson counts with proportional means, conditional on ``m = n + c`` the report count
is binomial, ``n ~ Bin(m, pi)`` with ``pi = R / (R + C)`` (the conditional test of two Poisson
rates; Przyborowski and Wilenski 1940; the Poisson model of Kulldorff's 1997 spatial scan with
crime as the "population"). When crimes far outnumber reports this is the Poisson test of
``n`` against ``expected = R x c / C`` (total reports x the neighbourhood's share of crime),
and, unlike that test, it does not treat the crime count as exact. The exact two-sided
p-value ``p = min(1, 2 min(P(X >= n), P(X <= n)))`` is adjusted over the tested LSOAs by
Benjamini-Hochberg (1995) at ``alpha``; overlapping neighbourhoods are positively dependent, for
which BH remains valid (Benjamini and Yekutieli 2001).

Labels (``fear_gap``)
---------------------
* ``fear_not_crime``: significantly more reports than crime predicts, the LSOA itself has at
  least one report and more than its own expected share, and recorded crime is not hot there.
* ``both``: the same significant excess of reports where recorded crime is *also* a hot spot
  (crime Gi* at 95%+): the places where fear runs higher still than a crime hot spot explains.
  It is deliberately not "crime hot and reports merely in line": under the null every crime hot
  spot has reports in line, so that label would flag most hot spots when there is no gap.
* ``crime_not_fear``: significantly fewer reports than crime predicts, where there is coverage.
* ``""`` otherwise (no evidence of a gap either way).

Coverage and "too few reports" (``fear_status``)
------------------------------------------------
StreetSafe use is patchy: an area where nobody has heard of it reports nothing whatever its
fear. Zero reports are absence of data, not absence of fear, so a neighbourhood is tested only
when it holds at least ``min_reports`` reports (default 5): evidence that people there use
StreetSafe. Below that, ``fear_status`` is ``"too few reports"`` and no label is given, in either
direction; the LSOA also drops out of the BH family. An LSOA with no reports of its own is never
labelled fear.

Limits
------
Recorded crime is a proxy for risk with its own reporting biases; StreetSafe users are not a
random sample (mostly women and girls who know the app); the exact binomial test is
conservative for small counts; reports from one person repeated in one place are not
independent; and a neighbourhood test locates a gap to within an LSOA and its neighbours, not to
a street. A label is a reason to look, not a finding on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ..stats.fdr import fdr_threshold

__all__ = ["FEAR_GAP_VALUES", "FearTest", "fear_vs_crime", "neighbourhood_sums"]

#: Values of the ``fear_gap`` column ("" = no label).
FEAR_GAP_VALUES = ("", "fear_not_crime", "crime_not_fear", "both")
#: Default fewest reports in a neighbourhood for it to be tested ("coverage").
MIN_REPORTS = 5


@dataclass
class FearTest:
    """Result of :func:`fear_vs_crime`.

    Attributes
    ----------
    frame : one row per LSOA (table order): ``fear_reports`` and ``fear_crimes`` (neighbourhood
        counts), ``fear_expected`` (reports expected from crime), ``fear_ratio`` (observed /
        expected), ``fear_p`` (exact two-sided conditional binomial p-value, NaN untested),
        ``fear_status`` ("tested" or "too few reports"), ``fear_gap``
    counts : label -> LSOAs, plus "tested" and "too few reports"
    params : the settings used, for summary.json
    """

    frame: pd.DataFrame
    counts: dict[str, int]
    params: dict[str, object]


def neighbourhood_sums(values: np.ndarray, adjacency: sparse.spmatrix | None) -> np.ndarray:
    """Each unit's value plus its neighbours' (binary adjacency, self added once)."""
    v = np.asarray(values, float)
    if adjacency is None:
        return v.copy()
    a = sparse.csr_matrix(adjacency, dtype=float)
    a.data[:] = 1.0
    a.setdiag(0.0)
    a.eliminate_zeros()
    return v + a @ v


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


def fear_vs_crime(reports: np.ndarray, crimes: np.ndarray, weights: object | None = None, *,
                  crime_hot: np.ndarray | None = None, alpha: float = 0.05,
                  min_reports: int = MIN_REPORTS, neighbourhood: bool = True) -> FearTest:
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
    pi = total_r / (total_r + total_c) if total_r + total_c > 0 else 0.0
    expected = total_r * c / total_c if total_c > 0 else np.full(n, np.nan)
    own_expected = total_r * own_c / total_c if total_c > 0 else np.full(n, np.nan)
    tested = (r >= min_reports) & (total_r > 0) & (total_c > 0)
    m = np.rint(r + c).astype(np.int64)
    k = np.rint(r).astype(np.int64)
    p = np.full(n, np.nan)
    if tested.any():
        # here, not at import: scipy.stats costs ~0.5 s and most runs have no reports
        from scipy import stats

        more = stats.binom.sf(k[tested] - 1, m[tested], pi)  # P(X >= k)
        fewer = stats.binom.cdf(k[tested], m[tested], pi)  # P(X <= k)
        p[tested] = np.minimum(1.0, 2.0 * np.minimum(more, fewer))
    cut = fdr_threshold(p[tested], alpha) if tested.any() else 0.0
    sig = tested & (p <= cut) & (cut > 0)
    excess = sig & (r > pi * m)  # more reports than the crime predicts
    deficit = sig & (r < pi * m)
    hot = np.zeros(n, bool) if crime_hot is None else np.asarray(crime_hot, bool)
    own_more = (own_r >= 1) & (own_r > own_expected)
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
    params = {"method": "conditional binomial test of reports given recorded crime (two Poisson rates), "
                        "Benjamini-Hochberg FDR",
              "alpha": alpha, "min_reports": int(min_reports),
              "neighbourhood": "LSOA and its neighbours" if adj is not None else "LSOA alone",
              "report_share": float(pi), "fdr_p_cutoff": float(cut)}
    return FearTest(frame=frame, counts=counts, params=params)
