"""Clustered point layers work offline; the palette is Okabe-Ito and its classes distinct."""

from __future__ import annotations

import folium

from hotspots.export.map._map_points import (
    FEAR_CLASS_COLOURS,
    OKABE_ITO,
    PUB_POINT_COLOUR,
    REPORT_COLOUR,
    cluster_group,
    markercluster_js,
)
from hotspots.export.map._offline import external_refs


def test_marker_cluster_inlined_and_no_network() -> None:
    m = folium.Map(tiles=None)
    m.default_js, m.default_css = [], []
    mc = cluster_group(m, "StreetSafe reports", REPORT_COLOUR)
    folium.CircleMarker([51.3, 1.0], radius=3).add_to(mc)
    cluster_group(m, "Pubs", PUB_POINT_COLOUR, show=False)
    html = m.get_root().render()
    assert external_refs(html) == []
    assert "cdnjs" not in html and html.count("L.MarkerClusterGroup=") == 1  # inlined once
    assert "L.markerClusterGroup(" in html and "disableClusteringAtZoom" in html
    assert '"maxZoom": 19' in html or "maxZoom" in html
    assert "</script" not in markercluster_js()


def test_palette_is_okabe_ito_and_every_class_distinct() -> None:
    colours = [REPORT_COLOUR, PUB_POINT_COLOUR, *FEAR_CLASS_COLOURS.values()]
    assert len(set(colours)) == len(colours)
    assert set(colours) <= set(OKABE_ITO.values())
