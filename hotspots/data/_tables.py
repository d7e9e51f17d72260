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

import numpy as np
import pandas as pd

from .errors import DataError
from .report import LoadReport

__all__ = [
    "first_bad_utf8",
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


def _decode(raw: bytes, path: Path) -> str:
    bad = first_bad_utf8(raw)
    if bad is not None:
        line, col, byte = bad
        raise DataError(
            path,
            f"the file is not UTF-8 text (byte 0x{byte:02X} at character {col})",
            hint=SAVE_AS_UTF8,
            row=line,
        )
    text = raw.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def read_table(path: str | Path, what: str, *, header_hint: Iterable[str] = ()) -> pd.DataFrame:
    """Read a CSV or XLSX into a DataFrame of strings (no type guessing; callers convert).

    Parameters
    ----------
    path : CSV, TSV or XLSX file
    what : what the file should hold, for messages ("IMD table", "pubs")
    header_hint : normalised column keys; for XLSX, the sheet whose header holds the most of
        them is read (MHCLG workbooks put a Notes sheet first).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, f"{what} file not found", hint="check the path")
    if path.is_dir():
        raise DataError(path, f"expected a {what} file but this is a folder", hint="pick the file itself")
    if path.stat().st_size == 0:
        raise DataError(path, "the file is empty", hint=f"export the {what} again")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        df = _read_xlsx(path, what, set(header_hint))
    else:
        text = _decode(path.read_bytes(), path)
        if not text.strip():
            raise DataError(path, "the file has no rows", hint=f"export the {what} again")
        first = text.split("\n", 1)[0]
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
            )
        except pd.errors.ParserError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise DataError(
                path,
                f"cannot parse the CSV ({exc})",
                hint="check the quoting and the number of commas on that line",
                row=int(m.group(1)) if m else None,
            ) from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if df.empty:
        raise DataError(path, "the file has a header but no data rows", hint=f"export the {what} again")
    return df


def _read_xlsx(path: Path, what: str, header_hint: set[str]) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataError(path, f"cannot open the workbook ({exc})", hint="open it in Excel and save it again as .xlsx") from None
    best, best_score = None, -1
    for frame in sheets.values():
        if frame.empty:
            continue
        keys = {normalise(c) for c in frame.columns}
        score = sum(any(h in k for k in keys) for h in header_hint) * 1_000_000 + len(frame)
        if score > best_score:
            best, best_score = frame, score
    if best is None:
        raise DataError(path, "every sheet in the workbook is empty", hint=f"export the {what} again")
    return best.fillna("")


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
    from pyproj import Transformer

    lat_c = find_column(df, ["latitude", "lat", "y_lat"], path, "latitude", required=False)
    lon_c = find_column(df, ["longitude", "lon", "lng", "long", "x_lon"], path, "longitude", required=False)
    e_c = find_column(df, ["easting", "eastings", "x", "bng_x", "os_x"], path, "easting", required=False)
    n_c = find_column(df, ["northing", "northings", "y", "bng_y", "os_y"], path, "northing", required=False)
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
            t = Transformer.from_crs(4326, 27700, always_xy=True)
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
