"""Which column of a force's records extract holds what: found by common names, or a mapping file.

Records systems (Niche, Athena, Connect, Storm ...) export the same facts under different
headers ("Committed From Date", "FROM_DT", "Start Date/Time" ...). A :class:`ColumnMap` names
the column for each fact; :func:`detect_columns` fills it from the headers it recognises and a
mapping JSON (:func:`read_mapping`) names the rest, with these keys (all optional except a
start date and a location):

``id, offence_code, offence, from_date, from_time, to_date, to_time`` (or ``from``/``to``
holding date and time together), ``x, y, crs`` (e.g. ``"EPSG:27700"``) or ``lat, lon``,
``location``, ``date_format`` (strftime, e.g. ``"%d/%m/%Y"``; guessed when absent).

A mapping value names a column of the file; ``crs`` and ``date_format`` are values. The app
saves the mapping a user confirmed with :func:`hotspots.export.mapping_file.write_mapping`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ._tables import normalise
from .errors import DataError

__all__ = ["ColumnMap", "COLUMN_KEYS", "VALUE_KEYS", "ALIASES", "detect_columns", "read_mapping", "mapping_json",
           "merge_mapping", "check_mapping_columns"]

#: mapping keys naming a column of the file
COLUMN_KEYS = ("id", "offence_code", "offence", "from_date", "from_time", "to_date", "to_time", "from", "to",
               "x", "y", "lat", "lon", "location")
#: mapping keys holding a value, not a column name
VALUE_KEYS = ("crs", "date_format")

#: common header names per key, compared with letters and digits only, lower case
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("crime_id", "crime_reference", "crime_ref", "crime_number", "crime_no", "crn", "urn", "occurrence_id",
           "occurrence_number", "occurrence_ref", "incident_id", "record_id", "reference", "ref", "id"),
    "offence_code": ("ho_code", "home_office_code", "hoc", "ho_offence_code", "offence_code", "ho_class",
                     "home_office_class", "hoc_code", "offence_classification_code", "crime_code", "class_code"),
    "offence": ("offence", "offence_description", "offence_desc", "offence_type", "crime_type", "offence_title",
                "classification", "crime_description", "ho_description", "description"),
    "from_date": ("committed_from_date", "from_date", "date_from", "start_date", "first_committed_date",
                  "earliest_date", "committed_date", "offence_date", "occurred_date", "date_committed",
                  "incident_date", "date"),
    "from_time": ("committed_from_time", "from_time", "time_from", "start_time", "first_committed_time",
                  "earliest_time", "committed_time", "offence_time", "occurred_time", "time_committed",
                  "incident_time", "time"),
    "to_date": ("committed_to_date", "to_date", "date_to", "end_date", "last_committed_date", "latest_date"),
    "to_time": ("committed_to_time", "to_time", "time_to", "end_time", "last_committed_time", "latest_time"),
    "from": ("committed_from", "from_datetime", "start_datetime", "date_time_from", "datetime_from",
             "first_committed", "earliest_datetime", "committed_from_date_time", "from_date_time", "start"),
    "to": ("committed_to", "to_datetime", "end_datetime", "date_time_to", "datetime_to", "last_committed",
           "latest_datetime", "committed_to_date_time", "to_date_time", "end"),
    "x": ("easting", "eastings", "x", "x_coord", "x_coordinate", "grid_x", "bng_x", "os_x", "map_x"),
    "y": ("northing", "northings", "y", "y_coord", "y_coordinate", "grid_y", "bng_y", "os_y", "map_y"),
    "lat": ("latitude", "lat", "wgs84_lat"),
    "lon": ("longitude", "lon", "long", "lng", "wgs84_lon"),
    "location": ("location", "location_description", "address", "street", "street_name", "place",
                 "location_name", "full_address", "locus"),
}


@dataclass
class ColumnMap:
    """The column of the file for each fact (None: not in the file) and two values."""

    id: str | None = None
    offence_code: str | None = None
    offence: str | None = None
    from_date: str | None = None
    from_time: str | None = None
    to_date: str | None = None
    to_time: str | None = None
    # "from"/"to" are Python keywords: the JSON keys map to these two
    from_: str | None = None
    to: str | None = None
    x: str | None = None
    y: str | None = None
    lat: str | None = None
    lon: str | None = None
    location: str | None = None
    crs: str | None = None
    date_format: str | None = None

    def get(self, key: str) -> str | None:
        return getattr(self, "from_" if key == "from" else key)

    def set(self, key: str, value: str | None) -> None:
        setattr(self, "from_" if key == "from" else key, value)

    def to_dict(self) -> dict[str, str]:
        """The mapping file's JSON object (only the keys that are set)."""
        d = {("from" if k == "from_" else k): v for k, v in asdict(self).items()}
        return {k: v for k, v in d.items() if v not in (None, "")}

    def missing(self) -> list[str]:
        """What the extract cannot be read without, in the mapping file's words."""
        out = []
        if not (self.from_date or self.from_):
            out.append("from_date (or from)")
        if not ((self.x and self.y) or (self.lat and self.lon)):
            out.append("x and y (or lat and lon)")
        if not (self.offence_code or self.offence):
            out.append("offence_code (or offence)")
        return out


