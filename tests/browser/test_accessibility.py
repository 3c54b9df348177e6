"""axe-core over every page of the built demo and real sites (each report, the site index, the rankings page when
the plan has one), with their map frames, on a desktop screen and on a 320-pixel phone screen (where wide tables
scroll): no WCAG 2.1 A or AA violation."""
from __future__ import annotations

import pytest

from tests.browser.pages import axe_violations, site_pages, wait_for_maps
from tests.browser_util import launch_browser, open_offline

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {"desktop": (1280, 900), "phone": (320, 720)}


@pytest.mark.parametrize("which", ["demo", "real"])
def test_no_wcag_violation_on_any_page(which, request):
    site = request.getfixturevalue(f"{which}_site")
    pages = site_pages(site)
    assert len(pages) >= 12  # the index and the eleven or more reports of the default plan
    problems, scanned = [], 0
    with launch_browser() as browser:
        for page_file in pages:
            shown = page_file.relative_to(site).as_posix()
            with open_offline(browser, page_file, viewport=VIEWPORTS["desktop"]) as (page, record):
                wait_for_maps(page)
                for screen, (width, height) in VIEWPORTS.items():
                    page.set_viewport_size({"width": width, "height": height})
                    page.wait_for_timeout(200)  # the maps refit to their new size
                    problems += [f"{shown} ({screen}) {v}" for v in axe_violations(page)]
                    scanned += 1
                problems += [f"{shown} {p}" for p in record.problems()]
    assert scanned == 2 * len(pages)
    assert not problems, f"{len(problems)} accessibility problem(s) on the {which} site:\n" + "\n".join(problems)
