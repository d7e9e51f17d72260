"""Data-quality flags for police.uk snap-point labels.

police.uk publishes every crime at the nearest of a fixed set of anonymous *map points*, each
labelled "On or near <name>" (police.uk, "About the data: anonymisation"). Most names are
streets; some are *places* (a car park, a supermarket, a hospital) whose label is a category,
not a name, and some are police stations and prisons.

Two rules follow (issue 10):

- **Police stations and prisons are left out of patrol spots.** Crimes recorded "at" a custody
  suite or a prison (assaults on officers, offences by detainees, crimes reported at the front
  desk) are real, but a patrol outside the station prevents none of them. They stay in every
  count, table and statistic except the ranking of patrol spots, and how many were left out,
  at which labels, is reported. Kent 2021 holds ~2,200 such crimes ("Police Station" 769,
  "Prison" 411, "Medway Police Station" 313, "Margate Police Station/Odell House" 216, ...).
- **Placeholder labels are places, not streets.** "Parking Area" or "Supermarket" (Kent 2021:
  6,782 and 6,631 crimes, the two busiest labels) name no street a patrol can find; they are
  shown as a place ("a parking area") and never chosen as a spot's street name while a real
  street is at hand.

The lists were built from the Location values of the Kent 2021 street files (12,531 distinct
labels) and police.uk's map-point categories; a label with a slash between two capitalised
words ("Theme/Adventure Park") is police.uk's category style and is treated as a placeholder
too, so other forces' categories are caught.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["PLACEHOLDERS", "KINDS", "SnapExclusions", "strip_prefix", "strip_prefixes", "label_kind", "label_kinds",
           "excluded_crimes", "place_text", "names_and_kinds"]

#: police.uk map-point categories that are places, not streets (after "On or near ")
PLACEHOLDERS = frozenset({
    "Airport/Airfield", "Bus/Coach Station", "Conference/Exhibition Centre",
    "Further/Higher Educational Building", "Hospital", "Motorway Service Area", "Nightclub",
    "Park/Open Space", "Parking Area", "Pedestrian Subway", "Petrol Station", "Shopping Area",
    "Sports/Recreation Area", "Supermarket", "Theatre/Concert Hall", "Theme/Adventure Park",
})
#: what a label is: a street, a place (placeholder), a police station or prison, or nothing
KINDS = ("street", "place", "police_station", "prison", "none")

_PREFIX = re.compile(r"^\s*On or near\s+", re.IGNORECASE)
_STREET_END = re.compile(r"\b(Road|Street|Lane|Avenue|Close|Way|Drive|Hill|Place|Gardens|Court|Crescent|"
                         r"Grove|Terrace|Walk|Rise|Row|Square|Parade|Mews|Approach)$", re.IGNORECASE)
_POLICE = re.compile(r"\bPolice\s+(Station|Office|Headquarters|HQ)\b", re.IGNORECASE)
_PRISON = re.compile(r"\b(Prison|HMP|HM Prison|Young Offender Institution|Immigration Removal Centre)\b",
                     re.IGNORECASE)
_CATEGORY = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+)*/[A-Z][a-z]+(?: [A-Z][a-z]+)*$")


def strip_prefix(label: object) -> str:
    """The name after police.uk's "On or near " ("" for a missing label)."""
    if label is None or (isinstance(label, float) and label != label):
        return ""
    return _PREFIX.sub("", str(label)).strip()


def label_kind(label: object) -> str:
    """One of :data:`KINDS` for a police.uk ``Location`` value.

    "Police Station Road" is a street (a street-type word ends it); "Margate Police
    Station/Odell House" is a police station.
    """
    name = strip_prefix(label)
    if not name or name.lower() in ("no location", "no location found"):
        return "none"
    street_like = bool(_STREET_END.search(name))
    if _POLICE.search(name) and not street_like:
        return "police_station"
    if _PRISON.search(name) and not street_like:
        return "prison"
    if name in PLACEHOLDERS or (_CATEGORY.match(name) and not street_like):
        return "place"
    return "street"


