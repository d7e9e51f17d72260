"""User overrides of the harm weights: a CSV or XLSX of ``category,weight``."""

from __future__ import annotations

from pathlib import Path

from ..categories import resolve_crime_types
from ..harm import DEFAULT_HARM_WEIGHTS
from ._tables import find_column, read_table, to_number
from .errors import DataError

__all__ = ["read_harm_weights"]


def read_harm_weights(path: str | Path) -> dict[str, float]:
    """Read ``category,weight`` overrides; categories not in the file keep the defaults."""
    df = read_table(path, "harm weights", header_hint=["category", "weight"])
    cat_c = find_column(df, ["category", "crime type", "crime_type", "name"], path, "category")
    w_c = find_column(df, ["weight", "harm", "cchi", "days"], path, "weight")
    weights = dict(DEFAULT_HARM_WEIGHTS)
    values = to_number(df[w_c])
    first = int(df.attrs.get("first_data_line", 2))
    given: dict[str, int] = {}  # crime type -> the line that weighted it
    for i, (cat, val) in enumerate(zip(df[cat_c], values, strict=True)):
        name = resolve_crime_types([cat], source=str(path))[0]  # type: ignore[index]
        if val != val or val < 0 or val == float("inf"):  # NaN, negative or infinite
            raise DataError(path, f"weight '{df[w_c].iloc[i]}' for '{cat}' is not a number >= 0",
                            hint="give each category a non-negative number of days", row=i + first, column=w_c)
        if name in given:  # which of two weights is meant cannot be guessed: the last would win silently
            raise DataError(path, f"'{name}' is weighted twice (line {given[name]} and line {i + first})",
                            hint="keep one weight for each crime type", row=i + first, column=cat_c)
        given[name] = i + first
        weights[name] = float(val)
    return weights
