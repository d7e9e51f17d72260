"""A path GDAL will open as the file it names, whatever characters the name holds.

pyogrio turns a path into a GDAL "VSI" path by parsing it as a URI: ``!`` separates an
archive from its member (``Kent LSOAs (final!).geojson`` becomes the member ``).geojson``),
Python's URL parser deletes tabs and newlines anywhere in it, and a name such as
``zip:x`` or ``s3:x`` reads as a scheme. GDAL itself also treats ``PG:``, ``GPKG:`` and
similar prefixes as connection strings. A file name the file system allows must still open,
so such paths are read through a symbolic link (or, where links are not allowed, a copy)
with a plain name in a temporary folder; shapefile side files travel with the ``.shp``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["gdal_safe_path", "needs_plain_name"]

_PLAIN = re.compile(r"[A-Za-z0-9 _.,()+=@#%~\[\]{}'&/\\-]+")


def needs_plain_name(path: str | Path) -> bool:
    """Whether pyogrio or GDAL would read ``path`` as something other than the file it names."""
    text = os.path.abspath(str(path))
    if os.name == "nt":
        text = text[2:] if re.match(r"[A-Za-z]:", text) else text
    if not _PLAIN.fullmatch(text) or text.startswith("/vsi"):
        return True
    try:
        from pyogrio.util import vsi_path
    except ImportError:  # pragma: no cover - pyogrio is a dependency
        return False
    return vsi_path(os.path.abspath(str(path))) != os.path.abspath(str(path))


@contextlib.contextmanager
def gdal_safe_path(path: str | Path) -> Iterator[str]:
    """Yield a path string GDAL opens as ``path`` (the path itself when it is plain)."""
    path = Path(path)
    if not needs_plain_name(path):
        yield str(path)
        return
    tmp = tempfile.mkdtemp(prefix="hotspots-gdal-")
    try:
        suffix = "".join(c for c in path.suffix if c.isalnum() or c == ".") or ".dat"
        companions = [path]
        if path.suffix.lower() == ".shp":  # .dbf, .shx, .prj, .cpg travel with the .shp
            companions += [p for p in path.parent.glob("*") if p.stem == path.stem and p != path]
        for p in companions:
            ext = "".join(c for c in p.suffix if c.isalnum() or c == ".")
            target = Path(tmp) / f"layer{ext if p != path else suffix}"
            try:
                os.symlink(os.path.abspath(p), target)
            except (OSError, NotImplementedError):
                shutil.copy2(p, target)
        yield str(Path(tmp) / f"layer{suffix}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
