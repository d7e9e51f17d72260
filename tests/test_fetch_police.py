"""hotspots fetch crimes against a local police.uk mirror (no internet).

The mirror (tests/_police_mirror.py) enforces a crime limit with 503, answers some requests
429 and counts requests per second; the truth the fetched CSVs are checked against is the
mirror's own crimes inside the study polygons, found with geopandas, not with the fetcher.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, REAL
from _police_mirror import Mirror, api_crimes_from_csv
from shapely.geometry import box

from hotspots.categories import CATEGORIES
from hotspots.cli.fetch import main as fetch_main
from hotspots.fetch.jobs import fetch_crimes
from hotspots.fetch.street_csv import STREET_COLUMNS, category_name

_WORK = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"  # a worktree beside /work/shared


def _real(p: Path) -> Path:
    return p if p.exists() else _WORK / p.relative_to(REAL)


def _boundaries(tmp: Path) -> Path:
    """Four LSOA squares (2 x 2 km each) around a point in Kent, as ONS GeoJSON in WGS84."""
    cells = []
    for i, (dx, dy) in enumerate([(0, 0), (2000, 0), (0, 2000), (2000, 2000)]):
        cells.append({"LSOA11CD": f"E0100000{i}", "LSOA11NM": f"Test 00{i}A",
                      "geometry": box(600000 + dx, 150000 + dy, 602000 + dx, 152000 + dy)})
    g = gpd.GeoDataFrame(cells, crs=27700).to_crs(4326)
    path = tmp / "study.geojson"
    g.to_file(path, driver="GeoJSON")
    return path


def _synthetic(n: int, month: str, seed: int, start_id: int, spread: float = 3000) -> list[dict]:
    """Crimes on snap points spread over (and beyond) the 4 x 4 km study square."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(602000 - spread, 602000 + spread, n)
    y = rng.uniform(152000 - spread, 152000 + spread, n)
    lon, lat = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=27700).to_crs(4326).pipe(lambda s: (s.x, s.y))
    slugs = list(CATEGORIES.values())
    out = []
    for i in range(n):
        slug = slugs[i % len(slugs)]
        out.append({"category": slug, "location_type": "Force",
                    "location": {"latitude": f"{lat.iloc[i]:.6f}", "longitude": f"{lon.iloc[i]:.6f}",
                                 "street": {"id": i, "name": f"On or near Street {i % 50}"}},
                    "context": "", "outcome_status": None if slug == "anti-social-behaviour" else
                    {"category": "Under investigation", "date": month},
                    "persistent_id": "" if slug == "anti-social-behaviour" else f"{seed:04d}{i:060d}",
                    "id": start_id + i, "location_subtype": "", "month": month})
    return out


def _inside(crimes: list[dict], boundaries: Path) -> Counter:
    """The mirror's crimes inside the study polygons (geopandas, in WGS84 as served)."""
    b = gpd.read_file(boundaries).to_crs(4326)
    pts = gpd.GeoDataFrame({"i": range(len(crimes))}, geometry=gpd.points_from_xy(
        [float(c["location"]["longitude"]) for c in crimes], [float(c["location"]["latitude"]) for c in crimes]),
        crs=4326)
    hit = gpd.sjoin(pts, b[["geometry"]], predicate="intersects")["i"].unique()
    return Counter(_key_api(crimes[i]) for i in hit)


def _key_api(c: dict) -> tuple:
    return (c["month"], c["persistent_id"], f"{float(c['location']['longitude']):.6f}",
            f"{float(c['location']['latitude']):.6f}", category_name(c["category"]))


def _read_csvs(out: Path) -> list[dict]:
    rows = []
    for p in sorted(out.rglob("*-street.csv")):
        with open(p, newline="", encoding="utf-8") as fh:
            r = csv.DictReader(fh)
            assert r.fieldnames == STREET_COLUMNS
            rows += list(r)
    return rows


