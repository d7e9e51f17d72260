"""Local spatial autocorrelation: Local Moran's I (LISA), Getis-Ord Gi*, bivariate and EB-rate LISA.

Statistics follow esda exactly (the permutation kernel in :mod:`hotspots.stats.permutation` is
pinned to esda's answers by tests). p-values:

- esda 2.9 reports ``p_sim``, the *folded* (directed) pseudo p-value that GeoDa also shows:
  the share of permutations at least as extreme as the observed value *in the tail it falls
  in*, ``(min(#>=, #<=) + 1) / (P + 1)``. It is one-sided in disguise.
- We report the **two-sided** pseudo p-value ``min(1, 2 * p_sim)`` in ``lisa_p`` and ``gi_p``
  (Anselin 1995; the doubling is the rule esda itself announces for its next major release),
  and the folded value in ``lisa_p_folded``/``gi_p_folded`` for comparison with GeoDa.

References: Anselin (1995) Local indicators of spatial association, *Geographical Analysis*
27(2); Getis and Ord (1992), Ord and Getis (1995); Assunção and Reis (1999) for the EB rate;
Benjamini and Hochberg (1995) for the false discovery rate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.errors import DataError
from ..progress import CancelFn, Cancelled, ProgressFn
from .fdr import fdr_threshold
from .global_moran import global_moran

__all__ = ["ClusterResult", "analyse_clusters", "bivariate_lisa", "global_moran", "fdr_threshold",
           "QUAD_LABELS"]

#: esda's quadrant codes (``Moran_Local.q``) -> labels
QUAD_LABELS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


@dataclass
class ClusterResult:
    """Tidy per-LSOA columns plus the global statistic and the significance thresholds used."""

    frame: pd.DataFrame
    global_moran: dict
    thresholds: dict = field(default_factory=dict)
    engine: str = "esda"
    draws: str = "esda"


def _fresh(w):
    """A libpysal ``W`` copy of ``w``, so esda's in-place transforms never touch the caller's weights."""
    if hasattr(w, "to_libpysal"):
        return w.to_libpysal()
    from libpysal.weights import W

    return W(w.neighbors, w.weights, id_order=w.id_order, silence_warnings=True)


def _esda_local(y, w, permutations, seed, n_jobs, rate):
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if rate is not None:
            lm = esda.Moran_Local_Rate(rate[0], rate[1], _fresh(w), transformation="r",
                                       permutations=permutations, seed=seed, n_jobs=n_jobs)
        else:
            lm = esda.Moran_Local(y, _fresh(w), transformation="r", permutations=permutations,
                                  seed=seed, n_jobs=n_jobs, keep_simulations=True)
        gi = esda.G_Local(y, _fresh(w), transform="R", permutations=permutations, star=True,
                          seed=seed, n_jobs=n_jobs, keep_simulations=True)
    # esda stores G_Local's p_sim as float32: snap both back onto the (m + 1) / (P + 1) grid so a
    # p of exactly 0.025 doubles to exactly 0.05 and is judged as the fast engine judges it
    grid = permutations + 1.0
    p_fold = np.round(np.asarray(lm.p_sim, float) * grid) / grid
    gi_fold = np.round(np.asarray(gi.p_sim, float) * grid) / grid
    return (np.asarray(lm.Is, float), p_fold, _two_sided(p_fold, lm.z), np.asarray(lm.q, int),
            np.asarray(gi.Zs, float), gi_fold, _two_sided(gi_fold, None))


def _two_sided(p_fold: np.ndarray, z: np.ndarray | None) -> np.ndarray:
    """min(1, 2 p_sim); 1 where the local value is exactly the mean (every simulation ties)."""
    p = np.minimum(1.0, 2 * p_fold)
    if z is not None:
        p = np.where(np.asarray(z) == 0, 1.0, p)
    return p


def _fast_local(y, w, permutations, seed, n_jobs, rate, progress, cancel, draws="esda"):
    """Our kernel: the same numbers as esda, one shared draw for LISA and Gi*."""
    from . import permutation as perm

    def sub(a, b):
        if progress is None:
            return None
        return lambda f: progress("Permutations", a + (b - a) * f)

    if rate is not None:
        lm = perm.local_moran_rate(rate[0], rate[1], w, permutations=permutations, seed=seed,
                                   n_jobs=n_jobs, progress=sub(0.0, 0.5), cancel=cancel, draws=draws)
        gi = perm.local_gstar(y, w, permutations=permutations, seed=seed, n_jobs=n_jobs,
                              progress=sub(0.5, 1.0), cancel=cancel, draws=draws)
    else:
        lm, gi = perm.local_moran_and_gstar(y, w, permutations=permutations, seed=seed, n_jobs=n_jobs,
                                            progress=sub(0.0, 1.0), cancel=cancel, draws=draws)
    return lm.stat, lm.p_sim, lm.p_two_sided, np.asarray(lm.quad, int), gi.z, gi.p_sim, gi.p_two_sided


def _check_values(y: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(y)):
        raise DataError(None, f"{int((~np.isfinite(y)).sum())} LSOAs have no value for the {what}",
                        hint="check the population / input columns for missing values", setting="measure")
    if np.nanstd(y) == 0:
        raise DataError(None, f"the {what} is the same ({y[0]:g}) in every LSOA, so there is nothing to cluster",
                        hint="widen the crime types or months, or pick another measure", setting="measure")


def analyse_clusters(
    y: np.ndarray,
    w,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    fdr: bool = False,
    n_jobs: int = 1,
    rate: tuple[np.ndarray, np.ndarray] | None = None,
    engine: str = "fast",
    draws: str = "esda",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ClusterResult:
    """Local Moran's I and Gi* for ``y`` with two-sided permutation p-values.

    Parameters
    ----------
    y : values per area (the analysed measure), aligned with ``w.id_order``
    w : binary weights (transformed internally: row-standardised for LISA and Gi*)
    rate : (events, population) for the empirical-Bayes rate LISA (Assunção and Reis 1999)
    engine : "fast" (our vectorised kernel, identical to esda) or "esda"
    draws : "esda" (esda's own permutation stream: the same seed gives esda's p-values exactly)
        or "fast" (same distribution, no shuffle per permutation; the fast engine only)
    """
    y = np.asarray(y, float)
    _check_values(y, "measure")
    if not 0 < alpha < 1:
        raise DataError(None, f"alpha {alpha} is not between 0 and 1", hint="use e.g. 0.05", setting="alpha")
    if permutations < 99:
        raise DataError(None, f"{permutations} permutations cannot give p-values below {1/(permutations+1):.3f}",
                        hint="use at least 99 (999 is the default and GeoDa's)", setting="permutations")
    if cancel and cancel():
        raise Cancelled()
    if engine == "fast":
        lisa_i, p_fold, lisa_p, q, gi_z, gi_fold, gi_p = _fast_local(y, w, permutations, seed, n_jobs, rate,
                                                                       progress, cancel, draws)
    else:
        lisa_i, p_fold, lisa_p, q, gi_z, gi_fold, gi_p = _esda_local(y, w, permutations, seed, n_jobs, rate)
    thresholds = {"alpha": alpha, "fdr": fdr}
    cut = fdr_threshold(lisa_p, alpha) if fdr else alpha
    thresholds["lisa_p_cutoff"] = cut
    sig = lisa_p <= cut
    labels = np.array([QUAD_LABELS.get(int(k), "ns") for k in q], dtype=object)
    cluster = np.where(sig, labels, "ns")
    levels = {3: 0.01, 2: 0.05, 1: 0.10}
    gi_bin = np.zeros(len(y), dtype=int)
    for b in (1, 2, 3):  # ascending so stronger bins overwrite weaker
        c = fdr_threshold(gi_p, levels[b]) if fdr else levels[b]
        thresholds[f"gi_p_cutoff_{int(round((1 - levels[b]) * 100))}"] = c
        gi_bin = np.where(gi_p <= c, b, gi_bin)
    gi_bin = (gi_bin * np.sign(gi_z)).astype(int)
    frame = pd.DataFrame({
        "lisa_i": lisa_i, "lisa_p": lisa_p, "lisa_p_folded": p_fold, "lisa_q": q,
        "lisa_cluster": cluster, "gi_z": gi_z, "gi_p": gi_p, "gi_p_folded": gi_fold, "gi_bin": gi_bin,
    })
    gm = global_moran(rate_values(rate) if rate is not None else y, w, permutations=permutations, seed=seed,
                      cancel=cancel)
    return ClusterResult(frame=frame, global_moran=gm, thresholds=thresholds, engine=engine,
                         draws=draws if engine == "fast" else "esda")


def rate_values(rate: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Empirical-Bayes standardised rates (Assunção and Reis 1999), as esda's Moran_Rate uses."""
    from esda.smoothing import assuncao_rate

    return np.asarray(assuncao_rate(np.asarray(rate[0], float), np.asarray(rate[1], float)), float)


def bivariate_lisa(
    x: np.ndarray,
    y: np.ndarray,
    w,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Bivariate Local Moran: ``x`` here against the spatial lag of ``y`` around it (esda Moran_Local_BV).

    Use it for "crime here vs pubs around" or "crime vs deprivation" maps. Labels read
    HH = high x surrounded by high y.
    """
    import esda

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    _check_values(x, "first variable")
    _check_values(y, "second variable")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bv = esda.Moran_Local_BV(x, y, _fresh(w), transformation="r", permutations=permutations,
                                 seed=seed, n_jobs=n_jobs, keep_simulations=True)
    p = np.minimum(1.0, 2 * np.asarray(bv.p_sim, float))
    labels = np.array([QUAD_LABELS.get(int(k), "ns") for k in bv.q], dtype=object)
    return pd.DataFrame({"bv_i": bv.Is, "bv_p": p, "bv_cluster": np.where(p <= alpha, labels, "ns")})
