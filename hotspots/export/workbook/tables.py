"""``hotspots.xlsx``: the per-LSOA results, the zones and an About sheet a bid writer can quote.

Safer Streets bids and panel papers are written from spreadsheets, so the workbook carries
its own provenance: which files went in and what was dropped, every parameter, the harm weights
and where they come from, the licences the outputs must credit, and a method paragraph built
from the settings. Text cells pass through :func:`~hotspots.export.safe_text.neutralise` so a
street or pub name such as ``=HYPERLINK(...)`` stays text, and characters Excel refuses are
dropped rather than failing the export.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ...model import RESULT_COLUMNS, Analysis, Layers
from ...study import Study
from ..atomic import atomic_path
from ._xlsx_values import _cell_value, _column_values, _width

__all__ = ["write_xlsx", "method_text", "ATTRIBUTION", "LSOA_SHEET_COLUMNS"]

ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0; "
               "Contains OS data © Crown copyright and database right; "
               "© OpenStreetMap contributors (ODbL) where OSM pubs are used")
#: evidence columns (hotspots.evidence.stage) come right after the contract columns when a run has them
LSOA_SHEET_COLUMNS = [*RESULT_COLUMNS, "population", "rate_per_1000", "rate_vs_force", "rate_percentile",
                      "crime_decile_national", "bv_pubs", "bv_pubs_p", "bv_imd", "bv_imd_p",
                      "rate", "density", "imd_score", "fear_gap", "fear_status", "gi_perm_z", "mc_permutations",
                      "imd_lookup",
                      "emerging", "hot_months", "crime_trend", "crime_trend_p", "crime_sen_slope"]
_FORMATS = {
    "harm": "#,##0.0", "value": "#,##0.00", "lisa_i": "0.0000", "lisa_p": "0.0000", "gi_z": "0.00",
    "gi_p": "0.0000", "gi_perm_z": "0.00", "rate": "#,##0.0", "density": "#,##0.0", "imd_score": "0.00", "population": "#,##0",
    "imd_decile_mean": "0.0", "area_km2": "0.000", "share_of_crimes": "0.0%", "share_of_area": "0.00%",
    "pai": "0.0", "crimes": "#,##0", "rate_per_1000": "#,##0.0", "rate_vs_force": "0.00", "rate_percentile": "0.0",
    "bv_pubs_p": "0.0000", "bv_imd_p": "0.0000", "per_1000": "#,##0.0", "force_per_1000": "#,##0.0",
    "times_force": "0.00", "percentile_in_force": "0.0", "crime_per_1000": "#,##0.0", "vawg_per_1000": "#,##0.0",
    "p_value": "0.0000",
}
_ROUND = {"harm": 3, "value": 6, "lisa_i": 8, "lisa_p": 6, "gi_z": 8, "gi_p": 6, "rate": 3, "density": 3,
          "crime_trend_p": 6, "crime_sen_slope": 4}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _frame_sheet(wb, title: str, frame: pd.DataFrame) -> None:
    """One sheet from a DataFrame: bold frozen header, fitted widths, number formats.

    openpyxl writes the header and the sheet's frame; the data rows are spliced in after the
    save by :mod:`._xlsx_rows` (openpyxl's per-cell objects cost ~10 s on a national sheet).
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ._xlsx_rows import defer_rows

    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    cols = list(frame.columns)
    columns = [_column_values(frame[c]) for c in cols]
    for k, c in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(k)].width = _width(c, columns[k - 1])
    bold = Font(bold=True)
    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    style_ids: list[int | None] = []
    for c in cols:  # register each column's number format with the workbook's styles
        fmt = _FORMATS.get(c)
        if fmt is None:
            style_ids.append(None)
            continue
        probe = WriteOnlyCell(ws, value=0)
        probe.number_format = fmt
        style_ids.append(probe.style_id)
    defer_rows(wb, ws, columns, style_ids)


def _period(months: list[str]) -> str:
    if not months:
        return "no months"
    a, b = months[0], months[-1]
    ya, ma = int(a[:4]), int(a[5:7])
    yb, mb = int(b[:4]), int(b[5:7])
    if a == b:
        return f"{_MONTHS[ma - 1]} {ya}"
    if ya == yb:
        return f"{_MONTHS[ma - 1]}–{_MONTHS[mb - 1]} {ya}"
    return f"{_MONTHS[ma - 1]} {ya}–{_MONTHS[mb - 1]} {yb}"


def _pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.1%}" if x >= 0.01 or x == 0 else f"{x:.2%}"


