"""The demo as a store (``thanalysis.data.demo.store``): its files pass the canonical schemas and read back."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thanalysis.data.demo.store import DemoStore
from thanalysis.data.open import open_store
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TABLES = ["areas", "lookups", "indicators", "values", "population", "flows"]


# --- the store and the schemas ----------------------------------------------------------------------------------
def test_store_identity(store, demo_root):
    assert store.kind == "demo"
    assert "synthetic demonstration data" in store.data_statement
    assert store.home_area_code == "X09000001"
    assert isinstance(open_store(demo_root), DemoStore)


@pytest.mark.parametrize("table", TABLES)
def test_files_pass_the_canonical_schemas(demo_root, table):
    raw = pd.read_csv(demo_root / f"{table}.csv", dtype=str, keep_default_na=False)
    numeric = {"lookups": ["weight"], "indicators": ["multiplier", "lag_months"], "population": ["population"],
               "flows": ["count"],
               "values": ["count", "denominator", "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8",
                          "upper_ci_99_8"]}.get(table, [])
    for col in numeric:
        raw[col] = pd.to_numeric(raw[col].replace("", np.nan))
    assert list(raw.columns) == CANONICAL_COLUMNS[table]
    checked = validate(table, raw, source=f"{table}.csv")
    assert len(checked) == len(raw)


def test_store_tables_and_sources(store):
    for table in TABLES:
        df = getattr(store, table)()
        assert list(df.columns) == CANONICAL_COLUMNS[table]
        assert len(df)
    used = {s.path for s in store.sources_used()}
    assert {f"{t}.csv" for t in TABLES} <= used
    assert all(not Path(p).is_absolute() for p in used)


def test_indicators_carry_their_data_currency(store):
    ind = store.indicators().set_index("indicator_id")
    assert (ind["published"] == pd.Timestamp("2025-05-15")).all()
    first_word = ind["frequency"].str.split(" ").str[0]
    lags = ind.groupby(first_word)["lag_months"].agg(set).to_dict()
    assert lags == {"monthly": {3.0}, "quarterly": {6.0}, "annual": {24.0}, "biennial": {36.0}}


def test_values_filter_and_unknown_indicator(store):
    assert set(store.values(["employment_rate"])["indicator_id"]) == {"employment_rate"}
    with pytest.raises(DataError, match="no indicator"):
        store.values(["not_an_indicator"])


def test_tables_are_read_once_per_store(demo_root):
    fresh = DemoStore(demo_root)
    first = fresh.values()
    assert fresh.values() is not first  # callers get a copy they may change ...
    first.loc[:, "value"] = -1.0
    assert (fresh.values()["value"] != -1.0).any()  # ... without changing the store's table
    assert len(fresh.sources_used()) == 2  # indicators.csv (to check the values) and values.csv, each read once


def test_geometries_within_an_area(store):
    wards = store.geometries("ward22", within="XL000001")
    assert len(wards) == 5
    assert list(store.geometries("locality", within="XL000001")["area_code"]) == ["XL000001"]
    with pytest.raises(DataError, match="no pcn shapes"):
        store.geometries("pcn")
