"""Tests for thanalysis.narrative.cross_borough: the report's words follow its results."""
from __future__ import annotations

import html
from types import SimpleNamespace

import pandas as pd

from tests.analyses.cross_borough_expected import TH, demo, demo_results, real, real_results  # noqa: F401
from thanalysis.narrative import cross_borough as words


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
    alts = words.trend_chart_alts(r)
    assert set(alts) == set(r.trend_chart_values["indicator_id"])
    assert all(a.endswith(f"values over time for {r.area_name}, {r.benchmarks.region_name} and "
                          f"{r.benchmarks.country_name}.") for a in alts.values())
    summary = words.summary(r)
    assert summary and all(isinstance(s, str) and s for s in summary)
    assert words.bullets_html(["a", "b"]) == "<ul><li>a</li><li>b</li></ul>"
