"""Answers worked out ahead of need on a thread, taken only for the very same inputs.

The CLI starts some of the exports' work beside the analysis (the map's shapes and towns, the
heat surfaces: :func:`hotspots.export.bundle.prepare_early`). Each is registered here under a
kind with the inputs it was started for; whoever needs the answer later asks with its own
inputs and gets the early one only if they are the same (objects by identity, an object array
of shapes element by element, plain values by ``==``) and it is asked in the process that
started it (a forked child has the parent's futures but not its threads). Otherwise it works
the answer out itself, so results never depend on the head start. An answer is taken once.
"""

from __future__ import annotations

__all__ = ["claim", "forget", "identical", "let_go", "peek", "pending", "settle", "start", "take"]

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import numpy as np

#: kind -> (inputs compared by identity, inputs compared by ==, the answer to come, the process that asked)
_READY: dict[str, tuple[tuple, Any, Future, int]] = {}
_LOCK = threading.Lock()


def identical(a: Any, b: Any) -> bool:
    """``a is b``; for object arrays (shapes), the same objects in the same places."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == object == b.dtype:
        return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
    return a is b


def start(kind: str, pool: Executor, fn: Callable[..., Any], *args: Any, same: tuple = (), equal: Any = None
          ) -> Future:
    """Run ``fn(*args)`` on ``pool`` as the answer to ``kind`` for inputs ``same`` and ``equal``;
    returns its future (for work queued after it, which must not take it)."""
    future = pool.submit(fn, *args)
    with _LOCK:
        _READY[kind] = (tuple(same), equal, future, os.getpid())
    return future


def take(kind: str, same: tuple = (), equal: Any = None) -> tuple[bool, Any]:
    """``(True, answer)`` if ``kind`` was started here for these very inputs (waiting for it),
    else ``(False, None)``; either way the early answer is let go."""
    future = claim(kind, same, equal)
    return (False, None) if future is None else (True, future.result())


def claim(kind: str, same: tuple = (), equal: Any = None) -> Future | None:
    """The future of ``kind`` if it was started here for these very inputs, taken without
    waiting for it (the caller asks for its result when it needs it), else None; either way the
    early answer is let go, as by :func:`take`."""
    with _LOCK:
        ready = _READY.pop(kind, None)
    return ready[2] if ready is not None and _matches(ready, same, equal) else None


def peek(kind: str, same: tuple = (), equal: Any = None) -> Future | None:
    """The future of ``kind`` if it was started here for these very inputs, without taking it:
    for early work that builds on another early answer its owner will still take (the map's
    street names place themselves after its towns)."""
    with _LOCK:
        ready = _READY.get(kind)
    if ready is None:
        return None
    return ready[2] if _matches(ready, same, equal) else None


def _matches(ready: tuple, same: tuple, equal: Any) -> bool:
    """Whether an early answer was started in this process for these very inputs."""
    e_same, e_equal, _future, pid = ready
    if pid != os.getpid() or len(e_same) != len(same) or e_equal != equal:
        return False
    return all(identical(a, b) for a, b in zip(e_same, same, strict=True))


def pending() -> set[str]:
    """The kinds started and not yet taken (for tests and checks)."""
    with _LOCK:
        return set(_READY)


def let_go(*kinds: str, wait: bool = False) -> None:
    """Let go of these kinds' early answers, asked for or not, at the end of a run (a process
    that runs several studies keeps no finished work). ``wait``: until their work is done, if
    it was started here (an import on a thread must not outlive the run); a failure there is
    only a head start lost: whoever needed the answer worked it out and reported what it met."""
    with _LOCK:
        gone = [_READY.pop(kind, None) for kind in kinds]
    if wait:
        for ready in gone:
            if ready is not None and ready[3] == os.getpid():
                with contextlib.suppress(Exception):  # (see above)
                    ready[2].exception()


def forget() -> None:
    """Drop every early answer not taken (a test's clean slate)."""
    with _LOCK:
        _READY.clear()


def settle() -> None:
    """Wait until the work started in this process is done (before a fork: a child must not
    inherit a thread's half-held locks, nor futures no thread of its own will complete)."""
    with _LOCK:
        mine = [r[2] for r in _READY.values() if r[3] == os.getpid()]
    for future in mine:
        future.exception()  # waits; a failure is raised where the answer is asked for
