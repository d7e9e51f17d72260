"""GeoDa's Time Player for the map: a month slider that redraws the LSOAs month by month.

The counts come from the analysis's space-time cube (``Analysis.time``), in memory: moving the
slider reads no file and runs no statistic, it only recolours the map page's LSOA polygons by
JavaScript. Position 0 is "all months" (the analysis as run, LISA colours restored). The
colour classes are fixed over the whole period (quantiles of every LSOA-month), so a month
that looks darker is busier. Slider moves are debounced (superqt's habit) so dragging does not
redraw the map fifty times a second; Play steps through the months.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from hotspots.export.map._map_style import LAYER_NAMES

from .map_view import FIND_MAP_JS

__all__ = ["TimePlayer", "month_colours", "MONTH_PALETTE"]

#: ColorBrewer YlOrRd, 6 classes (0 crimes gets the first)
MONTH_PALETTE = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"]

#: finds the map's LSOA layer (the LISA clusters overlay, by its exact name) as ``lyr``/``nm``
_FIND_LISA = ("var lyr=null,nm=null;for(var k in window){if(k.indexOf('layer_control_')!==0||!window[k]||"
              "!window[k].overlays)continue;var ov=window[k].overlays;for(var n in ov){"
              f"if(n==={json.dumps(LAYER_NAMES['lisa'])}){{lyr=ov[n];nm=n;}}}}}}")
#: the map legend's LISA section shows the month's classes while a month is painted (and its own after)
_LEGEND_JS = ("var lg=document.querySelector('.hs-legend [data-layer=\"'+nm+'\"]');"
              "if(lg){if(lg.__hsOrig===undefined)lg.__hsOrig=lg.innerHTML;"
              "if(legend===null){lg.innerHTML=lg.__hsOrig;}else{lg.innerHTML=legend;}}")
_PAINT_JS = ("(function(cols,legend){var m=" + FIND_MAP_JS + ";if(!m)return -1;" + _FIND_LISA +
             "if(!lyr)return -1;if(!m.hasLayer(lyr)){m.addLayer(lyr);m.fire('overlayadd',{layer:lyr,name:nm});}"
             "var n=0;lyr.eachLayer(function(l){var f=l.feature;if(!f||cols[f.id]===undefined)return;"
             "l.setStyle({fillColor:cols[f.id],fillOpacity:0.8});n++;});" + _LEGEND_JS +
             "window.__hotspotsMonth=n;return n;})")
_RESET_JS = ("(function(){var m=" + FIND_MAP_JS + ";if(!m)return -1;" + _FIND_LISA +
             "if(!lyr)return -1;var n=0;lyr.eachLayer(function(l){lyr.resetStyle(l);n++;});var legend=null;"
             + _LEGEND_JS + "window.__hotspotsMonth=0;return n;})()")


def month_colours(values: np.ndarray, breaks: np.ndarray) -> list[str]:
    """Colour per LSOA for one month: class 0 for no crime, then the period's quantile classes."""
    v = np.asarray(values, dtype=float)
    cls = np.where(v <= 0, 0, 1 + np.searchsorted(breaks, v, side="left"))
    cls = np.minimum(cls, len(MONTH_PALETTE) - 1)
    return [MONTH_PALETTE[c] for c in cls]


