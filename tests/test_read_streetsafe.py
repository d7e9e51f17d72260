"""read_streetsafe: the demo layout, loose spellings, yes/no columns, dates and broken files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from hotspots.data.errors import DataError
from hotspots.data.streetsafe import (
    BEHAVIOURAL,
    ENVIRONMENTAL,
    REASONS,
    parse_months,
    parse_reasons,
    read_streetsafe,
)

LABELS = {
    "no_cctv": "No CCTV", "badly_lit": "Badly lit", "isolated": "Empty or isolated",
    "poor_layout": "Poor layout", "restricted_visibility": "Restricted visibility",
    "rundown": "Rundown area", "drugs_alcohol": "Drugs or alcohol",
    "other_environmental": "Other (environmental)", "harassed_one": "Harassed by one person",
    "harassed_group": "Harassed by a group", "followed": "Being followed",
    "other_harassment": "Other harassment", "verbal_harassment": "Verbal or sexual harassment",
    "groups": "Groups hanging around",
}
HEADER = "id,date,latitude,longitude,reasons,comment\n"


def _write(tmp_path: Path, text: str, name: str = "streetsafe.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_reason_constants() -> None:
    assert REASONS == LABELS
    assert list(REASONS) == list(LABELS)  # canonical order
    assert tuple(list(LABELS)[:8]) == ENVIRONMENTAL
    assert tuple(list(LABELS)[8:]) == BEHAVIOURAL  # verbal harassment and groups come last


def test_demo_layout_every_label(tmp_path: Path) -> None:
    rows = [f'R{i},2021-0{1 + i % 9}-15,51.27,1.08,{label},comment {i}' for i, label in enumerate(LABELS.values())]
    rows.append('R99,2021-03-01,51.28,1.09,"' + ";".join(reversed(list(LABELS.values()))) + '",all of them')
    gdf, rep = read_streetsafe(_write(tmp_path, HEADER + "\n".join(rows) + "\n"))
    rep.check_balance()
    assert rep.rows_read == rep.rows_kept == len(LABELS) + 1
    assert rep.info["unknown_reasons"]["count"] == 0 and rep.warnings == []
    assert gdf["reasons"].tolist()[:len(LABELS)] == list(LABELS)
    assert gdf["reasons"].iloc[len(LABELS)] == ";".join(LABELS)  # canonical order, not the file's
    assert gdf["report_id"].tolist()[:2] == ["R0", "R1"]
    assert gdf["month"].iloc[0] == "2021-01" and gdf["month"].iloc[len(LABELS)] == "2021-03"
    assert gdf["comment"].iloc[len(LABELS)] == "all of them"
    assert rep.info["reason_counts"] == {slug: 2 for slug in LABELS}
    expected_cols = (["report_id", "month", "reasons"] + [f"reason_{s}" for s in LABELS]
                     + ["comment", "geometry"])
    assert list(gdf.columns) == expected_cols
    for i, slug in enumerate(LABELS):
        assert gdf[f"reason_{slug}"].dtype == bool
        assert gdf[f"reason_{slug}"].iloc[i] and gdf[f"reason_{slug}"].sum() == 2
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(1.08, 51.27)
    assert gdf.crs.to_epsg() == 27700
    assert gdf.geometry.x.iloc[0] == pytest.approx(x) and gdf.geometry.y.iloc[0] == pytest.approx(y)


@pytest.mark.parametrize(
    ("cell", "slugs"),
    [
        ("badly-lit", ["badly_lit"]),
        ("Poor lighting", ["badly_lit"]),
        ("CCTV", ["no_cctv"]),
        ("followed", ["followed"]),
        ("BADLY LIT , empty or isolated | Being Followed", ["badly_lit", "isolated", "followed"]),
        ("drugs & alcohol", ["drugs_alcohol"]),
        ("harassed by a group of lads", ["harassed_group"]),
        ("Other (Environmental);other harassment", ["other_environmental", "other_harassment"]),
        ("", []),
    ],
)
def test_loose_spellings(cell: str, slugs: list[str]) -> None:
    got, unknown = parse_reasons(cell)
    assert got == slugs and unknown == []


def test_unknown_reasons_kept_as_other_and_counted(tmp_path: Path) -> None:
    text = HEADER + ("1,2021-03-01,51.27,1.08,Badly lit;Loud music,\n"
                     "2,2021-03-01,51.27,1.08,weird vibe on the bus,\n"
                     "3,2021-03-01,51.27,1.08,Loud music,\n"
                     "4,2021-03-01,51.27,1.08,Other,\n")
    gdf, rep = read_streetsafe(_write(tmp_path, text))
    # verbatim, never folded into "Other (environmental)" or any other group
    assert gdf["reasons"].tolist() == ["badly_lit;Other: Loud music", "Other: weird vibe on the bus",
                                       "Other: Loud music", "other_environmental"]
    assert gdf["reason_other_environmental"].tolist() == [False, False, False, True]
    assert gdf["reason_other_harassment"].sum() == 0
    assert rep.info["unknown_reasons"] == {"count": 3, "reports": 3,
                                           "examples": ["Loud music", "weird vibe on the bus"]}
    assert rep.info["other_reasons"] == {"Other: Loud music": 2, "Other: weird vibe on the bus": 1}
    assert rep.info["reason_counts"]["other_environmental"] == 1
    assert any("not in the reason table" in w and "'Loud music'" in w for w in rep.warnings)


def test_boolean_columns(tmp_path: Path) -> None:
    text = ("report_id,month,lat,lon,Badly lit,reason_no_cctv,followed,Harassed by a group\n"
            "a,2021-03,51.27,1.08,1,true,yes,x\n"
            "b,2021-03,51.27,1.08,0,false,no,\n"
            "c,2021-03,51.27,1.08,Y,FALSE,1.0,X\n")
    gdf, rep = read_streetsafe(_write(tmp_path, text))
    assert gdf["reasons"].tolist() == ["no_cctv;badly_lit;harassed_group;followed", "",
                                       "badly_lit;harassed_group;followed"]
    assert rep.info["reason_counts"]["badly_lit"] == 2
    assert rep.info["reason_counts"]["isolated"] == 0
    assert rep.info["no_reason"] == 1
    assert gdf["comment"].tolist() == ["", "", ""]


def test_dates_in_many_forms() -> None:
    values = pd.Series(["2021-03-04", "04/05/2021", "2021-03", "44256", "2021-03-04 00:00:00",
                        "2021-03-04T18:22:00Z", "March 2021", "5.6.2021", "rubbish", "", "2021-13-01"])
    assert parse_months(values).tolist() == ["2021-03", "2021-05", "2021-03", "2021-03", "2021-03",
                                             "2021-03", "2021-03", "2021-06", "", "", ""]


def test_unparseable_date_kept_with_empty_month(tmp_path: Path) -> None:
    text = HEADER + "1,soon,51.27,1.08,Badly lit,\n2,,51.27,1.08,Badly lit,\n3,03/2021,51.27,1.08,Badly lit,\n"
    gdf, rep = read_streetsafe(_write(tmp_path, text))
    assert gdf["month"].tolist() == ["", "", "2021-03"]
    assert rep.rows_kept == 3 and rep.dropped == {}
    assert rep.info["unparseable_dates"] == 1
    assert any("'soon'" in w for w in rep.warnings)


def test_xlsx_with_real_dates_easting_northing_and_generated_ids(tmp_path: Path) -> None:
    p = tmp_path / "ss.xlsx"
    pd.DataFrame({
        "Date Reported": pd.to_datetime(["2021-03-04", "2022-11-30"]),
        "Easting": [615000, 615100],
        "Northing": [157000, 157100],
        "Reason": ["Badly lit", "Harassed by one person"],
        "Description": ["dark alley", "shouted at"],
    }).to_excel(p, index=False)
    gdf, rep = read_streetsafe(p)
    assert gdf["report_id"].tolist() == ["SS000001", "SS000002"]
    assert gdf["month"].tolist() == ["2021-03", "2022-11"]
    assert gdf["reasons"].tolist() == ["badly_lit", "harassed_one"]
    assert gdf["comment"].tolist() == ["dark alley", "shouted at"]
    assert gdf.geometry.x.tolist() == [615000.0, 615100.0]


def test_missing_coordinates_dropped_ids_stable(tmp_path: Path) -> None:
    text = ("date,latitude,longitude,reasons\n2021-03,\\N,\\N,Badly lit\n2021-03,51.27,1.08,Badly lit\n"
            "2021-03,48.85,2.35,Badly lit\n")
    gdf, rep = read_streetsafe(_write(tmp_path, text))
    assert gdf["report_id"].tolist() == ["SS000002"]  # numbered by the row in the file
    assert rep.dropped == {"missing coordinates": 1, "coordinates outside Great Britain": 1}
    rep.check_balance()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (HEADER.encode(), "no data rows"),
        (b"id,date,latitude,longitude,comment\n1,2021-03,51.27,1.08,hi\n", "no reasons column"),
        (b"id,date,place,reasons\n1,2021-03,park,Badly lit\n", "no coordinate columns"),
        (b"id,date,latitude,longitude,reasons\n1,2021-03,,,Badly lit\n", "no report has a usable location"),
    ],
)
def test_broken_files_raise_data_error(tmp_path: Path, content: bytes, needle: str) -> None:
    p = tmp_path / "ss.csv"
    p.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_streetsafe(p)
    assert needle in str(info.value)


def test_wrong_columns_message_lists_the_file_columns(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_streetsafe(_write(tmp_path, "pin,when,where\n1,2021,park\n"))
    assert "'pin'" in str(info.value) and "'where'" in str(info.value)
    with pytest.raises(DataError) as info:
        read_streetsafe(_write(tmp_path, "ref,reasons,place\n1,Badly lit,park\n"))
    assert "'place'" in str(info.value)


def test_windows_1252_bytes_give_line_number(tmp_path: Path) -> None:
    p = tmp_path / "ss.csv"
    p.write_bytes(HEADER.encode() + b"1,2021-03,51.27,1.08,Badly lit,near the caf\xe9\n")
    with pytest.raises(DataError) as info:
        read_streetsafe(p)
    assert info.value.row == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_streetsafe(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("cell", "slugs"),
    [
        ("Verbally abused", ["verbal_harassment"]),
        ("Catcalled", ["verbal_harassment"]),
        ("Wolf whistled; Sexual comments", ["verbal_harassment"]),
        ("Followed", ["followed"]),
        ("Groups hanging around", ["groups"]),
        ("Street lights out", ["badly_lit"]),
        ("Drug dealing", ["drugs_alcohol"]),
    ],
)
def test_harassment_variants_and_other_words_from_the_table(cell: str, slugs: list[str]) -> None:
    got, unknown = parse_reasons(cell)
    assert got == slugs and unknown == []


def test_shipped_table_names_only_known_groups() -> None:
    import csv
    from importlib import resources

    text = resources.files("hotspots.streetsafe").joinpath("reasons.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) > 60
    assert {r["reason"] for r in rows} == set(LABELS)  # every group has a spelling, none invented


def test_user_reason_table_extends_and_bad_row_names_the_line(tmp_path: Path) -> None:
    from hotspots.data.streetsafe_reasons import read_vocabulary

    table = _write(tmp_path, "label,reason\nLoud music,Other (environmental)\nMan in van,harassed_one\n",
                   "mine.csv")
    text = HEADER + "1,2021-03-01,51.27,1.08,Loud music;man in van;Gremlins,\n"
    gdf, rep = read_streetsafe(_write(tmp_path, text), reasons_table=table)
    assert gdf["reasons"].tolist() == ["other_environmental;harassed_one;Other: Gremlins"]
    assert str(table) in rep.info["reason_tables"]
    bad = _write(tmp_path, "label,reason\nLoud music,noise\n", "bad.csv")
    with pytest.raises(DataError) as err:
        read_vocabulary(bad)
    assert err.value.row == 2 and err.value.column == "reason" and "noise" in str(err.value)
    with pytest.raises(DataError):
        read_vocabulary(_write(tmp_path, "word,group\nx,badly_lit\n", "cols.csv"))


def test_reason_table_beside_the_reports_is_picked_up(tmp_path: Path) -> None:
    _write(tmp_path, "label,reason\nLoud music,groups\n", "streetsafe_reasons.csv")
    gdf, rep = read_streetsafe(_write(tmp_path, HEADER + "1,2021-03-01,51.27,1.08,Loud music;Gremlins,\n"))
    assert gdf["reasons"].tolist() == ["groups;Other: Gremlins"]
    assert str(tmp_path / "streetsafe_reasons.csv") in rep.info["reason_tables"]
