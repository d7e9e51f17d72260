"""A writable home for matplotlib's font cache, and no cache chatter on stderr.

matplotlib keeps its font list in ``~/.cache/matplotlib``; where the home folder cannot be
written (a service account, ``HOME`` on a read-only share) it makes a new temporary folder
on every start, rebuilds the font list (a second or more) and logs "Matplotlib created a
temporary cache directory"; with a full temporary folder it then logs "Could not save
font_manager cache" as well. Those lines break the CLI's one-``error:``-line contract and
say nothing an analyst can act on. :func:`prepare` (called when ``hotspots`` is imported,
before any matplotlib import) points ``MPLCONFIGDIR`` at a private folder that can be
written when the default cannot, and filters those records from matplotlib's loggers.
Nothing here imports matplotlib.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["prepare", "QUIET_MESSAGES"]

#: matplotlib log messages about its own cache folder, not about the analyst's work
QUIET_MESSAGES = ("Could not save font_manager cache", "created a temporary cache directory",
                  "mkdir -p failed for path", "is not a writable directory", "Failed to acquire lock")


class _CacheChatter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a record that cannot format itself is not ours to judge
            return True
        return not any(m in text for m in QUIET_MESSAGES)


def _usable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def _defaults() -> list[Path]:
    home = Path(os.path.expanduser("~"))
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "matplotlib"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "matplotlib"
    return [config, cache]


def _private() -> Path | None:
    """``<tmp>/hotspots-matplotlib-<uid>``, made by us and only ours (not a planted link)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"hotspots-matplotlib-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != uid):
        return None
    return folder if os.access(folder, os.W_OK | os.X_OK) else None


def prepare() -> None:
    """Give matplotlib a writable folder if its default is not, and quiet its cache chatter."""
    for name in ("matplotlib", "matplotlib.font_manager"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _CacheChatter) for f in logger.filters):
            logger.addFilter(_CacheChatter())
    if os.environ.get("MPLCONFIGDIR"):
        return
    try:
        if all(_usable(d) for d in _defaults()):
            return
        folder = _private()
    except (OSError, RuntimeError, KeyError):  # no home at all
        folder = _private()
    if folder is not None:
        os.environ["MPLCONFIGDIR"] = str(folder)
