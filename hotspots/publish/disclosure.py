"""Disclosure control for a publication set: the rules, suppression by column role, and the log.

Why by *role* and not by a list of today's columns: every stage adds columns (zones built from
cells, partner places, a force's records extract), and a rule tied to names known today would
let tomorrow's ``force_records`` column through. So every column of a table bound for
publication is given a role from its name (and, for text, its values):

* ``count``: a count of events that happened to people (crimes, StreetSafe reports, force
  records, ``*_count``, ``n_*``); values 1 to ``threshold - 1`` become "fewer than 5". A zero is
  shown (it points to no one); a mapping of counts (``crimes_by_month``) is suppressed value by
  value, and "label (n)" lists in text ("High Street (3)") likewise;
* ``derived``: numbers computed from a count (harm, the analysed value, rates, shares, PAI);
  blanked as "suppressed" where the row's own count is suppressed, since a harm score or a
  share gives the count back;
* ``point``: coordinates of a point (latitude, easting, ``centre_lat`` ...): dropped. A
  publication set shows areas only;
* ``free_text``: what a member of the public or an officer typed (comment, description,
  address, notes, "Other: ..." reasons): dropped;
* ``streetsafe_place``: text holding StreetSafe concern ids (``SS-E575850N155700``), which are
  the 150 m square a report fell in: dropped;
* ``keep``: everything else (codes, names, statistics, classes, premises counts such as pubs).

Sensitive crime types (sexual offences by default, and any the user names) are published only
at LSOA level or coarser: a per-type figure for such a type is dropped from any table finer than
an LSOA, and a study of sensitive types only publishes no patrol spots or cell-built zones.

Every action is written to a :class:`DisclosureLog` (file, field, what was done, how many
cells), which becomes ``disclosure.txt`` and the About sheet, for a reviewer to sign off.
Protective marking of internal outputs (:data:`DEFAULT_MARKING`) lives here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_MARKING", "PUBLIC_MARKING", "DEFAULT_THRESHOLD", "SENSITIVE_PATTERN", "Rules", "DisclosureLog",
           "column_role", "register_role", "suppress_table", "suppress_value", "suppress_mapping",
           "suppress_inline", "marking_of", "rules_of", "public_locations", "ROLES", "STREET_TEXT"]

#: the protective marking line on internal outputs (Government Security Classifications)
DEFAULT_MARKING = "OFFICIAL - SENSITIVE: not for publication"
#: what the title of every file of a publication set says
PUBLIC_MARKING = "For publication: small numbers suppressed (see disclosure.txt)"
#: counts below this are shown as "fewer than 5" (the usual UK convention for public tables)
DEFAULT_THRESHOLD = 5
#: crime types published only at LSOA level or coarser, whatever the user adds
SENSITIVE_PATTERN = re.compile(r"sexual|rape", re.IGNORECASE)

ROLES = ("count", "derived", "point", "free_text", "streetsafe_place", "keep")

#: explicit roles a module can register for its own columns (:func:`register_role`)
_EXPLICIT: dict[str, str] = {
    "pubs": "keep", "pubs_100m": "keep", "population": "keep", "n_cells": "keep", "area_km2": "keep",
    "imd_decile": "keep", "imd_decile_mean": "keep", "rank": "keep", "zone_id": "keep", "spot_id": "keep",
    "lisa_i": "keep", "gi_z": "keep", "cell_ids": "keep", "lsoa_codes": "keep", "share_of_area": "keep",
    "dosage": "keep", "flags": "free_text", "reasons": "free_text", "top_concerns": "streetsafe_place",
    "concern_id": "streetsafe_place", "streetsafe_reasons": "count", "excluded_snap_crimes": "count",
    "first_date": "free_text", "last_date": "free_text", "top_reasons": "free_text",
    "when_profile": "count", "crimes_by_month": "count", "p_text": "keep", "patrol_windows": "keep",
}
_POINT = re.compile(r"^(lat|lon|lng|latitude|longitude|x|y|easting|northing|centre_lat|centre_lon|centre_x|"
                    r"centre_y|point_x|point_y|geometry_wkt)$|(_lat|_lon|_lng|_latitude|_longitude|_easting|"
                    r"_northing)$", re.IGNORECASE)
_FREE = re.compile(r"(^|_)(comment|comments|description|desc|free_text|freetext|notes?|narrative|details|address|"
                   r"mo|modus_operandi|text|remarks|summary_text|other_text|victim|suspect|offender)($|_)",
                   re.IGNORECASE)
_DERIVED = re.compile(r"^(harm|value|rate|density|rate_per_1000|rate_vs_force|pai|fear_expected)$|"
                      r"^share_of_(?!area)|(^|_)(harm|rate|per_1000|per_km2)($|_)", re.IGNORECASE)
_COUNT = re.compile(r"(^|_)(crimes?|streetsafe|reports?|records?|offences?|incidents?|victims?|count|counts|"
                    r"vawg|asb)($|_)|^n_", re.IGNORECASE)
#: text built from the crimes' place labels (spot and zone names, busiest streets)
STREET_TEXT = frozenset({"name", "street", "streets", "top_streets", "location", "place", "places", "top_places"})
_CONCERN_ID = re.compile(r"SS-E\d{5,7}N\d{5,7}")
_INLINE = re.compile(r"\((\d+)\)")


def register_role(column: str, role: str) -> None:
    """Give a column an explicit role (a stage adding a column whose name misleads the patterns)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {ROLES}")
    _EXPLICIT[column] = role


