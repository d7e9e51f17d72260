"""The questions the window asks before it loses work: unsaved changes, a run still going.

Opening a study (or starting a new one) over unsaved work used to drop it without a word, and
closing during a run or an export killed the worker mid-file. Each question is one call to
:func:`ask`, a module function, so tests patch it and never block on a modal. The window's
``confirm_close`` switch (off in tests and under ``--screenshot``) turns every question off.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

__all__ = ["ask", "unsaved_work_ok", "busy_close_ok", "ask_which_file", "one_file_per_layer"]

_B = QMessageBox.StandardButton


def ask(parent: Any, title: str, text: str, buttons: Any, default: Any) -> Any:
    """A modal question; returns the button pressed."""
    return QMessageBox.question(parent, title, text, buttons, default)


def unsaved_work_ok(win: Any, doing: str) -> bool:
    """True when the window may replace the study: nothing unsaved, or Save/Discard was chosen.

    ``doing`` finishes the question: "opening another study", "starting a new study"."""
    state = win.state
    if not getattr(win, "confirm_close", False) or not state.dirty or state.is_demo:
        return True
    name = state.study.name or "Untitled study"
    answer = ask(win, "Save the study?",
                 f"'{name}' has changes that are not saved (layers or settings). Save them before {doing}?",
                 _B.Save | _B.Discard | _B.Cancel, _B.Save)
    if answer == _B.Cancel:
        return False
    if answer == _B.Save:
        return win.save_study() is not None
    return True


def busy_close_ok(win: Any) -> bool:
    """True when the window may close: no run or export going, or the user chose to stop it."""
    runner = win.runner
    if not runner.busy or not getattr(win, "confirm_close", False):
        return True
    job = getattr(getattr(runner, "current", None), "name", "a job")
    answer = ask(win, "Stop and close?",
                 f"hotspots is still busy ({job}). Stop it and close the window? A file being written is left "
                 "as it was before (files are written whole or not at all).", _B.Yes | _B.No, _B.No)
    if answer != _B.Yes:
        return False
    runner.cancel()
    return True


def ask_which_file(parent: Any, label: str, paths: list[str]) -> str | None:
    """Two files of a one-file layer dropped together (two deprivation files): which one to use.

    The layer holds one file, so loading both would keep only the last, silently; None: cancel."""
    from pathlib import Path

    from PySide6.QtWidgets import QInputDialog

    names = [Path(p).name for p in paths]
    name, ok = QInputDialog.getItem(parent, f"Which {label.lower()} file?",
                                    f"{len(paths)} files were given for the {label.lower()} layer, which holds one.\n"
                                    "Load which one?", names, 0, False)
    return paths[names.index(name)] if ok and name in names else None


def one_file_per_layer(parent: Any, kinds: dict[str, str], labels: dict[str, str]) -> dict[str, str] | None:
    """``path -> kind`` with one file per single-file layer, asking when a layer got several."""
    by_kind: dict[str, list[str]] = {}
    for p, k in kinds.items():
        by_kind.setdefault(k, []).append(p)
    out = dict(kinds)
    for k, paths in by_kind.items():
        if k == "crimes" or len(paths) < 2:
            continue
        keep = ask_which_file(parent, labels.get(k, k), paths)
        if keep is None:
            return None
        for p in paths:
            if p != keep:
                out.pop(p)
    return out
