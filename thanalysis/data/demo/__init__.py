"""The synthetic demonstration borough: a seeded, deterministic, entirely fictional place in the canonical tables.

``write_demo(out_dir, seed=None)`` writes "Riverside (synthetic)" (local authority ``X09000001``), its ~150 LSOAs,
20 wards and 4 localities, 7 fictional neighbouring boroughs (``X09000002``–``X09000008``), a region
(``X12000001``) and a country (``X92000001``). Codes start with ``X`` and names end "(synthetic)" so nothing can be
mistaken for a real place; the shapes are a Voronoi tiling drawn in the open sea near 0°N 0°E.

What it holds (every value made up, with realistic structure so every analysis has something to find):
- deprivation scores and deciles (local and "national") by LSOA;
- population by sex and 5-year age band (0-4 … 90+) for 10 years;
- annual indicators over 10 years for the partnership's five priorities, by LSOA or ward, with counts and
  denominators, a deprivation gradient, noise, some gaps narrowing, some broken down by ethnic group, and values
  for the borough, its neighbours, the region and the country;
- monthly dashboard metrics (every monthly ``dash_*`` metric in ``data/priorities.yml``) for 48 months at borough
  and locality level, with PLANTED special causes (a shift, a trend, an outlier) and null series; exactly what was
  planted is in the marker file ``thanalysis-demo.json`` under ``"planted"``;
- published-style series for every other metric of ``data/priorities.yml`` (``published``): its source's ids,
  metadata and periods (annual, biennial, rolling 3-year, at 31 March, quarterly with suppressed quarters), by sex
  where the metric asks, for the borough, its neighbours, the region and the country;
- a fictional NHS trust serving the borough and two comparator trusts (``trusts``), with the monthly series the
  trust metrics read through the demo's own extract entries (listed in the marker file, so the dashboard finds
  them as it finds the real trust's); two series stop years early (planted out of date, in ``"planted"``);
- GP registrations that cross borough lines (flows) and practices in primary care networks.

The same seed gives byte-identical files: rows are sorted, floats formatted one way, and nothing records the time.
``DemoStore`` reads the files back through the pandera schemas like any other store.

Modules, by what they generate: ``common`` (codes, names, years, random streams), ``places`` (the tiling and
practices), ``population``, ``annual`` (indicators), ``monthly`` (dashboard metrics with planted special causes),
``published`` (the open-data series of the other metrics), ``trusts`` (the trusts' series and extract entries),
``flows`` (GP registrations), ``write`` (the files and the ``thanalysis data demo`` command) and ``store``
(:class:`DemoStore`).
"""
from __future__ import annotations

from thanalysis.data.demo.store import DemoStore
from thanalysis.data.demo.write import write_demo

__all__ = ["DemoStore", "write_demo"]
