"""ONS Health Index reader (thanalysis/data/published/health_index.py): real mirror and small fixtures."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit, fixture_root
from thanalysis.data.published import health_index
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"
FOLDER = "health_index/ons_health_index_ltla"


def value(values: pd.DataFrame, indicator: str, area: str, period: str) -> float:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area) & (values["period"] == period)]
    assert len(rows) == 1, (indicator, area, period, len(rows))
    return float(rows["value"].iloc[0])


@pytest.fixture(scope="module")
def real(open_data_root):
    return health_index.read(open_data_root)


@pytest.mark.real
def test_real_shape(real):
    values, indicators, files = real.values, real.indicators, real.files
    assert list(values.columns) == CANONICAL_COLUMNS["values"]
    assert len(indicators) == 4 + 14 + 56
    assert len(values) == 2149 * 74  # 307 LTLAs x 7 years for every series
    assert values["area_code"].nunique() == 307 and set(values["area_type"]) == {"la"}
    assert sorted(values["period"].unique()) == [str(y) for y in range(2015, 2022)]
    assert files == [f"{FOLDER}/england_health_index.csv", f"{FOLDER}/england_health_index_subdomains.csv",
                     f"{FOLDER}/england_health_index_indicators.csv.gz", f"{FOLDER}/SOURCE.md"]


@pytest.mark.real
def test_real_tower_hamlets_values_quoted_in_source_md(real):
    values = real.values
    assert value(values, "hi_overall", TH, "2015") == 84.7
    assert value(values, "hi_overall", TH, "2016") == 87.9
    assert value(values, "hi_domain_healthy_people", TH, "2015") == 97
    assert value(values, "hi_domain_healthy_places", TH, "2016") == 72.4
    assert value(values, "hi_subdomain_difficulties_in_daily_life", TH, "2021") == 123.2
    assert value(values, "hi_subdomain_living_conditions", TH, "2020") == 80.2
    assert value(values, "hi_input_physical_activity", TH, "2015") == pytest.approx(68.73867918)


@pytest.mark.real
def test_real_metadata(real):
    indicators = real.indicators.set_index("indicator_id")
    scores = indicators[~indicators.index.str.startswith("hi_input_")]
    assert set(scores["value_type"]) == {"other"} and set(scores["polarity"]) == {"higher_is_better"}
    assert set(scores["unit"]) == {"index score (England 2015 = 100)"}
    inputs = indicators[indicators.index.str.startswith("hi_input_")]
    assert len(inputs) == 56 and set(inputs["polarity"]) == {"no_judgement"}  # raw values: direction not said
    assert "not an index score" in indicators.loc["hi_input_smoking", "name"]
    assert indicators.loc["hi_subdomain_crime", "name"] == "ONS Health Index: Crime subdomain (Healthy Places domain)"
    assert not indicators["value_type"].str.contains("rate").any()


@pytest.mark.real
def test_real_periods_are_calendar_years(real):
    row = real.values.iloc[0]
    year = int(row["period"])
    assert (row["period_start"], row["period_end"]) == (pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31))


# --- fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture()
def root(tmp_path):
    return fixture_root(tmp_path, FOLDER)


def test_fixture_reads(root):
    series = health_index.read(root)
    values, indicators = series.values, series.indicators
    assert len(values) == 2 * 2 * (4 + 14) + 16  # 2 areas x 2 years x 18 scores, 16 input rows
    assert value(values, "hi_overall", "E07000223", "2021") > 0
    assert "hi_input_childrens_social_emotional_and_mental_health" in set(indicators["indicator_id"])
    assert value(values, "hi_input_life_expectancy", TH, "2021") == 81.87
    assert value(values, "hi_overall", TH, "2015") == 86.2
    assert value(values, "hi_subdomain_living_conditions", TH, "2021") == 82.9  # the last subdomain column
    assert value(values, "hi_input_smoking", TH, "2021") == 13  # "13.0"


def test_value_that_is_not_a_number(root):
    edit(root / FOLDER / "england_health_index.csv", "E09000030,2015,86.2", "E09000030,2015,n/a")
    with pytest.raises(DataError, match="not numbers") as err:
        health_index.read(root)
    assert err.value.column == "overall_score" and err.value.rows


def test_unknown_subdomain_column(root):
    edit(root / FOLDER / "england_health_index_subdomains.csv", "Living conditions", "Housing conditions")
    with pytest.raises(DataError, match="Subdomain columns") as err:
        health_index.read(root)
    assert err.value.values == ["Housing conditions"]


def test_bad_area_code(root):
    edit(root / FOLDER / "england_health_index_indicators.csv.gz", "E09000030,2015", "Tower Hamlets,2015")
    with pytest.raises(DataError, match="ltla21_code") as err:
        health_index.read(root)
    assert err.value.values == ["Tower Hamlets"]
