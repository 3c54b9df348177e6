"""Figures of the cross-borough report, drawn from a
:class:`thanalysis.analyses.cross_borough.CrossBoroughResults`: the spine chart, the map of the comparison, the
trend charts and the flows chart (a Sankey diagram).

Text alternatives and captions come from ``thanalysis.narrative.cross_borough``; a function that needs them
takes them as arguments.
"""
from __future__ import annotations

from matplotlib.figure import Figure

from thanalysis.analyses.cross_borough import CrossBoroughResults
from thanalysis.analyses.cross_borough_areas import ROLE_AREA, ROLE_COMPARATOR, ROLE_OTHER
from thanalysis.figures import charts, maps
from thanalysis.figures.sankey import sankey_svg

#: Map colours of the chosen borough, its comparators and the other boroughs of the region.
MAP_CATEGORIES = {ROLE_AREA: "#0072B2", ROLE_COMPARATOR: "#56B4E9", ROLE_OTHER: "#f2f2f2"}


def spine_figure(r: CrossBoroughResults) -> Figure:
    """:func:`thanalysis.figures.charts.spine_chart` of the drawable spine rows, with "England" relabelled as the
    store's country (the shared chart names England; the synthetic demo's country is fictional) and the
    no-judgement indicators marked *, since left/right means worse/better only where there is a polarity."""
    country = r.benchmarks.country_name
    d = r.spine[r.spine["drawable"]].copy()
    d["indicator"] = [f"{i}{' *' if p == 'no_judgement' else ''}" for i, p in zip(d["indicator"], d["polarity"])]
    fig = charts.spine_chart(d, area_label=r.area_name, value_format="{:,.1f}")
    if country != "England":
        for ax in fig.axes:
            ylabels = [t.get_text().replace("England", country) for t in ax.get_yticklabels()]
            xlabels = [t.get_text().replace("England", country) for t in ax.get_xticklabels()]
            ax.set_yticks(ax.get_yticks(), ylabels)
            ax.set_xticks(ax.get_xticks(), xlabels)
        for legend in fig.legends:
            for t in legend.get_texts():
                t.set_text(t.get_text().replace("England", country))
    return fig


def comparison_map(r: CrossBoroughResults):
    """The boroughs of the region: the chosen borough, its comparators (outlined) and the others."""
    return maps.choropleth_map(r.map_areas, "group", categories=MAP_CATEGORIES, outlines=r.map_outlines,
                               highlight=r.area_code, legend_title="Borough", count_column=None, ci_columns=None,
                               name=f"cross-borough-{r.area_code}", fit_to=list(r.comparators.codes) + [r.area_code])


def trend_charts_html(r: CrossBoroughResults, alts: dict[str, str], empty: str) -> str:
    """One chart of values over time per indicator (the borough, its region and country), each with its text
    alternative from ``alts`` (indicator id → text); ``empty`` when no indicator has more than one period."""
    figures = []
    for iid, part in r.trend_chart_values.groupby("indicator_id", sort=False):
        fig = charts.trend_chart(part, group="area_name", title=part["indicator"].iloc[0])
        figures.append(charts.figure_html(fig, alts[iid]))
    return "".join(figures) or empty


def flow_chart(r: CrossBoroughResults) -> str | None:
    """The Sankey diagram (SVG) of residents' boroughs to the boroughs that serve them; None without flows."""
    if r.flows is None:
        return None
    return sankey_svg(r.flows, source="origin_name", target="destination_name", value="count",
                      title=f"Where residents are served, {r.flows['period'].iloc[0]}", left_heading="Residents of",
                      right_heading="Served in", unit="people", min_band=1.0)


__all__ = ["MAP_CATEGORIES", "spine_figure", "comparison_map", "trend_charts_html", "flow_chart"]
