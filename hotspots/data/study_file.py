"""Read a saved ``.hotspots`` study (JSON: the layer paths and the settings)."""

from __future__ import annotations

import json
from pathlib import Path

from ..study import Study
from .errors import DataError

__all__ = ["read_study"]


def read_study(path: str | Path) -> Study:
    """Load a study; relative layer paths are taken relative to the study file."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "study file not found", hint="check the path")
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(path, "not a hotspots study (not UTF-8 text)", hint="open a .hotspots file saved by this app") from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not a hotspots study ({exc.msg})", hint="open a .hotspots file saved by this app",
                        row=exc.lineno) from None
    if not isinstance(d, dict) or d.get("format") != "hotspots-study":
        raise DataError(path, "not a hotspots study file", hint="open a .hotspots file saved by this app")
    return Study.from_dict(d, base=path.parent)
