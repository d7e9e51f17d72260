"""Local spatial autocorrelation: Local Moran's I (LISA), Getis-Ord Gi*, bivariate and EB-rate LISA.

Three ways to draw the conditional permutations (``draws``):

- ``"stable"`` (default): every area has its own random stream keyed by (seed, area code),
  runs on the areas sorted by code, and areas whose p-value is still close to a cut-off get
  more permutations (sequential Monte Carlo): the map does not move with the row order and
  hardly with the seed. Ties count in both tails. :mod:`hotspots.stats.local_stable`.
- ``"esda"``: esda's own draws (one table shared by every site, row-indexed): the same seed
  gives numba-free esda's p-values exactly. Ties count in the upper tail only, as esda does.
- ``"fast"``: esda's scheme with a quicker draw of the shared table (same distribution).

p-values: ``*_p_directed`` is the directed pseudo p-value GeoDa shows (esda's ``p_sim``; esda
calls its scheme "directed", and its ``alternative="folded"`` is another test):
``(min(#sim >= obs, #sim <= obs) + 1) / (P + 1)`` with stable draws, ``(min(#sim >= obs, #sim <
obs) + 1) / (P + 1)`` with esda's (esda counts ties in the upper tail only); ``lisa_p`` and ``gi_p`` are the two-sided ``min(1, 2 p_directed)`` (Anselin 1995;
the doubling esda itself announces for its next major release). ``gi_z`` is the analytic Gi* z
with binary weights, as ArcGIS reports it (:mod:`hotspots.stats.analytic_z`); ``gi_bin`` stays on
the permutation ``gi_p``, and ``gi_perm_z`` (:func:`perm_z`) is that permutation p-value on the z
scale, signed like ``gi_z``, so the bin and a z come from one test. ``mc_permutations`` is the
number of draws each area got (sequential Monte Carlo: 199 for an area clearly far from every
cut-off, more near one), which bounds how precise its p-value is (no p below ``1 / (P + 1)``).

References: Anselin (1995) Local indicators of spatial association, *Geographical Analysis*
27(2); Getis and Ord (1992), Ord and Getis (1995); Assunção and Reis (1999) for the EB rate;
Benjamini and Hochberg (1995) for the false discovery rate; Besag and Clifford (1991) for
sequential Monte Carlo p-values.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.errors import DataError
from ..progress import CancelFn, Cancelled, ProgressFn
from .analytic_z import gstar_z_binary
from .fdr import fdr_min_permutations, fdr_nothing_rejected, fdr_threshold
from .global_moran import global_moran
from .kernel_weights import original
from .stability import stability_report

__all__ = ["ClusterResult", "analyse_clusters", "with_global_moran", "bivariate_lisa", "global_moran", "fdr_threshold", "perm_z",
           "QUAD_LABELS"]

#: esda's quadrant codes (``Moran_Local.q``) -> labels
QUAD_LABELS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


@dataclass
class ClusterResult:
    """Tidy per-LSOA columns plus the global statistic and the significance thresholds used.

    ``stability`` is the Monte Carlo error summary (:func:`hotspots.stats.stability.stability_report`)
    and ``warnings`` holds one-line messages for the user (e.g. an FDR step that rejected nothing).
    """

    frame: pd.DataFrame
    global_moran: dict | None
    thresholds: dict = field(default_factory=dict)
    engine: str = "esda"
    draws: str = "esda"
    stability: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: asked with ``moran_later``: the Global Moran's I still to work out (``global_moran`` is
    #: None until the caller runs it; :func:`with_global_moran`)
    moran_job: Callable[[], dict] | None = None


def with_global_moran(result: ClusterResult, moran: dict) -> ClusterResult:
    """``result`` with its Global Moran's I filled in (and no job left)."""
    from dataclasses import replace

    return replace(result, global_moran=moran, moran_job=None)


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
    draws: str = "stable",
    codes=None,
    max_permutations: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    moran_later: bool = False,
) -> ClusterResult:
    """Local Moran's I and Gi* for ``y`` with two-sided permutation p-values.

    Parameters
    ----------
    y : values per area (the analysed measure), aligned with ``w.id_order``
    w : binary weights (transformed internally: row-standardised for LISA and Gi*)
    rate : (events, population) for the empirical-Bayes rate LISA (Assunção and Reis 1999);
        Gi* then runs on ``y`` (the raw rate)
    engine : "fast" (our vectorised kernel) or "esda" (esda itself; implies esda's draws)
    draws : "stable" (default; per-area streams keyed by ``codes``, sequential Monte Carlo),
        "esda" (esda's own stream: the same seed gives numba-free esda's p-values exactly) or
        "fast" (esda's scheme, quicker shared draw)
    codes : area codes aligned with ``y`` (stable draws are keyed on them; row numbers if None)
    permutations : draws every area gets (all of them, for esda/fast draws)
    max_permutations : most draws an area near a cut-off gets with stable draws
        (default ``20 (permutations + 1) - 1``); raised with ``fdr`` to what BH needs
    moran_later : with stable draws, leave the Global Moran's I as ``moran_job`` (a nation's
        takes ~0.4 s on one core; the pipeline runs it beside the patrol spots)
    """
    y = np.asarray(y, float)
    _check_values(y, "measure")
    if not 0 < alpha < 1:
        raise DataError(None, f"alpha {alpha} is not between 0 and 1", hint="use e.g. 0.05", setting="alpha")
    if permutations < 99:
        raise DataError(None, f"{permutations} permutations cannot give p-values below {1/(permutations+1):.3f}",
                        hint="use at least 99 (999 is the default and GeoDa's)", setting="permutations")
    if draws not in ("stable", "esda", "fast"):
        raise DataError(None, f"unknown permutation draws '{draws}'", hint="use stable, esda or fast", setting="draws")
    if cancel and cancel():
        raise Cancelled()
    if engine == "esda":
        draws = "esda"
    n = len(y)
    if fdr and draws != "stable" and permutations < fdr_min_permutations(n, alpha):
        need = fdr_min_permutations(n, alpha)
        raise DataError(None, f"with {permutations:,} permutations no p-value can go below {2 / (permutations + 1):.2g}, "
                        f"but Benjamini-Hochberg over {n:,} areas at {alpha:g} needs {alpha / n:.2g}",
                        hint=f"use at least {need} permutations, or the default stable draws (which add "
                             "permutations only where they are needed)", setting="fdr")
    perms = np.full(n, int(permutations))
    top = int(permutations)
    if draws == "stable":
        from .local_stable import stable_local

        top = int(max_permutations) if max_permutations else 20 * (int(permutations) + 1) - 1
        out = stable_local(y, w, codes, permutations=int(permutations), max_permutations=top, seed=seed,
                           alpha=alpha, fdr=fdr, rate=rate, n_jobs=n_jobs,
                           progress=None if progress is None else (lambda f: progress("Permutations", f)),
                           cancel=cancel, moran_later=moran_later)
        lisa_i, p_fold, lisa_p, q, gi_fold, gi_p = (out.lisa_i, out.lisa_p_directed, out.lisa_p, out.quad,
                                                    out.gi_p_directed, out.gi_p)
        perms, top, gm = out.perms, out.max_permutations, out.global_moran
    elif engine == "fast":
        lisa_i, p_fold, lisa_p, q, _, gi_fold, gi_p = _fast_local(y, w, permutations, seed, n_jobs, rate,
                                                                    progress, cancel, draws)
    else:
        lisa_i, p_fold, lisa_p, q, _, gi_fold, gi_p = _esda_local(y, w, permutations, seed, n_jobs, rate)
    if draws != "stable":
        gm = global_moran(rate_values(rate) if rate is not None else y, w, permutations=permutations, seed=seed,
                          cancel=cancel)
    # in code order with stable draws, so the row order cannot change even the last bit
    gi_z = out.gi_z if draws == "stable" else gstar_z_binary(y, original(w))
    thresholds = {"alpha": alpha, "fdr": fdr}
    warn: list[str] = []
    floor = 2.0 / (perms.max() + 1.0)
    cut = fdr_threshold(lisa_p, alpha) if fdr else alpha
    thresholds["lisa_p_cutoff"] = cut
    if fdr and (msg := fdr_nothing_rejected(lisa_p, alpha, "LISA cluster", floor)):
        warn.append(msg)
    sig = lisa_p <= cut
    labels = np.array([QUAD_LABELS.get(int(k), "ns") for k in q], dtype=object)
    cluster = np.where(sig, labels, "ns")
    levels = {3: 0.01, 2: 0.05, 1: 0.10}
    gi_bin = np.zeros(len(y), dtype=int)
    for b in (1, 2, 3):  # ascending so stronger bins overwrite weaker
        c = fdr_threshold(gi_p, levels[b]) if fdr else levels[b]
        thresholds[f"gi_p_cutoff_{int(round((1 - levels[b]) * 100))}"] = c
        gi_bin = np.where(gi_p <= c, b, gi_bin)
    if fdr and (msg := fdr_nothing_rejected(gi_p, levels[1], "Gi* hot or cold spot", floor)):
        warn.append(msg)
    gi_bin = (gi_bin * np.sign(gi_z)).astype(int)
    frame = pd.DataFrame({
        "lisa_i": lisa_i, "lisa_p": lisa_p, "lisa_p_directed": p_fold, "lisa_q": q,
        "lisa_cluster": cluster, "gi_z": gi_z, "gi_p": gi_p, "gi_p_directed": gi_fold, "gi_bin": gi_bin,
        "gi_perm_z": perm_z(gi_p, gi_z), "mc_permutations": perms,
        # the names before 0.2 (esda's p_sim is directed, not its "folded" alternative)
        "lisa_p_folded": p_fold, "gi_p_folded": gi_fold,
    })
    gi_cuts = [thresholds[f"gi_p_cutoff_{k}"] for k in (99, 95, 90)]
    stability = stability_report({"lisa": (lisa_p, [cut]), "gi": (gi_p, gi_cuts)}, perms, draws=draws,
                                 base=int(permutations), alpha=alpha)
    stability["max_permutations"] = int(top)
    return ClusterResult(frame=frame, global_moran=gm, thresholds=thresholds, engine=engine,
                         draws=draws, stability=stability, warnings=warn,
                         moran_job=out.moran_job if draws == "stable" else None)


def perm_z(p_two_sided: np.ndarray, sign_of: np.ndarray) -> np.ndarray:
    """The permutation test's two-sided p-value as a normal z, signed like ``sign_of``.

    ``gi_bin`` follows the permutation ``gi_p`` while ``gi_z`` is the analytic (normal-theory)
    z, so the two can disagree (Kent 2021: 114 LSOAs in a significant bin with ``|gi_z| <
    1.645``). ``gi_perm_z = sign(gi_z) * Phi^-1(1 - gi_p / 2)`` is the same test as the bin, on
    the z scale: without ``--fdr`` ``|gi_bin| >= 1, 2, 3`` exactly where ``|gi_perm_z| >=
    1.6449, 1.9600, 2.5758``. It is as precise as the draws behind it: at most
    ``Phi^-1(1 - 1 / (P + 1))`` after ``P`` draws (3.29 at 999), never beyond the test's resolution.
    """
    from scipy.special import ndtri

    p = np.clip(np.asarray(p_two_sided, float), 0.0, 1.0)
    return np.sign(np.asarray(sign_of, float)) * np.maximum(0.0, ndtri(1.0 - p / 2.0))


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