def column_role(name: str, values: Iterable[Any] | None = None) -> str:
    """The role of a column, from its name and (for text) a look at its values."""
    n = str(name)
    if n in _EXPLICIT:
        return _EXPLICIT[n]
    if _POINT.search(n):
        return "point"
    if re.search(r"decile|percentile", n, re.IGNORECASE):  # ranked on counts: "decile 2" must not become words
        return "derived"
    if _FREE.search(n):
        return "free_text"
    if _DERIVED.search(n):
        return "derived"
    if _COUNT.search(n):
        return "count"
    if values is not None:
        for v in list(values)[:2000]:
            if isinstance(v, str) and _CONCERN_ID.search(v):
                return "streetsafe_place"
            if isinstance(v, str) and v.startswith("Other: "):
                return "free_text"
    return "keep"


@dataclass(frozen=True)
class Rules:
    """The disclosure rules of one publication set.

    Attributes
    ----------
    threshold : counts from 1 to ``threshold - 1`` are shown as "fewer than <threshold>"
    sensitive_types : crime types the user marks sensitive (beyond :data:`SENSITIVE_PATTERN`)
    selection : the crime types analysed (None = all); all-sensitive means no sub-LSOA output
    street_names : the crimes' place labels are police.uk's anonymised "On or near" labels, which
        may be published; False for a force's records, whose location is an address (free text)
    """

    threshold: int = DEFAULT_THRESHOLD
    sensitive_types: tuple[str, ...] = ()
    selection: tuple[str, ...] | None = None
    street_names: bool = True

    @property
    def label(self) -> str:
        return f"fewer than {self.threshold}"

    def small(self, n: Any) -> bool:
        """True for a count that must not be printed (1 .. threshold-1; NaN and 0 are not small)."""
        try:
            v = float(n)
        except (TypeError, ValueError):
            return False
        return bool(np.isfinite(v) and 0 < v < self.threshold)

    def is_sensitive(self, crime_type: object) -> bool:
        t = str(crime_type or "").strip()
        if SENSITIVE_PATTERN.search(t):
            return True
        low = _slug(t)
        return any(low == _slug(s) for s in self.sensitive_types)

    @property
    def sensitive_selection(self) -> bool:
        """The analysed counts are counts of sensitive crime only (so no sub-LSOA output)."""
        return bool(self.selection) and all(self.is_sensitive(t) for t in self.selection or ())

    def describe(self) -> list[str]:
        """The rules in plain words (disclosure.txt and the About sheet)."""
        sens = "sexual offences (any type whose name mentions sexual offences or rape)"
        if self.sensitive_types:
            sens += " and types marked sensitive: " + ", ".join(self.sensitive_types)
        return [
            f"Counts of 1 to {self.threshold - 1} are shown as '{self.label}'; 0 is shown as 0.",
            "Numbers computed from a suppressed count (harm, the analysed value, rates, shares, PAI) are shown as "
            "'suppressed'. Where a column has a single small count, the next smallest is shown as 'suppressed' too "
            "(secondary suppression), so the small one cannot be found by subtracting from a total.",
            "No point locations: no crime, StreetSafe report or force record points; only areas (LSOAs, patrol zones, "
            "patrol spots of whole grid cells). Point coordinates in any table are removed.",
            "No free text typed by the public or officers (comments, descriptions, addresses, 'Other' reasons).",
            "No StreetSafe concern grid codes or report locations; the 'you said, we did' update names places by "
            "street and town and lists no concern drawn from fewer than 3 reports on its own.",
            f"Sensitive types ({sens}) are shown only at LSOA level or coarser, and only at or above the threshold.",
            "Dates no finer than the month.",
        ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


@dataclass
class DisclosureLog:
    """What was suppressed, coarsened or left out, file by file, with how many cells."""

    rules: Rules
    entries: list[tuple[str, str, str, int]] = field(default_factory=list)
    omitted: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, file: str, column: str, action: str, cells: int) -> None:
        if cells:
            self.entries.append((file, column, action, int(cells)))

    def omit(self, what: str, why: str) -> None:
        self.omitted.append((what, why))

    def cells(self, file: str | None = None) -> int:
        return sum(n for f, _c, _a, n in self.entries if file is None or f == file)

    def lines(self) -> list[str]:
        out = ["Rules applied:"] + [f"  - {r}" for r in self.rules.describe()]
        out += ["", "Files in this publication set:"] + [f"  - {f}" for f in self.files]
        out += ["", "Suppressed or removed (file / field: what, cells):"]
        if not self.entries:
            out.append("  (nothing needed suppressing)")
        for f, c, a, n in self.entries:
            out.append(f"  - {f} / {c}: {a}, {n:,} cell{'s' if n != 1 else ''}")
        out += ["", f"Total cells suppressed or removed: {self.cells():,}", "", "Left out of this set:"]
        out += [f"  - {w}: {y}" for w, y in self.omitted] or ["  (nothing)"]
        return out


