"""The shared wording of thanalysis.narrative: values, periods, trends, comparisons, lists and counts."""

import pytest

from thanalysis import narrative as nv


@pytest.mark.parametrize("items, expected", [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")])
def test_join_words(items, expected):
    assert nv.join_words(items) == expected


@pytest.mark.parametrize(
    "value, value_type, multiplier, expected",
    [
        (0.2345, "proportion", 1, "23.4%"),  # fraction stored
        (23.45, "proportion", 100, "23.4%"),  # percentage stored (round-half-even of 23.45 in binary is 23.4)
        (512.34, "dsr", 100000, "512.3 per 100,000"),
        (1234.0, "count", 1, "1,234"),
        (79.26, "life_expectancy", 1, "79.3 years"),
        (float("nan"), "proportion", 1, "no data"),
        (None, "dsr", 100000, "no data"),
    ],
)
def test_format_value(value, value_type, multiplier, expected):
    assert nv.format_value(value, value_type, multiplier=multiplier) == expected


def test_format_difference_uses_percentage_points_for_proportions():
    assert nv.format_difference(-0.123, "proportion") == "12.3 percentage points"
    assert nv.format_difference(45.12, "dsr", multiplier=100000) == "45.1 per 100,000"


@pytest.mark.parametrize("label, phrase", [("Worse", "significantly worse than"), ("better", "significantly better than"),
                                           ("Similar", "similar to"), ("Higher", "significantly higher than"),
                                           (None, "not compared with"), ("???", "not compared with")])
def test_comparison_phrase(label, phrase):
    assert nv.comparison_phrase(label) == phrase


def test_benchmark_summary_counts_and_names_each_indicator():
    results = [("Fuel poverty", "Worse"), ("PM2.5", "Worse"), ("Obesity", "Similar"), ("Smoking", "Better"), ("Dementia", None)]
    text = nv.benchmark_summary("Tower Hamlets", "London", results)
    assert "significantly worse than London on 2 of 5 indicators: Fuel poverty and PM2.5" in text
    assert "significantly better on 1: Smoking" in text
    assert "similar on 2" in text  # Obesity and the uncompared one are not significant differences


def test_benchmark_summary_none_significant():
    text = nv.benchmark_summary("Riverside", "England", [("A", "Similar"), ("B", "Similar")])
    assert text == "Riverside is not significantly different from England on any of the 2 indicators compared."


def test_benchmark_summary_no_judgement_labels():
    text = nv.benchmark_summary("X", "London", [("A", "Higher"), ("B", "Lower")])
    assert "higher on A" in text and "lower on B" in text and "no better or worse" in text


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st"), (33, "33rd")])
def test_ordinal(n, text):
    assert nv.ordinal(n) == text


def test_plural():
    assert nv.plural(1, "indicator") == "1 indicator"
    assert nv.plural(1200, "area") == "1,200 areas"
    assert nv.plural(0, "ward") == "0 wards"


@pytest.mark.parametrize("period, text", [("2025-03", "Mar 2025"), ("2024-12", "Dec 2024"), ("2019/20", "2019/20"),
                                          ("", "")])
def test_period_label(period, text):
    assert nv.period_label(period) == text


@pytest.mark.parametrize("label, reason, text", [
    ("Increasing and getting better", None, "Recent trend: increasing and getting better"),
    ("Cannot be calculated", "Not enough data points",
     "Recent trend cannot be calculated (fewer than the five years needed)"),
    ("Cannot be calculated", "Some Values Missing", "Recent trend cannot be calculated (some values missing)"),
    ("Cannot be calculated", None, "Recent trend cannot be calculated"),
    (None, None, "No recent trend"),
    (float("nan"), None, "No recent trend"),
])
def test_annual_trend_text(label, reason, text):
    assert nv.annual_trend_text(label, reason) == text
