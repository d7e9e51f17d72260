"""The patrol map's controls get out of the way: foldable layer list and legend, padded zooms.

In a 1024x640 pane the always-open layer list, the legend and a long attribution covered a third
of the map (60-70% in the desktop app's pane), and with many layers the list ran under the
legend. Here:

- the layer list and the legend each get a header that folds them; both start folded when the
  pane is narrower than :data:`SMALL_PANE_PX` (or lower than 700 px), open otherwise; in a small
  pane opening one folds the other, so the list never runs under the legend;
- the legend shows only the sections of layers that are on the map, from the first paint
  (not only after a layer is toggled), and hides itself with none;
- every ``fitBounds`` (the opening view, the app's *zoom to zone/spot*) first folds the
  controls in a small pane and then pads the view by the boxes the controls still take, so
  nothing covers the place the user just zoomed to; a zoom by the user in a small pane folds
  them as well;
- the attribution is one line, cut with an ellipsis, whole on hover (all credits stay in the page);
- from street zoom (14) the LSOA fills turn pale, so the streets, spots and names read through them.
"""

from __future__ import annotations

__all__ = ["add_control_behaviour", "CONTROLS_CSS", "SMALL_PANE_PX"]

from typing import Any

#: panes narrower than this open with the layer list and the legend folded
SMALL_PANE_PX = 1200

CONTROLS_CSS = """
.hs-fold-h { display: block; cursor: pointer; font: 600 13px "Segoe UI", Arial, sans-serif; color: #222;
  text-decoration: none; padding: 4px 8px; user-select: none; white-space: nowrap; }
.hs-fold-h:hover { color: #000; text-decoration: none; }
.hs-fold-h::after { content: " \\25BE"; color: #666; }
.hs-folded .hs-fold-h::after { content: " \\25B8"; }
.hs-folded > .hs-fold-b, .leaflet-control-layers.hs-folded .leaflet-control-layers-list { display: none; }
.leaflet-control-layers .hs-fold-h { margin: -6px -10px 2px -6px; }
.leaflet-control-layers.hs-folded { padding: 6px 10px 6px 6px; }
.leaflet-control-layers.hs-folded .hs-fold-h { margin: -6px -10px -6px -6px; }
.hs-legend.hs-folded { padding: 2px 4px; overflow: hidden; }
.hs-legend .hs-fold-h { margin: -3px -6px 0 -6px; }
.leaflet-control-layers-list { max-height: 60vh; overflow-y: auto; }
.leaflet-control-attribution { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 55vw; }
.leaflet-control-attribution:hover { white-space: normal; max-width: 75vw; }
.hs-place { background: none; border: none; }
.hs-place span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap; pointer-events: none;
  font-family: "Segoe UI", Arial, sans-serif; color: #1a1a1a;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }
.hs-town span { font-size: 14px; font-weight: 700; letter-spacing: 0.3px; transform: translate(-50%, -125%);
  background: rgba(255,255,255,0.82); border-radius: 3px; padding: 0 4px; text-shadow: none; }
.hs-street span { font-size: 11px; font-style: italic; color: #333; }
.hs-close .leaflet-overlay-pane path { fill-opacity: 0.32; }
@media (max-width: 1199px) { .hs-title .hs-title-more { display: none; } .hs-title { max-width: 56%; padding: 3px 8px; }
  .hs-title b { font-size: 13px; } }
"""

