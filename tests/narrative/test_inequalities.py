"""Unit tests of thanalysis.narrative.inequalities: sentences from the demo's results and hand-made rows."""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.analyses.inequalities import run_inequalities, short_name
from thanalysis.data.open import open_store
from thanalysis.narrative import inequalities as say
from thanalysis.narrative.markup import md_text


@pytest.fixture(scope="module")
def results(demo_root):
    return run_inequalities(open_store(demo_root), repetitions=2000)


def test_summary_names_the_largest_gaps_and_affected_wards(results):
    text = say.summary_markdown(results)
    for _, row in results.largest.iterrows():
        assert f"- **{md_text(short_name(row['name']))}**" in text
    first_worse = results.largest["worse_wards"].iloc[0].split("; ")[0]
    assert md_text(first_worse) in text
    assert "significantly worse than" in text
    assert text.count("\n- ") == 3


def test_no_judgement_indicators_are_never_called_worse():
    meta = {"name": "Residents aged 65 and over (Census 2021)", "value_type": "proportion", "multiplier": 100,
            "unit": "%", "polarity": "no_judgement"}
    row = pd.Series({"period": "2021", "sii": 3.3, "sii_lower_ci_95": 3.0, "sii_upper_ci_95": 3.6,
                     "borough_value": 5.6, "worse_wards": "A; B", "n_wards": 20, "worse_localities": "",
                     "worse_groups": ""})
    text = say.gap_sentence_for(row, meta, "Somewhere")
    assert "worse" not in text and "significantly higher than Somewhere: A and B" in text
    assert "Residents aged 65 and over" in text and "(Census 2021)" not in text
    assert "3.3 percentage points higher in the most deprived" in text


def test_sii_phrase_says_no_gradient_when_interval_spans_zero():
    meta = {"value_type": "proportion", "multiplier": 100, "unit": "%"}
    assert "no clear gradient" in say.sii_phrase(0.5, -1.0, 2.0, meta)
    assert "lower in the most deprived" in say.sii_phrase(-4.0, -5.0, -3.0, meta)


def test_indicator_sentence_counts_wards(results):
    text = say.indicator_sentence(results, "overcrowding")
    ward = results.by_ward
    latest = ward[(ward.indicator_id == "overcrowding") & (ward.period == ward[ward.indicator_id == "overcrowding"].period.max())]
    n_worse = int((latest.comparison_95 == "Worse").sum())
    assert f"{n_worse} were significantly worse" in text or f"{n_worse} was significantly worse" in text


def test_key_figures_under_the_summary(results, monkeypatch):
    figures = say.key_figures(results)
    assert [f[0] for f in figures] == ["Measures compared", "Wards", "Borough total, added up from neighbourhoods",
                                       "Borough total, as published"]
    biggest = results.checks.loc[results.checks["summed_denominator"].idxmax()]
    assert figures[0][1] == len(results.indicators) and figures[1][1] == 20
    assert figures[2][1] == biggest["summed_denominator"] and figures[3][1] == biggest["published_denominator"]
    assert figures[2][2].endswith(short_name(results.indicator_name(biggest["indicator_id"])).lower())
    # the note claims agreement to rounding only when a published total exists to agree with
    assert ("rounding" in figures[3][2]) == bool(pd.notna(biggest["published_denominator"]))
    missing = results.largest_total_check.copy()
    missing["published_denominator"] = float("nan")
    monkeypatch.setattr(type(results), "largest_total_check", property(lambda self: missing))
    assert "publishes no borough total" in say.key_figures(results)[3][2]


def test_page_words_name_the_borough_and_measures(results):
    assert say.report_title(results) == f"Inequalities in {results.area_name}: place, deprivation and ethnicity"
    top = results.widest_gap
    assert say.map_title(results, top) == f"{results.short_name(top)} by area, {results.area_name}"
    assert say.map_title(results, top, with_area=False) == f"{results.short_name(top)} by area"
    assert say.map_note(results) == "Thick lines mark the localities."
    assert say.indicator_section_markdown(results, top).startswith(f"### {md_text(results.short_name(top))}\n\n")
    assert say.deprivation_paragraph(results).startswith("Index of Multiple Deprivation 2019. ")
    assert say.trend_paragraph(results).endswith(results.trend_method)
    assert len(say.ethnic_sentences(results)) == results.ethnic["indicator_id"].nunique()


def test_summary_record_adds_the_sentences(results):
    record = say.summary_record(results)
    assert record["summary"] == say.summary_sentences(results)
    assert {k: v for k, v in record.items() if k != "summary"} == results.summary()


def test_demo_says_it_has_no_ethnic_make_up_and_names_its_context(results):
    assert say.ethnic_context_sentences(results) == []
    assert "no breakdown by ethnic group for small areas" in say.no_ethnic_data_sentence(results.area_name)
    assert say.role_heading_markdown("context") == "### Who lives here: demographic context"
    lead = say.summary_sentences(results)[0]
    assert f"{len(results.outcome_ids)} measures of health and its causes" in lead


@pytest.fixture(scope="module")
def th(real):
    return run_inequalities(real, repetitions=1000)


@pytest.mark.real
def test_th_context_is_separate_from_the_gaps(th):
    lead, gaps_intro = say.summary_sentences(th)[:2]
    assert "residents aged 65 and over" in lead and "make-up of ethnic groups as demographic context" in lead
    assert "aged 65" not in gaps_intro and "ethnic" not in gaps_intro.lower()


@pytest.mark.real
def test_th_ethnic_sentences_quote_the_tables(th):
    text = say.ethnic_context_sentences(th)
    b = th.ethnic_groups.borough.set_index("category")
    assert text[0].startswith("At the Census on 21 March 2021, the largest ethnic groups among the residents of "
                           "Tower Hamlets were Bangladeshi ")
    assert f"Bangladeshi {b.loc['Bangladeshi', 'value']:.1f}%" in text[0]
    wards = th.ethnic_groups.by_ward
    bangla = wards[(wards.category == "Bangladeshi") & (wards.area_type == "ward22")]
    higher = int((bangla["comparison_95"] == "Higher").sum())
    line = next(t for t in text if t.startswith("Bangladeshi: "))
    assert f"{higher} wards of 20 significantly higher than the borough" in line
    assert "higher in the most deprived neighbourhoods" in line  # the share rises with deprivation
    assert "Census ward table as ONS published it" in text[-1]
    worst = th.ethnic_groups.ward_check.query("area_type == 'ward22'")["relative_difference"].abs().max()
    assert f"up to {worst:.0%}" in text[-1]
    assert "cannot show health outcomes by ethnic group" in say.no_ethnic_data_sentence("Tower Hamlets", True)
