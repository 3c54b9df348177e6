"""Figures: charts, SPC charts and icons, maps (with Leaflet inlined for offline use) and the Sankey diagram.

Each function takes a results object from ``thanalysis.analyses`` (or a table from one) and returns a
figure, an SVG or HTML; none reads data or computes statistics. Figures sit beside ``narrative`` and
import neither it nor ``notebook`` or ``publish``.
"""
