"""Tests of thanalysis.publish.csp: the policy allows, by hash, only the page's own scripts and its map frames'."""
from __future__ import annotations

import html
import re
import warnings

import geopandas as gpd
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from shapely.geometry import box

from tests.payloads import PAYLOADS
from thanalysis.figures import maps
from thanalysis.publish.csp import content_security_policy, script_hash, trusted_scripts
from thanalysis.publish.html import render_report

#: The example of the CSP specification (and MDN): ``alert('Hello, world.');`` hashes to this source.
SPEC_SCRIPT, SPEC_HASH = "alert('Hello, world.');", "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"


def _page(head: str = "", body: str = "") -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def _frame(document: str, cls: str = "th-map-frame") -> str:
    return f'<iframe class="{cls}" sandbox="allow-scripts" srcdoc="{html.escape(document, quote=True)}"></iframe>'


def test_script_hash_matches_the_specification_example():
    assert script_hash(SPEC_SCRIPT) == SPEC_HASH
    # the browser hashes the text after turning CR LF and CR into LF
    assert script_hash("a();\r\nb();\rc();") == script_hash("a();\nb();\nc();")


def test_only_the_head_and_map_frames_are_trusted():
    page = _page(
        head=f"<script>{SPEC_SCRIPT}</script><script type=\"text/plain\">data()</script><script src=\"x.js\"></script>",
        body=(f"<script>body()</script><p>{PAYLOADS[2]}</p>"
              + _frame("<html><head><script>frame()</script><script type='text/x-th-map'>later()</script></head>"
                       "<body></body></html>")
              + _frame("<script>other_frame()</script>", cls="not-a-map")))
    # the frame's own map script ("later()") runs when the frame's loader inserts it, so it is trusted by hash
    assert trusted_scripts(page) == [SPEC_SCRIPT, "frame()", "later()"]
    policy = content_security_policy(page)
    assert f"script-src {SPEC_HASH} {script_hash('frame()')} {script_hash('later()')};" in policy
    for untrusted in ("data()", "body()", "alert(3)", "other_frame()"):
        assert script_hash(untrusted) not in policy


def test_the_policy_forbids_everything_else():
    policy = content_security_policy(_page(body="<p>No scripts.</p>"))
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives == {"default-src": "'none'", "script-src": "'none'", "style-src": "'unsafe-inline'",
                          "img-src": "data:", "font-src": "data:", "frame-src": "'none'", "connect-src": "'none'",
                          "base-uri": "'none'", "form-action": "'none'"}
    assert "unsafe-inline" not in directives["script-src"]


def test_eval_is_allowed_only_when_a_trusted_script_evaluates():
    assert "'unsafe-eval'" not in content_security_policy(_page(head="<script>run()</script>"))
    assert "'unsafe-eval'" not in content_security_policy(_page(body="<script>(0, eval)(x)</script>"))
    assert content_security_policy(_page(body=_frame("<script>(0, eval)(x)</script>"))).count("'unsafe-eval'") == 1
    assert "'unsafe-eval'" in content_security_policy(_page(head="<script>new Function('a', 'b')</script>"))


def _map_notebook():
    geoms = [box(-0.06 + 0.01 * i, 51.51, -0.05 + 0.01 * i, 51.52) for i in range(3)]
    gdf = gpd.GeoDataFrame({"area_code": ["E1", "E2", "E3"], "area_name": list(PAYLOADS[:3]),
                            "value": [1.0, 2.0, 3.0]}, geometry=geoms, crs=4326)
    shown = maps.show_map(maps.choropleth_map(gdf, "value", legend_title=PAYLOADS[3]), "A map", "Described.").data
    return new_notebook(cells=[new_markdown_cell("# Report\n\n## Map"), new_code_cell("m", execution_count=1, outputs=[
        new_output("display_data", data={"text/html": shown, "text/plain": "<HTML>"})])])


def test_report_page_carries_its_policy_first_in_the_head(tmp_path):
    provenance = {"data_statement": "Test data.", "sources": [], "parameters": {}, "package_version": "test",
                  "git_commit": "test", "built_at": "2025-01-01T00:00:00Z", "notebook": "notebooks/t.ipynb"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = render_report(_map_notebook(), tmp_path / "index.html", provenance=provenance)
    head = BeautifulSoup(page, "html.parser").head
    metas = head.find_all("meta")
    assert metas[0].get("charset") == "utf-8" and metas[1]["http-equiv"] == "Content-Security-Policy"
    assert head.find_all(True)[1] is metas[1]  # before every style and script
    policy = metas[1]["content"]
    assert policy == content_security_policy(page)
    # by hash: the page's Leaflet host script, the map frame's loader, Leaflet itself and the map's own
    # scripts (the loader inserts the last two as scripts); nothing is evaluated, so no 'unsafe-eval'
    soup = BeautifulSoup(page, "html.parser")
    leaflet = soup.find("script", id="th-leaflet-js").string
    hashes = re.findall(r"'sha256-[A-Za-z0-9+/=]+'", policy)
    assert len(hashes) >= 4 and script_hash(leaflet) in hashes and "'unsafe-eval'" not in policy
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == page