class TimePlayer(QWidget):
    """Slider, Play and a legend; ``monthShown(month, n)`` after the page redrew ``n`` LSOAs ('' = all months)."""

    monthShown = Signal(str, int)

    def __init__(self, map_view: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map_view = map_view
        self.time: Any = None
        self.breaks = np.array([])
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(1)
        self.slider.setToolTip("Time player: drag to redraw the LSOAs with one month's crimes "
                               "(left end = all months, the analysis as run)")
        self.label = QLabel("All months")
        self.label.setMinimumWidth(150)
        self.legend = QLabel()
        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.play.setToolTip("Step through the months")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.addWidget(QLabel("Month"))
        lay.addWidget(self.play)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        lay.addWidget(self.legend)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self._apply)
        self._ticker = QTimer(self)
        self._ticker.setInterval(900)
        self._ticker.timeout.connect(self._step)
        self.slider.valueChanged.connect(self._moved)
        self.play.toggled.connect(self._play_toggled)
        self.set_time(None)

    # -- data ------------------------------------------------------------------------------
    def set_time(self, time: Any) -> None:
        """Show the months of an analysis's :class:`~hotspots.timeseries.stage.TimeResult` (None: off)."""
        self.play.setChecked(False)
        self.time = time
        months = list(time.months) if time is not None else []
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(months))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.setEnabled(len(months) > 1)
        self.label.setText("All months" if months else "No months")
        if time is not None and np.asarray(time.values).size:
            nz = np.asarray(time.values, dtype=float)
            nz = nz[nz > 0]
            self.breaks = (np.unique(np.quantile(nz, [0.2, 0.4, 0.6, 0.8])) if nz.size else np.array([]))
        else:
            self.breaks = np.array([])
        self.legend.setText(self._legend_html() if months else "")

    def _legend_html(self) -> str:
        edges = [0.0, *self.breaks.tolist()]
        parts = [f"<span style='background:{MONTH_PALETTE[0]}'>&nbsp;0&nbsp;</span>"]
        for k in range(1, min(len(MONTH_PALETTE), len(edges) + 1)):
            lo = edges[k - 1]
            hi = edges[k] if k < len(edges) else None
            text = f"&gt;{lo:g}" if hi is None else f"{lo:g}-{hi:g}"
            parts.append(f"<span style='background:{MONTH_PALETTE[k]}'>&nbsp;{text}&nbsp;</span>")
        return " ".join(parts)

    def month(self) -> str:
        """The month on show ('' = all months)."""
        k = self.slider.value()
        return self.time.months[k - 1] if self.time is not None and k > 0 else ""

    # -- interaction -----------------------------------------------------------------------
    def _moved(self, value: int) -> None:
        m = self.month()
        self.label.setText(m if m else "All months")
        self._debounce.start()

    def _play_toggled(self, on: bool) -> None:
        if on:
            self._ticker.start()
        else:
            self._ticker.stop()

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        """Stop playing when the player is hidden (another tab, the window minimised)."""
        self.play.setChecked(False)
        super().hideEvent(event)

    def _step(self) -> None:
        win = self.window()
        if not self.isVisible() or win.isMinimized() or not win.isActiveWindow():
            self.play.setChecked(False)  # nobody is watching: stop rather than play behind other windows
            return
        if self.slider.maximum() == 0:
            self.play.setChecked(False)
            return
        self.slider.setValue(1 + self.slider.value() % self.slider.maximum())

    def show_month(self, month: str) -> None:
        """Jump to ``month`` ('' = all months) and redraw now."""
        k = 0 if not month else 1 + list(self.time.months).index(month)
        self.slider.blockSignals(True)
        self.slider.setValue(k)
        self.slider.blockSignals(False)
        self.label.setText(month or "All months")
        self._apply()

    def _apply(self) -> None:
        month = self.month()
        if self.time is None or not getattr(self.map_view, "has_map", False):
            self.monthShown.emit(month, 0)
            return
        if not month:
            self.map_view.run_js(_RESET_JS, lambda n: self.monthShown.emit("", int(n or 0)))
            return
        cols = month_colours(self.time.month_values(month), self.breaks)
        legend = (f"<div class='hs-lg-h'>Crimes in {month} (time player)</div>"
                  f"<div>{self._legend_html()}</div>")  # the legend names what is drawn, not "LISA clusters"
        script = f"{_PAINT_JS}({json.dumps(cols)}, {json.dumps(legend)})"
        self.map_view.run_js(script, lambda n, m=month: self.monthShown.emit(m, int(n or 0)))
