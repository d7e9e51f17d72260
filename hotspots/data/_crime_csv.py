"""One police.uk CSV into an Arrow table, and what happens to the files on their way to us.

The files leave data.police.uk clean; the trouble starts when someone opens one in Excel and
saves it again, zips a zip, or exports a force extract by hand. Each quirk here is either
read correctly and reported (UTF-16, ';' and decimal commas, ``Jan-21`` months, a zip inside
a zip, a row with an extra comma dropped and counted) or turned into one precise error
(swapped Longitude/Latitude, metres in the degree columns, no usable Month), because an
analysis of silently mangled rows is worse than none. ``crimes.py`` drives these.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ._crime_csv_errors import raise_arrow as _raise_arrow
from ._crime_csv_errors import shown_header as _shown_header
from ._crime_csv_errors import valid_utf8 as _valid_utf8
from ._tables import (
    BNG_X,
    BNG_Y,
    UK_LAT,
    UK_LON,
    normalise,
    utf16_to_utf8,
)
from .errors import DataError
from .report import LoadReport

__all__ = ["CRIME_COLUMNS", "REQUIRED", "CsvDialect", "FileNotes", "read_one", "report_notes", "report_months",
           "sniff_dialect", "maybe_utf16", "normalise_months", "check_coordinates"]

#: output column -> accepted header keys (normalised); police.uk's own header comes first
CRIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "crime_id": ("crimeid", "id"),
    "month": ("month", "date"),
    "longitude": ("longitude", "lon", "lng"),
    "latitude": ("latitude", "lat"),
    "location": ("location", "street"),
    "lsoa_code_csv": ("lsoacode",),
    "crime_type": ("crimetype", "category", "type"),
}
REQUIRED = ("month", "longitude", "latitude", "crime_type")

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")
_MONTHS = {name: i for i, full in enumerate(_MONTH_NAMES, start=1) for name in (full, full[:3])}
_MONTHS["sept"] = 9
_YM = re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[ T].*)?")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T].*)?")
_MY = re.compile(r"(\d{1,2})[-/.](\d{4})")
# Excel shows "2021-01" as a date formatted mmm-yy and saves that text: "Jan-21"
_NAMED = re.compile(r"([a-z]{3,9})-(\d{2}|\d{4})")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class CsvDialect:
    """Field delimiter and decimal mark of one crime CSV."""

    delimiter: str = ","
    decimal: str = "."


def maybe_utf16(raw: bytes | None, src: str) -> tuple[bytes | None, bool]:
    """``(utf8_bytes, True)`` when the file is UTF-16 (Excel's "Unicode Text"), else ``(raw, False)``.

    Only the first bytes of a file on disk are read unless it is UTF-16.
    """
    if raw is not None:
        head = raw[:400]
    else:
        with Path(src).open("rb") as fh:
            head = fh.read(400)
    if not (head[:2] in _UTF16_BOMS or (len(head) >= 4 and head.count(0) >= len(head) // 3)):
        return raw, False
    full = raw if raw is not None else Path(src).read_bytes()
    utf8 = utf16_to_utf8(full)
    return (utf8, True) if utf8 is not None else (raw, False)


def sniff_dialect(head: bytes, lon_lat: Callable[[list[str]], tuple[int, int] | None]) -> CsvDialect:
    """The delimiter from the header line; a decimal comma when ';' files write ``0,505``.

    Excel in most European locales saves CSV with ';' between fields and ',' as the decimal
    mark. ``lon_lat`` maps the header to the Longitude/Latitude column positions.
    """
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.splitlines()
    if not lines:
        return CsvDialect()
    first = lines[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    if counts[delimiter] == 0:
        delimiter = ","
    dialect = CsvDialect(delimiter)
    if delimiter == ",":
        return dialect
    rows = list(csv.reader(io.StringIO("\n".join(lines[:50])), delimiter=delimiter))
    cols = lon_lat(rows[0]) if rows else None
    if cols is not None:
        cells = [r[c] for r in rows[1:-1] for c in cols if c < len(r)]
        if any(re.fullmatch(r"-?\d+,\d+", v.strip()) for v in cells):
            dialect.decimal = ","
    return dialect


def normalise_months(values: list[str]) -> tuple[np.ndarray, dict[str, str]]:
    """Each distinct Month cell as ``YYYY-MM`` ('' when it is not a month).

    police.uk writes ``2021-01``; Excel rewrites it as ``Jan-21``, ``01/01/2021`` or
    ``2021-01-01``. Those are read back (and returned in the second value, raw -> month, so
    the reader can say so); ``2021-13``, ``21-01`` (either order) and free text such as
    ``Jan 2021`` are not.
    """
    out = np.empty(len(values), dtype=object)
    reread: dict[str, str] = {}
    for k, raw in enumerate(values):
        s = str(raw).strip()
        year = month = None
        if m := _YM.fullmatch(s):
            year, month = int(m.group(1)), int(m.group(2))
        elif m := _DMY.fullmatch(s):  # UK order: day/month/year
            year, month = int(m.group(3)), int(m.group(2))
        elif m := _MY.fullmatch(s):
            year, month = int(m.group(2)), int(m.group(1))
        elif (m := _NAMED.fullmatch(s.lower())) and m.group(1) in _MONTHS:  # Excel's "Jan-21"
            yy = m.group(2)
            year = int(yy) + (2000 if len(yy) == 2 else 0)
            month = _MONTHS[m.group(1)]
        if year is None or month is None or not (1 <= month <= 12 and 1990 <= year <= 2100):
            out[k] = ""
            continue
        out[k] = f"{year:04d}-{month:02d}"
        if not s.startswith(out[k]):  # "2021-01-01" is police.uk's month with a day; "Jan-21" is not
            reread[s] = out[k]
    return out, reread


def check_coordinates(lon: np.ndarray, lat: np.ndarray, has: np.ndarray, source: str,
                      report: LoadReport) -> np.ndarray:
    """Rows whose Longitude/Latitude cannot be degrees at all (dropped and counted).

    When most rows have the columns swapped, or hold British National Grid metres, the
    whole file is wrong in one way and the error says which; a few such rows are dropped.
    """
    not_degrees = has & ((np.abs(lon) > 180) | (np.abs(lat) > 90) | ~np.isfinite(lon) | ~np.isfinite(lat))
    n_has = int(has.sum())
    if n_has == 0:
        return not_degrees
    uk = has & (lat >= UK_LAT[0]) & (lat <= UK_LAT[1]) & (lon >= UK_LON[0]) & (lon <= UK_LON[1])
    swapped = has & ~uk & (lon >= UK_LAT[0]) & (lon <= UK_LAT[1]) & (lat >= UK_LON[0]) & (lat <= UK_LON[1])
    metres = not_degrees & (lon >= BNG_X[0]) & (lon <= BNG_X[1]) & (lat >= BNG_Y[0]) & (lat <= BNG_Y[1])
    if swapped.sum() > n_has / 2:
        raise DataError(source, f"Longitude and Latitude look swapped: {int(swapped.sum()):,} of {n_has:,} rows "
                        f"have a 'Longitude' of {np.nanmedian(lon[swapped]):.2f} and a 'Latitude' of "
                        f"{np.nanmedian(lat[swapped]):.2f}, which is the other way round for the UK",
                        hint="swap the two column headers (Longitude is about -6..2, Latitude about 50..59)",
                        column="Longitude")
    if metres.sum() > n_has / 2:
        raise DataError(source, f"Longitude/Latitude hold metres, not degrees ({int(metres.sum()):,} of {n_has:,} "
                        f"rows, e.g. {lon[metres][0]:.0f}, {lat[metres][0]:.0f}: British National Grid "
                        "easting/northing)", column="Longitude",
                        hint="give WGS84 longitude/latitude in degrees as police.uk does (convert the "
                             "easting/northing, e.g. in QGIS, or download the months again)")
    if swapped.any():
        report.warn(f"{int(swapped.sum()):,} rows look like Longitude and Latitude swapped; they fall outside "
                    "every LSOA and are counted there")
    report.drop("coordinates not longitude/latitude in degrees", int(not_degrees.sum()))
    return not_degrees


def _header_map(name: str, header: Sequence[str]) -> dict[str, str]:
    keys = {normalise(h): h for h in header}
    found: dict[str, str] = {}
    for out, aliases in CRIME_COLUMNS.items():
        for a in aliases:
            if a in keys:
                found[out] = keys[a]
                break
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        shown = _shown_header(header)
        pretty = {"month": "Month", "longitude": "Longitude", "latitude": "Latitude", "crime_type": "Crime type"}
        raise DataError(name, f"not a police.uk street-crime CSV: no {', '.join(pretty[m] for m in missing)} column "
                        f"({shown})",
                        hint="use the '-street.csv' files from data.police.uk (columns Crime ID, Month, Longitude, "
                             "Latitude, Location, LSOA code, Crime type)", column=pretty[missing[0]])
    return found


@dataclass
class FileNotes:
    """What reading one file had to work around (reported, never silent)."""

    utf16: bool = False
    delimiter: str = ","
    decimal: str = "."
    malformed: int = 0
    first_malformed_line: int | None = None


def read_one(name: str, opener: Callable[[], bytes | str]) -> tuple[pa.Table, FileNotes]:
    """One crime CSV as an Arrow table of the :data:`CRIME_COLUMNS`, and what it took to read it.

    ``opener`` returns a path or the file's bytes (a zip member). Rows with the wrong number
    of fields are skipped and counted in the notes; anything else unreadable is a DataError
    that names the file and, where it can, the line.
    """
    src = opener()
    raw: bytes | None = src if isinstance(src, bytes) else None
    if raw is None and Path(src).stat().st_size == 0 or raw is not None and len(raw) == 0:
        raise DataError(name, "the file is empty", hint="download the month again from data.police.uk")
    notes = FileNotes()
    raw, notes.utf16 = maybe_utf16(raw, str(src))

    def head() -> bytes:
        if raw is not None:
            return raw[: 1 << 16]
        with Path(src).open("rb") as fh:
            return fh.read(1 << 16)

    def lon_lat(header: list[str]) -> tuple[int, int] | None:
        keys = [normalise(h) for h in header]
        try:
            return (next(i for i, k in enumerate(keys) if k in CRIME_COLUMNS["longitude"]),
                    next(i for i, k in enumerate(keys) if k in CRIME_COLUMNS["latitude"]))
        except StopIteration:
            return None

    if not _valid_utf8(raw, str(src)):  # before Arrow: its bad-row callback cannot decode such a row
        _raise_arrow(name, raw if raw is not None else Path(src).read_bytes(), None, CsvDialect())
    dialect = sniff_dialect(head(), lon_lat)
    notes.delimiter, notes.decimal = dialect.delimiter, dialect.decimal
    header = _plain_header(head(), dialect.delimiter)  # a header without quotes: no Arrow reader needed
    if header is None:
        parse = pacsv.ParseOptions(delimiter=dialect.delimiter, invalid_row_handler=lambda row: "skip")
        stream = pa.BufferReader(raw) if raw is not None else pa.OSFile(str(src))
        try:
            with stream:
                first = pacsv.open_csv(stream, read_options=pacsv.ReadOptions(block_size=1 << 16,
                                                                               use_threads=False),
                                       parse_options=parse)
                header = first.schema.names
        except pa.ArrowException as exc:
            _raise_arrow(name, raw if raw is not None else Path(src).read_bytes(), exc, dialect)
    header = [h.lstrip("\ufeff") for h in header]
    cols = _header_map(name, header)
    wanted = {v: k for k, v in cols.items()}
    dict_type = pa.dictionary(pa.int32(), pa.string())
    column_types = {h: dict_type for h in wanted}
    if "crime_id" in cols:
        column_types[cols["crime_id"]] = pa.string()
    column_types[cols["longitude"]] = pa.float64()
    column_types[cols["latitude"]] = pa.float64()
    bad_rows: list[str] = []  # the first malformed row's text, for the message
    n_bad = [0]

    def skip_malformed(row) -> str:  # a row with too many or too few fields (an extra comma)
        try:  # an exception here is printed by Arrow as "Exception ignored", never raised
            n_bad[0] += 1
            if not bad_rows:
                bad_rows.append(str(row.text))
        except Exception:  # noqa: BLE001
            pass
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw) if raw is not None else str(src),
            # Arrow's thread pool costs milliseconds to start: not worth it for a small file
            # (a multi-force archive holds thousands of one-force months)
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1,
                                           block_size=int(min(1 << 24, max(1 << 16, _size(raw, src)))),
                                           use_threads=_size(raw, src) > 1 << 20),
            parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter, invalid_row_handler=skip_malformed),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(wanted), column_types=column_types,
                null_values=["", "NA", "N/A", "\\N"], strings_can_be_null=False,
                quoted_strings_can_be_null=False, decimal_point=dialect.decimal,
            ),
        )
    except pa.ArrowException as exc:
        _raise_arrow(name, raw if raw is not None else Path(src).read_bytes(), exc, dialect)
    if n_bad[0]:
        notes.malformed = n_bad[0]
        data = raw if raw is not None else Path(src).read_bytes()
        at = data.find(bad_rows[0].encode("utf-8", errors="replace")) if bad_rows else -1
        notes.first_malformed_line = data.count(b"\n", 0, at) + 1 if at >= 0 else None
        if table.num_rows == 0:
            shown = f" (first bad row: {bad_rows[0][:80]!r})" if bad_rows else ""
            raise DataError(name, f"no row has the {len(header)} fields of the header{shown}",
                            row=notes.first_malformed_line,
                            hint="check the delimiter and quoting; use the police.uk file as downloaded")
    table = table.rename_columns([wanted[c] for c in table.column_names])
    n = table.num_rows
    for c in ("crime_id", "location", "lsoa_code_csv"):
        if c not in table.column_names:
            typ = pa.string() if c == "crime_id" else dict_type
            table = table.append_column(c, pa.array([""] * n, type=pa.string()).cast(typ))
    return table.select(list(CRIME_COLUMNS)), notes


def _plain_header(head: bytes, delimiter: str) -> list[str] | None:
    """The header cells when the first line is plain (no quotes, ends within ``head``), else None."""
    end = head.find(b"\n")
    if end < 0 or b'"' in head[:end]:
        return None
    line = head[:end].rstrip(b"\r").decode("utf-8", errors="replace")
    return line.split(delimiter) if line.strip() else None


def _size(raw: bytes | None, src: str) -> int:
    return len(raw) if raw is not None else Path(src).stat().st_size


def report_months(acc: Any, codes: np.ndarray, keep: np.ndarray, good: np.ndarray,
                   reread: dict[str, str], report: LoadReport) -> None:
    """Say which Month cells were re-read (Excel's ``Jan-21``) or are not months at all."""
    if reread:
        shown = ", ".join(f"'{k}' as {v}" for k, v in list(reread.items())[:3])
        report.warn(f"Month cells not written as YYYY-MM were read as months ({shown}); the file was "
                    "probably re-saved by Excel")
    bad = keep & ~good
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    example = acc.values["month"][codes[first]]
    name, line = acc.locate(first)
    if not (keep & good).any():
        raise DataError(name, f"no row has a usable Month (found {example!r}; police.uk months are YYYY-MM)",
                        hint="write months as YYYY-MM, e.g. 2021-01 (download the file again rather than "
                             "re-saving it in Excel)", row=line, column="Month")
    report.warn(f"{int(bad.sum()):,} row(s) have a Month that is not a month (e.g. {example!r} in {name}, "
                f"line {line}) and were dropped")


def report_notes(report: LoadReport, name: str, notes: FileNotes) -> None:
    """Warn about each workaround :func:`read_one` needed; count the rows it skipped."""
    if notes.utf16:
        report.warn(f"{name}: UTF-16 text (Excel 'Unicode Text'); read as such")
    if notes.delimiter != ",":
        label = {";": "';'", "\t": "tabs"}.get(notes.delimiter, repr(notes.delimiter))
        comma = " and decimal commas" if notes.decimal == "," else ""
        report.warn(f"{name}: fields separated by {label}{comma} (a re-saved file); read as such")
    if notes.malformed:
        where = f" (first on line {notes.first_malformed_line})" if notes.first_malformed_line else ""
        report.warn(f"{name}: {notes.malformed} row(s) had more or fewer fields than the header{where} and "
                    "were dropped")
        report.drop("malformed row (wrong number of fields)", notes.malformed)

