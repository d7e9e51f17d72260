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
   attributes; the XLSX document identifier; the PDF's document information), and the files
   are renamed in with ``summary.json`` last, as the seal;
   **provenance**: a run deletes or replaces a file in the folder only when it can prove
   this tool wrote it: an earlier run's manifest (summary.json, or the lock file's copy
   written just before the renames, for a run killed mid-swap) lists the name and the file's
   SHA-256 still matches. The manifest alone proves nothing (a planted or edited summary.json
   could name any file): an analyst's edited ``hotspots.xlsx`` no longer matches, so it is
   kept where it is and said so (``kept_files``); a changed or foreign file under a name
   this run must write stops the run before anything is renamed, naming the file;
   **links**: nothing in the folder is followed: the lock is opened ``O_NOFOLLOW`` and must
   be a regular file, a link or a non-file (FIFO, device) under an output name stops the run;
5. **signals**: SIGTERM (and SIGHUP) raise :class:`Terminated` in the main thread, so every
   ``finally`` runs: atomic temporaries and the staging folder are removed, no final name is
   ever partial;
6. **disk**: a full disk or a read-only folder while writing becomes a DataError naming the
   folder and the space needed.

``hotspots evaluate`` holds its folder the same way with ``evaluation.json`` as its seal (it
had only taken the lock, and overwrote an analyst's edited ``evaluation.csv``). The two kinds
of run keep their manifests apart, in their seals and under their own keys in the lock file,
so in a folder they share each proves, replaces and removes only its own files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import stat
import threading
import time
from pathlib import Path
from typing import Any

from ..data.errors import DataError, disk_error
from ._stamps import stamp_file
from .atomic import TEMP_PATTERN, remove_live_temporaries
from .disk_full import full_disk_cause, full_temporary_folder, is_disk_full
from .provenance import (
    MAX_RECORD,
    json_dict,
    link_error,
    manifest_of,
    merge,
    open_no_follow,
    proven,
    read_regular,
)

__all__ = ["RunFolder", "Terminated", "new_run_id", "LOCK_NAME", "STAGING_PREFIX", "SEAL", "read_regular"]

LOCK_NAME = ".hotspots.lock"
SEAL = "summary.json"  #: an analysis's seal
#: seal -> the lock record's keys for that kind of run's manifest and the earlier run's
LOCK_KEYS = {SEAL: ("run_files", "previous_files")}
STAGING_PREFIX = ".hotspots-run-"


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


class RunFolder:
    """Context manager for one run's output folder (see the module docstring).

    Parameters
    ----------
    out : the output folder (created if missing)
    run_id : the run's id (:func:`new_run_id` when not given)
    signals : install SIGTERM/SIGHUP handlers (only possible in the main thread)
    seal : the file renamed in last, which holds the manifest: ``summary.json`` for an analysis,
        ``evaluation.json`` for ``hotspots evaluate``. Each kind of run keeps its manifest under
        its own keys in the lock file and proves only its own files: an evaluation never
        removes an analysis's files, nor an analysis an evaluation's, when they share a folder.
    """

    def __init__(self, out: str | Path, run_id: str | None = None, *, signals: bool = True,
                 seal: str = SEAL) -> None:
        self.out = Path(out)
        self.seal = seal
        #: the lock record's keys for this kind of run's manifests (its files, the earlier run's)
        self._keys = LOCK_KEYS.get(seal) or (f"{Path(seal).stem}_files", f"previous_{Path(seal).stem}_files")
        self.run_id = run_id or new_run_id()
        self.staging = self.out / f"{STAGING_PREFIX}{self.run_id}"
        self.removed_stale: list[str] = []
        self._fd: int | None = None
        self._signals = signals
        self._old_handlers: dict[int, Any] = {}
        self.committed: list[Path] = []
        #: files an earlier run wrote that were changed since (so kept), name -> why
        self.kept: dict[str, str] = {}
        self._proofs: dict[str, set[str]] = {}
        self._others: dict[str, Any] = {}

    # --- entering ------------------------------------------------------------------------
    def _acquire(self) -> None:
        """Create the folder and take its lock (never through a link), or refuse: a file in the
        way, a disk error, or another run (analyse or evaluate) holding it."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise DataError(out, "--out names a file, not a folder", hint="give a folder path (it is created if missing)")
        try:
            out.mkdir(parents=True, exist_ok=True)
            self._fd = open_no_follow(out / LOCK_NAME, os.O_RDWR | os.O_CREAT)
        except OSError as exc:
            raise disk_error(out, exc, what="creating the output folder") from None
        if not _lock(self._fd):
            other = self._holder()
            self._release()
            raise DataError(out, f"another hotspots run is writing to this folder{other}",
                            hint="wait for it to finish, or choose another --out folder")

    def __enter__(self) -> RunFolder:
        out = self.out
        self._acquire()
        try:
            record = self._read_lock()
            self._proofs = manifest_of(record, self._keys)  # a run killed mid-swap left its manifest here
            self._others = {k: v for k, v in json_dict(record).items()
                            if k not in (*self._keys, "run_id", "pid")}  # the other kind's, kept
            self._write_lock({**self._others, "run_id": self.run_id, "pid": os.getpid()})
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
            d = json.loads(self._read_lock() or b"{}")
            return f" (run {d.get('run_id')}, process {d.get('pid')})" if isinstance(d, dict) and d else ""
        except (OSError, ValueError):
            return ""

    def _read_lock(self) -> bytes:
        assert self._fd is not None
        size = min(os.fstat(self._fd).st_size, MAX_RECORD)
        return os.pread(self._fd, size, 0) if size else b""

    def _write_lock(self, record: dict[str, Any]) -> None:
        assert self._fd is not None
        data = json.dumps(record).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def _clean_stale(self) -> None:
        """Temporaries and staging folders of runs killed outright; safe because we hold the lock."""
        for p in self.out.iterdir():
            if p.is_symlink():
                continue  # never ours: a link is neither followed nor removed
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
    def commit(self, files: list[str | Path] | None = None) -> list[Path]:
        """Stamp the staged files, replace the previous run's, rename them in (the seal last).

        Everything in the staging folder is committed, ``files`` or not (a writer may add a
        file beside the one it returns); the paths returned are the final ones, in the order
        of ``files`` first."""
        seal = self.seal
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
            proofs = merge(self._proofs, self._previous_files())
            names = {p.name for p in staged}
            self._check_replaceable(staged, proofs)
            removable = []
            for name in sorted(set(proofs) - names):
                old = self.out / name
                if not os.path.lexists(old):
                    continue
                if proven(old, proofs[name]):
                    removable.append(old)
                else:
                    self.kept[name] = "changed since hotspots wrote it, so kept"
            if seal_path in staged:
                _seal_summary(seal_path, self.run_id, manifest, self.kept)
            # the proof of both runs' files, before the first rename: a run killed mid-swap
            # leaves a folder the next run can still tell apart from the analyst's files
            self._write_lock({**self._others, "run_id": self.run_id, "pid": os.getpid(), self._keys[0]: manifest,
                              self._keys[1]: {k: sorted(v) for k, v in proofs.items()}})
            final = self.out / seal
            with contextlib.suppress(FileNotFoundError):
                final.unlink()  # from here until the seal lands, the folder says it is incomplete
            for old in removable:
                with contextlib.suppress(OSError):
                    shutil.rmtree(old) if stat.S_ISDIR(os.lstat(old).st_mode) else old.unlink()
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

    def _check_replaceable(self, staged: list[Path], proofs: dict[str, str]) -> None:
        """Stop before any rename if a staged name would replace a file this tool cannot prove it
        wrote (changed since, someone else's, a link, a FIFO): the analyst's file stays as it is."""
        for p in staged:
            target = self.out / p.name
            try:
                st = os.lstat(target)
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(st.st_mode) or not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                raise link_error(target)
            if p.name == self.seal:
                if not stat.S_ISREG(st.st_mode):
                    raise link_error(target)
                continue  # the previous seal is this tool's record, replaced by the new one
            if stat.S_ISDIR(st.st_mode):
                if p.is_dir() and proven(target, proofs.get(p.name)):
                    continue
                raise DataError(target, "is a folder this run would replace, and not one hotspots wrote",
                                hint="move or rename it, or choose another --out folder")
            if not proven(target, proofs.get(p.name)):
                why = ("was changed since hotspots wrote it" if p.name in proofs
                       else "is not one hotspots has a record of writing (another program's, or an older version's)")
                raise DataError(target, f"{why}; this run would replace it, so nothing was written",
                                hint="move or rename the file to keep it (or delete it), then run again; "
                                     "or choose another --out folder")

    def _previous_files(self) -> dict[str, set[str]]:
        """The previous seal's manifest (name -> SHA-256); nothing if it is not a regular file."""
        return manifest_of(read_regular(self.out / self.seal))

    def _disk_error(self, exc: BaseException) -> DataError:
        staged = sum(p.stat().st_size for p in self.staging.glob("*") if p.is_file()) if self.staging.exists() else 0
        previous = 0
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            d = json.loads(read_regular(self.out / self.seal) or b"{}")
            previous = sum(int(v.get("bytes", 0)) for v in d.get("run_files", {}).values())
        needed = max(previous, 2 * staged, 20_000_000)
        full = full_disk_cause(exc)
        if full is None and isinstance(exc, OSError):
            return disk_error(self.out, exc, what="writing the outputs", needed=needed)
        temp = full_temporary_folder(self.out)
        if temp is not None:  # the outputs' drive has room: the writers' scratch space ran out
            return DataError(temp, "the temporary folder is full while writing the outputs (the export "
                                   "libraries write scratch files there)",
                             hint="free some space there, or set TMPDIR (TEMP on Windows) to a folder on a drive "
                                  "with room")
        return disk_error(self.out, full or OSError(28, "No space left on device"), what="writing the outputs",
                          needed=needed)

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
        if exc is not None and not isinstance(exc, DataError) and isinstance(exc, Exception) and is_disk_full(exc):
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


def _seal_summary(path: Path, run_id: str, manifest: dict[str, Any], kept: dict[str, str]) -> None:
    """Put the run id, the manifest of the run's other files and the earlier files kept
    (changed since an earlier run wrote them) into the seal (summary.json, evaluation.json)."""
    d = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(d, dict):
        d = {"run_id": run_id, **d, "run_files": manifest}
        if kept:
            d["kept_files"] = dict(kept)
        path.write_text(json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
