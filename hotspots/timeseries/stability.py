"""Stability of the top places: do the same LSOAs stay in the top 10 from one period to the next?

The inquiry's analysts wrote "the top 10 LSOAs for most crimes have remained similar across
several years". This module measures it: the top ``n`` LSOAs of each period (calendar years,
or quarters when the data span a year or less), how many of the previous period's top ``n``
are still there, and the share of each period's crime that fell in the **previous** period's
top ``n`` (how much a list drawn up last period would have covered this period: the
"predictive" reading of a hot-spot list, after Weisburd et al. 2004 on the stability of crime
concentration at places).

Ranks break ties by the higher count first, then by LSOA code, so a rerun gives the same list.
A period the data cover only in part (a quarter with two months) is flagged with its month
count; compare its shares, not its counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Stability", "periods_of", "stability"]


def periods_of(months: Sequence[str]) -> tuple[np.ndarray, str]:
    """Period label of each month and the kind: ``"year"``, or ``"quarter"`` when months span <= 12."""
    ms = [str(m) for m in months]
    if len(ms) <= 12:
        return np.array([f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}" for m in ms], dtype=object), "quarter"
    return np.array([m[:4] for m in ms], dtype=object), "year"


@dataclass
class Stability:
    """Top-``n`` lists per period and how they carry over.

    Attributes
    ----------
    kind : "year" or "quarter".
    periods : per period: ``period``, ``months`` (covered), ``crimes``, ``top_share`` (share of
        the period's crime in its own top ``n``).
    top : long table ``period, rank, lsoa_code, lsoa_name, crimes, share``.
    transitions : per consecutive pair: ``period``, ``previous``, ``stayed`` (of the previous
        top ``n`` still in it), ``stayed_codes``, ``share_in_previous_top`` (this period's crime in
        the previous period's top ``n``), ``share_in_own_top``.
    n : list length (10).
    """

    kind: str
    periods: pd.DataFrame
    top: pd.DataFrame
    transitions: pd.DataFrame
    n: int = 10

    def summary(self) -> dict:
        """Short figures for summary.json."""
        t = self.transitions
        return {"period": self.kind, "top_n": self.n, "periods": self.periods["period"].tolist(),
                "stayed": t["stayed"].astype(int).tolist(),
                "share_in_previous_top": [round(float(v), 4) for v in t["share_in_previous_top"]],
                "mean_stayed": round(float(t["stayed"].mean()), 2) if len(t) else None}


def _top(counts: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    order = np.lexsort((codes, -counts))
    order = order[counts[order] > 0]
    return order[:n]


def stability(values: np.ndarray, months: Sequence[str], codes: Sequence[str], names: Sequence[str], *,
              n: int = 10) -> Stability:
    """Top-``n`` LSOAs per period and their carry-over, from an LSOAs x months array."""
    x = np.asarray(values, dtype=np.float64)
    codes_a = np.asarray(codes, dtype=object).astype(str)
    names_a = np.asarray(names, dtype=object)
    labels, kind = periods_of(months)
    uniq = list(dict.fromkeys(labels.tolist()))  # months are in time order, so periods are too
    per = np.stack([x[:, labels == u].sum(axis=1) for u in uniq], axis=1) if uniq else np.zeros((len(x), 0))
    tops = [_top(per[:, k], codes_a, n) for k in range(len(uniq))]
    totals = per.sum(axis=0)
    rows, prow, trows = [], [], []
    for k, u in enumerate(uniq):
        top = tops[k]
        for r, i in enumerate(top, 1):
            rows.append({"period": u, "rank": r, "lsoa_code": codes_a[i], "lsoa_name": names_a[i],
                         "crimes": per[i, k], "share": per[i, k] / totals[k] if totals[k] else np.nan})
        prow.append({"period": u, "months": int((labels == u).sum()), "crimes": totals[k],
                     "top_share": per[top, k].sum() / totals[k] if totals[k] else np.nan})
        if k:
            prev = tops[k - 1]
            stayed = np.intersect1d(prev, top)
            trows.append({"period": u, "previous": uniq[k - 1], "stayed": len(stayed),
                          "stayed_codes": ", ".join(sorted(codes_a[stayed])),
                          "share_in_previous_top": per[prev, k].sum() / totals[k] if totals[k] else np.nan,
                          "share_in_own_top": per[top, k].sum() / totals[k] if totals[k] else np.nan})
    top_cols = ["period", "rank", "lsoa_code", "lsoa_name", "crimes", "share"]
    t_cols = ["period", "previous", "stayed", "stayed_codes", "share_in_previous_top", "share_in_own_top"]
    return Stability(kind, pd.DataFrame(prow, columns=["period", "months", "crimes", "top_share"]),
                     pd.DataFrame(rows, columns=top_cols), pd.DataFrame(trows, columns=t_cols), int(n))
