"""Figures of the cross-borough report, drawn from a
:class:`thanalysis.analyses.cross_borough.CrossBoroughResults`: the spine chart, the map of the comparison, the
trend charts (the borough, its neighbours' range, its region and its country over every period) and the flows chart
(a Sankey diagram). The spine chart of the Fingertips indicators is :mod:`thanalysis.figures.cross_borough_spine`.

Text alternatives and captions come from ``thanalysis.narrative.cross_borough``; a function that needs them
takes them as arguments.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from thanalysis.analyses.cross_borough import CrossBoroughResults
from thanalysis.analyses.cross_borough_areas import ROLE_AREA, ROLE_COMPARATOR, ROLE_COUNTRY, ROLE_OTHER, ROLE_REGION
from thanalysis.figures import charts, maps
from thanalysis.figures.chart_style import MUTED, OKABE_ITO, TEXT, chart_style, new_figure
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


#: How each role is drawn in a trend chart: colour, line style, marker.
TREND_STYLE = {ROLE_AREA: (OKABE_ITO["blue"], "-", "o"), ROLE_REGION: (OKABE_ITO["orange"], "--", "s"),
               ROLE_COUNTRY: (TEXT, ":", "D")}


def trend_figure(part: pd.DataFrame, title: str, subtitle: str) -> Figure:
    """Values over every period of one series: the borough (with its 95% interval where it has one), the range of
    its neighbours (shaded), the region and the country. ``part``: rows of ``trend_values`` for one series."""
    periods = (part.drop_duplicates("period").sort_values("period_end")["period"].astype(str).tolist()
               if "period_end" in part.columns else sorted(part["period"].astype(str).unique()))
    x_of = {p: i for i, p in enumerate(periods)}
    fig, ax = new_figure(7.5, 3.4)
    with chart_style():
        comps = part[part["role"] == ROLE_COMPARATOR]
        if len(comps):
            rng = comps.groupby("period")["value"].agg(["min", "max"]).reindex(periods)
            x = np.arange(len(periods), dtype=float)
            ax.fill_between(x, rng["min"].to_numpy(dtype=float), rng["max"].to_numpy(dtype=float), color=MUTED,
                            alpha=0.18, linewidth=0, label="Range of the comparator boroughs")
        for role, (colour, style, marker) in TREND_STYLE.items():
            d = part[part["role"] == role]
            if d.empty:
                continue
            d = d.assign(_x=d["period"].astype(str).map(x_of)).sort_values("_x")
            xs = d["_x"].to_numpy(dtype=float)
            if role == ROLE_AREA and d["lower_ci_95"].notna().all() and d["upper_ci_95"].notna().all():
                ax.fill_between(xs, d["lower_ci_95"].to_numpy(dtype=float), d["upper_ci_95"].to_numpy(dtype=float),
                                color=colour, alpha=0.2, linewidth=0, label="95% confidence interval")
            ax.plot(xs, d["value"].to_numpy(dtype=float), color=colour, linestyle=style, marker=marker,
                    markersize=4, linewidth=2 if role == ROLE_AREA else 1.4, label=str(d["area_name"].iloc[0]))
        step = max(1, int(np.ceil(len(periods) / 10)))
        ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=30 if len(periods) > 6 else 0,
                      ha="right" if len(periods) > 6 else "center", fontsize=8)
        ax.grid(axis="y", color="#d0d0d0", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(f"{title}\n{subtitle}", loc="left", fontsize=10)
        fig.tight_layout()
    return fig


def trend_charts_html(r: CrossBoroughResults, alts: dict[str, str], empty: str, theme: str | None = None,
                      subtitles: dict[str, str] | None = None) -> str:
    """One chart of values over time per series (each sex apart), each with its text alternative from ``alts``
    (series label → text) and its subtitle (period, currency, method) from ``subtitles``; only the series of
    ``theme`` when given; ``empty`` when no series has more than one period."""
    values = r.trend_values
    if theme is not None:
        values = values[values["indicator"].isin(set(r.theme_series(theme)["indicator"]))]
    figures = []
    for label, part in values.groupby("indicator", sort=False):
        fig = trend_figure(part, str(label), (subtitles or {}).get(label, ""))
        figures.append(charts.figure_html(fig, alts[label]))
    return "".join(figures) or empty


def flow_chart(r: CrossBoroughResults) -> str | None:
    """The Sankey diagram (SVG) of residents' boroughs to the boroughs that serve them; None without flows."""
    if r.flows is None:
        return None
    return sankey_svg(r.flows, source="origin_name", target="destination_name", value="count",
                      title=f"Where residents are served, {r.flows['period'].iloc[0]}", left_heading="Residents of",
                      right_heading="Served in", unit="people", min_band=1.0)


__all__ = ["MAP_CATEGORIES", "spine_figure", "comparison_map", "trend_charts_html", "flow_chart"]
