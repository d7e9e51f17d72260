"""The ``.hotspots`` study file's schema, checked whole before any of it is used.

A study file is JSON that an analyst may edit by hand, mail around or receive tampered
with. Reading its settings straight into the engine turns a ``"alpha": null`` or
``"crimes": "data"`` into a Python traceback deep in the statistics, or worse, into a
silent misreading (a string iterated character by character as seven crime paths). Every
field is therefore checked against the declaration below first, and the first mismatch is
one DataError that names the field by its JSON path (``settings.alpha``).

The declaration is small and explicit rather than a JSON Schema document because the
engine's own dataclass (``hotspots.study.Settings``) is the second source of truth:
settings the schema does not name are checked against the type of their dataclass
default, so a setting added to ``Settings`` is validated without editing this file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from .errors import DataError

__all__ = ["validate_study_dict", "SEED_MAX", "MAX_PATH_CHARS"]

SEED_MAX = 2**32 - 1  #: NumPy's RandomState (esda's draws) takes seeds 0 .. 2**32 - 1
MAX_PATH_CHARS = 4096
MAX_CRIME_PATHS = 100_000
_HINT = "correct that field, or save the study again from the app"

Check = Callable[[Any], str | None]  # None when fine, else what was expected


def _kind(v: Any) -> str:
    if getattr(v, "digits", 0):
        return f"a number of {v.digits:,} digits"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return f"the number {v!r}" if not isinstance(v, float) or math.isfinite(v) else "a non-finite number"
    if isinstance(v, str):
        return f"the text {v[:40]!r}" + ("..." if len(v) > 40 else "")
    if isinstance(v, list):
        return f"a list of {len(v)}"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _text(max_len: int = 1000) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, str):
            return "text"
        if len(v) > max_len or "\x00" in v:
            return f"text of at most {max_len} characters, without NUL"
        return None
    return check


def _path(v: Any) -> str | None:
    if not isinstance(v, str) or not v.strip():
        return "a file path (text)"
    if len(v) > MAX_PATH_CHARS or "\x00" in v:
        return f"a file path of at most {MAX_PATH_CHARS} characters, without NUL"
    return None


def _optional(inner: Check) -> Check:
    def check(v: Any) -> str | None:
        if v is None:
            return None
        bad = inner(v)
        return f"{bad} or null" if bad else None
    return check


def _integer(lo: int, hi: int) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            return f"a whole number from {lo:,} to {hi:,}"
        return None
    return check


def _number(lo: float, hi: float, *, open_interval: bool = False) -> Check:
    def check(v: Any) -> str | None:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        ok = ok and (lo < v < hi if open_interval else lo <= v <= hi)
        if not ok:
            return f"a number {'between' if open_interval else 'from'} {lo:g} {'and' if open_interval else 'to'} {hi:g}"
        return None
    return check


def _boolean(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def _list_of(inner: Check, max_items: int) -> Callable[[Any, str], None]:
    def check(v: Any, where: str) -> None:
        if not isinstance(v, list):
            _fail(where, "a list", v)
        if len(v) > max_items:
            _fail(where, f"a list of at most {max_items:,} items", v)
        for k, item in enumerate(v):
            bad = inner(item)
            if bad:
                _fail(f"{where}[{k}]", bad, item)
    return check


_STUDY_LAYERS = ("boundaries", "imd", "pubs", "streetsafe", "population", "harm_weights_file", "lsoa_lookup",
                 "actions", "extract", "extract_columns", "harm_table")
#: rows of the StreetSafe actions table a study may carry, and the keys of one
MAX_ACTION_ROWS = 100_000
_ACTION_KEYS = ("concern_id", "date", "action", "agency", "status")


def _check_action_rows(v: Any) -> None:
    """A list of objects whose values are text (or numbers, or null), as the app saves them."""
    if not isinstance(v, list):
        _fail("action_rows", "a list of actions (objects)", v)
    if len(v) > MAX_ACTION_ROWS:
        _fail("action_rows", f"a list of at most {MAX_ACTION_ROWS:,} actions", v)
    for k, row in enumerate(v):
        if not isinstance(row, dict):
            _fail(f"action_rows[{k}]", "an action (an object with " + ", ".join(_ACTION_KEYS) + ")", row)
        for key, val in row.items():
            if val is None or (isinstance(val, (int, float)) and not isinstance(val, bool)
                               and math.isfinite(val) and abs(val) < 1e15):
                continue
            bad = _text(2000)(val)
            if bad:
                _fail(f"action_rows[{k}].{key}", bad, val)

_SETTINGS: dict[str, Check] = {
    "month_from": _optional(_text(20)),
    "month_to": _optional(_text(20)),
    "measure": _text(40),
    "weights": _text(80),
    "permutations": _integer(99, 99_999),
    "seed": _integer(0, SEED_MAX),
    "alpha": _number(0, 1, open_interval=True),
    "fdr": _boolean,
    "zone_rule": _text(40),
    "n_jobs": _integer(-1, 1024),
    "draws": _text(20),
    "evidence_area": _optional(_text(200)),
}


class _Failure(Exception):
    pass


def _fail(where: str, expected: str, found: Any) -> None:
    raise _Failure(f"'{where}' must be {expected}, not {_kind(found)}")


def _by_default_type(default: Any) -> Check | None:
    """A check from a Settings field's default value (for settings this file does not name)."""
    if isinstance(default, bool):
        return _boolean
    if isinstance(default, int):
        return _integer(-(2**63), 2**63 - 1)
    if isinstance(default, float):
        return _number(-1e300, 1e300)
    if isinstance(default, str):
        return _text(1000)
    return None


