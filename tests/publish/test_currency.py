"""A report's data currency: the periods a notebook records (``sources.json``), the manifest's ``data_currency``
(newest and oldest data), the site index that shows them with what is out of date in words, and their surviving
an unchanged rebuild; on real data, a built report's manifest and the index carry its newest and oldest data."""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from datetime import date

import pandas as pd
import pytest

from thanalysis.config import OUTPUT_DIR_ENV, project_root
from thanalysis.data.store import DataPeriod
from thanalysis.notebook import record_sources
from thanalysis.publish import build
from thanalysis.publish.currency import currency_html, data_currency, out_of_date, read_periods
from thanalysis.publish.site import SiteEntry, SiteInfo, render_index, write_site_index

from .conftest import nb_rel

MONTHLY = DataPeriod("ae", "A&E attendances", "NHS England (monthly A&E returns)", "2025-03", "2025-03-31",
                     "monthly", 3)
CENSUS = DataPeriod("c65", "Residents aged 65 and over", "Office for National Statistics (Nomis)", "2021",
                    "2021-03-21", "decennial", 132)
ANNUAL = DataPeriod("le", "Life expectancy", "OHID: Fingertips", "2020 - 22", "2022-12-31", "annual", 24)
IMD = DataPeriod("imd", "IMD score", "MHCLG", "2019", None, "irregular (about every 4 years)", 60)


class _Served:
    """What ``record_sources`` asks of a store."""

    data_statement, kind = "Made-up data.", "demo"

    def __init__(self, periods):
        self._periods = periods

    def sources_used(self):
        return []

    def periods_used(self):
        return self._periods


def _recorded(tmp_path, monkeypatch, periods) -> list[dict]:
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(tmp_path))
    record_sources(_Served(periods))
    return read_periods(tmp_path)


def test_recorded_periods_reach_the_manifest_with_newest_oldest_and_when_each_goes_out_of_date(tmp_path, monkeypatch):
    periods = _recorded(tmp_path, monkeypatch, [MONTHLY, CENSUS, ANNUAL, IMD])
    raw = json.loads((tmp_path / "sources.json").read_text())["periods"]
    assert raw == [asdict(p) for p in (MONTHLY, CENSUS, ANNUAL, IMD)]
    by_id = {p["indicator_id"]: p for p in periods}
    assert by_id["ae"]["current_until"] == "2025-06-30"  # 31 March + 3 months
    assert by_id["c65"]["current_until"] == "2032-03-21"  # + 132 months
    assert by_id["le"]["current_until"] == "2024-12-31"
    # IMD's data give no end date: its year label ends with the year
    assert by_id["imd"]["period_end"] == "2019-12-31" and by_id["imd"]["current_until"] == "2024-12-31"

    currency = data_currency(periods)
    assert currency["newest"]["indicator_id"] == "ae" and currency["oldest"]["indicator_id"] == "imd"
    assert len(currency["periods"]) == 4
    assert data_currency([]) is None


def test_out_of_date_follows_each_series_own_lag():
    ae, census = (read | {"current_until": until} for read, until in (
        (asdict(MONTHLY), "2025-06-30"), (asdict(CENSUS), "2032-03-21")))
    assert not out_of_date(ae, date(2025, 6, 30)) and out_of_date(ae, date(2025, 7, 1))
    # the census is five years old on 2 Dec 2026, but its lag is 11 years: not out of date
    assert not out_of_date(census, date(2026, 12, 2))
    assert not out_of_date({"current_until": None}, date(2026, 12, 2)) and not out_of_date(None, date(2026, 1, 1))


def _entry(name, currency, status="built"):
    return SiteEntry(name=name, title=name.title(), group="Reports", parameters={}, status=status,
                     built_at="2026-12-02T12:00:00Z", currency=currency)


