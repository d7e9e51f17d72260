"""The patrol map's partner places: compact rows whose tooltip and popup the page builds, in the
words and markup folium drew them with (the page's function is run by Node where installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest

from hotspots.export.map._map_partners import PARTNER_JS, partner_rows
from hotspots.export.map._map_popups import esc
from hotspots.export.map._map_spots import PARTNER_LAYER, add_partner_places, partner_popup
from hotspots.plans.partner_places import PartnerPlace

EVIL = "Tesco </script><script>alert('x')</script> & \"Sons\""
PLACES = [
    PartnerPlace(name=EVIL, kind="retail", label="Supermarket", crimes=1234, share_shoplifting=0.634,
                 reason="retail: <b>mostly</b> shoplifting", x=575_000.0, y=160_000.0),
    PartnerPlace(name="Hospital by High Street, Margate", kind="hospital", label="Hospital", crimes=7,
                 share_shoplifting=0.0, reason="hospital site: for the NHS trust's security", x=635_000.0,
                 y=170_000.0),
    PartnerPlace(name="Police station", kind="police_station", label="Police Station", crimes=3,
                 share_shoplifting=0.1, reason="hospital site: for the NHS trust's security", x=580_000.0,
                 y=150_000.0),
    PartnerPlace(name="Odd kind", kind="other", label="x", crimes=1, share_shoplifting=1.0, reason="r",
                 x=580_100.0, y=150_100.0),
]


def _rows():
    return partner_rows(PLACES, np.array([51.1, 51.2, 51.3, 51.31]), np.array([0.5, 1.3, 0.6, 0.61]))


def test_rows_hold_escaped_text_and_share_tables():
    rows, tables = _rows()
    assert rows[0][2] == esc(EVIL) and "<" not in rows[0][2]
    assert rows[0][4] == "1,234" and tables["shops"][rows[0][5]] == "63%"
    assert tables["shops"][rows[1][5]] == "" and tables["shops"][rows[3][5]] == ""  # not retail: no share
    assert rows[1][6] == rows[2][6] and len(tables["reasons"]) == 3  # a shared reason is stored once
    assert tables["reasons"][rows[0][6]] == esc("retail: <b>mostly</b> shoplifting")
    assert tables["kinds"][rows[3][3]] == "other"
    assert [r[:2] for r in rows] == [[51.1, 0.5], [51.2, 1.3], [51.3, 0.6], [51.31, 0.61]]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_page_builds_what_python_wrote():
    rows, tables = _rows()
    script = PARTNER_JS + (f"var rows = {json.dumps(rows)}, t = {json.dumps(tables)};"
                           "console.log(JSON.stringify(rows.map(function (r) { return hs_partner_text(r, t); })));")
    out = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    assert [o["popup"] for o in out] == [partner_popup(p) for p in PLACES]
    assert [o["label"] for o in out] == [esc(f"Partner place: {p.name} ({p.crimes:,} crimes)") for p in PLACES]


def test_layer_on_the_page_is_inert_and_compact():
    import folium

    from hotspots.export.map._offline import render_page

    m = folium.Map(tiles=None)
    analysis = SimpleNamespace(spots=SimpleNamespace(partners=SimpleNamespace(places=PLACES)))

    def to_display(geoms, crs, extent_m=None):  # noqa: ANN001, ANN202 - the map's _to_display
        from hotspots.export.map._map_geometry import _to_display

        return _to_display(geoms, crs, extent_m=extent_m)

    assert add_partner_places(m, analysis, to_display)
    folium.LayerControl().add_to(m)
    page = render_page(m.get_root())
    assert "alert('x')</script>" not in page and "<script>alert" not in page
    assert esc(EVIL).replace("</", "<\\/") in page or esc(EVIL) in page
    assert json.dumps(PARTNER_LAYER) in page  # in the layer switcher
    assert page.count("var props = hs_partner_text;") == 1 and page.count("function hs_partner_text(") == 1
    assert '{"maxWidth": 340, "className": "foliumpopup"}' in page
    assert '"fillColor": "#1f78b4"' in page and '"radius": 4' in page
    assert not add_partner_places(folium.Map(tiles=None), SimpleNamespace(spots=None), to_display)
