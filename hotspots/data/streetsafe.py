"""StreetSafe reports: places where people feel unsafe, and why.

StreetSafe (police.uk) lets anyone drop a pin where they feel unsafe and tick reasons
(badly lit, isolated, being followed, harassed...). Most victims never report a crime, so
these pins show fear where recorded crime may be silent; patrols and Safer Streets bids use
them next to crime. There is no public export: forces receive the reports as spreadsheets
whose headers vary, so this reader takes column aliases and two shapes of reasons:

* one text column of labels separated by ``;`` (or ``,`` / ``|``), spelt loosely
  ("badly-lit", "Poor lighting", "CCTV", "followed");
* one yes/no column per reason (1/0, true/false, yes/no, x).

Every reason becomes one of twelve canonical slugs (:data:`REASONS`); text that matches none
is kept as ``other_environmental`` (``other_harassment`` if it mentions harassment) and counted.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._tables import find_column, normalise, points_to_bng, read_table
from .errors import DataError
from .report import LoadReport

__all__ = [
    "read_streetsafe",
    "parse_reasons",
    "parse_months",
    "REASONS",
    "ENVIRONMENTAL",
    "BEHAVIOURAL",
]

ENVIRONMENTAL = ("no_cctv", "badly_lit", "isolated", "poor_layout", "restricted_visibility",
                 "rundown", "drugs_alcohol", "other_environmental")
BEHAVIOURAL = ("harassed_one", "harassed_group", "followed", "other_harassment")
#: Canonical reason slug -> the label StreetSafe shows, in canonical order.
REASONS: dict[str, str] = {
    "no_cctv": "No CCTV",
    "badly_lit": "Badly lit",
    "isolated": "Empty or isolated",
    "poor_layout": "Poor layout",
    "restricted_visibility": "Restricted visibility",
    "rundown": "Rundown area",
    "drugs_alcohol": "Drugs or alcohol",
    "other_environmental": "Other (environmental)",
    "harassed_one": "Harassed by one person",
    "harassed_group": "Harassed by a group",
    "followed": "Being followed",
    "other_harassment": "Other harassment",
}

# Spellings seen in force spreadsheets, compared after normalise() ("&" read as "and").
_ALIASES: dict[str, tuple[str, ...]] = {
    "no_cctv": ("cctv", "nocctv", "lackofcctv", "nocameras", "nocctvcameras"),
    "badly_lit": ("badlylit", "poorlighting", "poorlylit", "badlighting", "nolighting", "lighting",
                  "streetlighting", "dark", "unlit", "poorstreetlighting"),
    "isolated": ("emptyorisolated", "isolated", "empty", "emptyisolated", "isolatedarea", "deserted",
                 "secluded"),
    "poor_layout": ("poorlayout", "layout", "badlayout"),
    "restricted_visibility": ("restrictedvisibility", "poorvisibility", "visibility",
                              "limitedvisibility"),
    "rundown": ("rundownarea", "rundown", "derelict", "neglected"),
    "drugs_alcohol": ("drugsoralcohol", "drugsandalcohol", "drugsalcohol", "alcoholordrugs",
                      "drugs", "alcohol", "druguse", "drinking"),
    "other_environmental": ("otherenvironmental", "other", "otherenvironment"),
    "harassed_one": ("harassedbyoneperson", "harassedone", "harassedbyone", "harassedbyaperson",
                     "harassedbysomeone", "harassedbyanindividual", "harassmentbyoneperson",
                     "harassmentbyanindividual"),
    "harassed_group": ("harassedbyagroup", "harassedgroup", "harassedbygroup",
                       "harassedbyagroupofpeople", "harassmentbyagroup", "groupharassment"),
    "followed": ("beingfollowed", "followed", "wasfollowed", "befollowed"),
    "other_harassment": ("otherharassment", "harassment", "harassed"),
}
_LOOKUP = {normalise(slug): slug for slug in REASONS}
_LOOKUP.update({normalise(label): slug for slug, label in REASONS.items()})
_LOOKUP.update({alias: slug for slug, aliases in _ALIASES.items() for alias in aliases})
# Looser keyword rules for free-ish text, tried in order after the exact spellings.
_KEYWORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), slug) for p, slug in (
        (r"harass\w*.*\bgroup|\bgroup\b.*harass|\bgang\b", "harassed_group"),
        (r"follow", "followed"),
        (r"cctv|camera", "no_cctv"),
        (r"\b(badly |poorly |un)?lit\b|lighting|\blights?\b|\bdark", "badly_lit"),
        (r"isolat|deserted|secluded", "isolated"),
        (r"layout", "poor_layout"),
        (r"visib|overgrown|blind spot", "restricted_visibility"),
        (r"run[\s-]?down|derelict|neglect", "rundown"),
        (r"drug|alcohol|drunk|drinking", "drugs_alcohol"),
        (r"harass\w*.*\b(one|single|individual|a person|someone)\b", "harassed_one"),
    )
)
_SPLIT = re.compile(r"[;,|\n]+")
_TRUE = {"1", "true", "t", "yes", "y", "x", "✓", "✔", "ticked", "checked"}
_FALSE = {"", "0", "false", "f", "no", "n", "nan", "none", "\\n", "null", "-"}

ID_ALIASES = ["id", "report_id", "reportid", "reference", "ref", "streetsafe_id", "case_id", "objectid"]
DATE_ALIASES = ["date", "month", "report_date", "date_reported", "reported", "reported_date",
                "created", "created_at", "created_date", "submitted", "submitted_at", "timestamp",
                "datetime", "date_time", "when"]
REASON_ALIASES = ["reasons", "reason", "reasons_selected", "why_unsafe", "why", "concerns", "concern",
                  "categories", "category", "issues", "tags"]
COMMENT_ALIASES = ["comment", "comments", "description", "details", "free_text", "freetext",
                   "notes", "note", "text", "what_happened", "additional_information"]


def _slug_for(token: str) -> tuple[str | None, bool]:
    """(slug, exact) for one reason label; slug None when nothing matches."""
    key = normalise(token.replace("&", " and "))
    if not key:
        return None, True
    if key in _LOOKUP:
        return _LOOKUP[key], True
    low = " ".join(re.sub(r"[^0-9a-z]+", " ", token.lower()).split())
    for pattern, slug in _KEYWORDS:
        if pattern.search(low):
            return slug, False
    return None, False


def parse_reasons(text: str) -> tuple[list[str], list[str]]:
    """Split one reasons cell into canonical slugs; return (slugs, unknown raw tokens).

    Unknown tokens still yield a slug: ``other_harassment`` when they mention harassment,
    else ``other_environmental``, so no concern is lost.
    """
    slugs: set[str] = set()
    unknown: list[str] = []
    for raw in _SPLIT.split(str(text)):
        token = raw.strip().strip("\"'[]()").strip()
        if not token or token.lower() in _FALSE - {"no"}:
            continue
        slug, _ = _slug_for(token)
        if slug is None:
            unknown.append(token)
            slug = "other_harassment" if "harass" in token.lower() else "other_environmental"
        slugs.add(slug)
    return [s for s in REASONS if s in slugs], unknown


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T].*)?$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def _month_of(value: str) -> str:
    """'YYYY-MM' for one date cell, or '' when it cannot be read."""
    s = str(value).strip()
    if not s or s.lower() in _FALSE:
        return ""
    year = month = None
    if m := _ISO.match(s):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := _DMY.match(s):  # UK order: day/month/year
        year, month = int(m.group(3)), int(m.group(2))
    elif m := _MY.match(s):
        year, month = int(m.group(2)), int(m.group(1))
    elif _SERIAL.match(s):  # an Excel date serial that lost its format in a CSV
        day = float(s)
        if 20_000 <= day <= 80_000:
            ts = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(day))
            year, month = ts.year, ts.month
    else:
        try:
            with warnings.catch_warnings():  # pandas warns when it guesses a format
                warnings.simplefilter("ignore")
                ts = pd.to_datetime(s, dayfirst=True)
            year, month = ts.year, ts.month
        except (ValueError, TypeError, OverflowError):
            return ""
    if year is None or month is None or not (1 <= month <= 12 and 1990 <= year <= 2100):
        return ""
    return f"{year:04d}-{month:02d}"


def parse_months(values: pd.Series) -> pd.Series:
    """Dates in any common form (ISO, dd/mm/yyyy, 'YYYY-MM', Excel serial) -> 'YYYY-MM' or ''."""
    text = values.fillna("").astype(str)
    uniques = {v: _month_of(v) for v in text.unique()}
    return text.map(uniques).astype(object)


def _flag(values: pd.Series, column: str, report: LoadReport) -> np.ndarray:
    """A yes/no column -> bool; anything unrecognised counts as 'no' and is reported."""
    text = values.fillna("").astype(str).str.strip().str.lower()
    num = pd.to_numeric(text, errors="coerce")
    true = text.isin(_TRUE) | (num.notna() & (num != 0))
    odd = ~(true | text.isin(_FALSE) | num.notna())
    if odd.any():
        report.warn(f"column '{column}': {int(odd.sum())} value(s) not read as yes/no "
                    f"(e.g. {values[odd].iloc[0]!r}); treated as no")
    return true.to_numpy()


def _flag_columns(df: pd.DataFrame, skip: set[str]) -> dict[str, str]:
    """Columns that are one reason each (``badly_lit``, ``Badly lit``, ``reason_no_cctv``)."""
    found: dict[str, str] = {}
    for col in df.columns:
        if col in skip:
            continue
        key = normalise(col)
        slug = _LOOKUP.get(key) or _LOOKUP.get(key.removeprefix("reasons").removeprefix("reason"))
        if slug and slug not in found:
            found[slug] = col
    return found


def read_streetsafe(path: str | Path) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read StreetSafe reports into points with canonical reasons.

    Parameters
    ----------
    path : CSV or XLSX with coordinates (lat/lon or easting/northing), a date or month, and
        reasons (one text column or one yes/no column per reason); id and comment optional

    Returns
    -------
    reports : GeoDataFrame with ``report_id``, ``month`` ("YYYY-MM" or "" when unreadable),
        ``reasons`` (";"-joined slugs in canonical order), ``reason_<slug>`` bools for every
        slug in :data:`REASONS`, ``comment`` and Point ``geometry`` in EPSG:27700
    report : LoadReport; ``info["reason_counts"]`` (slug -> reports), ``info["unknown_reasons"]``
        ({"count", "examples"}), ``info["unparseable_dates"]``

    Raises
    ------
    DataError
        Missing, empty or header-only file, no coordinate or reasons column, non-UTF-8 text.
    """
    path = Path(path)
    report = LoadReport.for_path(path, "streetsafe")
    df = read_table(path, "StreetSafe", header_hint=["latitude", "easting", "reason", "date"],
                    report=report)
    report.files = [str(path)]
    report.rows_read = len(df)

    id_c = find_column(df, ID_ALIASES, path, "report id", required=False)
    date_c = find_column(df, DATE_ALIASES, path, "date", required=False)
    reason_c = find_column(df, REASON_ALIASES, path, "reasons", required=False)
    comment_c = find_column(df, COMMENT_ALIASES, path, "comment", required=False)
    flags = _flag_columns(df, {c for c in (id_c, date_c, reason_c, comment_c) if c})
    if reason_c is None and not flags:
        shown = ", ".join(repr(c) for c in df.columns[:15])
        raise DataError(path, f"no reasons column (the file has {shown})",
                        hint="name the column 'reasons' (labels separated by ';'), or give one "
                             "yes/no column per reason such as 'badly_lit'", column="reasons")

    # Ids before dropping rows, so a generated id names the same row whatever is dropped.
    generated = pd.Series([f"SS{i:06d}" for i in range(1, len(df) + 1)], index=df.index)
    if id_c is None:
        ids = generated
    else:
        ids = df[id_c].astype(str).str.strip()
        blank = ids.isin(["", "\\N", "nan"])
        ids = ids.mask(blank, generated)
        if blank.any():
            report.info["generated_ids"] = int(blank.sum())
        if ids.duplicated().any():
            report.warn(f"{int(ids.duplicated().sum())} report id(s) repeat in '{id_c}'; rows kept")

    x, y, ok = points_to_bng(df, path, report, "StreetSafe")
    if not ok.any():
        raise DataError(path, f"no report has a usable location ({report.summary_line()})",
                        hint="check the coordinate columns (latitude/longitude in WGS84 or "
                             "easting/northing in British National Grid)")
    sub = df[ok].reset_index(drop=True)
    n = len(sub)

    if date_c is None:
        months = pd.Series([""] * n, dtype=object)
        report.warn("no date or month column; reports kept with an empty month")
    else:
        months = parse_months(sub[date_c])
        raw = sub[date_c].astype(str).str.strip()
        bad = (months == "") & ~raw.str.lower().isin(_FALSE)
        blank = (months == "") & ~bad
        report.info["unparseable_dates"] = int(bad.sum())
        if bad.any():
            report.warn(f"{int(bad.sum())} report(s) had a date that could not be read "
                        f"(e.g. {raw[bad].iloc[0]!r}); kept with an empty month")
        if blank.any():
            report.warn(f"{int(blank.sum())} report(s) had no date; kept with an empty month")

    chosen = np.zeros((n, len(REASONS)), dtype=bool)
    order = {slug: i for i, slug in enumerate(REASONS)}
    unknown: list[str] = []
    if reason_c is not None:
        for row, cell in enumerate(sub[reason_c].astype(str)):
            slugs, odd = parse_reasons(cell)
            unknown.extend(odd)
            for slug in slugs:
                chosen[row, order[slug]] = True
    for slug, col in flags.items():
        chosen[:, order[slug]] |= _flag(sub[col], col, report)
    if unknown:
        examples = list(dict.fromkeys(unknown))[:10]
        report.warn(f"{len(unknown)} reason(s) were not recognised and kept as 'Other' "
                    f"(e.g. {', '.join(repr(e) for e in examples[:3])})")
    report.info["unknown_reasons"] = {"count": len(unknown), "examples": list(dict.fromkeys(unknown))[:10]}

    slugs = list(REASONS)
    joined = [";".join(s for s, on in zip(slugs, row, strict=True) if on) for row in chosen]
    data: dict[str, object] = {
        "report_id": ids[ok].to_numpy(dtype=object),
        "month": months.to_numpy(dtype=object),
        "reasons": np.asarray(joined, dtype=object),
    }
    for i, slug in enumerate(slugs):
        data[f"reason_{slug}"] = chosen[:, i]
    if comment_c:
        comment = sub[comment_c].fillna("").astype(str).str.strip()
        data["comment"] = comment.mask(comment == "\\N", "").to_numpy(dtype=object)
    else:
        data["comment"] = np.full(n, "", dtype=object)
    out = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x[ok], y[ok]), crs=27700)

    report.rows_kept = len(out)
    report.info.update({
        "reports": len(out),
        "reason_counts": {slug: int(chosen[:, i].sum()) for i, slug in enumerate(slugs)},
        "no_reason": int((~chosen.any(axis=1)).sum()),
        "reason_source": ("text column" if reason_c else "") + (" + " if reason_c and flags else "")
                         + ("yes/no columns" if flags else ""),
        "columns": {"id": id_c, "date": date_c, "reasons": reason_c, "comment": comment_c,
                    "flags": dict(flags)},
    })
    report.check_balance()
    return out, report


