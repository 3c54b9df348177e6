"""Census 2021 LSOA tables and the ward check (thanalysis/data/published/census.py).

Fixture tests use small hand-written files in the Nomis layout (tests/data/published/fixtures/population/): two
Tower Hamlets LSOAs and a Welsh one with made-up counts that add up as the real tables do, a published ward row, and a
best-fit lookup that puts both Tower Hamlets LSOAs in that ward (a made-up pairing: the real lookup has them in Bow
East); expected numbers are worked out by hand from those rows. Real-data tests (marked ``real``) check row counts
and the Tower Hamlets rows quoted in the mirror's
``population/census2021_lsoa_ew/SOURCE.md`` and ``population/census2021_ward/SOURCE.md``, counted here with the csv
module, not with the reader.
"""
from __future__ import annotations

import csv
from functools import partial

import numpy as np
import pandas as pd
import pytest

from tests.data.published.conftest import edit_row
from thanalysis.data.published import census
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH_A, TH_E, WELSH = "E01004222", "E01035657", "W01000001"


def row(values: pd.DataFrame, **where) -> pd.Series:
    sel = values
    for col, want in where.items():
        sel = sel[sel[col] == want]
    assert len(sel) == 1, (where, len(sel))
    return sel.iloc[0]


@pytest.fixture
def fx(fixture_root):
    return census.read(fixture_root()).values


# --- fixtures: values -----------------------------------------------------------------------------------------
def test_tables_are_canonical_valid_and_cover_every_lsoa(fixture_root):
    series = census.read(fixture_root())
    assert list(series.values.columns) == CANONICAL_COLUMNS["values"]
    assert list(series.indicators.columns) == CANONICAL_COLUMNS["indicators"]
    validate("values", series.values, indicators=series.indicators)
    assert set(series.values["indicator_id"]) == set(series.indicators["indicator_id"]) == \
        {r[0] for r in census.INDICATORS}
    eth = series.values[series.values["indicator_id"] == "census21_ethnic_group"]
    lsoa, ward = eth[eth["area_type"] == "lsoa21"], eth[eth["area_type"] == "ward22"]
    assert len(lsoa) == 3 * (5 + 19) and len(ward) == 5 + 19  # the LSOAs, and the published ward with them
    assert eth.groupby("category_type")["category"].nunique().to_dict() == \
        {"ethnic_group_broad": 5, "ethnic_group_detailed": 19}
    pd.testing.assert_frame_equal(ward.reset_index(drop=True),
                                  census.read_ward_ethnic_group(fixture_root()).values)
    assert set(series.values["area_type"]) == {"lsoa21", "ward22"} and set(series.values["period"]) == {"2021"}
    assert set(series.values.loc[series.values["area_type"] == "ward22", "indicator_id"]) == {"census21_ethnic_group"}
    assert (series.values["period_start"] == pd.Timestamp("2021-03-21")).all()
    assert series.files == [census.file_of(t) for t in ("ts021", "ts037", "ts038", "ts017", "ts052")] + \
        [census.WARD_FILE]
    pd.testing.assert_frame_equal(census.indicators(), series.indicators)


def test_bangladeshi_share_with_wilson_limits(fx):
    r = row(fx, indicator_id="census21_ethnic_group", area_code=TH_A, category="Bangladeshi")
    assert r["category_type"] == "ethnic_group_detailed"
    assert (r["count"], r["denominator"]) == (812, 2739)
    assert r["value"] == pytest.approx(100 * 812 / 2739)
    assert r["lower_ci_99_8"] < r["lower_ci_95"] < r["value"] < r["upper_ci_95"] < r["upper_ci_99_8"]
    r = row(fx, indicator_id="census21_ethnic_group", area_code=TH_A, category="Asian, Asian British or Asian Welsh")
    assert (r["category_type"], r["count"]) == ("ethnic_group_broad", 934)
    broad = fx[(fx["indicator_id"] == "census21_ethnic_group") & (fx["area_code"] == WELSH)
               & (fx["category_type"] == "ethnic_group_broad")]
    assert broad["count"].sum() == 1500 and broad["value"].sum() == pytest.approx(100)


