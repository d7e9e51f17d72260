"""StreetSafe's reason vocabulary: the words people tick, mapped to reason groups by a table.

Why a table: force spreadsheets spell StreetSafe's options loosely, and officers meet new
words ("Catcalled", "Wolf whistled") that a hard-coded list files in the wrong place. The
mapping is the CSV ``hotspots/streetsafe/reasons.csv`` (columns ``label,reason``) shipped with
the package; a user adds rows with a CSV of the same two columns (``reason`` is a group slug
such as ``verbal_harassment`` or its label "Verbal or sexual harassment").

Rules, in order, for one ticked reason:

1. its spelling (ignoring case, spaces, punctuation; ``&`` read as "and") is in the table;
2. a short list of unambiguous keywords (``follow`` -> being followed, ``cctv`` -> no CCTV);
3. otherwise it is kept verbatim as ``"Other: <text>"`` and counted: never folded into a group,
   so an unknown concern neither inflates another group nor disappears.
"""

from __future__ import annotations

import csv
import io
import re
from importlib import resources
from pathlib import Path

from ._tables import normalise, read_table
from .errors import DataError

__all__ = [
    "REASONS",
    "ENVIRONMENTAL",
    "BEHAVIOURAL",
    "OTHER_PREFIX",
    "Vocabulary",
    "default_vocabulary",
    "read_vocabulary",
]

ENVIRONMENTAL = ("no_cctv", "badly_lit", "isolated", "poor_layout", "restricted_visibility",
                 "rundown", "drugs_alcohol", "other_environmental")
BEHAVIOURAL = ("harassed_one", "harassed_group", "followed", "other_harassment",
               "verbal_harassment", "groups")
#: Reason group slug -> the label shown to users, in canonical order.
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
    "verbal_harassment": "Verbal or sexual harassment",
    "groups": "Groups hanging around",
}
#: Prefix of an unrecognised reason kept verbatim (``"Other: Loud music"``).
OTHER_PREFIX = "Other: "

# Unambiguous keywords for free-ish text, tried in order after the table.
_KEYWORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), slug) for p, slug in (
        (r"harass\w*.*\bgroup|\bgroup\b.*harass|\bgang\b", "harassed_group"),
        (r"follow", "followed"),
        (r"cctv|camera", "no_cctv"),
        (r"\b(badly |poorly |un)?lit\b|lighting|\bstreet ?lights?\b", "badly_lit"),
        (r"isolat|deserted|secluded", "isolated"),
        (r"layout", "poor_layout"),
        (r"visib|overgrown|blind spot", "restricted_visibility"),
        (r"run[\s-]?down|derelict|neglect", "rundown"),
        (r"drug|alcohol|drunk|drinking", "drugs_alcohol"),
        (r"cat ?call|wolf ?whistl|verbal|sexual (comment|remark)", "verbal_harassment"),
        (r"harass\w*.*\b(one|single|individual|a person|someone)\b", "harassed_one"),
    )
)
_SLUG_OF_LABEL = {normalise(v): k for k, v in REASONS.items()} | {normalise(k): k for k in REASONS}


def _key(text: str) -> str:
    return normalise(str(text).replace("&", " and "))


class Vocabulary:
    """Spelling -> reason group, from the shipped table plus any user rows.

    Parameters
    ----------
    table : normalised spelling -> slug
    sources : the files the rows came from, for the load report
    """

    def __init__(self, table: dict[str, str], sources: list[str]) -> None:
        self.table = dict(table)
        self.sources = list(sources)
        for slug in REASONS:  # every slug and label always names itself
            self.table.setdefault(normalise(slug), slug)
            self.table.setdefault(normalise(REASONS[slug]), slug)

    def lookup(self, token: str) -> tuple[str | None, str]:
        """(slug, how) for one ticked reason; how is "table", "keyword" or "unknown"."""
        key = _key(token)
        if not key:
            return None, "empty"
        if key in self.table:
            return self.table[key], "table"
        low = " ".join(re.sub(r"[^0-9a-z]+", " ", str(token).lower()).split())
        for pattern, slug in _KEYWORDS:
            if pattern.search(low):
                return slug, "keyword"
        return None, "unknown"

    def exact(self, text: str) -> str | None:
        """The slug a column header names exactly (for one yes/no column per reason)."""
        key = _key(text)
        return self.table.get(key) or self.table.get(key.removeprefix("reasons").removeprefix("reason"))


def _rows(rows: list[tuple[int, str, str]], source: str) -> dict[str, str]:
    """(line, label, reason) rows -> normalised spelling -> slug; DataError names a bad line."""
    table: dict[str, str] = {}
    for line, label, reason in rows:
        label, reason = str(label).strip(), str(reason).strip()
        if not label and not reason:
            continue
        slug = _SLUG_OF_LABEL.get(_key(reason))
        if not label or slug is None:
            raise DataError(source, f"reason table row {label!r} -> {reason!r} does not name a reason group",
                            hint="use one of " + ", ".join(REASONS), row=line, column="reason")
        table[_key(label)] = slug
    return table


_DEFAULT: Vocabulary | None = None


def default_vocabulary() -> Vocabulary:
    """The shipped table (``hotspots/streetsafe/reasons.csv``), read once."""
    global _DEFAULT
    if _DEFAULT is None:
        ref = resources.files("hotspots.streetsafe").joinpath("reasons.csv")
        reader = csv.DictReader(io.StringIO(ref.read_text(encoding="utf-8")))
        rows = [(i, r["label"], r["reason"]) for i, r in enumerate(reader, start=2)]
        _DEFAULT = Vocabulary(_rows(rows, str(ref)), [str(ref)])
    return _DEFAULT


def read_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """The shipped table extended (and overridden, row by row) by a user's CSV or XLSX.

    Raises
    ------
    DataError
        The user's file lacks ``label``/``reason`` columns, or a row names no reason group
        (the error names the line).
    """
    base = default_vocabulary()
    if path is None:
        return base
    df = read_table(path, "StreetSafe reason table", header_hint=["label", "reason"])
    cols = {normalise(c): c for c in df.columns}
    if "label" not in cols or "reason" not in cols:
        raise DataError(path, f"a reason table needs columns 'label' and 'reason' (it has {list(df.columns)[:6]})",
                        hint="first row: label,reason; then one spelling and its reason group a row")
    first = int(df.attrs.get("first_data_line", 2))
    rows = [(first + i, lab, rea) for i, (lab, rea) in
            enumerate(zip(df[cols["label"]], df[cols["reason"]], strict=True))]
    extra = _rows(rows, str(path))
    return Vocabulary({**base.table, **extra}, base.sources + [str(path)])
