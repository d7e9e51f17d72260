"""One PROJ transformer per direction and thread.

``pyproj.Transformer.from_crs`` searches PROJ's database each time it is called (~30-40 ms);
a county's run asked for the same two directions (lat/lon to British National Grid and back)
from a dozen places, each building its own. Transformers must not be shared between threads
(pyproj's advice), so each thread keeps its own, built on first use.
"""

from __future__ import annotations

__all__ = ["transformer"]

import threading
from typing import Any

_LOCAL = threading.local()


def transformer(src: Any, dst: Any) -> Any:
    """The ``always_xy`` transformer from ``src`` to ``dst`` (anything pyproj reads as a CRS)
    of the calling thread."""
    cache = _LOCAL.__dict__.setdefault("transformers", {})
    key = (_name(src), _name(dst))
    found = cache.get(key)
    if found is None:
        from pyproj import Transformer

        found = cache[key] = Transformer.from_crs(src, dst, always_xy=True)
    return found


def _name(crs: Any) -> str:
    """The cache's name for a CRS: an EPSG code as pyproj names a CRS made from it, so ``4326``,
    ``"epsg:4326"`` and the ``CRS`` a GeoJSON file or a GeoDataFrame carries (``"EPSG:4326"``)
    share one transformer (Kent's boundaries and crimes had built the same one twice, ~40 ms
    each); anything else by its text, as before."""
    if isinstance(crs, int) and not isinstance(crs, bool):
        return f"EPSG:{crs}"
    text = str(crs)
    return text.upper() if text[:5].lower() == "epsg:" and text[5:].isdigit() else text
