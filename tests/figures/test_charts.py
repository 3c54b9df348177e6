"""Static charts (thanalysis.figures.charts): each draws what it is given, embeds as an accessible PNG, and
gives the same bytes twice."""
from __future__ import annotations

import base64
import re
import struct

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from thanalysis.errors import DataError
from thanalysis.figures import charts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- small inputs -------------------------------------------------------------------------------------------
def pyramid_data():
    bands = ["0-4", "5-9", "10-14", "85+"]
    rows = []
    for i, band in enumerate(bands):
        rows.append({"age_band": band, "sex": "Male", "population": 100 + 10 * i})
        rows.append({"age_band": band, "sex": "Female", "population": 90 + 20 * i})
    return pd.DataFrame(rows)


def decile_data():
    d = np.arange(1, 11)
    return pd.DataFrame({"decile": d, "value": 30.0 - 2 * d, "lower_ci_95": 28.0 - 2 * d, "upper_ci_95": 32.0 - 2 * d})


def area_data():
    return pd.DataFrame({
        "area_name": ["Bow", "Poplar", "Wapping", "Mile End"],
        "value": [12.0, 20.0, 9.0, 15.0],
        "lower_ci_95": [10.0, 17.0, 7.5, 13.0],
        "upper_ci_95": [14.0, 23.0, 10.5, 17.0],
        "significance": ["Similar", "Worse", "Better", "Similar"],
        "denominator": [1200, 800, 2000, 1500],
    })


def funnel_limits():
    n = np.array([100, 500, 1000, 2000, 3000], dtype=float)
    p = 0.15
    se = np.sqrt(p * (1 - p) / n) * 100
    return pd.DataFrame({"denominator": n, "lower_95": 15 - 1.96 * se, "upper_95": 15 + 1.96 * se,
                         "lower_99_8": 15 - 3.09 * se, "upper_99_8": 15 + 3.09 * se})


def spine_data():
    return pd.DataFrame({
        "indicator": ["Smoking", "Employment"],
        "area_value": [20.0, 70.0],
        "england_value": [15.0, 75.0],
        "england_min": [5.0, 60.0],
        "england_q25": [12.0, 72.0],
        "england_q75": [18.0, 78.0],
        "england_max": [30.0, 80.0],
        "polarity": ["lower_is_better", "higher_is_better"],
        "significance": ["Worse", "Worse"],
    })


def trend_data():
    rows = []
    for g, base in (("Tower Hamlets", 10.0), ("London", 12.0)):
        for i, period in enumerate(["2018", "2019", "2020", "2021"]):
            rows.append({"period": period, "area_name": g, "value": base + i,
                         "lower_ci_95": base + i - 1, "upper_ci_95": base + i + 1})
    return pd.DataFrame(rows)


CHARTS = {
    "population_pyramid": (lambda df: charts.population_pyramid(df, area_label="Test"), pyramid_data, "sex"),
    "decile_bar_chart": (lambda df: charts.decile_bar_chart(df, sii_line=(28.0, 10.0), value_label="Rate"),
                         decile_data, "decile"),
    "ci_dot_plot": (lambda df: charts.ci_dot_plot(df, "area_name", "value", "lower_ci_95", "upper_ci_95",
                                                  benchmark=14.0, significance="significance"),
                    area_data, "upper_ci_95"),
    "funnel_plot": (lambda df: charts.funnel_plot(df, funnel_limits(), significance="significance",
                                                  benchmark=15.0, label_points=["Poplar"]),
                    area_data, "denominator"),
    "spine_chart": (lambda df: charts.spine_chart(df), spine_data, "england_q75"),
    "trend_chart": (lambda df: charts.trend_chart(df, group="area_name", value_label="Rate"), trend_data, "period"),
}


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", png[16:24])
    return width, height


# --- every chart -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_returns_a_figure_that_embeds_accessibly(name):
    draw, data, _ = CHARTS[name]
    fig = draw(data())
    assert isinstance(fig, Figure)
    assert fig.axes, "the chart should have axes"
    alt = f"Test chart {name}: values for four areas, 'Poplar' highest & worse"
    shown = charts.show_figure(fig, alt, "Figure: a caption")
    text = shown.data
    match = re.search(r'<img alt="([^"]*)"[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert match, text[:300]
    assert match.group(1) == alt.replace("&", "&amp;").replace("'", "&#x27;").replace('"', "&quot;")
    png = base64.b64decode(match.group(2))
    width, height = _png_size(png)
    size = fig.get_size_inches() * charts.DPI
    assert (width, height) == (round(size[0]), round(size[1]))
    assert f'width="{width}"' in text and f'height="{height}"' in text
    assert "<figcaption>Figure: a caption</figcaption>" in text
    assert b"Software" not in png  # no matplotlib version in the file


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_png_bytes_are_deterministic(name):
    draw, data, _ = CHARTS[name]
    first = draw(data())
    second = draw(data())
    a = charts.figure_png(first)
    assert a == charts.figure_png(second), "two figures drawn from the same table differ"
    assert a == charts.figure_png(first), "saving the same figure twice gives different bytes"


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_missing_column_is_named(name):
    draw, data, column = CHARTS[name]
    with pytest.raises(DataError) as info:
        draw(data().drop(columns=[column]))
    assert info.value.column is not None and column in info.value.column
    assert column in str(info.value)


# --- what the charts draw ------------------------------------------------------------------------------------
def test_pyramid_bars_are_each_sex_share_of_the_whole_population():
    df = pyramid_data()
    fig = charts.population_pyramid(df)
    ax = fig.axes[0]
    total = df["population"].sum()
    order = ["0-4", "5-9", "10-14", "85+"]  # youngest at the bottom
    male = [100 * df.query("sex == 'Male' and age_band == @b")["population"].sum() / total for b in order]
    female = [100 * df.query("sex == 'Female' and age_band == @b")["population"].sum() / total for b in order]
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths[:4], [-m for m in male], rtol=1e-12)
    np.testing.assert_allclose(widths[4:8], female, rtol=1e-12)
    assert [t.get_text() for t in ax.get_yticklabels()] == order


