"""The SPC chart: draws the computed table (means, limits, target, rebase break, point markers) and
describes it in one sentence of alt text."""
from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from thanalysis.errors import StatsInputError
from thanalysis.figures.spc_chart import POINT_STYLES, spc_alt_text, spc_chart
from thanalysis.stats.spc import spc


@pytest.fixture
def ae_result():
    rng = np.random.default_rng(3)
    y = 0.8 + rng.normal(0, 0.02, 36)
    y[-8:] -= 0.06
    data = pd.DataFrame({"month": pd.date_range("2016-04-01", periods=36, freq="MS"), "performance": y})
    return spc(data, "performance", "month", target=0.95, rebase=["2017-09-01"])


def test_chart_draws_the_table(ae_result):
    fig = spc_chart(ae_result, title="Four-hour performance", y_label="Seen within 4 hours", percent=True)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # the mean line of each phase is the computed mean, not recomputed
    lines = {(line.get_color(), line.get_linestyle()) for line in ax.get_lines()}
    assert ("#000000", "-") in lines and ("#555555", "--") in lines
    drawn_means = sorted({round(float(v), 12) for line in ax.get_lines() if line.get_color() == "#000000"
                          for v in line.get_ydata()})
    assert drawn_means == sorted({round(v, 12) for v in ae_result["mean"]})
    target_lines = [line for line in ax.get_lines() if line.get_color() == "#009E73"]
    assert target_lines and target_lines[0].get_ydata()[0] == 0.95
    # the target's dash pattern differs from the limits' (reads in grey-scale)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    dashes = set(re.findall(r"stroke-dasharray: ([0-9.,\s]+)", buffer.getvalue()))
    assert len(dashes) >= 3  # limits, target, rebase break
    # rebase shown as a break: a dotted vertical line at the first point of phase 1
    phase_start = ae_result.loc[ae_result["rebase_group"] == 1, "month"].min()
    verticals = [line for line in ax.get_lines() if line.get_linestyle() == ":" and line.get_color() == "#555555"]
    assert [float(line.get_xdata()[0]) for line in verticals] == [date2num(phase_start)]
    # special-cause points use distinct markers, not just colours
    present = set(ae_result["point_type"]) - {"common_cause"}
    assert present
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    for point_type in present:
        assert POINT_STYLES[point_type]["label"] in legend_labels
    markers = {s["marker"] for s in POINT_STYLES.values()}
    assert len(markers) == len(POINT_STYLES)
    assert "Target (95.0%)" in legend_labels


def test_chart_one_panel_per_group():
    y = np.random.default_rng(1).normal(10, 1, 24)
    data = pd.concat([pd.DataFrame({"date": pd.date_range("2020-01-01", periods=24, freq="MS"), "value": y,
                                    "locality": name}) for name in ("North East", "South West")])
    result = spc(data, group_by="locality")
    fig = spc_chart(result, title="By locality")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["North East", "South West"]


def test_chart_refuses_other_tables():
    with pytest.raises(StatsInputError, match="spc_chart"):
        spc_chart(pd.DataFrame({"value": [1.0], "date": [pd.Timestamp("2020-01-01")]}))


def test_alt_text_one_sentence(ae_result):
    text = spc_alt_text(ae_result, "A&E four-hour performance")
    assert text.startswith("SPC chart of A&E four-hour performance (36 points, Apr 2016 to Mar 2019)")
    assert text.endswith(".") and ". " not in text  # one sentence
    assert "target of 95.0%" in text
    assert "concern" in text  # the planted drop


# --- small numbers -------------------------------------------------------------------------------------------
@pytest.fixture
def small_counts():
    counts = np.array([6, 3, 8, 7, 2, 9, 6, 7, 1, 8, 7, 6, 9, 8, 7, 6, 8, 9, 7, 3], dtype=float)
    data = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=counts.size, freq="MS"), "people": counts})
    return spc(data, "people", "month"), (counts >= 1) & (counts <= 4)


def test_withheld_months_are_drawn_without_their_value(small_counts):
    result, withheld = small_counts
    fig = spc_chart(result, title="Rough sleepers", withheld=withheld)
    ax = fig.axes[0]
    series = [line for line in ax.get_lines() if line.get_color() == "#7F7F7F"][0]
    heights = np.asarray(series.get_ydata(), dtype=float)
    assert np.isnan(heights[withheld]).all() and np.isfinite(heights[~withheld]).all()
    plotted = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    assert len(plotted) == (~withheld).sum() and not set(plotted) & set(result["people"][withheld])
    # the withheld months: hollow circles at the foot of the axes, whatever their value
    hollow = [line for line in ax.get_lines() if line.get_marker() == "o" and line.get_markerfacecolor() == "#FFFFFF"]
    assert len(hollow) == 1 and len(hollow[0].get_xdata()) == withheld.sum()
    assert set(hollow[0].get_ydata()) == {0.03} and hollow[0].get_transform() == ax.get_xaxis_transform()
    assert "Small number: value not shown" in [t.get_text() for t in fig.legends[0].get_texts()]
    # nothing withheld: no hollow circle, no legend entry
    plain = spc_chart(result, title="Rough sleepers")
    assert "Small number: value not shown" not in [t.get_text() for t in plain.legends[0].get_texts()]
    with pytest.raises(StatsInputError, match="withheld"):
        spc_chart(result, withheld=withheld[:-1])


def test_alt_text_says_a_small_number_and_gives_the_published_figures(small_counts):
    result, withheld = small_counts
    plain = spc_alt_text(result, "Rough sleepers", percent=False)
    assert "the latest value (3)" in plain
    assert spc_alt_text(result, "Rough sleepers", percent=False, withheld=np.zeros(len(result), bool)) == plain
    text = spc_alt_text(result, "Rough sleepers", percent=False, withheld=withheld,
                        shown={"mean": 6.0, "lpl": 0.0, "upl": 13.0})
    assert "(20 points, Jan 2023 to Aug 2024; 4 not shown, to protect small numbers (fewer than 5))" in text
    assert "the latest value (a small number, fewer than 5)" in text and "(3)" not in text
    assert "a mean of 6 and process limits of 0 to 13" in text
    hidden = spc_alt_text(result, "Rough sleepers", percent=False, withheld=withheld,
                          shown={"mean": np.nan, "lpl": np.nan, "upl": np.nan})
    assert "against a mean and process limits not shown, to protect small numbers" in hidden
    share = spc_alt_text(result, "Share", percent=True, withheld=withheld, threshold=10)
    assert "the latest value (not shown, a small number, fewer than 10)" in share
