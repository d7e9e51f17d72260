"""Reading a force's records extract: columns, mapping files, dates, offences, harm, accounting."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _extract_synth import make_extract, write_dialect

from hotspots.data.boundaries import read_boundaries
from hotspots.data.errors import DataError
from hotspots.data.extract import REASONS, read_extract
from hotspots.data.extract_columns import ColumnMap, detect_columns, mapping_json, read_mapping
from hotspots.data.extract_dates import EPOCH, parse_dates, parse_times
from hotspots.data.offence_codes import categories_for, normalise_code, read_harm_table
from hotspots.study import DEMO_DIR


@pytest.fixture(scope="module")
def boundaries():
    b, _ = read_boundaries(DEMO_DIR / "boundaries.gpkg")
    return b


@pytest.fixture(scope="module")
def synth():
    return make_extract(seed=11, n_night=120, n_school=100, n_background=900)


def _minutes(ts: str) -> int:
    return int((np.datetime64(ts, "m") - EPOCH).astype(np.int64))


# ---------------------------------------------------------------- columns and mapping
@pytest.mark.parametrize("headers, expect", [
    (["Crime Number", "HO Code", "Offence", "Committed From Date", "Committed From Time", "Committed To Date",
      "Committed To Time", "Easting", "Northing", "Location"],
     {"id": "Crime Number", "offence_code": "HO Code", "from_date": "Committed From Date",
      "from_time": "Committed From Time", "to_date": "Committed To Date", "x": "Easting", "y": "Northing"}),
    (["URN", "hoc", "START_DATETIME", "END_DATETIME", "latitude", "longitude", "address"],
     {"id": "URN", "offence_code": "hoc", "from": "START_DATETIME", "to": "END_DATETIME", "lat": "latitude",
      "lon": "longitude", "location": "address"}),
    (["Date", "Time", "Crime type", "X", "Y"],
     {"from_date": "Date", "from_time": "Time", "offence": "Crime type", "x": "X", "y": "Y"}),
])
def test_columns_are_found_by_common_names(headers, expect):
    cm = detect_columns(headers)
    for key, col in expect.items():
        assert cm.get(key) == col, key
    assert cm.missing() == []


def test_a_column_is_used_once_and_missing_facts_are_named():
    cm = detect_columns(["Date", "Easting", "Northing"])
    assert cm.from_date == "Date" and cm.to_date is None  # "date" is the start, not also the end
    assert cm.missing() == ["offence_code (or offence)"]


def test_mapping_file_round_trip_and_errors(tmp_path):
    cm = ColumnMap(from_date="Day1", x="E", y="N", offence_code="Class", date_format="%d-%b-%Y")
    cm.set("from", None)
    p = tmp_path / "m.json"
    p.write_text(mapping_json(cm))
    back = read_mapping(p)
    assert back.to_dict() == cm.to_dict()
    p.write_text(json.dumps({"from_date": "A", "colour": "B"}))
    with pytest.raises(DataError, match="unknown key 'colour'"):
        read_mapping(p)
    p.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        read_mapping(p)


def test_a_mapping_naming_an_absent_column_is_refused(tmp_path, boundaries):
    ex = make_extract(seed=2, n_night=10, n_school=10, n_background=50, broken=False)
    path, _ = write_dialect(ex, tmp_path, "niche")
    m = tmp_path / "bad.json"
    m.write_text(json.dumps({"from_date": "Date Committed"}))
    with pytest.raises(DataError, match="no such column") as err:
        read_extract(path, boundaries, columns=m)
    assert "Date Committed" in str(err.value)


# ---------------------------------------------------------------- dates and times
@pytest.mark.parametrize("values, fmt", [
    (["05/03/2021", "13/12/2021", "01/01/2022"], "%d/%m/%Y"),
    (["2021-03-05", "2021-12-13", "2022-01-01"], "%Y-%m-%d"),
    (["05-Mar-2021", "13-Dec-2021", "01-Jan-2022"], "%d-%b-%Y"),
    (["05.03.2021", "13.12.2021", "01.01.2022"], "%d.%m.%Y"),
    (["05/03/21", "13/12/21", "01/01/22"], "%d/%m/%y"),
    (["2021-03-05 00:00:00", "2021-12-13 00:00:00", "2022-01-01 00:00:00"], "%Y-%m-%d %H:%M:%S"),
])
def test_dates_in_several_formats_guessed(values, fmt):
    minutes, blank, bad, chosen = parse_dates(pd.Series(values))
    assert chosen == fmt
    assert not bad.any() and not blank.any()
    assert list(minutes) == [_minutes("2021-03-05"), _minutes("2021-12-13"), _minutes("2022-01-01")]


def test_day_first_unless_the_column_only_reads_month_first():
    m, _, _, fmt = parse_dates(pd.Series(["03/04/2021", "05/06/2021"]))
    assert fmt == "%d/%m/%Y" and m[0] == _minutes("2021-04-03")
    m, _, _, fmt = parse_dates(pd.Series(["03/04/2021", "12/25/2021"]))
    assert fmt == "%m/%d/%Y" and m[1] == _minutes("2021-12-25")


def test_given_format_impossible_dates_blanks_and_excel_serials():
    m, blank, bad, _ = parse_dates(pd.Series(["31/02/2021", "", "28/02/2021", "44260"]), "%d/%m/%Y")
    assert list(bad) == [True, False, False, False] and list(blank) == [False, True, False, False]
    assert m[2] == _minutes("2021-02-28")
    assert m[3] == _minutes("2021-03-05")  # Excel day 44260


def test_times_in_several_forms():
    mins, blank, bad = parse_times(pd.Series(["22:30", "22:30:00", "2230", "930", "0.9375", "1899-12-30 07:05:00",
                                              "10:15 pm", "", "25:10", "12:61", "24:00"]))
    assert list(mins[:7]) == [1350, 1350, 1350, 570, 1350, 425, 1335]
    assert blank[7] and bad[8] and bad[9]
    assert mins[10] == 1440 and not bad[10]


# ---------------------------------------------------------------- offences and harm
def test_home_office_codes_normalise_and_map_to_police_uk():
    assert normalise_code(" 008n ") == "8N"
    assert normalise_code("037/02") == "37.2"
    assert normalise_code("HO 46") == "46"
    cat, keys, how = categories_for(pd.Series(["8N", "0046", "28E", "5A", "37.9", "ZZ9", "92D", "034B"]),
                                    pd.Series(["", "", "", "", "", "Criminal damage and arson", "", ""]))
    assert list(cat) == ["Violence and sexual offences", "Shoplifting", "Burglary", "Violence and sexual offences",
                         "", "Criminal damage and arson", "Drugs", "Robbery"]
    assert list(how) == ["code", "code", "code", "class", "", "text", "code", "code"]


def test_css_and_cchi_harm_tables_on_hand_rows(tmp_path, boundaries):
    css = tmp_path / "css.csv"
    css.write_text("Offence code,CSS weight,Source\n8N,100,test release\n46,5\n28E,40\n")
    cchi = tmp_path / "cchi.csv"
    cchi.write_text("HO code,Days\n008N,300\n46,2\n")
    t = read_harm_table(css)
    assert t.unit == "CSS weight" and "test release" in t.source and t.weights == {"8N": 100, "46": 5, "28E": 40}
    t2 = read_harm_table(cchi)
    assert t2.unit == "CCHI days" and t2.weights == {"8N": 300.0, "46": 2.0}
    rows = pd.DataFrame({
        "ID": ["a", "b", "c", "d"], "HO Code": ["8N", "46", "105A", "28E"],
        "Committed From Date": ["01/03/2021"] * 4, "Committed From Time": ["10:00"] * 4,
        "Easting": [403400, 403400, 403400, 403400], "Northing": [150300] * 4})
    p = tmp_path / "ex.csv"
    rows.to_csv(p, index=False)
    crimes, rep = read_extract(p, boundaries, harm_table=t)
    w = dict(zip(crimes["offence_code"].astype(str), crimes["harm_w"], strict=True))
    assert w["8N"] == 100 and w["46"] == 5 and w["28E"] == 40
    assert w["105A"] == 100  # not in the table: the mean of the table's violence codes (8N only)
    assert rep.info["harm_codes_filled"] == 1 and "test release" in rep.info["harm_source"]
    crimes2, _ = read_extract(p, boundaries, harm_table=t2)
    assert dict(zip(crimes2["offence_code"].astype(str), crimes2["harm_w"], strict=True))["8N"] == 300
    bad = tmp_path / "bad.csv"
    bad.write_text("code,weight\n8N,-3\n")
    with pytest.raises(DataError, match="not a number >= 0"):
        read_harm_table(bad)


# ---------------------------------------------------------------- every row accounted for
@pytest.mark.parametrize("dialect", ["niche", "athena", "connect", "xlsx"])
def test_every_row_is_accounted_for_in_each_dialect(tmp_path, boundaries, synth, dialect):
    path, mapping = write_dialect(synth, tmp_path, dialect)
    crimes, rep = read_extract(path, boundaries, columns=mapping)
    assert rep.rows_read == len(synth.rows) == rep.rows_kept + rep.rows_dropped
    assert set(rep.dropped) <= set(REASONS)
    assert rep.dropped == synth.broken  # each broken kind lands in its own bucket, nothing else is lost
    assert len(crimes) == rep.rows_kept
    assert set(crimes["crime_type"].cat.categories) <= {
        "Violence and sexual offences", "Shoplifting", "Burglary", "Vehicle crime", "Bicycle theft", "Other theft",
        "Criminal damage and arson", "Public order", "Drugs", "Robbery", "Possession of weapons",
        "Theft from the person", "Other crime"}
    assert (crimes["t_to"] > crimes["t_from"]).all()
    assert crimes["month"].astype(str).str.fullmatch(r"\d{4}-\d{2}").all()
    kept = synth.rows[synth.rows["broken"] == ""]
    assert int(((crimes["t_to"] - crimes["t_from"]) > 7 * 1440).sum()) == int(
        ((kept["end"] - kept["start"]) > pd.Timedelta(days=7)).sum())


def test_an_unreadable_extract_says_what_to_do(tmp_path, boundaries):
    p = tmp_path / "ex.csv"
    p.write_text("foo,bar\n1,2\n")
    with pytest.raises(DataError, match="--columns"):
        read_extract(p, boundaries)


def test_record_locations_become_street_names_only():
    from hotspots.data.extract import street_of

    got = street_of(np.array(["Flat 2, 14 Acacia Avenue, Demoton, DT1 2AB", "108 High Street", "12a-14 Mill Lane",
                              "On or near Park Road", "", "Unit 3 Retail Park, Station Road"]))
    assert list(got) == ["On or near Acacia Avenue", "On or near High Street", "On or near Mill Lane",
                         "On or near Park Road", "", "On or near Retail Park"]
    assert not any(ch.isdigit() for t in got for ch in t)  # no house number or postcode survives


def test_peek_columns_reads_only_the_header(tmp_path, synth):
    from hotspots.data.extract import peek_columns

    for dialect in ("xlsx", "athena"):
        path, _ = write_dialect(synth, tmp_path, dialect)
        cols = peek_columns(path)
        assert cols == [str(c) for c in pd.read_csv(path, nrows=0).columns] if dialect == "athena" else \
            cols[:3] == ["Occurrence Number", "HO Code", "Offence Description"]
    with pytest.raises(DataError, match="not found"):
        peek_columns(tmp_path / "nope.csv")