def test_bad_health_and_disability(fx):
    r = row(fx, indicator_id="census21_bad_health", area_code=TH_A)
    assert (r["count"], r["denominator"], r["category"]) == (168 + 71, 2741, "")
    health = fx[(fx["indicator_id"] == "census21_general_health") & (fx["area_code"] == TH_E)]
    assert dict(zip(health["category"], health["count"])) == {"Very good health": 691, "Good health": 301,
                                                              "Fair health": 43, "Bad health": 12,
                                                              "Very bad health": 5}
    assert (row(fx, indicator_id="census21_disabled", area_code=TH_A)[["count", "denominator"]] == [561, 2741]).all()
    assert row(fx, indicator_id="census21_disabled_limited_a_lot", area_code=TH_A)["count"] == 279
    r = row(fx, indicator_id="census21_disability", area_code=WELSH, category="Not disabled: no long-term condition")
    assert (r["count"], r["category_type"]) == (1050, "disability")


def test_household_size_and_its_mean(fx):
    sizes = fx[(fx["indicator_id"] == "census21_household_size") & (fx["area_code"] == TH_A)]
    assert list(sizes["category"]) == ["1 person"] + [f"{k} people" for k in range(2, 8)] + ["8 or more people"]
    assert list(sizes["count"]) == [396, 311, 149, 128, 84, 28, 11, 10] and (sizes["denominator"] == 1117).all()
    r = row(fx, indicator_id="census21_mean_household_size", area_code=TH_A)
    people = 396 + 2 * 311 + 3 * 149 + 4 * 128 + 5 * 84 + 6 * 28 + 7 * 11 + 8 * 10
    assert (r["count"], r["denominator"]) == (people, 1117)
    assert r["value"] == pytest.approx(people / 1117) and np.isnan(r["lower_ci_95"])
    assert "8 or more" in r["value_note"]


def test_overcrowding_and_an_area_without_households(fx):
    r = row(fx, indicator_id="census21_overcrowded", area_code=TH_A)
    assert (r["count"], r["denominator"]) == (148 + 24, 1116)
    assert row(fx, indicator_id="census21_overcrowded_severe", area_code=TH_E)["count"] == 3
    r = row(fx, indicator_id="census21_overcrowded", area_code="W01000002")
    assert np.isnan(r["value"]) and np.isnan(r["upper_ci_95"]) and "no residents or households" in r["value_note"]
    ratings = fx[(fx["indicator_id"] == "census21_occupancy_rating") & (fx["area_code"] == TH_A)]
    assert list(ratings["category"]) == ["+2 or more", "+1", "0", "-1", "-2 or less"]


def test_lsoas_keep_only_the_areas_asked_for(fixture_root):
    v = census.read_ethnic_group(fixture_root(), lsoas=[TH_A]).values
    assert set(v["area_code"]) == {TH_A} and len(v) == 24
    with pytest.raises(DataError, match="None of the LSOA codes"):
        census.read_occupancy(fixture_root(), lsoas=["E01999999"])


# --- fixtures: wards ------------------------------------------------------------------------------------------
def test_ward_table_reads_as_ward_values(fixture_root):
    v = census.read_ward_ethnic_group(fixture_root()).values
    r = row(v, area_code="E05009320", category="Bangladeshi")
    assert (r["area_type"], r["count"], r["denominator"]) == ("ward22", 812 + 71 + 1, 2739 + 1056 + 1)


def test_ward_check_differences_and_tolerances(fixture_root):
    check = census.check_ward_totals(fixture_root())
    w = check.wards
    r = row(w, ward22="E05009320", category="Bangladeshi")
    assert (r["published"], r["from_lsoas"], r["difference"]) == (884, 883, -1)
    assert r["share_difference_pp"] == pytest.approx(100 * 883 / 3795 - 100 * 884 / 3796)
    assert (r["ward_name"], r["la_name"]) == ("Bow West", "Tower Hamlets")
    assert len(w) == 25 and w["within_tolerance"].all()
    b = row(check.boroughs, la_name="Tower Hamlets", category="All usual residents")
    assert (b["published"], b["from_lsoas"], b["difference"]) == (3796, 3795, -1) and b["within_tolerance"]
    assert check.ok


