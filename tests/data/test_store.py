"""What a store records of the data a report used: for each indicator ``values()`` served, its latest period (label
and end), name, publisher and expected lag (the table's ``lag_months``, else the default of its frequency); on the
demo and on the real data too. And a published series is read once per process (a reused kernel's next report has
a new store), yet recorded for provenance in every store."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from thanalysis.data import real_published
from thanalysis.data.open import open_store
from thanalysis.data.store import DataPeriod, Store
from thanalysis.vocabulary import CANONICAL_COLUMNS


def _values(rows) -> pd.DataFrame:
    """Values rows from (indicator_id, period, period_end or None)."""
    df = pd.DataFrame([{"indicator_id": i, "area_code": "E09000030", "area_type": "la", "period": p,
                        "period_end": pd.Timestamp(e) if e else pd.NaT, "value": 1.0} for i, p, e in rows])
    return df.reindex(columns=CANONICAL_COLUMNS["values"])


VALUES = _values([
    ("monthly", "2025-01", "2025-01-31"), ("monthly", "2025-03", "2025-03-31"), ("monthly", "2025-02", "2025-02-28"),
    ("quarterly", "2024 Q4", "2024-12-31"), ("quarterly", "2025 Q1", "2025-03-31"),
    ("imd", "2015", None), ("imd", "2019", None),
    ("unlisted", "2020", "2020-12-31"),
])
INDICATORS = pd.DataFrame({
    "indicator_id": ["monthly", "quarterly", "imd"], "name": ["A monthly rate", "A quarterly count", "IMD score"],
    "source": ["Publisher M", "Publisher Q", "Publisher I"], "frequency": ["monthly", "quarterly", "irregular"],
    "lag_months": [None, 9, 60]})


class TinyStore(Store):
    """A store of the rows above (no files); counts how often ``values`` really ran."""

    calls = 0

    data_statement = "Made-up rows for a test."
    home_area_code = "E09000030"

    def areas(self):
        return pd.DataFrame(columns=CANONICAL_COLUMNS["areas"])

    lookups = population = flows = areas

    def geometries(self, area_type, within=None):
        raise NotImplementedError

    def indicators(self):
        return INDICATORS

    def values(self, indicator_ids=None):
        type(self).calls += 1
        return VALUES if indicator_ids is None else VALUES[VALUES["indicator_id"].isin(indicator_ids)]


def test_the_store_records_each_indicators_latest_period_with_what_says_if_it_is_current():
    store = TinyStore(root=Path("."))
    assert store.periods_used() == []
    store.values(["monthly"])
    assert store.periods_used() == [DataPeriod("monthly", "A monthly rate", "Publisher M", "2025-03", "2025-03-31",
                                               "monthly", 3)]  # no lag in the table: the monthly default
    store.values(["quarterly", "imd", "unlisted"])
    used = {p.indicator_id: p for p in store.periods_used()}
    assert list(used) == ["imd", "monthly", "quarterly", "unlisted"]
    assert (used["quarterly"].period, used["quarterly"].period_end, used["quarterly"].lag_months) == \
        ("2025 Q1", "2025-03-31", 9)  # the table's own lag
    assert (used["imd"].period, used["imd"].period_end, used["imd"].lag_months) == ("2019", None, 60)
    # an indicator missing from the indicators table keeps its id as its name and has no lag
    assert used["unlisted"] == DataPeriod("unlisted", "unlisted", "", "2020", "2020-12-31", "", None)


def test_the_recording_changes_nothing_served_and_asks_once_per_request():
    store = TinyStore(root=Path("."))
    before = TinyStore.calls
    served = store.values(["monthly", "imd"])
    pd.testing.assert_frame_equal(served, VALUES[VALUES["indicator_id"].isin(["monthly", "imd"])])
    store.values(["monthly", "imd"])
    assert TinyStore.calls - before == 2  # values ran each time (the store's own caching is its own business)
    assert [p.indicator_id for p in store.periods_used()] == ["imd", "monthly"]
    assert [p.indicator_id for p in TinyStore(root=Path(".")).periods_used()] == []  # one record per store


def _latest(values: pd.DataFrame, indicator_id: str) -> tuple[str, str]:
    rows = values[values["indicator_id"] == indicator_id]
    at = pd.to_datetime(rows["period_end"]).idxmax()
    return str(rows.at[at, "period"]), pd.Timestamp(rows.at[at, "period_end"]).date().isoformat()


def test_the_demo_store_records_what_it_served(demo_root):
    store = open_store(demo_root)
    ids = list(store.indicators()["indicator_id"][:3])
    values = store.values(ids)
    used = {p.indicator_id: p for p in store.periods_used()}
    assert sorted(used) == sorted(ids)
    table = store.indicators().set_index("indicator_id")
    for ind in ids:
        assert (used[ind].period, used[ind].period_end) == _latest(values, ind)
        assert used[ind].lag_months == int(table.at[ind, "lag_months"])


def test_the_real_store_records_what_it_served(open_data_root):
    store = open_store(open_data_root)
    values = store.values(["hclic_ta_per_1000", "census21_aged_65_plus"])
    used = {p.indicator_id: p for p in store.periods_used()}
    assert (used["hclic_ta_per_1000"].period, used["hclic_ta_per_1000"].period_end) == \
        _latest(values, "hclic_ta_per_1000")
    assert used["hclic_ta_per_1000"].frequency == "quarterly" and used["hclic_ta_per_1000"].lag_months == 6
    # the census is decennial: its indicators table gives it a long lag, which the record keeps
    assert used["census21_aged_65_plus"].lag_months > 24
    assert "Office for National Statistics" in used["census21_aged_65_plus"].source


def test_a_published_series_is_read_once_per_process_and_recorded_in_every_store(open_data_root, monkeypatch):
    reads: list[str] = []
    real_module = real_published.module

    def counting(name):
        found = real_module(name)

        class Counted:
            def __getattr__(self, attr):
                return getattr(found, attr)

            def read(self, root):
                reads.append(name)
                return found.read(root)

        return Counted()

    monkeypatch.setattr(real_published, "module", counting)
    monkeypatch.setattr(real_published, "_READ", {})
    first, second = open_store(open_data_root), open_store(open_data_root)
    pd.testing.assert_frame_equal(first.values(["dfe_cla_rate"]), second.values(["dfe_cla_rate"]))
    assert reads == ["children"]  # the next report's store (a reused kernel) does not read it again
    files = [s.path for s in first.sources_used()]
    assert [s.path for s in second.sources_used()] == files and any(f.startswith("children/") for f in files)
    assert [p.period for p in first.periods_used()] == [p.period for p in second.periods_used()]

    # a file that changed since (here: its recorded version made stale) is read again
    key = next(iter(real_published._READ))
    versions, series = real_published._READ[key]
    real_published._READ[key] = (tuple((rel, 0, size) for rel, _, size in versions), series)
    open_store(open_data_root).values(["dfe_cla_rate"])
    assert reads == ["children", "children"]
