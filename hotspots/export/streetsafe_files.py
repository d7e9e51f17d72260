"""The StreetSafe files of a run: ``streetsafe_concerns.csv`` and ``streetsafe_update.xlsx``.

Thin bundle writers (:mod:`hotspots.export.bundle`) over the StreetSafe stage's concerns and
the actions log: the log is the study's actions file (``--actions PATH``) plus the rows typed
into the GUI's actions table (saved with the study), read by :mod:`hotspots.data.actions`.
Each writer returns None, writing nothing, when the run has no StreetSafe layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .atomic import atomic_path
from .safe_text import neutralise_frame

__all__ = ["period_label", "write_concerns_csv", "write_update", "UPDATE_HTML", "UPDATE_DOCX"]

#: the printable public page written beside the workbook
UPDATE_HTML = "streetsafe_update.html"
#: the same public page as a Word page a communications team pastes
UPDATE_DOCX = "streetsafe_update.docx"


def period_label(analysis: Any) -> str:
    """"2025-01 to 2025-06" from the settings, else from the months that hold crimes."""
    s = analysis.settings
    months = list(getattr(analysis.filters, "months_with_data", []) or [])
    start = s.month_from or (months[0] if months else "")
    end = s.month_to or (months[-1] if months else "")
    return f"{start} to {end}" if start and end else (start or end)


def write_concerns_csv(analysis: Any, layers: Any, study: Any, path: str | Path) -> Path | None:
    """``streetsafe_concerns.csv`` (counts per concern; no report points), text neutralised."""
    result = getattr(analysis, "streetsafe", None)
    if result is None:
        return None
    with atomic_path(path) as tmp:
        neutralise_frame(result.concerns).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return Path(path)


def write_update(analysis: Any, layers: Any, study: Any, path: str | Path) -> Path | None:
    """``streetsafe_update.xlsx`` ("You said, we did", "Public update"), the public page as HTML and DOCX."""
    from ..data.actions import study_actions
    from .documents.streetsafe_update import write_streetsafe_update

    result = getattr(analysis, "streetsafe", None)
    if result is None:
        return None
    actions = result.actions if result.actions is not None else study_actions(study)
    period = period_label(analysis)
    from ..publish.disclosure import marking_of, public_locations
    from ..streetsafe.public_update import build_public_update
    from .documents.public_update_files import write_public_update_docx, write_public_update_html

    crimes = getattr(layers, "crimes", None)
    public = build_public_update(result.concerns, actions, crimes=crimes if public_locations(crimes) else None,
                                 under_review=bool(getattr(analysis.settings, "update_under_review", False)))
    out = write_streetsafe_update(result.concerns, actions, path, period=period, public=public.rows,
                                  marking=marking_of(study, analysis))
    write_public_update_html(public, Path(path).with_name(UPDATE_HTML), period=period)
    write_public_update_docx(public, Path(path).with_name(UPDATE_DOCX), period=period)
    return out
