"""Tests for the themed cross-borough report: the selection file, the series summary (currency, both comparisons),
the 65+ shares behind crude prevalences and the Fingertips recomputation – hand-worked cases, then the real data.

Expected values come from the raw source files or hand calculations written here, never from the module under test.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.analyses.cross_borough_expected import ENGLAND, LONDON, TH, real_results  # noqa: F401
from thanalysis.analyses import cross_borough_selection as sel
from thanalysis.analyses.cross_borough_context import _check_partition
from thanalysis.analyses.cross_borough_fingertips import AGREES, recompute
from thanalysis.analyses.cross_borough_series import (
    METHOD_NO_CI,
    NO_CI_WORDS,
    our_comparison,
    out_of_date,
    source_comparison,
)
from thanalysis.analyses.cross_borough_values import agrees, decimals
from thanalysis.errors import ConfigError, DataError
from thanalysis.narrative import cross_borough_themes as themes

SUICIDE = "fingertips/suicide_export_london_2015_17/indicators-CountyUA.data london.csv"


# --------------------------------------------------------------------------------------------------------------
# hand-worked
# --------------------------------------------------------------------------------------------------------------
def test_the_project_file_has_every_theme_and_fingertips_ids():
    s = sel.load_selection()
    ids = [t.id for t in s.themes]
    assert {"public_health", "homelessness", "children", "adult_social_care", "health_index"} <= set(ids)
    assert all(isinstance(i, str) for i in s.fingertips_ids) and "41001" in s.fingertips_ids
    assert "index scores" in s.theme("health_index").note


def test_a_bad_file_is_a_config_error(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("themes:\n  - id: a\n    title: A\n  - id: a\n    title: B\n")
    with pytest.raises(ConfigError, match="twice"):
        sel.load_selection(path)


def test_themes_by_list_then_prefix_and_the_choice_of_ids(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("themes:\n  - {id: a, title: A, ids: [x1, y9], prefixes: [x]}\n"
                    "  - {id: b, title: B, ids: [z1], prefixes: [y]}\nfingertips_ids: ['1']\n")
    s = sel.load_selection(path)
    assert sel.theme_of(s, ["x5", "y9", "y2", "q"]) == {"x5": "a", "y9": "a", "y2": "b", "q": sel.OTHER_THEME}
    ind = pd.DataFrame({"indicator_id": ["x1", "z1", "x5"]})
    assert sel.choose_indicators(s, ind)[0] == ["x1", "z1"]
    assert sel.choose_indicators(s, ind, "all")[0] == ["x1", "x5", "z1"]
    assert sel.choose_indicators(s, ind, ["x5"])[0] == ["x5"]
    assert sel.choose_indicators(s, pd.DataFrame({"indicator_id": ["q"]}))[0] == ["q"]  # none of the defaults


def test_crude_prevalence_rule():
    s = sel.load_selection()
    assert sel.is_crude_prevalence(s, "proportion", "Obesity (18+): modelled QOF prevalence")
    assert not sel.is_crude_prevalence(s, "proportion", "Year 6 prevalence of obesity")  # one age cohort
    assert not sel.is_crude_prevalence(s, "dsr", "Depression admissions")  # standardised


def test_without_an_interval_only_higher_or_lower_with_the_difference():
    label, method = our_comparison("Not compared", 14.2, 10.4, False, "England")
    assert label == f"Higher than England by 3.8 ({NO_CI_WORDS})" and method == METHOD_NO_CI
    assert "significantly" not in label and "Better" not in label and "Worse" not in label
    assert our_comparison("Worse", 5.0, 4.0, True, "England")[0] == "Worse (significantly, 95%)"
    assert our_comparison("Similar", 5.0, 4.0, True, "England")[0] == "Similar (95%)"


def test_source_comparison_and_currency():
    assert source_comparison("Fingertips: Worse than England") == "Worse than England"
    assert source_comparison("value rounded; Fingertips: Better") == "Better"
    assert source_comparison("") == ""
    # annual: 24 months after the period's end
    assert not out_of_date("2024-03-31", 24, "2026-03-31")
    assert out_of_date("2024-03-31", 24, "2026-04-01")
    assert out_of_date("2025-12-31", 6, "2026-07-01")


def test_agreement_to_the_published_rounding():
    assert decimals(6.48) == 2 and decimals(67.0) == 0
    assert agrees(6.48, 6.4835) and not agrees(6.48, 6.4951)
    assert agrees(67.0, 67.118) and not agrees(67.0, 67.6)
    assert agrees(6.4835135933255, 6.48351359) and not agrees(6.4835135933255, 6.4836)


def test_recompute_byars_hand_worked():
    """34 events in 363,111 people per 100,000: Byars' limits typed out from the formula."""
    x, n, z = 34, 363111, 1.959963984540054
    lo = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3 / n * 1e5
    hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3 / n * 1e5
    t = pd.DataFrame({"indicator_id": ["1", "2"], "indicator": ["a", "b"], "sex": "Male", "age": "", "period": "p",
                      "area_code": "A", "area_name": "A", "role": "Chosen borough", "value": [x / n * 1e5, 11.3],
                      "lower_ci_95": [round(lo, 2), 7.5], "upper_ci_95": [round(hi, 2), 15.9],
                      "lower_ci_99_8": math.nan, "upper_ci_99_8": math.nan, "count": [x, 46],
                      "denominator": [n, 407016],
                      "value_type": ["crude_rate", "dsr"], "multiplier": 100000, "ci_method": "published",
                      "value_note": ["Fingertips: Similar to England", ""], "vs_country_95": ["Similar", "Similar"]})
    out = recompute(t)
    assert out.loc[0, "our_lower_ci_95"] == pytest.approx(lo) and out.loc[0, "our_upper_ci_95"] == pytest.approx(hi)
    assert out.loc[0, "check"] == AGREES and out.loc[0, "fingertips_comparison"] == "Similar to England"
    assert "age-standardised" in out.loc[1, "check"]


