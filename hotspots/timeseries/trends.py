"""Trends people quote: each LSOA's and each district's monthly series, its Mann-Kendall trend
and Sen's slope, and for districts a short, plainly labelled extrapolation.

"Maidstone and Swale will take over Medway and Thanet in the next two years" is a claim about
a trend carried forward. The honest version of it is: the Mann-Kendall test (is there a
monotonic trend at all?), Sen's slope (how many crimes a month per month, robust to one odd
month) and, if one must look ahead, the Sen line extended with a prediction interval. The
interval comes from a residual bootstrap (Efron and Tibshirani 1993, ch. 9): the residuals
around the Sen line are resampled onto it and the line refitted, which gives the uncertainty
of the line; the month-to-month noise of counts is added on top (see :func:`project`). It is an **extrapolation**: it assumes the recent trend simply goes
on, knows nothing of seasons, policy or recording changes, and widens with the horizon.

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

from .cube import shift_month
from .mann_kendall import mann_kendall, sens_slope

__all__ = ["Trends", "district_of", "lsoa_trends", "district_trends", "project", "PROJECTION_NOTE"]

_SUFFIX = re.compile(r"^(.*\S)\s+\d{3}[A-Z]$")

PROJECTION_NOTE = ("Extrapolation, not a forecast: the Sen's slope line of the monthly counts carried "
                   "forward, with a {level:.0%} prediction interval (line uncertainty by bootstrap plus "
                   "month-to-month noise). It assumes the "
                   "trend of these {n} months simply continues (no seasons, no policy or recording changes).")


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


def project(values: np.ndarray, horizon: int, *, n_boot: int = 999, seed: int = 12345, level: float = 0.95
            ) -> dict[str, np.ndarray]:
    """Sen-line extrapolation ``horizon`` steps past the end of each row, with prediction intervals.

    The band adds two variances: the month-to-month noise, ``s^2 * line`` (counts vary with
    their level, so Pearson residuals ``(y - fit) / sqrt(fit)`` are used, with the
    ``n / (n - 2)`` degrees-of-freedom correction), and the uncertainty of the line itself,
    from a residual bootstrap of the Sen fit (Pearson residuals resampled onto the line and
    the line refitted). The half-width is Student's ``t`` with ``n - 2`` degrees of freedom
    times the root of their sum. On simulated 12-month Poisson and over-dispersed series the
    95% band held the true month six ahead 93% of the time (the test pins >= 88%).

    Returns per row: ``at_end`` (line value at the last projected step) with ``at_end_low`` /
    ``at_end_high``, and ``total`` (sum over the projected steps) with ``total_low`` /
    ``total_high``. Values below zero are set to zero (counts cannot be negative).
    """
    from scipy.special import stdtrit  # only the exports and the GUI's chart get here

    y = np.asarray(values, dtype=np.float64)
    m, n = y.shape
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    future = np.arange(n, n + horizon, dtype=np.float64)
    slope, icpt = sens_slope(y)
    fit = icpt[:, None] + slope[:, None] * t[None, :]
    scale = np.sqrt(np.maximum(fit, 1.0))
    r = (y - fit) / scale
    r = (r - r.mean(axis=1, keepdims=True)) * np.sqrt(n / max(n - 2, 1))
    s2 = (r * r).mean(axis=1)
    pick = rng.integers(0, n, size=(m, n_boot, n))
    boot = fit[:, None, :] + np.take_along_axis(r[:, None, :], pick, axis=2) * scale[:, None, :]
    b_slope, b_icpt = sens_slope(boot.reshape(m * n_boot, n))
    lines = (b_icpt[:, None] + b_slope[:, None] * future[None, :]).reshape(m, n_boot, horizon)
    point = icpt[:, None] + slope[:, None] * future[None, :]
    q = float(stdtrit(max(n - 2, 1), (1 + level) / 2))
    half = q * np.sqrt(s2[:, None] * np.maximum(point, 1.0) + lines.var(axis=1))
    total = point.sum(axis=1)
    half_total = q * np.sqrt(s2 * np.maximum(point, 1.0).sum(axis=1) + lines.sum(axis=2).var(axis=1))
    return {
        "at_end": np.maximum(point[:, -1], 0.0),
        "at_end_low": np.maximum(point[:, -1] - half[:, -1], 0.0),
        "at_end_high": np.maximum(point[:, -1] + half[:, -1], 0.0),
        "total": np.maximum(total, 0.0),
        "total_low": np.maximum(total - half_total, 0.0),
        "total_high": np.maximum(total + half_total, 0.0),
    }


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

    The district extrapolation (:meth:`projection`) is computed on first use: the bootstrap is
    the one costly part (about 0.1 s for a county) and only the exports and the GUI's chart need it.
    """

    months: tuple[str, ...]
    lsoa: pd.DataFrame
    lsoa_series: np.ndarray
    district: pd.DataFrame
    district_series: np.ndarray
    horizon: int = 12
    params: dict = field(default_factory=dict)
    _projection: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def note(self) -> str:
        """What the projection is (and is not), for every place that shows it."""
        return PROJECTION_NOTE.format(level=self.params.get("level", 0.95), n=len(self.months))

    @classmethod
    def from_matrix(cls, values: np.ndarray, months: Sequence[str], codes: Sequence[str], names: Sequence[str], *,
                    lookup: Mapping[str, str] | None = None, horizon: int = 12, alpha: float = 0.05,
                    n_boot: int = 999, seed: int = 12345, level: float = 0.95) -> Trends:
        """Both tables from one LSOAs x months array (a cube's matrix for the analysed filter)."""
        x = np.asarray(values, dtype=np.float64)
        dist = district_of(names, codes, lookup)
        lsoa = lsoa_trends(x, codes, names, districts=dist, alpha=alpha)
        table, series = district_trends(x, dist, alpha=alpha)
        return cls(tuple(months), lsoa, x, table, series, int(horizon),
                   {"alpha": alpha, "n_boot": n_boot, "seed": seed, "level": level,
                    "district_source": "lookup" if lookup else "LSOA name prefix"})

    def projection(self) -> pd.DataFrame:
        """Per district: the Sen line ``horizon`` months past the data, with its prediction interval.

        Columns ``district``, ``projected_month``, ``projected_per_month`` (``_low``/``_high``),
        ``projected_total`` over the next ``horizon`` months (``_low``/``_high``). Empty when the
        series are too short (under 3 months) to draw a line.
        """
        if self._projection is None:
            cols = ["district", "projected_month", "projected_per_month", "projected_low", "projected_high",
                    "projected_total", "projected_total_low", "projected_total_high"]
            if len(self.months) < 3 or self.horizon < 1 or not len(self.district):
                self._projection = pd.DataFrame(columns=cols)
            else:
                p = self.params
                proj = project(self.district_series, self.horizon, n_boot=int(p.get("n_boot", 999)),
                               seed=int(p.get("seed", 12345)), level=float(p.get("level", 0.95)))
                self._projection = pd.DataFrame({
                    "district": self.district["district"].to_numpy(),
                    "projected_month": shift_month(self.months[-1], self.horizon),
                    "projected_per_month": proj["at_end"], "projected_low": proj["at_end_low"],
                    "projected_high": proj["at_end_high"], "projected_total": proj["total"],
                    "projected_total_low": proj["total_low"], "projected_total_high": proj["total_high"],
                })[cols]
        return self._projection

    def district_table(self) -> pd.DataFrame:
        """The district trend table with its projection columns (what the XLSX and briefing show)."""
        return self.district.merge(self.projection(), on="district", how="left")