def detect_columns(columns: list[str]) -> ColumnMap:
    """A ColumnMap from the headers alone: each key takes the first alias the file has.

    A column is used once: the first key that claims it keeps it (``date`` is the start date,
    not also the end date). Combined date-times (``from``/``to``) are taken only where no
    separate start date was found.
    """
    keys = {normalise(c): c for c in columns}
    used: set[str] = set()
    cm = ColumnMap()
    for key in ("id", "offence_code", "offence", "from_date", "from_time", "to_date", "to_time", "from", "to",
                "x", "y", "lat", "lon", "location"):
        if key == "from" and cm.from_date:
            continue
        if key == "to" and (cm.to_date or not cm.from_):
            continue
        for alias in ALIASES[key]:
            col = keys.get(normalise(alias))
            if col is not None and col not in used:
                cm.set(key, col)
                used.add(col)
                break
    return cm


def merge_mapping(detected: ColumnMap, given: ColumnMap) -> ColumnMap:
    """The mapping file wins; detection fills only what the file leaves out.

    When the file names start or end as one date-time column, detected separate date/time
    columns for the same end are dropped (and the reverse), so one end is never read twice.
    """
    out = ColumnMap(**asdict(detected))
    for f in fields(ColumnMap):
        v = getattr(given, f.name)
        if v not in (None, ""):
            setattr(out, f.name, v)
    if given.from_:
        out.from_date = given.from_date
        out.from_time = given.from_time
    elif given.from_date:
        out.from_ = None
    if given.to:
        out.to_date = given.to_date
        out.to_time = given.to_time
    elif given.to_date or given.to_time:
        out.to = None
    if given.lat and given.lon and not (given.x or given.y):
        out.x = out.y = None
    if given.x and given.y and not (given.lat or given.lon):
        out.lat = out.lon = None
    return out


def read_mapping(path: str | Path) -> ColumnMap:
    """A mapping JSON file -> ColumnMap; unknown keys and non-text values are refused by name."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError(path, "column mapping file not found", hint="check the path given to --columns") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read the column mapping ({exc})", hint="save it as UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"the column mapping is not valid JSON ({exc.msg})",
                        hint='write it as {"from_date": "Committed From Date", ...}', row=exc.lineno) from None
    if not isinstance(raw, dict):
        raise DataError(path, "the column mapping must be a JSON object of key: column name",
                        hint='write it as {"from_date": "Committed From Date", ...}')
    allowed = set(COLUMN_KEYS) | set(VALUE_KEYS)
    cm = ColumnMap()
    for k, v in raw.items():
        key = str(k).strip().lower()
        if key.startswith("_") or key in ("comment", "comments", "note", "notes"):
            continue  # room for the user's own notes
        if key not in allowed:
            raise DataError(path, f"unknown key '{k}' in the column mapping",
                            hint="use " + ", ".join(COLUMN_KEYS + VALUE_KEYS))
        if v is None or v == "":
            continue
        if not isinstance(v, str):
            raise DataError(path, f"the value of '{k}' must be text (a column name or, for {key}, a setting)",
                            hint=f'write it as "{k}": "..."')
        cm.set(key, v.strip())
    return cm


def mapping_json(cm: ColumnMap) -> str:
    """The mapping as the JSON text a user saves for reuse (keys in the documented order)."""
    d = cm.to_dict()
    order = [*COLUMN_KEYS, *VALUE_KEYS]
    return json.dumps({k: d[k] for k in order if k in d}, indent=2, ensure_ascii=False) + "\n"


def check_mapping_columns(cm: ColumnMap, columns: list[str], path: str | Path) -> None:
    """Every column the mapping names must be in the file (said by key and with the headers it has)."""
    have = set(columns)
    norm = {normalise(c): c for c in columns}
    for key in COLUMN_KEYS:
        col = cm.get(key)
        if col is None or col in have:
            continue
        if normalise(col) in norm:  # "Committed from date" vs "Committed From Date": take it
            cm.set(key, norm[normalise(col)])
            continue
        shown = ", ".join(repr(c) for c in columns[:12])
        raise DataError(path, f"the mapping names column '{col}' for {key}, but the extract has no such column "
                              f"(it has {shown})", hint="correct the column name in the mapping file", column=col)

