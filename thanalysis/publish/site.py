"""The pages around the reports: the site's ``index.html`` + ``site.json``.

The index is one self-contained, accessible page (no scripts, no CDN, no web fonts): a heading per group,
and for each report its title (a link), its parameters, the newest and the oldest data it uses (what is out of
date said in words, on the day the site is built: :mod:`thanalysis.publish.currency`) and its status.
``site.json`` lists the same for machines. (The folder itself, its lock and the swap of a new site into place:
:mod:`thanalysis.publish.folder`.)
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from thanalysis.publish.csp import content_security_policy
from thanalysis.publish.currency import currency_html, currency_listing

SITE_JSON = "site.json"
INDEX = "index.html"
FAILED_DIR = "_failed"

STATUS_WORDS = {
    "built": "Built in this run",
    "unchanged": "Unchanged since last build",
    "kept": "Kept from the last build (not selected)",
    "not built": "Not built yet",
    "failed": "Failed",
}


@dataclass
class SiteEntry:
    name: str
    title: str
    group: str
    parameters: dict[str, Any]
    status: str  # a key of STATUS_WORDS
    notebook: str = ""
    built_at: str | None = None
    reason: str = ""
    description: str | None = None
    has_page: bool = True
    currency: dict[str, Any] | None = None  # the manifest's ``data_currency``


@dataclass
class SiteInfo:
    title: str
    built_at: str
    data_statement: str
    description: str | None = None
    entries: list[SiteEntry] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text) of site-wide pages, e.g. rankings
    #: the date fixed-snapshot data are set at (the synthetic demo), else None: currency is judged on the build day
    as_of: str | None = None


def _built_on(info: SiteInfo) -> date:
    """The day currency is judged on: the data's own ``as_of`` date when they are a fixed snapshot (the demo),
    else the day the site is built."""
    return date.fromisoformat((info.as_of or info.built_at)[:10])


def write_site_index(site_dir: Path, info: SiteInfo) -> None:
    site_dir = Path(site_dir)
    (site_dir / INDEX).write_text(render_index(info), encoding="utf-8")
    listing = {
        "title": info.title,
        "built_at": info.built_at,
        "data_statement": info.data_statement,
        "reports": [
            {"name": e.name, "title": e.title, "group": e.group, "parameters": e.parameters, "status": e.status,
             "reason": e.reason, "notebook": e.notebook, "built_at": e.built_at,
             "href": f"{e.name}/{INDEX}" if e.has_page else None,
             "data_currency": currency_listing(e.currency, _built_on(info)) if e.has_page else None}
            for e in info.entries
        ],
    }
    if info.links:
        listing["pages"] = [{"href": href, "title": text} for href, text in info.links]
    (site_dir / SITE_JSON).write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


#: The site's style sheet (the index; the rankings page adds a few rules to it).
PAGE_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 0; color: #1b1b1b;
       background: #fff; line-height: 1.5; font-size: 1rem; }
.skip { position: absolute; left: -999px; top: 0; background: #ffdd00; color: #000; padding: .5rem 1rem; }
.skip:focus { left: 1rem; }
header, main, footer { max-width: 70rem; margin: 0 auto; padding: 0 1.25rem; }
header { border-bottom: 4px solid #005eb8; padding-top: 1.5rem; padding-bottom: 1rem; }
h1 { font-size: 2rem; margin: 0 0 .5rem; }
h2 { font-size: 1.4rem; margin-top: 2rem; border-bottom: 1px solid #d8dde0; padding-bottom: .25rem; }
.statement { background: #eef4fb; border-left: 6px solid #005eb8; padding: .75rem 1rem; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; color: #4c6272; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem; border-bottom: 1px solid #d8dde0; }
th { background: #f0f4f5; }
a { color: #005eb8; } a:visited { color: #330072; }
a:focus { outline: 3px solid #ffb81c; outline-offset: 2px; background: #ffb81c; color: #000; }
code { font-family: ui-monospace, Consolas, monospace; font-size: .9em; background: #f0f4f5; padding: 0 .2em; }
.status-built, .status-unchanged, .status-kept { color: #006747; }
.status-failed { color: #a00000; font-weight: bold; }
.status-not-built, .muted { color: #4c6272; }
ul.currency { margin: 0; padding-left: 1.1rem; }
.stale { color: #a00000; }
footer { color: #4c6272; font-size: .9rem; border-top: 1px solid #d8dde0; margin-top: 2rem; padding-top: 1rem;
         padding-bottom: 2rem; }
@media (max-width: 40rem) { th:nth-child(4), td:nth-child(4) { display: none; } }
@media print { .skip { display: none; } a, .stale { color: #000; } }
"""


