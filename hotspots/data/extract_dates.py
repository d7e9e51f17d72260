"""Dates and times of a records extract, parsed a column at a time (no per-row Python).

Times are returned as whole minutes since Monday 1969-12-29 00:00, so ``minute % 10080`` is
the minute of the week with Monday 00:00 first (what :mod:`hotspots.when` bins on). Clock
times are taken as written (local time): a crime "at 01:30" on the night the clocks change is
binned at 01:30, which is what a patrol plan needs.

Formats: a ``date_format`` from the mapping file (strftime) is used when given; otherwise the
format that reads the most values of the column is chosen from :data:`DATE_FORMATS` (UK
day-first orders before US month-first, so ``03/04/2021`` is 3 April unless the column only
reads month-first). Spreadsheet cells read as text (``2021-03-05 00:00:00``) and Excel serial
numbers are read too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DATE_FORMATS", "TIME_SUFFIXES", "EPOCH", "parse_dates", "parse_times", "guess_format", "MISSING"]

#: minutes since 1970-01-01 of the Monday the week bins start from (1969-12-29 00:00)
EPOCH = np.datetime64("1969-12-29T00:00", "m")
MISSING = np.iinfo(np.int64).min

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y",
                "%d %B %Y", "%Y/%m/%d", "%Y%m%d", "%d%m%Y", "%m/%d/%Y", "%m/%d/%y", "%b %d %Y")
TIME_SUFFIXES = ("", " %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M", " %H%M", " %H:%M:%S.%f", "T%H:%M:%S.%f")
_NULLS = {"", "nan", "nat", "none", "null", "\\n", "n/a", "na", "-", "unknown"}


def _blank(s: pd.Series) -> np.ndarray:
    return s.astype(str).str.strip().str.lower().isin(_NULLS).to_numpy()


def _try(values: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(values, format=fmt, errors="coerce")


def guess_format(values: pd.Series, *, with_time: bool = False, sample: int = 2000) -> str | None:
    """The candidate format reading the most of (a sample of) the non-blank values, or None."""
    s = values.astype(str).str.strip()
    s = s[~s.str.lower().isin(_NULLS)]
    if s.empty:
        return None
    s = s.iloc[:: max(1, len(s) // sample)].iloc[:sample]
    best, best_n = None, 0
    suffixes = TIME_SUFFIXES if with_time else ("", " %H:%M:%S", " %H:%M")
    for fmt in DATE_FORMATS:
        for suf in suffixes:
            n = int(_try(s, fmt + suf).notna().sum())
            if n > best_n:
                best, best_n = fmt + suf, n
        if best_n == len(s):
            break
    return best


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Row -> distinct value, and the distinct values: a column of a million dates holds a few
    thousand distinct texts, each parsed once."""
    codes, uniq = pd.factorize(values.astype(str).to_numpy(), sort=False)
    return codes, pd.Series(np.asarray(uniq, dtype=object), dtype=object)


def parse_dates(values: pd.Series, fmt: str | None = None, *, with_time: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """Minutes (see module doc) per row, which rows were blank, which were unreadable, the format.

    With a given ``fmt`` a cell also reads with a time appended to it (a spreadsheet's
    ``00:00:00``), and pure numbers between 1 and 200000 as Excel serial days when the format
    reads none of the column (a workbook saved without date formatting).
    """
    codes, distinct = _distinct(values)
    m, b, bad, chosen = _parse_dates(distinct, fmt, with_time)
    return m[codes], b[codes], bad[codes], chosen


def _parse_dates(values: pd.Series, fmt: str | None, with_time: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    s = values.astype(str).str.strip()
    blank = _blank(s)
    chosen = fmt or guess_format(s[~blank], with_time=with_time)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if chosen is not None:
        tries = [chosen] + ([chosen + suf for suf in TIME_SUFFIXES[1:]] if "%H" not in chosen else [])
        for f in tries:
            todo = out.isna().to_numpy() & ~blank
            if not todo.any():
                break
            out[todo] = _try(s[todo], f)
    todo = out.isna().to_numpy() & ~blank
    if todo.any():  # Excel serial day numbers (1900 system), with fractions for the time of day
        num = pd.to_numeric(s[todo], errors="coerce")
        ok = num.between(1, 200_000)
        if ok.any():
            out.loc[num[ok].index] = pd.Timestamp("1899-12-30") + pd.to_timedelta((num[ok] * 1440).round(), unit="m")
    minutes = np.full(len(s), MISSING, dtype=np.int64)
    ok = out.notna().to_numpy()
    if ok.any():
        minutes[ok] = (out[ok].to_numpy().astype("datetime64[m]") - EPOCH).astype(np.int64)
    bad = ~blank & ~ok
    return minutes, blank, bad, chosen


def parse_times(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minute of the day per row (0-1440), blank rows, unreadable or impossible rows.

    Reads ``22:30``, ``22:30:00``, ``22.30``, ``2230`` and ``930`` (HHMM), ``1899-12-30 22:30:00``
    (a spreadsheet time cell read as text) and Excel day fractions (``0.9375``). ``24:00`` is the
    end of the day (1440). Hours over 24 or minutes over 59 are impossible.
    """
    codes, distinct = _distinct(values)
    mins, blank, bad = _parse_times(distinct)
    return mins[codes], blank[codes], bad[codes]


def _parse_times(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = values.astype(str).str.strip()
    blank = _blank(s)
    n = len(s)
    mins = np.full(n, -1, dtype=np.int64)
    hm = s.str.extract(r"(?:^|\s|T)(\d{1,2})[:.](\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(am|pm|AM|PM)?\s*$")
    has = hm[0].notna().to_numpy().copy()
    h = pd.to_numeric(hm[0], errors="coerce").to_numpy(dtype=float, copy=True)
    m = pd.to_numeric(hm[1], errors="coerce").to_numpy(dtype=float, copy=True)
    ampm = hm[3].fillna("").str.lower().to_numpy()
    h = np.where((ampm == "pm") & (h < 12), h + 12, np.where((ampm == "am") & (h == 12), 0, h))
    digits = s.str.fullmatch(r"\d{3,4}").to_numpy() & ~has
    if digits.any():
        v = pd.to_numeric(s[digits], errors="coerce").to_numpy()
        h[digits], m[digits] = v // 100, v % 100
        has |= digits
    frac = ~has & ~blank
    if frac.any():
        v = pd.to_numeric(s[frac], errors="coerce").to_numpy()
        okf = (v >= 0) & (v < 1)
        idx = np.flatnonzero(frac)[okf]
        day_min = np.round(v[okf] * 1440)
        h[idx], m[idx] = day_min // 60, day_min % 60
        has[idx] = True
    valid = has & ~blank & (h >= 0) & (m >= 0) & (m <= 59) & ((h <= 23) | ((h == 24) & (m == 0)))
    mins[valid] = (h[valid] * 60 + m[valid]).astype(np.int64)
    bad = ~blank & ~valid
    return mins, blank, bad
