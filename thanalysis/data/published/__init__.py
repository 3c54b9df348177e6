"""Readers of published statistics series, each returning canonical values and indicators.

One module per source, each exposing ``read(root) -> PublishedSeries`` and a cheap ``indicators(root)`` (see
:mod:`.series`; the store finds them by name in :mod:`.registry`, named by ``module:`` in data/sources.yml):

- :mod:`.nhs_trusts`: NHS England monthly series by trust (A&E, beds, discharges, RTT, delay reasons), 2019-2025;
- :mod:`.nhs_activity`: the A&E SitRep by provider (2020-2023) and the Monthly Activity Return by PCT (2008-2013);
- :mod:`.nhs_snapshots`: NHS England provider snapshots of early 2021 (A&E, ambulance, beds, cancer, diagnostics,
  outpatient referrals, RTT);
- :mod:`.hes_admissions`: emergency admission rates by London borough (2003-2015) and HES admissions by CCG
  (2015-2021);
- :mod:`.homelessness`: MHCLG statutory homelessness (H-CLIC) tables A1 and TA1 by local authority, quarterly;
  :mod:`.homelessness_workbooks` checks the long extract against the original workbooks;
- :mod:`.social_care`: Oflog adult social care measures by upper-tier local authority, by financial year;
- :mod:`.children`: DfE children's social care (with the DfE LA number → ONS code table); :mod:`.lait`: DfE LAIT;
- :mod:`.health_index`: the ONS Health Index for England by lower-tier local authority;
- :mod:`.fingertips_tidy`: Fingertips values in Trafford Data Lab's tidy layout (two vintages);
  :mod:`.fingertips_export`: a raw Fingertips export (the suicide prevention profile, London).

Shared steps: :mod:`.series` (the PublishedSeries record, reading, published text as numbers, validation) and
:mod:`.periods` (every period rule: months, quarters, calendar, financial and academic years, rolling years, counts
on a day). ``root`` is the data root (e.g. the open-data mirror); every value row and indicator is validated with
:func:`thanalysis.data.schemas.validate` before it is returned.
"""
