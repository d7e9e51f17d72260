"""patrol_map.html: self-contained (no CDN), input text escaped, and it really draws offline.

The fixture is a 5 x 5 lattice of 400 m squares in EPSG:27700 with two planted zones, hostile
names (a pub called ``<script>alert(1)</script>``, an LSOA called ``<img src=x onerror=...>``,
a StreetSafe comment ``=HYPERLINK("x")``) and a fear-gap column; it stands in for a real
``Analysis`` so these tests do not depend on the statistics or the zoning code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.study import Settings

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
EVIL_PUB = "<script>alert(1)</script>"
EVIL_LSOA = "<img src=x onerror=alert(1)>"
EVIL_COMMENT = '=HYPERLINK("x")'
MATH_STREET = "$5 Alley_{x}^2 \\frac{a}{b} 50% Row"
X0, Y0, SIDE, N = 530_000.0, 180_000.0, 400.0, 5
ZONE_CELLS = {1: [(0, 0), (0, 1), (1, 0), (1, 1)], 2: [(4, 4), (4, 3)]}
LL_CELLS = [(2, 4), (3, 4)]


def _cell(r: int, c: int) -> shapely.Polygon:
    return shapely.box(X0 + c * SIDE, Y0 + r * SIDE, X0 + (c + 1) * SIDE, Y0 + (r + 1) * SIDE)


def make_analysis(zone_cells: dict[int, list[tuple[int, int]]] | None = None, *, fear: bool = True,
                  evidence: bool = True) -> tuple[SimpleNamespace, SimpleNamespace]:
    """A fake (analysis, layers) pair shaped like hotspots.pipeline's, on a 5 x 5 lattice."""
    zone_cells = ZONE_CELLS if zone_cells is None else zone_cells
    rows = []
    zone_of = {cell: z for z, cells in zone_cells.items() for cell in cells}
    for r in range(N):
        for c in range(N):
            i = r * N + c
            z = zone_of.get((r, c))
            hot = (r, c) in {cell for cells in ZONE_CELLS.values() for cell in cells}
            cluster = "HH" if hot else ("LL" if (r, c) in LL_CELLS else "ns")
            crimes = 200 - 10 * i if hot else 5 + i
            rows.append({"lsoa_code": f"E0100{i:04d}", "lsoa_name": EVIL_LSOA if i == 0 else f"Lattice {i:03d}",
                         "crimes": crimes, "harm": crimes * 12.5, "value": float(crimes),
                         "imd_decile": (i % 10) + 1, "pubs": 1 if i == 0 else 0, "streetsafe": 2 if i < 3 else 0,
                         "lisa_i": 1.0, "lisa_p": 0.01 if cluster != "ns" else 0.5, "lisa_cluster": cluster,
                         "gi_z": 3.2 if hot else (-2.1 if cluster == "LL" else 0.1),
                         "gi_p": 0.001 if hot else 0.5, "gi_bin": 3 if hot else (-2 if cluster == "LL" else 0),
                         "zone_id": z, "population": 1500, "rate": crimes / 1.5, "density": crimes / 0.16,
                         "geometry": _cell(r, c)})
    t = gpd.GeoDataFrame(rows, geometry="geometry", crs=27700)
    t["zone_id"] = pd.array(t["zone_id"].tolist(), dtype="Int64")
    if fear:
        t["fear_gap"] = ""
        t.loc[2, "fear_gap"] = "fear_not_crime"
        t.loc[5, "fear_gap"] = "crime_not_fear"
        t.loc[0, "fear_gap"] = "both"
    total_c, total_a = t["crimes"].sum(), t.area.sum() / 1e6
    zrows, ev = [], {}
    for z, cells in sorted(zone_cells.items()):
        idx = [r * N + c for r, c in cells]
        sub = t.iloc[idx]
        area = float(shapely.union_all(sub.geometry.values).area / 1e6)
        zrows.append({"zone_id": z, "rank": z, "lsoa_codes": ";".join(sub["lsoa_code"]),
                      "crimes": int(sub["crimes"].sum()), "harm": float(sub["harm"].sum()),
                      "streetsafe": int(sub["streetsafe"].sum()), "pubs": int(sub["pubs"].sum()),
                      "imd_decile_mean": float(sub["imd_decile"].mean()), "area_km2": area,
                      "share_of_crimes": sub["crimes"].sum() / total_c, "share_of_area": area / total_a,
                      "pai": (sub["crimes"].sum() / total_c) / (area / total_a),
                      "top_streets": f"High Street ({z * 10}); {MATH_STREET} (3)", "top_concerns": "Badly lit (2)",
                      "geometry": shapely.union_all(sub.geometry.values)})
        if evidence:
            ev[z] = {"top_streets": [("High Street", 40), (MATH_STREET, 3), ("<b>Bold Road</b>", 2)],
                     "top_concerns": [("Badly lit", 2), ("Being followed", 1)],
                     "pubs": [EVIL_PUB, "The Crown & Anchor"] if z == 1 else [],
                     "lsoas": [(c, n, int(k), int(d)) for c, n, k, d in
                               zip(sub["lsoa_code"], sub["lsoa_name"], sub["crimes"], sub["imd_decile"], strict=True)],
                     "crime_types": [("Violence and sexual offences", 300), ("Anti-social behaviour", 120),
                                     ("Public order", 20)],
                     "months": [(f"2024-{m:02d}", 30 + m) for m in range(1, 13)]}
    zones = gpd.GeoDataFrame(zrows, geometry="geometry", crs=27700) if zrows else None
    pubs = gpd.GeoDataFrame({"name": [EVIL_PUB, "The Crown & Anchor"], "address": ["1 High St", "<i>2</i> Low St"]},
                            geometry=[shapely.Point(X0 + 150, Y0 + 150), shapely.Point(X0 + 1900, Y0 + 1900)], crs=27700)
    ss = gpd.GeoDataFrame({"report_id": ["r1", "r2"], "month": ["2024-01", "2024-02"],
                           "reasons": ["badly_lit;isolated", "followed"], "comment": [EVIL_COMMENT, "<u>dark</u>"]},
                          geometry=[shapely.Point(X0 + 500, Y0 + 100), shapely.Point(X0 + 900, Y0 + 100)], crs=27700)
    from hotspots.model import ZoneEvidence, ZoneResult, ZoneSummary

    result = None
    if zones is not None:
        result = ZoneResult(frame=zones, zone_of=np.zeros(len(t), int),
                            evidence={k: ZoneEvidence(**v) for k, v in ev.items()},
                            summary=ZoneSummary(count=len(zones), rule="hh_or_gi2", rule_text="", lsoas_in_zones=0,
                                                share_of_crimes=None, share_of_harm=None, share_of_streetsafe=None,
                                                share_of_area=None, pai=None))
    analysis = SimpleNamespace(table=t, zones=result, zone_frame=zones,
                               settings=Settings(month_from="2024-01", month_to="2024-12"))
    layers = SimpleNamespace(pubs=pubs, streetsafe=ss, crimes=None)
    return analysis, layers


