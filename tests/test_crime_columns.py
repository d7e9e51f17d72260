"""The crime reader's compact columns: files coded one by one, joined in file order at the end."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from hotspots.data import _crime_codes
from hotspots.data._crime_codes import Accumulator


def _table(rng: np.random.Generator, n: int, month: str) -> pa.Table:
    return pa.table({
        "crime_id": pa.array([f"id{int(v)}" if v % 7 else None for v in rng.integers(0, 10**9, n)]),
        "month": pa.array([month] * n),
        "longitude": pa.array(rng.uniform(-3, 1, n)),
        "latitude": pa.array(rng.uniform(50, 53, n)),
        "location": pa.array([f" On or near Street {int(v)} " for v in rng.integers(0, 50, n)]),
        "lsoa_code_csv": pa.array([f"E0100{int(v):04d}" for v in rng.integers(0, 30, n)]),
        "crime_type": pa.array(rng.choice(["Burglary", "Shoplifting", "Violence and sexual offences"], n)),
    })


@pytest.mark.parametrize("threads", [False, True])
def test_the_columns_are_every_file_in_order_joined_on_one_thread_or_two(monkeypatch, threads):
    monkeypatch.setattr(_crime_codes, "_JOIN_ON_TWO", 1 if threads else 10**12)
    rng = np.random.default_rng(5)
    tables = [_table(rng, n, f"2024-0{k + 1}") for k, n in enumerate((300, 1, 2_000, 450))]
    acc = Accumulator()
    for k, t in enumerate(tables):
        acc.add(t, f"f{k}.csv")
    cols = acc.finish()
    assert not acc._parts  # the parts are let go once joined
    lon = np.concatenate([t.column("longitude").to_numpy() for t in tables])
    assert np.array_equal(cols["longitude"], lon) and cols["longitude"].dtype == np.float64
    months = [acc.values["month"][c] for c in cols["month"]]
    assert months == [m for t in tables for m in t.column("month").to_pylist()]
    places = [acc.values["location"][c] for c in cols["location"]]
    assert places == [p.strip() for t in tables for p in t.column("location").to_pylist()]
    assert len(cols["id_h1"]) == len(cols["has_id"]) == len(lon) == sum(t.num_rows for t in tables)
    assert cols["has_id"].sum() == sum(t.num_rows - t.column("crime_id").null_count for t in tables)
