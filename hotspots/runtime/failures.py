"""Failures that are nobody's bad input but still deserve one clear line and a fix.

A run can stop for reasons outside its files: the machine runs out of memory (a cgroup limit,
``ulimit -v``), or the kernel kills the process that writes the briefing. Python reports
those as ``MemoryError``, an ``ImportError`` ("failed to map segment from shared object"),
``OSError(ENOMEM)``, "can't start new thread" or ``BrokenProcessPool``, which the CLI used to
print as ``unexpected ...``. :func:`as_failure` turns each into a :class:`RunFailure` that says
what happened, during which stage, and what to try; the CLI prints it as its ``error:`` line
(exit 1: not bad input, per the exit-code contract) and the GUI shows it in its dialog.
"""

from __future__ import annotations

import errno

__all__ = ["RunFailure", "OutOfMemory", "WorkerStopped", "is_out_of_memory", "as_failure", "MEMORY_FIX"]

MEMORY_FIX = ("try --no-exports, fewer months (--from/--to) or crime types (--crime-type), "
              "or a machine with more memory")


class RunFailure(Exception):
    """A run stopped for a reason outside its inputs: ``message`` and ``hint`` (the fix)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def describe(self) -> str:
        return f"{self.message} (fix: {self.hint})" if self.hint else self.message


class OutOfMemory(RunFailure):
    """The process (or its export worker) ran out of memory."""


class WorkerStopped(RunFailure):
    """An export worker process ended without reporting (killed, out of memory, crashed)."""


_NO_MEMORY_TEXT = ("cannot allocate memory", "failed to map segment", "out of memory", "can't start new thread",
                   "unable to allocate", "std::bad_alloc", "bad_alloc")


def is_out_of_memory(exc: BaseException) -> bool:
    """True when ``exc`` is the machine refusing memory, whatever Python calls it."""
    if isinstance(exc, MemoryError | OutOfMemory):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    if isinstance(exc, ImportError | OSError | RuntimeError):
        text = str(exc).lower()
        return any(t in text for t in _NO_MEMORY_TEXT)
    return False


def as_failure(exc: BaseException, stage: str | None = None) -> RunFailure | None:
    """The :class:`RunFailure` ``exc`` stands for (None when it is a genuine bug to report).

    ``stage`` is what the run was doing ("Writing briefing (briefing.pdf)"), as the progress
    messages say it."""
    if isinstance(exc, RunFailure):
        return exc
    where = ""
    if stage:
        done = stage.rstrip(". ").lower().endswith(("done", "loaded", "written"))
        where = f" after '{stage}'" if done else f" while {stage[0].lower()}{stage[1:]}"
    if is_out_of_memory(exc):
        return OutOfMemory(f"ran out of memory{where}", MEMORY_FIX)
    try:
        from concurrent.futures.process import BrokenProcessPool
    except ImportError:  # pragma: no cover - the standard library has it
        return None
    if isinstance(exc, BrokenProcessPool):
        return WorkerStopped(f"the briefing writer stopped unexpectedly (killed, perhaps out of memory){where}; "
                             "no output files were changed", MEMORY_FIX)
    return None