@pytest.fixture(scope="module")
def page() -> str:
    from hotspots.export.map.html_map import map_html

    analysis, layers = make_analysis()
    return map_html(analysis, layers, SimpleNamespace(name="Test <study> & co"))


def test_no_external_references(page: str) -> None:
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"@import\s+(url\()?\s*[\"']?(https?:)?//", page, re.I)
    assert "<script src" not in page.replace("'", '"')
    assert "L.map(" in page and "leaflet-control-layers" in page  # Leaflet's JS and CSS are inside the file
    css_images = re.findall(r"url\((?!data:|#)[^)]*\)", page)
    assert css_images == [], f"relative/remote CSS images would not load offline: {css_images[:3]}"


def test_input_text_is_escaped(page: str) -> None:
    # raw, or JSON-escaped (\u003c) so that it would become markup when folium sets innerHTML
    for bad in ("<script>alert(1)</script>", "\\u003cscript\\u003ealert", "<img src=x onerror",
                "\\u003cimg src=x", "<b>Bold Road", "\\u003cb\\u003eBold", "\\u003cu\\u003edark",
                "<study>", "\\u003cstudy\\u003e"):
        assert bad not in page, bad
    decoded = page.replace("\\u0026", "&").replace("\\u0027", "'")
    for good in ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
                 "=HYPERLINK(&quot;x&quot;)", "&lt;b&gt;Bold Road&lt;/b&gt;", "Test &lt;study&gt; &amp; co"):
        assert good in decoded, good


def test_layers_legend_and_title(page: str) -> None:
    for name in ("LISA clusters", "Gi* hot and cold spots", "Fear vs recorded crime", "Patrol zones", "Pubs",
                 "StreetSafe reports", "No basemap (offline)", "OpenStreetMap"):
        assert name in page, name
    assert "2024-01 to 2024-12" in page
    assert "Open Government Licence v3.0" in page and "OpenStreetMap" in page
    assert "High-High (hot spot) (6)" in page and "Low-Low (cold spot) (2)" in page  # legend counts
    assert "#ff0000" in page and "#d62f27" in page and "#CC79A7" in page  # LISA, Gi*, fear colours (Okabe-Ito)
    # the zone popup carries its evidence
    assert "Patrol zone 1 of 2" in page and "High Street (40)" in page and "Being followed (1)" in page


