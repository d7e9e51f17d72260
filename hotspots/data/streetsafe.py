"""StreetSafe reports: places where people feel unsafe, and why.

StreetSafe (police.uk) lets anyone drop a pin where they feel unsafe and tick reasons
(badly lit, isolated, being followed, harassed...). Most victims never report a crime, so
these pins show fear where recorded crime may be silent; patrols and Safer Streets bids use
them next to crime. There is no public export: forces receive the reports as spreadsheets
whose headers vary, so this reader takes column aliases and two shapes of reasons:

* one text column of labels separated by ``;`` (or ``,`` / ``|``), spelt loosely
  ("badly-lit", "Poor lighting", "CCTV", "followed");
* one yes/no column per reason (1/0, true/false, yes/no, x).

Every reason is mapped to a reason group by the table in
:mod:`hotspots.data.streetsafe_reasons` (shipped as ``hotspots/streetsafe/reasons.csv``, which a
user can extend); a reason the table does not know is kept verbatim as ``"Other: <text>"``,
counted, and warned about, never folded into another group.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._tables import find_column, points_to_bng, read_table
from .errors import DataError
from .report import LoadReport
from .streetsafe_reasons import (
    BEHAVIOURAL,
    ENVIRONMENTAL,
    OTHER_PREFIX,
    REASONS,
    Vocabulary,
    default_vocabulary,
    read_vocabulary,
)

__all__ = [
    "read_streetsafe",
    "parse_reasons",
    "parse_months",
    "REASONS",
    "ENVIRONMENTAL",
    "BEHAVIOURAL",
    "OTHER_PREFIX",
]

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


def parse_reasons(text: str, vocabulary: Vocabulary | None = None) -> tuple[list[str], list[str]]:
    """Split one reasons cell into reason groups; return (reasons, unknown raw tokens).

    ``reasons`` holds the group slugs in canonical order, then one ``"Other: <text>"`` per
    token the vocabulary does not know (kept verbatim, never folded into a group).
    """
    vocab = vocabulary or default_vocabulary()
    slugs: set[str] = set()
    unknown: list[str] = []
    for raw in _SPLIT.split(str(text)):
        token = " ".join(raw.strip().strip("\"'[]()").split())
        if not token or token.lower() in _FALSE - {"no"}:
            continue
        slug, _ = vocab.lookup(token)
        if slug is None:
            if token not in unknown:
                unknown.append(token)
        else:
            slugs.add(slug)
    return [s for s in REASONS if s in slugs] + [OTHER_PREFIX + t for t in unknown], unknown


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


def _flag_columns(df: pd.DataFrame, skip: set[str], vocab: Vocabulary) -> dict[str, str]:
    """Columns that are one reason each (``badly_lit``, ``Badly lit``, ``reason_no_cctv``)."""
    found: dict[str, str] = {}
    for col in df.columns:
        if col in skip:
            continue
        slug = vocab.exact(col)
        if slug and slug not in found:
            found[slug] = col
    return found


def read_streetsafe(path: str | Path, *, reasons_table: str | Path | Vocabulary | None = None
                    ) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read StreetSafe reports into points with canonical reasons.

    Parameters
    ----------
    path : CSV or XLSX with coordinates (lat/lon or easting/northing), a date or month, and
        reasons (one text column or one yes/no column per reason); id and comment optional
    reasons_table : a user's CSV/XLSX (``label,reason``) extending the shipped reason table,
        or a :class:`Vocabulary`; None for the shipped table plus, when present, a
        ``<name>_reasons.csv`` or ``streetsafe_reasons.csv`` beside the reports file

    Returns
    -------
    reports : GeoDataFrame with ``report_id``, ``month`` ("YYYY-MM" or "" when unreadable),
        ``reasons`` (";"-joined slugs in canonical order, then ``"Other: <text>"`` for each
        unrecognised reason, verbatim), ``reason_<slug>`` bools for every slug in
        :data:`REASONS` (an unknown reason sets none of them), ``comment`` and Point
        ``geometry`` in EPSG:27700
    report : LoadReport; ``info["reason_counts"]`` (slug -> reports), ``info["unknown_reasons"]``
        ({"count": reasons, "reports": reports with one, "examples"}), ``info["other_reasons"]``
        ("Other: <text>" -> reports), ``info["unparseable_dates"]``

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
    if reasons_table is None:  # a user's table beside the reports extends the shipped one
        beside = [p for p in (path.with_name(f"{path.stem}_reasons.csv"), path.with_name("streetsafe_reasons.csv"))
                  if p.is_file() and p != path]
        reasons_table = beside[0] if beside else None
    vocab = (reasons_table if isinstance(reasons_table, Vocabulary)
             else read_vocabulary(reasons_table))

    id_c = find_column(df, ID_ALIASES, path, "report id", required=False)
    date_c = find_column(df, DATE_ALIASES, path, "date", required=False)
    reason_c = find_column(df, REASON_ALIASES, path, "reasons", required=False)
    comment_c = find_column(df, COMMENT_ALIASES, path, "comment", required=False)
    flags = _flag_columns(df, {c for c in (id_c, date_c, reason_c, comment_c) if c}, vocab)
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
    others: list[list[str]] = [[] for _ in range(n)]
    if reason_c is not None:
        for row, cell in enumerate(sub[reason_c].astype(str)):
            found, odd = parse_reasons(cell, vocab)
            others[row] = [OTHER_PREFIX + t for t in odd]
            for slug in found[:len(found) - len(odd)]:
                chosen[row, order[slug]] = True
    for slug, col in flags.items():
        chosen[:, order[slug]] |= _flag(sub[col], col, report)
    other_counts: dict[str, int] = {}
    for row in others:
        for label in row:
            other_counts[label] = other_counts.get(label, 0) + 1
    n_unknown = sum(other_counts.values())
    examples = [label.removeprefix(OTHER_PREFIX) for label in other_counts][:10]
    if n_unknown:
        report.warn(f"{n_unknown} StreetSafe reason(s) in {sum(bool(o) for o in others)} report(s) are "
                    f"not in the reason table and are kept as 'Other: <text>' "
                    f"(e.g. {', '.join(repr(e) for e in examples[:3])}); add them to a reasons CSV "
                    f"(label,reason) to group them")
    report.info["unknown_reasons"] = {"count": n_unknown, "reports": sum(bool(o) for o in others),
                                      "examples": examples}
    report.info["other_reasons"] = dict(sorted(other_counts.items(), key=lambda kv: (-kv[1], kv[0])))
    report.info["reason_tables"] = vocab.sources

    slugs = list(REASONS)
    joined = [";".join([s for s, on in zip(slugs, row, strict=True) if on] + other)
              for row, other in zip(chosen, others, strict=True)]
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
        "no_reason": int(sum(not c.any() and not o for c, o in zip(chosen, others, strict=True))),
        "reason_source": ("text column" if reason_c else "") + (" + " if reason_c and flags else "")
                         + ("yes/no columns" if flags else ""),
        "columns": {"id": id_c, "date": date_c, "reasons": reason_c, "comment": comment_c,
                    "flags": dict(flags)},
    })
    report.check_balance()
    return out, report


