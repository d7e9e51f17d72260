"""How a crime CSV that cannot be read is described: precisely, and without echoing what it holds.

Split from ``_crime_csv`` (the reader). A file that is not UTF-8 is caught *before* Arrow parses
it, because Arrow's bad-row callback decodes each skipped row and, on invalid bytes, prints
"Exception ignored" on stderr instead of raising. Messages quote a header only when it looks like
column names and drop the row text Arrow's own messages carry, so a system file picked by
mistake is never echoed into an error line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from ._tables import SAVE_AS_UTF8, first_bad_utf8
from .errors import DataError

__all__ = ["shown_header", "valid_utf8", "arrow_reason", "raise_arrow"]


_NAME_CELL = re.compile(r"[A-Za-z][A-Za-z0-9 _.()/-]{0,39}")


def shown_header(header: Sequence[str]) -> str:
    """The header, as the error shows it: only when it looks like column names.

    A file that is not a table at all (a system file picked by mistake, a log) must not have
    its first line echoed into a message that may be pasted into a ticket.
    """
    cells = [h.strip() for h in header]
    names = [c for c in cells if _NAME_CELL.fullmatch(c)]
    if len(cells) >= 2 and len(names) * 2 >= len(cells):
        return "the file has " + ", ".join(repr(h) for h in names[:12])
    if len(cells) < 2:
        return "its first line has no ',', ';' or tab between columns: it is not a CSV table"
    return "its first line does not look like a header of column names"


def valid_utf8(raw: bytes | None, src: str) -> bool:
    """Whether the file is valid UTF-8, checked by Arrow over a memory map (no copy, ~1 GB/s)."""
    buf = pa.py_buffer(raw) if raw is not None else pa.memory_map(src).read_buffer()
    offsets = pa.py_buffer(np.array([0, buf.size], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def arrow_reason(exc: Exception | None) -> str:
    """Arrow's first message line, without the row text it quotes (which may be anything)."""
    text = str(exc).splitlines()[0] if exc is not None and str(exc) else type(exc).__name__
    m = re.match(r"(.*?(?:Expected \d+ columns?, got \d+|parse error))", text, flags=re.IGNORECASE)
    return m.group(1) if m else text[:160]


def raise_arrow(name: str, raw: bytes, exc: Exception | None, dialect: Any) -> None:
    import pandas as pd

    bad = first_bad_utf8(raw)
    if bad is not None:
        line, col, byte = bad
        raise DataError(name, f"the file is not UTF-8 text (byte 0x{byte:02X} at character {col})",
                        hint=SAVE_AS_UTF8, row=line) from None
    text = arrow_reason(exc)
    if "float" in text or "double" in text or "conversion" in text.lower():
        bad_col = next((h for h in ("Longitude", "Latitude") if h in text), None)
        row = None
        try:  # find the first row whose lon/lat does not parse
            df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, sep=dialect.delimiter)
            for h in (bad_col,) if bad_col else ("Longitude", "Latitude"):
                if h in df:
                    text_values = df[h].replace({"": None, "\\N": None})
                    if dialect.decimal == ",":
                        text_values = text_values.str.replace(",", ".", regex=False)
                    vals = pd.to_numeric(text_values, errors="coerce")
                    badrows = np.flatnonzero(vals.isna().to_numpy() & (df[h].str.strip() != "").to_numpy())
                    if len(badrows):
                        row, bad_col = int(badrows[0]) + 2, h
                        break
        except Exception:  # diagnostics only; fall back to the arrow message
            pass
        raise DataError(name, f"a coordinate is not a number ({text})",
                        hint="Longitude and Latitude must be decimal degrees or empty", row=row, column=bad_col) from None
    raise DataError(name, f"cannot parse the CSV ({text})",
                    hint="check the file is an unmodified police.uk CSV") from None


