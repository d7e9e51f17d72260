"""``evidence.docx``: the Safer Streets evidence pack in Word, where bids are written.

Headings, tables and pictures a bid writer can paste into a bid as they are: per area the
figures against the force, deprivation, trend, pubs, StreetSafe concerns, a map and a trend
chart; then the inquiry's cross-table, the bivariate clusters with their caution, the heat map,
and the method, sources, licences and caveats. The content comes typed from
:func:`hotspots.evidence.pack.build_pack`; this module only lays it out (python-docx).

Text from input files (LSOA, pub and study names) is cleaned before it reaches the document:
control characters that XML 1.0 forbids would make python-docx fail or Word refuse the file,
so they are removed. The file is written atomically. The PNGs are also written beside it
(``evidence_*.png``) for writers who paste pictures into their own template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_path
from ..safe_text import CONTROL_CHARACTERS

__all__ = ["write_evidence", "write_evidence_docx", "clean_text", "EVIDENCE_FILE"]

EVIDENCE_FILE = "evidence.docx"


def clean_text(value: Any) -> str:
    """``str(value)`` with XML-forbidden control characters removed and tabs/newlines as spaces."""
    text = CONTROL_CHARACTERS.sub("", str(value))
    return re.sub(r"[\t\r\n]+", " ", text).strip()


def _num(v: float, digits: int = 1) -> str:
    if v is None or not np.isfinite(v):
        return "-"
    return f"{v:,.{digits}f}"


def _table(doc: Any, header: list[str], rows: list[list[Any]], widths: list[float] | None = None,
           size: float = 8.5) -> Any:
    from docx.shared import Cm, Pt

    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Light Grid Accent 1"
    if widths:
        t.autofit = False
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = clean_text(text)
    for r in rows:
        cells = t.add_row().cells
        for cell, v in zip(cells, r, strict=True):
            cell.text = clean_text(v)
    for row in t.rows:
        for k, cell in enumerate(row.cells):
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(size)
            if widths:
                cell.width = Cm(widths[k])
    if widths:  # Word reads the cells' widths, LibreOffice the grid's: set both, or codes wrap ("E01016 / 110")
        for k, w in enumerate(widths):
            t.columns[k].width = Cm(w)
    return t


def _para(doc: Any, text: str, *, bold_lead: str | None = None, size: float | None = None, italic: bool = False) -> Any:
    from docx.shared import Pt

    p = doc.add_paragraph()
    if bold_lead:
        p.add_run(clean_text(bold_lead) + " ").bold = True
    run = p.add_run(clean_text(text))
    run.italic = italic
    if size:
        run.font.size = Pt(size)
    return p


def _area_section(doc: Any, k: int, area: Any, figs: dict[str, Path]) -> None:
    from docx.shared import Cm

    doc.add_heading(clean_text(area.title), level=1)
    head = area.measures[0]
    _para(doc, f"{len(area.lsoa_codes):,} LSOAs, {area.population:,.0f} residents, {area.area_km2:,.2f} km². "
          f"Crime here is {_num(head.ratio, 2)} times the force rate ({_num(head.per_1000)} against "
          f"{_num(head.force_per_1000)} per 1,000 residents), higher than {head.percentile:.0f}% of the force's LSOAs.")
    doc.add_heading("Against the force", level=2)
    _table(doc, ["Measure", "Count", "Per 1,000 residents", "Force per 1,000", "x force", "Percentile in force"],
           [[m.name, _num(m.count, 0), _num(m.per_1000), _num(m.force_per_1000), _num(m.ratio, 2),
             _num(m.percentile, 0)] for m in area.measures])
    doc.add_heading("Deprivation", level=2)
    if area.imd_deciles:
        dec = ", ".join(f"decile {d}: {n}" for d, n in area.imd_deciles.items())
        _para(doc, f"IMD deciles of the LSOAs (1 = most deprived 10% in England): {dec}.")
    else:
        _para(doc, "No IMD decile is joined to these LSOAs (check the deprivation file's LSOA vintage).")
    if area.domain_deciles:
        _table(doc, ["Domain", "Most deprived decile", "Mean decile"],
               [[d, v[0], _num(v[1])] for d, v in area.domain_deciles.items()])
    doc.add_heading("Trend", level=2)
    _para(doc, f"Monthly crimes: {area.trend}.")
    if "trend" in figs:
        doc.add_picture(str(figs["trend"]), width=Cm(16))
    doc.add_heading("Pubs and StreetSafe", level=2)
    names = ", ".join(area.pub_names[:25]) + (f" and {len(area.pub_names) - 25} more" if len(area.pub_names) > 25 else "")
    _para(doc, f"{area.pubs:,} pubs" + (f": {names}." if names else "."))
    concerns = "; ".join(f"{r} ({n})" for r, n in area.concerns[:8])
    if area.streetsafe_loaded:
        _para(doc, f"{area.streetsafe:,} StreetSafe reports" + (f"; concerns: {concerns}." if concerns else "."))
    else:
        _para(doc, "StreetSafe: no reports were loaded for this run.")
    if "map" in figs:
        doc.add_picture(str(figs["map"]), width=Cm(15))
    doc.add_heading("LSOAs", level=2)
    _table(doc, ["LSOA", "Name", "Crimes", "Residents", "Per 1,000", "x force", "IMD decile", "Crime decile",
                 "Crime vs pubs", "Crime vs deprivation"],
           [[r.code, r.name, _num(r.crimes, 0), _num(r.population, 0), _num(r.rate_per_1000), _num(r.rate_vs_force, 2),
             r.imd_decile if r.imd_decile is not None else "-", r.crime_decile if r.crime_decile is not None else "-",
             r.bv_pubs or "-", r.bv_imd or "-"] for r in area.lsoas[:40]],
           widths=[2.4, 2.7, 1.3, 1.5, 1.5, 1.1, 1.1, 1.1, 1.6, 2.3], size=7.5)  # 9-character codes on one line
    if len(area.lsoas) > 40:
        _para(doc, f"... and {len(area.lsoas) - 40} more LSOAs (all are in hotspots.xlsx).", italic=True)


def _figures(pack: Any, analysis: Any, layers: Any, out: Path, heat: list[Any] | None,
             stem: str = "evidence") -> dict[str, Any]:
    """The pack's pictures, named after its document (``evidence_zone_2.docx`` ->
    ``evidence_zone_2_area_1_map.png``), so a second pack in the folder keeps the first's."""
    from . import _evidence_figures as F

    figs: dict[str, Any] = {"areas": []}
    crime_heat = heat[0] if heat else None
    for k, area in enumerate(pack.areas, start=1):
        f = {"map": F.area_map(area, analysis.table, layers, out / f"{stem}_area_{k}_map.png")}
        if len(area.monthly):
            f["trend"] = F.trend_chart(area, out / f"{stem}_area_{k}_trend.png")
        figs["areas"].append(f)
    if pack.crosstab is not None:
        figs["crosstab"] = F.crosstab_chart(pack.crosstab, out / f"{stem}_crosstab.png",
                                            title="Crime and VAWG by deprivation and pub density")
    if crime_heat is not None:
        figs["heat"] = F.heat_figure(crime_heat, analysis.table, out / f"{stem}_heat.png",
                                     title=f"Heat map: {crime_heat.label}")
    return figs


