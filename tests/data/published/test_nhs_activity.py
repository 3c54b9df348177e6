"""NHS England monthly activity (``thanalysis.data.published.nhs_activity``): the A&E SitRep by provider 2020-2023 and
the Monthly Activity Return by commissioner 2008-2013, on the mirror (values quoted in its SOURCE.md, agreement with
the trust series) and on hand-written fixtures in its format (two header layouts, PCT and SHA rows, bad input naming
the row)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit, fixture_root
from thanalysis.data.published import nhs_activity as act
from thanalysis.data.published import nhs_trusts
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

ENGLAND = "E92000001"
ENGLAND_ELECTIVE_APRIL_2010 = 557287  # " \t557,287 " in April2010.csv


def one(values: pd.DataFrame, indicator: str, area: str, period: str, category: str = "") -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area)
                  & (values["period"] == period) & (values["category"] == category)]
    assert len(rows) == 1, (indicator, area, period, len(rows))
    return rows.iloc[0]


@pytest.fixture(scope="module")
def real(open_data_root):
    return act.read(open_data_root)


@pytest.mark.real
def test_real_examples_of_source_md(real):
    v = real.values
    # April2020.csv: R1H 11732 + 333 + 4181 attendances, 2372 + 0 + 14 over four hours.
    r = one(v, "nhse_sitrep_ae_attendances", "R1H", "2020-04")
    assert r["value"] == 11732 + 333 + 4181 and r["area_type"] == "trust"
    four = one(v, "nhse_sitrep_ae_4hr", "R1H", "2020-04")
    assert (four["count"], four["denominator"]) == (16246 - 2386, 16246)
    assert four["value"] == pytest.approx(100 * (1 - 2386 / 16246))
    assert one(v, "nhse_sitrep_ae_attendances", "R1H", "2020-04", "Type 1")["value"] == 11732
    # April2021.csv: booked appointments (all 0 at Barts) are attendances too.
    assert one(v, "nhse_sitrep_ae_attendances", "R1H", "2021-04")["value"] == 21740 + 979 + 14713
    assert one(v, "nhse_sitrep_emergency_admissions", "R1H", "2021-04")["value"] == 7625 + 0 + 0 + 1723
    periods = sorted(v.loc[v["indicator_id"] == "nhse_sitrep_ae_4hr", "period"].unique())
    assert (periods[0], periods[-1], len(periods)) == ("2020-01", "2023-01", 37)
    mar = v[(v["area_code"] == "5C4") & (v["indicator_id"] == "nhse_mar_elective_admissions")]
    assert mar["area_type"].eq("pct").all() and len(mar) == 48  # April 2008 to March 2012 (then SHAs only)
    assert one(v, "nhse_mar_elective_admissions", "5C4", "2010-04")["value"] == 1541
    assert (v.loc[v["indicator_id"].str.startswith("nhse_mar_") & (v["area_type"] == "country"), "period"]
            .nunique()) == 60


@pytest.mark.real
def test_real_sitrep_agrees_with_the_trust_series(real, open_data_root):
    trust = nhs_trusts.read(open_data_root).values
    for mine, theirs in (("nhse_sitrep_ae_attendances", "nhse_ae_attendances"), ("nhse_sitrep_ae_4hr", "nhse_ae_4hr")):
        a = real.values[(real.values["indicator_id"] == mine) & (real.values["area_code"] == "R1H")
                        & (real.values["category_type"] == "")].set_index("period")["value"]
        b = trust[(trust["indicator_id"] == theirs) & (trust["area_code"] == "R1H")].set_index("period")["value"]
        both = pd.concat([a, b], axis=1, join="inner").loc["2021-04":"2022-07"]
        assert len(both) == 16
        np.testing.assert_allclose(both.iloc[:, 0], both.iloc[:, 1], rtol=1e-12)


def test_fixture_reads_both_series(tmp_path):
    series = act.read(fixture_root(tmp_path, act.FOLDER))
    v = series.values
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    assert one(v, "nhse_sitrep_ae_attendances", "R1H", "2020-01", "Other A&E department")["count"] > 0
    england = one(v, "nhse_sitrep_ae_attendances", ENGLAND, "2020-01")
    assert england["area_type"] == "country" and "TOTAL" in england["value_note"]
    # April 2010: England and Tower Hamlets PCT; the London SHA row is no canonical area.
    mar = v[v["indicator_id"] == "nhse_mar_elective_admissions"]
    assert set(zip(mar["area_code"], mar["period"])) == {(ENGLAND, "2010-04"), ("5C4", "2010-04"), ("5A8", "2010-04"),
                                                         (ENGLAND, "2012-04")}
    assert one(v, "nhse_mar_elective_admissions", ENGLAND, "2010-04")["value"] == ENGLAND_ELECTIVE_APRIL_2010
    assert one(v, "nhse_mar_elective_admissions", "5C4", "2010-04")["value"] == 1553  # " \t1,553 " in the file
    pd.testing.assert_frame_equal(series.indicators, act.indicators())


def test_a_dash_is_missing_with_its_reason_and_text_is_refused(tmp_path):
    root = fixture_root(tmp_path, act.FOLDER)
    rel = f"{act.MAR}/April2010.csv"
    edit(root / rel, '" \t1,553 "', "-")  # Tower Hamlets PCT's elective admissions
    r = one(act.read(root).values, "nhse_mar_elective_admissions", "5C4", "2010-04")
    assert np.isnan(r["value"]) and r["value_note"] == "shown as '-' in the table"
    edit(root / rel, ",-,", ",n/a,")
    with pytest.raises(DataError, match="neither numbers nor known suppression markers") as err:
        act.read(root)
    # Data rows under the header line: England, a blank line, London SHA, a blank line, Greenwich, Tower Hamlets.
    assert (err.value.file, err.value.rows) == (rel, [6])


def test_a_file_of_another_month_is_refused(tmp_path):
    root = fixture_root(tmp_path, act.FOLDER)
    edit(root / f"{act.AE}/January2020.csv", "MSitAE-JANUARY-2020", "MSitAE-FEBRUARY-2020", count=10)
    with pytest.raises(DataError, match="not the month of its name") as err:
        act.read(root)
    assert err.value.file == f"{act.AE}/January2020.csv"
