"""Figures: charts, SPC charts and icons, maps (with Leaflet inlined for offline use) and the Sankey diagram.

Each function takes a results object from ``thanalysis.analyses`` (or a table from one) and returns a
figure, an SVG or HTML; none reads data or computes statistics. Figures sit beside ``narrative`` and
import neither it nor ``notebook`` or ``publish``.

- ``chart_style``: the house style (colours, fonts, markers) and a chart's way onto a page (PNG, ``<figure>``);
- ``charts``: the static chart kinds (pyramid, decile bars, dot plot, funnel, spine, trends);
- ``maps``: choropleth maps and their offline HTML; built from ``mapdata`` (classes, colours, geometries,
  tooltips), ``mapelements`` (our folium elements, deterministic ids) and ``leaflet`` (Leaflet inlined, one
  copy shared per page, the network check);
- ``spc_chart``, ``spc_icons``, ``sankey``: SPC charts and icons, the flow diagram.
"""