def test_ward_check_fails_beyond_the_perturbation_tolerance(fixture_root):
    def more_white(text):  # 200 more White Other residents in the published ward (still additive)
        cells = text.split("\n")[1].split(",")
        for i in (3, 3 + 16, 3 + 21):  # total, White, Other White
            cells[i] = str(int(cells[i]) + 200)
        lines = text.split("\n")
        lines[1] = ",".join(cells)
        return "\n".join(lines)

    check = census.check_ward_totals(fixture_root(**{"census2021-ts021-ward_towerhamlets_hackney_csv": more_white}))
    b = row(check.boroughs, la_name="Tower Hamlets", category="All usual residents")
    assert b["difference"] == -201 and not b["within_tolerance"] and not check.ok


def test_a_ward_without_lsoas_in_the_lookup_is_an_error(fixture_root):
    root = fixture_root(**{"census2021-ts021-ward_towerhamlets_hackney_csv":
                           partial(edit_row, data_row=1, old="E05009320", new="E05009999")})
    with pytest.raises(DataError) as err:
        census.check_ward_totals(root)
    assert (err.value.column, err.value.rows, err.value.values) == ("geography code", [1], ["E05009999"])


# --- fixtures: bad input --------------------------------------------------------------------------------------
def test_parts_that_do_not_add_up_name_the_column_and_row(fixture_root):
    root = fixture_root(**{"census2021-ts021-lsoa_csv": partial(edit_row, data_row=2, old=",71,26,", new=",72,26,")})
    with pytest.raises(DataError) as err:
        census.read_ethnic_group(root)
    e = err.value
    assert e.file == census.file_of("ts021") and e.rows == [2]
    assert e.column == "Ethnic group: Asian, Asian British or Asian Welsh"


def test_text_in_a_count_names_file_column_and_row(fixture_root):
    root = fixture_root(**{"census2021-ts037-lsoa_csv": partial(edit_row, data_row=3, old=",70,", new=",c,")})
    with pytest.raises(DataError) as err:
        census.read_general_health(root)
    e = err.value
    assert (e.file, e.column, e.rows) == (census.file_of("ts037"), "General health: Bad health", [3])


@pytest.mark.parametrize("old, new, column, expected", [
    ("E01035657", "E0103565", "geography code", "LSOA 2021 codes"),
    ("E01035657", "E01004222", "geography code", "one row per LSOA 2021"),
    ("2021,Tower Hamlets 001E", "2011,Tower Hamlets 001E", "date", "2021"),
])
def test_bad_codes_and_years(fixture_root, old, new, column, expected):
    root = fixture_root(**{"census2021-ts052-lsoa_csv": partial(edit_row, data_row=2, old=old, new=new)})
    with pytest.raises(DataError) as err:
        census.read_occupancy(root)
    assert err.value.column == column and 2 in err.value.rows and expected in err.value.expected


def test_a_missing_column_is_named_with_a_suggestion(fixture_root):
    root = fixture_root(**{"census2021-ts038-lsoa_csv": partial(edit_row, data_row=0, old="limited a lot",
                                                                 new="limited alot")})
    with pytest.raises(DataError) as err:
        census.read_disability(root)
    assert "limited a lot" in err.value.column and "limited alot" in (err.value.hint or "")


def test_negative_and_blank_counts_are_refused(fixture_root):
    root = fixture_root(**{"census2021-ts017-lsoa_csv": partial(edit_row, data_row=3, old=",3,2", new=",3,-2")})
    with pytest.raises(DataError, match="negative") as err:
        census.read_household_size(root)
    assert err.value.rows == [3]
    root = fixture_root(**{"census2021-ts017-lsoa_csv": partial(edit_row, data_row=3, old=",3,2", new=",3,")})
    with pytest.raises(DataError, match="blank") as err:
        census.read_household_size(root)
    assert err.value.rows == [3] and err.value.column.startswith("Household size: 8 or more")


def test_unknown_table(fixture_root):
    with pytest.raises(DataError, match="ts999"):
        census.read_tables(fixture_root(), ("ts999",))


