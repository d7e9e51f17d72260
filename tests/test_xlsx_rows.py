"""The workbook's spliced data rows read back exactly as openpyxl's own cell-by-cell writing.

Both workbooks are read with openpyxl (an independent reader of the file): every value, its
type and its number format must match, for numbers, missing values, booleans, text with
XML metacharacters, leading spaces and formula-like text.
"""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from hotspots.export.safe_text import neutralise
from hotspots.export.workbook._xlsx_rows import splice_rows
from hotspots.export.workbook.tables import _FORMATS, _column_values, _frame_sheet


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 300
    return pd.DataFrame({
        "lsoa_code": [f"E01{i:06d}" for i in range(n)],
        "lsoa_name": ["  padded", "a < b & c > d", "=SUM(A1:A2)", "quote \" and '", "plain"] * (n // 5),
        "crimes": rng.integers(0, 500, n),
        "harm": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 1e4),
        "lisa_p": rng.random(n) / 1e6,
        "zone_id": pd.array([None if i % 3 else i for i in range(n)], dtype="Int64"),
        "flag": rng.random(n) < 0.5,
        "gi_z": np.where(rng.random(n) < 0.05, np.inf, rng.normal(size=n)),
    })


def _slow_sheet(wb, title: str, frame: pd.DataFrame) -> None:
    """openpyxl's own way: a cell object per value, number formats set per cell."""
    ws = wb.create_sheet(title)
    ws.append(list(frame.columns))
    cols = [_column_values(frame[c]) for c in frame.columns]
    fmts = [_FORMATS.get(c) for c in frame.columns]
    for row in zip(*cols, strict=True):
        out = []
        for v, fmt in zip(row, fmts, strict=True):
            if fmt is not None and isinstance(v, (int, float)) and not isinstance(v, bool):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = fmt
                out.append(cell)
            else:
                out.append(v)
        ws.append(out)


def test_spliced_rows_equal_openpyxl_cells(tmp_path):
    frame = _frame()
    fast_wb = Workbook(write_only=True)
    _frame_sheet(fast_wb, "LSOAs", frame)
    _frame_sheet(fast_wb, "Small", frame.head(3))
    fast = tmp_path / "fast.xlsx"
    fast_wb.save(fast)
    splice_rows(fast_wb, fast)
    slow_wb = Workbook(write_only=True)
    _slow_sheet(slow_wb, "LSOAs", frame)
    _slow_sheet(slow_wb, "Small", frame.head(3))
    slow = tmp_path / "slow.xlsx"
    slow_wb.save(slow)

    a, b = openpyxl.load_workbook(fast), openpyxl.load_workbook(slow)
    assert a.sheetnames == b.sheetnames == ["LSOAs", "Small"]
    for name in a.sheetnames:
        ra, rb = list(a[name].iter_rows()), list(b[name].iter_rows())
        assert len(ra) == len(rb) == (len(frame) if name == "LSOAs" else 3) + 1
        for row_a, row_b in zip(ra, rb, strict=True):
            for ca, cb in zip(row_a, row_b, strict=True):
                assert type(ca.value) is type(cb.value), (ca.coordinate, ca.value, cb.value)
                if isinstance(ca.value, float):
                    assert math.isclose(ca.value, cb.value, rel_tol=0, abs_tol=0), ca.coordinate
                else:
                    assert ca.value == cb.value, ca.coordinate
                if ca.row > 1:
                    assert ca.number_format == cb.number_format, ca.coordinate
        assert a[name].freeze_panes == "A2"
    # the hand-made facts: text is text (never a formula), missing is empty, formats applied
    ws = a["LSOAs"]
    assert ws["B2"].value == "  padded" and ws["B3"].value == "a < b & c > d"
    assert ws["B4"].value == neutralise("=SUM(A1:A2)") != "=SUM(A1:A2)" and ws["B4"].data_type == "s"
    assert ws["C2"].number_format == _FORMATS["crimes"]
    assert ws["F3"].value is None and ws["F2"].value == 0


def test_column_width_is_the_95th_percentile_of_the_first_2000_values():
    """The width rule as the pandas quantile wrote it: header + 2, the 95th percentile of the
    text lengths (linear, truncated) + 2, at least 8, at most 60."""
    from hotspots.export.workbook.tables import _width

    rng = np.random.default_rng(5)
    values = ["x" * int(n) for n in rng.integers(0, 40, 3000)] + [None] * 10
    sample = pd.Series(values[:2000], dtype=object).map(lambda v: "" if v is None else str(v))
    want = float(min(60, max(len("h") + 2, int(sample.str.len().quantile(0.95)) + 2, 8)))
    assert _width("h", values) == want
    assert _width("a header this long", [1.5, None, 22]) == len("a header this long") + 2
    assert _width("h", []) == 8.0
    assert _width("h", ["y" * 100] * 5) == 60.0
    assert _width("h", [None] * 3000 + ["y" * 50]) == 8.0  # past the first 2,000: not looked at


def test_text_columns_convert_as_cell_by_cell():
    """A column of nothing but text takes a shortcut; it must give what _cell_value gives."""
    from hotspots.export.workbook._xlsx_values import _cell_value

    text = ["plain", "=SUM(A1:A2)", "+44 1234", "bad\x07char", "  padded", "a < b", "\ud800 lone surrogate", ""]
    for s in (pd.Series(text, dtype=object), pd.Series(text[:3] + text[4:6], dtype="string[pyarrow]"),
              pd.Series(text + [None, 3.5, np.nan], dtype=object)):
        got = _column_values(s)
        assert got == [_cell_value(v) for v in s.astype(object).tolist()]
    assert _column_values(pd.Series(text, dtype=object))[1] == neutralise("=SUM(A1:A2)") != "=SUM(A1:A2)"
    assert _column_values(pd.Series(text, dtype=object))[3] == "badchar"


def test_rows_spliced_below_a_sheets_notes_equal_openpyxl_cells(tmp_path):
    """A sheet whose table sits under notes (the emerging hot spots' listing): openpyxl writes the
    notes and the table's header, the data rows are spliced in from the row below them."""
    from hotspots.export.workbook._xlsx_rows import defer_rows

    frame = _frame().drop(columns=["zone_id"])
    notes = [["A note about the sheet"], [], ["category", "LSOAs"], ["x", 3], [], ["The table"]]
    fast_wb = Workbook(write_only=True)
    ws = fast_wb.create_sheet("Emerging")
    for r in notes + [list(frame.columns)]:
        ws.append(r)
    defer_rows(fast_wb, ws, [_column_values(frame[c]) for c in frame.columns], [None] * frame.shape[1],
               first_row=len(notes) + 2)
    fast = tmp_path / "fast.xlsx"
    fast_wb.save(fast)
    splice_rows(fast_wb, fast)
    slow_wb = Workbook(write_only=True)
    ws = slow_wb.create_sheet("Emerging")
    for r in notes + [list(frame.columns)] + [list(row) for row in zip(*[_column_values(frame[c]) for c in frame.columns],
                                                                     strict=True)]:
        ws.append(r)
    slow = tmp_path / "slow.xlsx"
    slow_wb.save(slow)
    a, b = openpyxl.load_workbook(fast)["Emerging"], openpyxl.load_workbook(slow)["Emerging"]
    ra = [[(type(c.value), c.value) for c in row] for row in a.iter_rows()]
    rb = [[(type(c.value), c.value) for c in row] for row in b.iter_rows()]
    assert len(ra) == len(notes) + 1 + len(frame)
    assert ra == rb
    assert a.cell(len(notes) + 2, 1).value == frame["lsoa_code"].iloc[0]
