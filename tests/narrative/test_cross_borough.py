"""Tests for thanalysis.narrative.cross_borough: the report's words follow its results."""
from __future__ import annotations

import dataclasses
import html
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from tests.analyses.cross_borough_expected import TH, demo_results, real_results  # noqa: F401
from thanalysis.narrative import cross_borough as words
from thanalysis.narrative import cross_borough_themes as themes


def test_summary_sentences_follow_the_labels():
    comp = pd.DataFrame({
        "benchmark": ["Region"] * 4, "benchmark_name": ["London"] * 4,
        "indicator": ["A", "B", "C", "D"], "comparison_95": ["Worse", "Worse", "Similar", "Not compared"],
    })
    s = words.short_benchmark_sentence("Tower Hamlets", comp, "Region")
    assert s.startswith("Tower Hamlets is significantly worse than London on 2 of 3 indicators: A and B")
    full = words.benchmark_sentences("Tower Hamlets", comp)[0]
    assert "1 indicator could not be compared" in full


def test_rank_text_hand_worked():
    ranks = pd.DataFrame({"indicator": ["A", "B", "C"], "period": "2020", "value": [1.0, 2.0, 3.0],
                          "polarity": ["lower_is_better", "higher_is_better", "no_judgement"],
                          "rank": [2, 3, 1], "of": [3, 12, 3]})
    r = SimpleNamespace(ranks=ranks)
    assert words.rank_table(r)["rank_text"].tolist() == ["2nd best of 3", "3rd best of 12", "1st highest of 3"]
    assert list(words.shown_ranks(r).columns) == ["indicator", "period", "value", "rank_text"]
    assert "rank_text" not in ranks.columns  # the results' table is left as it was


def test_rank_sentence_names_best_and_worst():
    ranks = pd.DataFrame({"indicator": ["A", "B", "C"], "polarity": ["lower_is_better", "higher_is_better",
                                                                     "no_judgement"],
                          "rank": [1, 8, 1], "of": [8, 8, 8]})
    assert words.rank_sentence("Riverside", ranks) == \
        "Of the 8 boroughs compared, Riverside has the best value on A and the worst on B."


def test_flow_notes_name_the_partial_boroughs():
    summary = pd.DataFrame({"area_name": ["Alpha", "Beta", "Gamma"], "complete": [True, False, False]})
    assert words.flow_notes(summary) == [
        "Only some flows are recorded for Beta, Gamma (the table has none of their residents served in their own "
        "borough), so their shares are not shown."]
    assert words.flow_notes(summary.assign(complete=True)) == []


def test_real_words(real_results):
    r = real_results
    assert words.title(r) == f"Cross-borough comparison: Tower Hamlets against {r.comparators.title}, London, England"
    sentence = words.registered_sentence(r.registered_row)
    assert "343,398" in sentence and "310,306" in sentence and "more" in sentence
    assert words.flows_html(r) == words.NO_FLOWS_HTML
    labels = r.trend_labels[r.trend_labels["indicator_id"] == "93867"]
    assert len(labels) and "fewer than 5 periods" in words.trend_sentence("Tower Hamlets", labels)
    drawn = r.spine[r.spine["drawable"]]
    assert words.spine_alt(r).startswith(f"Spine chart of {len(drawn)} indicators for Tower Hamlets against England: ")
    assert words.spine_caption(r) == f"Range: {drawn['range_basis'].iloc[0]} (see the saved table for each row)."
    region = r.comparisons[r.comparisons["benchmark"] == "Region"]
    figures = words.key_figures(r)
    judged = region[~region["comparison_95"].isin(["Not compared", ""])]
    assert figures[0][:2] == ("Indicators compared", len(judged))
    assert figures[1][:2] == ("Worse than London", int((region["comparison_95"] == "Worse").sum()))
    assert figures[2][:2] == ("Better than London", int((region["comparison_95"] == "Better").sum()))


def test_demo_words(demo_results):
    r = demo_results
    home = r.area_code
    assert "%" in words.flow_sentence(home, r.shares.summary)
    assert words.flows_html(r).startswith(f"<p>{html.escape(words.flow_sentence(home, r.shares.summary))}</p>")
    alts = themes.trend_alts(r)
    assert set(alts) == set(r.trend_values["indicator"])
    assert all(a.endswith(f"values over time for {r.area_name}, the range of {r.comparators.title}, "
                          f"{r.benchmarks.region_name} and {r.benchmarks.country_name}.") for a in alts.values())
    summary = words.summary(r)
    assert summary and all(isinstance(s, str) and s for s in summary)
    assert words.bullets_html(["a", "b"]) == "<ul><li>a</li><li>b</li></ul>"


def _counted_in_summary(sentence: str, benchmark: str) -> int:
    """N in "... than London on 1 of N indicators ..." or "... London on any of the N indicators compared"."""
    found = re.search(rf"{re.escape(benchmark)} on (?:\d+ of|any of the) ([\d,]+) indicators?", sentence)
    assert found, sentence
    return int(found.group(1).replace(",", ""))


@pytest.mark.parametrize("which", ["real", "demo"])
def test_summary_and_key_figure_give_one_count_of_indicators_compared(which, request):
    r = request.getfixturevalue(f"{which}_results")
    region, country = r.benchmarks.region_name, r.benchmarks.country_name
    summary = words.summary(r)
    figure = dict((label, value) for label, value, _ in words.key_figures(r))["Indicators compared"]
    assert figure == r.n_compared("Region") == _counted_in_summary(summary[0], region)
    assert r.n_compared("Country") == _counted_in_summary(summary[1], country)
    record = r.summary_record(summary)
    assert record["compared_with_region"] == figure and record["compared_with_country"] == r.n_compared("Country")
    assert record["indicators"] == len(r.compared_with("Region"))


def test_real_key_figure_note_says_one_indicator_could_not_be_compared(real_results):
    r = real_results
    region = r.compared_with("Region")
    not_compared = region[region["comparison_95"] == "Not compared"]
    assert len(not_compared) >= 1  # PM2.5: no interval published and no count to compute one
    label, value, note = words.key_figures(r)[0]
    assert value == len(region) - len(not_compared)
    assert note.startswith(f"with London, of {len(region)} shown for 8 boroughs: ")


def test_indicators_that_cannot_be_compared_are_counted_nowhere(demo_results):
    r = demo_results
    comparisons = r.comparisons.copy()
    region_rows = comparisons.index[comparisons["benchmark"] == "Region"]
    judged = comparisons.index[(comparisons["benchmark"] == "Region")
                               & (comparisons["comparison_95"] != "Not compared")]
    comparisons.loc[judged[:2], "comparison_95"] = ["Not compared", ""]
    changed = dataclasses.replace(r, comparisons=comparisons)
    n = len(judged) - 2
    assert changed.n_compared("Region") == n and changed.n_compared("Country") == r.n_compared("Country")
    label, value, note = words.key_figures(changed)[0]
    assert (label, value) == ("Indicators compared", n)
    assert note.startswith(f"with {r.benchmarks.region_name}, of {len(region_rows)} shown for ")
    assert _counted_in_summary(words.summary(changed)[0], r.benchmarks.region_name) == n
    full = words.benchmark_sentences(r.area_name, changed.comparisons)[1]
    assert f"{len(region_rows) - n} indicators could not be compared" in full