def suppress_value(v: Any, rules: Rules) -> Any:
    """One count: "fewer than N" when small, else as it was."""
    return rules.label if rules.small(v) else v


def suppress_mapping(d: Mapping[Any, Any], rules: Rules, *, fine: bool) -> tuple[dict, int]:
    """A mapping of counts (by month, by type, by reason): small values suppressed, free-text keys
    ("Other: ...") and, in a table finer than an LSOA (``fine``), sensitive types' keys dropped."""
    out, n = {}, 0
    for k, v in dict(d).items():
        if str(k).startswith("Other:"):  # "Other: ..." is what someone typed; "Other theft" is a category
            n += 1
            continue
        if fine and rules.is_sensitive(k):
            n += 1
            continue
        if rules.small(v):
            n += 1
        out[str(k)] = suppress_value(v, rules)
    return out, n


def suppress_inline(text: Any, rules: Rules) -> tuple[Any, int]:
    """"High Street (3); Bank Street (12)" -> "High Street (fewer than 5); Bank Street (12)"."""
    if not isinstance(text, str):
        return text, 0
    hits = 0

    def sub(m: re.Match) -> str:
        nonlocal hits
        if rules.small(int(m.group(1))):
            hits += 1
            return f"({rules.label})"
        return m.group(0)

    return _INLINE.sub(sub, text), hits


