"""The patrol map's LSOA layers drawn from one embedded copy of the LSOA shapes.

The map shows the same LSOAs in up to six layers (LISA clusters, Gi* bins, fear vs crime,
emerging hot spots, two bivariate LISAs). With one ``folium.GeoJson`` per layer every layer
carried its own copy of the shapes, and each copy went from GEOS's GeoJSON to Python dicts
(``json.loads``) and back to text (folium's ``json.dumps`` and its per-feature style map): a
national map was 33 MB and ~15 s. Here the shapes are written once, as GEOS wrote them, into
one ``<script>`` (``hs_lsoa``), with every layer's properties on each feature; each layer is a
``L.geoJson`` over that data with a ``filter`` (which LSOAs it draws), a ``style`` that looks
its colour up by a property, and a tooltip built from named properties. Property values are
escaped text already (:func:`hotspots.export.map._map_popups.lsoa_props`), and ``</`` is broken up
so nothing in the data can end the script.
"""

from __future__ import annotations

__all__ = ["SharedLsoa"]

import json
from typing import Any

import numpy as np

_TIP_JS = """function hs_tip(p, fields, aliases) {
  var s = "<table class='hs-tip'>";
  for (var i = 0; i < fields.length; i++) {
    var v = p[fields[i]];
    s += "<tr><th>" + aliases[i] + "</th><td>" + (v === undefined || v === null ? "" : v) + "</td></tr>";
  }
  return s + "</table>";
}
"""

_LAYER_JS = """
var {{ this.get_name() }} = L.geoJson(null, {
    {%- if this.pane %} pane: {{ this.pane|tojson }},{% endif %}
    filter: function(f) { return {{ this.filter_js|safe }}; },
    style: function(f) {
        var v = f.properties[{{ this.key|tojson }}];
        return {fillColor: {{ this.colours|tojson }}[v], color: {{ this.lines|tojson }}[v] || {{ this.line|tojson }},
                weight: {{ this.weights|tojson }}[v] || {{ this.weight }},
                fillOpacity: {{ this.opacity_js|safe }}};
    },
    onEachFeature: function(f, layer) {
        layer.bindTooltip(function() { return hs_tip(f.properties, {{ this.fields|tojson }}, {{ this.aliases|tojson }}); },
                          {sticky: {{ "true" if this.sticky else "false" }}});
        {%- if this.highlight %}
        layer.on({mouseover: function(e) { e.target.setStyle({weight: 2.5, color: "#333333"}); },
                  mouseout: function(e) { {{ this.get_name() }}.resetStyle(e.target); }});
        {%- endif %}
    }
});
{{ this.get_name() }}.addData(hs_lsoa);
"""


def _layer_class():  # noqa: ANN202 - a folium Layer subclass, made when folium is imported
    from folium.map import Layer
    from folium.template import Template

    class LsoaLayer(Layer):
        _template = Template("{% macro script(this, kwargs) %}" + _LAYER_JS + "{% endmacro %}")

        def __init__(self, name: str, show: bool, **spec: Any) -> None:
            super().__init__(name=name, overlay=True, control=True, show=show)
            self._name = "LsoaLayer"
            for k, v in spec.items():
                setattr(self, k, v)

    return LsoaLayer


class SharedLsoa:
    """One embedded copy of the display shapes and properties; :meth:`layer` adds a view of it.

    Parameters
    ----------
    m : the folium Map (the data script goes into its page header, written when the page is)
    disp : display geometries (EPSG:4326, simplified), one per LSOA row
    props : tooltip properties per LSOA (escaped text), shared by every layer
    """

    def __init__(self, m: Any, disp: np.ndarray, props: list[dict]) -> None:
        import shapely

        from ._offline import _verbatim_class

        geoms = np.asarray(disp, dtype=object)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
        self._keep = np.flatnonzero(ok)
        self._shapes = shapely.to_geojson(geoms[self._keep]).tolist() if len(self._keep) else []
        self.props = [dict(p) for p in props]
        self._n = 0
        self._cls = _layer_class()
        shared = self

        class _Data(_verbatim_class()):
            def render(self, **kwargs) -> str:  # noqa: ANN003
                return shared.script()

        m.get_root().header.add_child(_Data(""), name="hs_lsoa_data")

    def script(self) -> str:
        """The ``<script>`` holding the FeatureCollection (``json.dumps`` spacing, as folium's)."""
        feats = []
        for i, shape in zip(self._keep.tolist(), self._shapes, strict=True):
            geometry = shape.replace('"type":', '"type": ').replace('"coordinates":', '"coordinates": ')
            feats.append(f'{{"type": "Feature", "id": {i}, "properties": {json.dumps(self.props[i])}, '
                         f'"geometry": {geometry}}}')
        data = '{"type": "FeatureCollection", "features": [' + ", ".join(feats) + "]}"
        return "<script>\n" + _TIP_JS + "var hs_lsoa = " + data.replace("</", "<\\/") + ";\n</script>"

    def layer(self, m: Any, *, name: str, key: str, colours: dict, fields: list[str], aliases: list[str],
              idx: list[int] | None = None, extra: list[dict] | None = None, show: bool = False,
              pane: str | None = None, line: str = "#555555", weight: float = 0.5,
              opacity: float | dict = 0.7, sticky: bool = False, highlight: bool = False,
              lines: dict | None = None, weights: dict | None = None) -> Any:
        """Add a layer drawing the LSOAs ``idx`` (all when None) coloured by property ``key``.

        ``extra``: this layer's own properties for each of ``idx`` (kept apart from other
        layers' under a per-layer prefix, so two layers may both use e.g. ``"b"``); ``fields``
        and ``key`` may name them or the shared properties. ``opacity``: one value, or one per
        value of ``key``. ``lines``/``weights``: outline colour and width for some values of ``key``
        (others take ``line`` and ``weight``), so hot spots keep an edge at county zoom.
        """
        self._n += 1
        tag = f"l{self._n}_"
        own = set().union(*(e.keys() for e in extra)) if extra else set()
        for i, e in zip(idx or [], extra or [], strict=extra is not None):
            self.props[i].update({tag + k: v for k, v in e.items()})
        filter_js = "true"
        if idx is not None:  # the layer's own LSOAs carry its membership flag
            member = tag + "in"
            for i in idx:
                self.props[i][member] = 1
            filter_js = f"f.properties[{json.dumps(member)}] === 1"

        def rename(k: str) -> str:
            return tag + k if k in own else k

        colours = {str(k): v for k, v in colours.items()}
        opacity_js = (f"{json.dumps({str(k): v for k, v in opacity.items()})}[v]" if isinstance(opacity, dict)
                      else f"{float(opacity)}")
        lay = self._cls(name, show, pane=pane, filter_js=filter_js, key=rename(key), colours=colours, line=line,
                        weight=float(weight), opacity_js=opacity_js,
                        lines={str(k): v for k, v in (lines or {}).items()},
                        weights={str(k): float(v) for k, v in (weights or {}).items()}, fields=[rename(f) for f in fields],
                        aliases=list(aliases), sticky=sticky, highlight=highlight)
        lay.add_to(m)
        return lay
