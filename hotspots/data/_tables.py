"""Shared plumbing for the tabular readers: decoding, column aliases, numbers, points.

Real files arrive from Excel, from MySQL dumps and from GIS exports, so every reader
meets the same troubles: a UTF-8 BOM, Windows-1252 bytes, ``"1,234"`` numbers, ``\\N``
for null, headers in different styles, lat/lon in one file and easting/northing in the
next. They are handled once, here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas itself is imported where a table is read: the crime parse needs none of it
    import pandas as pd

from ..runtime.failures import is_out_of_memory
from .errors import DataError
from .report import LoadReport

__all__ = [
    "first_bad_utf8",
    "utf16_to_utf8",
    "read_table",
    "find_column",
    "to_number",
    "normalise",
    "points_to_bng",
]

NULL_TOKENS = ["", "\\N", "NULL", "null", "NaN", "nan", "N/A", "n/a", "NA", "#N/A", "-"]
SAVE_AS_UTF8 = "save the file as UTF-8 (in Excel: File > Save As > 'CSV UTF-8')"

# British National Grid extent (metres) with a margin: anything outside is not in Great Britain.
BNG_X = (-10_000.0, 700_000.0)
BNG_Y = (-10_000.0, 1_300_000.0)
# Latitude/longitude box around the UK and its waters.
UK_LAT = (49.0, 61.5)
UK_LON = (-9.0, 2.5)



def to_bng(source: object = 4326):
    """A pyproj Transformer from ``source`` to EPSG:27700 (x/y order), cached per thread.

    Building one costs ~20 ms of PROJ database look-ups, paid once per reader otherwise;
    Transformers are not safe to share between threads, hence one cache per thread."""
    from ..runtime.proj import transformer

    return transformer(source, 27700)


def normalise(name: object) -> str:
    """Column-name key: lower case, letters and digits only (``'LSOA code (2011)'`` -> ``'lsoacode2011'``)."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def first_bad_utf8(raw: bytes) -> tuple[int, int, int] | None:
    """Locate the first invalid UTF-8 byte: (line number, column, byte value), or None."""
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        pos = exc.start
        line = raw.count(b"\n", 0, pos) + 1
        col = pos - (raw.rfind(b"\n", 0, pos) + 1) + 1
        return line, col, raw[pos]


def utf16_to_utf8(raw: bytes) -> bytes | None:
    """The text as UTF-8 bytes when ``raw`` is UTF-16 (Excel's "Unicode Text"), else None.

    UTF-16 is unambiguous when it starts with a byte-order mark; without one it is recognised
    by the NUL byte beside every ASCII character of the first line. Decoding it is safer than
    asking the analyst to re-save, and the bytes of a broken UTF-16 file are still reported.
    """
    head = raw[:2]
    if head in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16"
    else:
        sample = raw[:400]
        if len(sample) < 4 or sample.count(0) < len(sample) // 3:
            return None
        even_nul = sample[0::2].count(0)
        odd_nul = sample[1::2].count(0)
        codec = "utf-16-le" if odd_nul > even_nul else "utf-16-be"
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        return None
    return text.lstrip("\ufeff").encode("utf-8")


