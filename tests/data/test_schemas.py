"""Canonical-table validation: one test per kind of bad input, each checking the message names the file,
the column, the first offending rows (1-based data rows, shown as the file's lines) and what was expected."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thanalysis.data.readers import read_csv
from thanalysis.data.schemas import check_lsoa_vintage, validate, validate_area_codes
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS, default_lag_months

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = "extracts/local_values.csv"


def values_table(n: int = 3, **overrides) -> pd.DataFrame:
    df = pd.DataFrame({
        "indicator_id": ["ind_a"] * n,
        "area_code": [f"E0100990{i + 1}" for i in range(n)],
        "area_type": ["lsoa21"] * n,
        "period": ["2021"] * n,
        "count": [10.0 * (i + 1) for i in range(n)],
        "denominator": [100.0] * n,
        "value": [10.0 * (i + 1) for i in range(n)],
    })
    for col, val in overrides.items():
        df[col] = val
    return df


def population_table(**overrides) -> pd.DataFrame:
    df = pd.DataFrame({"area_code": ["E01009901", "E01009901", "E01009902"], "period": ["2021"] * 3,
                       "sex": ["Persons"] * 3, "age_band": ["0-4", "5-9", "0-4"], "population": [50, 60, 70]})
    for col, val in overrides.items():
        df[col] = val
    return df


def assert_message(err: DataError, *, file: str | None, column: str | None, rows: list[int] | None,
                   expected: str) -> None:
    text = str(err)
    if file:
        assert err.file == file and f"file: {file}" in text
    if column:
        assert err.column is not None and column in err.column and column in text
    if rows is not None:
        assert err.rows[: len(rows)] == rows
        if file and file.endswith(".csv"):  # data row N of a CSV is shown as its line, N + 1 (the header is line 1)
            assert "lines: " + ", ".join(str(r + 1) for r in rows) in text and "line 1 is the header" in text
        else:
            assert "rows: " + ", ".join(map(str, rows)) in text
    assert err.expected and expected in err.expected and "expected:" in text


# --- good input ------------------------------------------------------------------------------------------
def test_valid_values_are_coerced_and_completed():
    df = values_table()
    df["area_code"] = df["area_code"]
    df["period"] = [2021, 2021, 2021]  # a number where a label is expected becomes text
    out = validate("values", df, source=SOURCE)
    assert list(out.columns) == CANONICAL_COLUMNS["values"]
    assert out["period"].tolist() == ["2021"] * 3
    assert out["sex"].eq("Persons").all() and out["category"].eq("").all()
    assert out["count"].dtype == float and str(out["period_start"].dtype).startswith("datetime64")


def test_whole_float_codes_read_as_text():
    df = pd.DataFrame({"indicator_id": [90001.0, 90002.0], "name": ["a", "b"], "value_type": ["count", "other"]})
    out = validate("indicators", df)
    assert out["indicator_id"].tolist() == ["90001", "90002"]
    assert out["polarity"].eq("no_judgement").all() and out["multiplier"].eq(1.0).all()


def test_every_table_has_a_schema():
    import geopandas as gpd
    from shapely.geometry import Point

    assert validate("areas", pd.DataFrame({"area_code": ["E09000099"], "area_name": ["Riverside"],
                                          "area_type": ["la"]})).shape == (1, 3)
    assert validate("lookups", pd.DataFrame({"child_code": ["a", "a"], "child_type": ["lsoa11"] * 2,
                                            "parent_code": ["b", "c"], "parent_type": ["lsoa21"] * 2,
                                            "weight": [0.25, 0.75]})).shape == (2, 5)
    g = gpd.GeoDataFrame({"area_code": ["x"], "area_type": ["la"]}, geometry=[Point(0, 51).buffer(0.01)], crs=4326)
    assert validate("geometries", g).crs.to_epsg() == 4326
    assert validate("population", population_table()).shape == (3, 5)
    flows = pd.DataFrame({"origin_code": ["P1"], "origin_type": ["practice"], "destination_code": ["E09000099"],
                          "destination_type": ["la"], "period": ["2020-04"], "count": [1234]})
    assert validate("flows", flows).shape == (1, 6)


# --- one test per kind of bad input ----------------------------------------------------------------------
def test_missing_column():
    df = values_table().drop(columns=["value"])
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="value", rows=None, expected="columns indicator_id")
    assert "missing" in str(exc.value)


def test_misspelt_column_suggests_the_right_name():
    df = population_table().rename(columns={"population": "popualtion"})
    with pytest.raises(DataError) as exc:
        validate("population", df, source="pop.csv")
    assert_message(exc.value, file="pop.csv", column="population", rows=None, expected="population")
    assert "did you mean 'popualtion'" in str(exc.value)


def test_wrong_type():
    df = values_table(value=[12.5, "twelve", 3.0])
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="value", rows=[2], expected="numbers")
    assert "'twelve'" in str(exc.value)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataError) as exc:
        read_csv(empty)
    assert_message(exc.value, file=str(empty), column=None, rows=None, expected="header row")
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("area_code,period,sex,age_band,population\n")
    with pytest.raises(DataError) as exc:
        read_csv(header_only)
    assert_message(exc.value, file=str(header_only), column=None, rows=None, expected="at least one data row")
    # and an empty table handed straight to validate
    with pytest.raises(DataError) as exc:
        validate("population", population_table().iloc[:0], source="pop.csv")
    assert_message(exc.value, file="pop.csv", column=None, rows=None, expected="at least one data row")


def test_wrong_encoding_names_file_row_and_suggests_encoding():
    path = FIXTURES / "ward_profiles_latin1.csv"
    with pytest.raises(DataError) as exc:
        read_csv(path, encoding="utf-8")
    err = exc.value
    assert_message(err, file=str(path), column=None, rows=None, expected="utf-8")
    assert err.rows == [0] and err.lines == [1]  # the £ sign is in the header: line 1, before data row 1
    assert "encoding: cp1252" in str(err) or "encoding: latin-1" in str(err)
    # read with the right encoding it works, and "450,000" becomes a number when asked
    ok = read_csv(path, encoding="latin-1", numeric=["Median House Price (£) - 2014"])
    assert ok["Median House Price (£) - 2014"].tolist() == [450000.0, 390000.0]


def test_negative_counts():
    df = values_table(count=[10.0, -4.0, -1.0])
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="count", rows=[2, 3], expected="zero or more")


def test_negative_population():
    df = population_table(population=[50, 60, -70])
    with pytest.raises(DataError) as exc:
        validate("population", df, source="pop.csv")
    assert_message(exc.value, file="pop.csv", column="population", rows=[3], expected="zero or more")


def test_count_above_denominator_for_proportions():
    df = values_table(count=[10.0, 120.0, 30.0], value=[10.0, 120.0, 30.0])
    indicators = pd.DataFrame({"indicator_id": ["ind_a"], "name": ["A share"], "value_type": ["proportion"]})
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE, indicators=indicators)
    assert_message(exc.value, file=SOURCE, column="count", rows=[2], expected="count ≤ denominator")
    # the same numbers are fine for a rate (a count can exceed its population)
    rates = indicators.assign(value_type="crude_rate")
    assert len(validate("values", df, source=SOURCE, indicators=rates)) == 3


def test_duplicate_keys():
    df = values_table()
    df.loc[2, "area_code"] = df.loc[0, "area_code"]
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="indicator_id+area_code+period", rows=[1, 3],
                   expected="one row per indicator_id + area_code + period")


def test_unknown_area_codes():
    areas = pd.DataFrame({"area_code": ["E01009901", "E01009902"], "area_name": ["a", "b"],
                          "area_type": ["lsoa21", "lsoa21"]})
    df = values_table()
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE, areas=areas)
    assert_message(exc.value, file=SOURCE, column="area_code", rows=[3], expected="codes listed in the areas table")
    assert "E01009903" in str(exc.value)
    # the same check on its own, for any column
    with pytest.raises(DataError):
        validate_area_codes(df, areas, column="area_code", source=SOURCE)


def test_mixed_lsoa_2011_and_2021_codes():
    # E01009801 split into E01039801/E01039802 in 2021; E01009802 unchanged.
    lookup = pd.DataFrame({"LSOA11CD": ["E01009801", "E01009801", "E01009802"],
                           "LSOA21CD": ["E01039801", "E01039802", "E01009802"]})
    df = pd.DataFrame({"area_code": ["E01009802", "E01039801", "E01039802", "E01009801"], "value": [1, 2, 3, 4]})
    with pytest.raises(DataError) as exc:
        check_lsoa_vintage(df, lookup, column="area_code", source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="area_code", rows=[4], expected="one LSOA vintage only")
    assert check_lsoa_vintage(df.iloc[:3], lookup, source=SOURCE) == "lsoa21"
    # canonical lookups work too, and an area_type contradicting the code is refused
    canon = pd.DataFrame({"child_code": lookup["LSOA11CD"], "child_type": "lsoa11", "parent_code": lookup["LSOA21CD"],
                          "parent_type": "lsoa21", "weight": [0.5, 0.5, 1.0]})
    typed = df.iloc[:2].assign(area_type=["lsoa11", "lsoa11"])
    with pytest.raises(DataError) as exc:
        check_lsoa_vintage(typed, canon, source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="area_code", rows=[2], expected="lsoa21 for codes only in 2021")


def test_ci_not_bracketing_value():
    df = values_table(lower_ci_95=[5.0, 15.0, 25.0], upper_ci_95=[15.0, 25.0, 28.0])
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="lower_ci_95", rows=[3], expected="lower_ci_95 ≤ value ≤ upper_ci_95")
    # a missing limit is not a failure
    df.loc[2, "upper_ci_95"] = np.nan
    assert len(validate("values", df, source=SOURCE)) == 3


# --- a few more rules -------------------------------------------------------------------------------------
def test_invalid_enum_lists_the_allowed_values():
    df = values_table(area_type=["lsoa21", "LSOA", "lsoa21"])
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE)
    assert_message(exc.value, file=SOURCE, column="area_type", rows=[2], expected="lsoa11, lsoa21")


def test_lookup_weights_must_add_up_to_one():
    df = pd.DataFrame({"child_code": ["a", "a"], "child_type": ["lsoa11"] * 2, "parent_code": ["b", "c"],
                       "parent_type": ["lsoa21"] * 2, "weight": [0.5, 0.4]})
    with pytest.raises(DataError) as exc:
        validate("lookups", df, source="lookup.csv")
    assert_message(exc.value, file="lookup.csv", column="weight", rows=[1, 2], expected="add up to 1")


def test_rows_follow_the_file_after_filtering():
    """A table filtered after reading keeps its row labels, so errors point at the file's data rows."""
    df = values_table(5, count=[1.0, 2.0, 3.0, -4.0, 5.0]).iloc[2:]
    with pytest.raises(DataError) as exc:
        validate("values", df, source=SOURCE)
    assert exc.value.rows == [4]


