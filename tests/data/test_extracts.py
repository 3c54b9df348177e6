"""Analyst and published extracts: read and checked, and a metric's values found through the store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thanalysis.data.extracts import (
    EXTRACTS_ENV,
    ae_attendances_values,
    load_extract_sources,
    metric_values,
    read_extract,
)
from thanalysis.data.open import open_store
from thanalysis.errors import ConfigError, DataError
from thanalysis.priorities import load_priorities


def test_ae_reader_by_hand():
    raw = pd.DataFrame({"period": ["2019-01-01", "2019-02-01", "2019-01-01"], "org_code": ["R1H", "R1H", "RF4"],
                        "type": ["1", "1", "1"], "attendances": [1000, 800, 5], "breaches": [100, 200, 1],
                        "admissions": [1, 1, 1]})
    out = ae_attendances_values(raw, org_code="R1H", department_type="1",
                                metrics={"a": "attendances", "p": "four_hour_performance"})
    p = out[out["indicator_id"] == "p"]
    assert p["value"].tolist() == [0.9, 0.75] and p["count"].tolist() == [900, 600]
    assert (p["lower_ci_95"] < p["value"]).all() and (p["upper_ci_95"] > p["value"]).all()
    assert out.loc[out["indicator_id"] == "a", "value"].tolist() == [1000, 800]
    bad = raw.assign(breaches=[2000, 1, 1])
    with pytest.raises(DataError):
        ae_attendances_values(bad, org_code="R1H", department_type="1", metrics={"a": "attendances"})


def test_extract_sources_in_sources_yml_and_bad_entries(tmp_path):
    sources = load_extract_sources()
    ae = next(s for s in sources if "ae_4hr_performance_r1h" in s.metrics)
    assert ae.alternates and not ae.file.startswith("/")
    bad = tmp_path / "s.yml"
    bad.write_text("extracts:\n  - {id: x, title: t, publisher: p, licence: l, url: u, file: /abs.csv, "
                   "reader: nhs_ae_attendances, metrics: {m: attendances}}\n")
    with pytest.raises(ConfigError, match="relative to the data root"):
        load_extract_sources(bad)
    bad.write_text("extracts:\n  - {id: x, title: t, publisher: p, licence: l, url: u, file: a.csv, "
                   "reader: excel, metrics: {m: attendances}}\n")
    with pytest.raises(ConfigError, match="reader"):
        load_extract_sources(bad)


def test_bad_extract_is_a_data_error(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"indicator_id": ["m"], "area_code": ["X"], "area_type": ["la"], "period": ["2024-13"],
                  "value": [1.0]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="not months"):
        read_extract(path)
    path.write_text("indicator_id,area_code,area_type,period,value\nm,X,la,2024-01,1\n\nm,X,la,2024-1,2\n")
    with pytest.raises(DataError, match="not months") as err:
        read_extract(path)
    assert err.value.lines == [4] and err.value.values == ["2024-1"]  # line 3 is blank
    path.write_text("indicator_id,area_code,area_type,period,value\nm,X,la,2024-01,1\nm,X,la,2024-02,many\n")
    with pytest.raises(DataError, match="not numbers") as err:
        read_extract(path)
    assert err.value.column == "value" and err.value.lines == [3]
    pd.DataFrame({"indicator_id": ["m"], "area_code": ["X"], "period": ["2024-01"]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="missing required columns"):
        read_extract(path)


def test_metric_values_first_place_wins_and_files_are_read_once(demo_root, tmp_path, monkeypatch):
    priorities = load_priorities()
    metric = priorities.metric("dash_talking_therapies_recovery")
    folder = tmp_path / "extracts"
    folder.mkdir()
    pd.DataFrame({"indicator_id": metric.id, "area_code": "X09000001", "area_type": "la",
                  "period": ["2024-01", "2024-02"], "value": [50.0, 51.0]}).to_csv(folder / "a.csv", index=False)
    monkeypatch.setenv(EXTRACTS_ENV, str(folder))
    store = open_store(demo_root)
    found = metric_values(store, metric, "X09000001")
    assert found.source == "analyst extract" and found.multiplier == 100.0 and found.trust_name is None
    assert found.rows["value"].tolist() == [50.0, 51.0]
    (folder / "a.csv").unlink()  # read once per store: the cached table still answers
    assert metric_values(store, metric, "X09000001").source == "analyst extract"
    from_store = metric_values(store, metric, "XL000001")
    assert from_store.source == "demo" and len(from_store.rows) and from_store.multiplier == 100.0
    assert metric_values(store, priorities.metric("ae_4hr_performance_r1h"), "X09000001") is None


def test_published_extract_stands_in_for_the_boroughs_it_serves(open_data_root):
    store = open_store(open_data_root)
    metric = load_priorities().metric("ae_4hr_performance_r1h")
    found = metric_values(store, metric, "E09000030")
    assert found.source != "analyst extract" and found.multiplier == 1.0 and found.trust_name
    assert (found.rows["area_code"] == "R1H").all() and np.all(found.rows["value"].between(0, 1))
    assert metric_values(store, metric, "E09000001") is None  # not served by the trust
