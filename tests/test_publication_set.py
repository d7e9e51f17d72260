"""A publication set end to end (``hotspots analyse --public``) and the marking of internal outputs.

The lattice study has a hot corner (30 crimes an LSOA) and Poisson(3) elsewhere, so many LSOA
counts are 1-4: every writer must print them as "fewer than 5". Three actions are logged: two on
places with 6 and 4 StreetSafe reports, one on a single report (whose reasons must never show).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _study import lattice_study
from openpyxl import load_workbook

from hotspots.cli import main
from hotspots.data._tables import to_bng
from hotspots.streetsafe.concerns import concern_ids

SMALL = {"1", "2", "3", "4", 1, 2, 3, 4}
COUNT = re.compile(r"(^|_)(crimes?|streetsafe|reports?|records?)($|_)")
#: (lat, lon, reports, reasons): two places with several reports and a single report
HUBS = [(51.2052, 0.5052, 6, "Badly lit;Being followed"), (51.2152, 0.5152, 4, "No CCTV"),
        (51.2452, 0.5452, 1, "Harassed by one person;Other: the man at number 3")]


def _inputs(tmp_path: Path) -> tuple[Path, Path, Path, Path, list[str]]:
    b, c = lattice_study(tmp_path, location="On or near Mill{i} Road", lsoa_name="Town{j} 00{i}A")
    rows = ["id,date,latitude,longitude,reasons,comment"]
    k = 0
    for lat, lon, n, reasons in HUBS:
        for _ in range(n):
            rows.append(f"R{k},2021-0{1 + k % 9}-1{k % 9},{lat:.6f},{lon:.6f},{reasons},He lives at 4 Mill Road")
            k += 1
    ss = tmp_path / "ss.csv"
    ss.write_text("\n".join(rows) + "\n", encoding="utf-8")
    x, y = to_bng(4326).transform(np.array([h[1] for h in HUBS]), np.array([h[0] for h in HUBS]))
    ids = list(concern_ids(x, y))
    acts = tmp_path / "actions.csv"
    acts.write_text("concern_id,date,action,agency,status\n"
                    f"{ids[0]},2021-10-08,Street lights repaired,County council,done\n"
                    f"{ids[1]},2021-11-21,CCTV camera installed,Borough council,in progress\n"
                    f"{ids[2]},2021-12-02,Extra evening patrols,Police,done\n", encoding="utf-8")
    return b, c, ss, acts, ids


def _run(tmp_path: Path, out: str, *extra: str) -> Path:
    b, c, ss, acts, _ = _inputs(tmp_path)
    o = tmp_path / out
    rc = main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--streetsafe", str(ss), "--actions", str(acts),
               "--permutations", "99", "--quiet", "--out", str(o), *extra])
    assert rc == 0
    return o


def _small_in(obj: object, key: str = "") -> list[tuple[str, object]]:
    """Counts of 1-4 anywhere in a JSON value, under a count-like key."""
    if isinstance(obj, dict):
        return [h for k, v in obj.items() for h in _small_in(v, k if isinstance(v, (dict, list)) else str(k))
                ] + [(str(k), v) for k, v in obj.items() if not isinstance(v, (dict, list)) and COUNT.search(str(k))
                     and v in SMALL and not isinstance(v, bool)] + \
            ([(key, v) for v in obj.values() if COUNT.search(key) and v in SMALL and not isinstance(v, bool)])
    if isinstance(obj, list):
        return [h for v in obj for h in _small_in(v, key)]
    return []


def _report_points() -> set[tuple[str, str]]:
    return {(f"{lon:.4f}", f"{lat:.4f}") for lat, lon, _n, _r in HUBS}


def _coords_in(text: str) -> set[tuple[str, str]]:
    pairs = re.findall(r"(-?\d+\.\d+)\"?,\s*\"?(-?\d+\.\d+)", text)
    return {(f"{float(a):.4f}", f"{float(b):.4f}") for a, b in pairs} | {(f"{float(b):.4f}", f"{float(a):.4f}")
                                                                        for a, b in pairs}


@pytest.fixture(scope="module")
def pub(tmp_path_factory) -> tuple[Path, list[str]]:
    """One publication set of the lattice study (and the three concern ids acted on)."""
    tmp = tmp_path_factory.mktemp("pub")
    return _run(tmp, "pub", "--public"), _inputs(tmp)[4]


def test_public_set_suppresses_every_writer(pub: tuple[Path, list[str]]) -> None:
    out = pub[0]
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert {"lsoa_results.csv", "patrol_zones.geojson", "patrol_zones.gpkg", "hotspots.xlsx", "patrol_map.html",
            "public_summary.pdf", "streetsafe_update.xlsx", "streetsafe_update.html", "streetsafe_update.docx",
            "disclosure.txt", "summary.json"} <= names
    assert not names & {"streetsafe_concerns.csv", "heat.tif", "briefing.pdf", "evidence.docx"}
    # CSV
    with open(out / "lsoa_results.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert not [(k, v) for r in rows for k, v in r.items() if COUNT.search(k) and v in SMALL]
    assert sum(r["crimes"] == "fewer than 5" for r in rows) >= 3  # the lattice has small counts to hide
    hidden = {r["lsoa_code"] for r in rows if r["crimes"] == "fewer than 5"}
    assert all(r["harm"] == "suppressed" for r in rows if r["lsoa_code"] in hidden)
    # XLSX
    wb = load_workbook(out / "hotspots.xlsx", read_only=True)
    sheet = list(wb["LSOAs"].iter_rows(values_only=True))
    assert "publication" in str(sheet[0][0]).lower()
    head = list(sheet[1])
    for r in sheet[2:]:
        assert r[head.index("crimes")] not in SMALL
    about = " ".join(str(v) for r in wb["About"].iter_rows(values_only=True) for v in r)
    assert "Disclosure log" in about and "fewer than 5" in about
    # GeoJSON
    for name in ("patrol_zones.geojson", "patrol_spots.geojson"):
        if (out / name).exists():
            gj = json.loads((out / name).read_text(encoding="utf-8"))
            assert not _small_in([f["properties"] for f in gj["features"]]), name
            assert "publication" in gj["metadata"]["title"].lower()
    # GPKG
    lay = gpd.read_file(out / "patrol_zones.gpkg", layer="lsoa_results")
    assert not set(lay["crimes"].astype(str)) & {"1", "2", "3", "4"}
    assert (lay["crimes"].astype(str) == "fewer than 5").sum() == len(hidden)
    # HTML popups
    page = (out / "patrol_map.html").read_text(encoding="utf-8")
    page = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    shown = re.findall(r"Crimes</th><td>([^<]*)</td>", page)
    assert shown and not set(shown) & {"1", "2", "3", "4"} and "fewer than 5" in shown
    # no StreetSafe report location or grid code in any HTML, GeoJSON, CSV or JSON output
    for p in out.iterdir():
        if p.suffix in (".html", ".geojson", ".csv", ".json", ".txt"):
            text = p.read_text(encoding="utf-8")
            assert not _coords_in(text) & _report_points(), p.name
            assert not re.search(r"SS-E\d+N\d+", text), p.name
            assert "He lives at" not in text and "number 3" not in text, p.name
    # PDF
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(out / "public_summary.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "For publication" in text
    # the disclosure log and summary.json
    log = (out / "disclosure.txt").read_text(encoding="utf-8")
    assert "Rules applied" in log and "lsoa_results / crimes" in log and "Total cells suppressed" in log
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["publication"] is True and summary["disclosure"]["cells_suppressed"] > 0
    assert "inputs" not in summary  # no row counts, no file paths


def test_public_update_lists_exactly_the_places_acted_on(pub: tuple[Path, list[str]], tmp_path: Path) -> None:
    out, ids = pub
    rows = list(load_workbook(out / "streetsafe_update.xlsx")["Public update"].iter_rows(values_only=True))
    head = list(rows[3])
    body = [dict(zip(head, r, strict=True)) for r in rows[4:]]
    assert len(body) == 3
    places = [r["Place"] for r in body]
    assert sorted(places) == sorted(["Mill0 Road, Town0", "Mill1 Road, Town1", "Other places in Town4"])
    single = next(r for r in body if r["Place"].startswith("Other places"))
    assert "Harassed" not in single["What you told us"]  # one report's reasons are never shown
    assert single["What we did"] == "Extra evening patrols" and single["When"] == "December 2021"
    lit = next(r for r in body if r["Place"] == "Mill0 Road, Town0")
    assert lit["What you told us"] == "Badly lit; Being followed" and lit["When"] == "October 2021"
    for name in ("streetsafe_update.xlsx", "streetsafe_update.docx"):
        with zipfile.ZipFile(out / name) as z:
            xml = " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
        assert not any(i in xml for i in ids) and "SS-E" not in xml, name
        assert "2021-10-08" not in xml and "number 3" not in xml, name
    html = (out / "streetsafe_update.html").read_text(encoding="utf-8")
    assert "Mill0 Road, Town0" in html and "Other places in Town4" in html and "Harassed" not in html
    # with --under-review every concern's place is listed, the single report still only as its town
    rev = _run(tmp_path, "rev", "--public", "--under-review")
    page = (rev / "streetsafe_update.html").read_text(encoding="utf-8")
    assert "Harassed" not in page and "Other places in Town4" in page


def test_sensitive_types_only_leave_no_sub_lsoa_output(tmp_path: Path) -> None:
    out = _run(tmp_path, "sens", "--public", "--crime-type", "Violence and sexual offences", "--suppress-below", "10")
    assert not (out / "patrol_spots.geojson").exists() and not (out / "patrol_zones.geojson").exists()
    with open(out / "lsoa_results.csv", encoding="utf-8") as f:
        crimes = [r["crimes"] for r in csv.DictReader(f)]
    assert "fewer than 10" in crimes
    assert all(v == "fewer than 10" or v == "0" or int(v) >= 10 for v in crimes)
    assert "published at LSOA level only" in (out / "disclosure.txt").read_text(encoding="utf-8")


def test_internal_outputs_carry_the_marking_line(tmp_path: Path) -> None:
    out = _run(tmp_path, "int", "--marking", "OFFICIAL: partnership only")
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["marking"] == "OFFICIAL: partnership only"
    assert "OFFICIAL: partnership only" in (out / "patrol_map.html").read_text(encoding="utf-8")
    about = [r for r in load_workbook(out / "hotspots.xlsx", read_only=True)["About"].iter_rows(values_only=True)]
    assert ("Protective marking", "OFFICIAL: partnership only") in [tuple(r[:2]) for r in about]
    ss = [r for r in load_workbook(out / "streetsafe_update.xlsx")["About"].iter_rows(values_only=True)]
    assert ("protective marking", "OFFICIAL: partnership only") in [tuple(r[:2]) for r in ss]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out / "briefing.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages = text.split("\f")
        assert all("OFFICIAL: partnership only" in p for p in pages if p.strip())
    default = _run(tmp_path, "int2")
    assert json.loads((default / "summary.json").read_text())["marking"] == "OFFICIAL - SENSITIVE: not for publication"


def test_evidence_pack_carries_the_marking(tmp_path: Path) -> None:
    import docx

    from hotspots.export.documents.evidence_docx import write_evidence_docx
    from hotspots.export.workbook.evidence_sheets import pack_for
    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Settings, demo_study

    study = demo_study()
    if not Path(study.boundaries).exists():
        pytest.skip("the demo study is not generated")
    study.settings = Settings(permutations=99, n_jobs=1, marking="OFFICIAL - SENSITIVE: bid draft")
    layers = load_layers(study)
    a = analyse(layers, study.settings.validated())
    pack = pack_for(a, layers, study)
    path = write_evidence_docx(pack, a, layers, tmp_path / "evidence.docx")
    d = docx.Document(str(path))
    assert d.sections[0].header.paragraphs[0].text == "OFFICIAL - SENSITIVE: bid draft"
    assert d.sections[0].footer.paragraphs[0].text == "OFFICIAL - SENSITIVE: bid draft"


@pytest.mark.parametrize("flags", [["--suppress-below", "1"], ["--public", "--no-exports"]])
def test_bad_publication_flags_exit_2(tmp_path: Path, capsys, flags: list[str]) -> None:
    b, c, *_ = _inputs(tmp_path)
    rc = main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--permutations", "99", "--quiet",
               "--out", str(tmp_path / "o"), *flags])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error:")
    assert flags[0] in err[0] or flags[1] in err[0]


def test_public_update_rules_on_hand_made_concerns() -> None:
    from hotspots.streetsafe.public_update import build_public_update

    concerns = pd.DataFrame({
        "concern_id": ["SS-E600000N150000", "SS-E600150N150000", "SS-E610000N150000", "SS-E620000N150000"],
        "lsoa_name": ["Ashford 001A", "Ashford 001A", "Ashford 002B", "Dover 003C"],
        "reports": [2, 2, 1, 9], "top_reasons": ["Badly lit (2)", "No CCTV (2)", "Being followed (1)",
                                                 "Badly lit (5); Other: at no. 4 (1)"]})
    crimes = pd.DataFrame({"x": [600070.0, 600200.0, 610050.0, 620070.0, 620080.0],
                           "y": [150070.0, 150070.0, 150050.0, 150070.0, 150075.0],
                           "location": ["On or near Bank Street", "On or near Bank Street", "On or near Parking Area",
                                        "On or near Parking Area", "On or near Parking Area"]})
    acts = pd.DataFrame({"concern_id": list(concerns["concern_id"]), "date": ["2025-07-02", "2025-07", "", "2025-08-30"],
                         "action": ["Lights fixed at SS-E600000N150000", "Camera", "Hedges cut", "Car park lit"],
                         "agency": ["KCC", "", "Ashford BC", "Dover DC"], "status": ["done", "", "done", "planned"]})
    u = build_public_update(concerns, acts, crimes=crimes)
    rows = u.rows.set_index("Place")
    # two 2-report squares on one street make one place of 4 reports: listed, but neither's reasons
    assert rows.loc["Bank Street, Ashford", "What you told us"] == ""
    assert rows.loc["Bank Street, Ashford", "What we did"] == "Lights fixed at this place\nCamera"
    assert rows.loc["Bank Street, Ashford", "When"] == "July 2025\nJuly 2025"
    assert rows.loc["Bank Street, Ashford", "Who"] == "KCC\nPartners"
    # a car park with no street nearby is named by its town, never "Parking Area" alone
    assert "Other places in Ashford" in rows.index and rows.loc["Other places in Ashford", "When"] == \
        "Date not recorded"
    dover = [p for p in rows.index if p.endswith("Dover")]
    assert dover and "Parking Area" not in dover[0] and rows.loc[dover[0], "What you told us"] == "Badly lit"
    assert u.grouped_small == ["SS-E610000N150000"] and u.reasons_withheld == 3
