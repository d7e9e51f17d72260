"""``streetsafe_update.xlsx``: "You said, we did" for StreetSafe concerns, and a public page.

Two audiences. The partnership sheet "You said, we did" lists every concern of the period
with its reports, top reasons, the patrol zone or spot covering it and every action logged
against it (``hotspots.data.actions``), so the next quarter's update shows what was done
about the same place (concern ids never move). The "Public update" sheet (and, optionally,
``streetsafe_update.html``) is for the quarterly public update and shows no personal data:
counts per concern only (no report points, dates or ids of reports), counts under
:data:`SUPPRESS_BELOW` shown as "fewer than 3" (the usual small-number suppression in UK
community-safety publications), reason counts dropped where the total is suppressed, and free
text people typed ("Other: ...") shown only as "Other". Written atomically; text cells are
neutralised against formula injection.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from ...data.streetsafe_reasons import OTHER_PREFIX
from ..atomic import atomic_path, write_text_atomic
from ..safe_text import neutralise

__all__ = ["SHEET", "PUBLIC_SHEET", "SUPPRESS_BELOW", "UPDATE_COLUMNS", "update_frame", "public_frame",
           "write_streetsafe_update", "public_html"]

SHEET = "You said, we did"
PUBLIC_SHEET = "Public update"
#: Report counts below this are shown as "fewer than N" in public outputs.
SUPPRESS_BELOW = 3
UPDATE_COLUMNS = ["concern_id", "place", "reports this period", "top reasons", "zone or spot", "actions",
                  "status"]


def _cover(zone: object, spot: object) -> str:
    parts = []
    if str(zone or "").strip():
        parts.append(f"zone {zone}")
    if str(spot or "").strip():
        parts.append(f"spot {spot}")
    return ", ".join(parts)


def update_frame(concerns: pd.DataFrame, actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per concern of the period, plus any concern with an action but no new reports.

    ``status`` is the status of the latest action (by date, then file order); "no action
    recorded" where none was logged.
    """
    rows = []
    acts = actions if actions is not None else pd.DataFrame(columns=["concern_id", "date", "action", "agency", "status"])
    acts = acts.assign(_order=range(len(acts))).sort_values(["concern_id", "date", "_order"], kind="stable")
    by_id = {cid: g for cid, g in acts.groupby("concern_id", sort=False)}
    known = set(concerns["concern_id"]) if len(concerns) else set()
    for r in concerns.to_dict("records"):
        rows.append(_row(r["concern_id"], r.get("place", ""), int(r.get("reports", 0)), r.get("top_reasons", ""),
                         _cover(r.get("zone_id"), r.get("patrol_spot")), by_id.get(r["concern_id"])))
    for cid in sorted(set(by_id) - known):  # acted on earlier, no reports this period: still shown
        rows.append(_row(cid, "", 0, "", "", by_id[cid]))
    return pd.DataFrame(rows, columns=UPDATE_COLUMNS)


def _row(cid: str, place: object, reports: int, reasons: object, cover: str, acts: pd.DataFrame | None) -> dict:
    if acts is None or not len(acts):
        text, status = "", "no action recorded"
    else:
        lines = []
        for a in acts.to_dict("records"):
            who = f" ({a['agency']})" if str(a.get("agency") or "") else ""
            when = f"{a['date']}: " if str(a.get("date") or "") else ""
            lines.append(f"{when}{a['action']}{who}")
        text = "\n".join(lines)
        status = str(acts["status"].iloc[-1] or "") or "recorded"
    return {"concern_id": cid, "place": str(place or ""), "reports this period": reports,
            "top reasons": str(reasons or ""), "zone or spot": cover, "actions": text, "status": status}


def _public_reasons(text: str, suppressed: bool) -> str:
    """Reason labels with counts ("Badly lit (5)"); free text becomes "Other"; counts dropped
    when the concern's total is suppressed (a reason count would reveal it)."""
    counts: dict[str, int] = {}
    for part in str(text or "").split("; "):
        if not part:
            continue
        label, _, tail = part.rpartition(" (")
        if not label or not tail.endswith(")") or not tail[:-1].isdigit():
            label, n = part, 0
        else:
            n = int(tail[:-1])
        if label.startswith(OTHER_PREFIX):
            label = "Other"  # free text typed by a member of the public stays out of print
        counts[label] = counts.get(label, 0) + n
    if suppressed:
        return "; ".join(counts)
    return "; ".join(f"{k} ({v})" if v else k for k, v in counts.items())


