"""A force's own records extract (Niche, Athena, Connect ...) as the crime layer.

The extract becomes the same crimes frame the police.uk reader returns (``month``,
``crime_type`` in police.uk's category names, ``location``, ``lsoa_code_csv``, ``x``/``y`` in
EPSG:27700, ``lsoa``), so zones, spots, statistics, emerging hot spots and the backtest run on
it unchanged, plus what police.uk cannot give:

- ``t_from``/``t_to``: committed-from and -to as whole minutes since Monday 1969-12-29 00:00,
  ``t_to`` exclusive (``t_to = t_from + 1`` for a crime known to the minute); see
  :mod:`hotspots.when.aoristic` for how they become a day-by-hour profile;
- ``offence_code`` (normalised Home Office code) and, with a harm table, ``harm_w`` (the
  crime's own harm weight, used instead of its category's weight).

``location`` is the record's location reduced to "On or near <street>" (:func:`street_of`):
house numbers, flats and postcodes of a records system's addresses never enter the frame, so
no map, card or publication set can show them; the exact point is used only as coordinates.

Times (Ratcliffe 2002's aoristic convention, made explicit): a missing start time means the
whole start day; a missing end means the start (a point in time, or the whole day when the
start time is missing too); an end date without a time means the end of that day; an end time
without a date is on the start date, or the next day when it is earlier than the start time
(22:00 to 02:00). An end written to the minute is included (22:00 to 02:00 covers the 241 minutes
22:00 ... 02:00). An end before the start is dropped and counted, never swapped.

Accounting (each row in exactly one bucket): kept; "no location"; "coordinates outside Great
Britain"; "no start date"; "impossible date" (a start or end that is not a date or time, e.g.
31/02/2021 or 25:70); "end before start"; "unknown offence" (neither the code nor the offence
text names a police.uk category); "duplicate crime id" (the first row of an id is kept: an
extract often holds a row per victim or per offence of one crime); "outside every LSOA".
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..categories import CATEGORIES
from ._tables import BNG_X, BNG_Y, UK_LAT, UK_LON, read_table, to_bng, to_number
from .errors import DataError
from .extract_columns import (
    ColumnMap,
    check_mapping_columns,
    detect_columns,
    merge_mapping,
    read_mapping,
)
from .extract_dates import MISSING, parse_dates, parse_times
from .offence_codes import CODE_LIST_SOURCE, NO_TABLE_SOURCE, HarmTable, categories_for
from .report import LoadReport

__all__ = ["read_extract", "load_extract_table", "resolve_columns", "peek_columns", "street_of", "REASONS"]

REASONS = ("no location", "coordinates outside Great Britain", "no start date", "impossible date",
           "end before start", "unknown offence", "duplicate crime id", "outside every LSOA")
DAY = 1440


def load_extract_table(path: str | Path, report: LoadReport | None = None) -> pd.DataFrame:
    """The extract's rows as text (CSV or XLSX; see :func:`hotspots.data._tables.read_table`)."""
    hints = ["date", "offence", "easting", "northing", "from", "code", "location"]
    return read_table(path, "records extract", header_hint=hints, report=report)


def resolve_columns(columns: list[str], mapping: str | Path | ColumnMap | None, path: str | Path) -> ColumnMap:
    """Detected columns, overridden by the mapping; refuses a mapping naming absent columns and
    an extract lacking a start date, a location or an offence (naming the mapping keys)."""
    given = mapping if isinstance(mapping, ColumnMap) else read_mapping(mapping) if mapping else ColumnMap()
    if given is not None:
        check_mapping_columns(given, columns, mapping if not isinstance(mapping, ColumnMap) else path)
    cm = merge_mapping(detect_columns(columns), given)
    missing = cm.missing()
    if missing:
        shown = ", ".join(repr(c) for c in columns[:14])
        raise DataError(path, f"cannot tell which column holds {' and '.join(missing)} (the extract has {shown})",
                        hint="give a column mapping with --columns MAPPING.json, e.g. "
                             '{"from_date": "Committed From Date", "x": "Easting", "y": "Northing", '
                             '"offence_code": "HO Code"}', setting="crimes")
    return cm


