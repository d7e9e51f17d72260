"""Patrol zones, ranked, and the evidence for the selected one (streets, pubs, concerns, IMD).

An inspector briefs a shift with a few named places; this is the list they brief from, and the
evidence pane is what they read out: where the crime was recorded, what people said made them
feel unsafe there, which licensed premises are inside, how deprived it is.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hotspots.model import ZoneEvidence, ZoneSummary

from .heat_clock import HeatClock, show_when

__all__ = ["ZonesPanel", "evidence_html"]

_HEAD = [("Zone", "rank"), ("Crimes", "crimes"), ("% crime", "share_of_crimes"), ("% area", "share_of_area"),
         ("PAI", "pai"), ("Where", "name")]
_TIPS = {"PAI": "Predictive Accuracy Index: share of crime / share of area (higher = more crime per km²)",
         "% crime": "This zone's share of all crimes analysed", "% area": "This zone's share of the study area"}


def _num(v: Any, fmt: str) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(f) else format(f, fmt)


def _pairs(items: list, limit: int = 10) -> str:
    if not items:
        return "<p class=none>none recorded</p>"
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td align=right>{int(n):,}</td></tr>"
                   for k, n in items[:limit])
    more = f"<p class=none>and {len(items) - limit} more</p>" if len(items) > limit else ""
    return f"<table cellspacing=0 cellpadding=2>{rows}</table>{more}"


def evidence_html(zone: pd.Series | None, ev: ZoneEvidence | None, has_streetsafe: bool = True) -> str:
    """The evidence of one zone as simple HTML for a QTextBrowser (LSOA codes are links)."""
    if zone is None:
        return "<p>Select a zone to see its evidence.</p>"
    ev = ev or ZoneEvidence()
    imd = _num(zone.get("imd_decile_mean"), ".1f")
    parts = [
        "<style>h3{margin:6px 0 2px 0} p.none{color:#777;margin:0} td{padding-right:10px}</style>",
        f"<h2>Zone {int(zone['zone_id'])}"
        + (f": {html.escape(str(zone['name']))}" if isinstance(zone.get("name"), str) and zone.get("name") else "")
        + "</h2>",
        f"<p><b>{int(zone['crimes']):,}</b> crimes ({_num(100 * zone['share_of_crimes'], '.1f')}% of all) "
        f"in {_num(zone['area_km2'], '.2f')} km² ({_num(100 * zone['share_of_area'], '.2f')}% of the area); "
        f"PAI {_num(zone['pai'], '.1f')}. Harm {_num(zone['harm'], ',.0f')}. "
        f"{int(zone['pubs'])} pubs, {int(zone['streetsafe'])} StreetSafe reports."
        + (f" Mean IMD decile {imd} (1 = most deprived)." if imd else "") + "</p>",
        "<h3>Top streets</h3>", _pairs(ev.top_streets),
        "<h3>StreetSafe concerns</h3>",
        _pairs(ev.top_concerns) if has_streetsafe else "<p class=none>no StreetSafe layer loaded</p>",
        "<h3>Crime types</h3>", _pairs(ev.crime_types, 6),
    ]
    pubs = ev.pubs
    parts.append("<h3>Pubs and licensed premises</h3>")
    parts.append(", ".join(html.escape(p) for p in pubs[:30]) + (f" and {len(pubs) - 30} more" if len(pubs) > 30 else "")
                 if pubs else "<p class=none>none in the pubs layer</p>")
    lsoas = ev.lsoas
    if lsoas:
        rows = "".join(
            f"<tr><td><a href='lsoa:{html.escape(c)}'>{html.escape(c)}</a></td><td>{html.escape(n)}</td>"
            f"<td align=right>{k:,}</td><td align=right>{'' if d is None else d}</td></tr>"
            for c, n, k, d in lsoas)
        parts.append("<h3>LSOAs</h3><table cellspacing=0 cellpadding=2><tr><th align=left>Code</th>"
                     f"<th align=left>Name</th><th>Crimes</th><th>IMD decile</th></tr>{rows}</table>")
    months = ev.months
    if months:
        parts.append("<h3>By month</h3>" + ", ".join(f"{html.escape(m)}: {n:,}" for m, n in months))
    return "".join(parts)


class ZonesPanel(QWidget):
    """Zones table over an evidence browser; emits the zone and LSOA the user picks."""

    zoneSelected = Signal(int)
    lsoaSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zones: pd.DataFrame | None = None
        self._evidence: dict = {}
        self._has_ss = True
        self.summary = QLabel("No analysis yet.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(_HEAD))
        self.table.setHorizontalHeaderLabels([h for h, _ in _HEAD])
        for i, (h, _) in enumerate(_HEAD):
            if h in _TIPS:
                self.table.horizontalHeaderItem(i).setToolTip(_TIPS[h])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentCellChanged.connect(self._row_changed)
        self.table.cellClicked.connect(self._row_changed)
        self.evidence = QTextBrowser()
        self.evidence.setOpenLinks(False)
        self.evidence.anchorClicked.connect(self._anchor)
        self.evidence.setHtml(evidence_html(None, None))
        self._when: Any = None  # a records extract's day-by-hour profiles (hotspots.when), else None
        self.clock = HeatClock()
        self.clock_label = QLabel("")
        self.clock_label.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.evidence)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(split, 1)
        lay.addWidget(self.clock_label)
        lay.addWidget(self.clock)

    def set_when(self, when: Any) -> None:
        """The run's :class:`hotspots.when.stage.WhenResult` (None: no times); shows the current zone's."""
        self._when = when
        zid = self.current_zone()
        if zid is not None:
            show_when(self.clock, self.clock_label, when, "zone", zid)

    def set_zones(self, zones: pd.DataFrame | None, evidence: dict[int, ZoneEvidence] | None,
                  summary: ZoneSummary | None = None,
                  has_streetsafe: bool = True) -> None:
        self._has_ss = has_streetsafe
        self._zones = zones.reset_index(drop=True) if zones is not None else None
        self._evidence = evidence or {}
        self.table.blockSignals(True)
        self.table.setRowCount(0 if zones is None else len(zones))
        for r in range(self.table.rowCount()):
            z = self._zones.iloc[r]
            for c, (_, key) in enumerate(_HEAD):
                v = z.get(key)
                if key == "name" and not isinstance(v, str):  # a frame without names: its streets
                    v = z.get("top_streets")
                if key == "share_of_crimes":
                    text = _num(100 * float(v), ".1f")
                elif key == "share_of_area":
                    text = _num(100 * float(v), ".2f")
                elif key == "pai":
                    text = _num(v, ".1f")
                elif key in ("rank", "crimes"):
                    text = f"{int(v):,}"
                else:
                    text = "" if v is None else str(v)
                item = QTableWidgetItem(text)
                if c < len(_HEAD) - 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        self.summary.setText(self._summary_text(zones, summary))
        if zones is not None and len(zones):
            # show the top zone's evidence straight away, without zooming the map to it
            self.table.blockSignals(True)
            self.table.selectRow(0)
            self.table.blockSignals(False)
            z = self._zones.iloc[0]
            self.evidence.setHtml(evidence_html(z, self._evidence.get(int(z["zone_id"])), self._has_ss))
            show_when(self.clock, self.clock_label, self._when, "zone", int(z["zone_id"]))
        else:
            self.evidence.setHtml("<p>No patrol zones for this analysis.</p>")

    @staticmethod
    def _summary_text(zones: pd.DataFrame | None, summary: ZoneSummary | None) -> str:
        if zones is None:
            return "Patrol zones are not available."
        s = summary.to_dict() if summary is not None else None
        if not s:
            return f"{len(zones)} patrol zones."
        text = f"<b>{s.get('count', len(zones))} patrol zones</b> ({html.escape(str(s.get('rule_text', '')))})"
        if s.get("share_of_crimes") is not None and s.get("share_of_area") is not None:
            text += (f": {100 * s['share_of_crimes']:.1f}% of crime on {100 * s['share_of_area']:.1f}% "
                     "of the area")
        outside = s.get("top_lsoas_outside_zones") or []
        if outside:  # busy LSOAs whose crime is spread out or at single spots: name them anyway
            names = ", ".join(f"{html.escape(r['lsoa_name'])} ({r['value']:,.0f})" for r in outside[:3])
            text += f"<br>Busiest LSOAs no zone covers: {names}"
        notes = s.get("notes") or []
        if notes:
            text += "<br><i>" + html.escape("; ".join(notes)) + "</i>"
        return text

    def zone_count(self) -> int:
        return self.table.rowCount()

    def current_zone(self) -> int | None:
        """The selected zone's id, or None."""
        row = self.table.currentRow()
        if self._zones is None or row < 0 or row >= len(self._zones) or not self.table.selectedItems():
            return None
        return int(self._zones.iloc[row]["zone_id"])

    def select_zone(self, zone_id: int) -> None:
        if self._zones is None:
            return
        hits = self._zones.index[self._zones["zone_id"] == zone_id]
        if len(hits):
            self.table.selectRow(int(hits[0]))

    def _row_changed(self, row: int, *_: int) -> None:
        if self._zones is None or row < 0 or row >= len(self._zones):
            return
        z = self._zones.iloc[row]
        zid = int(z["zone_id"])
        self.evidence.setHtml(evidence_html(z, self._evidence.get(zid), self._has_ss))
        show_when(self.clock, self.clock_label, self._when, "zone", zid)
        self.zoneSelected.emit(zid)

    def _anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("lsoa:"):
            self.lsoaSelected.emit(text[5:])
