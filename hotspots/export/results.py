"""lsoa_results.csv and summary.json, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..model import RESULT_COLUMNS
from .atomic import atomic_path, write_text_atomic
from .safe_text import neutralise_frame

__all__ = ["write_results_csv", "write_summary_json", "results_frame", "OPTIONAL_COLUMNS"]

#: columns appended after the contract's, in this order, when a stage produced them
#: (``emerging`` is always there with the time stage: empty when the period is under 10 months)
OPTIONAL_COLUMNS = ["emerging", "fear_gap"]

#: columns after the contract ones, written when a stage filled them (DESIGN: "then as available")
#: (``fear_status`` says which LSOAs the fear test could not test; ``gi_perm_z`` and
#: ``mc_permutations`` say how precise the permutation p-values are: hotspots.stats.local)
AVAILABLE_COLUMNS = ["fear_status", "gi_perm_z", "mc_permutations", "population", "rate_per_1000", "rate_vs_force",
                     "rate_percentile", "crime_decile_national", "bv_pubs", "bv_pubs_p", "bv_imd", "bv_imd_p"]


def results_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns, then the optional ones a stage produced (:data:`OPTIONAL_COLUMNS`
    whenever present, :data:`AVAILABLE_COLUMNS` when filled), rounded for reading, text
    neutralised against formula injection."""
    extra = [c for c in OPTIONAL_COLUMNS if c in table]
    extra += [c for c in AVAILABLE_COLUMNS if c in table and table[c].notna().any()]
    df = pd.DataFrame(table[RESULT_COLUMNS + extra]).copy()
    for c, nd in (("harm", 3), ("value", 6), ("lisa_i", 8), ("lisa_p", 6), ("gi_z", 8), ("gi_p", 6), ("gi_perm_z", 4),
                  ("rate_per_1000", 6), ("rate_vs_force", 6), ("rate_percentile", 4), ("bv_pubs_p", 6),
                  ("bv_imd_p", 6)):
        if c in df:
            df[c] = df[c].astype(float).round(nd)
    return neutralise_frame(df)


def write_results_csv(table: pd.DataFrame, path: str | Path) -> Path:
    df = results_frame(table)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return Path(path)


def write_summary_json(summary: dict[str, Any], path: str | Path) -> Path:
    return write_text_atomic(path, json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
