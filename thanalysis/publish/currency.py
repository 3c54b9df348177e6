"""A report's data currency: the newest and the oldest data it uses, for its manifest and the site's index.

A notebook's ``record_sources`` writes, beside the files it read, the latest period of each indicator the store
served (``periods`` in ``sources.json``; see :meth:`thanalysis.data.store.Store.periods_used`).
:func:`data_currency` turns them into the manifest's ``data_currency``::

    {"newest": <period>, "oldest": <period>, "periods": [<period>, ...]}

where each period is ``{"indicator_id", "name", "source", "period", "period_end", "frequency", "lag_months",
"current_until"}``. "Newest" is the most recent latest period of any indicator the report used; "oldest" the
stalest (the earliest of the indicators' latest periods). ``current_until`` is the period's end plus its expected
lag (``lag_months`` of the indicators table: monthly 3, quarterly 6, annual 24, decennial 132 unless a source sets
its own): a period is "out of date" on any day after it. It is fixed by the data, not by the day of the build, so a
reused report's manifest stays right; the index decides what is out of date on the day the site is built
(:func:`currency_html`).

A period whose data give no end date (IMD 2019's "2019") ends with its year when its label is a year; otherwise
it is listed but cannot be the newest or the oldest.
"""
from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from thanalysis.publish.manifest import SOURCES_JSON
from thanalysis.vocabulary import current_until

_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_FIELDS = ("indicator_id", "name", "source", "period", "period_end", "frequency", "lag_months")


def _end(item: dict[str, Any]) -> date | None:
    """The last day of a period: its ``period_end``, else the end of the year its label names."""
    if item.get("period_end"):
        try:
            return date.fromisoformat(str(item["period_end"])[:10])
        except ValueError:
            return None
    year = _YEAR.match(str(item.get("period", "")))
    return date(int(year.group(1)), 12, 31) if year else None


def _current_until(end: date | None, lag: Any) -> str | None:
    if end is None or lag is None or pd.isna(lag):
        return None
    return current_until(end, int(lag)).isoformat()


def read_periods(report_dir: Path) -> list[dict[str, Any]]:
    """The periods a notebook recorded in ``sources.json`` (none if it recorded none), each with its
    ``period_end`` (given or from a year label) and ``current_until``, sorted by indicator id."""
    try:
        raw = json.loads((Path(report_dir) / SOURCES_JSON).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    items = raw.get("periods", []) if isinstance(raw, dict) else []
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("indicator_id"):
            continue
        record = {k: item.get(k) for k in _FIELDS}
        end = _end(record)
        record["period_end"] = end.isoformat() if end else None
        record["current_until"] = _current_until(end, record["lag_months"])
        out.append(record)
    return sorted(out, key=lambda r: str(r["indicator_id"]))


def data_currency(periods: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The manifest's ``data_currency`` from :func:`read_periods`' list (None when the report recorded none)."""
    if not periods:
        return None
    dated = sorted((p for p in periods if p.get("period_end")), key=lambda p: (p["period_end"], str(p["name"])))
    return {"newest": dated[-1] if dated else None, "oldest": dated[0] if dated else None, "periods": periods}


def out_of_date(period: dict[str, Any] | None, today: date) -> bool:
    """True if ``period`` is older than its expected lag on ``today``."""
    until = (period or {}).get("current_until")
    return bool(until) and date.fromisoformat(str(until)) < today


def _publisher(source: str) -> str:
    """A publisher's name without its long tail ("Department for Education (children's social care ...)"
    → "Department for Education")."""
    short = re.split(r" \(|: ", str(source or ""), maxsplit=1)[0].strip()
    return short or "source not recorded"


def _month(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%b %Y")


def _describe(period: dict[str, Any], today: date) -> str:
    """One period as HTML: label, end date, indicator and publisher; "out of date" in words when it is."""
    esc = html.escape
    text = (f"{esc(str(period['period']))} (to {esc(date.fromisoformat(period['period_end']).strftime('%d %b %Y'))}): "
            f"{esc(str(period['name']))}, {esc(_publisher(period['source']))}")
    if out_of_date(period, today):
        text += (f' <strong class="stale">Out of date</strong> (expected a newer period by '
                 f"{esc(_month(period['current_until']))}, {esc(str(period['lag_months']))} months after its end)")
    return text


def currency_html(currency: dict[str, Any] | None, today: date) -> str:
    """The index's "Data used" cell: newest and oldest data, each with its source, and what is out of date."""
    if not currency:
        return '<span class="muted">No indicator periods recorded</span>'
    newest, oldest = currency.get("newest"), currency.get("oldest")
    if not newest or not oldest:
        return '<span class="muted">No period dates recorded</span>'
    periods = currency.get("periods") or []
    shown = {newest.get("indicator_id"), oldest.get("indicator_id")}
    stale = [p for p in periods if out_of_date(p, today) and p.get("indicator_id") not in shown]
    parts = [f"<li>Data up to {_describe(newest, today)}</li>"]
    if oldest.get("indicator_id") != newest.get("indicator_id"):
        parts.append(f"<li>Oldest source: {_describe(oldest, today)}</li>")
    if stale:
        names = ", ".join(html.escape(str(p["name"])) for p in stale[:3])
        more = f" and {len(stale) - 3} more" if len(stale) > 3 else ""
        parts.append(f'<li><strong class="stale">Also out of date:</strong> {len(stale)} other series '
                     f"({names}{more})</li>")
    n = len(periods)
    parts.append(f'<li class="muted">{n} indicator series used</li>' if n > 1 else "")
    return f'<ul class="currency">{"".join(parts)}</ul>'


def currency_listing(currency: dict[str, Any] | None, today: date) -> dict[str, Any] | None:
    """The newest and oldest data of a report for ``site.json``, each with ``out_of_date`` on ``today``."""
    if not currency or not currency.get("newest"):
        return None
    listed = {}
    for key in ("newest", "oldest"):
        period = currency[key]
        listed[key] = {k: period.get(k) for k in (*_FIELDS, "current_until")} | {
            "out_of_date": out_of_date(period, today)}
    listed["out_of_date_series"] = sum(out_of_date(p, today) for p in currency.get("periods") or [])
    return listed