def test_index_shows_newest_and_oldest_with_sources_and_says_out_of_date_in_words(tmp_path, monkeypatch):
    stale_site = data_currency(_recorded(tmp_path, monkeypatch, [MONTHLY, CENSUS, ANNUAL]))
    info = SiteInfo(title="Reports", built_at="2026-12-02T12:00:00Z", data_statement="Made-up data.",
                    entries=[_entry("dashboard", stale_site), _entry("old", None), _entry("never", None, "failed")])
    info.entries[2].has_page = False
    page = render_index(info)
    row = re.search(r'<tr><th scope="row"><a href="dashboard/index.html">.*?</tr>', page, re.S).group(0)
    text = re.sub(r"<[^>]+>", "", row)
    assert "Data up to 2025-03 (to 31 Mar 2025): A&amp;E attendances, NHS England" in text
    # the newest monthly series is out of date on 2 Dec 2026 (3 months after March 2025), said in words
    assert "NHS England Out of date (expected a newer period by Jun 2025, 3 months after its end)" in text
    # the oldest is the census (2021), within its 132-month lag: named, not flagged
    oldest = re.search(r"Oldest source: (.*?)</li>", row).group(1)
    assert "2021 (to 21 Mar 2021): Residents aged 65 and over, Office for National Statistics" in oldest
    assert "Out of date" not in oldest
    # life expectancy 2020 - 22 is neither newest nor oldest but out of date too
    assert "Also out of date: 1 other series (Life expectancy)" in text and "3 indicator series used" in text
    # a report that recorded no periods says so; one without a page shows none
    assert "No indicator periods recorded" in page and page.count("Data up to") == 1
    assert '<th scope="col">Data used (newest and oldest)</th>' in page

    write_site_index(tmp_path, info)
    listed = {r["name"]: r["data_currency"] for r in json.loads((tmp_path / "site.json").read_text())["reports"]}
    assert listed["dashboard"]["newest"]["period"] == "2025-03" and listed["dashboard"]["newest"]["out_of_date"]
    assert listed["dashboard"]["oldest"]["indicator_id"] == "c65" and not listed["dashboard"]["oldest"]["out_of_date"]
    assert listed["dashboard"]["out_of_date_series"] == 2
    assert listed["old"] is None and listed["never"] is None


def test_a_current_report_is_not_flagged_and_names_are_escaped():
    fresh = {"indicator_id": "x", "name": "<b>Rate</b>", "source": "Pub <i>", "period": "2026-09",
             "period_end": "2026-09-30", "lag_months": 3, "current_until": "2026-12-31"}
    cell = currency_html({"newest": fresh, "oldest": fresh, "periods": [fresh]}, date(2026, 12, 2))
    assert "Out of date" not in cell and "Oldest source" not in cell  # one series: newest and oldest are the same
    assert "&lt;b&gt;Rate&lt;/b&gt;" in cell and "<b>" not in cell and "Pub &lt;i&gt;" in cell


def _no_run(*args, **kwargs):
    raise AssertionError("a notebook was run")


@pytest.mark.slow
def test_currency_is_in_the_manifest_and_index_and_survives_an_unchanged_rebuild(write_plan, tmp_path, fake_store,
                                                                                   fallback_renderer, fixed_library,
                                                                                   monkeypatch):
    site = tmp_path / "reports"
    plan = write_plan([{"name": "periods", "notebook": nb_rel("periods"), "title": "Currency"}])
    build.build_site(plan, out_dir=site, progress=False)
    currency = json.loads((site / "periods" / "manifest.json").read_text())["data_currency"]
    assert currency["newest"]["indicator_id"] == "monthly_a" and currency["oldest"]["indicator_id"] == "census_b"
    first = (site / "index.html").read_text()
    assert "Data up to 2025-03" in first and "Oldest source: 2021" in first

    monkeypatch.setattr(build, "run_jobs", _no_run)
    result = build.build_site(plan, out_dir=site, progress=False)
    assert [r.status for r in result.reports] == ["unchanged"]
    again = (site / "index.html").read_text()
    assert "Data up to 2025-03" in again and "Oldest source: 2021" in again and "Unchanged since last build" in again


@pytest.mark.slow
def test_a_real_report_carries_its_newest_and_oldest_data(open_data_root, real, tmp_path):
    site = tmp_path / "reports"
    plan = project_root() / "plans" / "default.yml"
    build.build_site(plan, data_root=open_data_root, out_dir=site, only=["borough-profile"], progress=False)
    currency = json.loads((site / "borough-profile" / "manifest.json").read_text())["data_currency"]
    newest, oldest, periods = currency["newest"], currency["oldest"], currency["periods"]
    assert len(periods) >= 2 and newest["period_end"] >= oldest["period_end"]
    assert all(oldest["period_end"] <= p["period_end"] <= newest["period_end"] for p in periods if p["period_end"])
    # each is the latest period of its indicator in the store's values
    for item in (newest, oldest):
        values = real.values([item["indicator_id"]])
        ends = pd.to_datetime(values["period_end"])
        latest = values.loc[ends.idxmax(), "period"] if ends.notna().any() else values["period"].max()
        assert item["period"] == str(latest)
        assert item["source"] and item["name"] and item["lag_months"]
    page = (site / "index.html").read_text()
    assert f"Data up to {newest['period']}" in page and f"Oldest source: {oldest['period']}" in page

    t0 = time.perf_counter()
    result = build.build_site(plan, data_root=open_data_root, out_dir=site, only=["borough-profile"], progress=False)
    assert [r.status for r in result.reports if r.name == "borough-profile"] == ["unchanged"]
    assert time.perf_counter() - t0 < 30  # not a benchmark: only that nothing ran (benchmarks/ times it)
    assert f"Oldest source: {oldest['period']}" in (site / "index.html").read_text()
