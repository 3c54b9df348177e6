"""Figures of the inequalities report: charts, maps and the tables shown on the page, from its results.

Every function takes an :class:`thanalysis.analyses.inequalities.InequalityResults` (and, for a table, the
published version of it that :func:`thanalysis.notebook.save_table` returned, so the page shows what the
results files hold after small-number suppression). Charts come back as ``(figure, alt text)``; maps as a
folium map (None when there is nothing to map).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.analyses.inequalities import InequalityResults, latest, short_name
from thanalysis.figures import charts, maps


def _axis_label(meta: dict) -> str:
    unit = str(meta.get("unit") or "")
    return f"{short_name(meta['name'])} ({unit})" if unit else short_name(meta["name"])


# ==============================================================================================================
# Charts
# ==============================================================================================================
def ward_dot_plot(results: InequalityResults, indicator_id: str):
    """Wards with 95% intervals against the borough line, shaped and coloured by better/similar/worse."""
    meta = results.meta(indicator_id)
    w = latest(results.by_ward[results.by_ward["indicator_id"] == indicator_id])
    borough = float(w.loc[w["area_type"] == "la", "value"].iloc[0])
    areas = w[w["area_type"] != "la"]
    fig = charts.ci_dot_plot(areas, "area_name", "value", "lower_ci_95", "upper_ci_95", benchmark=borough,
                             significance="comparison_95", benchmark_label=results.area_name,
                             value_label=_axis_label(meta))
    counts = areas["comparison_95"].value_counts()
    alt = (f"Dot chart of {short_name(meta['name']).lower()} in {len(areas)} wards with 95% confidence intervals "
           f"and a line at the {results.area_name} figure of {borough:,.1f}. "
           + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ".")
    return fig, alt


def ward_funnel_plot(results: InequalityResults, indicator_id: str):
    """Funnel plot of the wards around the borough proportion ((None, "") for rates)."""
    meta = results.meta(indicator_id)
    if indicator_id not in results.funnels:
        return None, ""
    w = latest(results.by_ward[results.by_ward["indicator_id"] == indicator_id])
    areas = w[w["area_type"] != "la"]
    sig = areas["funnel"].map(lambda s: "Higher" if str(s).startswith("High") else
                              "Lower" if str(s).startswith("Low") else "Similar")
    pts = areas.assign(significance=sig)
    fig = charts.funnel_plot(pts, results.funnels[indicator_id], significance="significance",
                             benchmark_label=results.area_name, value_label=_axis_label(meta),
                             denominator_label="Ward denominator (people or households)")
    outside = int((sig != "Similar").sum())
    alt = (f"Funnel plot of {short_name(meta['name']).lower()} against ward size; {outside} of {len(areas)} wards "
           "lie outside the 95% limits around the borough figure.")
    return fig, alt


def decile_chart(results: InequalityResults, indicator_id: str):
    """Values by deprivation decile with 95% intervals and the fitted SII line (latest period)."""
    meta = results.meta(indicator_id)
    d = results.by_deprivation
    d = latest(d[(d["indicator_id"] == indicator_id) & (d["group_type"] == "decile")])
    s = results.latest_sii
    s = s[s["indicator_id"] == indicator_id]
    line = None
    if len(s) and np.isfinite(s["sii"].iloc[0]):
        line = (float(s["fitted_most_deprived"].iloc[0]), float(s["fitted_least_deprived"].iloc[0]))
    fig = charts.decile_bar_chart(d.rename(columns={"quantile": "decile"}), sii_line=line,
                                  value_label=_axis_label(meta))
    first, last = d.sort_values("quantile").iloc[0], d.sort_values("quantile").iloc[-1]
    alt = (f"Bar chart of {short_name(meta['name']).lower()} by deprivation decile ({d['period'].iloc[0]}): "
           f"{first['value']:,.1f} in the most deprived tenth and {last['value']:,.1f} in the least deprived"
           + (f"; the fitted slope falls from {line[0]:,.1f} to {line[1]:,.1f}." if line else "."))
    return fig, alt


def sii_trend_chart(results: InequalityResults, indicator_ids: Sequence[str] | None = None):
    """The SII over time for indicators with a time series (one line each, shaded 95% intervals)."""
    s = results.sii
    ids = list(indicator_ids) if indicator_ids is not None else list(results.trend["indicator_id"]) \
        if not results.trend.empty else []
    s = s[s["indicator_id"].isin(ids)]
    if s.empty or s["period"].nunique() < 2:
        return None, ""
    names = {i: results.short_name(i) for i in ids}
    s = s.assign(indicator=s["indicator_id"].map(names))
    fig = charts.trend_panels(s, panel="indicator", value="sii", lower="sii_lower_ci_95", upper="sii_upper_ci_95",
                              value_label="Slope index of inequality (most minus least deprived)", zero_line=True)
    alt = ("Small line charts, one per measure, of the slope index of inequality each year for "
           + ", ".join(names.values()) + "; each has its own scale, and lines further from zero mean wider gaps.")
    return fig, alt


# ==============================================================================================================
# Maps
# ==============================================================================================================
def map_frame(results: InequalityResults, indicator_id: str, geography: str | None = None):
    """GeoDataFrame of one indicator's latest values at ``geography`` (default: the report's), ready for
    :func:`thanalysis.figures.maps.choropleth_map` (columns area_code, area_name, value, CIs, count, comparison_95);
    None when there is nothing to map."""
    geography = geography or results.geography
    table = {"ward22": results.by_ward, "locality": results.by_locality}.get(geography, results.by_area)
    if table.empty:
        return None
    table = latest(table[(table["indicator_id"] == indicator_id) & (table["area_type"] != "la")])
    if table.empty:
        return None
    g = results.geometries.get(table["area_type"].iloc[0])
    if g is None:
        return None
    keep = ["area_code", "value", "lower_ci_95", "upper_ci_95", "count", "denominator", "comparison_95", "period"]
    return g.merge(table[keep], on="area_code", how="left")


def choropleth(results: InequalityResults, indicator_id: str, geography: str | None = None):
    """Folium choropleth of one indicator (latest period) with locality outlines where localities exist."""
    meta = results.meta(indicator_id)
    g = map_frame(results, indicator_id, geography)
    if g is None:
        return None
    outlines = results.geometries.get("locality") if (
        results.has_localities and g["area_type"].iloc[0] != "locality") else None
    label = short_name(meta["name"])
    unit = str(meta.get("unit") or "")
    return maps.choropleth_map(g, "value", value_label=f"{label} ({unit})" if unit else label,
                               legend_title=f"{label}, {g['period'].dropna().iloc[0]}", quantiles=5,
                               palette="Purples", outlines=outlines, count_column="count",
                               name=f"inequalities|{results.area_code}|{indicator_id}|{geography or results.geography}")


# ==============================================================================================================
# Tables shown on the page (from the published, small-number-suppressed tables)
# ==============================================================================================================
def _with_measure(results: InequalityResults, table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(measure=table["indicator_id"].map(results.short_name))


def _latest_rows(table: pd.DataFrame, ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The latest period's rows of each measure (of ``ids`` only, when given)."""
    if ids is not None:
        table = table[table["indicator_id"].isin(list(ids))]
    return table[table["period"] == table.groupby("indicator_id")["period"].transform("max")]


