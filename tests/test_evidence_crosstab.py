"""The inquiry's cross-table on a hand-made table; the chart is a real PNG."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.evidence.crosstab import cross_table


def _table():
    # area 1 km² each, so pubs = pubs per km²
    return pd.DataFrame({
        "imd_decile": pd.array([1, 2, 1, 9, 10, 5, pd.NA], dtype="Int64"),
        "pubs": [0, 0, 12, 1, 3, 0, 50],
        "area_km2": [1.0] * 7,
        "crimes": [100, 50, 400, 10, 20, 30, 999],
        "population": [1000.0, 1000.0, 2000.0, 1000.0, 1000.0, np.nan, 1000.0],
    })


def test_hand_made_groups():
    ct = cross_table(_table(), vawg=np.array([40, 10, 100, 2, 4, 9, 500]))
    g = ct.groups.set_index(["imd_band", "pub_band"])
    top = g.loc[("1-2 (most deprived)", "no pubs")]
    assert (top.lsoas, top.population, top.crimes, top.vawg) == (2, 2000, 150, 50)
    assert top.crime_per_1000 == pytest.approx(75.0) and top.vawg_per_1000 == pytest.approx(25.0)
    busy = g.loc[("1-2 (most deprived)", "over 10 per km²")]
    assert busy.crime_per_1000 == pytest.approx(200.0) and busy.lsoas == 1
    assert g.loc[("9-10 (least deprived)", "up to 2 per km²")].crime_per_1000 == pytest.approx(10.0)
    assert g.loc[("9-10 (least deprived)", "2-10 per km²")].crime_per_1000 == pytest.approx(20.0)
    # the LSOA without population counts as an LSOA, not in the rates; the one without decile is out
    mid = g.loc[("5-6", "no pubs")]
    assert mid.lsoas == 1 and mid.population == 0 and np.isnan(mid.crime_per_1000)
    assert g["lsoas"].sum() == 6 and len(ct.groups) == 20
    assert any("no IMD decile" in n for n in ct.notes)
    assert ct.force["crime_per_1000"] == pytest.approx((100 + 50 + 400 + 10 + 20 + 999) / 7000 * 1000)
    w = ct.wide()
    assert w.shape == (5, 4) and w.iloc[0, 3] == pytest.approx(200.0)


def test_chart_png(tmp_path):
    from hotspots.export.documents._evidence_figures import crosstab_chart

    ct = cross_table(_table(), vawg=np.zeros(7))
    p = crosstab_chart(ct, tmp_path / "ct.png", title="Demo $x$ (no maths)")
    assert p.read_bytes()[:4] == b"\x89PNG"
