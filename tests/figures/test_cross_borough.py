"""Tests for thanalysis.figures.cross_borough: the report's spine chart, map, trend charts and flows chart."""
from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from tests.analyses.cross_borough_expected import demo_results, real_results  # noqa: F401
from thanalysis.figures import cross_borough as figures
from thanalysis.figures import cross_borough_spine as spine_module


def _texts(fig) -> list[str]:
    texts = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return texts + [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def test_spine_relabels_the_country_on_the_demo(demo_results):
    texts = _texts(figures.spine_figure(demo_results))
    assert not any("England" in t for t in texts)
    assert any(demo_results.benchmarks.country_name in t for t in texts)


def test_real_spine_draws_every_drawable_row_and_marks_no_judgement(real_results):
    fig = figures.spine_figure(real_results)
    drawn = real_results.spine[real_results.spine["drawable"]]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == len(drawn)
    # a label is the name (wrapped), " *" for no better or worse direction, then the values line
    starred = [" *\n" in label for label in labels]
    assert any(starred) and starred == [p == "no_judgement" for p in drawn["polarity"]]
    assert [label.split("\n")[0].removesuffix(" *") for label in labels] == [figures.short_label(i).split("\n")[0]
                                                          for i in drawn["indicator"]]
    assert any("England" in t for t in _texts(fig))


def test_short_labels_wrap_and_cut():
    assert figures.short_label("short") == "short"
    long = figures.short_label("word " * 40, width=20, lines=2)
    assert long.count("\n") == 1 and long.endswith("…") and all(len(x) <= 20 for x in long.split("\n"))


def test_fingertips_spine_marks_region_and_comparators(real_results):
    fig = spine_module.fingertips_spine_figure(real_results.fingertips_spine, "Tower Hamlets", "London", "NEL")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == int(real_results.fingertips_spine["drawable"].sum()) >= 4
    legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert "London" in legend and "Median of NEL" in legend
    assert "Range over local authorities" in legend  # the source may hold only some of England's


def test_flow_chart_only_with_flows(demo_results, real_results):
    assert figures.flow_chart(real_results) is None
    svg = figures.flow_chart(demo_results)
    title = ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title").text
    assert title == f"Where residents are served, {demo_results.flows['period'].iloc[0]}"


def test_trend_charts_one_panel_per_series_with_their_alts(demo_results, real_results):
    labels = list(dict.fromkeys(demo_results.trend_values["indicator"]))
    alts = {label: f"alt {k}." for k, label in enumerate(labels)}
    html = figures.trend_charts_html(demo_results, alts, "<p>none</p>")
    assert html.count("<figure") == 1
    assert all(a in html for a in alts.values())
    fig = figures.trend_figure(demo_results.trend_values, {}, {"Chosen borough": "A", "Comparator": "B range",
                                                               "Region": "R", "Country": "C"})
    assert sum(ax.get_visible() for ax in fig.axes) == len(labels)
    sexes = demo_results.trend_values[demo_results.trend_values["indicator_id"] == "life_expectancy_at_birth"]
    assert sexes["indicator"].nunique() == 2  # each sex its own panel
    empty = real_results.trend_values.iloc[:0]
    none = dataclasses.replace(real_results, trend_values=empty)
    assert figures.trend_charts_html(none, {}, "<p>none</p>") == "<p>none</p>"


def test_map_colours_each_group(demo_results):
    assert set(demo_results.map_areas["group"]) <= set(figures.MAP_CATEGORIES)
    m = figures.comparison_map(demo_results)
    assert m is not None
