"""Save a study as a ``.hotspots`` JSON file (paths relative to it where possible)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..study import Study
from .atomic import write_text_atomic

__all__ = ["write_study"]


def _rel(p: str | None, base: Path) -> str | None:
    if not p:
        return None
    try:
        return os.path.relpath(Path(p).resolve(), base.resolve())
    except ValueError:  # another drive on Windows
        return str(Path(p).resolve())


def write_study(study: Study, path: str | Path) -> Path:
    path = Path(path)
    d = study.to_dict()
    base = path.parent
    for k in ("boundaries", "imd", "pubs", "streetsafe", "population", "harm_weights_file", "actions"):
        d[k] = _rel(d[k], base)
    d["crimes"] = [_rel(p, base) for p in d["crimes"]]
    return write_text_atomic(path, json.dumps(d, indent=2) + "\n")
