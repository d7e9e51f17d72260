"""The evidence pack on the demo study: areas, figures against the force, and evidence.docx."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.data.errors import DataError
from hotspots.evidence.pack import AreaSpec, build_pack, parse_area
from hotspots.evidence.stage import evidence_stage, heat_note
from hotspots.model import Analysis


@pytest.fixture(scope="module")
def demo_run():
    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Settings, demo_study

    st = demo_study()
    st.settings = Settings(permutations=199)
    layers = load_layers(st)
    a = analyse(layers, st.settings)  # the evidence stage runs among the pipeline's stages
    return st, layers, a, a.evidence


def test_parse_area():
    assert parse_area(None) == AreaSpec("top", ["3"])
    assert parse_area("top:2") == AreaSpec("top", ["2"])
    assert parse_area("zone:1, 3") == AreaSpec("zone", ["1", "3"])
    assert parse_area("lsoa:E01900001,E01900002").values == ["E01900001", "E01900002"]
    assert parse_area("district:Demoton").kind == "district"
    for bad in ("top:x", "zone:a", "street:High", "lsoa:"):
        with pytest.raises(DataError):
            parse_area(bad)


def test_stage_adds_columns(demo_run):
    _, layers, a, ev = demo_run
    assert isinstance(a, Analysis) and ev is not None
    # the stage returns a new Analysis and leaves the one it was given alone
    from dataclasses import replace

    bare = replace(a, table=a.table.drop(columns=["bv_pubs", "rate_vs_force"]), evidence=None)
    again = evidence_stage(bare, layers)
    assert "bv_pubs" not in bare.table and again.evidence is not None
    assert again.table["bv_pubs"].tolist() == a.table["bv_pubs"].tolist()
    t = a.table
    for c in ("population", "rate_per_1000", "rate_vs_force", "bv_pubs", "bv_pubs_p", "bv_imd", "bv_imd_p"):
        assert c in t
    force = t["crimes"].sum() / t["population"].sum() * 1000
    np.testing.assert_allclose(t["rate_vs_force"], t["crimes"] / t["population"] * 1000 / force)
    assert ev.crosstab is not None and ev.crosstab.groups["lsoas"].sum() == t["imd_decile"].notna().sum()
    assert [h.label for h in ev.heat][-1] == "Pubs" and len(ev.heat) == 3
    assert ev.summary()["force_rate"]["per_1000"] == pytest.approx(force)


def test_pack_areas_against_force(demo_run):
    st, layers, a, ev = demo_run
    pack = build_pack(a, layers, spec=parse_area("top:2"), crosstab=ev.crosstab, bivariate=ev.bivariate,
                      heat_note=heat_note(ev))
    names = dict(zip(a.zones.frame["rank"], a.zones.frame["name"], strict=True))
    # each zone is named as on the map (town and streets, #23), not "Patrol zone 1" alone
    assert [x.title for x in pack.areas] == [f"Patrol zone {k}: {names[k]}" for k in (1, 2)][:len(pack.areas)]
    assert pack.title.endswith(" - patrol zones 1 and 2") and "Demoton" in pack.title
    z1 = pack.areas[0]
    t = a.table
    idx = np.flatnonzero(t["zone_id"].fillna(0).to_numpy() == 1)
    assert len(idx) and a.zones is not None
    head = z1.measures[0]
    want = t["crimes"].to_numpy()[idx].sum() / t["population"].to_numpy()[idx].sum() * 1000
    assert head.per_1000 == pytest.approx(want)
    assert head.ratio == pytest.approx(want / (t["crimes"].sum() / t["population"].sum() * 1000))
    assert head.ratio > 1  # a hot zone is above the force rate
    assert z1.monthly.sum() == t["crimes"].to_numpy()[idx].sum()
    assert sum(z1.imd_deciles.values()) == len(idx)
    assert any("Open Government Licence" in pack.licences for _ in [0]) and "ODbL" in pack.licences
    assert any("approximate" in c for c in pack.caveats) and any("Cambridge" in c for c in pack.caveats)
    one = build_pack(a, layers, spec=parse_area(f"lsoa:{t['lsoa_code'].iloc[0]}"))
    assert one.areas[0].lsoa_codes == [t["lsoa_code"].iloc[0]]
    dist = build_pack(a, layers, spec=parse_area("district:demoton"))
    assert len(dist.areas[0].lsoa_codes) == len(t)
    assert dist.areas[0].measures[0].ratio == pytest.approx(1.0)  # the whole force is the force
    with pytest.raises(DataError, match="no patrol zone 99"):
        build_pack(a, layers, spec=parse_area("zone:99"))


def test_evidence_docx_structure(demo_run, tmp_path):
    from docx import Document

    from hotspots.export.documents.evidence_docx import clean_text, write_evidence_docx

    st, layers, a, ev = demo_run
    from dataclasses import replace

    t = a.table.copy()
    t.loc[t.index[0], "lsoa_name"] = "Bad\x01name\x0b $x$ =cmd"
    a = replace(a, table=t)
    pack = build_pack(a, layers, spec=parse_area(f"lsoa:{a.table['lsoa_code'].iloc[0]}"), crosstab=ev.crosstab,
                      bivariate=ev.bivariate, heat_note=heat_note(ev), study_name="Demo\x00town")
    import warnings

    with warnings.catch_warnings():  # a control character in a name was drawn as a missing-glyph box
        warnings.filterwarnings("error", message=".*missing from font", category=UserWarning)
        p = write_evidence_docx(pack, a, layers, tmp_path / "evidence.docx", heat=ev.heat)
    doc = Document(str(p))
    assert len(doc.tables) >= 3
    assert len(doc.inline_shapes) >= 3  # map, trend, cross-table, heat
    text = "\n".join(par.text for par in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Badname $x$ =cmd" in text and "\x01" not in text and "Demotown" in text
    assert "not cause" in text and "Open Government Licence" in text
    heads = [par.text for par in doc.paragraphs if par.style.name.startswith("Heading")]
    assert "Method, sources and licences" in heads and "Pubs, deprivation and crime" in heads
    assert sorted(x.name for x in tmp_path.glob("evidence_*.png"))
    assert not list(tmp_path.glob(".*tmp*"))
    assert clean_text("a\tb\x7f\ufffe") == "a b"


def test_figure_text_draws_a_name_as_written():
    """No control characters; dollars escaped where mathtext cannot be turned off (a legend)."""
    from matplotlib import cbook

    from hotspots.export.safe_text import figure_text

    name = "Bad\x01name\x0b $x$ =cmd\ufffe"
    assert figure_text(name) == "Badname $x$ =cmd"
    legend = figure_text(name, math_off=False)
    assert cbook.is_math_text(name) and not cbook.is_math_text(legend)
    assert legend.replace("\\$", "$") == "Badname $x$ =cmd"  # what matplotlib draws