def method_text(analysis: Analysis, layers: Layers) -> str:
    """A plain-English method paragraph, generated from the settings and results, for a bid."""
    from ...plans.zones import ZONE_RULES

    s = analysis.settings
    t = analysis.table
    n_crimes = int(t["crimes"].sum())
    types = ("all crime types" if not s.crime_types else
             (s.crime_types[0] if len(s.crime_types) == 1 else
              ", ".join(s.crime_types[:-1]) + " and " + s.crime_types[-1]))
    measure = {
        "count": "",
        "harm": ", weighted by harm (indicative Cambridge Crime Harm Index category weights; Sherman, "
                "Neyroud & Neyroud 2016)",
        "rate": ", as crimes per 1,000 residents (empirical-Bayes standardised rates; Assunção & Reis 1999)",
        "density": ", as crimes per km²",
    }[s.measure]
    parts = [f"Recorded crime from police.uk ({_period(analysis.months_with_data())}, {n_crimes:,} "
             f"crimes, {types}) was counted in each of {len(t):,} Lower Layer Super Output Areas (LSOAs)"
             f"{measure}."]
    wtext = {"queen": "queen contiguity", "rook": "rook contiguity"}.get(s.weights, s.weights)
    fdr = ", with the Benjamini-Hochberg false discovery rate correction" if s.fdr else ""
    mc = getattr(analysis.clusters, "stability", None) or {}
    if mc.get("draws") == "stable" and mc.get("permutations_max", 0) > mc.get("permutations_min", 0):
        perms = (f"conditional permutations drawn per LSOA from its own random stream (seed {s.seed}): "
                 f"{s.permutations:,} for most, as few as {mc['permutations_min']:,} where the result was "
                 f"clearly not significant and up to {mc['permutations_max']:,} where the p-value was close "
                 f"to a cut-off (sequential Monte Carlo; Besag & Clifford 1991)")
    else:
        perms = f"{s.permutations:,} conditional permutations (seed {s.seed})"
    parts.append(f"Local Moran's I (Anselin 1995) and Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995) "
                 f"were computed with {wtext} spatial weights and {perms}; an LSOA counts as significant "
                 f"at a two-sided pseudo p-value of {s.alpha:g} or less{fdr}.")
    if "lisa_within_2se" in mc:
        parts.append(f"The Monte Carlo standard error of a p-value near {s.alpha:g} is "
                     f"{mc['mc_se_at_alpha']:.3f} at {s.permutations:,} permutations; "
                     f"{mc['lisa_within_2se']} LSOA label{'s' if mc['lisa_within_2se'] != 1 else ''} lie "
                     f"within two standard errors of the cut-off and could change with another seed.")
    gm = analysis.clusters.global_moran or {}
    if "I" in gm:
        p = gm.get("p_sim", gm.get("p_norm"))
        clustered = gm["I"] > 0 and p is not None and p <= s.alpha
        parts.append(f"Global Moran's I was {gm['I']:.3f} (pseudo p = {p:.3f}): "
                     + ("crime is clustered, not spread at random." if clustered
                        else "there is no clear evidence that crime is clustered overall."))
    zs = analysis.zones.summary.to_dict() if analysis.zones is not None else {}
    ranked = "crime harm" if s.measure == "harm" else "recorded crimes"
    clusters = getattr(analysis, "lsoa_clusters", None)
    if clusters is not None:
        cr = clusters.summary.rule
        parts.append(f"LSOA clusters are contiguous groups of statistically significant hot-spot LSOAs "
                     f"({ZONE_RULES.get(cr, cr)}): {clusters.summary.count} cluster"
                     f"{'s' if clusters.summary.count != 1 else ''}, the statistical map of where crime "
                     "concentrates.")
    if zs:
        parts.append(f"Patrol zones are built from {s.cell:g} m grid cells, not LSOAs: {zs.get('rule_text', '')}; "
                     f"cells are ranked by {ranked}.")
    z = analysis.zone_frame
    if z is not None and len(z):
        first = z.iloc[0]
        count = len(z)
        parts.append(f"{count} zone{'s' if count != 1 else ''} cover {_pct(zs.get('share_of_area'))} of the area "
                     f"and hold {_pct(zs.get('share_of_crimes'))} of the crime (PAI "
                     f"{(zs.get('pai') or float('nan')):.1f}); zone 1, {first['name']} ({int(first['crimes']):,} "
                     f"crimes in {float(first['area_km2']):.2f} km²), holds "
                     f"{_pct(float(first['share_of_crimes']))} of crime in {_pct(float(first['share_of_area']))} "
                     f"of the area (PAI {float(first['pai']):.1f}, the Predictive Accuracy Index of "
                     f"Chainey, Tompson & Uhlig 2008).")
    elif z is not None:
        parts.append("No group of top-ranked cells was large enough, so no patrol zones were drawn.")
    fear = analysis.fear_gap.counts if analysis.fear_gap is not None else None
    if layers.streetsafe is not None and fear:
        parts.append(f"{len(layers.streetsafe):,} StreetSafe reports of places where people feel unsafe "
                     f"were tested against recorded crime (a negative-binomial test of each LSOA "
                     f"neighbourhood's reports given its crime, with the reports' overdispersion from repeat "
                     f"reporters and patchy uptake estimated from the data, Benjamini-Hochberg FDR; "
                     f"neighbourhoods with fewer than 5 reports are not testable, and no LSOA with fewer than 3 "
                     f"reports of its own is labelled): {fear['fear_not_crime']} LSOAs have more reports "
                     f"than crime predicts, {fear['both']} are crime hot spots with more reports still, and "
                     f"{fear['crime_not_fear']} have fewer reports than crime predicts.")
    return " ".join(parts)