def _coords(df: pd.DataFrame, cm: ColumnMap, path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y in EPSG:27700; rows with no coordinates; rows whose coordinates are not in GB."""
    n = len(df)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if cm.x and cm.y:
        a = to_number(df[cm.x]).to_numpy(float)
        b = to_number(df[cm.y]).to_numpy(float)
        crs = (cm.crs or "EPSG:27700").strip()
        none = ~np.isfinite(a) | ~np.isfinite(b) | ((a == 0) & (b == 0))
        if crs.upper().replace(" ", "") in ("EPSG:27700", "27700", "BNG", "OSGB36"):
            x, y = a, b
        else:
            try:
                t = to_bng(crs)
            except Exception as exc:  # pyproj's CRSError and friends
                raise DataError(path, f"unknown coordinate reference system '{crs}' ({exc})",
                                hint='write the crs as an EPSG code, e.g. "EPSG:27700" or "EPSG:4326"',
                                setting="crimes") from None
            ok = ~none
            x[ok], y[ok] = t.transform(a[ok], b[ok])
    else:
        lat = to_number(df[cm.lat]).to_numpy(float)  # type: ignore[index]
        lon = to_number(df[cm.lon]).to_numpy(float)  # type: ignore[index]
        none = ~np.isfinite(lat) | ~np.isfinite(lon) | ((lat == 0) & (lon == 0))
        ok = ~none & (lat >= UK_LAT[0]) & (lat <= UK_LAT[1]) & (lon >= UK_LON[0]) & (lon <= UK_LON[1])
        if ok.any():
            x[ok], y[ok] = to_bng(4326).transform(lon[ok], lat[ok])
    inside = (x >= BNG_X[0]) & (x <= BNG_X[1]) & (y >= BNG_Y[0]) & (y <= BNG_Y[1])
    outside = ~none & ~inside
    return x, y, none, outside


def _times(df: pd.DataFrame, cm: ColumnMap) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
    """t_from, t_to (exclusive), no-start rows, impossible rows, and what was read (formats)."""
    n = len(df)
    info: dict = {}
    fmt = cm.date_format
    if cm.from_:
        start, s_blank, s_bad, f = parse_dates(df[cm.from_], fmt, with_time=True)
        has_time = np.ones(n, dtype=bool)  # a date-time column: midnight is a time
        info["from_format"] = f
    else:
        day, s_blank, s_bad, f = parse_dates(df[cm.from_date], fmt)  # type: ignore[index]
        info["from_date_format"] = f
        start = day.copy()
        has_time = np.zeros(n, dtype=bool)
        if cm.from_time:
            tm, t_blank, t_bad = parse_times(df[cm.from_time])
            s_bad |= t_bad & ~s_blank
            has_time = ~t_blank & ~t_bad
            ok = has_time & (day != MISSING)
            start[ok] = day[ok] + tm[ok]
    end = np.full(n, MISSING, dtype=np.int64)
    e_bad = np.zeros(n, dtype=bool)
    if cm.to:
        e, e_blank, e_bad, f = parse_dates(df[cm.to], fmt, with_time=True)
        info["to_format"] = f
        ok = ~e_blank & ~e_bad
        end[ok] = e[ok] + 1
    elif cm.to_date or cm.to_time:
        d_blank = np.ones(n, dtype=bool)
        d = np.full(n, MISSING, dtype=np.int64)
        if cm.to_date:
            d, d_blank, d_bad, f = parse_dates(df[cm.to_date], fmt)
            info["to_date_format"] = f
            e_bad |= d_bad
        tm_ok = np.zeros(n, dtype=bool)
        tm = np.zeros(n, dtype=np.int64)
        if cm.to_time:
            tm, t_blank, t_bad = parse_times(df[cm.to_time])
            e_bad |= t_bad
            tm_ok = ~t_blank & ~t_bad
        dated = ~d_blank & (d != MISSING)
        both = dated & tm_ok
        end[both] = d[both] + tm[both] + 1
        day_only = dated & ~tm_ok  # an end date without a time: to the end of that day
        end[day_only] = d[day_only] + DAY
        time_only = ~dated & tm_ok & (start != MISSING)  # on the start day, or the next when earlier
        if time_only.any():
            sday = start[time_only] - np.mod(start[time_only], DAY)
            e = sday + tm[time_only] + 1
            e = np.where(e <= start[time_only], e + DAY, e)
            end[time_only] = e
    s_ok = start != MISSING
    no_end = end == MISSING
    whole_day = s_ok & ~has_time
    point = s_ok & has_time
    end[no_end & point] = start[no_end & point] + 1
    end[no_end & whole_day] = start[no_end & whole_day] + DAY
    bad = (s_bad | e_bad) & ~s_blank
    return start, end, s_blank, bad, info


_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_PREMISES = re.compile(r"^(?:(?:flat|apartment|apt|unit|room|house|no\.?)\s*[\w/-]+\s*,?\s*)+", re.IGNORECASE)
_NUMBER = re.compile(r"^(?:[\d/-]+[a-z]?\b[\s,-]*)+", re.IGNORECASE)


def street_of(values: np.ndarray) -> np.ndarray:
    """A records system's location text reduced to "On or near <street>", as police.uk writes it.

    Record locations are addresses ("Flat 2, 14 Acacia Avenue, Demoton, DT1 2AB"): the street names
    a patrol place well, while house numbers, flats and postcodes point at a victim's home, so
    they never enter the crimes frame (and so no map, briefing or publication can show them).
    Each distinct text is reduced once.
    """
    inv, uniq = pd.factorize(np.asarray(values, dtype=object).astype(str))
    out = []
    for text in uniq:
        t = _POSTCODE.sub("", text.strip())
        street = ""
        for part in (p.strip() for p in t.split(",")):
            part = _NUMBER.sub("", _PREMISES.sub("", part)).strip()
            if re.search(r"[A-Za-z]{3}", part) and part.lower() not in ("nan", "none", "null", "unknown"):
                street = part
                break
        if street.lower().startswith("on or near "):
            street = street[11:]
        out.append(f"On or near {street}" if street else "")
    return np.array(out, dtype=object)[inv]


def read_extract(path: str | Path, boundaries, *, columns: str | Path | ColumnMap | None = None,  # noqa: ANN001
                 harm_table: HarmTable | None = None) -> tuple[pd.DataFrame, LoadReport]:
    """Read a records extract and place each crime in an LSOA of ``boundaries``.

    Returns the crimes frame (see the module doc) and a LoadReport whose ``info`` says which
    columns and date formats were used, how offences were matched and which harm applies.
    """
    from ..units.placement import assign_lsoa

    path = Path(path)
    report = LoadReport(source=str(path), kind="crimes (records extract)", files=[str(path)])
    df = load_extract_table(path, report)
    cm = resolve_columns(list(df.columns), columns, path)
    n = len(df)
    report.rows_read = n
    keep = np.ones(n, dtype=bool)

    def drop(reason: str, rows: np.ndarray) -> None:
        nonlocal keep
        hit = keep & rows
        report.drop(reason, int(hit.sum()))
        keep &= ~hit

    x, y, none, outside = _coords(df, cm, path)
    drop("no location", none)
    drop("coordinates outside Great Britain", outside)
    start, end, s_blank, bad, formats = _times(df, cm)
    drop("no start date", s_blank)
    drop("impossible date", bad | (start == MISSING))
    drop("end before start", end <= start)
    codes = df[cm.offence_code] if cm.offence_code else None
    texts = df[cm.offence] if cm.offence else None
    cat, keys, how = categories_for(codes, texts)
    drop("unknown offence", cat == "")
    if cm.id:
        ids = df[cm.id].astype(str).str.strip()
        has_id = ~ids.str.lower().isin(["", "nan", "none", "null"]).to_numpy()
        dup = np.zeros(n, dtype=bool)
        sel = keep & has_id
        dup[sel] = ids[sel].duplicated(keep="first").to_numpy()
        drop("duplicate crime id", dup)
    idx = np.flatnonzero(keep)
    lsoa = np.full(n, -1, dtype=np.int64)
    if len(idx):
        lsoa[idx] = assign_lsoa(x[idx], y[idx], boundaries.geometry.values)
    drop("outside every LSOA", lsoa < 0)
    rows = np.flatnonzero(keep)
    if not len(rows):
        worst = max(report.dropped.items(), key=lambda kv: kv[1]) if report.dropped else ("", 0)
        raise DataError(path, f"none of the {n:,} rows of the extract could be used (most: {worst[1]:,} {worst[0]})",
                        hint="check the column mapping (--columns), the date format and that the boundaries "
                             "cover the force area", setting="crimes")
    months = (start[rows] + np.datetime64("1969-12-29", "m")).astype("datetime64[M]").astype(str)
    location = (street_of(df[cm.location].to_numpy()[rows]) if cm.location
                else np.full(len(rows), "", dtype=object))
    out = pd.DataFrame({
        "month": pd.Categorical(months),
        "crime_type": pd.Categorical(cat[rows], categories=[c for c in CATEGORIES if c in set(cat[rows])]),
        "location": pd.Categorical(location),
        "lsoa_code_csv": pd.Categorical(np.full(len(rows), "", dtype=object)),
        "x": x[rows].astype(float),
        "y": y[rows].astype(float),
        "lsoa": lsoa[rows].astype(np.int32),
        "t_from": start[rows],
        "t_to": end[rows],
        "offence_code": pd.Categorical(keys[rows]),
    })
    harm_source = NO_TABLE_SOURCE
    filled = 0
    if harm_table is not None:
        w, filled = harm_table.per_row(keys[rows], cat[rows])
        out["harm_w"] = w
        harm_source = harm_table.source
        if filled:
            report.warn(f"{filled:,} kept crimes have offence codes the harm table does not list: each takes the "
                        "mean weight of the table's codes in its police.uk category")
    report.rows_kept = len(rows)
    report.check_balance()
    hows = pd.Series(how[rows]).value_counts()
    report.info.update({
        "format": "records extract",
        "columns": cm.to_dict(),
        "date_formats": formats,
        "months": sorted(set(months)),
        "crime_types": {str(k): int(v) for k, v in out["crime_type"].value_counts().items() if v},
        "offence_matched_by": {str(k): int(v) for k, v in hows.items()},
        "offence_code_list": CODE_LIST_SOURCE,
        "harm_source": harm_source,
        "harm_codes_filled": filled,
        "exact_coordinates": True,
    })
    return out, report


def peek_columns(path: str | Path) -> list[str]:
    """The extract's header cells without reading its rows (the app's mapping dialog)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "records extract not found", hint="check the path", setting="crimes")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:  # the first row of each sheet only (pandas reads the workbook read-only)
            sheets = pd.read_excel(path, sheet_name=None, header=None, nrows=1, dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise DataError(path, f"cannot open the workbook ({exc})",
                            hint="open it in Excel and save it again as .xlsx") from None
        for frame in sheets.values():
            cells = [str(c).strip() for c in (frame.iloc[0] if len(frame) else []) if pd.notna(c) and str(c).strip()]
            if cells:
                return cells
        raise DataError(path, "every sheet in the workbook is empty", hint="export the extract again")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            head = pd.read_csv(path, nrows=5, dtype=str, sep=None, engine="python", encoding=enc)
            return [str(c).strip() for c in head.columns]
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
            raise DataError(path, f"cannot read the extract's header ({exc})",
                            hint="save the extract as CSV UTF-8 or XLSX") from None
    raise DataError(path, "the extract is neither UTF-8 nor Windows text", hint="save it as CSV UTF-8")
