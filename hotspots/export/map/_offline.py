"""Inline the web assets a folium map needs, so ``patrol_map.html`` opens with no network.

Police and council networks often block CDNs, and an analyst may open the map on a laptop
in a briefing room with no connection at all; a map that loads Leaflet from jsdelivr shows a
blank page there. Leaflet's JavaScript and CSS come from the ``xstatic-leaflet`` package on
disk, and the images its CSS points at are turned into ``data:`` URIs. As a last line of
defence, :func:`strip_external` removes any ``<script src>``/``<link href>`` to http(s) a
future folium might add, with a warning (which our tests turn into an error).
"""

from __future__ import annotations

import base64
import functools
import re
import warnings
from pathlib import Path

__all__ = ["leaflet_js", "leaflet_css", "external_refs", "strip_external", "raw_element", "render_page", "LEAFLET_VERSION"]

try:  # the package is a declared dependency; keep import-time failures out of `import hotspots`
    from xstatic.pkg import leaflet as _xleaflet

    LEAFLET_VERSION = str(_xleaflet.VERSION)
    _BASE = Path(_xleaflet.BASE_DIR)
except ImportError:  # pragma: no cover - reported when a map is written
    LEAFLET_VERSION = "unavailable"
    _BASE = None

#: ``<script ... src="http...">``, ``<link ... href="http...">``, ``@import url(http...)`` and bare ``@import "http..."``
_EXTERNAL = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//[^>]*>\s*</script\s*>"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^>]*>"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//[^;]*;?""",
    re.IGNORECASE,
)


def _asset(name: str) -> Path:
    if _BASE is None or not (_BASE / name).is_file():
        raise RuntimeError(f"Leaflet asset '{name}' not found: reinstall the 'xstatic-leaflet' package "
                           "(pip install xstatic-leaflet) so the map can be written without a network")
    return _BASE / name


@functools.lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, safe to put inside a ``<script>`` element."""
    js = _asset("leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    return js.replace("</script", "<\\/script")


@functools.lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS with its images (layer-switcher and default marker icons) as data URIs."""
    css = _asset("leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        rel = m.group(1).strip("'\"")
        p = _BASE / rel if _BASE is not None else None
        if p is None or not p.is_file():
            return m.group(0)
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((['\"]?images/[^)'\"]+['\"]?)\)", inline, css)
    return css.replace("</style", "<\\/style")


def external_refs(html: str) -> list[str]:
    """Every tag or ``@import`` in ``html`` that would fetch a script or stylesheet from the web."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]


def strip_external(html: str) -> str:
    """Remove external script/stylesheet references, warning once per reference removed."""
    found = external_refs(html)
    if not found:
        return html
    from ... import HotspotsWarning

    for ref in found:
        warnings.warn(f"removed an external web reference from the map so it works offline: {ref[:120]}",
                      HotspotsWarning, stacklevel=3)
    return _EXTERNAL.sub("", html)


_VERBATIM: list = []


def _verbatim_class():  # noqa: ANN202 - a branca Element subclass
    """An Element that renders the text it was given as it is (made once, from branca's own class)."""
    if not _VERBATIM:
        from branca.element import Element

        class _Verbatim(Element):
            def __init__(self, template: str | None = None, template_name: str | None = None) -> None:
                super().__init__()
                self._name = "Verbatim"
                self._text = "" if template is None else template

            def render(self, **kwargs) -> str:  # noqa: ANN003
                return self._text

        _VERBATIM.append(_Verbatim)
    return _VERBATIM[0]


def raw_element(text: str):  # noqa: ANN201 - a branca Element
    """A page element that writes ``text`` as it is (inlined scripts and styles).

    ``folium.Element(text)`` compiles ``text`` as a jinja template: 150 KB of Leaflet took the
    lexer ~0.7 s a page (3.7 s on a national map's five assets), and a ``{{`` in a script would
    be read as a template tag."""
    return _verbatim_class()(text)


def render_page(figure) -> str:  # noqa: ANN001 - a branca Figure
    """``figure.render()`` without reading rendered text as a template a second time.

    branca's ``MacroElement.render`` wraps each rendered header, html and script block in
    ``Element(text)``, which compiles ``text`` as a jinja template: on a national map that is
    30 MB of GeoJSON through the jinja lexer (4.3 s), and a ``{{ ... }}`` in any data (a street
    name, a StreetSafe report) is *evaluated*, with the page's objects in reach. While the page
    renders here, that wrapper is the verbatim element. (The swap is of a module global: pages
    are rendered one at a time, never from two threads at once.)"""
    import branca.element as be

    verbatim = _verbatim_class()  # made from the real Element, before the swap
    original = be.Element
    be.Element = verbatim
    try:
        return figure.render()
    finally:
        be.Element = original
