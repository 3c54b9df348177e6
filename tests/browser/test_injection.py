"""Script injection from data files, in a real browser (headless Debian Chromium, network blocked).

Sites are built with a payload (``<img src=x onerror=alert(1)>``, ``<svg onload=alert(2)>``,
``"><script>alert(3)</script>'``, a Markdown link to ``javascript:`` ...) in every kind of name:

- the synthetic demo: every area (borough, neighbours, region, country, wards, localities, PCNs, practices),
  every indicator and every ethnic group in its CSVs, and every priority and metric title of the priorities file;
- the real open data: Tower Hamlets in the Census 2021 table ``census2021-ts007a-ltla.csv``, its wards in the
  ward lookup and its localities in ``data/localities/E09000030.csv``.

Every page is opened, every map frame drawn and several map areas hovered: no dialog opens (and no sandboxed
frame tries one), the policy blocks nothing (so nothing was left unescaped for it to block), nothing fails, and
the names read exactly as written. A page with payloads deliberately left unescaped shows the policy stopping
them. The names are changed in copies of the project's files and data (``data/`` is read from the project, so
the builds run a copy of the project: ``PYTHONPATH`` makes its notebooks import the copy).

Outside CI the tests are skipped (with the reason) when Chromium is not installed; in CI they fail instead.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from shapely.geometry import box

from tests.browser_util import LOCAL_SCHEMES, chromium_path, launch_browser, screenshot
from tests.payloads import PAYLOADS, inject_demo, inject_priorities, with_payload
from thanalysis.config import DATA_ROOT_ENV, project_root
from thanalysis.data.demo.write import write_demo
from thanalysis.figures import maps
from thanalysis.publish.html import render_report

pytestmark = pytest.mark.browser
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HOME_REAL = "E09000030"
CENSUS = Path("population/census2021/census2021-ts007a-ltla.csv")
WARDS = Path("lookups/lsoa21_ward22_best_fit_EW_gla.csv")
LOCALITIES = Path("data/localities/E09000030.csv")
#: Map areas hovered in each map frame.
HOVERS = 6


def _need_chromium() -> None:
    if chromium_path() is None:
        reason = "Chromium not found (install chromium or set $THANALYSIS_CHROMIUM)"
        if IN_CI:
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)


# ------------------------------------------------------------------------------------------------------------
# building sites from changed copies of the project and the data
# ------------------------------------------------------------------------------------------------------------
def _project_copy(dest: Path) -> Path:
    """The parts of the project a build reads: the package, its data files (not the cache) and the notebooks."""
    root = project_root()
    skip = shutil.ignore_patterns("__pycache__", "cache")
    for folder in ("thanalysis", "data", "notebooks"):
        shutil.copytree(root / folder, dest / folder, ignore=skip)
    shutil.copy2(root / "pyproject.toml", dest / "pyproject.toml")
    (dest / "plans").mkdir()
    return dest


def _build(project: Path, data_root: Path, out: Path, reports: list[dict]) -> Path:
    """Build ``reports`` (plan entries) of the project copy on ``data_root`` into ``out``; fail with the output."""
    plan = project / "plans" / "injection.yml"
    plan.write_text(yaml.safe_dump({"title": "Injection test", "reports": reports}, sort_keys=False),
                    encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != DATA_ROOT_ENV} | {"PYTHONPATH": str(project)}
    done = subprocess.run([sys.executable, "-m", "thanalysis", "build", "--plan", str(plan), "--data-root",
                           str(data_root), "--out", str(out), "--force", "--no-progress", "--jobs", "2"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"the build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out


def _rewrite_csv(path: Path, change, *, comments: bool = False) -> None:
    """Rewrite a CSV row by row with ``change(row) -> row`` (a dict), keeping ``#`` comment lines if asked."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    head = [line for line in lines if comments and line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("".join(line for line in lines if line not in head))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(change(dict(row)) for row in rows)
    path.unlink()  # it may be a symlink into the mirror: write a new file instead
    path.write_text("".join(head) + out.getvalue(), encoding="utf-8")


def _overlay(mirror: Path, root: Path, changed: list[Path]) -> Path:
    """``root``: the mirror's files as symlinks, with the folders on the way to each ``changed`` file made real
    and that file copied, ready to change."""
    def link_children(src: Path, dst: Path) -> None:
        dst.mkdir(parents=True, exist_ok=True)
        for child in src.iterdir():
            if not (dst / child.name).exists():
                (dst / child.name).symlink_to(child)

    link_children(mirror, root)
    for rel in changed:
        src, dst = mirror, root
        for part in rel.parts[:-1]:
            src, dst = src / part, dst / part
            if dst.is_symlink():
                dst.unlink()
            link_children(src, dst)
        (dst / rel.name).unlink()
        shutil.copy2(src / rel.name, dst / rel.name)
    return root


@dataclass
class Site:
    """A built site and the names each of its pages must show exactly as written."""

    out: Path
    expected: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture(scope="session")
