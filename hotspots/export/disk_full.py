"""Is this failure a full disk? Said by the exception, by one it was raised while handling,
or by its text, and which drive: the output folder's, or the temporary folder's.

Libraries that meet ENOSPC often fail a second time while cleaning up (matplotlib's PDF
writer closing its zlib stream: ``zlib.error: Error -2 while flushing``; lxml's
``SerialisationError: IO_ENOSPC``), and only that second error reaches the run; the full disk
is in its ``__context__`` or its words. Found here once, for every writer.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

__all__ = ["full_disk_cause", "full_temporary_folder", "is_disk_full"]

_DISK_FULL_TEXT = ("no space left on device", "disk is full", "disk full", "not enough space", "quota exceeded",
                   "enospc")


def full_disk_cause(exc: BaseException) -> OSError | None:
    """The ENOSPC/EDQUOT OSError this exception is, or was raised while handling."""
    e: BaseException | None = exc
    for _ in range(20):
        if e is None:
            return None
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return e
        e = e.__cause__ or e.__context__
    return None


def full_temporary_folder(out: Path) -> Path | None:
    """The temporary folder, when it (not ``out``'s drive) is the one that is full."""
    import tempfile

    try:
        temp = Path(tempfile.gettempdir())
        if os.stat(temp).st_dev == os.stat(out).st_dev:
            return None
        if shutil.disk_usage(temp).free < 1_000_000 <= shutil.disk_usage(out).free:
            return temp
    except OSError:
        return None
    return None


def is_disk_full(exc: BaseException) -> bool:
    """A full disk, said by this exception or by one it was raised while handling.

    Libraries that meet ENOSPC often fail a second time cleaning up (matplotlib's PDF writer
    closing its zlib stream: ``Error -2 while flushing``), and only that second error arrives;
    the full disk is in its ``__context__``."""
    seen = 0
    e: BaseException | None = exc
    while e is not None and seen < 20:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return True
        if any(t in str(e).lower() for t in _DISK_FULL_TEXT):
            return True
        e = e.__cause__ or e.__context__
        seen += 1
    return False
