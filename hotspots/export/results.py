"""lsoa_results.csv and summary.json, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..model import OPTIONAL_RESULT_COLUMNS, RESULT_COLUMNS
from .atomic import atomic_path, write_text_atomic
from .safe_text import neutralise_frame

__all__ = ["write_results_csv", "write_summary_json", "results_frame"]


def results_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns, rounded for reading, text neutralised against formula injection."""
    df = pd.DataFrame(table[RESULT_COLUMNS + [c for c in OPTIONAL_RESULT_COLUMNS if c in table]]).copy()
    for c, nd in (("harm", 3), ("value", 6), ("lisa_i", 8), ("lisa_p", 6), ("gi_z", 8), ("gi_p", 6)):
        df[c] = df[c].astype(float).round(nd)
    return neutralise_frame(df)


def write_results_csv(table: pd.DataFrame, path: str | Path) -> Path:
    df = results_frame(table)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return Path(path)


def write_summary_json(summary: dict[str, Any], path: str | Path) -> Path:
    return write_text_atomic(path, json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
