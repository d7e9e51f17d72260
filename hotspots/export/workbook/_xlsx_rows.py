"""Fast data rows for the workbook's big sheets: openpyxl writes the frame, we write the rows.

openpyxl builds an object and an lxml element per cell; a national LSOA sheet (33,755 rows x
20 columns) then takes ~10 s, nearly all of it per-cell overhead. Here openpyxl still writes
the workbook (styles, the header row, frozen panes, column widths, every other sheet), and
the data rows of a registered sheet are spliced into its ``<sheetData>`` after the save, as
plain SpreadsheetML text: numbers as ``<v>`` (``%.16g``, as openpyxl writes them), text as inline strings (exactly what openpyxl's
write-only mode writes), number formats through the style ids openpyxl registered for them.
Cell values arrive already made safe by ``tables._cell_value`` (formula-like text neutralised,
characters Excel refuses dropped), so text here is only XML-escaped.

Format: ECMA-376 Part 1, 18.3.1 (``sheetData``, ``row``, ``c``, ``is``); cells carry their
``r`` reference as openpyxl's do.
"""

from __future__ import annotations

__all__ = ["defer_rows", "splice_rows"]

import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

_PENDING = "_hotspots_pending_rows"


def defer_rows(wb: Any, ws: Any, columns: list[list[Any]], style_ids: list[int | None], first_row: int = 2) -> None:
    """Remember the data rows of ``ws`` (column-wise values) to splice in after ``wb.save``, from
    row ``first_row`` on: the rows openpyxl wrote (a header, or a sheet's notes and the table's
    header) must end just above it, and nothing may be appended to ``ws`` after them."""
    pending = getattr(wb, _PENDING, None)
    if pending is None:
        pending = []
        setattr(wb, _PENDING, pending)
    pending.append((ws, columns, style_ids, int(first_row)))


def _cells(letter: str, values: list[Any], sid: int | None, first_row: int) -> list[str]:
    s = f' s="{sid}"' if sid else ""
    kinds = set(map(type, values))
    if kinds <= {float, int, type(None)}:  # a numeric column: one comprehension, no branches per type
        return [f'<c r="{letter}{r}"{s}><v>{v:.16g}</v></c>' if v is not None else ""
                for r, v in enumerate(values, start=first_row)]
    if kinds <= {str, type(None)}:
        return [_text(letter, r, v) if v is not None else "" for r, v in enumerate(values, start=first_row)]
    out = []
    for r, v in enumerate(values, start=first_row):
        if v is None:
            out.append("")
        elif v is True or v is False:
            out.append(f'<c r="{letter}{r}" t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, (int, float)):
            out.append(f'<c r="{letter}{r}"{s}><v>{v:.16g}</v></c>')
        else:
            out.append(_text(letter, r, str(v)))
    return out


def _text(letter: str, r: int, v: str) -> str:
    text = escape(v)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _rows_xml(columns: list[list[Any]], style_ids: list[int | None], first_row: int) -> str:
    cells = [_cells(get_column_letter(k), col, sid, first_row)
             for k, (col, sid) in enumerate(zip(columns, style_ids, strict=True), start=1)]
    n = len(columns[0]) if columns else 0
    return "".join(f'<row r="{r}">{"".join(row)}</row>'
                   for r, row in zip(range(first_row, first_row + n), zip(*cells, strict=True), strict=True))


def splice_rows(wb: Any, path: str | Path) -> None:
    """Write the deferred rows into the saved workbook at ``path`` (rewritten in place)."""
    pending = getattr(wb, _PENDING, None) or []
    if not pending:
        return
    path = Path(path)
    parts = {ws.path.lstrip("/"): (columns, sids, first) for ws, columns, sids, first in pending}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rows-", suffix=".xlsx")
    os.close(fd)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename in parts:
                    columns, sids, first = parts[info.filename]
                    xml = data.decode("utf-8")
                    rows = _rows_xml(columns, sids, first)
                    n_rows = (len(columns[0]) if columns else 0) + first - 1
                    last = get_column_letter(max(len(columns), 1))
                    if "</sheetData>" in xml:
                        xml = xml.replace("</sheetData>", rows + "</sheetData>", 1)
                    else:  # an empty <sheetData/>
                        xml = xml.replace("<sheetData/>", f"<sheetData>{rows}</sheetData>", 1)
                    xml = _set_dimension(xml, f"A1:{last}{n_rows}")
                    data = xml.encode("utf-8")
                    dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)  # big: fast level
                    continue
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        shutil.copymode(path, tmp)  # mkstemp makes 0600 files; keep the saved workbook's mode
        shutil.move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _set_dimension(xml: str, ref: str) -> str:
    start = xml.find("<dimension ")
    if start < 0:
        return xml
    end = xml.find("/>", start)
    return xml[:start] + f'<dimension ref="{ref}"' + xml[end:]
