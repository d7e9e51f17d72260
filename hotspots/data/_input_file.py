"""The first check of every input path: a regular file (or, where allowed, a folder).

``open()`` on a FIFO waits for a writer that never comes (the CLI and the app hang), a
character device such as ``/dev/urandom`` has size 0 and never ends (reported as "the file
is empty", or read until memory runs out), and a socket cannot be opened at all. Each reader
calls :func:`require_input` before it opens anything, so such a path is one DataError
saying what it is. ``os.stat`` follows a symbolic link: a link to a real file is a real file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import DataError

__all__ = ["require_input", "kind_of", "check_inflated_size", "MAX_XLSX_INFLATED"]


def kind_of(mode: int) -> str:
    """What a non-regular file is, in plain words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a file"


def require_input(path: str | Path, what: str, *, folder_ok: bool = False,
                  not_found: str | None = None) -> os.stat_result:
    """Stat ``path``; a DataError unless it is a regular file (or a folder, with ``folder_ok``).

    Returns the stat result (its ``st_size`` is then the file's real size)."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise DataError(p, not_found or f"{what} file not found", hint="check the path") from None
    except OSError as exc:
        raise DataError(p, f"cannot read the {what} file ({exc.strerror or exc})",
                        hint="check the path and that you may read it") from None
    if stat.S_ISREG(st.st_mode) or (folder_ok and stat.S_ISDIR(st.st_mode)):
        return st
    if stat.S_ISDIR(st.st_mode):
        raise DataError(p, f"expected a {what} file but this is a folder", hint="pick the file itself")
    raise DataError(p, f"not a regular file: it is {kind_of(st.st_mode)}, which cannot be read as a {what} file",
                    hint=f"give the path of the {what} file itself (saved on disk)")


#: the most a workbook read here may inflate to (its parts' uncompressed sizes summed): IMD 2019
#: File 1, the largest table these readers meet, is 10.7 MB inflated; an XLSX "bomb" of a few
#: MB that inflates to gigabytes (15 million rows) is refused before a byte of it is parsed
MAX_XLSX_INFLATED = 256_000_000


def check_inflated_size(path: Path, what: str) -> None:
    """Refuse a workbook whose parts would inflate past :data:`MAX_XLSX_INFLATED`.

    The sizes are those the ZIP directory declares; Python's zipfile never inflates a part
    past its declared size, so a lying directory cannot get round the bound."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            total = sum(max(0, i.file_size) for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a ZIP (an old .xls, a broken file): openpyxl's own error says so
    if total > MAX_XLSX_INFLATED:
        raise DataError(path, f"the workbook would inflate to {total / 1e6:,.0f} MB when opened, more than the "
                              f"{MAX_XLSX_INFLATED / 1e6:,.0f} MB any {what} workbook needs (a compressed "
                              "'zip bomb', or far more rows than there are LSOAs)",
                        hint=f"check the file; export the {what} again, or save it as CSV")