def _inside_rows(rows: list[dict], boundaries: Path) -> Counter:
    b = gpd.read_file(boundaries).to_crs(4326)
    pts = gpd.GeoDataFrame({"i": range(len(rows))}, geometry=gpd.points_from_xy(
        [float(r["Longitude"]) for r in rows], [float(r["Latitude"]) for r in rows]), crs=4326)
    hit = gpd.sjoin(pts, b[["geometry"]], predicate="intersects")["i"].unique()
    return Counter((rows[i]["Month"], rows[i]["Crime ID"], rows[i]["Longitude"], rows[i]["Latitude"],
                    rows[i]["Crime type"]) for i in hit)


@pytest.fixture
def small(httpserver, tmp_path):
    months = {"2021-01": _synthetic(1500, "2021-01", 1, 1_000_000), "2021-02": _synthetic(1200, "2021-02", 2, 2_000_000)}
    mirror = Mirror(months, limit=150, every_429=6)
    mirror.install(httpserver)
    return mirror, _boundaries(tmp_path), httpserver.url_for("/api")


def test_fetch_tiles_dedups_and_matches_the_mirror(small, tmp_path):
    mirror, bnd, api = small
    out = tmp_path / "out"
    res = fetch_crimes(out, boundaries=bnd, month_from="2021-01", month_to="2021-02", api_url=api, rate=15)
    assert mirror.answered_503 > 0 and mirror.answered_429 > 0  # the limits were really met
    assert res.report.splits > 0
    rows = _read_csvs(out)
    want = sum((_inside(cs, bnd) for cs in mirror.crimes.values()), Counter())
    assert _inside_rows(rows, bnd) == want
    ids = [r["Crime ID"] for r in rows if r["Crime ID"]]
    assert len(ids) == len(set(ids))  # overlapping tiles gave no repeats
    assert sum(res.report.duplicates_dropped.values()) > 0  # ... though they did overlap
    asb = [r for r in rows if r["Crime type"] == "Anti-social behaviour"]
    assert asb and all(r["Crime ID"] == "" for r in asb)
    assert {r["Crime type"] for r in rows} <= set(CATEGORIES)
    assert {r["LSOA code"] for r in rows} <= {f"E0100000{i}" for i in range(4)} | {""}
    assert mirror.max_per_second() <= 15


def test_rerun_uses_the_cache(small, tmp_path):
    mirror, bnd, api = small
    out = tmp_path / "out"
    fetch_crimes(out, boundaries=bnd, month_from="2021-01", month_to="2021-01", api_url=api)
    first = len(mirror.times)
    res = fetch_crimes(out, boundaries=bnd, month_from="2021-01", month_to="2021-02", api_url=api)
    again = len(mirror.times) - first
    assert res.report.tiles_from_cache > 0
    # only February is asked for: a repeat of January alone asks nothing
    n_feb = len(mirror.times)
    fetch_crimes(out, boundaries=bnd, month_from="2021-01", month_to="2021-02", api_url=api)
    assert len(mirror.times) == n_feb
    assert again > 0


def test_fetched_months_load_like_a_download(small, tmp_path):
    from hotspots.pipeline import load_layers
    from hotspots.study import Study

    mirror, bnd, api = small
    out = tmp_path / "out"
    fetch_crimes(out, boundaries=bnd, month_from="2021-01", month_to="2021-02", api_url=api)
    layers = load_layers(Study(boundaries=str(bnd), crimes=[str(out)]))
    rep = layers.reports["crimes"]
    want = sum(sum(_inside(cs, bnd).values()) for cs in mirror.crimes.values())
    assert rep.rows_kept == want
    assert sorted(layers.crimes["month"].astype(str).unique()) == ["2021-01", "2021-02"]


