"""Bad input is never accepted silently (issue 14, items 7 and 8): one test per case, each against a fixture
whose bad line is known (``tests/data/fixtures/bad_input/``), checking the error names the file, the line as a
person opens the file (the header is line 1) and the form expected.

Item 7 (silent acceptance) and where each case is caught:
- a CSV cut off mid-row: :func:`thanalysis.data.readers.read_csv` (the last line is shorter than the header);
- a file cut in half: ``thanalysis data check``'s published totals (Census borough totals against the sum of their
  LSOAs, the 32,844 LSOAs of IMD 2019);
- a negative count, unknown area codes, percentages on a 0-1 scale, 250%, a metric id not in priorities.yml:
  the analyst extract checks (:func:`thanalysis.data.extracts.check_extract`) and, for the store's values,
  :func:`thanalysis.data.schemas.validate`;
- UTF-8 read as Latin-1, and Latin-1 read as UTF-8: :func:`thanalysis.data.readers.read_text`;
- a 6-month gap in a monthly series: :attr:`MetricResult.gaps`, the narrative and a break in the chart's line;
- ``window_months: -5``: a ConfigError before the dashboard touches the data.
Item 8 (wrong locations): count above denominator after a filter, an encoding error deep in a big file, and a
duplicate key listed with rows of another key.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses import dashboard as db
from thanalysis.data.catalogue import Dataset, load_catalogue
from thanalysis.data.check import IMD2019_LSOAS, census_totals, check_published_totals, imd_lsoas
from thanalysis.data.extracts import EXTRACTS_ENV, read_extracts
from thanalysis.data.open import open_store
from thanalysis.data.readers import read_csv
from thanalysis.data.real_rows import census_shares
from thanalysis.data.schemas import validate
from thanalysis.errors import ConfigError, DataError
from thanalysis.figures.spc_chart import spc_chart
from thanalysis.narrative.dashboard import metric_narrative

FIXTURES = Path(__file__).parent / "fixtures" / "bad_input"
CENSUS_COLUMNS = {"geography code": "area_code", "geography": "area_name", "date": "period"}
TOTAL = "Tenure of household: Total: All households"
SOCIAL = "Tenure of household: Social rented"
#: London LSOA 2021 → borough, as the London boundaries give it, for the Census fixtures.
LONDON_LSOA21 = pd.Series({"E01001700": "E09000012", "E01001701": "E09000012", "E01004198": "E09000030",
                           "E01004199": "E09000030", "E01004200": "E09000030", "E01035706": "E09000030"})


def census_dataset(file: str, area_type: str) -> Dataset:
    return Dataset(id=f"census21_fixture_{area_type}", title="Census fixture", publisher="ONS", licence="OGL v3.0",
                   url="https://www.nomisweb.co.uk", file=file, reader="csv", table="values", area_type=area_type,
                   columns=dict(CENSUS_COLUMNS))


def lines_of(err: DataError) -> list[int]:
    assert err.lines is not None, str(err)
    return err.lines


def read_extract_fixture(store, name: str, tmp_path: Path):
    """The fixture as the only file of an extracts folder, read and checked as the dashboard reads it."""
    folder = tmp_path / "extracts"
    folder.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / name, folder / name)
    return read_extracts(store, folder)


# ==============================================================================================================
# Item 7: silent acceptance
# ==============================================================================================================
def test_csv_cut_off_mid_row_names_its_last_line():
    path = FIXTURES / "census_ltla_cut_mid_row.csv"
    with pytest.raises(DataError, match="ends in the middle of a row") as err:
        read_csv(path)
    assert err.value.file == str(path) and lines_of(err.value) == [5]
    assert "its last line, 5, has 4 of the header's 5 fields" in str(err.value)
    assert "lines: 5" in str(err.value) and "every row with the header's 5 fields" in err.value.expected
    assert "E09000030" in err.value.values[0]


def test_file_cut_in_half_fails_the_census_total_check():
    ok = census_totals(FIXTURES, census_dataset("census_lsoa_ok.csv", "lsoa21"),
                       census_dataset("census_ltla_ok.csv", "la"), TOTAL, LONDON_LSOA21.drop("E01035706"))
    assert ok["status"] == "ok" and ok["rows"] == 2, ok
    cut = census_totals(FIXTURES, census_dataset("census_lsoa_cut_in_half.csv", "lsoa21"),
                        census_dataset("census_ltla_ok.csv", "la"), TOTAL, LONDON_LSOA21.drop("E01035706"))
    assert cut["status"] == "error"
    assert "2 London LSOAs are missing from census_lsoa_cut_in_half.csv (E01004199, E01004200)" in cut["note"]
    assert "Tower Hamlets (E09000030) total 1,713 on line 4 of census_ltla_ok.csv, but its LSOAs sum to 578" \
        in cut["note"]


def test_borough_total_published_blank_fails_the_census_total_check():
    row = census_totals(FIXTURES, census_dataset("census_lsoa_ok.csv", "lsoa21"),
                        census_dataset("census_ltla_blank_total.csv", "la"), TOTAL, LONDON_LSOA21.drop("E01035706"))
    assert row["status"] == "error"
    assert row["note"] == ("Tower Hamlets (E09000030) total blank on line 4 of census_ltla_blank_total.csv, but its "
                           "LSOAs sum to 1,713")


def test_imd_file_cut_short_fails_the_lsoa_count_check():
    ds = Dataset(id="imd2019_fixture", title="IMD fixture", publisher="MHCLG", licence="OGL v3.0",
                 url="https://www.gov.uk", file="imd2019_file1_cut.csv", reader="csv", table="values",
                 area_type="lsoa11", columns={"LSOA code (2011)": "area_code"})
    london11 = pd.Series({"E01000001": "E09000001", "E01004198": "E09000030", "E01004199": "E09000030",
                          "E01004200": "E09000030", "E01004201": "E09000030"})
    row = imd_lsoas(FIXTURES, ds, london11)
    assert row["status"] == "error" and row["rows"] == 5
    assert f"5 LSOAs where IMD 2019 ranks {IMD2019_LSOAS:,}: the file looks cut short" in row["note"]
    assert "E09000030: 1 of its 4 LSOAs are missing (E01004201)" in row["note"]


def test_negative_count_in_an_extract_names_its_line(demo, tmp_path):
    with pytest.raises(DataError, match="metric dash_emergency_admissions have negative values") as err:
        read_extract_fixture(demo, "extract_negative_count.csv", tmp_path)
    assert err.value.file == "extract_negative_count.csv" and err.value.column == "value"
    assert lines_of(err.value) == [5] and err.value.values == ["2024-04: -16"]
    assert "zero or more" in err.value.expected


def test_negative_count_in_the_store_values_names_its_line():
    path = FIXTURES / "values_negative_count.csv"
    t = read_csv(path, numeric=["count", "denominator", "value"])
    with pytest.raises(DataError, match="Column count of the values table has values outside") as err:
        validate("values", t, source=path.name)
    assert lines_of(err.value) == [4] and err.value.values == [-16.0] and "zero or more" in err.value.expected
    # with the count put right, the rate computed from it (-1.6 per 100) is still refused, on the same line
    t.loc[t["count"] < 0, "count"] = 16
    indicators = pd.DataFrame({"indicator_id": ["rate_a"], "value_type": ["crude_rate"], "multiplier": [100.0]})
    with pytest.raises(DataError, match="1 rows have values below zero") as err:
        validate("values", t, source=path.name, indicators=indicators)
    assert lines_of(err.value) == [4] and err.value.values == ["E09000025 2021: -1.6 (rate_a, a crude_rate)"]


def test_unknown_area_code_in_an_extract_is_listed_with_its_line(demo, tmp_path):
    with pytest.raises(DataError, match="not a local authority or locality of the data") as err:
        read_extract_fixture(demo, "extract_unknown_area.csv", tmp_path)
    assert err.value.column == "area_code" and err.value.values == ["X0900001"] and lines_of(err.value) == [3]


def test_unknown_area_code_in_a_census_file_is_listed_not_dropped():
    row = census_totals(FIXTURES, census_dataset("census_lsoa_unknown_code.csv", "lsoa21"),
                        census_dataset("census_ltla_ok.csv", "la"), TOTAL, LONDON_LSOA21.drop("E01035706"))
    assert row["status"] == "error"
    assert ("1 rows named after a London borough have codes that are not London LSOAs (E0104199; line 6 of "
            "census_lsoa_unknown_code.csv): they would be dropped") in row["note"]


def test_utf8_file_declared_latin1_is_refused_not_garbled():
    path = FIXTURES / "ward_names_utf8.csv"
    with pytest.raises(DataError, match="The file is UTF-8 text, not latin-1") as err:
        read_csv(path, encoding="latin-1")
    assert lines_of(err.value) == [4] and err.value.values == ["—"] and "encoding: utf-8-sig" in err.value.hint
    assert "which would read as 'â\\x80\\x94'" in err.value.problem  # the mojibake it would have published
    assert read_csv(path, encoding="utf-8-sig")["ward_name"].iloc[2] == "Bow East — Café Quarter"


def test_latin1_file_declared_utf8_names_the_line():
    path = FIXTURES / "ward_names_latin1.csv"
    with pytest.raises(DataError, match="not valid utf-8-sig text") as err:
        read_csv(path)
    assert lines_of(err.value) == [4] and "line 4" in err.value.problem
    assert "encoding: cp1252" in err.value.hint
    assert read_csv(path, encoding="latin-1")["ward_name"].iloc[2] == "Bow East - Café Quarter"


def test_percentages_on_a_0_1_scale_are_refused(demo, tmp_path):
    with pytest.raises(DataError, match="look like 0-1 fractions, not percentages") as err:
        read_extract_fixture(demo, "extract_fraction_scale.csv", tmp_path)
    assert lines_of(err.value) == [2, 3, 4, 5] and "0.5% or less" in str(err.value)
    assert "0-100 scale" in err.value.expected


def test_percentage_given_as_a_fraction_of_its_count_and_denominator_is_refused(demo, tmp_path):
    with pytest.raises(DataError, match="look like 0-1 fractions") as err:
        read_extract_fixture(demo, "extract_fraction_counts.csv", tmp_path)
    assert lines_of(err.value) == [3] and err.value.values == ["2024-02: 0.095"]


def test_percentage_of_250_is_refused(demo, tmp_path):
    with pytest.raises(DataError, match="metric dash_rtt_18_weeks have percentages above 100") as err:
        read_extract_fixture(demo, "extract_percent_250.csv", tmp_path)
    assert lines_of(err.value) == [4] and err.value.values == ["2024-03: 250"]
    assert err.value.expected == "a percentage from 0 to 100"


def test_extract_metric_not_in_priorities_is_an_error_naming_the_line(demo, tmp_path):
    with pytest.raises(DataError, match="not in .*priorities.yml, so the dashboard would ignore them") as err:
        read_extract_fixture(demo, "extract_unknown_metric.csv", tmp_path)
    assert err.value.file == "extract_unknown_metric.csv" and err.value.column == "indicator_id"
    assert lines_of(err.value) == [3] and err.value.values == ["dash_talking_therapy_recovery"]
    assert "did you mean 'dash_talking_therapies_recovery'?" in err.value.hint


def test_good_extract_passes_every_check(demo, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    pd.DataFrame({"indicator_id": "dash_rtt_18_weeks", "area_code": ["X09000001", "XL000002"], "area_type":
                  ["la", "locality"], "period": "2024-01", "value": [61.5, 0.5]}).to_csv(folder / "ok.csv", index=False)
    out = read_extracts(demo, folder)  # 0.5% for one locality is a value, not a scale: the other is 61.5%
    assert out["value"].tolist() == [61.5, 0.5]


def test_extracts_repeating_a_month_name_both_files_and_lines(demo, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    base = {"indicator_id": "dash_emergency_admissions", "area_code": "X09000001", "area_type": "la"}
    pd.DataFrame({**base, "period": ["2024-01", "2024-02"], "value": [1, 2]}).to_csv(folder / "a.csv", index=False)
    pd.DataFrame({**base, "period": ["2024-03", "2024-02"], "value": [3, 4]}).to_csv(folder / "b.csv", index=False)
    with pytest.raises(DataError, match="Two extracts give a value for the same metric") as err:
        read_extracts(demo, folder)
    assert err.value.values == ["a.csv line 3", "b.csv line 3"]


def test_a_six_month_gap_is_marked_said_and_not_drawn_across(demo_root, tmp_path, monkeypatch):
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(FIXTURES / "extract_gap.csv", folder / "gap.csv")
    monkeypatch.setenv(EXTRACTS_ENV, str(folder))
    dash = db.run_dashboard(open_store(demo_root))
    r = next(r for r in dash.results if r.metric.id == "dash_rough_sleepers_new")
    assert r.series["source"].iloc[0] == "analyst extract" and len(r.series) == 30
    assert r.gaps == [{"start": pd.Timestamp("2023-03-01"), "end": pd.Timestamp("2023-08-01"), "months": 6}]
    after = r.spc.index[r.spc["gap_before"]].tolist()
    assert len(after) == 1 and r.spc.loc[after[0], "date"] == pd.Timestamp("2023-09-01")
    assert "No figures for March 2023 to August 2023 (6 months)" in metric_narrative(r).text
    quiet = next(x for x in dash.results if x.metric.id == "dash_emergency_admissions")
    assert quiet.gaps == [] and not quiet.spc["gap_before"].any()
    assert "No figures" not in metric_narrative(quiet).text
    # the chart's data line has a break (a NaN point) at the gap, and only there
    line = spc_chart(r.spc).axes[0].lines[0]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(y).sum() == 1 and len(y) == len(r.spc) + 1
    assert pd.Timestamp(np.asarray(line.get_xdata())[int(np.flatnonzero(np.isnan(y))[0])]) == pd.Timestamp("2023-09-01")


@pytest.mark.parametrize("window", [-5, 0, 1, 2.5, "36", True])
def test_bad_window_months_is_a_config_error_before_anything_runs(window):
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"the store was used ({name}) before the parameters were checked")

    with pytest.raises(ConfigError, match="parameter 'window_months'") as err:
        db.run_dashboard(Untouchable(), window_months=window)
    assert "expected a whole number of months of 2 or more" in str(err.value) and repr(window) in str(err.value)


# ==============================================================================================================
# Item 8: wrong locations in errors
# ==============================================================================================================
def test_values_filtered_after_reading_name_the_file_line():
    """The rows of a Census LSOA file kept after filtering to London keep their file lines; a value check names
    line 7 (E01035706), not the third row of the filtered table."""
    path = FIXTURES / "census_ts054_lsoa_count_above.csv"
    t = read_csv(path, text=list(CENSUS_COLUMNS))
    t = t[t["geography code"].isin(LONDON_LSOA21.index)]
    frame = pd.DataFrame({"indicator_id": "social", "area_code": t["geography code"], "area_type": "lsoa21",
                          "period": "2021", "count": t[SOCIAL], "denominator": t[TOTAL], "value": np.nan})
    indicators = pd.DataFrame({"indicator_id": ["social"], "value_type": ["proportion"], "multiplier": [100.0]})
    with pytest.raises(DataError, match="count above the denominator") as err:
        validate("values", frame, source=path.name, indicators=indicators)
    assert lines_of(err.value) == [7] and err.value.values == ["E01035706: count 126 > denominator 62 (social)"]


def test_census_share_count_above_denominator_names_the_file_line():
    """As the real store does it: read, keep London, census_shares, validate."""
    path = FIXTURES / "census_ts054_lsoa_count_above.csv"
    ds = census_dataset(path.name, "lsoa21")
    t = read_csv(path, text=list(CENSUS_COLUMNS))
    t = t[t["geography code"].isin(LONDON_LSOA21.index)]
    ind = {"indicator_id": "census21_social_rented", "multiplier": 100, "numerator": [SOCIAL], "denominator": TOTAL}
    indicators = pd.DataFrame({"indicator_id": ["census21_social_rented"], "value_type": ["proportion"],
                               "multiplier": [100.0]})
    with pytest.raises(DataError, match="count above the denominator") as err:
        validate("values", census_shares(ind, ds, t), source=path.name, indicators=indicators)
    assert lines_of(err.value) == [7]


def test_encoding_error_names_the_line_of_the_first_bad_byte_in_a_big_file(tmp_path):
    path = tmp_path / "big.csv"
    lines = ["area_code,name,value"] + [f"E0100{i:04d},Area {i},{i}" for i in range(1, 30_000)]
    lines[21_870] = "E0121870,Caf\xe9 Quarter,21870"  # line 21,871 (the header is line 1)
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    assert path.stat().st_size > 700_000  # larger than the chunks pandas decodes at a time
    with pytest.raises(DataError) as err:
        read_csv(path)
    assert lines_of(err.value) == [21_871] and "on line 21871" in err.value.problem


def test_duplicate_key_lists_only_the_rows_of_the_key_it_shows():
    path = FIXTURES / "values_two_repeated_keys.csv"
    with pytest.raises(DataError, match="repeat a key: 2 share the key shown; 1 other key") as err:
        validate("values", read_csv(path), source=path.name)
    # key A is on lines 3 and 7 (line 6 is blank); key B, on lines 5 and 8, is not listed with it
    assert lines_of(err.value) == [3, 7] and "area_code='E09000012'" in err.value.values[0]


def test_rows_are_file_lines_across_blank_lines_and_values_spanning_lines(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text('code,note,value\nA,"one\nline more",1\n\nB,plain,x\n')
    with pytest.raises(DataError) as err:
        read_csv(path, numeric=["value"])
    assert lines_of(err.value) == [5] and err.value.values == ["x"]


# ==============================================================================================================
# The real open data: the published totals hold, and break when a file is damaged
# ==============================================================================================================
def _damaged_root(open_data_root: Path, tmp_path: Path, rel: str, text: str) -> Path:
    """A data root of links to the mirror's boundaries, Census and IMD files, with ``rel`` replaced by ``text``."""
    root = tmp_path / "root"
    for folder in ("boundaries/london", "population/census2021", "imd2019"):
        (root / folder).mkdir(parents=True)
        for f in (open_data_root / folder).iterdir():
            if f.is_file() and f"{folder}/{f.name}" != rel:
                (root / folder / f.name).symlink_to(f)
    (root / rel).write_text(text, encoding="utf-8")
    return root


