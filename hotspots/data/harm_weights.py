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
    for i, (cat, val) in enumerate(zip(df[cat_c], values, strict=True)):
        name = resolve_crime_types([cat], source=str(path))[0]  # type: ignore[index]
        if val != val or val < 0:  # NaN or negative
            raise DataError(path, f"weight '{df[w_c].iloc[i]}' for '{cat}' is not a number >= 0",
                            hint="give each category a non-negative number of days", row=i + df.attrs.get("first_data_line", 2), column=w_c)
        weights[name] = float(val)
    return weights
