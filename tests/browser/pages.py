"""What the browser tests do on a built page: list a site's pages, wait for its maps, run axe-core.

axe-core (Deque's accessibility engine, MPL-2.0) comes from the ``axe-playwright-python`` package, which ships
``axe.min.js``; it is injected into the page and into each map frame (sandboxed ``srcdoc`` frames, which axe
cannot reach from the page) and run on each with the WCAG 2.1 A and AA rules.
"""
from __future__ import annotations

import json
from pathlib import Path

from axe_playwright_python.base import AXE_SCRIPT

#: The WCAG 2.1 level A and AA rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def site_pages(site: Path) -> list[Path]:
    """Every page of a built site: its index, any other page at its root (the rankings), and each report."""
    listing = json.loads((site / "site.json").read_text(encoding="utf-8"))
    reports = [site / r["name"] / "index.html" for r in listing["reports"]]
    missing = [p for p in reports if not p.is_file()]
    assert not missing, f"reports listed in site.json without a page: {missing}"
    others = sorted(p for p in site.glob("*.html") if p.name != "index.html")
    return [site / "index.html", *others, *reports]


def wait_for_maps(page, timeout: int = 20_000) -> int:
    """Wait until every map frame on the page has drawn its areas; the number of maps."""
    frames = page.locator("iframe.th-map-frame")
    for k in range(frames.count()):
        frames.nth(k).content_frame.locator("path.leaflet-interactive").first.wait_for(
            state="attached", timeout=timeout)
    return frames.count()


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page and in each of its frames, one line per element."""
    found = []
    for k, frame in enumerate(page.frames):
        if frame.evaluate("typeof window.axe === 'undefined'"):
            frame.evaluate(AXE_SCRIPT)
        result = frame.evaluate("options => axe.run(document, options)", {
            "runOnly": {"type": "tag", "values": WCAG_TAGS}, "iframes": False, "resultTypes": ["violations"]})
        where = "page" if frame == page.main_frame else f"frame {k}"
        for rule in result["violations"]:
            for node in rule["nodes"]:
                found.append(f"{where}: {rule['id']} ({rule['impact']}): {rule['help']} at {node['target']}: "
                             f"{node['html'][:160]}")
    return found
