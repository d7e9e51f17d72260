"""The workbook's cell values: what openpyxl (or the spliced rows of :mod:`._xlsx_rows`) stores.

Numbers stay numbers, missing and non-finite values are empty cells, and text is made inert:
characters Excel refuses are dropped and formula-like text is neutralised
(:func:`~hotspots.export.safe_text.neutralise`), so a street or pub name such as
``=HYPERLINK(...)`` stays text. Whole columns are converted at once where their type allows
(a national LSOA sheet holds ~700,000 cells).
"""

from __future__ import annotations

__all__ = ["_cell_value", "_column_values", "_width"]

import math
from typing import Any

import numpy as np
import pandas as pd

from ..safe_text import neutralise


def _cell_value(value: Any) -> Any:
    """A Python value openpyxl stores as-is: numbers stay numbers, missing -> empty, text inert."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, int):
        return value
    text = value if isinstance(value, str) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", text).encode("utf-8", "replace").decode("utf-8")
    return neutralise(text)


def _width(header: str, values: list[Any]) -> float:
    """A column's width: its header, or the 95th percentile of its first 2,000 values' text.

    The lengths go straight to NumPy (a pandas Series, ``map`` and ``quantile`` per column
    cost a tenth of a second over a workbook's ~90 columns)."""
    lengths = [0 if v is None else len(str(v)) for v in values[:2000]]
    longest = int(np.percentile(lengths, 95)) if lengths else 0
    return float(min(60, max(len(header) + 2, longest + 2, 8)))


def _column_values(s: pd.Series) -> list[Any]:
    """A column as the Python values openpyxl would store (see :func:`_cell_value`).

    Plain numeric columns are converted in one NumPy pass (missing or non-finite -> empty), a
    column of nothing but text in one comprehension (no per-value type tests); anything else
    goes value by value through :func:`_cell_value`.
    """
    kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else "?"
    if kind in ("i", "u"):
        return s.to_numpy().tolist()
    if kind == "b":
        return s.to_numpy().tolist()
    if kind == "f":
        v = s.to_numpy(dtype=float)
        return np.where(np.isfinite(v), v, None).tolist()
    values = s.astype(object).tolist()
    if all(type(v) is str for v in values):  # a text column (codes, names): only _cell_value's text branch
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        sub = ILLEGAL_CHARACTERS_RE.sub
        return [neutralise(sub("", v).encode("utf-8", "replace").decode("utf-8")) for v in values]
    return [_cell_value(v) for v in values]
