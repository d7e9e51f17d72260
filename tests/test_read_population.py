"""read_population: IoD File 6, IoD 2025 File 7 style, Census style and broken files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from hotspots.data.errors import DataError
from hotspots.data.population import read_population

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
FILE6 = REAL / "imd" / "File_6_-_IoD2019_Population_Denominators.csv"
TOTAL_2015 = "Total population: mid 2015 (excluding prisoners)"


def _write(tmp_path: Path, text: str, name: str = "pop.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.realdata
def test_file6_matches_csv_module() -> None:
    if not FILE6.exists():
        pytest.skip(f"real data not available: {FILE6}")
    with FILE6.open(encoding="utf-8-sig", newline="") as fh:
        expected = {r["LSOA code (2011)"]: float(r[TOTAL_2015].replace(",", "")) for r in csv.DictReader(fh)}
    pop, rep = read_population(FILE6)
    rep.check_balance()
    assert rep.rows_read == rep.rows_kept == len(expected) == 32_844
    assert rep.info["population_column"] == TOTAL_2015  # not the age-band columns
    assert rep.info["lsoa_vintage"] == "2011"
    assert dict(zip(pop["lsoa_code"], pop["population"], strict=True)) == expected
    assert expected["E01000001"] == 1296.0  # quoted "1,296" in the file
    assert pop["population"].dtype == float


def test_iod2025_file7_population_column(tmp_path: Path) -> None:
    text = ("LSOA code (2021),Index of Multiple Deprivation (IMD) Score,Total population: mid 2022,"
            "Dependent Children aged 0-15: mid 2022,"
            "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022\n"
            'E01000001,8.7,"1,500",200,900\nE01035700,40.5,"2,001",300,1000\n')
    pop, rep = read_population(_write(tmp_path, text))
    assert pop["population"].tolist() == [1500.0, 2001.0]
    assert rep.info["population_column"] == "Total population: mid 2022"
    assert rep.info["lsoa_vintage"] == "2021"


def test_census_style_usual_residents(tmp_path: Path) -> None:
    text = "date,geography,geography code,All usual residents\n2021,Dover 001A,E01024100,1650\n"
    pop, rep = read_population(_write(tmp_path, text))
    assert pop.to_dict("list") == {"lsoa_code": ["E01024100"], "population": [1650.0]}
    assert rep.info["code_column"] == "geography code"


def test_short_headers_and_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "pop.xlsx"
    pd.DataFrame({"lsoa11cd": ["E01000001", "E01000002"], "pop": [1296, 1156]}).to_excel(p, index=False)
    pop, rep = read_population(p)
    assert pop["population"].tolist() == [1296.0, 1156.0]
    rep.check_balance()


def test_zero_negative_missing_duplicate_dropped_and_counted(tmp_path: Path) -> None:
    text = ("lsoa_code,population\nE01000001,1000\nE01000002,0\nE01000003,-5\nE01000004,\n"
            "E01000005,\\N\nE01000006,lots\nE01000001,999\n,500\nE01000007,1200\n")
    pop, rep = read_population(_write(tmp_path, text))
    assert pop["lsoa_code"].tolist() == ["E01000001", "E01000007"]
    assert pop["population"].tolist() == [1000.0, 1200.0]
    assert rep.dropped == {"population zero or negative": 2, "population missing or not a number": 3,
                           "duplicate LSOA code": 1, "no LSOA code": 1}
    rep.check_balance()
    assert any("line 7" in w and "lots" in w for w in rep.warnings)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"   \n\n", "no rows"),
        (b"lsoa_code,population\n", "no data rows"),
        (b"lsoa_code,population\nE01000001,many\nE01000002,few\n", "holds no numbers"),
        (b"lsoa_code,population\nE01000001,0\n", "no usable population rows"),
    ],
)
def test_broken_files_raise_data_error(tmp_path: Path, content: bytes, needle: str) -> None:
    p = tmp_path / "pop.csv"
    p.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_population(p)
    assert needle in str(info.value)


def test_wrong_columns_message_lists_the_file_columns(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_population(_write(tmp_path, "lsoa_code,households,area_ha\nE01000001,400,12\n"))
    assert "no population column" in str(info.value)
    assert "'households'" in str(info.value) and "'area_ha'" in str(info.value)
    with pytest.raises(DataError) as info:
        read_population(_write(tmp_path, "ward,population\nX,400\n"))
    assert "no LSOA code column" in str(info.value) and "'ward'" in str(info.value)


def test_windows_1252_bytes_give_line_number(tmp_path: Path) -> None:
    p = tmp_path / "pop.csv"
    p.write_bytes(b"lsoa_code,name,population\nE01000001,a,1\nE01000002,b,2\nE01000003,caf\xe9,3\n")
    with pytest.raises(DataError) as info:
        read_population(p)
    assert info.value.row == 4


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_population(tmp_path / "nope.csv")
