"""hotspots: where harm concentrates, and where to patrol.

The engine is importable without a display: no Qt, folium or matplotlib is loaded here
(exports import those inside the one function that needs them).
"""

from __future__ import annotations

__all__ = ["HotspotsWarning", "__version__"]

__version__ = "0.1.0"


class HotspotsWarning(UserWarning):
    """Warnings raised by hotspots itself (tests turn them into errors)."""


def _prepare_matplotlib() -> None:
    from .export._matplotlib_home import prepare  # no matplotlib import: a folder and a log filter

    prepare()


_prepare_matplotlib()
