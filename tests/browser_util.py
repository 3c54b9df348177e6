"""Open a local HTML file in headless Chromium with the network blocked, and record what went wrong.

Used by the browser tests: every request that is not ``file:``, ``data:``, ``about:`` or ``blob:`` is aborted
and recorded (a self-contained report must never need one), as are console errors, uncaught page errors
and failed requests. Chromium is Debian's (``/usr/bin/chromium``) or ``$THANALYSIS_CHROMIUM``.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import sync_playwright

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The Chromium binary to drive, or None when there is none on this machine."""
    candidate = os.environ.get("THANALYSIS_CHROMIUM", "/usr/bin/chromium")
    if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


@dataclass
class PageRecord:
    """What happened while a page was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"network request blocked (page is not self-contained): {u}" for u in self.blocked_requests]
            + [f"request failed: {u}" for u in self.failed_requests]
        )


@contextmanager
def launch_browser():
    """A headless Chromium (Playwright); raises RuntimeError if the binary is missing."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium not found (set $THANALYSIS_CHROMIUM or install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_offline(browser, html_file: Path, *, viewport=(1200, 900)):
    """Open ``html_file`` as a file:// URL with all non-local requests aborted; yields (page, record)."""
    record = PageRecord()
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  service_workers="block")

    def route(r):
        url = r.request.url
        if url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            record.blocked_requests.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda msg: record.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: record.page_errors.append(str(exc)))
    page.on("requestfailed", lambda req: record.failed_requests.append(req.url)
            if req.url not in record.blocked_requests else None)
    try:
        page.goto(Path(html_file).resolve().as_uri(), wait_until="load")
        yield page, record
    finally:
        context.close()


def screenshot(page, out_dir: Path, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page under ``out_dir`` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
