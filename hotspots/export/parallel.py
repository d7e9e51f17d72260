"""The slow exports in a second process, beside the others: two cores, two files at once.

The exports read the analysis and write their own files, so a forked child can write some of
them (:data:`ALONGSIDE`: the briefing, the evidence pack, the heat GeoTIFF and the GeoPackage)
while the parent writes the map, the workbook and the GeoJSON files: the run then takes about the longer of the
two halves, not their sum.

Why ``fork`` and nothing else: the child needs the analysis, the layers and the study as they
are in memory (pickling the crimes of a large study costs more than it saves), and a forked
child shares those pages with the parent. Where ``fork`` is missing (Windows, macOS's default)
or unsafe (the GUI runs threads of its own, so it never asks for a child), or the process is
already large (a forked child's resident set counts the shared pages again, and a study of
millions of crimes should not look twice its size), :func:`can_fork` says no and the exports
run one after another as before.

The child writes into the same staging folder (every writer is atomic), returns each file's
path or None and its seconds, and reports a failure as data: a :class:`DataError`'s fields, or
the exception's type and text, re-raised in the parent. Cancel kills the child.

A child never outlives its parent (:func:`guard_child`, the pools' initializer, forked or
spawned): it asks Linux to kill it when the parent dies (``prctl(PR_SET_PDEATHSIG)``) and a
watchdog thread ends it when its parent id changes (the fallback where prctl is missing or the
parent died before it was set). It never holds the caller's output either: its stdin, stdout
and stderr point at a log file in the staging folder, so a script reading the CLI's output
sees the end of it as soon as the CLI ends, however it ends. A child that dies without
reporting (killed, out of memory) becomes a :class:`~hotspots.runtime.failures.WorkerStopped` naming
how it ended, never ``BrokenProcessPool``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..data.errors import DataError
from ..progress import CancelFn, Cancelled
from ..runtime.failures import MEMORY_FIX, OutOfMemory, WorkerStopped

__all__ = ["ALONGSIDE", "CHILD_LIMIT_BYTES", "abandon", "can_fork", "child_mode", "collect", "guard_child", "new_pool",
           "resident_bytes", "start_alongside", "submit_quietly"]

#: exports a forked child writes beside the parent's: the documents, the heat GeoTIFF and the
#: GeoPackage, so the two halves take about as long (Kent, 2026-12-07, 4 alternated pairs: briefing
#: ~0.8 s + GeoTIFF ~0.2 s + GeoPackage ~0.15 s in the child beside the map ~0.8 s, the workbook
#: ~0.25 s and the GeoJSON files ~0.1 s in the parent; the GeoPackage in the child took the exports
#: 1.24-1.34 -> 1.13-1.18 s once the child no longer worked out the heat again)
ALONGSIDE = ("briefing.pdf", "evidence.docx", "heat.tif", "patrol_zones.gpkg")
#: no child when the parent already holds more than this: a child's RSS counts the shared pages again
#: (a national snapped run forked at 0.9 GiB and its process tree read 3.1 GiB); Kent forks at ~0.4 GiB
CHILD_LIMIT_BYTES = 600 << 20

#: what the forked child works on: set just before the fork, read by the child, then cleared
_JOB: dict[str, Any] = {}
#: how often a child's watchdog looks at its parent id (seconds)
WATCH_SECONDS = 0.25
#: Linux prctl option: the signal a process gets when its parent dies
_PR_SET_PDEATHSIG = 1
#: the child's log in the staging folder (dot-named; removed before the folder is committed)
LOG_PREFIX = ".export-child-"


def _set_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies (False where that cannot be asked)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """End this process as soon as its parent is gone (its parent id changes to a reaper)."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(WATCH_SECONDS)


