"""*Analysis > Evidence pack…* asks which area the pack covers: a zone, a district, the selection.

The pack used to cover zone 1 silently because it happened to be selected (and *Export all*
the top three). This dialog names each choice the way the map does ("Patrol zone 2:
Maidstone: Station Road, Palace Avenue"), starts on the current selection, and gives each
choice its own file name (``evidence_zone_2.docx``), so a second pack never overwrites the
first one's document or pictures. The answer is an area text for
:func:`hotspots.evidence.pack.parse_area`.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["EvidenceAreaDialog", "ask_evidence_area", "area_file_stem", "choices_for"]


def area_file_stem(area: str) -> str:
    """``zone:2`` -> ``evidence_zone_2``; ``district:Tunbridge Wells`` -> ``evidence_tunbridge_wells``."""
    kind, _, rest = str(area or "top").partition(":")
    if kind == "lsoa":
        n = len([c for c in rest.split(",") if c])
        return f"evidence_{n}_selected_lsoas"
    if kind == "district":
        slug = re.sub(r"[^a-z0-9]+", "_", rest.lower()).strip("_") or "district"
        return f"evidence_{slug}"
    if kind == "zone":
        return "evidence_zone_" + "_".join(v for v in rest.split(",") if v)
    return f"evidence_top_{rest or 3}_zones"


def choices_for(analysis: Any) -> tuple[list[tuple[int, str]], list[str]]:
    """(zone rank, zone name) and the districts of a finished analysis, for the dialog."""
    import pandas as pd

    zones = getattr(analysis, "zone_frame", None)
    zs: list[tuple[int, str]] = []
    if zones is not None and len(zones) and "rank" in zones:
        names = zones["name"] if "name" in zones else pd.Series([""] * len(zones), index=zones.index)
        zs = sorted((int(r), str(n or "")) for r, n in zip(zones["rank"], names, strict=True))
    names = analysis.table["lsoa_name"].astype(str).str.replace(r"\s+\d{3}[A-Z]$", "", regex=True).str.strip()
    counts = names.value_counts()
    districts = sorted(d for d in counts.index if d and counts[d] >= 1)
    return zs, districts


class EvidenceAreaDialog(QDialog):
    """Choose the pack's area: a patrol zone, a district, the selected LSOAs or the top zones."""

    def __init__(self, parent: QWidget | None, zones: list[tuple[int, str]], districts: list[str],
                 selected: list[str], current_zone: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evidence pack: which area?")
        self._selected = list(selected)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("The Safer Streets evidence pack describes one area against the force.\n"
                             "Which area should this pack cover?"))
        grid = QGridLayout()
        self.group = QButtonGroup(self)
        self.zone_button = QRadioButton("A patrol zone:")
        self.zone_combo = QComboBox()
        for rank, name in zones:
            self.zone_combo.addItem(f"Patrol zone {rank}: {name}" if name else f"Patrol zone {rank}", rank)
        self.district_button = QRadioButton("A district:")
        self.district_combo = QComboBox()
        self.district_combo.addItems(districts)
        n = len(selected)
        self.lsoa_button = QRadioButton(f"The {n:,} LSOA{'s' if n != 1 else ''} selected in the Results table"
                                        if n else "The LSOAs selected in the Results table (none selected)")
        top = min(3, len(zones))
        self.top_button = QRadioButton(f"The top {top} patrol zones, one section each" if top else
                                       "The top patrol zones (none in this run)")
        for row, (b, w) in enumerate(((self.zone_button, self.zone_combo), (self.district_button, self.district_combo),
                                      (self.lsoa_button, None), (self.top_button, None))):
            self.group.addButton(b, row)
            grid.addWidget(b, row, 0, 1, 1 if w is not None else 2)
            if w is not None:
                grid.addWidget(w, row, 1)
                w.activated.connect(lambda _i, btn=b: btn.setChecked(True))
        lay.addLayout(grid)
        self.zone_button.setEnabled(bool(zones))
        self.zone_combo.setEnabled(bool(zones))
        self.top_button.setEnabled(bool(zones))
        self.district_button.setEnabled(bool(districts))
        self.lsoa_button.setEnabled(bool(selected))
        if selected:
            self.lsoa_button.setChecked(True)
        elif zones:
            self.zone_button.setChecked(True)
            if current_zone is not None:
                k = self.zone_combo.findData(int(current_zone))
                if k >= 0:
                    self.zone_combo.setCurrentIndex(k)
        elif districts:
            self.district_button.setChecked(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose where to save…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def area(self) -> str | None:
        """The chosen area as an area text (``zone:2``, ``district:Maidstone``, ``lsoa:...``, ``top:3``)."""
        if self.zone_button.isChecked() and self.zone_combo.count():
            return f"zone:{int(self.zone_combo.currentData())}"
        if self.district_button.isChecked() and self.district_combo.count():
            return f"district:{self.district_combo.currentText()}"
        if self.lsoa_button.isChecked() and self._selected:
            return "lsoa:" + ",".join(self._selected)
        if self.top_button.isChecked():
            return "top:3"
        return None


def ask_evidence_area(parent: QWidget | None, analysis: Any, selected: list[str],
                      current_zone: int | None) -> str | None:
    """Show the dialog; the chosen area text, or None when cancelled (tests patch this function)."""
    zones, districts = choices_for(analysis)
    dlg = EvidenceAreaDialog(parent, zones, districts, selected, current_zone)
    return dlg.area() if dlg.exec() == QDialog.DialogCode.Accepted else None
