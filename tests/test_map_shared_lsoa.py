"""The map's LSOA layers are views of one embedded copy of the shapes: each LSOA once, each
layer drawing the LSOAs it drew as its own GeoJSON, tooltips built from the escaped properties."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile

import pytest
from test_export_map import CHROMIUM, make_analysis

from hotspots.export.map._map_style import FEAR_COLOURS, LAYER_NAMES
from hotspots.export.map.html_map import map_html, write_map


def _data(html: str) -> dict:
    m = re.search(r"var hs_lsoa = (\{.*?\});\n</script>", html, re.S)
    assert m, "the shared LSOA data script is missing"
    return json.loads(m.group(1).replace("<\\/", "</"))


def _members(html: str, data: dict) -> dict[str, int]:
    """Layer name -> how many features its filter keeps (by the filter's membership flag)."""
    out = {}
    names = {json.loads(f'"{k}"'): v for k, v in re.findall(r'"([^"]+)"\s*:\s*(lsoa_layer_[0-9a-f]+)', html)}
    for name, var in names.items():
        block = html[html.index(f"var {var} = L.geoJson"):]
        flt = re.search(r"filter: function\(f\) \{ return (.*?); \}", block).group(1)
        flag = re.search(r'f\.properties\["([^"]+)"\] === 1', flt)
        out[name] = (len(data["features"]) if flt == "true"
                     else sum(1 for f in data["features"] if f["properties"].get(flag.group(1)) == 1))
    return out


def test_each_lsoa_once_and_each_layer_draws_its_own():
    a, layers = make_analysis()
    html = map_html(a, layers)
    data = _data(html)
    t = a.table
    assert len(data["features"]) == len(t) and html.count("var hs_lsoa =") == 1
    assert sorted(f["id"] for f in data["features"]) == list(range(len(t)))
    members = _members(html, data)
    assert members[LAYER_NAMES["lisa"]] == len(t)
    assert members[LAYER_NAMES["gi"]] == int((t["gi_bin"].fillna(0) != 0).sum()) > 0
    fear = t["fear_gap"].fillna("").astype(str)
    status = t.get("fear_status", "")
    untested = (fear == "") & (status == "too few reports")  # drawn grey: not testable
    assert members[LAYER_NAMES["fear"]] == int(fear.isin(list(FEAR_COLOURS)).sum() + untested.sum()) > 0
    # properties are the escaped text: a name with markup never reaches the page as markup
    assert "<script>alert" not in html.split("var hs_lsoa =", 1)[1].split("</script>", 1)[0]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup.sh installs it)")
def test_a_tooltip_shows_the_lsoa(tmp_path):
    a, layers = make_analysis()
    path = write_map(a, layers, tmp_path / "m.html")
    html = path.read_text(encoding="utf-8")
    var = re.search(r"var (lsoa_layer_[0-9a-f]+) = L\.geoJson", html).group(1)
    probe = ("<script>setTimeout(function(){ var l = " + var + ".getLayers()[0];"
             " l.openTooltip(l.getBounds().getCenter()); }, 300);</script></body>")
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", probe), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                              "--proxy-server=127.0.0.1:9", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=90).stdout
    tip = re.search(r'<table class="hs-tip">(.*?)</table>', dom)
    assert tip, "no tooltip opened"
    first = a.table.iloc[0]
    assert f"<th>LSOA</th><td>{first['lsoa_code']}</td>" in tip.group(1)
    assert "<th>LISA cluster</th>" in tip.group(1)


def test_fear_layer_marks_the_lsoas_it_could_not_test():
    """A blank on the fear layer must not read as "no gap": untested LSOAs are drawn grey and named."""
    a, layers = make_analysis()
    t = a.table
    t["fear_gap"] = ""
    t.loc[t.index[0], "fear_gap"] = "fear_not_crime"
    t["fear_status"] = "tested"
    t.loc[t.index[1:4], "fear_status"] = "too few reports"
    html = map_html(a, layers)
    members = _members(html, _data(html))
    assert members[LAYER_NAMES["fear"]] == 4
    assert "Not testable (too few reports)" in html