def test_real_published_totals_hold(open_data_root):
    rows = check_published_totals(open_data_root, load_catalogue())
    assert len(rows) >= 8 and all(r["status"] == "ok" for r in rows), [r for r in rows if r["status"] != "ok"]


def test_real_census_lsoa_file_cut_in_half_fails_data_check(open_data_root, tmp_path):
    rel = "population/census2021/census2021-ts054-lsoa.csv"
    lines = (open_data_root / rel).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    root = _damaged_root(open_data_root, tmp_path, rel, "".join(lines[: len(lines) // 2]))
    rows = {r["item"]: r for r in check_published_totals(root, load_catalogue())}
    bad = rows["total:census21_ts054_lsoa"]
    assert bad["status"] == "error" and "London LSOAs are missing" in bad["note"], bad
    assert all(r["status"] == "ok" for k, r in rows.items() if k != "total:census21_ts054_lsoa")


def test_real_borough_total_published_blank_fails_data_check(open_data_root, tmp_path):
    rel = "population/census2021/census2021-ts054-ltla.csv"
    lines = (open_data_root / rel).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if ",E09000030," in text)
    cells = lines[line].split(",")
    cells[3] = ""  # Tenure of household: Total: All households
    lines[line] = ",".join(cells)
    root = _damaged_root(open_data_root, tmp_path, rel, "".join(lines))
    row = next(r for r in check_published_totals(root, load_catalogue()) if r["item"] == "total:census21_ts054_lsoa")
    assert row["status"] == "error"
    assert f"Tower Hamlets (E09000030) total blank on line {line + 1} of {rel}" in row["note"]
