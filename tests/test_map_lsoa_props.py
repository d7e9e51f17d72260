"""The patrol map's LSOA tooltip properties: escaped text and numbers as :func:`num` prints them,
missing values as '-', for numpy, nullable and Arrow-backed columns alike."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.export.map._map_popups import esc, lsoa_props, num


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "lsoa_code": pd.array(["E01000001", None, "<b>&'\""], dtype="string[pyarrow]"),
        "lsoa_name": ["Dover 001A", np.nan, pd.NA], "crimes": pd.array([1, None, 12345], dtype="Int64"),
        "harm": [1.5, np.inf, 150.25], "value": [0.5, 100.0, 3.0], "imd_decile": [1.0, np.nan, 10.0],
        "lisa_cluster": ["HH", None, "not a cluster"], "gi_bin": [3.0, np.nan, -2.0],
        "zone_id": pd.array([1, None, 3], dtype="Int64")})


def test_props_text_and_missing_values():
    p = lsoa_props(_frame())
    assert p[0] == {"c": "HH", "g": 3, "code": "E01000001", "name": "Dover 001A", "crimes": "1", "harm": "2",
                    "value": "0.50", "imd": "1", "cluster": p[0]["cluster"], "gi": p[0]["gi"], "zone": "Zone 1"}
    assert p[0]["gi"].endswith("(+3)") and p[2]["gi"].endswith("(-2)")
    assert p[1] == {"c": "ns", "g": 0, "code": "", "name": "", "crimes": "-", "harm": "-", "value": "100",
                    "imd": "-", "cluster": p[1]["cluster"], "gi": p[1]["gi"], "zone": "-"}
    assert p[2]["code"] == esc("<b>&'\"") and "<" not in p[2]["code"]
    assert (p[2]["crimes"], p[2]["harm"], p[2]["value"], p[2]["imd"], p[2]["c"]) == ("12,345", "150", "3", "10", "ns")


def test_props_match_num_value_by_value():
    rng = np.random.default_rng(2)
    values = np.concatenate([rng.normal(0, 300, 200), [0.0, 99.999, 100.0, -0.004, 2.5, np.nan, np.inf]])
    f = pd.DataFrame({"lsoa_code": [f"E{k}" for k in range(len(values))], "lsoa_name": "x", "crimes": values,
                      "harm": values, "value": values, "lisa_cluster": "LL", "gi_bin": 0})
    p = lsoa_props(f)
    assert [q["value"] for q in p] == [num(v) for v in values]
    assert [q["harm"] for q in p] == [num(v, 0) for v in values]
    assert all(q["zone"] == "-" and q["imd"] == "-" for q in p)  # no zone or IMD columns
