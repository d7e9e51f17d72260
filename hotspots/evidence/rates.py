"""Rates per 1,000 residents against the force, the figures a Safer Streets bid quotes.

A funder asks whether an area is *disproportionately* affected. A count cannot say that (a
town centre has many crimes partly because it has many people and visitors); a rate per
1,000 residents set against the force-wide rate can: ``rate_vs_force = 2.0`` reads "twice the
force rate". The force-wide rate is the pooled rate, total crimes / total residents, not the
mean of LSOA rates (which small LSOAs would sway). The percentile places the LSOA within the
force; the IoD crime-domain decile (1 = most crime-deprived 10% of England's LSOAs), when the
deprivation file carries it, is the national position.

Residents are the denominator the IoD publishes (mid-2015 in IoD 2019 File 6, mid-2022 in IoD
2025 File 7). Town centres draw visitors who are not residents, so their rates run high: the
pack says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ForceRate", "RatesResult", "lsoa_rates", "pooled_rate", "percentile_within", "RATE_COLUMNS"]

#: columns :func:`lsoa_rates` adds to the LSOA table, in order
RATE_COLUMNS = ["population", "rate_per_1000", "rate_vs_force", "rate_percentile", "crime_decile_national"]


@dataclass
class ForceRate:
    """The force-wide (pooled) rate of one count column."""

    count: float
    population: float
    per_1000: float


@dataclass
class RatesResult:
    """Per-LSOA rates and the force figures they are set against.

    Attributes
    ----------
    frame : :data:`RATE_COLUMNS` aligned with the table (NaN where an LSOA has no population)
    force : the pooled force rate of the counted column
    lsoas_without_population : LSOAs left out of both numerator and denominator
    notes : plain sentences for the pack
    """

    frame: pd.DataFrame
    force: ForceRate
    lsoas_without_population: int = 0
    notes: list[str] = field(default_factory=list)


def pooled_rate(counts: np.ndarray, population: np.ndarray) -> ForceRate:
    """Sum of counts over sum of residents, per 1,000, over the areas with a population."""
    c = np.asarray(counts, float)
    p = np.asarray(population, float)
    ok = np.isfinite(p) & (p > 0) & np.isfinite(c)
    tc, tp = float(c[ok].sum()), float(p[ok].sum())
    return ForceRate(count=tc, population=tp, per_1000=tc / tp * 1000.0 if tp > 0 else float("nan"))


def percentile_within(values: np.ndarray) -> np.ndarray:
    """Percentile of each value within the force: the share (0-100) of areas at or below it.

    Ties take the top of their run (``rank(method="max")``), so the highest area is 100 and
    "95" reads "higher than or equal to 95% of the force's LSOAs". NaN stays NaN.
    """
    s = pd.Series(np.asarray(values, float))
    return (s.rank(method="max", pct=True) * 100.0).to_numpy(float)


def lsoa_rates(
    table: pd.DataFrame,
    *,
    count_col: str = "crimes",
    population: pd.Series | np.ndarray | None = None,
    crime_deciles: pd.DataFrame | None = None,
) -> RatesResult:
    """``population``, ``rate_per_1000``, ``rate_vs_force``, percentile and national crime decile.

    Parameters
    ----------
    table : the LSOA table (``lsoa_code``, ``count_col`` and, unless given, ``population``)
    count_col : the counted column (``crimes`` = the analysed selection of crimes)
    population : residents per LSOA aligned with ``table`` (default ``table["population"]``)
    crime_deciles : a frame with ``lsoa_code`` and ``crime_decile`` (the deprivation layer as
        read by :func:`hotspots.data.deprivation.read_deprivation`); None or no such column
        leaves ``crime_decile_national`` empty

    Returns
    -------
    RatesResult
    """
    pop = (table["population"] if population is None else pd.Series(np.asarray(population, float),
                                                                   index=table.index)).astype(float)
    pop = pop.where(pop > 0)
    counts = table[count_col].to_numpy(float)
    force = pooled_rate(counts, pop.to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(pop.notna(), counts / pop.to_numpy(float) * 1000.0, np.nan)
        vs = rate / force.per_1000 if force.per_1000 > 0 else np.full(len(rate), np.nan)
    frame = pd.DataFrame({
        "population": pop.to_numpy(float),
        "rate_per_1000": rate,
        "rate_vs_force": vs,
        "rate_percentile": percentile_within(rate),
        "crime_decile_national": pd.array([pd.NA] * len(table), dtype="Int64"),
    }, index=table.index)
    res = RatesResult(frame=frame, force=force, lsoas_without_population=int(pop.isna().sum()))
    if crime_deciles is not None and "crime_decile" in crime_deciles:
        d = crime_deciles.drop_duplicates("lsoa_code").set_index("lsoa_code")["crime_decile"]
        frame["crime_decile_national"] = table["lsoa_code"].map(d).astype("Int64").to_numpy()
    else:
        res.notes.append("The deprivation file has no crime-domain decile (IMD 2019 File 1 has the IMD only): "
                         "load File 2 or IoD 2025 for the national crime-domain position.")
    if res.lsoas_without_population:
        res.notes.append(f"{res.lsoas_without_population} LSOAs have no population figure; they are left out of "
                         "the force rate and have no rate of their own.")
    return res
