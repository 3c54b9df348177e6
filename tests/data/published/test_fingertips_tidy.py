"""Fingertips tidy-extract reader (thanalysis/data/published/fingertips_tidy.py): real mirror and small fixtures."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit, fixture_root
from thanalysis.data.published import fingertips_tidy
from thanalysis.data.published.fingertips_tidy import SOURCES
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"
THEMES = "fingertips/trafford_themes_2026"
DASHBOARD = "fingertips/trafford_dashboard_2020"


def one(values: pd.DataFrame, indicator: str, area: str, period: str, sex: str = "Persons",
        category: str = "") -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area) & (values["period"] == period)
                  & (values["sex"] == sex) & (values["category"] == category)]
    assert len(rows) == 1, (indicator, area, period, sex, len(rows))
    return rows.iloc[0]


def span(row: pd.Series) -> tuple[str, str]:
    return row["period_start"].strftime("%Y-%m-%d"), row["period_end"].strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def real(open_data_root):
    return fingertips_tidy.read(open_data_root)


@pytest.mark.real
def test_real_shape(real):
    values, indicators, files = real.values, real.indicators, real.files
    assert list(values.columns) == CANONICAL_COLUMNS["values"]
    assert len(values) == 106461
    assert len(files) == 39 and files[0].startswith(THEMES) and files[-2].startswith(DASHBOARD)
    assert files[-1] == f"{THEMES}/SOURCE.md" and real.retrieved == date(2026, 5, 13)
    assert sorted(values["indicator_id"].unique()) == sorted(indicators["indicator_id"])
    assert len(indicators) == 36
    assert set(values["area_type"]) == {"la", "country"}
    assert not values["area_code"].str.startswith(("E05", "E47")).any()  # wards and combined authorities left out


@pytest.mark.real
def test_real_tower_hamlets_values_quoted_in_source_md(real):
    values = real.values
    le = one(values, "90366", TH, "2015 - 17", "Male")
    assert le["value"] == 77.7 and le["value_note"] == "Fingertips: Worse than England"
    assert one(values, "90366", TH, "2015 - 17", "Female")["value"] == 82
    assert one(values, "ft_healthy_life_expectancy", TH, "2015 - 17", "Female")["value"] == 59.9
    assert one(values, "ft_u75_preventable_mortality", TH, "2014", "Male")["value"] == 300.7
    assert one(values, "ft_u75_preventable_mortality", TH, "2014", "Female")["value"] == 144.2
    assert one(values, "ft_obesity_year6", TH, "2014/15")["value"] == 27
    assert one(values, "ft_smoking_adults", TH, "2011")["value"] == 20.6
    assert one(values, "ft_depression_prevalence", TH, "2014/15")["value_note"] == \
        "Fingertips: Lower than England (99.8% limits)"
    assert one(values, "ft_larc", TH, "2014", "Female")["value"] == 28.9
    cic = one(values, "ft_children_in_care_rate", TH, "2011")
    assert cic["value"] == 63 and cic["value_note"] == "Fingertips: Similar to England; from the 2020 extract"
    assert one(values, "ft_neet_16_17", TH, "2016")["value"] == 5.7
    assert one(values, "ft_healthy_life_expectancy", TH, "2009 - 11", "Male")["value"] == 55.5  # "2009-11"


@pytest.mark.real
def test_real_newer_vintage_wins(real):
    values, indicators = real.values, real.indicators
    # 2020 file: 61.9; 2026 file: 59.6 (revised). One row, the newer value.
    assert one(values, "ft_healthy_life_expectancy", TH, "2015 - 17", "Male")["value"] == 59.6
    assert one(values, "ft_le_inequality_sii", TH, "2015 - 17", "Female")["value"] == 3.1
    meta = indicators.set_index("indicator_id")
    assert meta.loc["ft_healthy_life_expectancy", "source"] == SOURCES["2026"] and THEMES in SOURCES["2026"]
    assert meta.loc["ft_healthy_life_expectancy", "published"] == pd.Timestamp("2026-05-13")
    # An indicator only the 2020 extract holds says so, with that extract's date.
    assert meta.loc["ft_dementia_diagnosis_65plus", "source"] == SOURCES["2020"] and DASHBOARD in SOURCES["2020"]
    assert meta.loc["ft_dementia_diagnosis_65plus", "published"] == pd.Timestamp("2020-08-20")
    smoking = values[(values["indicator_id"] == "ft_smoking_adults") & (values["area_code"] == TH)]
    assert sorted(smoking["period"]) == [str(y) for y in range(2011, 2025)]  # both vintages, no duplicates


@pytest.mark.real
def test_real_breakdowns_kept(real):
    values = real.values
    th = values[values["area_code"] == TH]
    assert set(th.loc[th["indicator_id"] == "90366", "sex"]) == {"Male", "Female"}
    assert set(th.loc[th["indicator_id"] == "ft_u75_preventable_mortality", "sex"]) == {"Male", "Female", "Persons"}
    assert set(th.loc[th["indicator_id"] == "ft_larc", "sex"]) == {"Female"}
    quintiles = values[(values["indicator_id"] == "ft_obesity_year6_5yr") & (values["area_code"] == "E92000001")]
    assert set(quintiles["category_type"]) == {"Deprivation quintile"} and len(quintiles) == 5
    assert set(th.loc[th["indicator_id"] == "ft_dental_decay_age5", "age"]) == {"5 yrs"}


@pytest.mark.real
def test_real_period_types(real):
    values = real.values
    assert span(one(values, "90366", TH, "2023 - 25", "Male")) == ("2023-01-01", "2025-12-31")
    assert span(one(values, "ft_smoking_adults", TH, "2024")) == ("2024-01-01", "2024-12-31")
    assert span(one(values, "ft_depression_prevalence", TH, "2024/25")) == ("2024-04-01", "2025-03-31")
    assert span(one(values, "ft_obesity_year6", TH, "2024/25")) == ("2024-09-01", "2025-08-31")
    assert span(one(values, "ft_u75_preventable_cancer_mortality", TH, "2015 - 17")) == ("2015-01-01", "2017-12-31")
    assert span(one(values, "ft_nhs_health_checks_cumulative", TH, "2021/22 Q1")) == ("2021-04-01", "2021-06-30")
    assert span(one(values, "ft_nhs_health_checks_cumulative", TH, "2021/22 Q1 - 2025/26 Q3")) == \
        ("2021-04-01", "2025-12-31")
    assert span(one(values, "ft_children_in_care_rate", TH, "2018")) == ("2018-03-31", "2018-03-31")
    rm = values[(values["area_code"] == TH) & values["indicator_id"].str.startswith("ft_smoking_routine_manual")]
    assert set(rm.loc[rm["period"].str.contains(" - "), "indicator_id"]) == {"ft_smoking_routine_manual_3yr"}
    assert set(rm.loc[~rm["period"].str.contains(" - "), "indicator_id"]) == {"ft_smoking_routine_manual"}


# --- fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture()
def root(tmp_path):
    return fixture_root(tmp_path, THEMES, DASHBOARD)


def test_fixture_reads(root):
    series = fingertips_tidy.read(root)
    values, indicators, files = series.values, series.indicators, series.files
    assert len(files) == 10
    assert not values["area_code"].str.startswith(("E05", "E47")).any()
    assert "E10000016" in set(values["area_code"])  # Kent, a county, from the 2020 file
    hle = values[(values["indicator_id"] == "ft_healthy_life_expectancy") & (values["area_code"] == TH)]
    # 2015-17 is in both vintages (2020: 61.4 and 57.8; 2026: 58.9 and 60.4): the 2026 values win.
    assert sorted(zip(hle["period"], hle["sex"], hle["value"])) == [
        ("2009 - 11", "Female", 54.6), ("2009 - 11", "Male", 56.3), ("2015 - 17", "Female", 60.4),
        ("2015 - 17", "Male", 58.9), ("2022 - 24", "Female", 58.7), ("2022 - 24", "Male", 60.1)]
    deaths = one(values, "ft_deaths_usual_residence_65plus", TH, "2016")  # unit "Deaths" is a unit, not a sex
    assert deaths["value"] == 27.4
    # The indicators come from the indicator list, so they cover every value (and more than these few files hold).
    assert set(values["indicator_id"]) < set(indicators["indicator_id"])
    pd.testing.assert_frame_equal(indicators, fingertips_tidy.indicators(root))


def test_unknown_indicator(root):
    edit(root / THEMES / "health/life_expectancy.csv", "Life expectancy at birth", "Life expectancy at 65")
    with pytest.raises(DataError, match="Indicators this reader does not know") as err:
        fingertips_tidy.read(root)
    assert err.value.file == f"{THEMES}/health/life_expectancy.csv" and err.value.rows == [1]


def test_unknown_comparison(root):
    edit(root / DASHBOARD / "children/children_in_care.csv", "Persons,Similar", "Persons,Amber")
    with pytest.raises(DataError, match="Comparisons") as err:
        fingertips_tidy.read(root)
    assert err.value.values == ["Amber"]


def test_untyped_period(root):
    edit(root / THEMES / "health/mortality_rate.csv", ",2014,", ",2014/15,")
    with pytest.raises(DataError, match="period") as err:
        fingertips_tidy.read(root)
    assert "2014/15" in err.value.values[0]


def test_unknown_breakdown_is_not_dropped(root):
    edit(root / THEMES / "health/life_expectancy.csv", "Worse,Male", "Worse,Bangladeshi")
    with pytest.raises(DataError, match="Breakdowns") as err:
        fingertips_tidy.read(root)
    assert err.value.column == "inequality" and err.value.values == ["Bangladeshi"]


def test_unknown_area_type(root):
    edit(root / THEMES / "health/life_expectancy.csv", ",UA,", ",Region,")
    with pytest.raises(DataError, match="Areas of a kind"):
        fingertips_tidy.read(root)


@pytest.mark.parametrize("label, year, expected", [
    ("2024", "calendar", ("2024", "2024-01-01", "2024-12-31")),
    ("2009-11", "calendar", ("2009 - 11", "2009-01-01", "2011-12-31")),
    ("1999 - 01", "calendar", ("1999 - 01", "1999-01-01", "2001-12-31")),
    ("2023/24", "financial", ("2023/24", "2023-04-01", "2024-03-31")),
    ("2023/24", "academic", ("2023/24", "2023-09-01", "2024-08-31")),
    ("2020/21 - 24/25", "academic", ("2020/21 - 24/25", "2020-09-01", "2025-08-31")),
    ("2021/22 Q4", "financial", ("2021/22 Q4", "2022-01-01", "2022-03-31")),
    ("2018", "at_31_march", ("2018", "2018-03-31", "2018-03-31")),
])
def test_period_typing(label, year, expected):
    got = fingertips_tidy._period(label, year)
    assert (got[0], got[1].strftime("%Y-%m-%d"), got[2].strftime("%Y-%m-%d")) == expected


@pytest.mark.parametrize("label, year", [("2023/24", "calendar"), ("2024", "financial"), ("2014-20", "calendar"),
                                          ("2021/22 Q3 - 2021/22 Q1", "financial"), ("2023/25", "financial")])
def test_period_typing_refuses(label, year):
    assert fingertips_tidy._period(label, year) is None