def public_frame(update: pd.DataFrame, suppress_below: int = SUPPRESS_BELOW) -> pd.DataFrame:
    """The public page's rows: place, reports (small counts suppressed), reasons, what was done."""
    rows = []
    for r in update.to_dict("records"):
        n = int(r["reports this period"])
        small = 0 < n < suppress_below
        shown = f"fewer than {suppress_below}" if small else str(n)
        acts = "\n".join(line.split(": ", 1)[-1] for line in str(r["actions"] or "").splitlines())
        rows.append({"Concern": r["concern_id"], "Place": r["place"] or "(unnamed place)",
                     "Reports this period": shown,
                     "What you told us": _public_reasons(r["top reasons"], small),
                     "What we did": acts or "Under review", "Status": r["status"]})
    return pd.DataFrame(rows, columns=["Concern", "Place", "Reports this period", "What you told us",
                                       "What we did", "Status"])


def _cell(value: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return value.item()
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _sheet(wb, title: str, frame: pd.DataFrame, widths: dict[str, float], heading: str | None = None) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(title)
    r0 = 1
    if heading:
        ws.cell(row=1, column=1, value=_cell(heading)).font = Font(bold=True, size=14)
        r0 = 3
    for k, c in enumerate(frame.columns, start=1):
        ws.cell(row=r0, column=k, value=_cell(c)).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=r0, column=k).column_letter].width = widths.get(c, 14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False), start=r0 + 1):
        for k, v in enumerate(row, start=1):
            ws.cell(row=i, column=k, value=_cell(v)).alignment = wrap
    ws.freeze_panes = ws.cell(row=r0 + 1, column=1)
    ws.print_title_rows = f"{r0}:{r0}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_streetsafe_update(concerns: pd.DataFrame, actions: pd.DataFrame | None, path: str | Path, *,
                            period: str = "", suppress_below: int = SUPPRESS_BELOW,
                            public: pd.DataFrame | None = None, marking: str | None = None) -> Path:
    """Write ``streetsafe_update.xlsx`` (sheets "You said, we did", "Public update", "About").

    ``public``: the public page's rows from :func:`hotspots.streetsafe.public_update.build_public_update`
    (places by street and town, nothing from fewer than 3 reports on its own); without them, the
    older per-concern page of :func:`public_frame`. ``marking``: the protective marking line
    of the workbook (its partnership sheet is internal)."""
    from openpyxl import Workbook

    update = update_frame(concerns, actions)
    public = public_frame(update, suppress_below) if public is None else public
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, SHEET, update, {"concern_id": 20, "place": 28, "reports this period": 10, "top reasons": 40,
                               "zone or spot": 16, "actions": 60, "status": 16})
    title = "StreetSafe: you said, we did" + (f" ({period})" if period else "")
    _sheet(wb, PUBLIC_SHEET, public, {"Concern": 20, "Place": 28, "Reports this period": 14,
                                      "What you told us": 40, "What we did": 60, "Status": 16}, heading=title)
    about = pd.DataFrame({"item": ["protective marking", "period", "concerns", "concerns with actions", "public page",
                                   "concern ids"],
                          "value": [marking or "", period or "as analysed", len(concerns),
                                    int((update["status"] != "no action recorded").sum()),
                                    ("concerns something was done about, named by street and town; places with "
                                     "fewer than 3 reports grouped by town with no reasons; no grid codes, report "
                                     "counts, locations or free text; actions by month") if "Town" in public else
                                    (f"counts per concern only; fewer than {suppress_below} reports shown as "
                                     f"'fewer than {suppress_below}'; no report locations, dates or free text"),
                                    "SS-E<easting>N<northing>: south-west corner of the 150 m British National "
                                    "Grid square; the same place keeps the same id every quarter"]})
    _sheet(wb, "About", about, {"item": 24, "value": 100})
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def public_html(concerns: pd.DataFrame, actions: pd.DataFrame | None, path: str | Path, *, period: str = "",
                suppress_below: int = SUPPRESS_BELOW) -> Path:
    """A printable A4 page for the public quarterly update (the "Public update" rows as HTML)."""
    public = public_frame(update_frame(concerns, actions), suppress_below)
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in public.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(v)).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
                   for row in public.itertuples(index=False))
    title = "StreetSafe: you said, we did" + (f" ({esc(period)})" if period else "")
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #111; }}
h1 {{ font-size: 18pt; margin: 0 0 4pt; }} p {{ margin: 2pt 0 10pt; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #888; padding: 4pt 6pt;
vertical-align: top; text-align: left; }} th {{ background: #e8e8e8; }} tr {{ page-break-inside: avoid; }} td:first-child {{ white-space: nowrap; }}</style>
</head><body><h1>{title}</h1>
<p>What you told us through StreetSafe, place by place, and what partners did about it. Counts only:
no individual reports are shown; fewer than {suppress_below} reports at a place are shown as
"fewer than {suppress_below}".</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"""
    return write_text_atomic(path, page)