def guard_child(parent: int, log: str | None) -> None:
    """A pool initializer (runs first in the child): die with ``parent``, stdio away from the caller's.

    The death signal is set first, then the parent id is checked (the parent may have died
    before prctl), then a daemon thread keeps checking. stdin reads /dev/null; stdout and stderr
    go to ``log`` (or /dev/null), so nothing the child prints, and no pipe it inherited, reaches
    or holds the caller's terminal or pipes; failures come back through the result instead."""
    _set_death_signal()
    if os.getppid() != parent:
        os._exit(1)
    from ..runtime.memory import limit_arenas

    limit_arenas()  # a spawned interpreter starts with glibc's default (see hotspots.runtime.memory)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watchdog", daemon=True).start()
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    with contextlib.suppress(OSError):
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if log else os.open(os.devnull, os.O_WRONLY)
        os.dup2(out, 1)  # (a forked child's copy of unflushed parent text, if any, goes to the log, not twice out)
        os.dup2(out, 2)
        os.close(out)


def new_pool(context: str, log_dir: Path | None = None) -> ProcessPoolExecutor:
    """A one-worker pool whose child is guarded by :func:`guard_child`; its log (if any) is
    ``pool._hotspots_log`` and its processes are remembered for :func:`collect`'s message."""
    log = None
    if log_dir is not None:
        log = str(Path(log_dir) / f"{LOG_PREFIX}{os.getpid()}-{context}.log")
    with _stdio_away() if context != "fork" else contextlib.nullcontext():
        _start_resource_tracker(context)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(context),
                               initializer=guard_child, initargs=(os.getpid(), log))
    pool._hotspots_log = log  # type: ignore[attr-defined]
    pool._hotspots_procs = []  # type: ignore[attr-defined]
    return pool


@contextlib.contextmanager
def _stdio_away():
    """fds 1 and 2 point at /dev/null for the duration (what a helper process started now inherits)."""
    try:
        saved = [os.dup(1), os.dup(2)]
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def submit_quietly(pool: ProcessPoolExecutor, fn: Callable, *args: Any) -> Future:
    """``pool.submit`` with fds 1 and 2 on /dev/null while it starts the child (it forks or spawns
    there): the child never has the caller's pipes, not even before :func:`guard_child` runs."""
    with _stdio_away():
        return pool.submit(fn, *args)


def _start_resource_tracker(context: str) -> None:
    """A spawned pool's locks start multiprocessing's resource tracker, which inherits the
    process's stdout and stderr; started here, while they are /dev/null, it never holds the caller's pipes."""
    if context == "fork":
        return
    with contextlib.suppress(Exception):
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()


def _remember(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())
    with contextlib.suppress(AttributeError):
        pool._hotspots_procs.extend(p for p in procs if p not in pool._hotspots_procs)  # type: ignore[attr-defined]


def resident_bytes() -> int:
    """This process's resident set size (Linux ``/proc``; 0 where unknown)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def can_fork(workers: int) -> bool:
    """A child is worth starting: more than one worker asked for, ``fork`` exists and this
    process is still small (see the module notes). Only the CLI asks for more than one: the
    GUI's exports run in a worker thread beside the window's own threads, where forking is
    not safe, so it keeps the default of one. ``HOTSPOTS_NO_FORK=1`` turns it off (the test
    suite does: GUI tests load Qt into the same process as the CLI tests)."""
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if os.environ.get("HOTSPOTS_NO_FORK", "") not in ("", "0"):  # the tests set it: Qt may be loaded there
        return False
    return 0 < resident_bytes() < CHILD_LIMIT_BYTES


def child_mode(workers: int) -> str | None:
    """How the CLI writes the slow exports beside the rest: "fork" (a small process, see
    :func:`can_fork`), "spawn" (a large one: :mod:`hotspots.export.spawned`) or None (one
    worker, the GUI, ``HOTSPOTS_NO_FORK``, or no resident size to judge by)."""
    no_child = workers < 2 or os.environ.get("HOTSPOTS_NO_FORK", "") not in ("", "0")
    forced = os.environ.get("HOTSPOTS_CHILD_MODE", "")  # "fork"/"spawn": the orphan tests and benchmarks
    if not no_child and (forced == "spawn" or (forced == "fork" and "fork" in multiprocessing.get_all_start_methods())):
        return forced
    if can_fork(workers):
        return "fork"
    if no_child:
        return None
    return "spawn" if resident_bytes() >= CHILD_LIMIT_BYTES else None


def _child(names: Sequence[str]) -> list[tuple[str, str | None, float] | tuple[str, str, dict]]:
    """In the child: write ``names`` one after another; a failure comes back as data."""
    job = _JOB
    out: list = []
    for name in names:
        t = time.perf_counter()
        try:
            result = job["write"](name)
        except DataError as exc:
            return [*out, ("data_error", name, {f.name: _plain(getattr(exc, f.name)) for f in fields(exc)})]
        except Exception as exc:  # noqa: BLE001 - sent back and re-raised in the parent
            return [*out, ("error", name, {"type": type(exc).__name__, "text": str(exc),
                                           "trace": traceback.format_exc()})]
        out.append(("ok", name, None if result is None else str(result), round(time.perf_counter() - t, 3)))
    return out


def _plain(v: Any) -> Any:
    return str(v) if isinstance(v, Path) else v


def start_alongside(names: Sequence[str], write: Callable[[str], Path | None],
                    log_dir: Path | None = None) -> tuple[ProcessPoolExecutor, Future]:
    """Fork one child that calls ``write(name)`` for each of ``names``; returns it and its future.
    The child's output goes to a log in ``log_dir`` (the staging folder), else to /dev/null."""
    _JOB["write"] = write
    pool = new_pool("fork", log_dir)
    try:
        future = submit_quietly(pool, _child, list(names))
        _remember(pool)
    finally:
        _JOB.clear()  # the child has its copy (forked at submit); the parent keeps nothing
    return pool, future


