"""Progress reporting and cancellation shared by the CLI and the GUI.

The engine's long steps call ``progress(message, fraction)`` and poll ``cancel()`` between
steps and chunks (the napari/superqt habit): the CLI prints the messages, the GUI's worker
forwards them to a progress bar and sets the cancel flag from its Cancel button.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Cancelled", "ProgressFn", "CancelFn", "scaled"]

ProgressFn = Callable[[str, float], None]
CancelFn = Callable[[], bool]


class Cancelled(Exception):  # noqa: N818 - it is a signal, not an error
    """The user asked to stop; raised between steps so nothing half-done is kept."""


def scaled(progress: ProgressFn | None, start: float, end: float) -> ProgressFn | None:
    """A progress callback mapping 0..1 of a sub-step onto ``start..end`` of the whole."""
    if progress is None:
        return None

    def inner(message: str, fraction: float) -> None:
        progress(message, start + (end - start) * max(0.0, min(1.0, fraction)))

    return inner
