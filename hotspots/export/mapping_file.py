"""Save a records extract's column mapping for reuse (the app's "Save mapping" button).

The file is the JSON the CLI's ``--columns`` reads (:mod:`hotspots.data.extract_columns`),
written atomically so a half-written mapping never replaces a good one.
"""

from __future__ import annotations

from pathlib import Path

from ..data.extract_columns import ColumnMap, mapping_json
from .atomic import write_text_atomic

__all__ = ["write_mapping"]


def write_mapping(mapping: ColumnMap, path: str | Path) -> Path:
    """Write ``mapping`` as the mapping JSON to ``path``."""
    return write_text_atomic(path, mapping_json(mapping))