_JS = """
(function () {
    var map = {{ this._parent.get_name() }}, ctl = {{ this.control }};
    var small = function () { var s = map.getSize(); return s.x < {{ this.small }} || s.y < 700; };
    var boxes = [];
    function foldable(el, label) {
        var head = L.DomUtil.create('a', 'hs-fold-h');
        head.href = '#'; head.textContent = label; head.setAttribute('role', 'button');
        head.title = 'Show or hide the ' + label.toLowerCase();
        el.insertBefore(head, el.firstChild);
        L.DomEvent.on(head, 'click', function (e) {
            L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e);
            if (L.DomUtil.hasClass(el, 'hs-folded')) {
                // in a small pane one opens at a time, so the layer list never runs under the legend
                if (small()) { boxes.forEach(function (o) { if (o !== el) { L.DomUtil.addClass(o, 'hs-folded'); } }); }
                L.DomUtil.removeClass(el, 'hs-folded');
            } else {
                L.DomUtil.addClass(el, 'hs-folded');
            }
        });
        L.DomEvent.disableClickPropagation(el);
        boxes.push(el);
    }
    var layers = ctl.getContainer();
    foldable(layers, 'Layers');
    var legend = document.querySelector('.hs-legend');
    if (legend) { foldable(legend, 'Legend'); }
    function fold() { boxes.forEach(function (el) { L.DomUtil.addClass(el, 'hs-folded'); }); }
    if (small()) { fold(); }
    function syncLegend() {
        if (!legend) { return; }
        var on = {};
        (ctl._layers || []).forEach(function (o) { on[o.name] = map.hasLayer(o.layer); });
        var any = false;
        legend.querySelectorAll('[data-layer]').forEach(function (el) {
            var name = el.getAttribute('data-layer');
            var vis = on.hasOwnProperty(name) ? on[name] : true;
            el.style.display = vis ? '' : 'none';
            any = any || vis;
        });
        legend.style.display = any ? '' : 'none';
    }
    syncLegend();
    map.on('overlayadd overlayremove layeradd layerremove', function () { setTimeout(syncLegend, 0); });
    function pads() {
        var size = map.getSize(), frame = map.getContainer().getBoundingClientRect();
        var tl = [0, 0], br = [0, 0];
        document.querySelectorAll('.leaflet-control, .hs-title').forEach(function (el) {
            var r = el.getBoundingClientRect();
            if (!r.width || !r.height || el.style.display === 'none') { return; }
            var x0 = r.left - frame.left, y0 = r.top - frame.top, x1 = r.right - frame.left, y1 = r.bottom - frame.top;
            // a box across the middle (the title, the attribution) pads its edge; a corner box (zoom,
            // layers, legend, scale) pads its side, which costs a wide study little of the view
            if (x0 < size.x / 2 && x1 > size.x / 2) {
                if (y0 < size.y / 2) { tl[1] = Math.max(tl[1], y1); } else { br[1] = Math.max(br[1], size.y - y0); }
            } else if (x1 <= size.x / 2) { tl[0] = Math.max(tl[0], x1); }
            else { br[0] = Math.max(br[0], size.x - x0); }
        });
        return [L.point(tl[0] + 12, tl[1] + 12), L.point(br[0] + 12, br[1] + 12)];
    }
    var fit = map.fitBounds;
    map.fitBounds = function (bounds, options) {
        options = L.extend({}, options || {});
        if (small()) { fold(); }
        var p = pads(), given = L.point(options.padding || [0, 0]);
        options.paddingTopLeft = L.point(Math.max(p[0].x, given.x), Math.max(p[0].y, given.y));
        options.paddingBottomRight = L.point(Math.max(p[1].x, given.x), Math.max(p[1].y, given.y));
        delete options.padding;
        return fit.call(this, bounds, options);
    };
    map.on('zoomstart', function () {
        if (small() && !boxes.some(function (el) { return el.matches(':hover'); })) { fold(); }
    });
    function closeUp() {  // at street zoom the LSOA fills pale, so streets, spots and names read through
        (map.getZoom() >= 14 ? L.DomUtil.addClass : L.DomUtil.removeClass)(map.getContainer(), 'hs-close');
    }
    map.on('zoomend', closeUp);
    closeUp();
    window.hotspotsControls = {fold: fold, syncLegend: syncLegend, padding: pads};
})();
"""


def add_control_behaviour(m: Any, control: Any) -> None:
    """Make the layer list ``control`` and the legend foldable; pad every zoom (see the module)."""
    from folium.elements import MacroElement
    from folium.template import Template

    class _Controls(MacroElement):
        _template = Template("{% macro script(this, kwargs) %}" + _JS + "{% endmacro %}")

        def __init__(self) -> None:
            super().__init__()
            self._name = "HotspotsControls"
            self.control = control.get_name()
            self.small = SMALL_PANE_PX

    _Controls().add_to(m)
