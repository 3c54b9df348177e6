"""Printing the built demo and real sites: every page printed (Chromium's print media) shows as many maps and
charts as on screen, each map as its static picture of the same areas and legend (the interactive frame does not
print) and each chart whole and in proportion; and ``build --pdf`` wrote each report's PDF with every chart and
map in it (as figures with their text alternatives) and no local path."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.browser.pages import site_pages, wait_for_maps
from tests.browser_util import launch_browser, open_offline
from tests.publish.test_pdf import pdf_alt_texts
from thanalysis.publish.pdf import PDF_NAME, pdf_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Charts and pictures in the report body (figures), maps' frames, maps' print pictures.
FIGURES = "main figure img, main figure svg"
#: The tallest a chart may print (240 mm, report.css) in CSS pixels.
PRINT_MAX_HEIGHT = 240 / 25.4 * 96

_VISIBLE = """els => els.filter(e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; })
  .map(e => { const r = e.getBoundingClientRect();
    const name = e.tagName.toLowerCase() === 'img' ? e.getAttribute('alt')
               : (e.querySelector('title') ? e.querySelector('title').textContent : '');
    return {name: name.replace(/\\s+/g, ' ').trim(), cls: e.getAttribute('class') || '', w: r.width, h: r.height}; })"""


def _figures(page) -> list[dict]:
    return page.locator(FIGURES).evaluate_all(_VISIBLE)


def _compare_map(frame, picture) -> list[str]:
    """Differences between a map's interactive frame and its print picture: areas, colours, legend."""
    areas = frame.locator("path.leaflet-interactive")
    fills = sorted(areas.evaluate_all("els => els.map(e => e.getAttribute('fill'))"))
    printed = sorted(picture.locator("g.th-map-areas > path").evaluate_all(
        "els => els.map(e => e.getAttribute('fill'))"))
    legend = frame.locator(".th-legend li").evaluate_all("els => els.map(e => e.textContent.trim())")
    keys = picture.locator("g.th-map-key").evaluate_all(
        "els => els.map(g => Array.from(g.querySelectorAll('text')).map(t => t.textContent).join(' '))")
    out = []
    if fills != printed:
        out.append(f"areas: {len(fills)} on screen, {len(printed)} in print, or other colours")
    if legend != keys:
        out.append(f"legend {legend} on screen, {keys} in print")
    return out


@pytest.mark.parametrize("which", ["demo", "real"])
def test_printed_pages_show_every_map_and_chart(which, request):
    site = request.getfixturevalue(f"{which}_site")
    problems, maps_seen, charts_seen = [], 0, 0
    with launch_browser() as browser:
        for page_file in site_pages(site):
            shown = page_file.relative_to(site).as_posix()
            with open_offline(browser, page_file, viewport=(1000, 900)) as (page, record):
                n_maps = wait_for_maps(page)
                screen = _figures(page)
                frames_on_screen = page.locator("iframe.th-map-frame:visible").count()
                page.emulate_media(media="print")
                printed = _figures(page)
                frames_in_print = page.locator("iframe.th-map-frame:visible").count()
                pictures = page.locator("figure.th-map .th-map-print svg.th-map-static:visible")
                captions = page.locator("figure.th-map figcaption:visible").count()
                # every map: its frame on screen, its picture (same areas, colours, legend) and words in print
                if not (frames_on_screen == n_maps == pictures.count() == captions) or frames_in_print:
                    problems.append(f"{shown}: {n_maps} maps, {frames_on_screen} frames shown on screen, "
                                    f"{pictures.count()} pictures and {captions} captions in print, "
                                    f"{frames_in_print} frames in print")
                for k in range(min(n_maps, pictures.count())):
                    frame = page.locator("iframe.th-map-frame").nth(k).content_frame
                    problems += [f"{shown} map {k + 1}: {d}" for d in _compare_map(frame, pictures.nth(k))]
                # every chart: printed, whole, in proportion, no smaller than on screen unless a page is too short
                charts_screen = [f for f in screen if "th-map-static" not in f["cls"]]
                charts_print = [f for f in printed if "th-map-static" not in f["cls"]]
                if [f["name"] for f in charts_screen] != [f["name"] for f in charts_print]:
                    problems.append(f"{shown}: {len(charts_screen)} charts on screen, {len(charts_print)} in print")
                for s, p in zip(charts_screen, charts_print):
                    if abs(s["w"] / s["h"] - p["w"] / p["h"]) > 0.02 * s["w"] / s["h"]:
                        problems.append(f"{shown}: chart {s['name'][:60]!r} changes shape in print")
                    if p["w"] < 0.98 * s["w"] and p["h"] < 0.98 * PRINT_MAX_HEIGHT:
                        problems.append(f"{shown}: chart {s['name'][:60]!r} prints smaller ({p['w']:.0f} px wide, "
                                        f"{s['w']:.0f} on screen)")
                maps_seen += n_maps
                charts_seen += len(charts_screen)
                problems += [f"{shown}: {p}" for p in record.problems()]
    assert maps_seen >= 7 and charts_seen >= 20  # the default plan's reports hold maps and charts
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("which", ["demo", "real"])
def test_build_pdf_wrote_every_report_with_its_maps_and_charts(which, request):
    site = request.getfixturevalue(f"{which}_site")
    problems = []
    with launch_browser() as browser:
        for page_file in site_pages(site)[1:]:
            report = page_file.parent
            pdf_file = report / PDF_NAME
            if not pdf_file.is_file():
                problems.append(f"{report.name}: no {PDF_NAME}")
                continue
            pages = pdf_pages(pdf_file)
            if pages < 1:
                problems.append(f"{report.name}: {PDF_NAME} has no pages")
            if shutil.which("pdfinfo"):
                info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True).stdout
                if int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1)) != pages:
                    problems.append(f"{report.name}: pdfinfo counts other pages than {pages}")
            data = pdf_file.read_bytes()
            if str(site.parent).encode() in data or b"file://" in data:
                problems.append(f"{report.name}: {PDF_NAME} shows a local path")
            alts = {" ".join(a.split()) for a in pdf_alt_texts(pdf_file)}
            with open_offline(browser, page_file, viewport=(1000, 900)) as (page, _):
                page.emulate_media(media="print")
                names = [f["name"] for f in _figures(page)]
            missing = [n for n in names if not any(a.startswith(n) for a in alts)]
            if missing or not names and 'class="th-figure"' in page_file.read_text(encoding="utf-8"):
                problems.append(f"{report.name}: {len(missing)} of {len(names)} maps and charts not in the PDF: "
                                f"{[m[:60] for m in missing[:3]]}")
    assert not problems, "\n".join(problems)