def collect(pool: ProcessPoolExecutor, future: Future, *, cancel: CancelFn | None = None,
            poll: float = 0.1) -> list[tuple[str, str | None, float]]:
    """Wait for the child (Cancel kills it) and return ``(name, path or None, seconds)``;
    re-raise what failed in it."""
    from concurrent.futures.process import BrokenProcessPool

    _remember(pool)
    try:
        while True:
            if cancel and cancel():
                _kill(pool)
                raise Cancelled()
            try:
                results = future.result(timeout=poll)
                break
            except TimeoutError:
                continue
            except BrokenProcessPool:
                raise _stopped(pool) from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        _drop_log(pool)
    done = []
    for item in results:
        if item[0] == "ok":
            done.append((item[1], item[2], item[3]))
        elif item[0] == "data_error":
            raise DataError(**item[2])
        else:
            info = item[2]
            if info["type"] == "MemoryError":
                raise OutOfMemory(f"ran out of memory while writing {_label(item[1])}", MEMORY_FIX)
            raise RuntimeError(f"writing {item[1]} failed: {info['type']}: {info['text']}\n{info['trace']}")
    return done


def _label(job: str) -> str:
    return "the briefing" if job.startswith("briefing") else job


def _stopped(pool: ProcessPoolExecutor) -> WorkerStopped:
    """What to say when the child ended without reporting: how it ended and its last log line."""
    procs = list(getattr(pool, "_hotspots_procs", []))
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(timeout=2)
    codes = [p.exitcode for p in procs if getattr(p, "exitcode", None) is not None]
    how = "killed, perhaps out of memory"
    if codes and codes[0] < 0:
        try:
            name = signal.Signals(-codes[0]).name
        except ValueError:
            name = f"signal {-codes[0]}"
        how = f"killed by {name}, perhaps out of memory" if -codes[0] == signal.SIGKILL else f"ended by {name}"
    elif codes:
        how = f"exit status {codes[0]}"
    last = _log_tail(pool)
    return WorkerStopped(f"the briefing writer stopped unexpectedly ({how}){'; it said: ' + last if last else ''}; "
                         "no output files were changed", MEMORY_FIX)


def _log_tail(pool: ProcessPoolExecutor) -> str:
    log = getattr(pool, "_hotspots_log", None)
    if not log:
        return ""
    try:
        with open(log, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 2000))
            lines = [ln.strip() for ln in fh.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def _drop_log(pool: ProcessPoolExecutor) -> None:
    log = getattr(pool, "_hotspots_log", None)
    if log:
        with contextlib.suppress(OSError):
            os.unlink(log)


def abandon(pool: ProcessPoolExecutor) -> None:
    """Stop the child without waiting (the parent failed or was cancelled)."""
    _kill(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    _drop_log(pool)


def _kill(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values()) + list(getattr(pool, "_hotspots_procs", []))
    for proc in procs:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.kill()
