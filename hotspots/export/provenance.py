"""What a run may touch in its output folder: files it can prove it wrote, never a link.

:class:`~hotspots.export.run_folder.RunFolder` deletes or replaces a file only when an earlier
run's manifest (name -> SHA-256, in summary.json and in the lock file) lists it and the file
still hashes to what was recorded: a manifest alone proves nothing, since a planted or edited
summary.json could name any file. Files are opened with ``O_NOFOLLOW | O_NONBLOCK`` and must be
regular files, so a link planted under an output name is never followed and a FIFO never
blocks the run.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from ..data.errors import DataError

__all__ = ["FOLDER", "link_error", "open_no_follow", "read_regular", "file_sha256", "manifest_of", "merge",
           "proven", "json_dict", "MAX_RECORD"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
#: the most of a summary.json or lock file read back (a planted multi-gigabyte one is not ours)
MAX_RECORD = 64 * 1024 * 1024
FOLDER = "<folder>"


def link_error(path: Path) -> DataError:
    return DataError(path, "is a link (symbolic or hard) or not a regular file; hotspots never follows a link or "
                     "writes into a FIFO or device in its output folder",
                     hint="remove it from the output folder, or choose another --out folder")


def open_no_follow(path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` that refuses a symbolic link and anything but a regular file (no FIFO hang)."""
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK, mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO) or path.is_symlink():
            raise link_error(path) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:  # a hard link would carry our writes elsewhere
        os.close(fd)
        raise link_error(path)
    if _NONBLOCK:
        os.set_blocking(fd, True)
    return fd


def read_regular(path: Path, limit: int = MAX_RECORD) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link, FIFO or device) of at most
    ``limit`` bytes, else None; a missing file is None too."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)[:limit]
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a regular file, None for a link, folder, FIFO, device or a missing file."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def manifest_of(record: bytes | None, keys: tuple[str, ...] = ("run_files", "previous_files")) -> dict[str, set[str]]:
    """name -> SHA-256s of the files a record (a seal, or the lock file) says a run wrote
    (``run_files``; the lock's copy also holds ``previous_files``, the earlier run's, for a run
    killed between its first and last rename; an evaluation's copy in the lock is under its own
    ``keys``). A folder is recorded as ``"<folder>"``."""
    if not record:
        return {}
    try:
        d = json.loads(record.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    out: dict[str, set[str]] = {}
    for key in keys:
        files = d.get(key) if isinstance(d, dict) else None
        if not isinstance(files, dict):
            continue
        for name, meta in files.items():
            if not (isinstance(name, str) and _plain_name(name)):
                continue
            if isinstance(meta, str):
                shas = [meta]
            elif isinstance(meta, list):
                shas = [m for m in meta if isinstance(m, str)]
            elif isinstance(meta, dict) and meta.get("folder") is True:
                shas = [FOLDER]
            elif isinstance(meta, dict) and isinstance(meta.get("sha256"), str):
                shas = [meta["sha256"]]
            else:
                shas = []
            if shas:
                out.setdefault(name, set()).update(shas)
    return out


def merge(*proofs: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in proofs:
        for k, v in p.items():
            out.setdefault(k, set()).update(v)
    return out


def proven(path: Path, shas: set[str] | None) -> bool:
    """The file (or folder) at ``path`` is, byte for byte, one an earlier run recorded writing."""
    if not shas:
        return False
    if FOLDER in shas:
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(os.lstat(path).st_mode):
                return True
    return file_sha256(path) in shas


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".") and "\x00" not in name



def json_dict(record: bytes) -> dict[str, Any]:
    try:
        d = json.loads(record.decode("utf-8")) if record else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return d if isinstance(d, dict) else {}
