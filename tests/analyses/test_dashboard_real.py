"""The priority dashboard on the real open-data mirror: every priority and at least 15 metrics with data, each
with its data currency; series that stop early flagged out of date; quarterly homelessness series charted with SPC;
life expectancy by sex; Barts Health's figures labelled as the whole trust's and compared with Homerton, BHRUT
and England; and locality packs that never present a borough-only or trust-wide figure as the locality's.
(The built report's ``summary.json`` is read in tests/notebooks/test_priority_dashboard.py.)"""
from __future__ import annotations

import pytest

from thanalysis.analyses import dashboard as db
from thanalysis.geography.places import localities_for
from thanalysis.narrative import dashboard as words

#: the build date the assertions about currency are pinned to
BUILT = "2026-12-01"


@pytest.fixture(scope="module")
def dash(real):
    return db.run_dashboard(real, today=BUILT)


def _result(dash, metric_id, sex="Persons"):
    return next(r for r in dash.results if r.metric.id == metric_id and r.sex == sex)


def test_every_priority_and_at_least_15_metrics_with_their_currency(dash):
    assert dash.priority_ids() == [p.id for p in dash.priorities.priorities]  # all 9
    assert len(dash.priority_ids()) == 9 and dash.summary["priorities_shown"] == dash.priority_ids()
    shown = dash.summary["metrics"]
    assert len({m["metric_id"] for m in shown}) >= 15
    for m in shown:
        c = m["currency"]
        assert set(c) == set(db.CURRENCY_KEYS) and c["latest_period"] and c["period_end"] and c["published"]
        assert isinstance(c["out_of_date"], bool) and c["area_level"] in ("borough", "trust")


def test_series_that_stop_early_are_out_of_date(dash):
    low_income = _result(dash, "children_low_income_families")
    assert low_income.currency["latest_period"] == "2016" and low_income.out_of_date
    self_harm = _result(dash, "self_harm_admissions")
    assert self_harm.currency["latest_period"] == "2017/18" and self_harm.out_of_date
    row = dash.table.set_index("metric_id").loc["children_low_income_families"]
    assert bool(row["out_of_date"]) and row["period_end"] == "2016-12-31"
    text = words.metric_narrative(low_income).text
    assert "Out of date: a newer figure was expected by 31 Dec 2018" in text


def test_quarterly_homelessness_series_have_spc(dash):
    for metric_id in ("homelessness_duty_owed_rate", "temporary_accommodation_rate"):
        r = _result(dash, metric_id)
        assert r.metric.frequency == "quarterly" and r.spc is not None and r.summary is not None
        assert r.series["period"].str.fullmatch(r"\d{4} Q[1-4]").all() and 10 <= len(r.series) <= 12
        assert r.series["period"].iloc[0] >= "2023 Q1" and r.series["period"].iloc[-1] == "2025 Q4"  # 12 quarters
        assert r.series["date"].dt.month.isin([1, 4, 7, 10]).all()
    assert dash.counts["quarterly_metrics"] == 2


def test_life_expectancy_by_sex(dash):
    for metric_id in ("life_expectancy_at_birth", "healthy_life_expectancy"):
        rows = dash.table[dash.table["metric_id"] == metric_id]
        assert rows["sex"].tolist() == ["Male", "Female"] and (rows["status"] == "ok").all()
    male, female = (_result(dash, "life_expectancy_at_birth", sex) for sex in ("Male", "Female"))
    assert 70 < male.shown["latest_value"] < female.shown["latest_value"] < 95


def test_annual_series_without_counts_get_a_direction_of_travel_never_significance(dash):
    annual = [r for r in dash.own() if r.trend is not None]
    directions = [r for r in annual if r.trend["direction"] is not None]
    assert len(directions) >= 10
    for r in directions:
        text = words.metric_narrative(r).text
        assert "no significance test" in text and "significant" not in text.replace("no significance test", "")


def test_trust_figures_are_the_whole_trusts_and_compared(dash):
    trust = [r for r in dash.own() if r.level == "trust"]
    assert {r.metric.id for r in trust} >= {"ae_4hr_performance_r1h", "ae_attendances_r1h", "ga_bed_occupancy_r1h",
                                            "not_meeting_criteria_to_reside_r1h", "rtt_over_18_weeks_r1h"}
    for r in trust:
        assert r.area_code == "R1H" and r.currency["area_level"] == "trust"
        assert [c["area_code"] for c in r.comparator_latest] == ["RQX", "RF4", "E92000001"]
        assert "Barts Health NHS Trust (whole trust)" in words.metric_narrative(r).text
    four_hour = _result(dash, "ae_4hr_performance_r1h")
    england = four_hour.comparator_latest[-1]
    assert england["area_name"] == "England" and 0.5 < england["value"] < 1
    assert set(four_hour.comparators["area_code"]) == {"RQX", "RF4", "E92000001"}
    assert four_hour.comparators["date"].min() >= four_hour.series["date"].min()
    assert "Tower Hamlets" not in [r.area_name for r in trust]
    assert "the whole trust's" in words.dashboard_overview(dash)


@pytest.mark.parametrize("index", range(4))
def test_no_locality_pack_presents_a_borough_or_trust_figure_as_the_localitys(real, index):
    code = localities_for("E09000030")["locality_code"].iloc[index]
    pack = db.run_dashboard(real, locality=code, today=BUILT)
    assert pack.context() and all(r.level in ("borough", "trust") for r in pack.context())
    assert all(r.level == "locality" and r.area_code == code for r in pack.own())
    table = pack.table[pack.table["status"] != "no data"]
    assert (table["context"] == (table["area_code"] != code)).all() and len(table) >= 15
    assert not pack.charted() and not [row for t in words.matrix_text(pack) for row in t.rows]
    for m in pack.summary["metrics"]:
        assert m["context"] is (m["currency"]["area_code"] != code)
    assert pack.counts["spc_metrics"] == 0 and pack.counts["annual_indicators"] == 0
    listed = words.context_table(pack)
    assert set(listed["figure_for"]) == {"Tower Hamlets (whole borough)", "Barts Health NHS Trust (whole trust)"}
    sentence = words.context_sentence(pack)
    assert "whole of Tower Hamlets" in pack.notes[0] and sentence.count("published only for") == 1
    assert "published only for the whole of Tower Hamlets, and 5 metrics only for Barts Health NHS Trust (whole " \
           "trust)" in sentence
    assert words.overview_points(pack)[0].startswith("No metric on this dashboard is published for")
