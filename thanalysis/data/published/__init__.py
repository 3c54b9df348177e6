"""Readers of published statistics series, each returning canonical values and indicators.

One module per source, each exposing ``read(root) -> PublishedSeries`` (see :mod:`.series`):

- :mod:`.nhs_trusts`: NHS England monthly series by trust (A&E, beds, discharges, RTT, delay reasons);
- :mod:`.homelessness`: MHCLG statutory homelessness (H-CLIC) tables A1 and TA1 by local authority, quarterly,
  with a check of the long extract against the original workbooks;
- :mod:`.social_care`: Oflog adult social care measures by upper-tier local authority, by financial year.

``root`` is the data root (e.g. the open-data mirror); every value row and indicator is validated with
:func:`thanalysis.data.schemas.validate` before it is returned.
"""
