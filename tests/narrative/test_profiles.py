"""Tests of thanalysis.narrative.profiles: the profiles' words quote the computed numbers."""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.analyses.borough_profile import run_borough_profile
from thanalysis.analyses.locality_profile import run_locality_profile
from thanalysis.narrative import profiles as words
from thanalysis.narrative.markup import md_text

HACKNEY = "E09000012"


@pytest.fixture(scope="module")
def borough(demo):
    return run_borough_profile(demo)


@pytest.fixture(scope="module")
def locality(demo):
    return run_locality_profile(demo)


def test_narrative_uses_the_numbers():
    facts = {"area_name": "Place", "population": 1234.0, "population_source": "Census 2021", "population_period": "2021",
             "largest_age_group": "25-29", "largest_age_group_percent": 14.33, "lsoas": 10, "most_deprived_lsoas": 1,
             "most_deprived_percent_lsoas": 10.0, "most_deprived_percent_population": 8.26, "imd_label": "IMD 2019"}
    text = " ".join(words.borough_summary(facts))
    assert "1,234 residents (Census 2021)" in text
    assert "aged 25 to 29 (14.3%" in text
    assert "1 neighbourhood of 10" in text and "8.3% of residents" in text
    assert "no locality file" in words.no_localities_sentence("Hackney", HACKNEY)


def test_borough_page_words(borough):
    facts = borough.facts
    assert words.borough_title(borough) == f"Borough profile: {borough.borough}"
    summary = words.borough_summary_markdown(borough)
    assert summary.startswith(f"- {md_text(borough.borough)} had {facts['population']:,.0f} residents")
    assert summary.count("\n- ") == len(words.borough_summary(facts, borough.bench)) - 1
    labels = [label for label, _, _ in words.borough_key_figures(borough)]
    assert labels == ["Residents", "Neighbourhoods in the most deprived 10% nationally", "Largest age group"]
    assert words.borough_key_figures(borough)[1][2] == f"{facts['most_deprived_lsoas']} of {facts['lsoas']} (IMD (synthetic))"
    assert words.age_chart_alt(borough).endswith(words.age_sentence(borough))
    assert words.deprivation_map_description(borough).endswith("Locality boundaries are drawn in black.")
    assert set(words.borough_table_captions(borough)) == {"population_by_age", "population_by_age_sex",
                                                          "lsoa_deprivation", "deprivation_deciles", "key_indicators"}


def test_benchmark_table_reads_values_and_comparisons(borough):
    table = words.benchmark_table(borough)
    region = borough.bench["region_name"].iloc[0]
    assert list(table.columns) == ["Indicator", "Period", "Borough", region, f"Compared with {region}",
                                   borough.bench["country_name"].iloc[0],
                                   f"Compared with {borough.bench['country_name'].iloc[0]}"]
    assert len(table) == len(borough.bench)
    assert table[f"Compared with {region}"].tolist() == borough.bench["comparison_region_95"].tolist()


def test_locality_page_words(locality):
    assert words.locality_title(locality) == f"Locality profile: {locality.place}, {locality.borough}"
    assert words.locality_heading_markdown(locality) == f"**{md_text(locality.place)}**, {md_text(locality.borough)}"
    assert words.locality_summary_markdown(locality).startswith(f"- {md_text(locality.place)} is home to about "
                                                                f"{locality.population:,.0f} people")
    description = words.place_map_description(locality)
    assert description.startswith(f"{locality.place} is made up of 5 wards: ")
    assert all(name in description for name in locality.wards["ward22_name"])
    assert "(black outline)" in words.locality_pyramid_alt(locality)
    assert words.locality_table_captions(locality)["key_indicators"] == "Key indicators compared with the borough"


def test_dashboard_table_is_readable(locality):
    table = words.dashboard_table(locality)
    assert list(table.columns) == ["Priority", "Metric", "Latest month", "Latest value", "Variation", "Assurance"]
    assert len(table) == len(locality.dashboard)
    assert not table.apply(lambda s: s.str.contains("_")).any().any()
    assert "special cause" in " ".join(table["Variation"]) or "common cause" in " ".join(table["Variation"])


def test_words_without_localities(locality):
    whole = type(locality)(**{**locality.__dict__, "locality_code": None, "place": locality.borough,
                              "dashboard": locality.dashboard.iloc[:0]})
    assert words.locality_title(whole) == f"Locality profile: {locality.borough}"
    assert "no locality file" in words.locality_heading_markdown(whole)
    assert words.place_map_title(whole) == f"Wards of {locality.borough}"
    assert "(black outline)" not in words.locality_pyramid_alt(whole)
    assert words.no_dashboard_sentence(whole).startswith(
        f"See the locality dashboard pack (priority dashboard – {locality.borough})")
    assert words.locality_table_captions(whole)["key_indicators"] == "Key indicators"
    assert isinstance(words.dashboard_table(whole), pd.DataFrame) and words.dashboard_table(whole).empty
