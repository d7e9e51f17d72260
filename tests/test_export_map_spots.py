"""Patrol spots on the offline map: their own layer, one popup per spot, input text escaped."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _demo import analysed_demo

from hotspots.export.map._map_spots import SPOT_LAYER, spot_popup
from hotspots.export.map.html_map import map_html


@pytest.fixture(scope="module")
def demo():
    return analysed_demo(permutations=99, spots=5)


def test_spots_layer_and_escaped_popups(demo):
    a, layers, study = demo
    s0 = a.spots.spots[0]
    evil = replace(s0, name="<script>alert(1)</script> Street", flags=("<img src=x onerror=alert(2)>",))
    a2 = replace(a, spots=replace(a.spots, spots=[evil, *a.spots.spots[1:]]))
    html = map_html(a2, layers, study)
    assert SPOT_LAYER in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html or "\\u0026lt;script" in html
    for k in range(1, 6):
        assert f"Patrol spot {k} of 5" in html
    assert "src=\"http" not in html  # still offline


def test_popup_holds_the_evidence(demo):
    a, _, _ = demo
    s = a.spots.spots[0]
    p = spot_popup(s, len(a.spots.spots))
    assert f"{s.crimes:,}" in p and "15 minutes" in p and "time of day" in p
    assert f"{s.pubs_100m}" in p


def test_legend_names_the_spots_and_follows_their_layer(demo):
    a, layers, study = demo
    html = map_html(a, layers, study)
    n = len(a.spots.spots)
    assert f"{n} patrol spots: 15-minute visits" in html
    assert f"data-layer=\\u0027{SPOT_LAYER}\\u0027" in html  # the legend section hides with the layer (JSON-escaped)
    none = map_html(replace(a, spots=replace(a.spots, spots=[])), layers, study)
    assert "patrol spots: 15-minute visits" not in none
