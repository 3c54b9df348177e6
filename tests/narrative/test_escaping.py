"""Every narrative function that makes HTML or Markdown escapes the names in it: the demo with a script-injection
payload in every kind of name (areas of every type, indicators, ethnic groups, priorities and metrics) is run
through each report's analysis, and what each function returns must hold the names only as text."""
from __future__ import annotations

import shutil

import pytest

from tests.payloads import PAYLOADS, inject_demo, inject_priorities, markdown_html, markup_problems
from thanalysis.analyses.borough_profile import run_borough_profile
from thanalysis.analyses.cross_borough import run_cross_borough
from thanalysis.analyses.dashboard import run_dashboard
from thanalysis.analyses.inequalities import run_inequalities
from thanalysis.analyses.locality_profile import run_locality_profile
from thanalysis.data.open import open_store
from thanalysis.narrative import cross_borough, dashboard, inequalities, profiles
from thanalysis.priorities import default_priorities_path, load_priorities


@pytest.fixture(scope="module")
def injected(demo_root, tmp_path_factory):
    """(store, new names) of a copy of the demo with a payload in every name."""
    root = tmp_path_factory.mktemp("payload-demo") / "demo"
    shutil.copytree(demo_root, root)
    names = inject_demo(root)
    return open_store(root), names


@pytest.fixture(scope="module")
def store(injected):
    return injected[0]


def _assert_text_only(markup: str, names) -> None:
    assert any(p in markup for p in ("&lt;", "\\<", "&gt;")), "the names were expected in this markup"
    assert markup_problems(markup, names) == []


def test_the_payloads_reach_the_results(injected):
    store, names = injected
    home = store.home_area_code
    assert names[home] in set(store.areas()["area_name"])
    assert sum(any(p in n for p in PAYLOADS) for n in names.values()) == len(names) > 100


def test_cross_borough_html(store):
    r = run_cross_borough(store)
    for made in (cross_borough.bullets_html(cross_borough.summary(r)), cross_borough.benchmark_html(r),
                 cross_borough.registered_html(r), cross_borough.flows_html(r)):
        _assert_text_only(made, [r.area_name])
    _assert_text_only(cross_borough.trend_html(r), [])


def test_dashboard_html(store, tmp_path):
    titles = inject_priorities(default_priorities_path(), tmp_path / "priorities.yml")
    for locality in (None, "XL000002"):
        dash = run_dashboard(store, locality=locality, priorities=load_priorities(tmp_path / "priorities.yml"))
        dash.notes = [f"a note about {dash.title_area}"]
        shown = [titles[p] for p in dash.priority_ids()]
        _assert_text_only(dashboard.narrative_html(dash), shown)
        _assert_text_only(dashboard.overview_html(dash), [dash.title_area, dash.notes[0]])
        for pid in dash.priority_ids():
            # monthly metrics are titled in the priorities file, annual indicators by the data
            metrics = [r.metric.title for r in dash.for_priority(pid)]
            assert all(any(p in m for p in PAYLOADS) for m in metrics)
            _assert_text_only(dashboard.priority_narrative_html(dash, pid), metrics)


def test_inequalities_markdown(store):
    r = run_inequalities(store, repetitions=1000)
    _assert_text_only(markdown_html(inequalities.summary_markdown(r)), [r.area_name])
    for ind in r.indicator_ids:
        page = markdown_html(inequalities.indicator_section_markdown(r, ind))
        _assert_text_only(page, [r.short_name(ind), r.area_name])


def test_profiles_markdown(store):
    borough = run_borough_profile(store)
    for made in (profiles.borough_heading_markdown(borough), profiles.borough_summary_markdown(borough)):
        _assert_text_only(markdown_html(made), [borough.borough])
    locality = run_locality_profile(store, locality="XL000003")
    for made in (profiles.locality_heading_markdown(locality), profiles.locality_summary_markdown(locality)):
        _assert_text_only(markdown_html(made), [locality.place, locality.borough])
