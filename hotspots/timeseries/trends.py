"""Trends people quote: each LSOA's and each district's monthly series, its Mann-Kendall trend
and Sen's slope, and for districts a short outlook (1 to 3 months) with a calibrated band.

"Maidstone and Swale will take over Medway and Thanet in the next two years" is a claim about
a trend carried forward. The honest version of it is: the Mann-Kendall test (is there a
monotonic trend at all?), Sen's slope (how many crimes a month per month, robust to one odd
month) and, to look ahead, no further than the data can check: the recent level for the next
three months with a band calibrated on the district's own backtests (:mod:`.outlook`, where
the reasons the 12-month Sen extrapolation was dropped are measured). Memory is
O(districts x months): no resampling.

The district is the LSOA name without its code suffix ("Maidstone 004F" -> "Maidstone"; ONS
names LSOAs after their local authority), or a lookup (``lsoa_code`` -> district) when one is
loaded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .mann_kendall import mann_kendall
from .outlook import HORIZON, OUTLOOK_NOTE, WINDOW, Outlook, outlook

__all__ = ["Trends", "district_of", "lsoa_trends", "district_trends", "OUTLOOK_NOTE"]

_SUFFIX = re.compile(r"^(.*\S)\s+\d{3}[A-Z]$")

def district_of(names: Sequence[str], codes: Sequence[str] | None = None,
                lookup: Mapping[str, str] | None = None) -> np.ndarray:
    """District of each LSOA: ``lookup[code]`` when given, else the name without its ``004F`` suffix."""
    stripped = pd.Series(list(names), dtype=object).astype(str).str.strip()
    out = stripped.str.replace(_SUFFIX.pattern, r"\1", regex=True).to_numpy(dtype=object)
    if lookup is not None and codes is not None:
        mapped = pd.Series(list(codes), dtype=object).astype(str).map(lookup)
        has = mapped.notna().to_numpy()
        out[has] = mapped[has].astype(str).to_numpy(dtype=object)
    return out


def _trend_columns(values: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    mk = mann_kendall(values)
    mean = values.mean(axis=1) if values.shape[1] else np.zeros(len(values))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(mean > 0, mk.slope * 12 / mean * 100, np.nan)
    return {"mean_per_month": mean, "mk_s": mk.s, "mk_z": mk.z, "mk_p": mk.p, "trend": mk.trend(alpha),
            "sen_slope": mk.slope, "sen_pct_per_year": pct}


def lsoa_trends(values: np.ndarray, codes: Sequence[str], names: Sequence[str], *,
                districts: Sequence[str] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """One row per LSOA: total, Mann-Kendall S/z/p and trend word, Sen's slope (per month and % a year).

    ``values`` is LSOAs x months (a cube's matrix). ``sen_pct_per_year`` is twelve months of
    Sen's slope as a share of the LSOA's monthly mean.
    """
    x = np.asarray(values, dtype=np.float64)
    return pd.DataFrame({"lsoa_code": np.asarray(codes, dtype=object), "lsoa_name": np.asarray(names, dtype=object),
                         "district": district_of(names) if districts is None else np.asarray(districts, dtype=object),
                         "crimes": x.sum(axis=1), **_trend_columns(x, alpha)})


def district_trends(values: np.ndarray, districts: Sequence[str], *, alpha: float = 0.05
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """Districts' monthly series (sums of their LSOAs) with their trend, busiest district first.

    Returns the table (one row per district) and the districts x months series in its order.
    """
    x = np.asarray(values, dtype=np.float64)
    labels, group = np.unique(np.asarray(districts, dtype=object).astype(str), return_inverse=True)
    series = np.zeros((len(labels), x.shape[1]))
    np.add.at(series, group, x)
    frame = pd.DataFrame({"district": labels, "lsoas": np.bincount(group, minlength=len(labels)),
                          "crimes": series.sum(axis=1), **_trend_columns(series, alpha)})
    order = np.argsort(-frame["crimes"].to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True), series[order]


@dataclass
class Trends:
    """Per-LSOA and per-district trend tables with their monthly series (for charts and sparklines).

    The district outlook (:meth:`outlook`) is computed on first use (only the summary, the
    exports and the GUI need it); it costs O(districts x months).
    """

    months: tuple[str, ...]
    lsoa: pd.DataFrame
    lsoa_series: np.ndarray
    district: pd.DataFrame
    district_series: np.ndarray
    horizon: int = HORIZON
    params: dict = field(default_factory=dict)
    #: the cached outlook (named for the old projection cache, which callers reset with ``replace``)
    _projection: Outlook | None = field(default=None, repr=False)

    @property
    def note(self) -> str:
        """What the outlook is (and is not), for every place that shows it."""
        return OUTLOOK_NOTE.format(h=self.horizon, w=min(WINDOW, len(self.months)),
                                   level=self.params.get("level", 0.95))

    @classmethod
    def from_matrix(cls, values: np.ndarray, months: Sequence[str], codes: Sequence[str], names: Sequence[str], *,
                    lookup: Mapping[str, str] | None = None, districts: Sequence[str] | None = None,
                    district_source: str | None = None, horizon: int = HORIZON, alpha: float = 0.05,
                    level: float = 0.95, **_ignored: object) -> Trends:
        """Both tables from one LSOAs x months array (a cube's matrix for the analysed filter).

        ``districts``: each LSOA's district, already chosen (``district_source`` says from what);
        else ``lookup`` or the LSOA name prefix. ``horizon`` is capped at 3 months
        (:data:`.outlook.HORIZON`); older keywords (``n_boot``, ``seed``) of the dropped bootstrap
        extrapolation are accepted and ignored.
        """
        x = np.asarray(values, dtype=np.float64)
        dist = np.asarray(districts, dtype=object) if districts is not None else district_of(names, codes, lookup)
        lsoa = lsoa_trends(x, codes, names, districts=dist, alpha=alpha)
        table, series = district_trends(x, dist, alpha=alpha)
        return cls(tuple(months), lsoa, x, table, series, int(max(0, min(horizon, HORIZON))),
                   {"alpha": alpha, "level": level,
                    "district_source": district_source or ("lookup" if lookup else "LSOA name prefix")})

    def outlook(self) -> Outlook:
        """The districts' outlook (rows in :attr:`district` order); no months when none is offered."""
        if self._projection is None:
            self._projection = outlook(self.district_series, self.months, horizon=self.horizon,
                                    level=float(self.params.get("level", 0.95)))
        return self._projection

    def forecast(self, row: int) -> list[dict]:
        """summary.json's ``forecast`` for one district row: ``[{"month", "expected", "low", "high"}]``."""
        o = self.outlook()
        return o.records(row) if o.months else []

    def district_table(self) -> pd.DataFrame:
        """The district trend table with its outlook columns (what the XLSX and briefing show).

        Per month ahead ``YYYY-MM``: ``outlook YYYY-MM``, ``outlook YYYY-MM low``, ``... high``.
        """
        o = self.outlook()
        d = self.district.copy()
        for h, m in enumerate(o.months):
            d[f"outlook {m}"] = o.expected[:, h]
            d[f"outlook {m} low"] = o.low[:, h]
            d[f"outlook {m} high"] = o.high[:, h]
        return d