def test_geometries_must_be_lon_lat():
    import geopandas as gpd
    from shapely.geometry import Point

    g = gpd.GeoDataFrame({"area_code": ["x"], "area_type": ["la"]}, geometry=[Point(530000, 180000).buffer(50)],
                         crs=27700)
    with pytest.raises(DataError) as exc:
        validate("geometries", g, source="wards.shp")
    assert_message(exc.value, file="wards.shp", column="geometry", rows=None, expected="EPSG:4326")


# --- data currency in the indicators table --------------------------------------------------------------------
@pytest.mark.parametrize("frequency, lag", [
    ("monthly", 3), ("quarterly", 6), ("quarterly (cumulative)", 6), ("annual", 24), ("Annual", 24),
    ("annual (rolling 3-year periods)", 24), ("biennial (financial year)", 36), ("decennial", 132),
    ("irregular (about every 4 years)", 60), ("irregular", None), ("", None),
])
def test_default_lag_by_frequency(frequency, lag):
    assert default_lag_months(frequency) == lag
    table = validate("indicators", pd.DataFrame({"indicator_id": ["x"], "name": ["X"], "value_type": ["count"],
                                                 "frequency": [frequency]}))
    got = table.loc[0, "lag_months"]
    assert (np.isnan(got) if lag is None else got == lag) and pd.isna(table.loc[0, "published"])


def test_given_currency_is_kept_and_checked():
    base = {"indicator_id": ["a", "b"], "name": ["A", "B"], "value_type": ["count", "count"],
            "frequency": ["monthly", "monthly"]}
    table = validate("indicators", pd.DataFrame({**base, "published": ["2026-01-13", None],
                                                 "lag_months": [12, None]}))
    assert table["published"].tolist()[0] == pd.Timestamp("2026-01-13") and pd.isna(table["published"].tolist()[1])
    assert table["lag_months"].tolist() == [12.0, 3.0]  # given, else the default of the frequency
    for bad in (0, -3, "three"):
        with pytest.raises(DataError, match="lag_months") as err:
            validate("indicators", pd.DataFrame({**base, "lag_months": [bad, 1]}), source="ind.csv")
        assert err.value.file == "ind.csv"
    with pytest.raises(DataError, match="published"):
        validate("indicators", pd.DataFrame({**base, "published": ["soon", None]}))