# --- the real mirror ------------------------------------------------------------------------------------------
def raw_rows(root, rel):
    with open(root / rel, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def real_ts021(open_data_root):
    return census.read_ethnic_group(open_data_root).values


@pytest.mark.real
def test_real_row_counts(open_data_root, real_ts021):
    raw = raw_rows(open_data_root, census.file_of("ts021"))
    codes = [r["geography code"] for r in raw]
    assert len(codes) == len(set(codes)) == 35_672
    assert sum(c.startswith("E01") for c in codes) == 33_755 and sum(c.startswith("W01") for c in codes) == 1_917
    assert sum(r["geography"].startswith("Tower Hamlets ") for r in raw) == 169
    assert len(real_ts021) == 24 * 35_672 and real_ts021["area_code"].nunique() == 35_672


@pytest.mark.real
def test_real_tower_hamlets_rows_as_in_source_md(open_data_root, real_ts021):
    r = row(real_ts021, area_code=TH_A, category="Bangladeshi")
    assert (r["count"], r["denominator"]) == (789, 2734)
    assert row(real_ts021, area_code=TH_A, category="Asian, Asian British or Asian Welsh")["count"] == 901
    assert row(real_ts021, area_code=TH_A, category="White")["count"] == 1300
    others = census.read_tables(open_data_root, ("ts037", "ts038", "ts017", "ts052"), lsoas=[TH_A, TH_E]).values
    assert (row(others, indicator_id="census21_bad_health", area_code=TH_E)[["count", "denominator"]]
            == [13 + 4, 1045]).all()
    assert row(others, indicator_id="census21_disabled", area_code=TH_A)["count"] == 544
    assert row(others, indicator_id="census21_disability", area_code=TH_A,
               category="Not disabled: no long-term condition")["count"] == 2052
    assert row(others, indicator_id="census21_household_size", area_code=TH_E, category="2 people")["count"] == 261
    ratings = others[(others["indicator_id"] == "census21_occupancy_rating") & (others["area_code"] == TH_A)]
    assert list(ratings["count"]) == [101, 248, 600, 145, 26]
    for ind in ("census21_bad_health", "census21_disabled", "census21_mean_household_size", "census21_overcrowded"):
        assert (others["indicator_id"] == ind).sum() == 2


@pytest.mark.real
def test_real_every_table_covers_every_lsoa(open_data_root):
    series = census.read_tables(open_data_root, ("ts037", "ts038", "ts017", "ts052"))
    sizes = series.values.groupby(["indicator_id", "category"]).size()
    assert (sizes == 35_672).all() and len(sizes) == 6 + 6 + 9 + 7
    assert series.values["value"].notna().all()


@pytest.mark.real
def test_real_ward_table_as_in_source_md(open_data_root):
    v = census.read_ward_ethnic_group(open_data_root).values
    assert v["area_code"].nunique() == 41
    r = row(v, area_code="E05009317", category="Bangladeshi")
    assert (r["count"], r["denominator"]) == (7315, 21092)
    assert row(v, area_code="E05009336", category="Bangladeshi")["count"] == 7103


@pytest.mark.real
def test_real_lsoa_counts_match_the_published_wards_within_tolerance(open_data_root):
    check = census.check_ward_totals(open_data_root)
    assert check.ok
    totals = check.wards[check.wards["category"] == "All usual residents"]
    assert totals.groupby("la_name")["ward22"].nunique().to_dict() == {"Tower Hamlets": 20, "Hackney": 21}
    b = check.boroughs.set_index(["la_name", "category"])
    assert b.loc[("Tower Hamlets", "All usual residents"), "published"] == 310_294  # the 20 published wards
    assert b.loc[("Tower Hamlets", "All usual residents"), "from_lsoas"] == 310_322  # the 169 LSOAs
    bangladeshi = check.wards[check.wards["category"] == "Bangladeshi"]
    assert bangladeshi["share_difference_pp"].abs().max() <= census.WARD_SHARE_TOLERANCE_PP
    # Best fit moves whole LSOAs: ward counts differ far more than shares (the docstring says so).
    assert totals["relative_difference"].abs().max() > 0.1
