"""Districts come from a real source (boundary, deprivation or lookup file, ONS LSOA names) or,
with none, one district for the study, said as a warning: never one district per LSOA."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _study import lattice_study

from hotspots.data.districts import lad_columns
from hotspots.lsoa.districts import derive_districts, force_label

CODES = [f"E0100{i:04d}" for i in range(40)]
TOWNS = ["Maidstone", "Swale", "Medway", "Dover"]
NAMES = [f"{TOWNS[i % 4]} {i:03d}{'ABCD'[i % 4]}" for i in range(40)]


def test_lad_columns_finds_ons_and_mhclg_headers() -> None:
    df = pd.DataFrame({"LSOA21CD": ["a", "b"], "LAD22CD": ["E06000035", ""], "LAD22NM": ["Medway", "Swale"],
                       "LAD22NMW": ["x", "y"]})
    got = lad_columns(df)
    assert list(got["lad_name"]) == ["Medway", "Swale"]
    assert list(got["lad_code"]) == ["E06000035", None]  # a blank cell is no district
    imd = pd.DataFrame({"Local Authority District name (2019)": ["Dover"],
                        "Local Authority District code (2019)": ["E07000108"]})
    assert lad_columns(imd)["lad_name"][0] == "Dover" and lad_columns(imd)["lad_code"][0] == "E07000108"
    assert lad_columns(pd.DataFrame({"LSOA11CD": ["a"], "LSOA11NM": ["b"]})) == {}


def test_boundary_column_comes_first() -> None:
    b = pd.DataFrame({"lsoa_code": CODES, "lad_name": [f"LA{i % 3}" for i in range(40)]})
    imd = pd.DataFrame({"lsoa_code": CODES, "lad_name": ["IMD LA"] * 40})
    d = derive_districts(CODES, NAMES, boundaries=b, imd=imd)
    assert d.count == 3 and d.names[4] == "LA1" and d.warning is None
    assert "boundary file" in d.source


def test_deprivation_file_gives_districts_for_codes_only_boundaries() -> None:
    imd = pd.DataFrame({"lsoa_code": CODES[::-1], "lad_name": [f"LA{i % 5}" for i in range(40)][::-1]})
    d = derive_districts(CODES, CODES, imd=imd)  # codes-only boundaries: the name is the code
    assert d.count == 5 and d.names[7] == "LA2" and d.warning is None
    assert "deprivation" in d.source


def test_lookup_gives_districts_on_either_vintage() -> None:
    lk = pd.DataFrame({"lsoa11": [c.replace("E01", "E11") for c in CODES], "lsoa21": CODES, "chgind": "U",
                       "lad_name": ["Kent LA"] * 20 + ["Other LA"] * 20})
    d = derive_districts(CODES, CODES, lsoa_lookup=lk)
    assert d.count == 2 and d.names[25] == "Other LA" and "lookup" in d.source


def test_name_prefix() -> None:
    d = derive_districts(CODES, NAMES)
    assert sorted(set(d.names)) == sorted(TOWNS) and "LSOA names" in d.source and d.warning is None
    four = derive_districts(CODES, [f"CopyK {i:04d}A" for i in range(40)])  # names as in a copied file
    assert d.count == 4 and four.count == 1 and four.names[0] == "CopyK"


@pytest.mark.parametrize("names", [CODES, [f"Area{i} 001A" for i in range(40)], [f"Lat {i}" for i in range(40)]])
def test_no_source_is_one_district_with_a_warning(names: list[str]) -> None:
    d = derive_districts(CODES, names, force="Kent Police area")
    assert d.count == 1 and set(d.names) == {"Kent Police area"}
    assert d.warning and "one district" in d.warning and "--imd" in d.warning


def test_partial_source_fills_from_the_next_then_one_other() -> None:
    imd = pd.DataFrame({"lsoa_code": CODES[:30], "lad_name": ["IMD LA"] * 30})
    d = derive_districts(CODES, NAMES[:35] + CODES[35:], imd=imd)
    assert (d.names[:30] == "IMD LA").all()
    assert list(d.names[30:35]) == [NAMES[i].split()[0] for i in range(30, 35)]
    d2 = derive_districts(CODES, CODES, imd=imd, force="Kent Police area")
    assert (d2.names[30:] == "Other LSOAs (Kent Police area)").all() and "10 of 40" in d2.warning


def test_force_label_from_police_files() -> None:
    assert force_label(["2021-01-kent-street.csv", "2021-02-kent-street.csv"]) == "Kent Police area"
    assert force_label(["x/2024-03-avon-and-somerset-street.csv"]) == "Avon and Somerset Police area"
    assert force_label(["a.csv"]) is None
    assert force_label(["2021-01-kent-street.csv", "2021-01-essex-street.csv"]) == "Kent and Essex police areas"


def test_codes_only_run_has_one_district_and_says_so(tmp_path: Path) -> None:
    """End to end: boundaries whose names carry no district -> one district, a warning, bounded tables."""
    from hotspots.pipeline import run_study
    from hotspots.study import Settings, Study

    b, c = lattice_study(tmp_path, n=6, lsoa_name="{j}{i}")
    police = c.with_name("2021-01-kent-street.csv")
    c.rename(police)
    study = Study(boundaries=str(b), crimes=[str(police)], name="t")
    study.settings = Settings(permutations=99)
    res = run_study(study, tmp_path / "out", exports=False)
    trends = res.analysis.time.trends
    assert len(trends.district) == 1 and trends.district["district"].iloc[0] == "Kent Police area"
    assert trends.district_series.shape[0] == 1
    assert (trends.lsoa["district"] == "Kent Police area").all()
    assert any("one district" in n for n in res.analysis.notes)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "one district" in summary["trends"]["district_source"]
    assert np.isclose(trends.district["crimes"].iloc[0], res.analysis.table["crimes"].sum())


def test_district_count_is_bounded_whatever_the_source() -> None:
    """A source naming thousands of "districts" (ward names in a LAD column) cannot make thousands of series."""
    b = pd.DataFrame({"lsoa_code": CODES, "lad_name": [f"Ward {i // 2}" for i in range(40)]})
    d = derive_districts(CODES, CODES, boundaries=b, max_districts=5)
    assert d.count == 5 and (d.names == "Other districts").sum() == 32
    assert d.warning and "16 smallest" in d.warning


def test_readers_keep_the_district_columns(tmp_path: Path) -> None:
    """The boundary, deprivation and lookup readers keep LAD columns; the IMD carried across the lookup keeps them."""
    from hotspots.data.boundaries import read_boundaries
    from hotspots.data.deprivation import read_deprivation
    from hotspots.data.lsoa_lookup import convert_deprivation, read_lsoa_lookup

    feats = [{"type": "Feature", "properties": {"LSOA21CD": f"E0100000{i}", "LAD22CD": "E07000110",
                                                "LAD22NM": "Maidstone" if i < 2 else "Swale"},
              "geometry": {"type": "Polygon", "coordinates": [[[0.5 + i * .01, 51.2], [0.51 + i * .01, 51.2],
                                                               [0.51 + i * .01, 51.21], [0.5 + i * .01, 51.2]]]}}
             for i in range(3)]
    (tmp_path / "b.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    b, _ = read_boundaries(tmp_path / "b.geojson")
    assert list(b["lad_name"]) == ["Maidstone", "Maidstone", "Swale"]
    (tmp_path / "imd.csv").write_text(
        "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),"
        "Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\n"
        "E01000001,Dover 001A,E07000108,Dover,100,1\nE01000002,Dover 001B,E07000108,Dover,30000,10\n")
    imd, _ = read_deprivation(tmp_path / "imd.csv")
    assert list(imd["lad_name"]) == ["Dover", "Dover"]
    (tmp_path / "lk.csv").write_text("LSOA11CD,LSOA21CD,CHGIND,LAD22CD,LAD22NM\n"
                                     "E01000001,E01900001,U,E07000108,Dover\nE01000002,E01900002,U,E07000108,Dover\n")
    lk, _ = read_lsoa_lookup(tmp_path / "lk.csv")
    assert list(lk["lad_name"]) == ["Dover", "Dover"]
    moved = convert_deprivation(imd, lk, "2021")
    assert list(moved["lad_name"]) == ["Dover", "Dover"] and list(moved["lsoa_code"]) == ["E01900001", "E01900002"]
