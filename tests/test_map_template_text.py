"""Text in the data is never read as a template: branca compiles every rendered block as jinja,
so a street or LSOA name holding ``{{ ... }}`` used to be evaluated in patrol_map.html."""

from __future__ import annotations

import re

from test_export_gis_tables import _analysis

from hotspots.export.map.html_map import write_map

TRAP = "{{ 7*7 }} {{ this.__class__.__name__ }} {% if 1 %}x{% endif %}"


def test_braces_in_names_stay_literal(tmp_path):
    a, layers = _analysis()
    names = a.table["lsoa_name"].astype(object).to_numpy().copy()
    names[3] = TRAP
    a.table["lsoa_name"] = names
    html = write_map(a, layers, tmp_path / "m.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in html and "{% if 1 %}" in html
    # evaluated, the trap would read "49 Element x" (a bare "49 " can be the minute of the time stamp)
    assert re.search(r"49 [A-Za-z_]\w* x", html) is None
    assert "leaflet" in html.lower() and "L.map(" in html  # the page itself still renders
