"""What the profile notebooks' tests share: run a profile notebook, read what it published, and open the rendered
page in headless Chromium (network blocked) to check that its maps draw and their tooltips say enough.

Screenshots go to ``test-output/profiles/`` for a person to look at.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tests.browser_util import chromium_path, launch_browser, open_offline, screenshot
from tests.notebook_runner import execute_notebook
from thanalysis.config import project_root
from thanalysis.publish.html import render_report

TH = "E09000030"
HACKNEY = "E09000012"
TH_LOCALITIES = [f"{TH}-NW", f"{TH}-NE", f"{TH}-SW", f"{TH}-SE"]


def run_notebook(name: str, out: Path, **parameters) -> Path:
    """Execute notebooks/<name>.ipynb with the given parameters (None ones left at their defaults) into ``out``;
    returns the executed notebook."""
    execute_notebook(project_root() / "notebooks" / f"{name}.ipynb", out,
                     **{k: str(v) for k, v in parameters.items() if v is not None})
    return out / "executed.ipynb"


def code_cells(name: str) -> list[str]:
    """The source of each code cell of notebooks/<name>.ipynb (the parameters cell first)."""
    nb = nbformat.read(project_root() / "notebooks" / f"{name}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def cell_calls(name: str) -> set[str]:
    """The names every call in the notebook's code cells starts from (``words`` for ``words.title(...)``).

    Raises AssertionError where a cell computes: a comparison, arithmetic, a comprehension or a lambda."""
    roots = set()
    for source in code_cells(name)[1:]:
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, (ast.Compare, ast.BinOp, ast.comprehension, ast.Lambda)), \
                f"a cell of {name} computes: {ast.unparse(node)}"
            if isinstance(node, ast.Call):
                func = node.func
                while isinstance(func, (ast.Attribute, ast.Call, ast.Subscript)):
                    func = func.value if not isinstance(func, ast.Call) else func.func
                roots.add(func.id if isinstance(func, ast.Name) else type(func).__name__)
    return roots


def results(out: Path, table: str) -> pd.DataFrame:
    """A table the notebook published (``results/<table>.csv``)."""
    return pd.read_csv(out / "results" / f"{table}.csv", dtype={"area_code": str, "locality_code": str},
                       keep_default_na=False, na_values=[""])


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def shown(nb_path: Path, kind: str = "text/html") -> str:
    """Every output of one kind (HTML, or ``text/markdown``) of the executed notebook, joined."""
    nb = nbformat.read(nb_path, as_version=4)
    return "".join("".join(o.get("data", {}).get(kind, "")) for c in nb.cells for o in c.get("outputs", []))


def raw_imd(root: Path) -> pd.DataFrame:
    """The IMD 2019 file, columns renamed: ``lsoa, la, rank, decile``."""
    raw = pd.read_csv(root / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", thousands=",",
                      encoding="utf-8-sig")
    return raw.rename(columns={"LSOA code (2011)": "lsoa", "Local Authority District code (2019)": "la",
                               "Index of Multiple Deprivation (IMD) Rank": "rank",
                               "Index of Multiple Deprivation (IMD) Decile": "decile"})


def mid2020(root: Path) -> pd.DataFrame:
    """The ONS mid-2020 London population file by 2011 LSOA."""
    return pd.read_csv(root / "population" / "london-mid2020-pop-lsoa11.csv", thousands=",", encoding="utf-8-sig")


def browser_check(notebook: str, out: Path, shots: Path, name: str, *, parameters: dict, expect_tooltip):
    """Render ``notebook`` as executed into ``out`` to HTML, open it offline, check the maps draw and tooltips
    say enough."""
    nb = nbformat.read(out / "executed.ipynb", as_version=4)
    sources = json.loads((out / "sources.json").read_text())
    provenance = {"data_statement": sources["data_statement"], "sources": sources["sources"],
                  "parameters": parameters, "package_version": "test", "git_commit": "test",
                  "built_at": "2024-01-01T00:00:00Z", "notebook": f"notebooks/{notebook}.ipynb"}
    html_path = out / f"{name}.html"
    render_report(nb, html_path, provenance=provenance)
    if chromium_path() is None:
        pytest.skip("Chromium not found for the browser check")
    with launch_browser() as browser, open_offline(browser, html_path, viewport=(1200, 900)) as (page, record):
        page.wait_for_timeout(1500)
        screenshot(page, shots, f"{name}-first-screen", full_page=False)
        frames = page.locator("iframe.th-map-frame")
        assert frames.count() >= 1
        for i in range(frames.count()):
            frame = frames.nth(i).content_frame
            paths = frame.locator("path.leaflet-interactive")
            paths.first.wait_for(state="attached", timeout=10000)
            assert paths.count() >= 4, "the map should draw its areas"
            frames.nth(i).scroll_into_view_if_needed()
            box = frames.nth(i).bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(400)
            tip = frame.locator(".leaflet-tooltip")
            if expect_tooltip:
                # hover over the first area that takes the pointer to show its tooltip
                paths.nth(0).hover(force=True)
                page.wait_for_timeout(300)
                text = tip.first.inner_text(timeout=5000) if tip.count() else ""
                assert text.strip(), "a tooltip should appear on hover"
            if i == 0:
                page.screenshot(path=str(shots / f"{name}-map.png"), clip=box)
        if expect_tooltip:
            document = "".join(frames.nth(i).get_attribute("srcdoc") or "" for i in range(frames.count()))
            for word in expect_tooltip:
                assert word in document, f"tooltips should mention {word!r}"
        assert not record.problems(), record.problems()