def _params_html(params: dict[str, Any]) -> str:
    shown = {k: v for k, v in params.items()}
    if not shown:
        return "<span>defaults</span>"
    items = "".join(
        f"<li><code>{html.escape(str(k))}</code> = {html.escape(_show_value(v))}</li>" for k, v in shown.items()
    )
    return f'<ul style="margin:0;padding-left:1.1rem">{items}</ul>'


def _show_value(value: Any) -> str:
    if value is None:
        return "default"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def render_index(info: SiteInfo) -> str:
    esc = html.escape
    today = _built_on(info)
    groups: dict[str, list[SiteEntry]] = {}
    for e in info.entries:
        groups.setdefault(e.group, []).append(e)
    sections = []
    for gi, (group, entries) in enumerate(groups.items(), start=1):
        rows = []
        for e in entries:
            title = esc(e.title)
            link = f'<a href="{esc(e.name)}/{INDEX}">{title}</a>' if e.has_page else title
            desc = f"<br><small>{esc(e.description)}</small>" if e.description else ""
            status_cls = "status-" + e.status.replace(" ", "-")
            built = esc(e.built_at.replace("T", " ").replace("Z", " UTC")) if e.built_at else "–"
            used = currency_html(e.currency, today) if e.has_page else "–"
            rows.append(
                f"<tr><th scope=\"row\">{link}{desc}</th><td>{_params_html(e.parameters)}</td><td>{used}</td>"
                f"<td>{built}</td><td class=\"{status_cls}\">{esc(STATUS_WORDS.get(e.status, e.status))}</td></tr>"
            )
        sections.append(
            f'<section aria-labelledby="g{gi}"><h2 id="g{gi}">{esc(group)}</h2>'
            f"<table><caption>{len(entries)} report{'s' if len(entries) != 1 else ''} in {esc(group)}</caption>"
            "<thead><tr><th scope=\"col\">Report</th><th scope=\"col\">Parameters</th>"
            "<th scope=\"col\">Data used (newest and oldest)</th>"
            "<th scope=\"col\">Built (UTC)</th><th scope=\"col\">Status</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>"
        )
    description = f"<p>{esc(info.description)}</p>" if info.description else ""
    if info.links:
        items = "".join(f'<li><a href="{esc(href)}">{esc(text)}</a></li>' for href, text in info.links)
        description += f'<nav aria-label="Across all reports"><p>Across all reports:</p><ul>{items}</ul></nav>'
    n = len(info.entries)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{content_security_policy('')}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(info.title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
        "<a class=\"skip\" href=\"#main\">Skip to the list of reports</a>\n"
        f"<header><h1>{esc(info.title)}</h1>{description}"
        f"<p class=\"statement\"><strong>Data:</strong> {esc(info.data_statement)}</p></header>\n"
        f"<main id=\"main\" tabindex=\"-1\"><p>{n} report{'s' if n != 1 else ''}. Each report is one page that works "
        "offline; its result tables (CSV) and a <code>manifest.json</code> (sources, checksums, parameters, "
        "versions) sit beside it in the same folder. <em>Data used</em> gives the latest period of the newest and of "
        "the oldest series a report reads; a series is <strong>out of date</strong> when the site is built later "
        "than its expected delay after the end of that period (by default 3 months for monthly series, 6 for "
        "quarterly and 24 for annual ones; the census and the indices of deprivation have their own)."
        + (f" These data are a fixed snapshot set at {esc(_built_on(info).strftime('%d %B %Y'))}: currency is judged "
           "on that date, not on the day the site was built." if info.as_of else "") + "</p>\n"
        + "\n".join(sections)
        + f"\n</main>\n<footer><p>Site built {esc(info.built_at.replace('T', ' ').replace('Z', ' UTC'))} "
        "by thanalysis. A machine-readable list is in <a href=\"site.json\">site.json</a>.</p></footer>\n"
        "</body>\n</html>\n"
    )
