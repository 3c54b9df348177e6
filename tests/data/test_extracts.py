"""Analyst and published extracts: read and checked, and a metric's values found through the store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thanalysis.data.extracts import (
    EXTRACTS_ENV,
    extract_sources,
    load_extract_sources,
    metric_values,
    read_extract,
    read_extract_source,
)
from thanalysis.data.open import open_store
from thanalysis.errors import ConfigError, DataError
from thanalysis.priorities import load_priorities


def test_extract_sources_in_sources_yml_and_bad_entries(tmp_path):
    sources = load_extract_sources()
    ae = next(s for s in sources if "ae_4hr_performance_r1h" in s.metrics)
    assert ae.reader == "published" and ae.options["area_code"] == "R1H"
    assert ae.metrics == {"ae_attendances_r1h": "nhse_ae_attendances", "ae_4hr_performance_r1h": "nhse_ae_4hr"}
    for src in sources:  # every trust series is compared with the other acute trusts of the area and England
        assert list(src.comparators) == ["RQX", "RF4", "E92000001"] and src.comparators["E92000001"] == "England"
    # Every input lies inside the data root: no path of any extract leaves it.
    for src in sources:
        for rel in src.candidates():
            assert not rel.startswith("/") and ".." not in rel.split("/"), rel
    bad = tmp_path / "s.yml"
    entry = "{id: x, title: t, publisher: p, licence: l, url: u, file: %s, reader: %s, options: %s, metrics: %s}"
    for values, message in ((("/abs.csv", "published", "{area_code: R1H}", "{m: i}"), "relative to the data root"),
                            (("a.csv", "excel", "{area_code: R1H}", "{m: i}"), "reader"),
                            (("a.csv", "published", "{org_name: X}", "{m: i}"), "area_code"),
                            (("a.csv", "published", "{area_code: R1H}", "[m]"), "'metrics' must map"),
                            (("a.csv", "published", "{area_code: R1H, compare: [RQX]}", "{m: i}"), "options.compare"),
                            (("a.csv", "published", "{area_code: R1H, compare: {RQX: ''}}", "{m: i}"),
                             "options.compare")):
        bad.write_text("extracts:\n  - " + entry % values + "\n")
        with pytest.raises(ConfigError, match=message):
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
    # a trust metric: the demo's fictional trust, through the demo's own extract entries (its marker file)
    trust = metric_values(store, priorities.metric("ae_4hr_performance_r1h"), "X09000001")
    assert trust.source == "demo_nhse_trust_ae_r1h" and trust.trust_name == "Riverside Hospitals NHS Trust (synthetic)"
    assert set(trust.rows["area_type"]) == {"trust"} and trust.multiplier == 100.0
    assert metric_values(store, priorities.metric("ae_4hr_performance_r1h"), "XL000001") is None  # not served


def test_published_extract_stands_in_for_the_boroughs_it_serves(open_data_root):
    store = open_store(open_data_root)
    metric = load_priorities().metric("ae_4hr_performance_r1h")
    found = metric_values(store, metric, "E09000030")
    assert found.source == "nhse_trust_ae_r1h" and found.multiplier == 100.0
    assert found.trust_name == "Barts Health NHS Trust"
    rows = found.rows
    assert (rows["area_code"] == "R1H").all() and (rows["area_type"] == "trust").all()
    assert np.all(rows["value"].between(0, 100)) and rows["period"].is_unique
    assert rows["period"].min() == "2021-04" and rows["period"].max() >= "2025-07"  # monthly 2021-2025
    # April 2021 as in the trust file: 37,432 attendances, 5,436 over four hours.
    april = rows[rows["period"] == "2021-04"].iloc[0]
    assert (april["count"], april["denominator"]) == (37432 - 5436, 37432)
    assert april["value"] == pytest.approx(100 * (1 - 5436 / 37432))
    count = metric_values(store, load_priorities().metric("ae_attendances_r1h"), "E09000030")
    assert count.multiplier == 1.0 and count.rows.loc[count.rows["period"] == "2021-04", "value"].item() == 37432
    assert metric_values(store, metric, "E09000001") is None  # not served by the trust
    # the comparators come with it, in the order data/sources.yml names them, each with its name
    assert found.indicator_id == "nhse_ae_4hr"
    others = found.comparators
    assert list(others["area_code"].drop_duplicates()) == ["RQX", "RF4", "E92000001"]
    assert others.groupby("area_code")["area_name"].first().to_dict() == {
        "RQX": "Homerton Healthcare (RQX)", "RF4": "Barking, Havering and Redbridge (BHRUT, RF4)",
        "E92000001": "England"}
    assert others["period"].max() == rows["period"].max() and (others["indicator_id"] == metric.id).all()
    # Read through the store: the trust files are recorded, and every recorded file lies inside the data root.
    paths = [s.path for s in store.sources_used()]
    assert "nhs/trust_monthly_2019_2025/england_trust_accidents_emergency.csv" in paths
    assert not any(p.startswith(("/", "..")) for p in paths) and all((open_data_root / p).is_file() for p in paths)


def test_published_extract_without_its_file_gives_nothing(demo_root):
    store = open_store(demo_root)
    src = next(s for s in load_extract_sources() if "ae_4hr_performance_r1h" in s.metrics)
    assert read_extract_source(store, src) is None


def test_extract_sources_are_the_demos_own_first_then_sources_yml(demo_root, open_data_root):
    listed = [s.id for s in load_extract_sources()]
    demo = [s.id for s in extract_sources(open_store(demo_root))]
    assert demo[len(demo) - len(listed):] == listed and len(demo) > len(listed)
    assert all(i.startswith("demo_") for i in demo[:len(demo) - len(listed)])
    assert [s.id for s in extract_sources(open_store(open_data_root))] == listed  # the real store: sources.yml only
