"""One run's hold on its output folder: a lock, a staging folder, a swap-in, a run id.

An output folder must never hold ``summary.json`` from one run and ``hotspots.xlsx`` from
another (two runs into one ``--out``, or a run killed over an earlier one) with nothing to
say so. :class:`RunFolder` makes that impossible to miss:

1. **lock**: an OS lock on ``.hotspots.lock`` in the folder (``fcntl.flock`` / ``msvcrt``),
   which the OS releases when the process dies, so a killed run never leaves a stale lock; a
   second run into the same folder is refused while the first is running;
2. **clean**: under the lock, temporaries of a killed run (``.name.XXXXXXXX.tmp.ext``) and
   its staging folder are removed;
3. **stage**: the run writes into ``.hotspots-run-<id>/`` inside the folder (same file
   system, so the final renames are atomic);
4. **commit**: every staged output is stamped with the run id (summary.json ``run_id`` and
   a manifest of each file's size and SHA-256; GeoPackage metadata; GeoJSON and HTML
   attributes; the XLSX document identifier; the PDF's document information), the previous
   run's files that this run does not replace are removed (only those its manifest lists),
   and the files are renamed in with ``summary.json`` last, as the seal;
5. **signals**: SIGTERM (and SIGHUP) raise :class:`Terminated` in the main thread, so every
   ``finally`` runs: atomic temporaries and the staging folder are removed, no final name is
   ever partial;
6. **disk**: a full disk or a read-only folder while writing becomes a DataError naming the
   folder and the space needed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

from ..data.errors import DataError, disk_error
from ._stamps import stamp_file
from .atomic import TEMP_PATTERN, remove_live_temporaries

__all__ = ["RunFolder", "Terminated", "new_run_id", "LOCK_NAME", "STAGING_PREFIX"]

LOCK_NAME = ".hotspots.lock"
STAGING_PREFIX = ".hotspots-run-"
_DISK_FULL_TEXT = ("no space left on device", "disk is full", "disk full", "not enough space", "quota exceeded")


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM/SIGHUP): unwinds like Ctrl+C, cleaning as it goes."""


