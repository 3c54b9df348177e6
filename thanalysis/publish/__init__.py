"""Publishing: from a report plan to a folder of self-contained HTML reports.

The steps, each in its own module:

- ``plan``      read and check the report plan (YAML) and expand it into one job per report;
- ``params``    check each job's parameters against the notebook's ``parameters`` cell, before any kernel starts;
- ``runner``    run one notebook with papermill into its own output folder (retrying a kernel that fails to start);
- ``executors`` run many jobs at once: a local process pool, or a Dask cluster;
- ``manifest``  what was run, on which data and code, and what it wrote (checksums), for reproduction;
- ``site``      the site's ``index.html`` / ``site.json`` and the atomic swap of the new site into place;
- ``build``     ``thanalysis build``: the steps above in order, with incremental skipping;
- ``reproduce`` ``thanalysis reproduce``: rerun one report from its manifest and compare its result tables.

The library never imports this package; this package imports the library.
"""