def test_cli_fetch_crimes_and_offline_error(small, tmp_path, capsys):
    mirror, bnd, api = small
    code = fetch_main(["crimes", "--boundaries", str(bnd), "--from", "2021-01", "--to", "2021-01",
                       "--police-api", api, "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 0 and list((tmp_path / "o").rglob("2021-01-study-street.csv"))
    capsys.readouterr()
    code = fetch_main(["crimes", "--boundaries", str(bnd), "--from", "2021-03", "--police-api",
                       "http://127.0.0.1:9/api", "--out", str(tmp_path / "x"), "--quiet", "--retries", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ")
    assert "127.0.0.1:9/api" in err[0] and "HOTSPOTS_POLICE_API" in err[0]


def test_environment_variable_sets_the_address(small, tmp_path, monkeypatch):
    mirror, bnd, api = small
    monkeypatch.setenv("HOTSPOTS_POLICE_API", api)
    fetch_crimes(tmp_path / "o", boundaries=bnd, month_from="2021-02", month_to="2021-02")
    assert len(mirror.times) > 0


def test_months_police_uk_lacks(small, tmp_path):
    from hotspots.data.errors import DataError

    mirror, bnd, api = small
    res = fetch_crimes(tmp_path / "o", boundaries=bnd, month_from="2020-12", month_to="2021-01", api_url=api)
    assert res.report.skipped_months == ["2020-12"] and res.report.months == ["2021-01"]
    with pytest.raises(DataError, match="holds none"):
        fetch_crimes(tmp_path / "o", boundaries=bnd, month_from="2022-01", month_to="2022-02", api_url=api)


def test_long_polygons_go_by_post(httpserver, tmp_path):
    """A wiggly study boundary makes request polygons too long for a GET."""
    from shapely.geometry import Polygon

    t = np.linspace(0, 2 * np.pi, 6000, endpoint=False)
    r = 6000 + 1000 * np.sin(t * 80)  # 80 spikes wider than the margin: a GET of about 6,600 characters
    poly = Polygon(np.column_stack([603000 + r * np.cos(t), 153000 + r * np.sin(t)]))
    path = tmp_path / "wiggly.geojson"
    gpd.GeoDataFrame({"LSOA11CD": ["E01000001"], "LSOA11NM": ["W 001A"]}, geometry=[poly], crs=27700) \
        .to_crs(4326).to_file(path, driver="GeoJSON")
    months = {"2021-01": _synthetic(3000, "2021-01", 3, 1, spread=9000)}
    mirror = Mirror(months, limit=10_000)
    mirror.install(httpserver)
    fetch_crimes(tmp_path / "o", boundaries=path, month_from="2021-01", api_url=httpserver.url_for("/api"))
    assert "POST" in mirror.methods
    assert _inside_rows(_read_csvs(tmp_path / "o"), path) == _inside(months["2021-01"], path)


@pytest.mark.realdata
def test_kent_two_months_through_a_mirror(httpserver, tmp_path):
    """The acceptance run: two Kent months served in the API's shape, 503 past 2,000, some 429s."""
    bnd = _real(KENT_BOUNDARIES)
    crime_dir = _real(KENT_CRIME)
    if not bnd.exists():
        pytest.skip(f"real data not available: {bnd}")
    months = {m: api_crimes_from_csv(crime_dir / f"{m}-kent-street.csv", k * 1_000_000)
              for k, m in enumerate(["2021-01", "2021-02"], start=1)}
    mirror = Mirror(months, limit=2000, every_429=9)
    mirror.install(httpserver)
    from hotspots.cli import main as cli_main

    out = tmp_path / "kent"
    os.environ["HOTSPOTS_POLICE_API"] = httpserver.url_for("/api")
    try:  # the acceptance command, the address from the environment
        code = cli_main(["fetch", "crimes", "--boundaries", str(bnd), "--from", "2021-01", "--to", "2021-02",
                         "--out", str(out), "--quiet"])
    finally:
        del os.environ["HOTSPOTS_POLICE_API"]
    assert code == 0
    assert mirror.answered_503 > 0 and mirror.answered_429 > 0
    assert mirror.max_per_second() <= 15
    rows = _read_csvs(out)
    want = sum((_inside(cs, bnd) for cs in months.values()), Counter())
    assert _inside_rows(rows, bnd) == want
    ids = [r["Crime ID"] for r in rows if r["Crime ID"]]
    assert len(ids) == len(set(ids))
    (tmp_path / "mirror_stats.json").write_text(json.dumps({
        "requests": len(mirror.times), "503": mirror.answered_503, "429": mirror.answered_429,
        "rows": len(rows), "inside": sum(want.values())}))

    res_dir = tmp_path / "res"
    assert cli_main(["analyse", "--boundaries", str(bnd), "--crimes", str(out), "--out", str(res_dir),
                     "--no-exports", "--permutations", "99", "--quiet"]) == 0
    summary = json.loads((res_dir / "summary.json").read_text())
    assert "crimes" in json.dumps(summary["inputs"])


def test_force_area_from_neighbourhood_boundaries(small, httpserver, tmp_path):
    """--force: the union of the force's neighbourhoods is the area; the force's name fills Reported by."""
    mirror, bnd, api = small
    b = gpd.read_file(bnd).to_crs(4326)
    west, east = b.geometry.iloc[[0, 2]].union_all(), b.geometry.iloc[[1, 3]].union_all()
    httpserver.expect_request("/api/kent/neighbourhoods").respond_with_json(
        [{"id": "W1", "name": "West"}, {"id": "E1", "name": "East"}])
    for hood, g in (("W1", west), ("E1", east)):
        ring = [{"latitude": f"{y:.6f}", "longitude": f"{x:.6f}"} for x, y in g.exterior.coords]
        httpserver.expect_request(f"/api/kent/{hood}/boundary").respond_with_json(ring)
    httpserver.expect_request("/api/forces/kent").respond_with_json({"id": "kent", "name": "Kent Police"})
    out = tmp_path / "force"
    res = fetch_crimes(out, force="kent", month_from="2021-01", api_url=api)
    rows = _read_csvs(out)
    assert res.files[0].name == "2021-01-kent-street.csv"
    assert {r["Reported by"] for r in rows} == {"Kent Police"} and {r["LSOA code"] for r in rows} == {""}
    assert _inside_rows(rows, bnd) == _inside(mirror.crimes["2021-01"], bnd)


def test_open_data_job_returns_layers_to_load(small, tmp_path):
    """The GUI's job: crimes for the loaded boundaries land in the folder and come back as a layer."""
    from hotspots.data.errors import DataError
    from hotspots.fetch.jobs import OpenDataRequest, fetch_open_data

    mirror, bnd, api = small
    seen = []
    items = fetch_open_data(OpenDataRequest(folder=str(tmp_path / "od"), boundaries=str(bnd), month_from="2021-02",
                                            police_api=api), progress=lambda m, f: seen.append(f))
    assert items == {"crimes": [str(tmp_path / "od" / "crime")]}
    assert seen and max(seen) <= 1.0 and seen == sorted(seen)
    with pytest.raises(DataError, match="no dataset"):
        fetch_open_data(OpenDataRequest(folder=str(tmp_path), crimes=False))


def test_cancel_stops_and_a_rerun_continues(small, tmp_path):
    """Cancel between tiles raises Cancelled; what was answered stays cached for the next run."""
    from hotspots.progress import Cancelled

    mirror, bnd, api = small
    calls = {"n": 0}

    def progress(msg, frac):
        calls["n"] += 1

    with pytest.raises(Cancelled):
        fetch_crimes(tmp_path / "o", boundaries=bnd, month_from="2021-01", api_url=api, progress=progress,
                     cancel=lambda: calls["n"] >= 3)
    asked = len(mirror.times)
    assert asked > 0 and not list((tmp_path / "o").rglob("*-street.csv"))  # no half month written
    res = fetch_crimes(tmp_path / "o", boundaries=bnd, month_from="2021-01", api_url=api)
    assert res.report.tiles_from_cache >= 1
    assert _inside_rows(_read_csvs(tmp_path / "o"), bnd) == _inside(mirror.crimes["2021-01"], bnd)
