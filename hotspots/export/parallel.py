"""The slow exports in a second process, beside the others: two cores, two files at once.

The briefing (matplotlib draws every page) and the evidence pack are most of a run's export
time (Kent 2021: the briefing 9.1 s of 15.4 s). They read the analysis and write their own
files, so a forked child can write them while the parent writes the map, the workbook and the
GIS files: the run then takes about the longer of the two halves, not their sum.

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
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..data.errors import DataError
from ..progress import CancelFn, Cancelled

__all__ = ["ALONGSIDE", "CHILD_LIMIT_BYTES", "abandon", "can_fork", "child_mode", "collect", "resident_bytes", "start_alongside"]

#: exports a forked child writes beside the parent's (the matplotlib ones)
ALONGSIDE = ("briefing.pdf", "evidence.docx")
#: no child when the parent already holds more than this: a child's RSS counts the shared pages again
#: (a national snapped run forked at 0.9 GiB and its process tree read 3.1 GiB); Kent forks at ~0.4 GiB
CHILD_LIMIT_BYTES = 600 << 20

#: what the forked child works on: set just before the fork, read by the child, then cleared
_JOB: dict[str, Any] = {}


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
    if can_fork(workers):
        return "fork"
    if workers < 2 or os.environ.get("HOTSPOTS_NO_FORK", "") not in ("", "0"):
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


def start_alongside(names: Sequence[str], write: Callable[[str], Path | None]) -> tuple[ProcessPoolExecutor, Future]:
    """Fork one child that calls ``write(name)`` for each of ``names``; returns it and its future."""
    _JOB["write"] = write
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    try:
        future = pool.submit(_child, list(names))
    finally:
        _JOB.clear()  # the child has its copy (forked at submit); the parent keeps nothing
    return pool, future


def collect(pool: ProcessPoolExecutor, future: Future, *, cancel: CancelFn | None = None,
            poll: float = 0.1) -> list[tuple[str, str | None, float]]:
    """Wait for the child (Cancel kills it) and return ``(name, path or None, seconds)``;
    re-raise what failed in it."""
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
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    done = []
    for item in results:
        if item[0] == "ok":
            done.append((item[1], item[2], item[3]))
        elif item[0] == "data_error":
            raise DataError(**item[2])
        else:
            info = item[2]
            raise RuntimeError(f"writing {item[1]} failed: {info['type']}: {info['text']}\n{info['trace']}")
    return done


def abandon(pool: ProcessPoolExecutor) -> None:
    """Stop the child without waiting (the parent failed or was cancelled)."""
    _kill(pool)
    pool.shutdown(wait=False, cancel_futures=True)


def _kill(pool: ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError):
            proc.kill()