def _about_rows(analysis: Analysis, layers: Layers, study: Study) -> list[tuple[str, Any, Any]]:
    from ... import __version__
    from ...harm import DEFAULT_HARM_WEIGHTS, HARM_SOURCE
    from ...study_title import study_title

    s = analysis.settings
    from ...publish.disclosure import marking_of

    rows: list[tuple[str, Any, Any]] = [("#", "About this workbook", None),
                                        ("Protective marking", marking_of(study, analysis), None),
                                        ("Study", study_title(study, analysis, layers), None),
                                        ("Created", _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                                         f"hotspots {__version__}"),
                                        ("", None, None), ("#", "Method", None),
                                        ("Method", method_text(analysis, layers), None),
                                        ("", None, None), ("#", "Inputs", "rows")]
    for kind, rep in layers.reports.items():
        rows.append((kind, rep.source, None))
        rows.append(("  rows read", None, rep.rows_read))
        rows.append(("  rows kept", None, rep.rows_kept))
        for reason, n in sorted(rep.dropped.items()):
            rows.append(("  dropped", reason, n))
        for w in rep.warnings:
            rows.append(("  warning", w, None))
    rows.append(("  analysed crimes", "after the crime-type and month filters", analysis.filters.rows_analysed))
    for reason, n in analysis.filters.excluded.items():
        rows.append(("  not analysed", reason, n))
    rows += [("", None, None), ("#", "Parameters", None)]
    for k, v in s.to_dict().items():
        if k == "harm_weights":
            continue
        rows.append((k, "all" if v is None and k == "crime_types" else
                     ("; ".join(v) if isinstance(v, list) else v), None))
    rows.append(("weights built", analysis.weights_info.method, None))
    rows.append(("mean neighbours", None, analysis.weights_info.mean_neighbours))
    if analysis.weights_info.islands_joined:
        rows.append(("islands joined to nearest", "; ".join(analysis.weights_info.islands_joined), None))
    rows.append(("statistics engine", analysis.clusters.engine, None))
    mc = getattr(analysis.clusters, "stability", None) or {}
    if mc:
        rows += [("", None, None), ("#", "Monte Carlo error", None)]
        for k, label in (("draws", "permutation draws"), ("mc_se_at_alpha", "standard error of p near alpha"),
                         ("mc_se_at_alpha_most_permutations", "  at the most permutations"),
                         ("permutations_min", "permutations per LSOA, fewest"),
                         ("permutations_median", "permutations per LSOA, median"),
                         ("permutations_max", "permutations per LSOA, most"),
                         ("sites_given_more_permutations", "LSOAs given extra permutations"),
                         ("lisa_within_2se", "LISA labels within 2 standard errors of the cut-off"),
                         ("gi_within_2se", "Gi* bins within 2 standard errors of a cut-off")):
            if k in mc:
                v = mc[k]
                rows.append((label, v if isinstance(v, str) else None, None if isinstance(v, str) else v))
    gm = analysis.clusters.global_moran or {}
    rows += [("", None, None), ("#", "Global Moran's I", None)]
    for k, label in (("I", "Moran's I"), ("EI", "expected I"), ("p_sim", "pseudo p (two-sided)"),
                     ("z_norm", "z (normality)"), ("p_norm", "p (normality)")):
        if k in gm:
            rows.append((label, None, gm[k]))
    zs = analysis.zones.summary.to_dict() if analysis.zones is not None else None
    if zs:
        rows += [("", None, None), ("#", "Patrol zones", None)]
        for k in ("count", "rule", "rule_text", "lsoas_in_zones", "share_of_crimes", "share_of_harm",
                  "share_of_streetsafe", "share_of_area", "pai"):
            v = zs.get(k)
            rows.append((k, v if isinstance(v, str) else None, None if isinstance(v, str) else v))
        for k, v in (analysis.fear_gap.counts if analysis.fear_gap is not None else {}).items():
            rows.append((f"fear_gap: {k}", None, v))
        for r in zs.get("top_lsoas_outside_zones") or []:
            rows.append(("busy LSOA outside every zone",
                         f"{r['lsoa_code']} {r['lsoa_name']} (LISA {r['lisa_cluster']}, Gi* bin {r['gi_bin']})",
                         r["value"]))
        for note in zs.get("notes", []):
            rows.append(("note", note, None))
    user = s.harm_weights or layers.harm_weights
    rows += [("", None, None), ("#", "Harm weights", "days")]
    rows.append(("source", "user CSV" if user else HARM_SOURCE, None))
    for cat, w in sorted((user or DEFAULT_HARM_WEIGHTS).items()):
        rows.append((cat, None, w))
    rows += [("", None, None), ("#", "Licences and attribution", None), ("attribution", ATTRIBUTION, None),
             ("police.uk", "Crime data: data.police.uk, Open Government Licence v3.0", None),
             ("ONS / IoD", "Boundaries and deprivation: ONS and MHCLG, Open Government Licence v3.0", None)]
    return rows


