"""The map's own folium elements and the deterministic ids that make the same map give the same bytes.

folium gives every element a random id and loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs. Here:

- :func:`map_element` makes the only elements a map holds: the coloured areas with tooltips, the outlines and
  labels on top, and a plain HTML legend (branca's colormap legend loads d3 from a CDN);
- :func:`seeded_ids` makes new elements take ids from a counter seeded by the map's name;
- :func:`render_offline` renders a copy of a map with folium's CDN scripts and styles switched off and every
  element renumbered in tree order, so the document depends only on the map.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import threading
from contextlib import contextmanager
from typing import Iterable

from branca.element import Element, MacroElement
from jinja2 import Template

_ID_LOCK = threading.RLock()


def _id_prefix(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


@contextmanager
def seeded_ids(name: str, start: int = 0):
    """While active, every new branca/folium element gets the id ``<hash of name><counter>`` instead of a uuid."""
    prefix = _id_prefix(name)
    counter = itertools.count(start)
    with _ID_LOCK:
        original = Element.__dict__["_generate_id"]
        Element._generate_id = classmethod(lambda cls: f"{prefix}{next(counter):04d}")
        try:
            yield counter
        finally:
            Element._generate_id = original


def _walk(element) -> Iterable:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _renumber(root, name: str) -> int:
    """Give every element in the tree a fresh id from the seeded counter (tree order), keeping child keys in step."""
    prefix = _id_prefix(name)
    elements = list(_walk(root))
    old_names = {id(e): e.get_name() for e in elements}
    for i, element in enumerate(elements):
        element._id = f"{prefix}{i:04d}"
    for element in elements:
        rekeyed = []
        for key, child in element._children.items():
            rekeyed.append((child.get_name() if key == old_names[id(child)] else key, child))
        element._children = type(element._children)(rekeyed)
    return len(elements)


def _strip_cdn_defaults(root) -> None:
    """Switch off folium's CDN scripts/styles (jquery, bootstrap, awesome-markers, font-awesome, Leaflet itself)."""
    for element in _walk(root):
        if hasattr(element, "default_js"):
            element.default_js = []
        if hasattr(element, "default_css"):
            element.default_css = []


def render_offline(m, name: str) -> str:
    """The HTML folium renders for a copy of map ``m``: no CDN tags, ids numbered from ``name`` in tree order."""
    root = copy.deepcopy(m.get_root())
    _strip_cdn_defaults(root)
    start = _renumber(root, name)
    with seeded_ids(name + "|render", start=start):
        return root.render()


_AREAS_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var baseStyle = function (f) {
    return {fillColor: f.properties.fill, fillOpacity: 0.85, color: {{ this.line_colour|tojson }},
            weight: 0.6, opacity: 1};
  };
  var layer = L.geoJSON({{ this.data|tojson }}, {
    style: baseStyle,
    onEachFeature: function (f, l) {
      l.bindTooltip(f.properties.tip, {sticky: true, className: "th-tip"});
      l.on({
        mouseover: function (e) { e.target.setStyle({weight: 3, color: "#000000"}); e.target.bringToFront();
                                  if (window.thOnTop) { window.thOnTop(); } },
        mouseout: function (e) { layer.resetStyle(e.target); }
      });
    }
  }).addTo(map);
  var {{ this.get_name() }} = layer;
  // An iframe inside a long report may have no size yet when this runs; fitting bounds then gives a NaN
  // zoom ("Invalid LatLng (NaN, NaN)") and an empty map. Fit only once the map has a size, and again
  // whenever the frame is laid out or resized.
  var fitted = false;
  var fit = function () {
    map.invalidateSize(false);
    var size = map.getSize();
    var target = {{ this.fit|tojson }};
    if (size.x > 0 && size.y > 0) {
      map.fitBounds(target ? L.latLngBounds(target) : layer.getBounds(), {padding: [8, 8], animate: false});
      fitted = true;
    }
  };
  fit();
  window.addEventListener("load", fit);
  window.addEventListener("resize", function () { if (!fitted) { fit(); } });
  if (!fitted && window.requestAnimationFrame) {
    var tries = 0;
    var again = function () { fit(); if (!fitted && ++tries < 120) { window.requestAnimationFrame(again); } };
    window.requestAnimationFrame(again);
  }
})();
{% endmacro %}
"""

_OUTLINES_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var outlines = L.geoJSON({{ this.data|tojson }}, {
    interactive: false,
    style: function (f) { return {fill: false, color: {{ this.colour|tojson }}, weight: f.properties.weight,
                                  dashArray: f.properties.dash}; }
  }).addTo(map);
  var labels = {{ this.labels|tojson }};
  labels.forEach(function (p) {
    L.marker([p[0], p[1]], {interactive: false, keyboard: false,
      icon: L.divIcon({className: "th-map-label", html: p[2], iconSize: null})}).addTo(map);
  });
  var previous = window.thOnTop;
  window.thOnTop = function () { if (previous) { previous(); } outlines.bringToFront(); };
  window.thOnTop();
})();
{% endmacro %}
"""

