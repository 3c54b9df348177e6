"""Narrative sentences: polarity-aware, counts right, no invented numbers."""

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


def test_comparison_sentence_only_says_significantly_when_significant():
    worse = nv.comparison_sentence("Bow East", "social renting", "31.2%", "Worse", "the borough", "24.0%")
    similar = nv.comparison_sentence("Bow West", "social renting", "25.0%", "Similar", "the borough", "24.0%")
    assert "significantly worse than the borough (24.0%, 95% confidence)" in worse
    assert "significantly" not in similar and "similar to the borough (24.0%)" in similar


def test_gap_and_sii_sentences():
    gap = nv.gap_sentence("Social renting", "48.1%", "12.3%", "35.8 percentage points", worse_in_most_deprived=True)
    assert gap.startswith("Social renting: 48.1% in the most deprived fifth") and "worse in the most deprived" in gap
    sig = nv.sii_sentence("Obesity", "10.2", "8.0", "12.4", significant=True)
    non = nv.sii_sentence("Obesity", "1.2", "-0.5", "2.9", significant=False)
    assert "statistically significant" in sig and "includes zero" in non


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st"), (33, "33rd")])
def test_ordinal(n, text):
    assert nv.ordinal(n) == text


def test_plural():
    assert nv.plural(1, "indicator") == "1 indicator"
    assert nv.plural(1200, "area") == "1,200 areas"
    assert nv.plural(0, "ward") == "0 wards"