def test_map_without_zones_fear_or_points() -> None:
    from hotspots.export.map.html_map import map_html

    analysis, _ = make_analysis({}, fear=False, evidence=False)
    html = map_html(analysis, None)
    assert "No patrol zones at this alpha" in html
    assert "Fear vs recorded crime" not in html and "StreetSafe reports" not in html
    empty = analysis.zones  # None here; an empty GeoDataFrame must work too
    assert empty is None
    a2, _ = make_analysis(fear=False, evidence=False)
    from dataclasses import replace

    a2.zone_frame = a2.zone_frame.iloc[0:0]
    a2.zones = replace(a2.zones, frame=a2.zone_frame)
    assert "No patrol zones at this alpha" in map_html(a2, None)
    # the evidence dict is optional: the zone table's text columns are used instead
    a3, l3 = make_analysis(evidence=False)
    html3 = map_html(a3, l3)
    assert "Badly lit (2)" in html3 and "High Street (10)" in html3


def test_write_map_is_atomic_and_small(tmp_path: Path) -> None:
    from hotspots.export.map.html_map import write_map

    analysis, layers = make_analysis()
    out = write_map(analysis, layers, tmp_path / "patrol_map.html")
    assert out.exists() and [p.name for p in tmp_path.iterdir()] == ["patrol_map.html"]
    size = out.stat().st_size
    assert 150_000 < size < 400_000  # Leaflet (~150 kB) plus a small lattice, no per-crime markers
    # coordinates are rounded to 5 decimals (about 1 m) for size
    firsts = re.findall(r'"coordinates": \[+(-?\d+\.\d+)', out.read_text())
    assert len(firsts) >= len(analysis.table) and all(len(c.split(".")[1]) <= 5 for c in firsts)


def test_export_modules_import_light() -> None:
    code = ("import sys, hotspots.export.map.html_map, hotspots.export.briefing.briefing; "
            "bad = [m for m in ('folium', 'matplotlib', 'PySide6') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup.sh installs it)")
def test_map_draws_offline_in_headless_chromium(tmp_path: Path) -> None:
    from hotspots.export.map.html_map import write_map

    analysis, layers = make_analysis()
    path = write_map(analysis, layers, tmp_path / "patrol_map.html")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--proxy-server=127.0.0.1:9", "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
            capture_output=True, text=True, timeout=90)
    dom = proc.stdout
    paths = re.findall(r'<path class="leaflet-interactive"[^>]*>', dom)
    n_lsoa, n_zones = len(analysis.table), len(analysis.zone_frame)
    assert len(paths) >= n_lsoa + n_zones, proc.stderr[-2000:]
    # every LSOA drawn in its cluster colour, each zone as an unfilled black outline
    assert sum('fill="#ff0000"' in p for p in paths) == int((analysis.table["lisa_cluster"] == "HH").sum())
    assert sum('fill="#0000ff"' in p for p in paths) == len(LL_CELLS)
    assert sum('stroke="#000000"' in p and 'fill="none"' in p for p in paths) == n_zones
    assert len(re.findall(r'class="leaflet-marker-icon hs-zone-label', dom)) == n_zones
    assert 'class="leaflet-control hs-legend"' in dom or "hs-legend leaflet-control" in dom
    assert "<script>alert(1)</script>" not in dom


@pytest.mark.realdata
def test_kent_map_size() -> None:
    """A sanity bound on a real county: the page stays a few megabytes (skipped without data)."""
    real = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "kent" / "boundaries"
    if not real.exists():
        pytest.skip("needs ../shared/data/real (Kent boundaries)")
    from hotspots.data.boundaries import read_boundaries
    from hotspots.export.map.html_map import map_html

    b, _ = read_boundaries(real / "kent_medway_lsoa2011_bgc.geojson")
    t = b.copy()
    rng = np.random.default_rng(1)
    t["crimes"] = rng.integers(0, 300, len(t))
    t["harm"] = t["crimes"] * 10.0
    t["value"] = t["crimes"].astype(float)
    t["imd_decile"] = rng.integers(1, 11, len(t))
    t["lisa_cluster"] = rng.choice(["HH", "LL", "HL", "LH", "ns"], len(t))
    t["gi_bin"] = rng.choice([-3, -2, -1, 0, 1, 2, 3], len(t))
    t["zone_id"] = pd.array([pd.NA] * len(t), dtype="Int64")
    html = map_html(SimpleNamespace(table=t, zones=None, zone_frame=None, settings=Settings()), None)
    assert len(html) < 4_000_000
    assert len(re.findall(r'"type": "Feature"', html)) >= len(t)



def test_pubs_are_credited_by_their_real_source() -> None:
    from types import SimpleNamespace

    from hotspots.export.map.html_map import _pubs_attribution

    def layers(fmt):
        return SimpleNamespace(reports={"pubs": SimpleNamespace(info={"format": fmt})})

    assert "Open Government Licence" in _pubs_attribution(layers("Open Pubs"))
    assert "ODbL" not in _pubs_attribution(layers("Open Pubs (no header)"))
    assert "OpenStreetMap contributors (ODbL)" in _pubs_attribution(layers("vector (OSM or GIS export)"))
    assert "supplied" in _pubs_attribution(layers("CSV with coordinates"))