def test_overlapping_age_bands_are_refused():
    with pytest.raises(DataError, match="Overlapping"):
        _check_partition(pd.Series(["60+", "65-69"]), "X", "2021")


# --------------------------------------------------------------------------------------------------------------
# real data
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("theme, prefix", [("public_health", "ft_"), ("homelessness", "hclic_"),
                                           ("children", "dfe_"), ("adult_social_care", "oflog_asc_"),
                                           ("health_index", "hi_")])
def test_each_theme_has_new_series_with_nel_london_and_england(real_results, theme, prefix):
    r = real_results
    s = r.theme_series(theme)
    s = s[s["indicator_id"].str.startswith(prefix)]
    assert len(s), theme
    iid = s["indicator_id"].iloc[0]
    rows = r.table[r.table["indicator_id"] == iid]
    nel = set(r.comparators.codes)
    # every NEL borough (the Health Index counts the City of London with Hackney, so it has 7)
    assert len(nel) == 8 and TH in set(rows["area_code"]) and len(nel & set(rows["area_code"])) >= 7
    assert r.trend_values[r.trend_values["indicator_id"] == iid]["period"].nunique() > 1
    assert s["currency"].str.contains("latest period").all()
    if theme in ("homelessness", "children"):  # DfE and DLUHC publish England and London too
        assert {LONDON, ENGLAND} <= set(rows["area_code"])


def test_life_expectancy_shows_each_sex(real_results):
    le = real_results.series[real_results.series["indicator_id"] == "90366"]
    assert set(le["sex"]) == {"Male", "Female"}


def test_fingertips_label_beside_ours(real_results):
    s = real_results.series
    ft = s[s["indicator_id"] == "ft_obesity_year6"].iloc[0]
    assert ft["source_comparison"].endswith("than England") and ft["source_method"]
    assert NO_CI_WORDS in ft["our_comparison"] and "significantly" not in ft["our_comparison"]


def test_the_age_caveat_uses_the_shares_computed_from_the_data(real, real_results):
    pop = real.population()
    year = pop[(pop["period"].astype(str) == "2021") & (pop["sex"] == "Persons")]
    old = year["age_band"].isin(["65-69", "70-74", "75-79", "80-84", "85+"])
    th = year[year["area_code"] == TH]
    th_share = 100 * th.loc[old, "population"].sum() / th["population"].sum()
    eng = year[year["area_code"].str.match(r"E0[6789]")]
    eng_share = 100 * eng.loc[old, "population"].sum() / eng["population"].sum()
    assert th_share == pytest.approx(5.6, abs=0.05) and eng_share == pytest.approx(18.4, abs=0.05)
    text = themes.age_caveat(real_results)
    assert f"{th_share:.1f}%" in text and f"{eng_share:.1f}% in England" in text
    crude = real_results.crude
    assert "qof_prevalence_ob" in set(crude["indicator_id"]) and "ft_obesity_year6" not in set(crude["indicator_id"])


def test_recomputed_intervals_match_the_raw_fingertips_export(open_data_root, real_results):
    raw = pd.read_csv(open_data_root / SUICIDE, dtype={"IndicatorID": str})
    f = real_results.fingertips
    crude = f[f["indicator_id"].isin(["91390", "91393", "91430"])]
    for row in crude.itertuples():
        src = raw[(raw["IndicatorID"] == row.indicator_id) & (raw["AreaCode"] == row.area_code)].iloc[0]
        if pd.isna(src["Lower_CI_95.0_limit"]):
            continue
        assert row.our_lower_ci_95 == pytest.approx(src["Lower_CI_95.0_limit"], rel=1e-6)
        assert row.our_upper_ci_95 == pytest.approx(src["Upper_CI_95.0_limit"], rel=1e-6)
        assert row.check == AGREES
    th = f[(f["indicator_id"] == "91390") & (f["area_code"] == TH)].iloc[0]
    assert th["fingertips_comparison"] == "Similar to England"
    # 41001 is age-standardised: its interval needs the counts by age, so it is not recomputed, and says why
    dsr = f[(f["indicator_id"] == "41001") & (f["area_code"] == TH)].iloc[0]
    assert dsr["value"] == pytest.approx(11.2763399053447) and dsr["count"] == 46
    assert "age-standardised" in dsr["check"]
    assert "Jezzaay" in dsr["source"]  # the raw export, named
    spine = real_results.fingertips_spine.set_index("indicator_id")
    assert spine.loc["41001", "marker_source"] == "Fingertips" and spine.loc["41001", "drawable"]