_LEGEND_TEMPLATE = """
{% macro header(this, kwargs) %}
<style>
  .leaflet-container { background: #f7f7f5; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
  .th-legend { background: #ffffff; color: #1a1a1a; padding: 6px 9px; border: 1px solid #6b6b6b;
               border-radius: 4px; font-size: 13px; line-height: 1.45; max-width: 15em; }
  .th-legend h2 { font-size: 13px; margin: 0 0 4px 0; font-weight: 700; }
  .th-legend ul { list-style: none; margin: 0; padding: 0; }
  .th-legend li { display: flex; align-items: center; gap: 6px; }
  .th-legend .sw { display: inline-block; width: 18px; height: 12px; border: 1px solid #6b6b6b; flex: none; }
  .th-tip { font-size: 13px; line-height: 1.4; color: #1a1a1a; }
  .th-map-label { background: rgba(255,255,255,0.85); color: #1a1a1a; font-size: 12px; font-weight: 600;
                  padding: 1px 4px; border-radius: 3px; white-space: nowrap; transform: translate(-50%, -50%);
                  width: auto !important; height: auto !important; }
</style>
{% endmacro %}
{% macro html(this, kwargs) %}
<div class="th-legend" id="{{ this.get_name() }}">
  <h2>{{ this.title|e }}</h2>
  <ul>
  {% for colour, label in this.entries %}
    <li><span class="sw" style="background:{{ colour }}"></span><span>{{ label|e }}</span></li>
  {% endfor %}
  </ul>
</div>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { return document.getElementById({{ this.get_name()|tojson }}); };
  legend.addTo({{ this._parent.get_name() }});
  {% if this.attribution %}{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution|tojson }});{% endif %}
})();
{% endmacro %}
"""


class _Areas(MacroElement):
    """The coloured areas, each with its tooltip; hovering outlines an area."""

    _template = Template(_AREAS_TEMPLATE)


class _Outlines(MacroElement):
    """Boundaries drawn on top (localities, the borough, highlighted areas) with their labels."""

    _template = Template(_OUTLINES_TEMPLATE)


class _Legend(MacroElement):
    """A plain HTML legend placed in the map's corner (no d3, no CDN)."""

    _template = Template(_LEGEND_TEMPLATE)


_KINDS = {"areas": _Areas, "outlines": _Outlines, "legend": _Legend}


def map_element(kind: str, **attributes) -> MacroElement:
    """A new element of ``kind`` ("areas": data, line_colour, fit; "outlines": data, labels, colour; "legend":
    title, entries, attribution) holding the attributes its template reads."""
    element = _KINDS[kind]()
    element._name = kind
    for key, value in attributes.items():
        setattr(element, key, value)
    return element
