"""Which files a layer was read from, as (path, size, mtime): how a re-run knows what changed.

Here in :mod:`hotspots.data` beside the readers, so both the loader (:mod:`hotspots.load`) and a
reader that caches its own parse (:mod:`hotspots.data.extract_layer`) can ask without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["file_identity"]


def file_identity(paths: str | list[str] | None) -> tuple:
    """(path, size, mtime) of every file under ``paths``: equal identities -> same content read.

    Folders are walked (a police.uk folder of months), so a month added to a folder is seen.
    """
    if not paths:
        return ()
    items = [paths] if isinstance(paths, str) else list(paths)
    out = []
    for p in items:
        q = Path(p)
        try:
            if q.is_dir():
                for root, _dirs, files in os.walk(q):
                    for f in sorted(files):
                        st = os.stat(os.path.join(root, f))
                        out.append((os.path.join(root, f), st.st_size, st.st_mtime_ns))
            else:
                st = q.stat()
                out.append((str(q.resolve()), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(q), -1, -1))  # the reader will say what is wrong with it
    return tuple(sorted(out))