def _decode(raw: bytes, path: Path, notes: list[str] | None = None) -> str:
    utf8 = utf16_to_utf8(raw)
    if utf8 is not None:
        raw = utf8
        if notes is not None:
            notes.append("the file is UTF-16 text (Excel 'Unicode Text'); it was read as such")
    bad = first_bad_utf8(raw)
    if bad is not None:
        line, col, byte = bad
        utf16 = " (it starts like UTF-16 but does not decode as UTF-16 either)" if raw[:2] in (
            b"\xff\xfe", b"\xfe\xff") else ""
        raise DataError(
            path,
            f"the file is not UTF-8 text (byte 0x{byte:02X} at character {col}){utf16}",
            hint=SAVE_AS_UTF8,
            row=line,
        )
    text = raw.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def read_table(path: str | Path, what: str, *, header_hint: Iterable[str] = (),
               report: LoadReport | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX into a DataFrame of strings (no type guessing; callers convert).

    Parameters
    ----------
    path : CSV, TSV or XLSX file (UTF-8, or UTF-16 as Excel's "Unicode Text" saves it)
    what : what the file should hold, for messages ("IMD table", "pubs")
    header_hint : normalised column keys; for XLSX, the sheet whose header holds the most of
        them is read (MHCLG workbooks put a Notes sheet first). When the first row holds
        none of them but a row a little further down holds two or more, title rows sit above
        the header and are skipped; ``df.attrs["first_data_line"]`` is then the file's line
        (or sheet row) of the first data row, for messages.
    report : where to say how the file was read when that was not plain UTF-8 CSV (UTF-16,
        decimal commas, the sheet chosen), so a reinterpretation is never silent.
    """
    import pandas as pd

    from ._input_file import require_input

    path = Path(path)
    st = require_input(path, what)  # a FIFO or a device is refused before it is opened
    if st.st_size == 0:
        raise DataError(path, "the file is empty", hint=f"export the {what} again")
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix in (".xlsx", ".xlsm", ".xls"):
        df = _read_xlsx(path, what, set(header_hint))
    else:
        text = _decode(path.read_bytes(), path, notes)
        if not text.strip():
            raise DataError(path, "the file has no rows", hint=f"export the {what} again")
        head = text.split("\n", 40)[:40]
        skip = _header_row([re.split(r"[,;\t]", ln) for ln in head], header_hint)
        first = head[skip]
        sep = "\t" if first.count("\t") > first.count(",") else ","
        if first.count(";") > max(first.count(","), first.count("\t")):
            sep = ";"
        try:
            df = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                skiprows=skip,
            )
        except pd.errors.ParserError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise DataError(
                path,
                f"cannot parse the CSV ({exc})",
                hint="check the quoting and the number of commas on that line",
                row=int(m.group(1)) if m else None,
            ) from None
        if sep == ";":  # European Excel: ';' between fields, ',' as the decimal mark
            df = _decimal_commas(df)
            if df.attrs["decimal_comma_columns"]:
                notes.append("decimal commas read as decimal points in "
                             + ", ".join(repr(c) for c in df.attrs["decimal_comma_columns"]))
        df.attrs["first_data_line"] = skip + 2
        if skip:
            notes.append(f"skipped {skip} title line(s) above the header")
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if df.empty:
        raise DataError(path, "the file has a header but no data rows", hint=f"export the {what} again")
    if df.attrs.get("title_rows"):
        notes.append(f"skipped {df.attrs['title_rows']} title row(s) above the header")
    if report is not None:
        for note in notes:
            report.warn(note)
        if "sheet" in df.attrs:  # a workbook of several sheets: say which one was read
            report.info["sheet"] = df.attrs["sheet"]
    return df


def _hint_score(cells: Iterable[object], hints: Iterable[str]) -> int:
    keys = {normalise(c) for c in cells if str(c).strip() and str(c) != "nan"}
    return sum(any(h in k for k in keys) for h in hints)


def _header_row(rows: Sequence[Sequence[object]], hints: Iterable[str]) -> int:
    """The header's index among the first rows: 0, unless row 0 matches no hint (a title)
    and a later row matches at least two (so a data row that happens to say "name" never
    becomes the header)."""
    hints = list(hints)
    if not hints or not rows or _hint_score(rows[0], hints) > 0:
        return 0
    best, at = 1, 0
    for i, row in enumerate(rows[1:20], start=1):
        score = _hint_score(row, hints)
        if score > best:
            best, at = score, i
    return at


_EURO_NUMBER = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")


def _decimal_commas(df: pd.DataFrame) -> pd.DataFrame:
    """Rewrite ``51,205`` as ``51.205`` in the numeric columns of a ';'-separated file.

    Excel in most European locales saves CSV with ';' between fields and ',' as the decimal
    mark (and '.' grouping thousands). Left alone, :func:`to_number` would read ``51,205`` as
    fifty-one thousand. Only columns where every filled cell is such a number and at least
    one has a decimal comma are rewritten, so text and '.'-decimal columns stay as they are.
    """
    out = df.copy()
    for col in df.columns:
        s = df[col].astype(str).str.strip()
        filled = ~s.isin(NULL_TOKENS)
        if not filled.any() or not s[filled].str.contains(",", regex=False).any():
            continue
        if not s[filled].str.fullmatch(_EURO_NUMBER).all():
            continue
        out[col] = s.where(~filled, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    out.attrs["decimal_comma_columns"] = [c for c in df.columns if not out[c].equals(df[c])]
    return out


def _read_xlsx(path: Path, what: str, header_hint: set[str]) -> pd.DataFrame:
    import pandas as pd

    from ._input_file import check_inflated_size

    check_inflated_size(path, what)  # a "zip bomb" is refused before a byte of it is inflated
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl", header=None)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        if is_out_of_memory(exc):  # the machine, not the file (hotspots.runtime.failures)
            raise
        raise DataError(path, f"cannot open the workbook ({exc})", hint="open it in Excel and save it again as .xlsx") from None
    best, best_score, best_name, best_skip = None, -1, "", 0
    for name, frame in sheets.items():
        if frame.empty:
            continue
        skip = _header_row(frame.head(20).fillna("").to_numpy().tolist(), header_hint)
        body = frame.iloc[skip + 1:]
        score = _hint_score(frame.iloc[skip].fillna(""), header_hint) * 1_000_000 + len(body)
        if score > best_score:
            best, best_score, best_name, best_skip = frame, score, str(name), skip
    if best is None:
        raise DataError(path, "every sheet in the workbook is empty", hint=f"export the {what} again")
    header = best.iloc[best_skip]
    out = best.iloc[best_skip + 1:].reset_index(drop=True).fillna("")
    out.columns = _unique_names([str(h).strip() if pd.notna(h) and str(h).strip() else f"Unnamed: {k}"
                                 for k, h in enumerate(header)])
    out.attrs["first_data_line"] = best_skip + 2
    if best_skip:
        out.attrs["title_rows"] = best_skip
    if len(sheets) > 1:
        out.attrs["sheet"] = best_name
    return out


def _unique_names(names: list[str]) -> list[str]:
    """Header cells made unique as pandas does (``x``, ``x.1``, ...)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n}.{k}")
    return out


def find_column(
    df: pd.DataFrame,
    aliases: Sequence[str],
    path: str | Path,
    what: str,
    *,
    required: bool = True,
    contains: bool = False,
) -> str | None:
    """Return the first column matching one of ``aliases`` (compared by :func:`normalise`).

    With ``contains=True`` an alias may also match a longer header ("IMD Decile" in
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)").
    """
    keys = {normalise(c): c for c in df.columns}
    for alias in aliases:
        key = normalise(alias)
        if key in keys:
            return keys[key]
    if contains:
        for alias in aliases:
            key = normalise(alias)
            for k, c in keys.items():
                if key and key in k:
                    return c
    if required:
        shown = ", ".join(repr(c) for c in list(df.columns)[:12])
        raise DataError(
            path,
            f"no {what} column (looked for {', '.join(repr(a) for a in aliases[:6])}; the file has {shown})",
            hint=f"rename the {what} column to '{aliases[0]}'",
            column=aliases[0],
        )
    return None


def to_number(values: pd.Series) -> pd.Series:
    """Parse numbers that may carry thousands separators, spaces, ``\\N`` or be blank -> float (NaN)."""
    import pandas as pd

    s = values.astype(str).str.strip().str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    s = s.mask(s.isin(NULL_TOKENS))
    return pd.to_numeric(s, errors="coerce")


def points_to_bng(
    df: pd.DataFrame,
    path: str | Path,
    report: LoadReport,
    what: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find coordinates in ``df`` and return (x, y, keep) in EPSG:27700.

    Uses latitude/longitude where present and valid, else easting/northing. Rows with no
    usable coordinates are marked ``keep=False`` and counted in ``report`` under
    "missing coordinates" or "coordinates outside Great Britain" (e.g. the Open Pubs
    sentinel ``622675, -5527598`` for a failed geocode).
    """

    def col(aliases: list[str], what_col: str) -> str | None:
        # exact header first; then a longer header naming it ("Easting (BNG)", "Latitude WGS84")
        return (find_column(df, aliases, path, what_col, required=False)
                or find_column(df, aliases[:1], path, what_col, required=False, contains=True))

    lat_c = col(["latitude", "lat", "y_lat"], "latitude")
    lon_c = col(["longitude", "lon", "lng", "long", "x_lon"], "longitude")
    e_c = col(["easting", "eastings", "x", "bng_x", "os_x"], "easting")
    n_c = col(["northing", "northings", "y", "bng_y", "os_y"], "northing")
    if not ((lat_c and lon_c) or (e_c and n_c)):
        shown = ", ".join(repr(c) for c in list(df.columns)[:12])
        raise DataError(
            path,
            f"no coordinate columns in the {what} file (need Latitude+Longitude or Easting+Northing; "
            f"the file has {shown})",
            hint="add 'latitude' and 'longitude' (WGS84) or 'easting' and 'northing' (British National Grid) columns",
            column="latitude",
        )
    n = len(df)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    had_any = np.zeros(n, dtype=bool)
    if lat_c and lon_c:
        lat = to_number(df[lat_c]).to_numpy(float)
        lon = to_number(df[lon_c]).to_numpy(float)
        has = ~(np.isnan(lat) | np.isnan(lon))
        had_any |= has
        ok = has & (lat >= UK_LAT[0]) & (lat <= UK_LAT[1]) & (lon >= UK_LON[0]) & (lon <= UK_LON[1])
        if ok.any():
            t = to_bng(4326)
            x[ok], y[ok] = t.transform(lon[ok], lat[ok])
    if e_c and n_c:
        e = to_number(df[e_c]).to_numpy(float)
        nn = to_number(df[n_c]).to_numpy(float)
        has = ~(np.isnan(e) | np.isnan(nn))
        had_any |= has
        ok = has & np.isnan(x) & (e >= BNG_X[0]) & (e <= BNG_X[1]) & (nn >= BNG_Y[0]) & (nn <= BNG_Y[1])
        x[ok], y[ok] = e[ok], nn[ok]
    keep = ~np.isnan(x)
    report.drop("missing coordinates", int((~had_any).sum()))
    report.drop("coordinates outside Great Britain", int((had_any & ~keep).sum()))
    return x, y, keep
