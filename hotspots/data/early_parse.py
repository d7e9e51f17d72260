"""The crime files parsed from the start of a command-line run, while the program imports.

A run spends its first ~0.5 s importing pandas, geopandas and the analysis, on one core; the
crime CSVs need none of that to be read and coded (:func:`hotspots.data.crimes.parse_crime_files`
runs on Arrow and NumPy), so the CLI starts them on a thread of their own before it imports the
rest, and the load takes the parse it started for the very same files (path, size and
modification time of each: :func:`hotspots.data.file_identity.file_identity`) instead of
starting its own (:mod:`hotspots.runtime.early`). Anything else (the GUI, files changed in
between) parses as before, so the layers are the same either way. A parse that fails keeps its
error for the load to raise at the moment it would have raised its own.
"""

from __future__ import annotations

__all__ = ["claim_parse", "start_parse", "timed_parse"]

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..runtime import early
from . import crimes as _crimes
from .file_identity import file_identity

_KIND = "crime_parse"


def timed_parse(crimes: Any, progress: Callable[[str, float], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> tuple[Any, float]:
    """``(ParsedCrimes, seconds)``: :func:`~hotspots.data.crimes.parse_crime_files` and how long
    it took, the shape of every parse the load takes (started here or by the load itself)."""
    t = time.perf_counter()
    return _crimes.parse_crime_files(crimes, progress=progress, cancel=cancel), round(time.perf_counter() - t, 3)


def start_parse(crimes: Any, progress: Callable[[str, float], None] | None = None,
                identity: tuple | None = None) -> None:
    """Parse ``crimes`` (the study's crime paths) on a thread of its own; returns at once.
    ``identity``: the files' :func:`~hotspots.data.file_identity.file_identity`, when the caller
    has it already."""
    if not crimes:
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crime-parse")
    early.start(_KIND, pool, timed_parse, crimes, progress,
                equal=file_identity(crimes) if identity is None else identity)
    pool.shutdown(wait=False)


def claim_parse(identity: tuple) -> Future | None:
    """The parse started for the files of this :func:`~hotspots.data.file_identity.file_identity`,
    without waiting for it (its result is ``(ParsedCrimes, seconds)``), else None."""
    return early.claim(_KIND, equal=identity) if identity else None