def _settings_fields() -> dict[str, Any]:
    from ..study import Settings

    out = {}
    for f in fields(Settings):
        out[f.name] = f.default if f.default is not MISSING else None
    return out


def _check_settings(d: Any) -> None:
    if not isinstance(d, dict):
        _fail("settings", "an object of settings", d)
    known = _settings_fields()
    for key, value in d.items():
        where = f"settings.{key}"
        if key == "crime_types":
            if value is not None:
                _list_of(_text(200), 200)(value, where)
            continue
        if key == "harm_weights":
            if value is None:
                continue
            if not isinstance(value, dict):
                _fail(where, "an object of crime type -> weight, or null", value)
            for name, w in value.items():
                bad = _number(0, 1e9)(w)
                if bad:
                    _fail(f"{where}.{name}", bad, w)
            continue
        check = _SETTINGS.get(key)
        if check is None and key in known:
            base = _by_default_type(known[key])
            check = _optional(base) if base is not None and known[key] is None else base
        if check is None:
            continue  # not a setting of this version: Settings.from_dict ignores it
        bad = check(value)
        if bad:
            _fail(where, bad, value)


def validate_study_dict(d: Any, path: str | Path) -> None:
    """Raise one DataError naming the first field of a study dict that breaks the schema."""
    try:
        if not isinstance(d, dict) or d.get("format") != "hotspots-study":
            raise DataError(path, "not a hotspots study file", hint="open a .hotspots file saved by this app")
        version = d.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            _fail("version", "a whole number", version)
        if version > 1:
            raise DataError(path, f"the study was saved by a newer hotspots (study format {version})",
                            hint="update hotspots to open it")
        for key in _STUDY_LAYERS:
            if key in d:
                bad = _optional(_path)(d[key])
                if bad:
                    _fail(key, bad, d[key])
        if "crimes" in d:
            _list_of(_optional(_path), MAX_CRIME_PATHS)(d["crimes"], "crimes")
        if "action_rows" in d and d["action_rows"] is not None:
            _check_action_rows(d["action_rows"])
        if "name" in d:
            bad = _text(500)(d["name"])
            if bad:
                _fail("name", bad, d["name"])
        if "settings" in d:
            _check_settings(d["settings"])
    except _Failure as exc:
        raise DataError(path, f"the study file is not valid: {exc}", hint=_HINT, column=None) from None
