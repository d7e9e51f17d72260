"""What the analyst should know about the crimes kept: months, types, and how often the CSV's
own LSOA code agrees with point-in-polygon (a low share means boundaries of another vintage)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..categories import CATEGORIES
from .report import LoadReport

__all__ = ["describe"]


def describe(out: pd.DataFrame, boundaries: pd.DataFrame, report: LoadReport, *, files: int,
             unique_points: int) -> None:
    """Fill ``report.info`` (months, crime types, ASB rows, CSV/PIP agreement) and warn about
    crime types police.uk does not use and about a low agreement."""
    # compare codes through the (small) category table, not 5 million strings
    csv_cats = out["lsoa_code_csv"].cat.categories
    cat_to_poly = pd.Index(boundaries["lsoa_code"].to_numpy()).get_indexer(csv_cats)
    csv_codes = out["lsoa_code_csv"].cat.codes.to_numpy()
    with_code = csv_codes >= 0
    if len(csv_cats) and (csv_cats == "").any():
        with_code &= csv_codes != int(np.flatnonzero(csv_cats == "")[0])
    agree = (float((cat_to_poly[csv_codes[with_code]] == out["lsoa"].to_numpy()[with_code]).mean())
             if with_code.any() else float("nan"))
    months = sorted(str(m) for m in out["month"].cat.categories)
    types = out["crime_type"].value_counts()
    unknown = [t for t in types.index if t not in CATEGORIES]
    if unknown:
        report.warn(f"{int(types[unknown].sum())} rows have crime types police.uk does not use: "
                    + ", ".join(repr(u) for u in unknown[:5]) + " (kept as they are)")
    asb = out["crime_type"] == "Anti-social behaviour"
    report.info.update({
        "files": files,
        "months": months,
        "crime_types": {str(k): int(v) for k, v in types.items() if v},
        "asb_rows_kept": int(asb.sum()),
        "csv_lsoa_agreement": round(agree, 4) if agree == agree else None,
        "unique_points": unique_points,
    })
    if agree == agree and agree < 0.9:
        report.warn(f"only {agree:.0%} of crimes fall in the LSOA their CSV names: are the boundaries the "
                    "right vintage (2011 vs 2021 codes)?")
