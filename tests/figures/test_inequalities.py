"""Unit tests of thanalysis.figures.inequalities: charts, maps and shown tables from the demo's results."""
from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from thanalysis.analyses.inequalities import run_inequalities
from thanalysis.data.open import open_store
from thanalysis.figures import inequalities as figures


@pytest.fixture(scope="module")
def results(demo_root):
    return run_inequalities(open_store(demo_root), repetitions=2000)


def test_charts_build_with_alt_text(results):
    fig, alt = figures.decile_chart(results, "overcrowding")
    assert isinstance(fig, Figure) and "deprivation decile" in alt
    fig, alt = figures.ward_dot_plot(results, "overcrowding")
    assert isinstance(fig, Figure) and "in 20 wards" in alt
    fig, alt = figures.ward_funnel_plot(results, "overcrowding")
    assert isinstance(fig, Figure) and "of 20 wards lie outside" in alt
    fig, alt = figures.ward_funnel_plot(results, "homelessness_duty")
    assert fig is None and alt == ""  # rates have no funnel here
    fig, alt = figures.sii_trend_chart(results)
    assert isinstance(fig, Figure) and "slope index of inequality each year" in alt


def test_map_has_the_wards_their_latest_values_and_locality_outlines(results):
    frame = figures.map_frame(results, "overcrowding")
    ward = results.by_ward
    latest = ward[(ward.indicator_id == "overcrowding") & (ward.area_type == "ward22")]
    latest = latest[latest.period == latest.period.max()].set_index("area_code")
    assert len(frame) == 20 and set(frame["area_code"]) == set(latest.index)
    assert (frame.set_index("area_code")["value"] == latest["value"].reindex(frame["area_code"])).all()
    m = figures.choropleth(results, "overcrowding")
    assert m is not None and m._thanalysis_summary.n_areas == 20
    assert figures.map_frame(results, "overcrowding", "locality")["area_type"].eq("locality").all()


def test_shown_tables_are_the_latest_rows_with_short_names(results):
    table = figures.gaps_table(results, results.gaps)
    assert list(table.columns)[:3] == ["measure", "group_type", "period"]
    for ind, period in results.gaps.groupby("indicator_id")["period"].max().items():
        rows = table[table["measure"] == results.short_name(ind)]
        assert len(rows) == 2 and set(rows["period"]) == {period}  # decile and quintile
    loc = figures.locality_table(results, results.by_locality)
    assert "(synthetic)" not in " ".join(loc["measure"])
    n_areas = results.by_locality["area_code"].nunique()  # the localities and the borough
    for ind, period in results.by_locality.groupby("indicator_id")["period"].max().items():
        rows = loc[loc["measure"] == results.short_name(ind)]
        assert len(rows) == n_areas and set(rows["period"]) == {period}
    sii = figures.sii_table(results)
    assert len(sii) == len(results.indicators) and sii["sii"].notna().all()


def test_shown_tables_keep_what_suppression_removed(results):
    published = results.ethnic.assign(value=pd.NA)
    shown = figures.ethnic_table(results, published)
    assert shown["value"].isna().all() and set(shown["category"]) == set(results.ethnic["category"])
    assert len(figures.checks_table(results, results.checks)) == len(results.indicators)
    assert list(figures.trend_table(results, results.trend)["measure"]) == [
        results.short_name(i) for i in results.trend["indicator_id"]]


@pytest.fixture(scope="module")
def th(real):
    return run_inequalities(real, repetitions=1000)


@pytest.mark.real
def test_th_ethnic_map_chart_and_tables(th):
    assert th.ethnic_groups.mapped[0] == "Bangladeshi"  # the largest detailed group
    m = figures.ethnic_choropleth(th, "Bangladeshi")
    html = m.get_root().render()
    assert "Bethnal Green" in html and "Bangladeshi" in html
    fig, alt = figures.ethnic_decile_chart(th, "Bangladeshi")
    assert isinstance(fig, Figure) and "most deprived tenth" in alt
    table = figures.ethnic_area_table(th.ethnic_groups.by_ward, ["Bangladeshi"])
    assert len(table) == 21 and table["area_name"].iloc[-1] == "Tower Hamlets"  # 20 wards, then the borough
    sii = figures.ethnic_sii_table(th)
    assert len(sii) == 24 and sii["sii"].notna().all()
    check = figures.ward_check_table(th)
    assert len(check) == 21 and check["area_name"].iloc[-1] == "Tower Hamlets" and check["within_tolerance"].all()
    # Every measure of health and its causes has a map (wards, localities outlined).
    for ind in th.outcome_ids:
        assert figures.choropleth(th, ind) is not None, ind


def test_demo_has_no_ethnic_map(results):
    assert figures.ethnic_choropleth(results, "Bangladeshi") is None and figures.ward_check_table(results).empty
