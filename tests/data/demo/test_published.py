"""The demo's published-style series (``thanalysis.data.demo.published`` and ``.trusts``): every metric of the
priorities file has data on the demo, through the path it takes on the real data, in the shape the real readers
give (ids, metadata, period labels, sexes, suppression, area type ``trust``), and the planted out-of-date series
are out of date.

Checks compare the demo's tables with the priorities file, the real readers' own tables and period functions, and
rules written out here; never with numbers copied from a run.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from thanalysis.data.demo.common import HOME_CODE
from thanalysis.data.demo.published import READERS, periods
from thanalysis.data.extracts import extract_sources, load_extract_sources, metric_values
from thanalysis.data.published import homelessness
from thanalysis.data.published.periods import financial_year, quarter_periods, rolling_years
from thanalysis.priorities import load_priorities
from thanalysis.stats.spc import spc

LA_LEVEL = {HOME_CODE, *(f"X0900000{i}" for i in range(2, 9)), "X12000001", "X92000001"}


@pytest.fixture(scope="module")
def priorities():
    return load_priorities()


@pytest.fixture(scope="module")
def published(values, meta):
    return values[values["indicator_id"].isin(meta["published_indicator_ids"])]


# --- which series ---------------------------------------------------------------------------------------------
def test_every_metric_of_the_priorities_has_data_for_the_borough(store, priorities):
    """The point of it all: every metric (dashboard extracts, published series, trust series) has rows for the
    demo borough, found the way the dashboard finds them."""
    missing = [m.id for m in priorities.metrics if metric_values(store, m, HOME_CODE) is None]
    assert not missing


def test_every_published_indicator_of_the_priorities_is_generated(meta, priorities, published):
    wanted = {m.indicator_id for m in priorities.metrics if m.indicator_id and not m.id.startswith("dash_")}
    assert set(meta["published_indicator_ids"]) == wanted
    for indicator_id, rows in published.groupby("indicator_id"):
        assert set(rows["area_code"]) == LA_LEVEL, indicator_id
        assert set(rows.loc[rows["area_code"] == "X92000001", "area_type"]) == {"country"}


def test_metadata_is_the_real_readers(store, meta):
    ind = store.indicators().set_index("indicator_id")
    real = pd.concat([r.indicators() for r in READERS]).set_index("indicator_id")
    known = [i for i in meta["published_indicator_ids"] + meta["trust_series_ids"] if i in real.index]
    assert len(known) >= 20  # all but the LAIT measure and the two core Fingertips ids
    cols = ["name", "value_type", "multiplier", "unit", "polarity", "frequency"]
    pd.testing.assert_frame_equal(ind.loc[known, cols], real.loc[known, cols], check_names=False)


def test_metadata_of_a_series_no_reader_lists_is_its_metrics(store, priorities):
    neet = store.indicators().set_index("indicator_id").loc["lait_16_17_neet"]
    metric = next(m for m in priorities.metrics if m.indicator_id == "lait_16_17_neet")
    assert (neet["value_type"], neet["multiplier"], neet["unit"]) == ("proportion", 100.0, "%")
    assert (neet["name"], neet["polarity"], neet["frequency"]) == (metric.title, metric.polarity, "annual")


# --- periods, sexes, values -----------------------------------------------------------------------------------
def test_periods_are_typed_as_the_readers_type_them(values):
    def rows(i):
        return values[(values["indicator_id"] == i) & (values["area_code"] == HOME_CODE)].drop_duplicates("period")

    le = rows("90366")
    assert le["period"].str.fullmatch(r"\d{4} - \d{2}").all()
    for r in le.itertuples():
        assert (r.period, r.period_start, r.period_end) == rolling_years(int(r.period[:4]))
    for r in rows("oflog_asc_short_term_outcome").itertuples():
        assert (r.period, r.period_start, r.period_end) == financial_year(int(r.period[:4]))
    carers = rows("oflog_asc_carer_qol")["period"].str[:4].astype(int)
    assert (carers.diff().dropna() == 2).all()  # biennial
    cla = rows("dfe_cla_rate")  # children looked after at 31 March: start = end
    assert (cla["period_start"] == cla["period_end"]).all()
    assert (cla["period_end"].dt.strftime("%m-%d") == "03-31").all()
    for indicator_id, snapshot in (("hclic_duty_owed_per_1000", False), ("hclic_ta_per_1000", True)):
        q = rows(indicator_id)
        assert q["period"].str.fullmatch(r"\d{4} Q[1-4]").all()
        last_month = q["period"].str[:4] + "-" + (3 * q["period"].str[-1].astype(int)).map("{:02d}".format)
        typed = quarter_periods(last_month, file="test", column="quarter_end")
        assert (typed["period"] == q["period"]).all() and (typed["period_end"] == q["period_end"]).all()
        assert (q["period_start"] == (q["period_end"] if snapshot else typed["period_start"])).all()
        assert len(q) >= 24  # six years of quarters and more: enough for an SPC chart


def test_sex_specific_metrics_have_each_sex_and_no_persons(published, priorities):
    by_sex = [m for m in priorities.metrics if m.indicator_id and m.sexes != ("Persons",)]
    assert len(by_sex) >= 3
    for m in by_sex:
        rows = published[published["indicator_id"] == m.indicator_id]
        assert set(rows["sex"]) == set(m.sexes), m.id
        assert (rows.groupby(["area_code", "period"])["sex"].nunique() == len(m.sexes)).all(), m.id
    le = published[(published["indicator_id"] == "90366") & (published["area_code"] == HOME_CODE)]
    sexes = le.pivot(index="period", columns="sex", values="value")
    assert (sexes["Female"] > sexes["Male"]).all() and sexes.stack().between(70, 90).all()


def test_annual_series_have_values_only_on_their_readers_scales(store, published, meta):
    ind = store.indicators().set_index("indicator_id")
    annual = published[~published["period"].str.contains("Q")]
    cols = ["count", "denominator", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]
    assert annual[cols].isna().all().all() and annual["value"].notna().all()
    props = annual[annual["indicator_id"].map(ind["value_type"]) == "proportion"]
    assert set(props["indicator_id"].map(ind["multiplier"])) == {100.0}
    assert props["value"].between(0, 100).all() and (props["value"] > 1).any()


def test_quarterly_rates_with_counts_limits_and_suppressed_quarters(published, meta):
    q = published[published["period"].str.contains("Q")]
    assert set(q["indicator_id"]) == {"hclic_duty_owed_per_1000", "hclic_ta_per_1000"}
    gone = q["value"].isna()
    listed = {(s["indicator_id"], s["area_code"], s["period"]) for s in meta["suppressed"]}
    assert set(zip(q.loc[gone, "indicator_id"], q.loc[gone, "area_code"], q.loc[gone, "period"])) == listed
    assert any(a == HOME_CODE for _, a, _ in listed) and len(listed) >= 5
    # suppressed the reader's way: no count, no value, the reason as the H-CLIC reader writes it
    assert q.loc[gone, "count"].isna().all() and q.loc[gone, "value_note"].isin(homelessness.MARKERS.values()).all()
    shown = q[~gone]
    np.testing.assert_allclose(shown["value"], shown["count"] / shown["denominator"] * 1000, rtol=1e-6)
    assert (shown["lower_ci_95"] < shown["value"]).all() and (shown["value"] < shown["upper_ci_95"]).all()
    assert (shown["value_note"] == "").all()


# --- trusts ---------------------------------------------------------------------------------------------------
def test_trust_metrics_come_through_the_demo_extracts_as_the_trusts(store, meta, priorities):
    trust = meta["trusts"][0]
    assert trust["area_code"].startswith("X") and trust["area_name"].endswith("(synthetic)")
    real = {m: s for src in load_extract_sources() for m, s in src.metrics.items()}
    assert real and set(meta["trust_series_ids"]) == set(real.values())
    for metric_id, series_id in real.items():
        found = metric_values(store, priorities.metric(metric_id), HOME_CODE)
        assert found.source.startswith("demo_") and found.trust_name == trust["area_name"], metric_id
        assert set(found.rows["area_code"]) == {trust["area_code"]} and set(found.rows["area_type"]) == {"trust"}
        assert found.rows["period"].str.fullmatch(r"\d{4}-\d{2}").all() and found.rows["period"].is_unique
        # not the borough's own series: no other borough or locality gets it
        assert metric_values(store, priorities.metric(metric_id), "X09000002") is None
        assert metric_values(store, priorities.metric(metric_id), "XL000001") is None
        everyone = store.values([series_id])
        assert {t["area_code"] for t in meta["trusts"]} | {"X92000001"} == set(everyone["area_code"]), series_id
    ae = store.values(["nhse_ae_4hr"]).merge(store.values(["nhse_ae_attendances"]),
                                             on=["area_code", "period"], suffixes=("", "_all"))
    assert (ae["denominator"] == ae["count_all"]).all()  # four-hour share of the attendances, as the reader does


def test_the_serving_trusts_series_are_quiet(store, meta):
    """Checked with the project's SPC function (not the generator's): no special cause in the trust's series, whole
    or over their last 36 months (the dashboard's default window)."""
    code = meta["trusts"][0]["area_code"]
    for series_id in meta["trust_series_ids"]:
        rows = store.values([series_id])
        rows = rows[rows["area_code"] == code].sort_values("period")
        for part in (rows, rows.tail(36)):
            table = spc(part.assign(date=part["period_start"]), "value", "date")
            assert not table["special_cause_flag"].any(), series_id


def test_the_demo_compares_its_trust_with_the_other_two_and_the_country(meta):
    others = {t["area_code"]: t["area_name"] for t in meta["trusts"][1:]}
    for entry in meta["extracts"]:
        assert entry["options"]["compare"] == {**others, "X92000001": "Demoland (synthetic)"}


def test_the_demo_lists_its_extracts_first(store, demo_root):
    sources = extract_sources(store)
    own = load_extract_sources(demo_root / "thanalysis-demo.json")
    assert [s.id for s in sources[:len(own)]] == [s.id for s in own]
    assert all(s.find(demo_root) is not None for s in own)  # the demo's own values file
    assert all(s.find(demo_root) is None for s in sources[len(own):])  # the real files are not in the demo


# --- series planted out of date -------------------------------------------------------------------------------
def test_series_that_stop_early_are_out_of_date_and_the_others_are_not(store, values, meta, priorities):
    ind = store.indicators().set_index("indicator_id")
    stops = [p for p in meta["planted"] if p["event"] == "stops_early"]
    kinds = {ind.loc[p["indicator_id"], "frequency"].split()[0] for p in stops}
    assert {"monthly", "annual"} <= kinds
    series = meta["published_indicator_ids"] + meta["trust_series_ids"]
    latest = values[values["indicator_id"].isin(series)].groupby("indicator_id")["period_end"].max()
    published_on = ind["published"]
    assert (published_on == pd.Timestamp(meta["as_of"])).all()  # the date the demo's series are judged on
    late = {i for i in series if latest[i] + pd.DateOffset(months=int(ind.loc[i, "lag_months"])) < published_on[i]}
    assert late == {p["indicator_id"] for p in stops}
    for p in stops:
        metric = priorities.metric(p["metric_id"])
        assert metric.indicator_id == p["indicator_id"] or not metric.indicator_id
        rows = values[values["indicator_id"] == p["indicator_id"]]
        assert rows["period"].max() == p["last_period"] and set(rows["area_code"]) == set(p["stopped_areas"])
        # years old: at least two years before the data were published
        assert latest[p["indicator_id"]] < published_on[p["indicator_id"]] - pd.DateOffset(years=2)


def test_period_generator_stops_only_the_listed_series():
    assert periods("month", "nhse_rtt_over_18_weeks")[-1][0] == "2022-09"
    assert periods("month", "nhse_ae_4hr")[-1][0] == periods("month", "any")[-1][0]
    assert periods("calendar", "ft_children_low_income_families")[-1][0] == "2016"
    assert re.fullmatch(r"\d{4}", periods("calendar", "ft_smoking_adults")[-1][0])
