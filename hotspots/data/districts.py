"""Local authority district columns that boundary, deprivation and lookup files carry.

Districts group LSOAs for the trend tables and charts. The honest source is a file that says
which local authority each LSOA is in: the MHCLG deprivation files ("Local Authority District
name (2019)"), the ONS boundaries with LAD fields (``LAD21NM``), the ONS LSOA 2011-2021
lookup (``LAD22NM``). Every reader calls :func:`lad_columns` on its own table and keeps
``lad_code`` / ``lad_name`` when it finds them, so :mod:`hotspots.districts` can choose the
best source without reading any file again.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._tables import normalise

__all__ = ["lad_columns", "LAD_CODE", "LAD_NAME"]

#: normalised headers of a district code / name column (``LAD21CD``, ``Local Authority District code (2019)``)
LAD_CODE = re.compile(r"^(lad\d{0,2}cd|ladcode|ladcd|lacode|localauthority(district)?code\d*|lad\d{2}code)$")
LAD_NAME = re.compile(r"^(lad\d{0,2}nm|ladname|ladnm|laname|localauthority(district)?name\d*|lad\d{2}name"
                      r"|district|districtname|localauthority)$")
_BLANK = {"", "nan", "none", "null", "<na>"}


def _pick(columns: list, pattern: re.Pattern) -> object | None:
    for c in columns:
        if pattern.match(normalise(c)):
            return c
    return None


def _clean(values: pd.Series) -> np.ndarray:
    """Text cells stripped; blanks (and their spellings) as None."""
    s = values.astype(object).where(values.notna(), None)
    out = np.array([None if v is None else str(v).strip() for v in s], dtype=object)
    blank = np.array([v is None or v.lower() in _BLANK for v in out], dtype=bool)
    out[blank] = None
    return out


def lad_columns(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """``{"lad_code": ..., "lad_name": ...}`` for the district columns ``df`` has (either, both or none),
    one value per row, None where the cell is blank. Welsh-name columns (``LAD22NMW``) are not
    matched: the English name is the one the rest of the tool shows."""
    cols = [c for c in df.columns if c != getattr(df, "_geometry_column_name", None)]
    found: dict[str, np.ndarray] = {}
    for key, pattern in (("lad_code", LAD_CODE), ("lad_name", LAD_NAME)):
        col = _pick(cols, pattern)
        if col is not None:
            vals = _clean(df[col])
            if any(v is not None for v in vals):
                found[key] = vals
    return found
