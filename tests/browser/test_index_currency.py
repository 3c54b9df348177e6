"""The site index's data currency column in a browser: no WCAG 2.1 A/AA violation (axe-core) on a desktop and on a
320-pixel phone screen, "Out of date" in words (in print too, where colour may be lost), and the page makes no
request beyond itself. The index is rendered from made-up entries (a whole site build is
``test_accessibility.py``'s), so this runs in seconds."""
from __future__ import annotations

import pytest

from tests.browser.conftest import need_chromium
from tests.browser.pages import axe_violations
from tests.browser_util import launch_browser, open_offline, screenshot
from thanalysis.publish.site import SiteEntry, SiteInfo, write_site_index

pytestmark = [pytest.mark.browser]


def _period(ind, name, period, end, lag, until):
    return {"indicator_id": ind, "name": name, "source": f"Publisher of {name} (a long description)",
            "period": period, "period_end": end, "frequency": "", "lag_months": lag, "current_until": until}


STALE = _period("ae", "A&E four-hour performance, Barts Health NHS Trust (whole trust)", "2025-03", "2025-03-31", 3,
                "2025-06-30")
CENSUS = _period("c65", "Residents aged 65 and over", "2021", "2021-03-21", 132, "2032-03-21")
FRESH = _period("ta", "Households in temporary accommodation per 1,000", "2026 Q3", "2026-09-30", 6, "2027-03-31")
ANNUAL = _period("le", "Life expectancy at birth", "2020 - 22", "2022-12-31", 24, "2024-12-31")


def test_index_with_data_currency_is_accessible_and_says_out_of_date_in_print(tmp_path, test_output_dir):
    need_chromium()
    entries = [
        SiteEntry(name="dashboard", title="Priority dashboard", group="Dashboards", parameters={}, status="built",
                  built_at="2026-12-02T12:00:00Z",
                  currency={"newest": FRESH, "oldest": STALE, "periods": [FRESH, STALE, ANNUAL]}),
        SiteEntry(name="profile", title="Borough profile", group="The borough", parameters={"area_code": None},
                  status="unchanged", built_at="2026-12-01T09:00:00Z",
                  currency={"newest": FRESH, "oldest": CENSUS, "periods": [FRESH, CENSUS]}),
        SiteEntry(name="old", title="Built before currency was recorded", group="The borough", parameters={},
                  status="kept"),
        SiteEntry(name="broken", title="Failed report", group="The borough", parameters={}, status="failed",
                  has_page=False),
    ]
    write_site_index(tmp_path, SiteInfo(title="Reports", built_at="2026-12-02T12:00:00Z",
                                        data_statement="Made-up data.", entries=entries))
    problems = []
    with launch_browser() as browser:
        with open_offline(browser, tmp_path / "index.html", viewport=(1280, 900)) as (page, record):
            for width, height in ((1280, 900), (320, 720)):
                page.set_viewport_size({"width": width, "height": height})
                problems += [f"{width}px: {v}" for v in axe_violations(page)]
            page.set_viewport_size({"width": 1280, "height": 900})
            screenshot(page, test_output_dir, "index-data-currency")
            page.emulate_media(media="print")
            printed = page.locator("main").inner_text()
            problems += record.problems()
    assert not problems, "\n".join(problems)
    assert printed.count("Out of date") == 1 and "Also out of date:" in printed  # the stale A&E and life expectancy
    assert "Data up to 2026 Q3" in printed and "Oldest source: 2021" in printed
    assert "No indicator periods recorded" in printed