def suppress_table(frame: pd.DataFrame, rules: Rules, log: DisclosureLog, file: str, *, base: str = "crimes",
                   fine: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` fit to publish, by column role; every change goes into ``log``.

    Parameters
    ----------
    frame : a table (a GeoDataFrame keeps its geometry, which must be areas)
    base : the column whose suppression blanks the row's derived numbers
    fine : the rows are smaller than an LSOA (spots, cell-built zones): sensitive types' per-type
        figures are dropped, not just suppressed
    """
    out = frame.copy()
    geom = getattr(frame, "geometry", None)
    gname = geom.name if geom is not None and hasattr(frame, "set_geometry") else None
    small_base = (np.array([rules.small(v) for v in frame[base]], dtype=bool) if base in frame
                  else np.zeros(len(frame), dtype=bool))
    order = [base] + [c for c in frame.columns if c != base] if base in frame else list(frame.columns)
    for c in order:  # the base count first: its (primary and secondary) suppression blanks the derived
        if c == gname:
            continue
        s = frame[c]
        role = column_role(c, s.to_numpy(dtype=object) if _texty(s) else None)
        if fine and role in ("count", "derived") and rules.is_sensitive(c.replace("_", " ")):
            out = out.drop(columns=c)
            log.add(file, c, "removed (sensitive type finer than an LSOA)", len(frame))
            continue
        if not rules.street_names and c in STREET_TEXT:
            out = out.drop(columns=c)
            log.add(file, c, "removed (place names from the force's records, not police.uk's anonymised labels)",
                    len(frame))
            continue
        if role in ("point", "free_text", "streetsafe_place"):
            out = out.drop(columns=c)
            what = {"point": "removed (point coordinates)", "free_text": "removed (free text)",
                    "streetsafe_place": "removed (StreetSafe concern locations)"}[role]
            log.add(file, c, what, int(s.notna().sum()) or len(frame))
            continue
        vals = s.to_numpy(dtype=object)
        if role == "count":
            new, hits = [], 0
            for v in vals:
                if isinstance(v, Mapping):
                    m, k = suppress_mapping(v, rules, fine=fine)
                    new.append(m)
                    hits += k
                elif isinstance(v, (list, tuple, np.ndarray)):  # a profile: 168 hourly counts, 12 months
                    items = [suppress_value(x, rules) for x in v]
                    new.append(items)
                    hits += sum(1 for x in v if rules.small(x))
                elif isinstance(v, str):
                    t, k = suppress_inline(v, rules)
                    new.append(t)
                    hits += k
                elif rules.small(v):
                    new.append(rules.label)
                    hits += 1
                else:
                    new.append(_plain(v))
            second = _secondary(vals, new, rules)
            if hits:
                out[c] = pd.Series(new, index=frame.index, dtype=object)
            log.add(file, c, f"shown as '{rules.label}' (counts 1-{rules.threshold - 1})", hits)
            log.add(file, c, "shown as 'suppressed' (secondary: the one small count could be found from a total)",
                    second)
        elif role == "derived":
            hidden = (np.array([isinstance(v, str) for v in out[base]], dtype=bool) if base in out and c != base
                      else small_base)
            hit = hidden & pd.notna(s).to_numpy()
            if hit.any():
                out[c] = pd.Series(np.where(hit, "suppressed", vals), index=frame.index, dtype=object)
            log.add(file, c, f"shown as 'suppressed' (its {base} count is suppressed)", int(hit.sum()))
        elif _texty(s):  # text of kept columns: "label (n)" lists
            new, hits = [], 0
            for v in vals:
                t, k = suppress_inline(v, rules)
                new.append(t)
                hits += k
            if hits:
                out[c] = pd.Series(new, index=frame.index, dtype=object)
            log.add(file, c, f"counts in the text shown as '{rules.label}'", hits)
    return out


def _secondary(vals: np.ndarray, new: list, rules: Rules) -> int:
    """Secondary suppression: with exactly one small count in a column, a published total (a zone's
    crimes over its share, the force's figure) minus the other cells would give it back; so the
    smallest count at or above the threshold is withheld too (shown as "suppressed"). In place."""
    small = [i for i, v in enumerate(new) if isinstance(v, str) and v == rules.label and rules.small(vals[i])]
    if len(small) != 1:
        return 0
    shown = [(float(v), i) for i, v in enumerate(vals) if not isinstance(v, (str, Mapping, list, tuple, np.ndarray))
             and v is not None and pd.notna(v) and float(v) >= rules.threshold]
    if not shown:
        return 0
    new[min(shown)[1]] = "suppressed"
    return 1


def _texty(s: pd.Series) -> bool:
    """Object or string dtype (pandas 3 gives text columns the ``str`` dtype)."""
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def _plain(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def public_locations(crimes: pd.DataFrame | None) -> bool:
    """True when the crimes' ``location`` labels are police.uk's anonymised snap labels.

    police.uk publishes every crime at an anonymous map point labelled "On or near <street>";
    a force's records extract carries the address typed by an officer, which is free text and
    points to a household. Records (``offence_code``/``t_from`` columns) or labels that are
    mostly not "On or near ..." are not public."""
    if crimes is None or not len(crimes) or "location" not in crimes:
        return True
    if "offence_code" in crimes or "t_from" in crimes:
        return False
    labels = pd.Series(crimes["location"].astype(str).to_numpy()[:5000])
    return bool(labels.str.match(r"^\s*On or near\b", case=False).mean() >= 0.5)


def marking_of(study: Any = None, analysis: Any = None) -> str:
    """The protective marking line of internal outputs: the user's setting, else the default."""
    for obj in (getattr(analysis, "settings", None), getattr(study, "settings", None)):
        m = getattr(obj, "marking", None)
        if m is not None and str(m).strip():
            return " ".join(str(m).split())
    return DEFAULT_MARKING


def rules_of(settings: Any) -> Rules:
    """The publication rules a run's settings ask for (threshold, sensitive types, selection)."""
    threshold = int(getattr(settings, "suppress_below", None) or DEFAULT_THRESHOLD)
    sens = tuple(str(t) for t in (getattr(settings, "sensitive_types", None) or ()))
    sel = getattr(settings, "crime_types", None)
    return Rules(threshold=threshold, sensitive_types=sens, selection=tuple(sel) if sel else None)
