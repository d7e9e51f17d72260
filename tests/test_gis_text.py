"""Text written to the GeoPackage and GeoJSON files: the column-at-once check cleans exactly as
the value-by-value rule (control characters and lone surrogates dropped, missing values empty)."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.export.gis import _clean_column, _clean_value


@pytest.mark.parametrize("values", [
    ["Maidstone 001A", "High Street", "", "  spaced  "],
    ["Bad\x00name", "tab\tand newline\nkept", "bell\x07"],
    ["lone \ud800 surrogate", "fine"],
    ["a", None, float("nan"), 3, 2.5],
    [None, None],
    [],
])
def test_a_column_is_cleaned_as_its_values_are(values):
    s = pd.Series(values, dtype=object)
    got = _clean_column(s)
    assert list(got) == [_clean_value(v) for v in values]
    assert got.dtype == object


def test_a_string_dtype_column_with_missing_values():
    s = pd.Series(["E01000001", pd.NA, "x\x1fy"], dtype="string")
    assert list(_clean_column(s)) == ["E01000001", "", "xy"]


def test_a_clean_column_is_passed_through_without_a_call_per_value(monkeypatch):
    from hotspots.export import gis

    calls = []
    monkeypatch.setattr(gis, "_clean_value", lambda v: calls.append(v) or v)
    got = gis._clean_column(pd.Series([f"E0{i:07d}" for i in range(1000)], dtype=object))
    assert calls == [] and got[5] == "E00000005" and len(got) == 1000
    gis._clean_column(pd.Series(["ok", "bad\x01"], dtype=object))
    assert len(calls) == 2