def _about_sheet(wb, rows: list[tuple[str, Any, Any]]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet("About")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    ws.column_dimensions["C"].width = 16
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for label, text, number in rows:
        if label == "#":  # a section heading: title in A, the number column's unit in C
            title, unit = WriteOnlyCell(ws, value=_cell_value(text)), WriteOnlyCell(ws, value=_cell_value(number))
            title.font = unit.font = bold
            ws.append([title, None, unit])
            continue
        b = WriteOnlyCell(ws, value=_cell_value(text))
        b.alignment = wrap
        ws.append([_cell_value(label), b, _cell_value(number)])


def write_xlsx(analysis: Analysis, layers: Layers, study: Study, path: str | Path) -> Path:
    """Write ``hotspots.xlsx`` (sheets ``LSOAs``, ``Zones``, ``About``) atomically."""
    from openpyxl import Workbook

    from ...plans.patrol_zones import PATROL_ZONE_FIELDS as ZONE_FIELDS

    t = analysis.table
    lsoas = pd.DataFrame({c: t[c] for c in LSOA_SHEET_COLUMNS if c in t.columns})
    for c, nd in _ROUND.items():  # as lsoa_results.csv: no float32 noise in p-values
        if c in lsoas:
            lsoas[c] = lsoas[c].astype(float).round(nd)
    zones = analysis.zone_frame
    zframe = (pd.DataFrame(zones[ZONE_FIELDS]) if zones is not None and len(zones)
              else pd.DataFrame({c: [] for c in ZONE_FIELDS}))
    # the briefing lists a zone's pubs in short and points here for the full list
    evidence = analysis.zones.evidence if analysis.zones is not None else {}
    zframe["pubs_in_zone"] = [
        "; ".join(evidence[int(z)].pubs if int(z) in evidence else []) for z in zframe["zone_id"]
    ] if len(zframe) else pd.Series([], dtype=object)
    wb = Workbook(write_only=True)
    _frame_sheet(wb, "LSOAs", lsoas)
    _frame_sheet(wb, "Zones", zframe)
    if analysis.spots is not None:
        from ..spots import spots_table

        _frame_sheet(wb, "Patrol spots", spots_table(analysis))
    from .evidence_sheets import evidence_frames

    for name, frame in evidence_frames(analysis, layers, study).items():
        _frame_sheet(wb, name, frame)
    _about_sheet(wb, _about_rows(analysis, layers, study))
    from .time_sheets import add_time_sheets

    add_time_sheets(wb, analysis, _cell_value)
    try:
        with atomic_path(path) as tmp:
            wb.save(tmp)
            from ._xlsx_rows import splice_rows

            splice_rows(wb, tmp)
    except BaseException:
        _discard(wb)
        raise
    return Path(path)


def _discard(wb) -> None:
    """After a failed save: finish each write-only sheet and delete openpyxl's temporary file.

    Otherwise the half-written sheet streams are finalised at garbage collection, writing to
    closed files, and their temporary files stay behind in the system temp folder.
    """
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        with contextlib.suppress(Exception):
            ws._writer.cleanup()