def payload_demo_site(tmp_path_factory) -> Site:
    """The demo with a payload in every name, built into a site of one report of each kind."""
    _need_chromium()
    work = tmp_path_factory.mktemp("injection-demo")
    data = work / "demo"
    write_demo(data)
    names = inject_demo(data)
    project = _project_copy(work / "project")
    titles = inject_priorities(project / "data" / "priorities.yml", project / "data" / "priorities.yml")
    reports = [
        {"name": "borough-profile", "notebook": "notebooks/borough_profile.ipynb"},
        {"name": "inequalities", "notebook": "notebooks/inequalities.ipynb"},
        {"name": "cross-borough", "notebook": "notebooks/cross_borough.ipynb"},
        {"name": "priority-dashboard", "notebook": "notebooks/priority_dashboard.ipynb"},
        {"name": "priority-dashboard-ne", "notebook": "notebooks/priority_dashboard.ipynb",
         "parameters": {"locality": "XL000002"}},
        {"name": "locality-profile-sw", "notebook": "notebooks/locality_profile.ipynb",
         "parameters": {"locality": "XL000003"}},
    ]
    out = _build(project, data, work / "site", reports)
    home = names["X09000001"]
    return Site(out, {
        "borough-profile": [home],
        "inequalities": [home, names["overcrowding"], names["category:Asian"]],
        "cross-borough": [home, names["X09000002"], names["overcrowding"]],
        "priority-dashboard": [home, titles["dash_emergency_admissions"], titles["fair_inclusive_borough"]],
        "priority-dashboard-ne": [names["XL000002"]],
        "locality-profile-sw": [names["XL000003"], home],
    })


@pytest.fixture(scope="session")
def payload_real_site(open_data_root, tmp_path_factory) -> Site:
    """Tower Hamlets, its wards and its localities with payloads in their names, on the real open data."""
    _need_chromium()
    work = tmp_path_factory.mktemp("injection-real")
    data = _overlay(open_data_root, work / "open", [CENSUS, WARDS])
    borough = f"Tower Hamlets {PAYLOADS[1]}"
    _rewrite_csv(data / CENSUS, lambda row: row | ({"geography": borough} if row["geography code"] == HOME_REAL
                                                   else {}))
    project = _project_copy(work / "project")
    localities, wards = {}, {}

    def locality(row):
        localities.setdefault(row["locality_code"], with_payload(row["locality_name"], len(localities)))
        wards[row["ward22_code"]] = with_payload(row["ward22_name"], len(wards))
        return row | {"locality_name": localities[row["locality_code"]], "ward22_name": wards[row["ward22_code"]]}

    _rewrite_csv(project / LOCALITIES, locality, comments=True)
    _rewrite_csv(data / WARDS, lambda row: row | ({"ward22nm": wards[row["ward22cd"]]} if row["ward22cd"] in wards
                                                  else {}))
    reports = [
        {"name": "cross-borough", "notebook": "notebooks/cross_borough.ipynb"},
        {"name": "priority-dashboard", "notebook": "notebooks/priority_dashboard.ipynb"},
        {"name": "locality-profile-se", "notebook": "notebooks/locality_profile.ipynb",
         "parameters": {"locality": f"{HOME_REAL}-SE"}},
    ]
    out = _build(project, data, work / "site", reports)
    return Site(out, {"cross-borough": [borough], "priority-dashboard": [borough],
                      "locality-profile-se": [localities[f"{HOME_REAL}-SE"], borough]})


