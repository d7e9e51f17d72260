"""Crime against pub density and against deprivation: the inquiry's link, as bivariate LISA.

The inquiry saw that "the areas with the highest concentration of pubs were also the areas
with higher crime rates", and that deprivation made the link stronger. The bivariate Local
Moran (Anselin, Syabri and Smirnov 2002; esda ``Moran_Local_BV``) puts that on a map: for each
LSOA it relates the analysed crime measure *here* (x) to the average of a second variable in
the neighbouring LSOAs (the spatial lag of y). ``HH`` = high crime here, surrounded by high pub
density (or high deprivation); ``LH`` = low crime beside high y; ``LL``; ``HL``; ``ns`` = not
significant.

Inference and seeds are exactly the univariate LISA's (:func:`hotspots.stats.analyse_clusters`):
conditional permutation with the run's ``permutations`` and ``seed`` and the same draw table
(``draws``), two-sided pseudo p-values ``min(1, 2 p_sim)``, the same ``alpha`` and the same
Benjamini-Hochberg cut-off with ``fdr``. The computation goes through :mod:`hotspots.stats`
(its permutation kernel, pinned to esda by tests; or esda itself with ``engine="esda"``).

Deprivation is the IMD *score* (higher = more deprived). IMD 2019 File 1 and File 2 carry only
ranks and deciles; then the reversed decile ``11 - decile`` (10 = most deprived 10%) stands in,
and :attr:`BivariateResult.notes` says so, because a decile is a coarse ordinal stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.errors import DataError
from ..progress import CancelFn, ProgressFn
from ..stats import QUAD_LABELS, bivariate_lisa, fdr_threshold

__all__ = ["BivariateResult", "CAUTION", "bivariate_evidence", "bivariate_one", "BV_COLUMNS", "floor_neighbours",
           "floor_note"]

#: the caution every map, sheet and pack shows beside a bivariate cluster (after Anselin)
CAUTION = ("A bivariate cluster shows where crime in an LSOA sits beside high (or low) values of the "
           "other variable in the neighbouring LSOAs: co-location, not cause. It does not show that "
           "pubs or deprivation cause crime (Anselin, Syabri and Smirnov 2002).")

#: columns the evidence stage adds to the LSOA table, in order
BV_COLUMNS = ["bv_pubs", "bv_pubs_p", "bv_pubs_i", "bv_imd", "bv_imd_p", "bv_imd_i"]


@dataclass
class BivariateResult:
    """Per-LSOA bivariate labels and p-values, with what each comparison used.

    Attributes
    ----------
    frame : ``bv_pubs``, ``bv_pubs_p`` (two-sided pseudo p-value), ``bv_pubs_i`` (local
        bivariate Moran's I) and the same for ``bv_imd``; a comparison whose layer is absent
        is left out
    variables : comparison -> what y was ("pubs per km²", "IMD score", ...)
    notes : plain sentences for the pack and summary (e.g. "deciles stood in for scores")
    counts : comparison -> {label: LSOAs}
    thresholds : comparison -> the p cut-off applied (alpha, or the FDR cut-off)
    """

    frame: pd.DataFrame
    variables: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)


def bivariate_one(
    x: np.ndarray,
    y: np.ndarray,
    w,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    fdr: bool = False,
    n_jobs: int = 1,
    draws: str = "esda",
    engine: str = "fast",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[pd.DataFrame, float]:
    """One bivariate Local Moran: ``x`` at each site against the lag of ``y``.

    Parameters
    ----------
    x, y : values per area aligned with ``w.id_order`` (finite, not constant)
    w : binary weights (:class:`hotspots.stats.Weights` or a libpysal ``W``); row-standardised
        inside, as ``esda.Moran_Local_BV(x, y, w, transformation="r")``
    permutations, seed, draws : as :func:`hotspots.stats.analyse_clusters`; with
        ``draws="esda"`` the labels and p-values are esda's to the last digit
    alpha, fdr : significance level; ``fdr`` applies the Benjamini-Hochberg cut-off
    engine : "fast" (the kernel in :mod:`hotspots.stats.permutation`) or "esda"

    Returns
    -------
    frame : ``label`` (HH/LH/LL/HL/ns), ``p`` (two-sided pseudo p-value ``min(1, 2 p_sim)``),
        ``p_folded`` (esda's ``p_sim``), ``i`` (local bivariate I), ``q`` (esda's quadrant)
    cutoff : the p cut-off applied
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    for v, what in ((x, "the analysed measure"), (y, "the comparison variable")):
        if not np.all(np.isfinite(v)):
            raise DataError(None, f"bivariate LISA: {what} has missing values", hint="fill or drop them first",
                            setting="measure")
        if np.std(v) == 0:
            raise DataError(None, f"bivariate LISA: {what} is the same in every LSOA, so there is nothing to compare",
                            hint="load a layer that varies between LSOAs", setting="measure")
    if engine == "fast":
        if draws == "stable":  # per-site streams and sequential Monte Carlo, as the univariate default
            from ..stats.local_stable import stable_bivariate

            res = stable_bivariate(x, y, w, permutations=permutations, seed=seed, progress=progress, cancel=cancel)
        else:
            from ..stats.permutation import local_moran_bv

            res = local_moran_bv(x, y, w, permutations=permutations, seed=seed, n_jobs=n_jobs,
                                 progress=progress, cancel=cancel, draws=draws)
        stat, p_fold, p, q = res.stat, np.asarray(res.p_sim, float), np.asarray(res.p_two_sided, float), res.quad
    else:
        ref = bivariate_lisa(x, y, w, permutations=permutations, seed=seed, alpha=alpha, n_jobs=n_jobs)
        stat, p = ref["bv_i"].to_numpy(float), ref["bv_p"].to_numpy(float)
        p_fold = p / 2.0
        q = _quadrants(x, y, w)
    cutoff = float(fdr_threshold(p, alpha)) if fdr else float(alpha)
    quad = np.asarray(q, int)
    labels = np.array([QUAD_LABELS.get(int(k), "ns") for k in quad], dtype=object)
    frame = pd.DataFrame({"label": np.where(p <= cutoff, labels, "ns"), "p": p, "p_folded": p_fold,
                          "i": np.asarray(stat, float), "q": quad})
    return frame, cutoff


def _quadrants(x: np.ndarray, y: np.ndarray, w) -> np.ndarray:
    """esda's ``q`` for the bivariate case: sign of z_x against the sign of lag(z_y).

    Binary weights, row-standardised (``w.sparse`` of our Weights or of a binary libpysal W)."""
    zx = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    a = w.sparse
    ip, ix = np.asarray(a.indptr), np.asarray(a.indices)
    card = np.diff(ip)
    rows = np.repeat(np.arange(len(zy)), card)
    sums = np.bincount(rows, weights=zy[ix], minlength=len(zy))
    lag = np.where(card > 0, sums / np.maximum(card, 1), 0.0)
    return np.where(zx > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))


