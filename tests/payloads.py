"""Script-injection payloads for the escaping tests, and a check that markup holds them only as text.

A name in the data (an area, ward, locality, indicator, metric or category) is text. Each payload below would
run a script, break out of an attribute or make Markdown (a link, emphasis, code) if a page took it as markup:
the tests put them into names and check that the page shows them exactly as written and runs nothing.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_notebook, new_output

from thanalysis.publish.html import notebook_fragment

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    "\"><script>alert(3)</script>'",
    "[link](javascript:alert(4)) *em* _u_ `c` <img src=data:, onerror=alert(5)>",
)
#: Elements a payload would make if it were taken as markup (none of them is in the markup under test).
PAYLOAD_ELEMENTS = ("script", "img", "svg", "a", "em", "code", "iframe")


def with_payload(name: str, index: int) -> str:
    """``name`` with payload ``index`` (cycling) inside it, before a final ``(synthetic)`` if it has one."""
    payload = PAYLOADS[index % len(PAYLOADS)]
    if name.endswith(" (synthetic)"):
        return f"{name[:-len(' (synthetic)')]} {payload} (synthetic)"
    return f"{name} {payload}"


def markdown_html(text: str) -> str:
    """``text`` (Markdown) as the report page renders a notebook's Markdown output."""
    nb = new_notebook(cells=[new_code_cell("", execution_count=1, outputs=[
        new_output("display_data", data={"text/markdown": text, "text/plain": "<Markdown>"})])])
    return notebook_fragment(nb)


def markup_problems(markup: str, names=()) -> list[str]:
    """What is wrong with ``markup`` that holds payload names: an element or attribute a payload made (an event
    handler, a script, a link...), or one of ``names`` that does not read exactly as written."""
    soup = BeautifulSoup(markup, "html.parser")
    problems = [f"<{el.name} {attr}=...>" for el in soup.find_all(True) for attr in el.attrs
                if attr.lower().startswith("on")]
    problems += [f"<{el.name}> made from a name: {el}"[:200] for el in soup.find_all(PAYLOAD_ELEMENTS)]
    text = re.sub(r"\s+", " ", soup.get_text())
    problems += [f"{name!r} does not read as written" for name in names if re.sub(r"\s+", " ", name) not in text]
    return problems


#: Area types of the demo whose names get a payload (every kind of place a page names).
NAMED_AREA_TYPES = ("country", "region", "la", "locality", "ward22", "pcn", "practice")


def _rewrite_csv(path, change) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    for i, row in enumerate(rows):
        change(i, row)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def inject_demo(root: Path) -> dict[str, str]:
    """Put a payload into every name of the demo at ``root``: areas of every kind, indicators and ethnic groups.
    Returns the new names by area code, indicator id and ``category:<old name>``."""
    names: dict[str, str] = {}

    def area(i, row):
        if row["area_type"] in NAMED_AREA_TYPES:
            row["area_name"] = names[row["area_code"]] = with_payload(row["area_name"], i)

    def indicator(i, row):
        row["name"] = names[row["indicator_id"]] = with_payload(row["name"], i)

    categories = {}

    def category(_, row):
        if row["category"]:
            if row["category"] not in categories:
                categories[row["category"]] = with_payload(row["category"], len(categories))
                names[f"category:{row['category']}"] = categories[row["category"]]
            row["category"] = categories[row["category"]]

    _rewrite_csv(root / "areas.csv", area)
    _rewrite_csv(root / "indicators.csv", indicator)
    _rewrite_csv(root / "values.csv", category)
    return names


def inject_priorities(path: Path, out: Path) -> dict[str, str]:
    """Write ``out``: the priorities file ``path`` with a payload in every priority and metric title. Returns
    the new titles by priority or metric id."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    titles = {}
    for i, item in enumerate(raw["priorities"] + raw["metrics"]):
        item["title"] = titles[item["id"]] = with_payload(item["title"], i)
    out.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return titles
