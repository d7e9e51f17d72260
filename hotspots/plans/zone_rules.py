"""Which LSOAs make a patrol zone: the zone rules, the busiest-LSOA peaks and the density cut.

Measured as a patrol plan (``hotspots evaluate``: Kent, trained on January-September 2021 and
scored on October-December), zones made of every significant hot-spot LSOA captured only 0.68x
what a plain sort of LSOAs by crime per km² captures at the same area: a Gi* or LISA cluster of
*counts* pulls in large, quiet LSOAs beside a town centre. The default rule ``dense`` keeps the
statistics as the reason for a zone and the density as the reason for a member: an LSOA is in a
zone when it is among the densest LSOAs (crime per km², those that together hold
:data:`DENSE_SHARE` of the analysed measure) *and* is, or touches, a hot spot at 90% confidence
or more (LISA High-High or Gi*); a group of such LSOAs is a zone only when it holds a significant
LSOA itself. The :data:`PEAKS` busiest LSOAs are never left out: one that no cluster holds is a
zone of its own, a *lone peak*. Kent, same split: 0.91x the density sort at equal area (27.1% of
the later crime in 0.79% of the area), against 0.68x for the old ``peaks`` rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.errors import DataError
from ..stats.csr import CSR

__all__ = ["DENSE_SHARE", "PEAKS", "ZONE_RULES", "components", "dense_members", "dense_rows", "hot_mask",
           "peak_rows"]

#: how many of the busiest LSOAs a zone rule never leaves out ("dense" and "peaks")
PEAKS = 10
#: the densest LSOAs that together hold this share of the analysed measure may join a zone
DENSE_SHARE = 0.30
#: rule name -> what makes an LSOA part of a zone
ZONE_RULES = {
    "dense": (f"the densest LSOAs (crime per km², together {DENSE_SHARE:.0%} of the crime) that are, or touch, a "
              "LISA High-High or Gi* hot spot at 90% confidence or more, in groups that hold such a hot spot; "
              f"and each of the {PEAKS} busiest LSOAs (a zone of its own, a lone peak, when no group holds it)"),
    "peaks": ("LISA High-High or Gi* hot spot at 95% confidence or more, without Low-High LSOAs below the "
              f"median; and each of the {PEAKS} busiest LSOAs (a zone of its own, a lone peak, when no cluster holds it)"),
    "hh_or_gi2": "LISA High-High or Gi* hot spot at 95% confidence or more",
    "hh": "LISA High-High",
    "gi2": "Gi* hot spot at 95% confidence or more",
    "gi3": "Gi* hot spot at 99% confidence",
    "hh_and_gi2": "both LISA High-High and Gi* hot spot at 95% confidence or more",
}


def hot_mask(table: pd.DataFrame, rule: str) -> np.ndarray:
    """Boolean mask of LSOAs that are significant under ``rule`` (see :data:`ZONE_RULES`).

    For ``dense`` this is the significance half of the rule (High-High or Gi* at 90%+); the
    density half needs the weights: :func:`dense_members`."""
    if rule not in ZONE_RULES:
        raise DataError(None, f"unknown zone rule '{rule}'",
                        hint=f"use one of {', '.join(ZONE_RULES)}", setting="zone_rule")
    hh = (table["lisa_cluster"] == "HH").to_numpy(dtype=bool)
    gb = table["gi_bin"].to_numpy(dtype=float)
    if rule in ("peaks", "dense"):  # a Low-High LSOA below the median is hot only through its neighbours
        v = table["value"].to_numpy(dtype=float)
        lh_low = (table["lisa_cluster"] == "LH").to_numpy(dtype=bool) & (v < np.nanmedian(v))
        return (hh | (gb >= (1 if rule == "dense" else 2))) & ~lh_low
    return {"hh_or_gi2": hh | (gb >= 2), "hh": hh, "gi2": gb >= 2, "gi3": gb == 3,
            "hh_and_gi2": hh & (gb >= 2)}[rule]


def peak_rows(table: pd.DataFrame, k: int = PEAKS) -> np.ndarray:
    """Rows of the ``k`` LSOAs with the highest analysed value (ties by code)."""
    v = table["value"].to_numpy(dtype=float)
    order = np.lexsort((table["lsoa_code"].astype(str).to_numpy(), -np.nan_to_num(v, nan=-np.inf)))
    return order[:k]


def dense_rows(table: pd.DataFrame, share: float = DENSE_SHARE) -> np.ndarray:
    """Mask of the densest LSOAs (value per km², ties by code) that together hold ``share`` of
    the value: the shortest such prefix of the density ranking (none when nothing has value)."""
    v = np.nan_to_num(table["value"].to_numpy(dtype=float), nan=0.0)
    area = table["area_km2"].to_numpy(dtype=float)
    dens = np.where(area > 0, v / np.where(area > 0, area, 1.0), 0.0)
    order = np.lexsort((table["lsoa_code"].astype(str).to_numpy(), -dens))
    total = v.sum()
    out = np.zeros(len(v), bool)
    if total <= 0:
        return out
    cum = np.cumsum(v[order])
    k = int(np.searchsorted(cum, share * total * (1 - 1e-12))) + 1
    out[order[:k]] = v[order[:k]] > 0
    return out


def _weak(w) -> CSR:
    a = CSR.from_any(w.sparse)
    rows = a.rows()
    return CSR.from_pairs(a.n, np.concatenate([rows, a.indices]), np.concatenate([a.indices, rows]),
                          binary=True)  # weak: a link either way round joins two LSOAs


def components(w, members: np.ndarray, weak: CSR | None = None) -> np.ndarray:
    """Component label per LSOA (-1 when not a member); neighbours taken from ``w`` either way round.

    ``w`` ids are row positions of the table (a :class:`hotspots.stats.weights.Weights` or a libpysal
    ``W``). Components are weak (i links j or j links i), the same "touching" the statistics used.
    """
    a = _weak(w) if weak is None else weak  # ``weak``: _weak(w) already built (a run asks up to three times)
    indptr, indices = a.indptr.tolist(), a.indices.tolist()
    is_in = np.asarray(members, bool).tolist()
    labels = [-1] * len(is_in)
    # a plain depth-first search over the (few) member LSOAs: cheaper than importing scipy.sparse.csgraph
    current = 0
    for start in np.flatnonzero(members).tolist():
        if labels[start] >= 0:
            continue
        labels[start] = current
        stack = [start]
        while stack:
            v = stack.pop()
            for u in indices[indptr[v]:indptr[v + 1]]:
                if is_in[u] and labels[u] < 0:
                    labels[u] = current
                    stack.append(u)
        current += 1
    return np.asarray(labels, dtype=np.int64)


def dense_members(table: pd.DataFrame, w, significant: np.ndarray, share: float = DENSE_SHARE,
                  weak: CSR | None = None) -> np.ndarray:
    """The ``dense`` rule's members before the peaks: dense LSOAs that are or touch a
    ``significant`` one, in groups holding at least one significant LSOA."""
    sig = np.asarray(significant, bool)
    a = _weak(w) if weak is None else weak
    touches = np.bincount(a.rows(), weights=sig[a.indices].astype(float), minlength=a.n) > 0
    cand = dense_rows(table, share) & (sig | touches)
    labels = components(w, cand, a)
    keep = np.unique(labels[cand & sig])
    return cand & np.isin(labels, keep)