def test_dot_plot_shapes_follow_significance():
    fig = charts.ci_dot_plot(area_data(), "area_name", "value", "lower_ci_95", "upper_ci_95", benchmark=14.0,
                             significance="significance")
    ax = fig.axes[0]
    by_x = {}
    for coll in ax.collections:
        offsets = getattr(coll, "get_offsets", lambda: [])()
        paths = coll.get_paths() if hasattr(coll, "get_paths") else []
        if len(offsets) and len(paths) == 1 and coll.__class__.__name__ == "PathCollection":
            n_vertices = len(paths[0].vertices)
            for x, _ in offsets:
                by_x[float(x)] = n_vertices
    # Better (▲, 9.0) and Worse (▼, 20.0) are triangles; Similar (●) a circle: different marker paths.
    assert by_x[9.0] == by_x[20.0]
    assert by_x[12.0] == by_x[15.0] != by_x[9.0]
    with pytest.raises(DataError, match="Much worse"):
        charts.ci_dot_plot(area_data().assign(significance="Much worse"), "area_name", "value", "lower_ci_95",
                           "upper_ci_95", significance="significance")


def test_spine_chart_puts_england_in_the_middle_and_worse_on_the_left():
    df = spine_data()
    fig = charts.spine_chart(df)
    ax = fig.axes[0]
    points = {}
    for coll in ax.collections:
        for x, y in coll.get_offsets():
            points[round(float(y))] = float(x)
    # rows are drawn top to bottom: the first indicator at y = n - 1
    smoking, employment = points[1], points[0]
    # Smoking: lower is better; 20 vs England 15, half-width max(|30-15|, |15-5|) = 15, flipped: -(5/15)
    assert smoking == pytest.approx(-5 / 15)
    # Employment: higher is better; 70 vs 75, half-width max(|80-75|, |75-60|) = 15: -(5/15)
    assert employment == pytest.approx(-5 / 15)


def test_trend_chart_one_line_per_group_in_period_order():
    df = trend_data().sample(frac=1.0, random_state=3)  # shuffled input
    fig = charts.trend_chart(df, group="area_name")
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label() in {"Tower Hamlets", "London"}]
    assert sorted(line.get_label() for line in lines) == ["London", "Tower Hamlets"]
    for line in lines:
        base = 10.0 if line.get_label() == "Tower Hamlets" else 12.0
        np.testing.assert_allclose(line.get_xdata(), [0, 1, 2, 3])
        np.testing.assert_allclose(line.get_ydata(), [base, base + 1, base + 2, base + 3])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2018", "2019", "2020", "2021"]


def test_trend_panels_one_panel_per_series_each_on_its_own_scale():
    rows = []
    for name, base in [("Small measure", 1.0), ("Large measure", 1000.0), ("Negative gap", -50.0), ("Fourth", 5.0)]:
        for k, year in enumerate(range(2018, 2023)):
            v = base + k * base / 10
            rows.append({"measure": name, "period": str(year), "value": v, "lower_ci_95": v - abs(base) / 20,
                         "upper_ci_95": v + abs(base) / 20})
    fig = charts.trend_panels(pd.DataFrame(rows), panel="measure", zero_line=True, columns=3)
    shown = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title(loc="left") for ax in shown] == ["Small measure", "Large measure", "Negative gap", "Fourth"]
    assert len(fig.axes) == 6  # a 2 x 3 grid; the two spare panels are hidden
    small, large = shown[0].get_ylim(), shown[1].get_ylim()
    assert large[1] > 100 * small[1]  # each panel is scaled to its own series
    assert charts.figure_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_dot_plot_without_comparison_draws_plain_points_and_bolds_the_highlighted_area():
    fig = charts.ci_dot_plot(area_data(), "area_name", "value", "lower_ci_95", "upper_ci_95", highlight=["Wapping"])
    ax = fig.axes[0]
    points = [c for c in ax.collections if c.__class__.__name__ == "PathCollection"]
    assert len(points) == 1 and len(points[0].get_offsets()) == 4  # one style for every area
    assert ax.get_legend() is None
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() in ("bold", 700)]
    assert bold == ["Wapping"]
