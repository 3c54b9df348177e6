"""The dashboard's figures: the summary matrix as an accessible table with icons, and one SPC chart per metric."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from matplotlib.figure import Figure

from thanalysis.analyses.dashboard import run_dashboard
from thanalysis.data.open import open_store
from thanalysis.figures.dashboard import matrices_html, matrix_html, metric_charts
from thanalysis.narrative.dashboard import MatrixText, matrix_text


@pytest.fixture(scope="module")
def dash(demo_root):
    return run_dashboard(open_store(demo_root))


def test_matrix_has_icons_with_text_and_one_row_per_metric(dash):
    texts = {t.priority_id: t for t in matrix_text(dash)}
    html = matrix_html(texts["inel_urgent_care"])
    assert 'role="img"' in html and "Special cause variation: concern" in html
    table = ET.fromstring(html[html.index("<div"):].replace("<br>", "<br/>"))  # well-formed after the style
    rows = table.findall(".//tbody/tr")
    assert len(rows) == len(texts["inel_urgent_care"].rows)
    assert all(row[0].tag == "th" and row[0].get("scope") == "row" for row in rows)
    assert table.find(".//caption").text == texts["inel_urgent_care"].caption


def test_annual_rows_span_the_icon_columns(dash):
    annual = [t for t in matrix_text(dash) if any(not row["monthly"] for row in t.rows)][0]
    html = matrix_html(annual)
    assert '<td colspan="2">Recent trend' in html or '<td colspan="2">No recent trend' in html
    assert "Annual indicator:" in html


def test_empty_priority_draws_nothing_and_the_legend_follows_the_matrices(dash):
    assert matrix_html(MatrixText("x", "caption", [])) == ""
    html = matrices_html(matrix_text(dash))
    assert html.count("<table") == len(dash.priority_ids()) and html.endswith("</section>")
    assert "How to read the icons" in html


def test_one_chart_per_monthly_metric(dash):
    charts = metric_charts(dash)
    assert len(charts) == len(dash.monthly())
    for (fig, alt, caption), r in zip(charts, dash.monthly()):
        assert isinstance(fig, Figure) and alt.startswith(f"SPC chart of {r.metric.title} ({r.area_name})")
        assert caption == r.metric.description


def test_charts_with_withheld_months_say_so(demo_root):
    dash = run_dashboard(open_store(demo_root), locality="XL000003")
    charts = metric_charts(dash)
    flagged = 0
    for (fig, alt, caption), r in zip(charts, dash.monthly()):
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
