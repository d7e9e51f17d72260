"""The map: the same self-contained Leaflet page as the HTML export, in a QWebEngineView.

The page is written to a temporary file and loaded by URL (``setHtml`` stops at 2 MB and a
county map is bigger). Selection is drawn by JavaScript on the page's own Leaflet map, which
folium stores in a global named ``map_<id>``; geometries come from Python already in EPSG:4326.
If QtWebEngine cannot start (no GPU/sandbox support on the machine) the view says why and the
rest of the window works.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

__all__ = ["MapView", "webengine_error", "FIND_MAP_JS"]

#: JavaScript expression giving the page's Leaflet map (or null)
FIND_MAP_JS = ("(function(){for (var k in window){try{if(k.indexOf('map_')===0&&window[k]&&"
               "typeof window[k].fitBounds==='function'){return window[k];}}catch(e){}}return null;})()")
#: overlay-name keywords per display (matched case-insensitively against the layer control)
DISPLAY_KEYWORDS = {"emerging": ("emerging",), "lisa": ("lisa", "moran"),
                    "gi": ("gi*", "getis", "hot spot", "hotspot"), "fear": ("fear",)}
_WEB_ERROR: str | None = None


def webengine_error() -> str | None:
    """Why QtWebEngine is unavailable, or None when it imports."""
    global _WEB_ERROR
    if _WEB_ERROR is None:
        try:
            from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401
        except ImportError as exc:
            _WEB_ERROR = (f"QtWebEngine is not installed ({exc}); install the PySide6-WebEngine "
                          "(or PySide6-Addons before 6.12) package to see the map")
        else:
            _WEB_ERROR = ""
    return _WEB_ERROR or None


class MapView(QWidget):
    """Shows map pages; ``ready(bool)`` fires when a page has loaded (True: a Leaflet map is on it)."""

    ready = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stack = QStackedLayout(self)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("QLabel{padding:24px;color:#334;font-size:14px;background:#eef2f5}")
        self._stack.addWidget(self.message)
        self.view = None
        self.has_map = False
        self.failure: str | None = None  # why the last page did not show a map
        self.loaded_url: QUrl | None = None
        self._display = "lisa"
        self.error = webengine_error()
        if self.error:
            self.message.setText(self.error)
            return
        from PySide6.QtWebEngineCore import QWebEngineSettings
        from PySide6.QtWebEngineWidgets import QWebEngineView

        self.view = QWebEngineView(self)
        s = self.view.settings()
        # the page is a local file; basemap tiles (when online) are remote
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        self.view.loadFinished.connect(self._load_finished)
        self.view.page().renderProcessTerminated.connect(self._render_died)
        self._stack.addWidget(self.view)
        self.show_message("Loading the study…")

    @property
    def available(self) -> bool:
        return self.view is not None

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def show_file(self, path: Path) -> None:
        """Load a map page from disk (``ready`` follows)."""
        self.has_map = False
        if self.view is None:
            self.ready.emit(False)
            return
        self._stack.setCurrentWidget(self.view)
        self.view.load(QUrl.fromLocalFile(str(Path(path).resolve())))

    def _load_finished(self, ok: bool) -> None:
        self.loaded_url = self.view.url() if self.view is not None else None
        if not ok:
            self.failure = self.failure or "the map page could not be loaded"
            self.show_message(f"The map could not be shown: {self.failure}. The table and zones are complete.")
            self.ready.emit(False)
            return
        self.failure = None
        self.view.page().runJavaScript(f"{FIND_MAP_JS} !== null", 0, self._map_found)

    def _render_died(self, status: object, code: int) -> None:
        self.failure = f"the map's browser process stopped ({getattr(status, 'name', status)}, exit code {code})"
        self.has_map = False
        self.show_message(f"The map could not be shown: {self.failure}. The table and zones are complete.")

    def _map_found(self, found: object) -> None:
        self.has_map = bool(found)
        if not self.has_map:
            self.failure = "the page has no Leaflet map"
        if self.has_map:
            self.set_display(self._display)
        self.ready.emit(self.has_map)

    def run_js(self, script: str, callback=None) -> None:  # noqa: ANN001 - Qt callback
        if self.view is not None:
            if callback is None:
                self.view.page().runJavaScript(script, 0)
            else:
                self.view.page().runJavaScript(script, 0, callback)

    def highlight(self, geojson: str | None, bounds: tuple[float, float, float, float], label: str = "",
                  callback=None) -> None:  # noqa: ANN001
        """Outline a feature and zoom to it. ``bounds`` = (west, south, east, north) in degrees."""
        w, s, e, n = (float(b) for b in bounds)
        script = (
            "(function(gj,b,label){var m=" + FIND_MAP_JS + ";if(!m||typeof L==='undefined')return false;"
            "if(window.__hotspotsSel){m.removeLayer(window.__hotspotsSel);}"
            # a pane above the map's zone outlines and points, so the selection is never hidden
            "if(!m.getPane('hs_select')){m.createPane('hs_select').style.zIndex=480;"
            "m.getPane('hs_select').style.pointerEvents='none';}"
            "var st={color:'#00e5ff',weight:5,opacity:1,fill:false,pane:'hs_select',interactive:false};"
            "var lyr=gj?L.geoJSON(gj,{style:st,interactive:false}):L.rectangle([[b[1],b[0]],[b[3],b[2]]],st);"
            "lyr.addTo(m);if(label){lyr.bindTooltip(label,{permanent:true,direction:'top'});}"
            "window.__hotspotsSel=lyr;"
            "var go=function(){m.fitBounds([[b[1],b[0]],[b[3],b[2]]],{maxZoom:16,padding:[40,40]});};"
            # Leaflet drops a fitBounds made while its opening zoom animation still runs
            "if(m._animatingZoom){m.once('zoomend',go);}else{go();}return true;})"
            f"({geojson or 'null'},{json.dumps([w, s, e, n])},{json.dumps(label)})"
        )
        self.run_js(script, callback)

    def set_display(self, key: str) -> None:
        """Show the statistic's overlay (LISA, Gi*, fear vs crime) and hide the other two.

        The overlay events are fired as the layer switcher would, so the page's legend follows.
        """
        self._display = key
        if self.view is None or not self.has_map:
            return
        kw = json.dumps({k: list(v) for k, v in DISPLAY_KEYWORDS.items()})
        script = (
            "(function(kw,key){var m=" + FIND_MAP_JS + ";if(!m)return 0;var n=0;"
            "for(var k in window){if(k.indexOf('layer_control_')!==0||!window[k]||!window[k].overlays)continue;"
            "var ov=window[k].overlays;for(var name in ov){var low=name.toLowerCase();var which=null;"
            # the bivariate LISAs are evidence layers of their own: 'LISA clusters' must not switch them on
            # (their saturated cold spots buried the plan in the app's map)
            "if(low.indexOf('bivariate')>=0)continue;"
            "for(var d in kw){kw[d].forEach(function(w){if(low.indexOf(w)>=0&&which===null)which=d;});}"
            "if(which===null)continue;n++;var on=m.hasLayer(ov[name]);"
            "if(which===key&&!on){m.addLayer(ov[name]);m.fire('overlayadd',{layer:ov[name],name:name});}"
            "else if(which!==key&&on){m.removeLayer(ov[name]);m.fire('overlayremove',{layer:ov[name],name:name});}}}"
            f"return n;}})({kw},{json.dumps(key)})"
        )
        self.run_js(script)
