"""The public "you said, we did" as files: a workbook, a self-contained web page, a Word page.

The rows come from :func:`hotspots.streetsafe.public_update.build_public_update` (places named
by street and town, nothing from fewer than 3 reports on its own, no grid codes, months only).
Here they are laid out for the people who publish them: the workbook for the partnership's
records, the HTML page for a council website (one file, no scripts, every value escaped), and
the Word page a communications team pastes into a newsletter. All written atomically.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ...streetsafe.public_update import MIN_REPORTS, PublicUpdate
from ..atomic import atomic_path, write_text_atomic
from ..safe_text import neutralise

__all__ = ["TITLE", "INTRO", "write_public_update_xlsx", "write_public_update_html", "write_public_update_docx",
           "public_update_html"]

TITLE = "StreetSafe: you said, we did"
INTRO = ("You told us through StreetSafe where you feel unsafe and why. Here is what partners did about it, "
         "place by place. We do not publish individual reports or where they were made; places with fewer "
         f"than {MIN_REPORTS} reports are grouped by town.")
_WHAT = ["Place", "What you told us", "What we did", "Who", "When", "Status"]


def _xl(value: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _title(period: str) -> str:
    return TITLE + (f" ({period})" if period else "")


def _by_town(update: PublicUpdate) -> list[tuple[str, pd.DataFrame]]:
    rows = update.rows
    if not len(rows):
        return []
    return [(str(t), g) for t, g in rows.groupby("Town", sort=False)]


def write_public_update_xlsx(update: PublicUpdate, path: str | Path, *, period: str = "",
                             about: list[tuple[str, str]] | None = None) -> Path:
    """``streetsafe_update.xlsx`` of a publication set: sheets "Public update" and "About"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Public update"
    ws.cell(row=1, column=1, value=_xl(_title(period))).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=_xl(INTRO))
    widths = {"Place": 36, "Town": 18, "What you told us": 40, "What we did": 50, "Who": 24, "When": 16, "Status": 14}
    cols = list(update.rows.columns)
    for k, c in enumerate(cols, start=1):
        ws.cell(row=4, column=k, value=c).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=4, column=k).column_letter].width = widths.get(c, 16)
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(update.rows.itertuples(index=False), start=5):
        for k, v in enumerate(row, start=1):
            ws.cell(row=i, column=k, value=_xl(v)).alignment = wrap
    ws.freeze_panes = "A5"
    ab = wb.create_sheet("About")
    ab.column_dimensions["A"].width = 30
    ab.column_dimensions["B"].width = 110
    for r, (k, v) in enumerate(about or [], start=1):
        ab.cell(row=r, column=1, value=_xl(k)).font = Font(bold=True)
        ab.cell(row=r, column=2, value=_xl(v)).alignment = wrap
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def public_update_html(update: PublicUpdate, *, period: str = "", note: str = "") -> str:
    """The page as one HTML string: no scripts, no external references, every value escaped."""
    esc = html.escape
    parts = []
    for town, g in _by_town(update):
        body = "".join("<tr>" + "".join(f"<td>{esc(str(r[c])).replace(chr(10), '<br>')}</td>" for c in _WHAT)
                       + "</tr>" for r in g.to_dict("records"))
        head = "".join(f"<th>{esc(c)}</th>" for c in _WHAT)
        parts.append(f"<h2>{esc(town or 'Other places')}</h2><table><thead><tr>{head}</tr></thead>"
                     f"<tbody>{body}</tbody></table>")
    if not parts:
        parts.append("<p>No actions have been recorded for this period yet.</p>")
    title = esc(_title(period))
    foot = f"<p class=\"note\">{esc(note)}</p>" if note else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>@page {{ size: A4 portrait; margin: 14mm; }}
body {{ font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #111; max-width: 60em; margin: 1em auto;
padding: 0 1em; }} h1 {{ font-size: 20pt; margin: 0 0 6pt; }} h2 {{ font-size: 14pt; margin: 16pt 0 4pt;
border-bottom: 2px solid #1d4e89; color: #1d4e89; }} p {{ margin: 2pt 0 10pt; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #999; padding: 4pt 6pt;
vertical-align: top; text-align: left; }} th {{ background: #e8eef6; }} tr {{ page-break-inside: avoid; }}
.note {{ font-size: 9pt; color: #444; margin-top: 14pt; }}</style>
</head><body><h1>{title}</h1><p>{esc(INTRO)}</p>{''.join(parts)}{foot}</body></html>"""


def write_public_update_html(update: PublicUpdate, path: str | Path, *, period: str = "", note: str = "") -> Path:
    """``streetsafe_update.html`` of a publication set (see :func:`public_update_html`)."""
    return write_text_atomic(path, public_update_html(update, period=period, note=note))


def write_public_update_docx(update: PublicUpdate, path: str | Path, *, period: str = "", note: str = "") -> Path:
    """``streetsafe_update.docx``: one page a communications team can paste (a heading per town)."""
    from docx import Document
    from docx.shared import Cm, Pt

    from .evidence_docx import clean_text

    doc = Document()
    st = doc.styles["Normal"]
    st.font.name = "Arial"
    st.font.size = Pt(10)
    for s in doc.sections:
        s.left_margin = s.right_margin = Cm(1.8)
        s.top_margin = s.bottom_margin = Cm(1.5)
    doc.add_heading(clean_text(_title(period)), level=1)
    doc.add_paragraph(clean_text(INTRO))
    widths = [Cm(3.2), Cm(3.4), Cm(4.0), Cm(2.4), Cm(2.4), Cm(2.0)]  # 17.4 cm: A4 less the margins
    groups = _by_town(update)
    if not groups:
        doc.add_paragraph("No actions have been recorded for this period yet.")
    for town, g in groups:
        doc.add_heading(clean_text(town or "Other places"), level=2)
        table = doc.add_table(rows=1, cols=len(_WHAT))
        table.style = "Table Grid"
        for k, c in enumerate(_WHAT):
            cell = table.rows[0].cells[k]
            cell.text = ""
            cell.paragraphs[0].add_run(c).bold = True
        for r in g.to_dict("records"):
            cells = table.add_row().cells
            for k, c in enumerate(_WHAT):
                lines = str(r[c]).split("\n")
                cells[k].text = clean_text(lines[0])
                for line in lines[1:]:
                    cells[k].add_paragraph(clean_text(line))
        table.autofit = False  # Word and LibreOffice then keep the widths given
        for k, w in enumerate(widths):
            table.columns[k].width = w
        for row in table.rows:
            for k, w in enumerate(widths):
                row.cells[k].width = w
    if note:
        p = doc.add_paragraph()
        p.add_run(clean_text(note)).italic = True
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return Path(path)
