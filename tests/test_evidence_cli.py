"""`hotspots analyse` writes the evidence outputs when a population is loaded (demo study)."""

from __future__ import annotations

import csv

import pytest

from hotspots.cli import main
from hotspots.export.results import AVAILABLE_COLUMNS, OPTIONAL_COLUMNS
from hotspots.model import RESULT_COLUMNS


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["analyse", "--demo", "--permutations", "99", "--quiet", "--out", str(out),
                 "--evidence-area", "top:2"]) == 0
    return out


def test_evidence_files_and_columns(demo_out):
    from docx import Document

    for name in ("evidence.docx", "heat.tif", "evidence_crosstab.png", "evidence_area_1_map.png"):
        assert (demo_out / name).is_file(), name
    with (demo_out / "lsoa_results.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header[:len(RESULT_COLUMNS)] == RESULT_COLUMNS  # the contract first, then the evidence
    after = header[len(RESULT_COLUMNS):]
    first = [c for c in OPTIONAL_COLUMNS if c in after]  # DESIGN: "then as available: emerging, fear_gap, ..."
    assert after[:len(first)] == first and first == ["emerging", "fear_gap"]
    assert after[len(first):] == [c for c in AVAILABLE_COLUMNS if c != "crime_decile_national"]
    doc = Document(str(demo_out / "evidence.docx"))
    assert len(doc.tables) >= 1 and len(doc.inline_shapes) >= 1
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    # --evidence-area top:2; zones named by town and streets (#23)
    assert any(h.startswith("Patrol zone 1: ") for h in heads) and not any(h.startswith("Patrol zone 3") for h in heads)


def test_map_and_workbook(demo_out):
    import json

    from openpyxl import load_workbook

    from hotspots.export.map._offline import external_refs

    html = (demo_out / "patrol_map.html").read_text(encoding="utf-8")
    assert not external_refs(html)
    assert "Crime vs pubs (bivariate LISA)" in html and "Heat map: Crime (all types)" in html
    assert html.count("data:image/png;base64,") >= 3 and "not cause" in html
    wb = load_workbook(demo_out / "hotspots.xlsx", read_only=True)
    assert {"Evidence", "Cross-table"} <= set(wb.sheetnames)
    lsoa_head = next(wb["LSOAs"].iter_rows(values_only=True))
    assert list(lsoa_head[:len(RESULT_COLUMNS) + 3]) == [*RESULT_COLUMNS, "population", "rate_per_1000",
                                                         "rate_vs_force"]
    summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
    assert summary["evidence"]["bivariate"]["counts"]["bv_pubs"]


def test_no_population_no_pack(tmp_path):
    from tests._study import lattice_study

    b, c = lattice_study(tmp_path)
    out = tmp_path / "out"
    assert main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(out), "--permutations", "99",
                 "--quiet"]) == 0
    assert not (out / "evidence.docx").exists() and (out / "heat.tif").exists()
    with (out / "lsoa_results.csv").open(encoding="utf-8") as fh:
        assert "rate_per_1000" not in next(csv.reader(fh))


def test_bad_evidence_area_exits_2(tmp_path, capsys):
    assert main(["analyse", "--demo", "--quiet", "--out", str(tmp_path), "--evidence-area", "street:High"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "--evidence-area" in err[0]
