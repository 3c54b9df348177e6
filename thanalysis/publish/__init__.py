"""Publishing: from a report plan to a folder of self-contained HTML reports.

The parts, each in its own module:

- ``plan``         read and check the report plan (YAML) and expand it into one job per report (area and
                   locality names from :mod:`thanalysis.geography.places`);
- ``params``       check each job's parameters against the notebook's ``parameters`` cell, before any kernel starts;
- ``runner``       run one notebook with papermill into its own output folder (retrying a kernel that fails to
                   start); ``kernel_reset`` runs inside a reused kernel to make it look fresh for the next report;
- ``executors``    run many jobs at once: a local process pool, or a Dask cluster;
- ``html``         an executed notebook as one self-contained, accessible page;
- ``manifest``     what was run, on which data and code, and what it wrote (checksums), for reproduction; and the
                   checks that keep local paths out of everything published (``hashcache`` hashes each input once);
- ``rankings``     a page ranking many reports on one result column;
- ``site``         the site's ``index.html`` and ``site.json``;
- ``folder``       the site folder: its lock, leftovers of stopped builds, staging and the atomic swap;
- ``lifetime``     workers and kernels die with the build; owners of leftover folders;
- ``inputs``       the code the kernels import, and the extracts folder, as inputs of an incremental build;
- ``pdf``          ``--pdf``: each report printed to ``report.pdf`` with headless Chromium;
- ``build``        ``thanalysis build``: five steps, check → reuse → run → render → swap;
- ``reproduce``    ``thanalysis reproduce``: rerun one report from its manifest and compare its result tables.

Only ``thanalysis.cli`` imports this package; this package imports the library (any layer below it).
"""
