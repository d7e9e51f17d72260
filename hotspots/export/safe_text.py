"""Make text from input files inert in spreadsheets (formula injection).

A crime ``Location`` or a pub name such as ``=HYPERLINK("http://evil","click")`` would run as
a formula when a bid writer opens the CSV or XLSX in Excel. Cells that start with ``=``,
``+``, ``-``, ``@`` (or a tab/carriage return) get a leading apostrophe, the OWASP advice.
Numbers are never touched, so negative z-scores stay numbers.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["neutralise", "neutralise_frame"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text column neutralised."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[c] = s.map(neutralise).astype(object)
    return out
