"""read_pubs: the real Open Pubs Kent subset, headerless dumps, OSM GeoJSON and broken files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import shape

from hotspots.data.errors import DataError
from hotspots.data.pubs import read_pubs

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
KENT_PUBS = REAL / "kent" / "pubs" / "kent_open_pubs_subset.csv"
SENTINEL = "failed geocode (Open Pubs \\N / 622675,-5527598)"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"real data not available: {path}")


def _write(tmp_path: Path, text: str, name: str = "pubs.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --- the real Kent subset ------------------------------------------------------------------

@pytest.mark.realdata
def test_kent_open_pubs_subset() -> None:
    _need(KENT_PUBS)
    with KENT_PUBS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    failed = [r for r in rows if r["latitude"] == "\\N" or
              (r["easting"], r["northing"]) == ("622675", "-5527598")]
    good = [r for r in rows if r not in failed]
    assert (len(rows), len(failed)) == (620, 82)

    pubs, rep = read_pubs(KENT_PUBS)
    rep.check_balance()
    assert rep.rows_read == 620
    assert rep.dropped == {SENTINEL: 82}
    assert len(pubs) == rep.rows_kept == 538
    assert pubs.crs.to_epsg() == 27700
    assert set(pubs.geometry.geom_type) == {"Point"}
    assert list(pubs.columns) == ["name", "address", "postcode", "geometry"]
    # names cleaned of MySQL escapes, otherwise verbatim
    assert not pubs["name"].str.contains("\\\\", regex=False).any()
    assert "The Ship & Trades" in set(pubs["name"])
    assert "Kings Head Hotel & Bar" in set(pubs["name"])
    expected_names = [r["name"].replace("\\\\&", "&") for r in good]
    assert pubs["name"].tolist() == expected_names
    assert pubs["postcode"].tolist() == [r["postcode"] for r in good]
    # positions agree with the published easting/northing (postcode centroids, whole metres)
    e = np.array([float(r["easting"]) for r in good])
    n = np.array([float(r["northing"]) for r in good])
    dist = np.hypot(pubs.geometry.x.to_numpy() - e, pubs.geometry.y.to_numpy() - n)
    assert dist.max() < 2.5
    # duplicates at one point are kept and counted
    latlon = [(r["latitude"], r["longitude"]) for r in good]
    sharing = sum(latlon.count(p) > 1 for p in latlon)
    assert sharing > 0 and rep.info["sharing_a_point"] == sharing


@pytest.mark.realdata
def test_headerless_original_open_pubs_equals_headed(tmp_path: Path) -> None:
    _need(KENT_PUBS)
    lines = KENT_PUBS.read_text(encoding="utf-8").splitlines(keepends=True)
    p = tmp_path / "open_pubs.csv"
    p.write_text("".join(lines[1:]), encoding="utf-8")
    headerless, rep = read_pubs(p)
    headed, _ = read_pubs(KENT_PUBS)
    assert rep.info["format"] == "Open Pubs (no header)"
    assert rep.rows_read == 620 and rep.dropped == {SENTINEL: 82}
    assert headerless["name"].tolist() == headed["name"].tolist()
    assert headerless.geometry.geom_equals_exact(headed.geometry, tolerance=1e-6).all()


# --- small files ---------------------------------------------------------------------------

def test_headerless_small_dump_first_row_is_data(tmp_path: Path) -> None:
    text = ('"1","The Bell \\\\& Crown","1 High St, Town","ct1 1aa","615000","157000",'
            '"51.27","1.08","Canterbury"\n'
            '"2","Bob\\\\\'s Bar","2 High St","CT1 1AB","622675","-5527598",\\N,\\N,"Canterbury"\n')
    pubs, rep = read_pubs(_write(tmp_path, text))
    assert rep.rows_read == 2 and rep.rows_kept == 1
    assert pubs["name"].tolist() == ["The Bell & Crown"]
    assert pubs["postcode"].tolist() == ["CT1 1AA"]
    t = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = t.transform(1.08, 51.27)
    assert pubs.geometry.x.iloc[0] == pytest.approx(x) and pubs.geometry.y.iloc[0] == pytest.approx(y)


def test_mysql_quote_escape_cleaned_and_html_kept(tmp_path: Path) -> None:
    text = ("name,latitude,longitude\n"
            "Bob\\\\'s Bar,51.27,1.08\n"
            "<b>Fish & Chips</b>,51.28,1.08\n")
    pubs, rep = read_pubs(_write(tmp_path, text))
    assert pubs["name"].tolist() == ["Bob's Bar", "<b>Fish & Chips</b>"]
    assert any("no address column" in w for w in rep.warnings)
    assert pubs["address"].tolist() == ["", ""]


def test_easting_northing_only_and_backslash_n_coordinates(tmp_path: Path) -> None:
    text = ("Name,Easting,Northing,Postcode\n"
            "A,615000,157000,CT1 1AA\n"
            "B,\\N,\\N,CT1 1AB\n"
            "C,615100,157100,CT1 1AC\n")
    pubs, rep = read_pubs(_write(tmp_path, text))
    assert pubs["name"].tolist() == ["A", "C"]
    assert pubs.geometry.x.tolist() == [615000.0, 615100.0]
    assert pubs.geometry.y.tolist() == [157000.0, 157100.0]
    assert rep.dropped == {"missing coordinates": 1}
    rep.check_balance()


def test_same_point_different_names_kept(tmp_path: Path) -> None:
    text = "name,easting,northing\nA,615000,157000\nB,615000,157000\nC,616000,157000\n"
    pubs, rep = read_pubs(_write(tmp_path, text))
    assert len(pubs) == 3
    assert rep.info["sharing_a_point"] == 2 and rep.info["shared_points"] == 1


def _feature(geom: dict, **props: object) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geom}


def test_osm_geojson_points_polygons_and_amenity_filter(tmp_path: Path) -> None:
    square = [[[1.080, 51.270], [1.082, 51.270], [1.082, 51.272], [1.080, 51.272], [1.080, 51.270]]]
    fc = {"type": "FeatureCollection", "features": [
        _feature({"type": "Point", "coordinates": [1.08, 51.27]}, name="The Anchor", amenity="pub",
                 **{"addr:housenumber": "5", "addr:street": "Quay Lane", "addr:city": "Sandwich",
                    "addr:postcode": "ct13 9en"}),
        _feature({"type": "Polygon", "coordinates": square}, name="Club Tropicana", amenity="nightclub"),
        _feature({"type": "Point", "coordinates": [1.09, 51.27]}, name="Costa", amenity="cafe"),
        _feature({"type": "Point", "coordinates": [1.10, 51.27]}, amenity="BAR"),
        _feature({"type": "Point", "coordinates": [1.11, 51.27]}, name="Broken", amenity="pub")
        | {"geometry": None},
    ]}
    p = tmp_path / "osm.geojson"
    p.write_text(json.dumps(fc), encoding="utf-8")
    pubs, rep = read_pubs(p)
    rep.check_balance()
    assert rep.rows_read == 5
    assert rep.dropped == {"not a pub, bar or nightclub": 1, "no geometry": 1}
    assert pubs["name"].tolist() == ["The Anchor", "Club Tropicana", ""]
    assert pubs["address"].iloc[0] == "5 Quay Lane, Sandwich"
    assert pubs["postcode"].iloc[0] == "CT13 9EN"
    assert pubs.crs.to_epsg() == 27700 and set(pubs.geometry.geom_type) == {"Point"}
    polygon = gpd.GeoSeries([shape({"type": "Polygon", "coordinates": square})], crs=4326).to_crs(27700)
    assert polygon.iloc[0].contains(pubs.geometry.iloc[1])
    assert rep.info["polygons_to_points"] == 1


def test_csv_amenity_column_filters_too(tmp_path: Path) -> None:
    text = "name,amenity,lat,lon\nA,pub,51.27,1.08\nB,restaurant,51.27,1.08\n"
    pubs, rep = read_pubs(_write(tmp_path, text))
    assert pubs["name"].tolist() == ["A"]
    assert rep.dropped == {"not a pub, bar or nightclub": 1}


def test_points_outside_gb_dropped(tmp_path: Path) -> None:
    text = "name,latitude,longitude\nParis Bar,48.85,2.35\nDover Pub,51.12,1.31\n"
    pubs, rep = read_pubs(_write(tmp_path, text))
    assert pubs["name"].tolist() == ["Dover Pub"]
    assert rep.dropped == {"coordinates outside Great Britain": 1}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"fas_id,name,address,postcode,easting,northing,latitude,longitude,local_authority\n",
         "no data rows"),
        (b"name,town\nThe Bell,Dover\n", "no coordinate columns"),
        (b"name,latitude,longitude\nA,\\N,\\N\n", "no pub has a usable location"),
    ],
)
def test_broken_csv_raise_data_error(tmp_path: Path, content: bytes, needle: str) -> None:
    p = tmp_path / "pubs.csv"
    p.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_pubs(p)
    assert needle in str(info.value)


def test_wrong_columns_message_lists_the_file_columns(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_pubs(_write(tmp_path, "pub name,town,ward\nThe Bell,Dover,X\n"))
    assert "'pub name'" in str(info.value) and "'ward'" in str(info.value)


def test_windows_1252_bytes_give_line_number(tmp_path: Path) -> None:
    p = tmp_path / "pubs.csv"
    p.write_bytes(b"name,latitude,longitude\nThe Bell,51.1,1.3\nThe caf\xe9,51.1,1.3\n")
    with pytest.raises(DataError) as info:
        read_pubs(p)
    assert info.value.row == 3


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.geojson", b""),
        ("bad.geojson", b"{not json"),
        ("none.geojson", b'{"type": "FeatureCollection", "features": []}'),
        ("latin1.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
                           b'"properties": {"name": "caf\xe9"}, "geometry": null}]}'),
    ],
)
def test_broken_geojson_raise_data_error(tmp_path: Path, name: str, content: bytes) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(DataError):
        read_pubs(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_pubs(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="not found"):
        read_pubs(tmp_path / "nope.geojson")


def test_crime_csv_or_boundaries_are_not_pubs(tmp_path: Path) -> None:
    crimes = ("Crime ID,Month,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type\n"
              "abc,2021-01,1.08,51.27,On or near High Street,E01024100,Dover 001A,Violence\n")
    with pytest.raises(DataError, match="no pub name column") as info:
        read_pubs(_write(tmp_path, crimes))
    assert "'Crime type'" in str(info.value)
    square = [[[1.080, 51.270], [1.082, 51.270], [1.082, 51.272], [1.080, 51.272], [1.080, 51.270]]]
    fc = {"type": "FeatureCollection",
          "features": [_feature({"type": "Polygon", "coordinates": square}, LSOA11CD="E01024100")]}
    p = tmp_path / "lsoa.geojson"
    p.write_text(json.dumps(fc), encoding="utf-8")
    with pytest.raises(DataError, match="no pub name column"):
        read_pubs(p)
