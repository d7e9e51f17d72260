"""Issue 27 items 3, 4, 7, 11: ``fetch`` against a hostile or broken service.

Crimes without a real id are each kept (never collapsed into one); a name a server sends
never becomes a path outside ``--out``; a slow-loris answer stops at ``--timeout``; an endless
body stops at the size bound; an ArcGIS layer that pages without progress stops; a malformed
answer is one exit-2 ``error:`` line naming the service.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box
from werkzeug.wrappers import Response

from hotspots.cli.fetch import main as fetch_main
from hotspots.data.errors import DataError
from hotspots.fetch.http import HttpClient
from hotspots.fetch.ons import SERVICES, fetch_boundaries


def _boundaries(tmp: Path) -> Path:
    cells = [{"LSOA11CD": f"E0100000{i}", "LSOA11NM": f"Test 00{i}A",
              "geometry": box(600000 + dx, 150000 + dy, 602000 + dx, 152000 + dy)}
             for i, (dx, dy) in enumerate([(0, 0), (2000, 0), (0, 2000), (2000, 2000)])]
    path = tmp / "study.geojson"
    gpd.GeoDataFrame(cells, crs=27700).to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def _crime(i: int, **kw) -> dict:
    c = {"category": "burglary", "location_type": "Force",
         "location": {"latitude": f"{51.22 + i * 1e-4:.6f}", "longitude": f"{0.88 + i * 1e-4:.6f}",
                      "street": {"id": i, "name": f"On or near Street {i}"}},
         "context": "", "outcome_status": None, "persistent_id": f"p{i}", "id": 1000 + i,
         "location_subtype": "", "month": "2021-01"}
    c.update(kw)
    return c


def _serve(httpserver, crimes, dates=None):
    dates = [{"date": "2021-01", "stop-and-search": []}] if dates is None else dates
    httpserver.expect_request("/api/crimes-street-dates").respond_with_json(dates)
    httpserver.expect_request("/api/crimes-street/all-crime").respond_with_data(
        json.dumps(crimes), content_type="application/json")
    return httpserver.url_for("/api")


def _fetch(capsys, args):
    rc = fetch_main(["crimes", "--quiet", "--retries", "0", *args])
    err = capsys.readouterr().err
    return rc, [ln for ln in err.splitlines() if ln.strip()]


def _rows(out: Path) -> int:
    return sum(len(p.read_text().splitlines()) - 1 for p in out.rglob("*-street.csv"))


# --- 3. crimes without an id ----------------------------------------------------------------------

@pytest.mark.parametrize("idkw", [{"id": None}, "drop"])
def test_3_crimes_without_an_id_are_each_kept(httpserver, tmp_path, capsys, idkw):
    crimes = [_crime(i, **({} if idkw == "drop" else idkw)) for i in range(200)]
    if idkw == "drop":
        for c in crimes:
            del c["id"]
    crimes += [_crime(77), _crime(77)]  # one real id twice: a true repeat
    api = _serve(httpserver, crimes)
    out = tmp_path / "out"
    rc, lines = _fetch(capsys, ["--boundaries", str(_boundaries(tmp_path)), "--from", "2021-01",
                                "--police-api", api, "--out", str(out)])
    assert rc == 0, lines
    assert _rows(out) == 201


# --- 4. names from the server never leave --out ---------------------------------------------------

@pytest.mark.parametrize("month", ["../../../../TRAVERSAL", "ABSOLUTE", "2021-13", "2021-1", "..", ""])
def test_4_a_month_from_the_server_is_checked_before_it_becomes_a_path(httpserver, tmp_path, capsys, month):
    if month == "ABSOLUTE":
        month = str(tmp_path / "ABSOLUTE")
    api = _serve(httpserver, [_crime(1)], dates=[{"date": month}])
    work = tmp_path / "a" / "b" / "c" / "d"
    work.mkdir(parents=True)
    out = work / "out"
    before = {p for p in tmp_path.rglob("*")}
    rc, lines = _fetch(capsys, ["--boundaries", str(_boundaries(work)), "--police-api", api, "--out", str(out)])
    assert rc == 2 and len(lines) == 1 and "crimes-street-dates" in lines[0], lines
    made = {p for p in tmp_path.rglob("*")} - before
    assert all(out in p.parents or p == out or p.parent == work for p in made), made
    assert not (tmp_path / "ABSOLUTE").exists()


# --- 7. slow, endless and repeating answers -------------------------------------------------------

class _Drip:
    """A raw HTTP server: headers at once, then one body byte every ``every`` seconds, forever."""

    def __init__(self, every: float = 2.0, fast: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.every, self.fast = every, fast
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
            chunk = b"1," * 32768 if self.fast else b" "
            while not self.stop.is_set():
                conn.sendall(chunk)
                if not self.fast:
                    time.sleep(self.every)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_7_a_slow_loris_answer_stops_at_the_timeout():
    drip = _Drip(every=0.3)
    try:
        c = HttpClient(service="the test service", env_var="X", retries=0, timeout=1.5)
        t = time.monotonic()
        with pytest.raises(DataError) as err:
            c.get_json(drip.url + "/x")
        took = time.monotonic() - t
    finally:
        drip.close()
    assert took < 4, took
    assert "the test service" in str(err.value) and "1.5" in str(err.value)


def test_7_an_endless_body_stops_at_the_size_bound():
    drip = _Drip(fast=True)
    try:
        c = HttpClient(service="the test service", env_var="X", retries=0, timeout=60, max_bytes=5_000_000)
        with pytest.raises(DataError) as err:
            c.get_bytes(drip.url + "/file.xlsx")
    finally:
        drip.close()
    assert "5.0 MB" in str(err.value) and "the test service" in str(err.value)


def test_7_cli_slow_loris_is_one_error_line(tmp_path, capsys):
    drip = _Drip(every=0.3)
    try:
        t = time.monotonic()
        rc, lines = _fetch(capsys, ["--boundaries", str(_boundaries(tmp_path)), "--police-api", drip.url,
                                    "--timeout", "1", "--out", str(tmp_path / "o")])
        took = time.monotonic() - t
    finally:
        drip.close()
    assert rc == 2 and len(lines) == 1 and "police.uk" in lines[0], lines
    assert took < 6, took


def _ons(httpserver, handler):
    httpserver.expect_request(f"/rest/{SERVICES[('2021', 'BGC')]}/FeatureServer/0/query").respond_with_handler(handler)
    return httpserver.url_for("/rest")


def _feature(i: int) -> dict:
    return {"type": "Feature", "properties": {"LSOA21CD": f"E0100{i:04d}", "LSOA21NM": f"Ashford {i:03d}A"},
            "geometry": {"type": "Polygon", "coordinates": [[[0.8, 51.1], [0.81, 51.1], [0.81, 51.11],
                                                             [0.8, 51.1]]]}}


def test_7_ons_repeating_the_same_page_stops(httpserver, tmp_path):
    def same(request):
        return Response(json.dumps({"type": "FeatureCollection", "features": [_feature(1), _feature(2)],
                                    "properties": {"exceededTransferLimit": True}}), content_type="application/json")

    t = time.monotonic()
    with pytest.raises(DataError) as err:
        fetch_boundaries(tmp_path, lads=["Ashford"], api_url=_ons(httpserver, same))
    assert time.monotonic() - t < 10
    assert "same" in str(err.value) or "no new" in str(err.value)


def test_7_ons_paging_forever_stops(httpserver, tmp_path):
    n = {"k": 0}

    def forever(request):
        off = int(request.args.get("resultOffset", 0))
        n["k"] += 1
        return Response(json.dumps({"type": "FeatureCollection",
                                    "features": [_feature(off + j) for j in range(2000)],
                                    "exceededTransferLimit": True}), content_type="application/json")

    with pytest.raises(DataError) as err:
        fetch_boundaries(tmp_path, lads=["Ashford"], api_url=_ons(httpserver, forever), page=2000)
    assert n["k"] <= 40
    assert "ONS" in str(err.value)


# --- 11. malformed answers: one exit-2 line naming the service --------------------------------------

@pytest.mark.parametrize("crimes", [
    [_crime(1, location="51.1,0.8")],
    [_crime(1, id=[1, 2])],
    [1, 2, 3],
    "5" * 5000,
    [_crime(1, location={"latitude": "fifty-one", "longitude": "0.8", "street": "x"})],
    [_crime(1, outcome_status="closed")],
])
def test_11_malformed_police_answers_are_one_clear_error(httpserver, tmp_path, capsys, crimes):
    if isinstance(crimes, str):
        httpserver.expect_request("/api/crimes-street-dates").respond_with_json([{"date": "2021-01"}])
        httpserver.expect_request("/api/crimes-street/all-crime").respond_with_data(
            '[{"id": ' + crimes + "}]", content_type="application/json")
        api = httpserver.url_for("/api")
    else:
        api = _serve(httpserver, crimes)
    rc, lines = _fetch(capsys, ["--boundaries", str(_boundaries(tmp_path)), "--from", "2021-01",
                                "--police-api", api, "--out", str(tmp_path / "o")])
    assert rc == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "police.uk" in lines[0] and "unexpected" not in lines[0]


@pytest.mark.parametrize("dates", [[], [{"date": 202101}], {"date": "2021-01"}])
def test_11_malformed_dates_are_one_clear_error(httpserver, tmp_path, capsys, dates):
    api = _serve(httpserver, [], dates=dates)
    rc, lines = _fetch(capsys, ["--boundaries", str(_boundaries(tmp_path)), "--police-api", api,
                                "--out", str(tmp_path / "o")])
    assert rc == 2 and len(lines) == 1 and "crimes-street-dates" in lines[0], lines


@pytest.mark.parametrize("hoods, ring", [
    ([{"name": "no id"}], None),
    ([{"id": "A1"}], [{"latitude": "fifty-one", "longitude": "0.8"}] * 4),
    ([{"id": "A1"}], "not a list"),
    ([{"id": "../../x"}], [{"latitude": "51.1", "longitude": "0.8"}] * 4),
])
def test_11_malformed_neighbourhoods_are_one_clear_error(httpserver, tmp_path, capsys, hoods, ring):
    httpserver.expect_request("/api/kent/neighbourhoods").respond_with_json(hoods)
    httpserver.expect_request("/api/kent/A1/boundary").respond_with_json(ring)
    rc, lines = _fetch(capsys, ["--force", "kent", "--police-api", httpserver.url_for("/api"),
                                "--out", str(tmp_path / "o")])
    assert rc == 2 and len(lines) == 1 and "police.uk" in lines[0] and "unexpected" not in lines[0], lines


@pytest.mark.parametrize("feature", [
    "a string",
    {"type": "Feature", "properties": "x", "geometry": None},
    {"type": "Feature", "properties": {"LSOA21CD": "E01000001"}, "geometry": "POLYGON"},
    {"type": "Feature", "properties": {"LSOA21CD": "E01000001"},
     "geometry": {"type": "Polygon", "coordinates": [[["fifty-one", 0], [1, 1], [1, 0], [0, 0]]]}},
    {"type": "Feature", "properties": {"LSOA21CD": ["E01"]}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
])
def test_11_malformed_ons_features_are_one_clear_error(httpserver, tmp_path, capsys, feature):
    def answer(request):
        return Response(json.dumps({"type": "FeatureCollection", "features": [feature]}),
                        content_type="application/json")

    api = _ons(httpserver, answer)
    rc = fetch_main(["boundaries", "--quiet", "--lad", "Ashford", "--ons-api", api, "--out", str(tmp_path)])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert rc == 2 and len(lines) == 1 and "ONS" in lines[0] and "unexpected" not in lines[0], lines


def test_3_crimes_without_an_id_seen_by_two_tiles_count_once(httpserver, tmp_path, capsys):
    """Split tiles overlap by 100 m: a crime without an id in the overlap is kept once, and two
    crimes alike in every field (a shared snap point) are both kept."""
    from _police_mirror import Mirror

    rng = np.random.default_rng(3)
    crimes = [_crime(0, id=None, location={"latitude": f"{51.213 + 0.036 * a:.6f}", "longitude": f"{0.862 + 0.058 * b:.6f}",
                                           "street": {"id": 1, "name": "On or near X"}})
              for a, b in rng.random((600, 2))]
    crimes += [dict(crimes[0]) for _ in range(3)]  # the same point and fields: four crimes
    mirror = Mirror({"2021-01": crimes}, limit=150)
    mirror.install(httpserver)
    bnd = _boundaries(tmp_path)
    out = tmp_path / "out"
    rc, lines = _fetch(capsys, ["--boundaries", str(bnd), "--from", "2021-01", "--police-api",
                                httpserver.url_for("/api"), "--out", str(out)])
    assert rc == 0 and mirror.answered_503 > 0, lines
    b = gpd.read_file(bnd).to_crs(4326)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([float(c["location"]["longitude"]) for c in crimes],
                                                       [float(c["location"]["latitude"]) for c in crimes]), crs=4326)
    inside = int(pts.intersects(b.union_all()).sum())
    assert _rows(out) == inside


def test_4_a_redirect_to_a_local_file_is_refused(httpserver):
    httpserver.expect_request("/x").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})
    c = HttpClient(service="the test service", env_var="X", retries=0, timeout=5)
    with pytest.raises(DataError) as err:
        c.get_bytes(httpserver.url_for("/x"))
    assert "the test service" in str(err.value)


def test_7_ons_paging_with_one_new_lsoa_a_page_stops(httpserver, tmp_path):
    n = {"k": 0}

    def trickle(request):
        off = int(request.args.get("resultOffset", 0))
        n["k"] += 1
        feats = [_feature(j) for j in range(1999)] + [_feature(10_000 + off)]
        return Response(json.dumps({"type": "FeatureCollection", "features": feats, "exceededTransferLimit": True}),
                        content_type="application/json")

    with pytest.raises(DataError):
        fetch_boundaries(tmp_path, lads=["Ashford"], api_url=_ons(httpserver, trickle), page=2000)
    assert n["k"] <= 70
