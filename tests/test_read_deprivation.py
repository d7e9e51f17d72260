"""read_deprivation / check_join: real MHCLG files and small broken ones."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotspots.data.deprivation import check_join, read_deprivation
from hotspots.data.errors import DataError
from hotspots.data.report import LoadReport

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
IMD = REAL / "imd"
FILE1_CSV = IMD / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
FILE1_XLSX = IMD / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
FILE2 = IMD / "File_2_-_IoD2019_Domains_of_Deprivation.csv"
IOD25 = IMD / "IoD2025_england_lsoa21_scores_ranks_deciles.csv"
KENT_LSOA = REAL / "kent" / "boundaries" / "kent_medway_lsoa2011_bgc.geojson"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"real data not available: {path}")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    """An independent read with the csv module (BOM stripped by utf-8-sig)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _write(tmp_path: Path, text: str, name: str = "imd.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --- real files --------------------------------------------------------------------------------

@pytest.mark.realdata
def test_file1_csv_matches_csv_module() -> None:
    _need(FILE1_CSV)
    imd, rep = read_deprivation(FILE1_CSV)
    rows = _csv_rows(FILE1_CSV)
    assert len(imd) == len(rows) == 32_844
    assert rep.rows_read == rep.rows_kept == 32_844
    assert rep.info["vintage"] == "IMD2019"
    rep.check_balance()
    assert list(imd.columns) == ["lsoa_code", "imd_score", "imd_rank", "imd_decile", "lad_code", "lad_name"]
    assert imd.set_index("lsoa_code").loc["E01000006", "lad_name"] == "Barking and Dagenham"  # the district
    assert str(imd["imd_rank"].dtype) == "Int64" and str(imd["imd_decile"].dtype) == "Int64"
    assert imd["imd_score"].isna().all()  # File 1 has no score
    expected = {r["LSOA code (2011)"]: (_int(r["Index of Multiple Deprivation (IMD) Rank"]),
                                        int(r["Index of Multiple Deprivation (IMD) Decile"]))
                for r in rows}
    got = dict(zip(imd["lsoa_code"], zip(imd["imd_rank"].astype(int), imd["imd_decile"].astype(int),
                                          strict=True), strict=True))
    assert got == expected
    # a known City of London LSOA, rank quoted as "29,199" in the file
    assert got["E01000001"] == (29_199, 9)


@pytest.mark.realdata
def test_file1_xlsx_equals_csv() -> None:
    _need(FILE1_XLSX)
    _need(FILE1_CSV)
    from_xlsx, rep = read_deprivation(FILE1_XLSX)  # Notes sheet first: the data sheet is picked
    from_csv, _ = read_deprivation(FILE1_CSV)
    assert rep.info["vintage"] == "IMD2019"
    pd.testing.assert_frame_equal(from_xlsx, from_csv)


@pytest.mark.realdata
def test_file2_has_crime_domain() -> None:
    _need(FILE2)
    imd, rep = read_deprivation(FILE2)
    rep.check_balance()
    assert {"crime_decile", "crime_score"} <= set(imd.columns)
    assert imd["crime_score"].isna().all()
    rows = {r["LSOA code (2011)"]: r for r in _csv_rows(FILE2)}
    crime_col = "Crime Decile (where 1 is most deprived 10% of LSOAs)"
    imd_col = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    for code, crime, dec in zip(imd["lsoa_code"], imd["crime_decile"], imd["imd_decile"], strict=True):
        assert crime == int(rows[code][crime_col])
        assert dec == int(rows[code][imd_col])


@pytest.mark.realdata
def test_iod2025_short_headers_with_scores() -> None:
    _need(IOD25)
    imd, rep = read_deprivation(IOD25)
    rep.check_balance()
    assert rep.info["vintage"] == "IoD2025"
    assert len(imd) == 33_755
    rows = {r["lsoa21_code"]: r for r in _csv_rows(IOD25)}
    sample = imd.sample(200, random_state=12345)
    for _, r in sample.iterrows():
        src = rows[r["lsoa_code"]]
        assert r["imd_score"] == pytest.approx(float(src["IMD_score"]))
        assert r["imd_rank"] == int(src["IMD_rank"])
        assert r["imd_decile"] == int(src["IMD_decile"])
        assert r["crime_decile"] == int(src["Crime_decile"])
        assert r["crime_score"] == pytest.approx(float(src["Crime_score"]))


@pytest.mark.realdata
def test_decile_derived_from_rank_matches_published(tmp_path: Path) -> None:
    _need(FILE1_CSV)
    rows = _csv_rows(FILE1_CSV)[::50]  # a subset: deciles must use the national count, not 657
    lines = ["lsoa11cd,IMD_rank"] + [f'{r["LSOA code (2011)"]},"{r["Index of Multiple Deprivation (IMD) Rank"]}"'
                                     for r in rows]
    imd, rep = read_deprivation(_write(tmp_path, "\n".join(lines)))
    assert rep.info["deciles_from_rank"] == len(rows)
    published = [int(r["Index of Multiple Deprivation (IMD) Decile"]) for r in rows]
    assert imd["imd_decile"].astype(int).tolist() == published


@pytest.mark.realdata
def test_check_join_vintages_against_kent_2011_boundaries() -> None:
    for p in (KENT_LSOA, FILE1_CSV, IOD25):
        _need(p)
    codes = [f["properties"]["LSOA11CD"] for f in json.loads(KENT_LSOA.read_text())["features"]]
    imd19, rep19 = read_deprivation(FILE1_CSV)
    res = check_join(imd19, codes, "2011", rep19)
    assert res["joined"] == len(set(codes)) == 1_065
    assert res["unmatched_lsoas"] == 0 and rep19.warnings == []

    imd25, rep25 = read_deprivation(IOD25)
    res = check_join(imd25, codes, "2011", rep25)
    expected_unmatched = len(set(codes) - set(_csv_code_column(IOD25, "lsoa21_code")))
    assert expected_unmatched > 0
    assert res["unmatched_lsoas"] == expected_unmatched
    assert res["joined"] == 1_065 - expected_unmatched
    assert res["vintage_mismatch"] is True
    text = " ".join(rep25.warnings)
    assert "vintages differ" in text and f"{expected_unmatched:,} of 1,065" in text
    assert "IMD 2019 with 2011" in text and "IoD 2025 with 2021" in text and "lookup" in text


def _csv_code_column(path: Path, col: str) -> list[str]:
    return [r[col] for r in _csv_rows(path)]


# --- small files ---------------------------------------------------------------------------

MHCLG_FILE7 = (
    "\ufeffLSOA code (2021),LSOA name (2021),Index of Multiple Deprivation (IMD) Score,"
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
    "Crime Score,Crime Rank (where 1 is most deprived),"
    "Crime Decile (where 1 is most deprived 10% of LSOAs),Total population: mid 2022\n"
    'E01000001,City of London 001A,8.7,"26,525",8,-2.22,"33,698",10,"1,500"\n'
    'E01035700,Somewhere 001X,40.5,120,1,1.5,45,1,"2,001"\n'
)


def test_mhclg_long_headers_iod2025(tmp_path: Path) -> None:
    imd, rep = read_deprivation(_write(tmp_path, MHCLG_FILE7))
    assert rep.info["vintage"] == "IoD2025"
    assert imd["lsoa_code"].tolist() == ["E01000001", "E01035700"]
    assert imd["imd_score"].tolist() == [8.7, 40.5]
    assert imd["imd_rank"].tolist() == [26_525, 120]
    assert imd["imd_decile"].tolist() == [8, 1]
    assert imd["crime_decile"].tolist() == [10, 1]
    assert imd["crime_score"].tolist() == [-2.22, 1.5]


def test_rank_only_2011_with_bom(tmp_path: Path) -> None:
    # national N = 32,844: rank 3,284 is decile 1, rank 3,285 decile 2, 32,844 decile 10
    text = '\ufeffLSOA code (2011),Index of Multiple Deprivation (IMD) Rank\nE01000001,"3,284"\n' \
           'E01000002,"3,285"\nE01000003,"32,844"\n'
    imd, rep = read_deprivation(_write(tmp_path, text))
    assert rep.info["vintage"] == "IMD2019"
    assert imd["imd_decile"].tolist() == [1, 2, 10]
    assert math.isnan(imd["imd_score"].iloc[0])


def test_bad_decile_and_duplicates_are_dropped_and_counted(tmp_path: Path) -> None:
    text = ("lsoa11cd,IMD_decile\nE01000001,3\nE01000002,11\nE01000003,0\nE01000004,2.5\n"
            "E01000001,4\n,5\nE01000005,\nE01000006,7\n")
    imd, rep = read_deprivation(_write(tmp_path, text))
    assert imd["lsoa_code"].tolist() == ["E01000001", "E01000006"]
    assert imd["imd_decile"].tolist() == [3, 7]  # first of the duplicates kept
    assert rep.dropped == {"IMD decile outside 1..10": 3, "duplicate LSOA code": 1,
                           "no LSOA code": 1, "no IMD rank or decile": 1}
    assert rep.rows_read == 8 and rep.rows_kept == 2
    rep.check_balance()
    assert any("line 3" in w for w in rep.warnings)  # E01000002,11 sits on line 3


def test_check_join_same_vintage_reports_unmatched(tmp_path: Path) -> None:
    imd, rep = read_deprivation(_write(tmp_path, "lsoa11cd,IMD_decile\nE01000001,3\nE01000002,4\n"))
    res = check_join(imd, ["E01000001", "E01000002", "E01009999"], "2011", rep)
    assert res == {"joined": 2, "unmatched_lsoas": 1, "unmatched_examples": ["E01009999"],
                   "vintage_mismatch": False}
    assert any("E01009999" in w for w in rep.warnings)
    assert rep.info["join"]["joined"] == 2


def test_check_join_reverse_mismatch_2021_boundaries_with_imd2019(tmp_path: Path) -> None:
    imd, rep = read_deprivation(_write(tmp_path, "lsoa11cd,IMD_decile\nE01000001,3\nE01000002,4\n"))
    res = check_join(imd, ["E01000001", "E01035000"], "LSOA21", rep)
    assert res["vintage_mismatch"] is True and res["unmatched_lsoas"] == 1
    assert any("vintages differ" in w and "1 of 2" in w for w in rep.warnings)


def test_check_join_without_imd_report_infers_iod2025_from_codes() -> None:
    imd = pd.DataFrame({"lsoa_code": ["E01000001", "E01035000"], "imd_decile": [1, 2]})
    rep = LoadReport(source="x", kind="deprivation")
    res = check_join(imd, ["E01000001", "E01000002"], "2011", rep)
    assert res["vintage_mismatch"] is True and res["joined"] == 1


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"lsoa11cd,IMD_decile\n", "no data rows"),
        (b"name,value\nfoo,1\n", "no LSOA code column"),
        (b"lsoa11cd,population\nE01000001,1000\n", "no IMD rank or decile"),
        (b"lsoa11cd,IMD_decile\nE01000001,high\nE01000002,low\n", "holds no numbers"),
    ],
)
def test_broken_files_raise_data_error(tmp_path: Path, content: bytes, needle: str) -> None:
    p = tmp_path / "imd.csv"
    p.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_deprivation(p)
    assert needle in str(info.value)


