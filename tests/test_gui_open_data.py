"""File > Get open data...: the dialog, and a fetch from local mirrors that lands as layers."""

from __future__ import annotations

import numpy as np
import pytest
from _police_mirror import Mirror
from conftest import GUI_TIMEOUT_MS
from test_fetch_ons_imd import ArcGisMirror, _squares

from hotspots.fetch.jobs import OpenDataRequest
from hotspots.fetch.ons import SERVICES

pytestmark = pytest.mark.gui


def _crimes(n: int, month: str, seed: int) -> list[dict]:
    """Crimes over the mirror's squares (lon 0.80..1.10, lat 51.10..51.109) and a little beyond."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(0.79, 1.11, n), rng.uniform(51.095, 51.114, n)
    return [{"category": "violent-crime" if i % 3 else "anti-social-behaviour",
             "location": {"latitude": f"{lat[i]:.6f}", "longitude": f"{lon[i]:.6f}",
                          "street": {"id": i, "name": f"On or near Road {i % 9}"}},
             "context": "", "outcome_status": None, "persistent_id": "" if i % 3 == 0 else f"{seed}{i:063d}",
             "id": seed * 100_000 + i, "location_type": "Force", "location_subtype": "", "month": month}
            for i in range(n)]


def test_dialog_says_what_is_missing(qtbot):
    from gui.open_data import OpenDataDialog

    dlg = OpenDataDialog(None, boundaries=None, folder="")
    qtbot.addWidget(dlg)
    assert "folder" in dlg.problem()
    dlg.folder.setText("/tmp/x")
    dlg.want_boundaries.setChecked(False)
    assert "area" in dlg.problem()
    dlg.force.setText("kent")
    dlg.month_from.setText("2021-01")
    assert dlg.problem() == ""
    r = dlg.request()
    assert (r.force, r.month_from, r.month_to, r.crimes, r.imd) == ("kent", "2021-01", None, True, None)


def test_get_open_data_fetches_and_loads_layers(window, qtbot, httpserver, tmp_path):
    arc = ArcGisMirror(_squares(30), "LSOA21CD", "LSOA21NM", max_records=8)
    httpserver.expect_request(f"/rest/{SERVICES[('2021', 'BGC')]}/FeatureServer/0/query").respond_with_handler(arc)
    months = {"2021-01": _crimes(900, "2021-01", 1), "2021-02": _crimes(700, "2021-02", 2)}
    police = Mirror(months, limit=200, every_429=5)
    police.install(httpserver)
    assert window.actions_.open_data.text().startswith("Get open")
    req = OpenDataRequest(folder=str(tmp_path / "open"), lads=["Ashford"], get_boundaries=True, year="2021",
                          month_from="2021-01", month_to="2021-02", police_api=httpserver.url_for("/api"),
                          ons_api=httpserver.url_for("/rest"))
    seen = []
    window.runner.progress.connect(lambda m, f: seen.append(m))
    task = window.get_open_data(req)
    assert task is not None
    qtbot.waitUntil(lambda: window.state.layers.crimes is not None and not window.runner.busy, timeout=GUI_TIMEOUT_MS)
    layers = window.state.layers
    ashford = [f for f in arc.features if f["properties"]["LSOA21NM"].startswith("Ashford ")]
    assert len(layers.boundaries) == len(ashford)
    # every crime the mirror holds inside the Ashford squares, and none twice
    from shapely.geometry import Point, shape

    polys = [shape(f["geometry"]) for f in ashford]
    want = sum(1 for cs in months.values() for c in cs
               if any(p.covers(Point(float(c["location"]["longitude"]), float(c["location"]["latitude"])))
                      for p in polys))
    assert layers.reports["crimes"].rows_kept == want
    assert police.answered_503 > 0 and police.answered_429 > 0
    assert any("police.uk" in m for m in seen)
    assert (tmp_path / "open" / "crime" / "2021-02").is_dir()
    assert window.state.study.boundaries.endswith("lsoa21_bgc.geojson")
