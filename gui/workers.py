"""Run engine calls off the GUI thread, with progress, a cancel flag and one outcome signal.

The engine's long steps take ``progress(message, fraction)`` and poll ``cancel() -> bool``
(:mod:`hotspots.progress`). A :class:`Task` wraps one such call: it runs in a
:class:`TaskRunner`'s thread pool, forwards progress (throttled, so a permutation loop cannot
flood the event loop), and ends with exactly one of ``finished(result)``, ``error(text)`` or
``cancelled()``, then ``done()``. Cancel sets a :class:`threading.Event` the engine polls, and
a result that arrives after Cancel was pressed is dropped, so a cancelled run never changes
what the window shows (the napari/superqt worker habit).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from hotspots.data.errors import DataError
from hotspots.progress import Cancelled

__all__ = ["Task", "TaskRunner", "all_runners", "error_text"]

_RUNNERS: weakref.WeakSet[TaskRunner] = weakref.WeakSet()


def all_runners() -> list[TaskRunner]:
    """Every live runner (the test fixture checks none is left with a running task)."""
    return list(_RUNNERS)


def error_text(exc: BaseException) -> str:
    """One line a user can act on: the DataError text, or the type and message otherwise."""
    if isinstance(exc, DataError):
        from .words import describe

        return describe(exc)
    if isinstance(exc, MemoryError):
        return "out of memory (fix: analyse fewer months or a smaller area)"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc} (fix: check the file exists and is not open elsewhere)"
    return f"unexpected {type(exc).__name__}: {exc} (fix: please report it with the file you used)"


class Task(QObject):
    """One engine call ``fn(progress, cancel)`` run in a worker thread.

    Signals are emitted from the worker thread; slots of objects living in the GUI thread are
    called through queued connections, so they run on the GUI thread.
    """

    progress = Signal(str, float)
    finished = Signal(object)
    error = Signal(str)
    cancelled = Signal()
    done = Signal()

    #: at most this many progress updates a second reach the GUI
    MAX_UPDATES_PER_SECOND = 20

    def __init__(self, fn: Callable[[Callable[[str, float], None], Callable[[], bool]], Any],
                 name: str = "task") -> None:
        super().__init__()
        self.name = name
        self._fn = fn
        self._cancel = threading.Event()
        self._last = (0.0, "", -1.0)
        self.outcome: str | None = None  # "finished" | "error" | "cancelled" once done
        self.running = False

    def cancel(self) -> None:
        """Ask the engine to stop at its next check; safe to call from any thread."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _report(self, message: str, fraction: float) -> None:
        now = time.monotonic()
        t, msg, frac = self._last
        if message == msg and now - t < 1.0 / self.MAX_UPDATES_PER_SECOND and fraction < 1.0:
            return
        self._last = (now, message, fraction)
        self.progress.emit(str(message), float(fraction))

    def run(self) -> None:
        """Call the function and emit the outcome (runs in the worker thread)."""
        self.running = True
        try:
            result = self._fn(self._report, self._cancel.is_set)
        except Cancelled:
            self.outcome = "cancelled"
            self.cancelled.emit()
        except Exception as exc:  # every failure becomes one line in a dialog, never a traceback
            if not isinstance(exc, DataError):
                traceback.print_exc(file=sys.stderr)
            self.outcome = "error"
            self.error.emit(error_text(exc))
        else:
            if self._cancel.is_set():  # finished after Cancel: drop the result
                self.outcome = "cancelled"
                self.cancelled.emit()
            else:
                self.outcome = "finished"
                self.finished.emit(result)
        finally:
            self.running = False
            self.done.emit()


class TaskRunner(QObject):
    """Runs one task at a time in a worker thread and relays its signals on the GUI thread.

    The worker is a Python :class:`threading.Thread`, not a QThread/QThreadPool thread: pyproj
    3.7 keeps its PROJ context per Python thread state, and threads Qt creates get a fresh,
    short-lived thread state for each call into Python, so a CRS touched in one job can crash the
    next (pyproj issues #1509 and #1622). Signals emitted from the thread reach GUI objects
    through Qt's queued connections just the same.

    Task signals are connected to this object's methods, which live on the GUI thread, so the
    callbacks given to :meth:`start` (often lambdas, which Qt would otherwise call on the
    worker thread) always run on the GUI thread. The outcome callback runs after the runner is
    free again, so it may start the next task.
    """

    busyChanged = Signal(bool)
    progress = Signal(str, float)
    started = Signal(str)
    ended = Signal(str, str)  # task name, outcome: "finished" | "error" | "cancelled"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self.current: Task | None = None
        self._callbacks: dict[str, Callable[..., Any] | None] = {}
        self._payload: tuple[str, Any] | None = None
        _RUNNERS.add(self)

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, task: Task, *, on_finished: Callable[[Any], Any] | None = None,
              on_error: Callable[[str], Any] | None = None,
              on_cancelled: Callable[[], Any] | None = None) -> Task:
        """Run ``task``; raises RuntimeError if another task is still running."""
        if self.current is not None:
            raise RuntimeError(f"'{self.current.name}' is still running")
        self.current = task
        self._callbacks = {"finished": on_finished, "error": on_error, "cancelled": on_cancelled}
        self._payload = None
        task.progress.connect(self._on_progress)
        task.finished.connect(self._on_finished)
        task.error.connect(self._on_error)
        task.cancelled.connect(self._on_cancelled)
        task.done.connect(self._on_done)
        self.busyChanged.emit(True)
        self.started.emit(task.name)
        self._thread = threading.Thread(target=task.run, name=f"hotspots-{task.name}", daemon=True)
        self._thread.start()
        return task

    def cancel(self) -> None:
        if self.current is not None:
            self.current.cancel()

    def _on_progress(self, message: str, fraction: float) -> None:
        self.progress.emit(message, fraction)

    def _on_finished(self, result: object) -> None:
        self._payload = ("finished", result)

    def _on_error(self, text: str) -> None:
        self._payload = ("error", text)

    def _on_cancelled(self) -> None:
        self._payload = ("cancelled", None)

    def _on_done(self) -> None:
        task, self.current = self.current, None
        outcome, value = self._payload or ("error", "the task ended without a result")
        callback = self._callbacks.get(outcome)
        self._callbacks, self._payload = {}, None
        self.busyChanged.emit(False)
        try:
            if callback is not None:
                callback() if outcome == "cancelled" else callback(value)
        finally:
            self.ended.emit(task.name if task else "", outcome)

    def active_threads(self) -> int:
        return int(self._thread is not None and self._thread.is_alive())

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the worker thread has ended (True) or ``msecs`` pass (False).

        The outcome signals are queued: process events afterwards to deliver them.
        """
        if self._thread is not None:
            self._thread.join(msecs / 1000)
        return not self.active_threads()

    def shutdown(self, msecs: int = 30_000) -> bool:
        """Cancel what runs and wait for the thread to end (window close, test teardown)."""
        self.cancel()
        return self.wait(msecs)
