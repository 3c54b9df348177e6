"""The period rules every published reader shares (``thanalysis.data.published.periods``), worked out by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.data.published import periods as p
from thanalysis.errors import DataError


def as_text(period) -> tuple[str, str, str]:
    label, start, end = period
    return label, f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"


@pytest.mark.parametrize("period, expected", [
    (p.calendar_year(2021), ("2021", "2021-01-01", "2021-12-31")),
    (p.financial_year(2024), ("2024/25", "2024-04-01", "2025-03-31")),
    (p.financial_year(1999), ("1999/00", "1999-04-01", "2000-03-31")),
    (p.academic_year(2023), ("2023/24", "2023-09-01", "2024-08-31")),
    (p.rolling_years(2022), ("2022 - 24", "2022-01-01", "2024-12-31")),
    (p.rolling_years(1998, 5), ("1998 - 02", "1998-01-01", "2002-12-31")),
    (p.snapshot("2025", 2025, 3, 31), ("2025", "2025-03-31", "2025-03-31")),
    (p.year_span("2020/21 - 24/25", 2020, 9, 60), ("2020/21 - 24/25", "2020-09-01", "2025-08-31")),
])
def test_one_period(period, expected):
    assert as_text(period) == expected


def test_year_label_and_span():
    assert p.year_label(2009) == "2009/10" and p.year_label(2099) == "2099/00"
    assert tuple(f"{d:%Y-%m-%d}" for d in p.span(2024, 2, 1)) == ("2024-02-01", "2024-02-29")  # leap year


def test_typed_periods_parses_each_label_once_and_keeps_the_index():
    calls = []

    def parse(label):
        calls.append(label)
        return p.calendar_year(int(label))

    labels = pd.Series(["2021", "2020", "2021", " 2021 "], index=[10, 11, 12, 13])
    out = p.typed_periods(labels, parse, file="f.csv", column="year", expected="a year")
    assert sorted(calls) == ["2020", "2021"]
    assert list(out.index) == [10, 11, 12, 13] and list(out.columns) == p.PERIOD_COLUMNS
    assert out["period"].tolist() == ["2021", "2020", "2021", "2021"]
    assert out["period_end"].dt.strftime("%Y-%m-%d").tolist()[1] == "2020-12-31"


def test_typed_periods_names_the_rows_it_cannot_type():
    labels = pd.Series(["2021", "twenty", "2020", "twenty"])  # index 0..3 = data rows 1..4
    with pytest.raises(DataError, match="Column year has periods this reader cannot type") as err:
        p.typed_periods(labels, lambda s: p.calendar_year(int(s)) if s.isdigit() else None, file="f.csv",
                        column="year", expected="a year such as 2021")
    assert (err.value.file, err.value.column, err.value.rows) == ("f.csv", "year", [2, 4])
    assert err.value.values == ["twenty"]


def test_financial_year_periods():
    out = p.financial_year_periods(pd.Series(["2022-23", "2023/24"]), file="f.csv", column="Financial year")
    assert out["period"].tolist() == ["2022/23", "2023/24"]
    assert out["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2022-04-01", "2023-04-01"]
    with pytest.raises(DataError, match="financial year") as err:
        p.financial_year_periods(pd.Series(["2022-23", "2022-24", "2022"]), file="f.csv", column="Financial year")
    assert err.value.rows == [2, 3]


def test_month_and_quarter_periods():
    starts = p.month_starts(pd.Series(["April 2021", "February 2024"]), "%B %Y", file="f.csv", column="date")
    out = p.month_periods(starts)
    assert out["period"].tolist() == ["2021-04", "2024-02"]
    assert out["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2021-04-30", "2024-02-29"]
    with pytest.raises(DataError, match="not dates") as err:
        p.month_starts(pd.Series(["April 2021", "Apr-21"]), "%B %Y", file="f.csv", column="date")
    assert err.value.rows == [2]
    q = p.quarter_periods(pd.Series(["2025-12", "2019-03"]), file="f.csv", column="quarter_end")
    assert q["period"].tolist() == ["2025 Q4", "2019 Q1"]
    assert q["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2025-10-01", "2019-01-01"]
    with pytest.raises(DataError, match="calendar quarter") as err:
        p.quarter_periods(pd.Series(["2025-12", "2025-11"]), file="f.csv", column="quarter_end")
    assert err.value.rows == [2]


def test_data_rows_with_a_mask():
    assert p.data_rows(pd.Index([4, 0, 7])) == [1, 5, 8]
    assert p.data_rows(pd.Index([4, 0, 7]), [True, False, True]) == [5, 8]
