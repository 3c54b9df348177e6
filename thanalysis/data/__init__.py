"""Data: read and validate every source into the canonical tables (``thanalysis.vocabulary``).

- ``store``: the :class:`~thanalysis.data.store.Store` interface, provenance and its one cache;
- ``open``: ``open_store(data_root)``, the only place that knows the real data from the demo;
- ``real`` (with ``real_rows``: one file's rows as canonical rows, ``real_geography``: lookups and boundaries, and
  ``real_published``: the indicators and the published series, read only when asked for), ``demo/`` (the synthetic
  borough, one module per thing it generates): the two stores;
- ``published/``: one reader per published series (NHS, homelessness, social care, children, Health Index,
  Fingertips), found by name in ``published/registry``;
- ``catalogue``: the one reader of ``data/sources.yml`` (datasets, indicators, extracts); ``readers``, ``schemas``;
- ``extracts``: analysts' and published monthly series as canonical values; ``fetch``, ``check``: the CLI.

Data sits above ``stats`` and ``geography`` (pure functions on tables) and below ``analyses``: nothing in
this package imports an analysis, a figure, the narrative or ``publish``.
"""
