"""Hostile text in input files comes out inert in every export (HTML, CSV, XLSX, PDF)."""

import pandas as pd
from _study import lattice_study

from hotspots.cli import main

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def test_hostile_text_is_inert_everywhere(tmp_path):
    b, c = lattice_study(tmp_path, location="On or near " + SCRIPT + " {i}", lsoa_name=FORMULA + " {j}{i}")
    pubs = tmp_path / "pubs.csv"
    pubs.write_text('name,latitude,longitude\n"' + SCRIPT + '",51.205,0.505\n"'
                    + FORMULA.replace('"', '""') + '",51.215,0.515\n')
    ss = tmp_path / "ss.csv"
    ss.write_text("id,date,latitude,longitude,reasons,comment\n"
                  + "".join(f'{k},2021-03-01,51.20{k},0.50{k},Badly lit,"{SCRIPT}"\n' for k in range(1, 9))
                  + '9,2021-03-01,51.235,0.535,Being followed,"' + FORMULA.replace('"', '""') + '"\n')
    out = tmp_path / "out"
    rc = main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--pubs", str(pubs),
               "--streetsafe", str(ss), "--out", str(out), "--permutations", "99", "--quiet"])
    assert rc == 0
    written = {p.name for p in out.iterdir()}
    assert {"lsoa_results.csv", "summary.json", "patrol_map.html", "patrol_zones.gpkg",
            "patrol_zones.geojson", "hotspots.xlsx", "briefing.pdf"} <= written

    html = (out / "patrol_map.html").read_text(encoding="utf-8")
    assert SCRIPT not in html
    # the text is there, HTML-escaped (inside JSON the & itself is written \u0026)
    assert "&lt;script&gt;alert(1)" in html or "\\u0026lt;script\\u0026gt;alert(1)" in html

    csv = pd.read_csv(out / "lsoa_results.csv", dtype=str)
    assert csv["lsoa_name"].str.startswith("'=").all()

    import openpyxl

    wb = openpyxl.load_workbook(out / "hotspots.xlsx")
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    hostile = [t for t in texts if "HYPERLINK" in t or "alert(1)" in t]
    assert hostile, "the hostile text should still be readable in the workbook"
    assert not [t for t in hostile if t.startswith(("=", "+", "-", "@"))]

    zones = pd.read_csv(out / "lsoa_results.csv")["zone_id"].notna().sum()
    assert zones > 0  # the hot corner made a zone, so top streets carried the hostile Location
    assert (out / "briefing.pdf").read_bytes().startswith(b"%PDF")
