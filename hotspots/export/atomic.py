"""Atomic file writing: write to a temporary file beside the target, then rename.

An export interrupted by a crash, a full disk or a Cancel leaves either the previous file
or nothing: never a half-written GeoPackage that QGIS chokes on. Temporaries are named
``.<stem>.<random>.tmp<suffix>`` (:data:`TEMP_PATTERN`) and every live one is remembered,
so a termination signal can remove them too (:func:`remove_live_temporaries`, called by the
run folder's signal handler) and the next run into the folder can recognise the leftovers
of a run killed outright (``kill -9``, a power cut) and remove them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_text_atomic", "write_bytes_atomic", "TEMP_PATTERN", "remove_live_temporaries",
           "live_temporaries"]

#: the names :func:`atomic_path` gives its temporaries (and GDAL/SQLite side files beside them)
TEMP_PATTERN = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp(\.[\w-]+)?")

_LIVE: set[Path] = set()
_LOCK = threading.Lock()


def live_temporaries() -> list[Path]:
    """Temporaries of writes now in progress (in this process)."""
    with _LOCK:
        return sorted(_LIVE)


def remove_live_temporaries() -> int:
    """Remove every temporary of a write in progress, with its side files; the number removed.

    Safe to call from a signal handler: it only unlinks paths, holding no lock a writer could
    hold (a set copy is taken without the lock if it is busy)."""
    got = _LOCK.acquire(timeout=0.2)
    try:
        paths = list(_LIVE)
    finally:
        if got:
            _LOCK.release()
    removed = 0
    for p in paths:
        for q in (p, *p.parent.glob(glob.escape(p.name) + "*")):
            with contextlib.suppress(OSError):
                q.unlink()
                removed += 1
    return removed


def _new_temporary(target: Path, folder: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    with _LOCK:
        _LIVE.add(tmp_path)
    os.unlink(tmp)  # writers that refuse to overwrite (GDAL) get a fresh name
    return tmp_path


def _discard(tmp_path: Path) -> None:
    try:
        for q in (tmp_path, *tmp_path.parent.glob(glob.escape(tmp_path.name) + "*")):  # -journal/-wal side files
            with contextlib.suppress(OSError):
                q.unlink()
    finally:
        with _LOCK:
            _LIVE.discard(tmp_path)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it over ``target`` on success.

    When the folder's path is one GDAL would misread (a ``!`` or a tab in it; see
    ``hotspots.data._gdal_path``), the writer gets a temporary in a plain-named folder
    instead, and the finished file is copied beside the target and renamed over it, so the
    final name is still never partial."""
    from ..data._gdal_path import needs_plain_name

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    plain = None
    if needs_plain_name(target.parent / "x"):
        plain = Path(tempfile.mkdtemp(prefix="hotspots-write-"))
    tmp_path = _new_temporary(target, plain or target.parent)
    try:
        yield tmp_path
        if plain is None:
            os.replace(tmp_path, target)
        else:
            beside = _new_temporary(target, target.parent)
            try:
                shutil.copyfile(tmp_path, beside)
                os.replace(beside, target)
            finally:
                _discard(beside)
    finally:
        _discard(tmp_path)
        if plain is not None:
            shutil.rmtree(plain, ignore_errors=True)


def write_bytes_atomic(target: str | Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | Path, text: str) -> Path:
    return write_bytes_atomic(target, text.encode("utf-8"))