def locality_table(results: InequalityResults, published: pd.DataFrame, ids: Sequence[str] | None = None
                   ) -> pd.DataFrame:
    """Localities (and the borough) compared with the borough, latest period of each measure (of ``ids``)."""
    return _with_measure(results, _latest_rows(published, ids))[
        ["measure", "area_name", "period", "value", "lower_ci_95", "upper_ci_95", "comparison_95"]]


def gaps_table(results: InequalityResults, published: pd.DataFrame, ids: Sequence[str] | None = None
               ) -> pd.DataFrame:
    """Most against least deprived decile and quintile, latest period of each measure (of ``ids``)."""
    return _with_measure(results, _latest_rows(published, ids))[
        ["measure", "group_type", "period", "most_deprived_value", "least_deprived_value", "gap", "gap_lower_ci_95",
         "gap_upper_ci_95", "ratio"]]


def sii_table(results: InequalityResults, ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Slope and relative index of inequality, latest period of each measure (of ``ids``)."""
    return _with_measure(results, _latest_rows(results.sii, ids))[
        ["measure", "period", "sii", "sii_lower_ci_95", "sii_upper_ci_95", "rii", "rii_lower_ci_95",
         "rii_upper_ci_95"]]


def trend_table(results: InequalityResults, published: pd.DataFrame) -> pd.DataFrame:
    """The change in each measure's SII over time."""
    return _with_measure(results, published)[
        ["measure", "first_period", "last_period", "first_sii", "last_sii", "sii_change_per_year", "gap_direction",
         "recent_trend"]]


def ethnic_table(results: InequalityResults, published: pd.DataFrame) -> pd.DataFrame:
    """Ethnic groups of the borough compared with the borough as a whole (latest period)."""
    borough = published[published["area_type"] == "la"]
    return _with_measure(results, borough)[
        ["measure", "category", "period", "value", "lower_ci_95", "upper_ci_95", "comparison_95"]]


def checks_table(results: InequalityResults, published: pd.DataFrame) -> pd.DataFrame:
    """Small-area counts added up against the published borough totals."""
    return _with_measure(results, published)[
        ["measure", "published_count", "summed_count", "published_denominator", "summed_denominator", "agrees"]]


# ==============================================================================================================
# Ethnic groups (demographic context, Census 2021 TS021)
# ==============================================================================================================
def _ethnic_latest(table: pd.DataFrame, category: str) -> pd.DataFrame:
    return table[(table["category"] == category) & (table["area_type"] != "la")]


def ethnic_choropleth(results: InequalityResults, category: str):
    """Folium choropleth of one ethnic group's share of each ward's residents, locality outlines where they exist
    (None without ethnic-group figures or ward shapes)."""
    eg = results.ethnic_groups
    g = results.geometries.get("ward22")
    if eg.empty or g is None:
        return None
    rows = _ethnic_latest(eg.by_ward, category)
    keep = ["area_code", "value", "lower_ci_95", "upper_ci_95", "count", "denominator", "comparison_95"]
    frame = g.merge(rows[keep], on="area_code", how="left")
    return maps.choropleth_map(frame, "value", value_label=f"{category} (% of residents)",
                               legend_title=f"{category}, % of residents, {eg.period}", quantiles=5,
                               palette="Greens", outlines=results.geometries.get("locality"), count_column="count",
                               name=f"inequalities|{results.area_code}|ethnic|{category}")


def ethnic_decile_chart(results: InequalityResults, category: str):
    """One ethnic group's share by deprivation decile with 95% intervals and the fitted SII line."""
    eg = results.ethnic_groups
    d = eg.by_deprivation
    d = d[(d["category"] == category) & (d["group_type"] == "decile")].sort_values("quantile")
    s = eg.sii[eg.sii["category"] == category] if len(eg.sii) else eg.sii
    line = (float(s["fitted_most_deprived"].iloc[0]), float(s["fitted_least_deprived"].iloc[0])) \
        if len(s) and np.isfinite(s["sii"].iloc[0]) else None
    fig = charts.decile_bar_chart(d.rename(columns={"quantile": "decile"}), sii_line=line,
                                  value_label=f"{category} (% of residents)")
    alt = (f"Bar chart of the share of residents who are {category} by deprivation decile ({eg.period}): "
           f"{d['value'].iloc[0]:,.1f}% in the most deprived tenth and {d['value'].iloc[-1]:,.1f}% in the least "
           "deprived.")
    return fig, alt


def ethnic_area_table(published: pd.DataFrame, categories: Sequence[str]) -> pd.DataFrame:
    """Wards (or localities) and the borough for the given groups, from the published (suppressed) table."""
    rows = published[published["category"].isin(list(categories))]
    order = {c: i for i, c in enumerate(categories)}
    rows = rows.assign(_o=rows["category"].map(order), _b=rows["area_type"].eq("la"))
    return rows.sort_values(["_o", "_b", "area_name"])[
        ["category", "area_name", "value", "lower_ci_95", "upper_ci_95", "comparison_95"]]


def ethnic_sii_table(results: InequalityResults) -> pd.DataFrame:
    """Each group's share of residents in the borough and its SII across deprivation deciles, broad groups first."""
    eg = results.ethnic_groups
    b = eg.borough[["category_type", "category", "value", "lower_ci_95", "upper_ci_95"]]
    s = eg.sii[["category", "sii", "sii_lower_ci_95", "sii_upper_ci_95"]] if len(eg.sii) else \
        pd.DataFrame(columns=["category", "sii", "sii_lower_ci_95", "sii_upper_ci_95"])
    return b.merge(s, on="category", how="left").drop(columns="category_type")


def ward_check_table(results: InequalityResults) -> pd.DataFrame:
    """Residents per ward built from LSOAs (best fit) against the published ward table, with the borough row."""
    c = results.ethnic_groups.ward_check
    if c.empty:
        return c
    names = results.ethnic_groups.by_ward.drop_duplicates("area_code").set_index("area_code")["area_name"]
    return c.assign(area_name=c["area_code"].map(names).fillna(results.area_name))[
        ["area_name", "published", "from_lsoas", "difference", "relative_difference", "within_tolerance"]]