def test_wrong_columns_message_lists_the_file_columns(tmp_path: Path) -> None:
    p = _write(tmp_path, "lsoa11cd,Income Rank,Some Other Thing\nE01000001,5,x\n")
    with pytest.raises(DataError) as info:
        read_deprivation(p)
    assert "'Income Rank'" in str(info.value) and "'Some Other Thing'" in str(info.value)


def test_windows_1252_bytes_give_line_number(tmp_path: Path) -> None:
    p = tmp_path / "imd.csv"
    p.write_bytes(b"lsoa11cd,name,IMD_decile\nE01000001,ok,3\nE01000002,caf\xe9,4\n")
    with pytest.raises(DataError) as info:
        read_deprivation(p)
    assert info.value.row == 3
    assert "UTF-8" in str(info.value)


def test_missing_file_folder_and_garbage_xlsx(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        read_deprivation(tmp_path / "nope.csv")
    with pytest.raises(DataError):
        read_deprivation(tmp_path)
    bad = tmp_path / "imd.xlsx"
    bad.write_bytes(b"this is not a workbook")
    with pytest.raises(DataError):
        read_deprivation(bad)


def test_xlsx_with_notes_sheet_first(tmp_path: Path) -> None:
    p = tmp_path / "imd.xlsx"
    with pd.ExcelWriter(p) as xw:
        pd.DataFrame({"Notes": ["Published by MHCLG", "OGL v3"]}).to_excel(xw, sheet_name="Notes", index=False)
        pd.DataFrame({"LSOA code (2011)": ["E01000001", "E01000002"],
                      "Index of Multiple Deprivation (IMD) Rank": [29199, 100],
                      "Index of Multiple Deprivation (IMD) Decile": [9, 1]}).to_excel(
            xw, sheet_name="IMD2019", index=False)
    imd, rep = read_deprivation(p)
    assert imd["imd_decile"].tolist() == [9, 1]
    assert imd["imd_rank"].tolist() == [29199, 100]
    assert np.isnan(imd["imd_score"]).all()
    rep.check_balance()
