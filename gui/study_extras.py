"""File > *Study title…*, File > *Add LSOA lookup…* and Help > *How to read the map*.

- The study's title goes on the map, briefing, evidence pack and workbook; by default it is the
  places the study covers (:mod:`hotspots.study_title`), never the boundary file's name. This is
  the app's field for it (``--title`` on the command line).
- The LSOA lookup carries deprivation across LSOA vintages; the vintage warning names this
  menu, and the Layers panel has its slot.
- The guide says in a page what the map's colours, numbers and names mean.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

__all__ = ["install_study_extras", "ask_title", "show_guide", "GUIDE_HTML", "set_title"]

GUIDE_HTML = """
<h3>How to read the map</h3>
<p><b>Patrol zones</b> (black outlines, numbered in black circles): the places to patrol first, ranked by
crime. Click a zone for its evidence: crimes, streets, times and deprivation.</p>
<p><b>Patrol spots</b> (small pink squares, street zoom): 150 m places for 15-minute visits. Click one for its
crimes by type and month and its cell test.</p>
<p><b>Hot spots</b> (red, outlined dark red): LSOAs with high crime among high-crime neighbours (Local
Moran's I). Pale pink: a high LSOA among low ones. <b>Cold spots</b> are pale blue and stay in the background.</p>
<p><b>Place names</b>: towns from GeoNames and, close in, streets from police.uk's own labels. They work with
no network. The basemap (OpenStreetMap) needs a connection; without one the map draws on a plain background.</p>
<p><b>Pubs</b> are small orange dots; <b>partner places</b> (hospitals, police stations, prisons, big shops) are
blue dots, left out of the patrol plan and listed for partners.</p>
<p><b>Layers</b> (top right) and <b>Legend</b> (bottom left) fold: click their titles. In a small window they
start folded, and fold again when you zoom in, so nothing covers the place you zoomed to.</p>
<p><b>Counts are police.uk's</b>: each crime is placed at the nearest of a fixed set of anonymous points, so
a "street" is where police.uk put the crime, not an exact address.</p>
"""


def ask_title(parent: Any, current: str, default: str) -> str | None:
    """The title typed (empty: back to the default), or None when cancelled (tests patch this)."""
    text, ok = QInputDialog.getText(parent, "Study title",
                                    "The study's name on the map, briefing, evidence pack and workbook.\n"
                                    f"Leave it empty to use the places it covers ({default}).",
                                    QLineEdit.EchoMode.Normal, current)
    return text if ok else None


def set_title(win: Any, text: str) -> None:
    """Give the study a title (empty: the places it covers) and say where it shows."""
    from hotspots.study_title import places_title

    out = win.state.output
    text = text.strip()
    if text:
        win.state.study.name = text
    else:
        win.state.study.name = "Untitled study"  # a placeholder: outputs name the places instead
    win.state.dirty = True
    win.state.studyChanged.emit()
    shown = text or (places_title(out.analysis.table, win.state.layers) if out is not None else "the places it covers")
    win.status.setText(f"Study title: {shown}. The map shows it from the next Run; exports use it now.")


def _title_action(win: Any) -> None:
    from hotspots.study_title import places_title, user_title

    out = win.state.output
    default = places_title(out.analysis.table, win.state.layers) if out is not None else "the places it covers"
    text = ask_title(win, user_title(win.state.study), default)
    if text is not None:
        set_title(win, text)


def show_guide(parent: Any) -> None:
    """Help > How to read the map (tests patch this)."""
    box = QMessageBox(QMessageBox.Icon.Information, "How to read the map", GUIDE_HTML,
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.exec()


def install_study_extras(win: Any) -> dict[str, QAction]:
    """Add the three actions to the window's File and Help menus; returns them by name."""
    acts = {
        "title": QAction("Study &title…", win),
        "lookup": QAction("Add LSOA &lookup (2011 to 2021)…", win),
        "guide": QAction("How to read the &map", win),
    }
    acts["title"].setStatusTip("Name the study on the map, briefing, evidence pack and workbook")
    acts["lookup"].setStatusTip("Load the ONS LSOA 2011 to 2021 lookup, to join deprivation of the other LSOA year")
    acts["guide"].setStatusTip("What the map's colours, numbers and names mean")
    acts["title"].triggered.connect(lambda _c=False: _title_action(win))
    acts["lookup"].triggered.connect(lambda _c=False: win.add_layers("lsoa_lookup"))
    acts["guide"].triggered.connect(lambda _c=False: show_guide(win))
    menus = {a.text().replace("&", ""): a.menu() for a in win.menuBar().actions() if a.menu() is not None}
    file_menu, help_menu = menus.get("File"), menus.get("Help")
    if file_menu is not None:
        anchor = win.actions_.open_data
        items = file_menu.actions()
        after = items[items.index(anchor) + 1] if anchor in items and items.index(anchor) + 1 < len(items) else None
        file_menu.insertAction(after, acts["lookup"])
        file_menu.insertAction(win.actions_.save, acts["title"])
    if help_menu is not None:
        help_menu.insertAction(win.actions_.about, acts["guide"])
    for a in acts.values():
        win.addAction(a)
    win.runner.busyChanged.connect(lambda busy: acts["lookup"].setEnabled(not busy))
    return acts