# ------------------------------------------------------------------------------------------------------------
# looking at a page
# ------------------------------------------------------------------------------------------------------------
@dataclass
class Visit:
    """What happened on a page: dialogs, console messages, uncaught errors, blocked requests; what it showed."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    text: str = ""
    tooltips: list[str] = field(default_factory=list)
    frames_drawn: int = 0

    def policy_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]

    def problems(self) -> list[str]:
        return ([f"dialog: {d}" for d in self.dialogs] + [f"console: {m}" for m in self.console]
                + [f"error: {e}" for e in self.errors] + [f"blocked: {u}" for u in self.blocked])


#: Elements with an event handler, scripts that alert, images from outside the page, javascript: links: what a
#: payload makes if it is taken as markup (in the page, a map frame or a tooltip).
_MADE = """() => Array.from(document.querySelectorAll("*")).filter(e =>
    Array.from(e.attributes).some(a => a.name.toLowerCase().startsWith("on"))
    || (e.tagName === "SCRIPT" && e.textContent.trim().startsWith("alert("))
    || (e.tagName === "IMG" && !(e.getAttribute("src") || "").startsWith("data:image"))
    || (e.tagName === "A" && (e.getAttribute("href") || "").toLowerCase().startsWith("javascript"))
).map(e => e.outerHTML.slice(0, 200))"""


def _visit(browser, page_file: Path, shots: Path | None = None) -> Visit:
    seen = Visit()
    context = browser.new_context(viewport={"width": 1200, "height": 900}, service_workers="block")

    def route(r):
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            seen.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: seen.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    try:
        page.goto(page_file.resolve().as_uri(), wait_until="load")
        assert page.evaluate(_MADE) == []
        seen.text = page.inner_text("body")
        frames = page.locator("iframe.th-map-frame")
        for k in range(frames.count()):
            frame_el = frames.nth(k)
            frame_el.scroll_into_view_if_needed()
            frame = frame_el.element_handle().content_frame()
            areas = frame.locator("path.leaflet-interactive")
            areas.first.wait_for(state="attached", timeout=15_000)
            page.wait_for_timeout(300)
            seen.frames_drawn += 1
            assert frame.evaluate(_MADE) == []
            boxes = [areas.nth(i).bounding_box() for i in range(min(areas.count(), HOVERS))]
            for b in boxes:
                if b is None or b["width"] < 2 or b["height"] < 2:
                    continue
                page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=3)
                tip = frame.locator(".leaflet-tooltip")
                tip.last.wait_for(state="visible", timeout=5_000)
                assert frame.locator(".leaflet-tooltip *:not(strong):not(br)").count() == 0
                seen.tooltips.append(tip.last.inner_text())
            seen.text += "\n" + frame.locator("body").inner_text()
        if shots is not None:
            screenshot(page, shots, page_file.parent.name, full_page=False)
        page.wait_for_timeout(300)
    finally:
        context.close()
    return seen


def _check_site(site: Site, shots: Path) -> list[Visit]:
    pages = sorted(site.out.glob("*/index.html"))
    assert {p.parent.name for p in pages} == set(site.expected)
    visits = []
    with launch_browser() as browser:
        for page_file in pages:
            seen = _visit(browser, page_file, shots)
            name = page_file.parent.name
            assert seen.problems() == [], (name, seen.problems())
            missing = [n for n in site.expected[name] if n not in seen.text]
            assert missing == [], f"{name}: names not shown as written: {missing}"
            visits.append(seen)
        index = _visit(browser, site.out / "index.html")
        assert index.problems() == []
    return visits


def test_demo_site_with_payloads_in_every_name_runs_nothing(payload_demo_site, test_output_dir):
    visits = _check_site(payload_demo_site, test_output_dir / "injection-demo")
    assert sum(v.frames_drawn for v in visits) >= 3
    tooltips = "\n".join(t for v in visits for t in v.tooltips)
    assert sum(p in tooltips for p in PAYLOADS) >= 2, tooltips[:2000]


def test_real_site_with_payloads_in_place_names_runs_nothing(payload_real_site, test_output_dir):
    visits = _check_site(payload_real_site, test_output_dir / "injection-real")
    assert sum(v.frames_drawn for v in visits) >= 2
    tooltips = "\n".join(t for v in visits for t in v.tooltips)
    assert any(p in tooltips for p in PAYLOADS), tooltips[:2000]


# ------------------------------------------------------------------------------------------------------------
# the policy, when escaping has missed something
# ------------------------------------------------------------------------------------------------------------
def test_policy_stops_payloads_left_unescaped(tmp_path):
    _need_chromium()
    geoms = [box(-0.06 + 0.01 * i, 51.51, -0.05 + 0.01 * i, 51.52) for i in range(3)]
    gdf = gpd.GeoDataFrame({"area_code": ["E1", "E2", "E3"], "area_name": list(PAYLOADS[:3]),
                            "value": [1.0, 2.0, 3.0]}, geometry=geoms, crs=4326)
    shown = maps.show_map(maps.choropleth_map(gdf, "value", legend_title="Rate"), "A map", "Described.").data
    raw = "".join(f"<p>Area {p}</p>" for p in PAYLOADS) + '<p><a href="javascript:alert(6)">link</a></p>'
    nb = new_notebook(cells=[new_markdown_cell("# Report\n\n## Names\n\nBelow, names nobody escaped."),
                             new_code_cell("raw", execution_count=1, outputs=[new_output(
                                 "display_data", data={"text/html": raw.replace("src=x ", "src=data:, "),
                                                       "text/plain": "<HTML>"})]),
                             new_markdown_cell("## Map"),
                             new_code_cell("m", execution_count=2, outputs=[new_output(
                                 "display_data", data={"text/html": shown, "text/plain": "<HTML>"})])])
    provenance = {"data_statement": "Test data.", "sources": [], "parameters": {}, "package_version": "test",
                  "git_commit": "test", "built_at": "2025-01-01T00:00:00Z", "notebook": "notebooks/t.ipynb"}
    page_file = tmp_path / "report" / "index.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_report(nb, page_file, provenance=provenance)
    with launch_browser() as browser:
        context = browser.new_context()
        page = context.new_page()
        dialogs, violations, clicked = [], [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(page_file.resolve().as_uri(), wait_until="load")
        page.locator("a[href^='javascript']").click()
        clicked.append(True)
        frame = page.locator("iframe.th-map-frame").content_frame
        frame.locator("path.leaflet-interactive").nth(2).wait_for(state="attached", timeout=15_000)
        page.wait_for_timeout(500)
        context.close()
    assert clicked and dialogs == []
    # the handlers of the <img> and <svg>, the <script> and the javascript: link were each refused
    assert len(violations) >= 4, violations