def write_evidence(analysis: Any, layers: Any, study: Any, path: str | Path) -> Path | None:
    """The bundle's entry: ``evidence.docx`` for the run's evidence area, or None (nothing
    written) when no population is loaded, since a pack of rates needs residents."""
    from ..workbook.evidence_sheets import pack_for

    pack = pack_for(analysis, layers, study)
    if pack is None:
        return None
    return write_evidence_docx(pack, analysis, layers, path, heat=analysis.evidence.heat)


def write_evidence_docx(pack: Any, analysis: Any, layers: Any, path: str | Path, *,
                        heat: list[Any] | None = None) -> Path:
    """Lay ``pack`` out as a Word document at ``path`` (atomically), PNGs beside it.

    Parameters
    ----------
    pack : :class:`hotspots.evidence.pack.EvidencePack`
    analysis, layers : the run (for the maps' context polygons and pubs)
    heat : heat surfaces (the first, all crime, is drawn in the maps and the heat section)
    """
    from docx import Document
    from docx.shared import Cm, Pt

    path = Path(path)
    figs = _figures(pack, analysis, layers, path.parent, heat, stem=path.stem)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    for s in doc.sections:
        s.left_margin = s.right_margin = Cm(2)
    from ...publish.disclosure import marking_of

    marking = clean_text(marking_of(None, analysis))
    for s in doc.sections:  # the protective marking in every page's header and footer
        for part in (s.header, s.footer):
            part.paragraphs[0].text = marking
    doc.add_heading(clean_text(pack.title), level=0)
    _para(doc, f"{pack.period}; {pack.crime_types}. Prepared {pack.generated} with hotspots.", italic=True)
    doc.add_heading("Summary", level=1)
    for area in pack.areas:
        m = {r.name: r for r in area.measures}
        head, vawg = area.measures[0], m.get("VAWG (violence and sexual offences)")
        text = (f"crime {_num(head.ratio, 1)}x the force rate (top {max(0.0, 100 - head.percentile):.0f}% of LSOAs)"
                + (f", VAWG {_num(vawg.ratio, 1)}x" if vawg else "")
                + (f"; IMD deciles {', '.join(str(d) for d in area.imd_deciles)}" if area.imd_deciles else "")
                + f"; {area.trend.split(' (')[0]}; {area.pubs} pubs"
                + (f"; {area.streetsafe} StreetSafe reports." if area.streetsafe_loaded else "."))
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(clean_text(area.title) + ": ").bold = True
        p.add_run(clean_text(text))
    doc.add_heading("Force figures", level=2)
    _table(doc, ["Figure", "Value"], [["Residents" if k == "population" else k, _num(v, 0 if k == "population" else 1)]
                                      for k, v in pack.force.items()])
    for k, area in enumerate(pack.areas, start=1):
        _area_section(doc, k, area, figs["areas"][k - 1])
    if pack.crosstab is not None:
        doc.add_heading("Pubs, deprivation and crime", level=1)
        _para(doc, "LSOAs grouped by IMD decile band and by pubs per km²; each group's crimes and VAWG over its "
                   "residents (pooled rates per 1,000). This is the inquiry's cross-table.")
        if "crosstab" in figs:
            doc.add_picture(str(figs["crosstab"]), width=Cm(17))
        g = pack.crosstab.groups
        _table(doc, ["IMD band", "Pubs band", "LSOAs", "Residents", "Crimes", "VAWG", "Crime per 1,000", "VAWG per 1,000"],
               [[r.imd_band, r.pub_band, _num(r.lsoas, 0), _num(r.population, 0), _num(r.crimes, 0), _num(r.vawg, 0),
                 _num(r.crime_per_1000),
                 _num(r.vawg_per_1000)] for r in g.itertuples()])
        for note in pack.crosstab.notes:
            _para(doc, note, italic=True, size=8.5)
    bv = pack.bivariate
    if bv is not None and bv.counts:
        from ...evidence.bivariate import CAUTION

        doc.add_heading("Crime beside pubs and deprivation (bivariate clusters)", level=1)
        _table(doc, ["Comparison", "HH", "HL", "LH", "LL", "not significant"],
               [[f"crime vs {bv.variables[c]}", n["HH"], n["HL"], n["LH"], n["LL"], n["ns"]] for c, n in bv.counts.items()])
        _para(doc, "HH: high crime in an LSOA whose neighbours have high values of the other variable; HL: high crime "
                   "beside low values; LH, LL likewise.")
        _para(doc, CAUTION, bold_lead="Caution:")
    if "heat" in figs:
        doc.add_heading("Heat map", level=1)
        doc.add_picture(str(figs["heat"]), width=Cm(16))
        if pack.heat_note:
            _para(doc, pack.heat_note, size=8.5)
    doc.add_heading("Method, sources and licences", level=1)
    for text in pack.method:
        _para(doc, text)
    doc.add_heading("Data sources", level=2)
    for s in pack.sources:
        doc.add_paragraph(clean_text(s), style="List Bullet")
    _para(doc, pack.licences, bold_lead="Licences:")
    doc.add_heading("Caveats", level=2)
    for c in pack.caveats + pack.notes:
        doc.add_paragraph(clean_text(c), style="List Bullet")
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
