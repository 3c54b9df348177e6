"""Tests for thanalysis.data.flows: a user's flows CSV and the check of a flows table."""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.data.flows import flow_counts, read_flows_csv
from thanalysis.errors import DataError


def test_user_flows_csv_is_validated(tmp_path):
    good = tmp_path / "flows.csv"
    pd.DataFrame({"origin_code": ["E09000030"], "origin_type": ["la"], "destination_code": ["E09000025"],
                  "destination_type": ["la"], "period": ["2023"], "count": [12.0]}).to_csv(good, index=False)
    flows = read_flows_csv(good)
    assert len(flows) == 1 and flows["count"].iloc[0] == 12.0 and flows["period"].iloc[0] == "2023"
    with pytest.raises(DataError, match="not found"):
        read_flows_csv(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"origin_code": ["E09000030"], "count": [12.0]}).to_csv(bad, index=False)
    with pytest.raises(DataError):
        read_flows_csv(bad)


def test_flow_counts_checks_columns_and_counts():
    f = pd.DataFrame({"a": ["x", "y", "z"], "b": ["y", "y", "x"], "n": ["1", "2.5", "0"], "other": 1})
    out = flow_counts(f, "a", "b", "n")
    assert list(out.columns) == ["a", "b", "n"] and out["n"].tolist() == [1.0, 2.5, 0.0]
    with pytest.raises(DataError, match="The chart's table is missing a column") as err:
        flow_counts(f, "a", "c", "n", table="chart's table")
    assert "column: c" in str(err.value)
    with pytest.raises(DataError) as err:
        flow_counts(f.assign(n=["1", "-2", "many"]), "a", "b", "n")
    assert "rows: 2, 3" in str(err.value)
