"""The dashboard's figures: the summary matrix as an accessible table with icons, data currency and an out-of-date
badge in words, and one SPC chart per monthly or quarterly metric, titled with its area."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from thanalysis.analyses.dashboard import run_dashboard
from thanalysis.data.open import open_store
from thanalysis.figures.dashboard import matrices_html, matrix_html, metric_charts
from thanalysis.figures.spc_chart import spc_chart
from thanalysis.narrative.dashboard import MatrixText, chart_text, matrix_text
from thanalysis.narrative.dashboard_values import area_label
from thanalysis.stats.spc import spc

#: the demo's monthly series end in March 2025: a build date soon after keeps them current
CURRENT = "2025-05-01"


@pytest.fixture(scope="module")
def dash(demo_root):
    return run_dashboard(open_store(demo_root), today=CURRENT)


def _table(html: str):
    return ET.fromstring(html[html.index("<div"):].replace("<br>", "<br/>"))  # well-formed after the style


def test_matrix_has_icons_with_text_and_one_row_per_metric(dash):
    texts = {t.priority_id: t for t in matrix_text(dash)}
    html = matrix_html(texts["inel_urgent_care"])
    assert 'role="img"' in html and "Special cause variation: concern" in html
    table = _table(html)
    everything = table.findall(".//tbody/tr")
    rows = [tr for tr in everything if tr.get("class") != "dash-compare"]
    compare = [tr for tr in everything if tr.get("class") == "dash-compare"]
    assert len(rows) == len(texts["inel_urgent_care"].rows)
    # a trust's metric is followed by one row of the areas it is compared with
    assert len(compare) == sum(bool(row["compared"]) for row in texts["inel_urgent_care"].rows) > 0
    assert all(row[0].tag == "th" and row[0].get("scope") == "row" for row in everything)
    assert table.find(".//caption").text == texts["inel_urgent_care"].caption
    assert [th.text for th in table.findall(".//thead/tr/th")][2] == "Data currency"
    assert "Out of date" not in html  # current on the build date


def test_out_of_date_rows_carry_a_badge_in_words(demo_root):
    stale = run_dashboard(open_store(demo_root), today="2027-01-01")
    html = matrices_html(matrix_text(stale))
    rows = [row for t in matrix_text(stale) for row in t.rows]
    assert html.count('<span class="dash-badge">Out of date</span>') == len(stale.out_of_date()) > 0
    assert sum(bool(row["badge"]) for row in rows) == len(stale.out_of_date())
    # a series allowed a longer delay (lag_months in data/priorities.yml) is not out of date yet
    current = [r for r in stale.own() if not r.out_of_date]
    assert all(r.metric.lag_months for r in current)


def test_annual_rows_span_the_icon_columns(dash):
    annual = [t for t in matrix_text(dash) if any(not row["charted"] for row in t.rows)][0]
    html = matrix_html(annual)
    assert '<td colspan="2">Annual: no chart</td>' in html
    assert "Recent trend" in html or "Direction of travel" in html or "No recent trend" in html


def test_empty_priority_draws_nothing_and_the_legend_follows_the_matrices(dash):
    assert matrix_html(MatrixText("x", "caption", [])) == ""
    html = matrices_html(matrix_text(dash))
    assert html.count("<table") == len(dash.priority_ids()) and html.endswith("</section>")
    assert "How to read the icons" in html


def test_one_chart_per_charted_metric_titled_with_its_area(dash):
    charts = metric_charts(dash, chart_text(dash))
    assert len(charts) == len(dash.charted()) > 0
    for (fig, alt, caption), r in zip(charts, dash.charted(), strict=True):
        assert isinstance(fig, Figure) and alt.startswith(f"SPC chart of {r.metric.title}, {r.area_name}")
        assert fig.get_suptitle() == f"{r.metric.title}, {area_label(r)}"
        assert area_label(r).endswith("(whole trust)") == (r.level == "trust")
        assert caption.startswith(r.metric.description) and "Data currency: latest data" in alt
        assert ("OUT OF DATE" in [t.get_text() for t in fig.texts]) == r.out_of_date


def test_out_of_date_charts_say_so_in_the_subtitle_badge_and_caption(demo_root):
    stale = run_dashboard(open_store(demo_root), today="2027-01-01")
    for (fig, _, caption), r in zip(metric_charts(stale, chart_text(stale)), stale.charted(), strict=True):
        assert r.out_of_date and "OUT OF DATE" in [t.get_text() for t in fig.texts]
        assert fig.axes[0].get_title(loc="left").endswith("Out of date") and "Out of date: a newer figure" in caption


def test_charts_with_withheld_months_say_so(demo_root):
    dash = run_dashboard(open_store(demo_root), locality="XL000003", today=CURRENT)
    charts = metric_charts(dash, chart_text(dash))
    flagged = 0
    for (_, alt, caption), r in zip(charts, dash.charted(), strict=True):
        k = int(r.withheld.sum())
        if k:
            flagged += 1
            assert f"{k} not shown, to protect small numbers (fewer than 5)" in alt
            assert caption.endswith("Hollow circles at the foot of the chart mark months not shown, to protect small "
                                    "numbers (fewer than 5).")
            mean = f"{100 * r.shown['mean']:.1f}%" if r.metric.value_type == "proportion" else f"{r.shown['mean']:.3g}"
            assert f"a mean of {mean} " in alt  # the published (rounded) mean, not the exact one
        else:
            assert "not shown" not in alt and caption == r.metric.description
    assert flagged >= 2


def test_quarterly_axis_labels_and_comparator_lines():
    dates = pd.date_range("2022-01-01", periods=12, freq="QS")
    table = spc(pd.DataFrame({"date": dates, "value": np.linspace(0.7, 0.8, 12)}), "value", "date",
                improvement_direction="increase")
    other = ("Homerton Healthcare (RQX)", dates, np.full(12, 0.75))
    fig = spc_chart(table, title="t", percent=True, frequency="quarterly", comparators=[other], badge="OUT OF DATE",
                    subtitle="Latest data 2024 Q4")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "2022 Q1" and all(" Q" in x for x in labels)
    assert any(line.get_label() == "Homerton Healthcare (RQX) (for comparison)" for line in ax.lines)
    assert ax.get_title(loc="left") == "Latest data 2024 Q4" and "OUT OF DATE" in [t.get_text() for t in fig.texts]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Homerton Healthcare (RQX) (for comparison)" in legend
