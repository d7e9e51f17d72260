"""The seven IoD domain deciles per LSOA, for the evidence pack's deprivation profile.

A Safer Streets bid quotes more than the headline IMD decile: a funder reads "Crime domain
decile 1" (among the most crime-deprived 10% of England's LSOAs) as the national position of
an area. :func:`hotspots.data.deprivation.read_deprivation` keeps the IMD and the crime domain;
this reader takes every domain decile the same file carries (IoD 2019 File 2, IMD 2019 File 7,
IoD 2025 File 7 or its re-shaped copy with ``Income_decile`` style headers), and nothing else.
It never fails a run for a file without domains: it returns an empty table and says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._tables import normalise, read_table, to_number
from .deprivation import find_code_column
from .report import LoadReport

__all__ = ["DOMAINS", "read_domain_deciles"]

#: domain label -> normalised header prefixes that name it (MHCLG long names and short forms)
DOMAINS: dict[str, tuple[str, ...]] = {
    "Income": ("income",),
    "Employment": ("employment",),
    "Education, skills and training": ("educationskills", "education"),
    "Health and disability": ("healthdeprivation", "health"),
    "Crime": ("crime",),
    "Barriers to housing and services": ("barrierstohousing", "housingandservices", "housing", "barriers"),
    "Living environment": ("livingenvironment", "environment"),
}
_HINT = ["lsoacode", "lsoa11cd", "lsoa21cd", "decile"]


def _decile_column(columns: list[str], prefixes: tuple[str, ...]) -> str | None:
    for c in columns:
        key = normalise(c)
        if "decile" in key and "sub" not in key and "affecting" not in key and any(key.startswith(p) for p in prefixes):
            return c
    return None


def read_domain_deciles(path: str | Path) -> tuple[pd.DataFrame, LoadReport]:
    """Domain deciles (1 = most deprived 10% nationally) keyed by ``lsoa_code``.

    Parameters
    ----------
    path : the deprivation file (CSV or XLSX)

    Returns
    -------
    deciles : DataFrame with ``lsoa_code`` and one Int64 column per domain found, named as in
        :data:`DOMAINS` (no domain columns when the file has none, e.g. IMD 2019 File 1)
    report : LoadReport; ``info["domains"]`` lists the domains found and their headers

    Notes
    -----
    Cells that are not whole numbers 1..10 are left blank and counted in
    ``info["invalid_cells"]``; rows are kept (a domain decile is context, not a filter).
    """
    path = Path(path)
    report = LoadReport.for_path(path, "deprivation domains")
    df = read_table(path, "deprivation (IMD)", header_hint=_HINT, report=report)
    report.files = [str(path)]
    report.rows_read = len(df)
    code_col = find_code_column(df, path, "deprivation file")
    codes = df[code_col].astype(str).str.strip().str.upper()
    out = pd.DataFrame({"lsoa_code": codes.to_numpy()})
    found: dict[str, str] = {}
    invalid = 0
    cols = [str(c) for c in df.columns]
    for label, prefixes in DOMAINS.items():
        col = _decile_column(cols, prefixes)
        if col is None:
            continue
        vals = to_number(df[col])
        ok = vals.notna() & (vals == vals.round()) & (vals >= 1) & (vals <= 10)
        invalid += int((vals.notna() & ~ok).sum())
        out[label] = vals.where(ok).round().astype("Int64").to_numpy()
        found[label] = col
    dup = out["lsoa_code"].duplicated(keep="first")
    report.drop("duplicate LSOA code", int(dup.sum()))
    out = out[~dup].reset_index(drop=True)
    report.rows_kept = len(out)
    report.info.update({"domains": found, "invalid_cells": invalid, "code_column": code_col})
    if not found:
        report.warn("the deprivation file has no domain deciles (IMD 2019 File 1 has the IMD only); "
                    "use File 2 or IoD 2025 File 7 for the domain profile")
    report.check_balance()
    return out, report