def new_run_id() -> str:
    """A run id that sorts by time and never repeats: ``20261201T204512Z-9f3a1c2e``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(4)


def _lock(fd: int) -> bool:
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)


def _is_disk_full(exc: BaseException) -> bool:
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return True
    return any(t in str(exc).lower() for t in _DISK_FULL_TEXT)


class RunFolder:
    """Context manager for one run's output folder (see the module docstring).

    Parameters
    ----------
    out : the output folder (created if missing)
    run_id : the run's id (:func:`new_run_id` when not given)
    signals : install SIGTERM/SIGHUP handlers (only possible in the main thread)
    """

    def __init__(self, out: str | Path, run_id: str | None = None, *, signals: bool = True) -> None:
        self.out = Path(out)
        self.run_id = run_id or new_run_id()
        self.staging = self.out / f"{STAGING_PREFIX}{self.run_id}"
        self.removed_stale: list[str] = []
        self._fd: int | None = None
        self._signals = signals
        self._old_handlers: dict[int, Any] = {}
        self.committed: list[Path] = []

    # --- entering ------------------------------------------------------------------------
    def __enter__(self) -> RunFolder:
        out = self.out
        if out.exists() and not out.is_dir():
            raise DataError(out, "--out names a file, not a folder", hint="give a folder path (it is created if missing)")
        try:
            out.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise disk_error(out, exc, what="creating the output folder") from None
        if not _lock(self._fd):
            other = self._holder()
            os.close(self._fd)
            self._fd = None
            raise DataError(out, f"another hotspots run is writing to this folder{other}",
                            hint="wait for it to finish, or choose another --out folder")
        try:
            os.ftruncate(self._fd, 0)
            os.write(self._fd, json.dumps({"run_id": self.run_id, "pid": os.getpid()}).encode())
            self._clean_stale()
            self.staging.mkdir()
        except OSError as exc:
            self._release()
            raise disk_error(out, exc, what="preparing the output folder") from None
        if self._signals and threading.current_thread() is threading.main_thread():
            for name in ("SIGTERM", "SIGHUP"):
                sig = getattr(signal, name, None)
                if sig is not None:
                    self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        return self

    def _holder(self) -> str:
        try:
            d = json.loads((self.out / LOCK_NAME).read_text() or "{}")
            return f" (run {d.get('run_id')}, process {d.get('pid')})" if d else ""
        except (OSError, ValueError):
            return ""

    def _clean_stale(self) -> None:
        """Temporaries and staging folders of runs killed outright; safe because we hold the lock."""
        for p in self.out.iterdir():
            if p.name.startswith(STAGING_PREFIX) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
                self.removed_stale.append(p.name)
            elif TEMP_PATTERN.fullmatch(p.name) and p.is_file():
                with contextlib.suppress(OSError):
                    p.unlink()
                    self.removed_stale.append(p.name)

    def _on_signal(self, signum: int, frame: object) -> None:
        remove_live_temporaries()
        raise Terminated(f"stopped by signal {signum}")

    # --- committing ----------------------------------------------------------------------
    def commit(self, files: list[str | Path] | None = None, *, seal: str = "summary.json") -> list[Path]:
        """Stamp the staged files, replace the previous run's, rename them in (``seal`` last).

        Everything in the staging folder is committed, ``files`` or not (a writer may add a
        file beside the one it returns); the paths returned are the final ones, in the order
        of ``files`` first."""
        given = [Path(f) if Path(f).is_absolute() else self.staging / f for f in (files or [])]
        extra = sorted(p for p in self.staging.iterdir() if p not in given)
        staged = [p for p in given + extra if p.parent == self.staging and p.exists() and not p.is_symlink()]
        try:
            for p in staged:
                if p.name != seal and p.is_file():
                    stamp_file(p, self.run_id)
            manifest = {p.name: ({"bytes": p.stat().st_size, "sha256": _sha256(p)} if p.is_file() else {"folder": True})
                        for p in staged if p.name != seal}
            seal_path = self.staging / seal
            if seal_path in staged:
                _seal_summary(seal_path, self.run_id, manifest)
            previous = self._previous_files(seal)
            final = self.out / seal
            with contextlib.suppress(FileNotFoundError):
                final.unlink()  # from here until the seal lands, the folder says it is incomplete
            names = {p.name for p in staged}
            for name in previous - names:
                old = self.out / name
                with contextlib.suppress(OSError):
                    shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
            order = [p for p in staged if p.name != seal] + [p for p in staged if p.name == seal]
            for p in order:
                target = self.out / p.name
                if p.is_dir() and target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                os.replace(p, target)
                self.committed.append(target)
        except OSError as exc:
            raise self._disk_error(exc) from None
        return list(self.committed)

    def _previous_files(self, seal: str) -> set[str]:
        try:
            d = json.loads((self.out / seal).read_text(encoding="utf-8"))
            files = d.get("run_files", {}) if isinstance(d, dict) else {}
            return {str(n) for n in files if isinstance(n, str) and "/" not in n and "\\" not in n
                    and not n.startswith(".")}
        except (OSError, ValueError):
            return set()

    def _disk_error(self, exc: BaseException) -> DataError:
        staged = sum(p.stat().st_size for p in self.staging.glob("*") if p.is_file()) if self.staging.exists() else 0
        previous = 0
        with contextlib.suppress(OSError, ValueError):
            d = json.loads((self.out / "summary.json").read_text(encoding="utf-8"))
            previous = sum(int(v.get("bytes", 0)) for v in d.get("run_files", {}).values())
        needed = max(previous, 2 * staged, 20_000_000)
        if isinstance(exc, OSError):
            return disk_error(self.out, exc, what="writing the outputs", needed=needed)
        return disk_error(self.out, OSError(28, "No space left on device"), what="writing the outputs", needed=needed)

    # --- leaving -------------------------------------------------------------------------
    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        try:
            remove_live_temporaries()
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            for sig, old in self._old_handlers.items():
                with contextlib.suppress(ValueError, TypeError):
                    signal.signal(sig, old)
            self._old_handlers.clear()
            self._release()
        if exc is not None and not isinstance(exc, DataError) and isinstance(exc, Exception) and _is_disk_full(exc):
            raise self._disk_error(exc) from None
        if isinstance(exc, PermissionError):
            raise disk_error(self.out, exc, what="writing the outputs") from None

    def _release(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _sha256(p: Path) -> str:
    with p.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _seal_summary(path: Path, run_id: str, manifest: dict[str, Any]) -> None:
    """Put the run id and the manifest of the run's other files into summary.json."""
    d = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(d, dict):
        d = {"run_id": run_id, **d, "run_files": manifest}
        path.write_text(json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