def _categorical(labels: pd.Series | pd.Categorical | np.ndarray) -> pd.Categorical:
    """The labels as a Categorical: a categorical Series' own array, else one built from the values."""
    if isinstance(labels, pd.Series) and isinstance(labels.dtype, pd.CategoricalDtype):
        return labels.array
    return labels if isinstance(labels, pd.Categorical) else pd.Categorical(labels)


def label_kinds(labels: pd.Series | pd.Categorical | np.ndarray) -> np.ndarray:
    """:func:`label_kind` of every label, computed once per distinct label."""
    cat = _categorical(labels)
    kinds = _kinds_of(tuple(str(c) for c in cat.categories))
    return kinds[np.asarray(cat.codes)]  # code -1 (missing) picks the trailing "none"


def strip_prefixes(labels: pd.Series | pd.Categorical | np.ndarray) -> np.ndarray:
    """:func:`strip_prefix` of every label (an object array), computed once per category table:
    a county's 200,000 crimes hold ~12,000 labels, a nation's millions a few hundred thousand,
    and a run asks for the same table's names from several stages."""
    cat = _categorical(labels)
    names = _names_of(tuple(str(c) for c in cat.categories))
    return names[np.asarray(cat.codes)]  # code -1 (missing) picks the trailing ""


def names_and_kinds(table: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`strip_prefix` and :func:`label_kind` of each label of a category table (the
    distinct labels, as strings), each with a trailing entry for a missing label ("" and
    "none"); worked out once per table and shared with :func:`label_kinds` and
    :func:`strip_prefixes`. Read-only arrays."""
    return _names_of(table), _kinds_of(table)


@functools.lru_cache(maxsize=8)
def _kinds_of(labels: tuple[str, ...]) -> np.ndarray:
    """Kinds of a category table, once per table (a county's crimes hold ~25,000 labels)."""
    out = np.array([label_kind(c) for c in labels] + ["none"], dtype=object)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=8)
def _names_of(labels: tuple[str, ...]) -> np.ndarray:
    """Names of a category table without "On or near ", once per table (as :func:`_kinds_of`)."""
    out = np.array([strip_prefix(c) for c in labels] + [""], dtype=object)
    out.flags.writeable = False
    return out


def place_text(name: str) -> str:
    """A placeholder label as a place: "Parking Area" -> "a parking area"."""
    words = name.replace("/", " or ").lower()
    return ("an " if words[:1] in "aeiou" else "a ") + words


@dataclass
class SnapExclusions:
    """Crimes left out of patrol spots because of their snap point (kept in every other count).

    Attributes
    ----------
    mask : True for each *analysed* crime left out (aligned with the crimes table)
    by_kind : crimes left out per kind (``police_station``, ``prison``), among the analysed
    by_label : crimes left out per label (busiest first)
    """

    mask: np.ndarray
    by_kind: dict[str, int] = field(default_factory=dict)
    by_label: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(self.mask.sum())

    def to_dict(self, among: np.ndarray | None = None) -> dict:
        """Counts for the summary (the analysed crimes; ``among`` restricts them further)."""
        return {"rule": "crimes at police-station and prison snap points are left out of patrol spots "
                        "(kept in every other count)",
                "excluded": self.total if among is None else int((self.mask & among).sum()),
                "by_kind": dict(self.by_kind), "by_label": dict(list(self.by_label.items())[:20])}


def excluded_crimes(crimes: pd.DataFrame, mask: np.ndarray | None = None,
                    kinds: tuple[str, ...] = ("police_station", "prison")) -> SnapExclusions:
    """Which of the crimes in ``mask`` (the analysed ones; all by default) sit at police-station or
    prison snap points. The mask, the total and ``by_kind`` all count the same analysed crimes (a
    month-filtered run counted every month in ``excluded`` but the analysed ones by kind, issue 22)."""
    loc = crimes["location"]
    kind = label_kinds(loc)
    out = np.isin(kind, list(kinds))
    sel = out if mask is None else out & np.asarray(mask, bool)
    by_kind = {k: int((sel & (kind == k)).sum()) for k in kinds}
    names = pd.Series(strip_prefixes(loc)[sel])
    by_label = {str(k): int(v) for k, v in names.value_counts().items()}
    return SnapExclusions(mask=sel, by_kind=by_kind, by_label=by_label)