def _comparison_values(table: pd.DataFrame, which: str, notes: list[str]) -> tuple[np.ndarray, str]:
    """y for ``which`` ("pubs" or "imd"), missing values set to the mean (and counted)."""
    if which == "pubs":
        area = table["area_km2"].to_numpy(float)
        y = np.where(area > 0, table["pubs"].to_numpy(float) / np.where(area > 0, area, 1.0), np.nan)
        label = "pubs per km²"
    else:
        score = table["imd_score"].to_numpy(float) if "imd_score" in table else np.full(len(table), np.nan)
        if np.isfinite(score).any():
            y, label = score, "IMD score (higher = more deprived)"
        else:
            dec = pd.to_numeric(table["imd_decile"], errors="coerce").to_numpy(float)
            y, label = 11.0 - dec, "IMD decile reversed (11 - decile; 10 = most deprived 10%)"
            notes.append("The deprivation file has IMD ranks and deciles but no scores, so the reversed IMD "
                         "decile (10 = most deprived) stood in for the IMD score in the crime-deprivation "
                         "bivariate LISA; a decile is coarser than the score.")
    missing = ~np.isfinite(y)
    if missing.all():
        raise DataError(None, f"no LSOA has a value for {label}",
                        hint="load a layer for the same LSOAs (and LSOA vintage) as the boundaries",
                        setting="imd" if which == "imd" else "pubs")
    if missing.any():
        y = np.where(missing, np.nanmean(y), y)
        notes.append(f"{int(missing.sum())} LSOAs have no {label.split(' (')[0]}; they were given the mean so "
                     "they neither raise nor lower their neighbours' lag.")
    return y, label


