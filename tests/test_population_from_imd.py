"""Population taken from a deprivation file that carries it; domain deciles read from IoD files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.data.domains import read_domain_deciles
from hotspots.data.population import carries_population, population_from_deprivation
from tests._paths import IMD_FILE1, REAL, need_real

FILE7_HEAD = ("LSOA code (2021),LSOA name (2021),Index of Multiple Deprivation (IMD) Score,"
              "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
              "Income Decile (where 1 is most deprived 10% of LSOAs),"
              "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs),"
              "Crime Decile (where 1 is most deprived 10% of LSOAs),"
              "Total population: mid 2022 (excluding prisoners),Dependent Children aged 0-15: mid 2022 (excluding prisoners)\n")


def _file7(tmp_path: Path) -> Path:
    p = tmp_path / "File_7.csv"
    p.write_text(FILE7_HEAD + 'E01000001,City 001A,8.7,8,10,3,11,"1,500",200\n'
                              'E01035700,Town 002B,40.5,1,1,1,2,"2,001",300\n', encoding="utf-8")
    return p


def test_file7_population_is_used(tmp_path):
    pop, rep = population_from_deprivation(_file7(tmp_path))
    assert pop.to_dict("list") == {"lsoa_code": ["E01000001", "E01035700"], "population": [1500.0, 2001.0]}
    assert rep.info["from_deprivation_file"] is True
    assert rep.info["population_column"].startswith("Total population")


def test_no_population_columns(tmp_path):
    assert carries_population(["LSOA code", "IMD decile", "Dependent Children aged 0-15: mid 2022"]) is None
    assert carries_population(["code", "Population"]) == "Population"
    p = tmp_path / "imd.csv"
    p.write_text("lsoa_code,IMD_decile,count\nE01000001,3,12\n", encoding="utf-8")
    assert population_from_deprivation(p) is None


def test_domain_deciles(tmp_path):
    d, rep = read_domain_deciles(_file7(tmp_path))
    assert list(d.columns) == ["lsoa_code", "Income", "Crime"]
    assert rep.info["domains"]["Income"].startswith("Income Decile")  # not the IDACI column
    assert d["Income"].tolist() == [10, 1]
    assert d["Crime"].isna().tolist() == [True, False] and rep.info["invalid_cells"] == 1


@pytest.mark.realdata
def test_real_files():
    need_real(IMD_FILE1)
    assert population_from_deprivation(IMD_FILE1) is None
    iod25 = REAL / "imd" / "IoD2025_england_lsoa21_scores_ranks_deciles.csv"
    need_real(iod25)
    assert population_from_deprivation(iod25) is None  # the re-shaped copy here has no denominators
    d, rep = read_domain_deciles(iod25)
    assert len(d) == 33_755 and len(rep.info["domains"]) == 7
    f2 = REAL / "imd" / "File_2_-_IoD2019_Domains_of_Deprivation.csv"
    need_real(f2)
    d2, _ = read_domain_deciles(f2)
    assert d2.loc[d2["lsoa_code"] == "E01000001", "Crime"].item() == 10
