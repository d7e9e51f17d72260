"""Read a saved ``.hotspots`` study (JSON: the layer paths and the settings).

The file is checked whole against the schema in ``_study_schema`` before any of it is
used, so a hand-edited or tampered study is one DataError naming the field, never a
traceback from deep in the engine. Nothing in a study is executed, and the messages quote
the study's own fields, never the content of the files its paths point at.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..study import Study
from ._study_schema import validate_study_dict
from .errors import DataError, disk_error

__all__ = ["read_study", "MAX_STUDY_BYTES"]

#: a study lists paths and settings; megabytes of it are not a study (or a runaway edit)
MAX_STUDY_BYTES = 8 << 20


def read_study(path: str | Path) -> Study:
    """Load a study; relative layer paths are taken relative to the study file."""
    path = Path(path)
    hint = "open a .hotspots file saved by this app"
    if not path.exists():
        raise DataError(path, "study file not found", hint="check the path")
    try:
        if path.is_dir():
            raise DataError(path, "expected a study file but this is a folder", hint=hint)
        if path.stat().st_size > MAX_STUDY_BYTES:
            raise DataError(path, f"not a hotspots study (larger than {MAX_STUDY_BYTES >> 20} MB)", hint=hint)
        with path.open("rb") as fh:
            raw = fh.read(MAX_STUDY_BYTES + 1)
    except OSError as exc:
        raise disk_error(path, exc, what="reading the study") from None
    try:
        d = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DataError(path, "not a hotspots study (not UTF-8 text)", hint=hint) from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not a hotspots study ({exc.msg})", hint=hint, row=exc.lineno) from None
    except RecursionError:
        raise DataError(path, "not a hotspots study (its JSON is nested too deeply)", hint=hint) from None
    validate_study_dict(d, path)
    return Study.from_dict(d, base=path.parent)
