"""Crimes per LSOA by type and by month, within the run's month range.

The evidence figures need counts the analysis table does not hold: violence against women
and girls (police.uk's "Violence and sexual offences", the nearest published category) even
when the run analysed all crime, each selected type on its own, and a monthly series for a
trend. All of them respect the run's ``--from``/``--to`` months but not its type filter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["VAWG_TYPE", "month_mask", "type_counts", "monthly_counts"]

#: the police.uk category that carries most recorded VAWG (sexual offences, stalking and harassment)
VAWG_TYPE = "Violence and sexual offences"


def month_mask(crimes: pd.DataFrame, month_from: str | None, month_to: str | None) -> np.ndarray:
    """True for crimes inside the run's month range (all months when neither is set)."""
    m = np.ones(len(crimes), dtype=bool)
    if month_from or month_to:
        month = crimes["month"].astype(str)
        if month_from:
            m &= (month >= month_from).to_numpy()
        if month_to:
            m &= (month <= month_to).to_numpy()
    return m


def type_counts(crimes: pd.DataFrame, n: int, crime_type: str | list[str] | None,
                months: np.ndarray | None = None) -> np.ndarray:
    """Crimes of ``crime_type`` (one name, a list, or None = every type) per LSOA index 0..n-1."""
    sel = np.ones(len(crimes), dtype=bool) if months is None else np.asarray(months, bool)
    if crime_type is not None:
        names = [crime_type] if isinstance(crime_type, str) else list(crime_type)
        sel = sel & crimes["crime_type"].isin(names).to_numpy()
    lsoa = crimes["lsoa"].to_numpy()[sel]
    lsoa = lsoa[lsoa >= 0]
    return np.bincount(lsoa, minlength=n).astype(np.int64)[:n]


def monthly_counts(crimes: pd.DataFrame, mask: np.ndarray, members: np.ndarray | None = None) -> pd.Series:
    """Crimes per month (index YYYY-MM, sorted) among ``mask``; only LSOAs ``members`` if given."""
    sel = np.asarray(mask, bool).copy()
    if members is not None:
        sel &= np.isin(crimes["lsoa"].to_numpy(), np.asarray(members))
    months = crimes["month"].astype(str).to_numpy()
    all_months = sorted(pd.unique(months[np.asarray(mask, bool)]))
    return pd.Series(months[sel]).value_counts().reindex(all_months, fill_value=0).astype(int)
