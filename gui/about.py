"""The About box: versions (for bug reports and method statements) and the data licences.

Outputs built from police.uk, ONS, MHCLG and OpenStreetMap data must carry their attribution;
the About box is where a bid writer copies it from.
"""

from __future__ import annotations

import html
from importlib import metadata

from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["versions", "about_html", "LICENCES", "show_about"]

LICENCES = [
    ("police.uk street-level crime", "Open Government Licence v3.0 (Home Office / data.police.uk)"),
    ("ONS LSOA boundaries", "Contains OS data © Crown copyright and database right; "
                            "ONS data under the Open Government Licence v3.0"),
    ("English Indices of Deprivation (IMD 2019, IoD 2025)", "Open Government Licence v3.0 (MHCLG)"),
    ("ONS / IoD population", "Open Government Licence v3.0"),
    ("Open Pubs (FSA, ONS Postcode Directory)", "Open Government Licence v3.0"),
    ("OpenStreetMap (pubs, basemap)", "© OpenStreetMap contributors, Open Database Licence (ODbL)"),
    ("StreetSafe reports", "police.uk; share only as your force's data-sharing terms allow"),
]
_PACKAGES = ["hotspots", "PySide6", "esda", "libpysal", "geopandas", "pandas", "shapely", "folium"]


def versions() -> dict[str, str]:
    """Installed versions of the packages an analysis depends on."""
    out: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        from PySide6 import QtCore

        out["Qt"] = QtCore.qVersion()
    except ImportError:  # pragma: no cover - the GUI cannot run without it anyway
        pass
    return out


def about_html() -> str:
    vrows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in versions().items())
    lrows = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in LICENCES)
    return (
        "<h2>hotspots</h2>"
        "<p>Where violence, harassment and other harm concentrate: LSOA hot spots (Local Moran's I, "
        "Getis-Ord Gi*) and patrol zones from police.uk, ONS, IMD, pubs and StreetSafe data.</p>"
        f"<h3>Versions</h3><table cellpadding=2>{vrows}</table>"
        f"<h3>Data licences</h3><ul>{lrows}</ul>"
        "<p>Maps and reports made with this tool must carry the attributions above.</p>"
    )


def show_about(parent: QWidget | None = None) -> None:
    QMessageBox.about(parent, "About hotspots", about_html())