def bivariate_evidence(
    table: pd.DataFrame,
    w,
    settings,
    *,
    pubs: bool = True,
    imd: bool = True,
    engine: str = "fast",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> BivariateResult:
    """``bv_pubs`` and ``bv_imd`` for the analysed measure (``table["value"]``).

    Parameters
    ----------
    table : the analysis table (``value``, ``pubs``, ``area_km2``, ``imd_score``, ``imd_decile``)
    w : the analysis weights (the ones the univariate LISA used)
    settings : the run's Settings (``permutations``, ``seed``, ``alpha``, ``fdr``, ``n_jobs``, ``draws``)
    pubs, imd : whether the pubs / deprivation layers were loaded (a comparison is skipped
        otherwise: an all-zero pub count is "no layer", not "no pubs")
    """
    x = table["value"].to_numpy(float)
    res = BivariateResult(frame=pd.DataFrame(index=table.index))
    wanted = [k for k, on in (("pubs", pubs), ("imd", imd)) if on]
    for k, which in enumerate(wanted):
        y, label = _comparison_values(table, which, res.notes)

        def sub(f: float, k: int = k, which: str = which) -> None:
            if progress:
                progress(f"Bivariate LISA: crime vs {which}", (k + f) / len(wanted))

        frame, cut = bivariate_one(x, y, w, permutations=int(settings.permutations), seed=int(settings.seed),
                                   alpha=float(settings.alpha), fdr=bool(settings.fdr),
                                   n_jobs=int(getattr(settings, "n_jobs", 1)),
                                   draws=getattr(settings, "draws", "esda"), engine=engine,
                                   progress=sub if progress else None, cancel=cancel)
        col = f"bv_{which}"
        res.frame[col] = frame["label"].to_numpy()
        res.frame[f"{col}_p"] = frame["p"].to_numpy()
        res.frame[f"{col}_i"] = frame["i"].to_numpy()
        res.variables[col] = label
        res.thresholds[col] = cut
        res.counts[col] = {q: int((frame["label"] == q).sum()) for q in ("HH", "LH", "LL", "HL", "ns")}
        note = floor_note(x, y, w, label)
        if note:
            res.notes.append(note)
    return res


def floor_neighbours(x: np.ndarray, y: np.ndarray, w) -> np.ndarray:
    """Sites all of whose neighbours hold the lowest ``y`` (no pub next door), ``x`` off its mean.

    Their lag is the most extreme any draw can give, and many draws tie with it (Kent 2021, an
    LSOA among pub-less neighbours: 448 of 999). esda's folded pseudo p-value, ``(min(#sim >= obs,
    #sim < obs) + 1) / (P + 1)``, compares floats computed in different orders, so a tie lands one
    unit in the last place either side of the observed value; when the ties land outside the tail
    esda counts, the site gets the smallest p-value there is, ``1 / (P + 1)``, whatever the share
    of ties (Kent, crime against pubs per km²: 263 of the 543 such LSOAs; esda issue #504,
    "degenerate nulls"). hotspots counts ties on both sides, ``min(#>=, #<=)`` on an exact lag
    threshold, so such a site is significant only when ties are themselves rare."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    a = w.sparse
    card = np.diff(np.asarray(a.indptr))
    above = np.asarray(a @ (y > y.min()).astype(float)).ravel()
    return (card > 0) & (above == 0) & (x != x.mean())


def floor_note(x: np.ndarray, y: np.ndarray, w, label: str) -> str | None:
    """The plain sentence for :func:`floor_neighbours`, or None when no site is affected."""
    n = int(floor_neighbours(x, y, w).sum())
    if not n:
        return None
    if label.startswith("pubs"):
        where = f"{n:,} LSOAs have no pub in any neighbouring LSOA"
    elif "IMD" in label:
        where = f"{n:,} LSOAs have only the least deprived neighbours (the lowest {label.split(' (')[0]})"
    else:
        where = f"{n:,} LSOAs have the lowest {label.split(' (')[0]} in every neighbouring LSOA"
    return (f"{where}. Many random neighbour sets tie with that, so hotspots does not call them significant "
            "for it; esda's Moran_Local_BV counts those ties on one side only and gives each of them "
            "p = 1/(permutations + 1), so an esda map shows these LSOAs as HL or LL clusters "
            "(esda issue #504).")
