"""Figures of the cross-borough report, drawn from a
:class:`thanalysis.analyses.cross_borough.CrossBoroughResults`: the spine chart, the map of the comparison, the
trend charts (the borough, its neighbours' range, its region and its country over every period) and the flows chart
(a Sankey diagram). The spine chart of the Fingertips indicators is :mod:`thanalysis.figures.cross_borough_spine`.

Text alternatives and captions come from ``thanalysis.narrative.cross_borough``; a function that needs them
takes them as arguments.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from thanalysis.analyses.cross_borough import CrossBoroughResults
from thanalysis.analyses.cross_borough_areas import ROLE_AREA, ROLE_COMPARATOR, ROLE_COUNTRY, ROLE_OTHER, ROLE_REGION
from thanalysis.figures import charts, maps
from thanalysis.figures.chart_style import DPI, MUTED, OKABE_ITO, TEXT, chart_style
from thanalysis.figures.sankey import sankey_svg

#: Map colours of the chosen borough, its comparators and the other boroughs of the region.
MAP_CATEGORIES = {ROLE_AREA: "#0072B2", ROLE_COMPARATOR: "#56B4E9", ROLE_OTHER: "#f2f2f2"}


def short_label(name: str, width: int = 44, lines: int = 2) -> str:
    """An indicator's name wrapped to ``lines`` lines of ``width`` characters (… when cut), so that a chart's
    labels leave room for the chart."""
    wrapped = textwrap.wrap(str(name), width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][:width - 1] + "…"
    return "\n".join(wrapped)


def spine_figure(r: CrossBoroughResults) -> Figure:
    """:func:`thanalysis.figures.charts.spine_chart` of the drawable spine rows, with "England" relabelled as the
    store's country (the shared chart names England; the synthetic demo's country is fictional) and the
    no-judgement indicators marked *, since left/right means worse/better only where there is a polarity."""
    country = r.benchmarks.country_name
    d = r.spine[r.spine["drawable"]].copy()
    d["indicator"] = [f"{short_label(i)}{' *' if p == 'no_judgement' else ''}"
                      for i, p in zip(d["indicator"], d["polarity"])]
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


def _trend_panel(ax, part: pd.DataFrame, title: str) -> None:
    """One series over every period on ``ax``: the comparators' range (shaded), the borough (with its 95% interval
    where it has one), the region and the country."""
    periods = part.drop_duplicates("period").sort_values("period_end")["period"].astype(str).tolist()
    x_of = {p: i for i, p in enumerate(periods)}
    comps = part[part["role"] == ROLE_COMPARATOR]
    if len(comps):
        rng = comps.groupby("period")["value"].agg(["min", "max"]).reindex(periods)
        ax.fill_between(np.arange(len(periods), dtype=float), rng["min"].to_numpy(dtype=float),
                        rng["max"].to_numpy(dtype=float), color=MUTED, alpha=0.18, linewidth=0)
    for role, (colour, style, marker) in TREND_STYLE.items():
        d = part[part["role"] == role]
        if d.empty:
            continue
        d = d.assign(_x=d["period"].astype(str).map(x_of)).sort_values("_x")
        xs = d["_x"].to_numpy(dtype=float)
        if role == ROLE_AREA and d["lower_ci_95"].notna().all() and d["upper_ci_95"].notna().all():
            ax.fill_between(xs, d["lower_ci_95"].to_numpy(dtype=float), d["upper_ci_95"].to_numpy(dtype=float),
                            color=colour, alpha=0.2, linewidth=0)
        ax.plot(xs, d["value"].to_numpy(dtype=float), color=colour, linestyle=style, marker=marker, markersize=3,
                linewidth=1.8 if role == ROLE_AREA else 1.2)
    ends = [0, len(periods) - 1] if len(periods) > 1 else [0]
    ax.set_xticks(ends, [periods[i] for i in ends], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="y", color="#d0d0d0", linewidth=0.5)
    ax.set_title("\n".join(textwrap.wrap(title, 42)[:4]), loc="left", fontsize=8)


def trend_figure(values: pd.DataFrame, titles: dict[str, str], names: dict[str, str], columns: int = 3) -> Figure:
    """Small multiples, one panel per series of ``values`` (rows of ``trend_values``), titled from ``titles``
    (series label → title with its period and currency), with one legend naming the borough, its comparators'
    range, the region and the country (``names``: role → name)."""
    labels = list(dict.fromkeys(values["indicator"]))
    rows = int(np.ceil(len(labels) / columns))
    height = 2.7 * rows + 0.5
    with chart_style():
        # A fixed grid rather than a layout engine: the panels are alike, and one draw per chart keeps a page of
        # forty series quick to build.
        fig = Figure(figsize=(10.0, height), dpi=DPI)
        axes = fig.subplots(rows, columns, squeeze=False, gridspec_kw={
            "left": 0.06, "right": 0.98, "top": 1 - 0.75 / height, "bottom": 0.75 / height, "wspace": 0.28,
            "hspace": 1.1 / 2.7 * 1.6}).ravel()
        for ax, label in zip(axes, labels):
            _trend_panel(ax, values[values["indicator"] == label], titles.get(label, label))
        for ax in axes[len(labels):]:
            ax.set_visible(False)
        handles = [Patch(color=MUTED, alpha=0.3, label=names.get(ROLE_COMPARATOR, "Comparator range"))]
        handles += [Line2D([], [], color=c, linestyle=ls, marker=m, label=names[role])
                    for role, (c, ls, m) in TREND_STYLE.items() if role in names]
        fig.legend(handles=handles, frameon=False, loc="lower center", ncol=4, fontsize=8)
    return fig


def trend_charts_html(r: CrossBoroughResults, alts: dict[str, str], empty: str, theme: str | None = None,
                      titles: dict[str, str] | None = None) -> str:
    """The trend charts of one theme (all series when ``theme`` is None) as one figure of small multiples, its text
    alternative the ``alts`` (series label → text) of its series joined; ``empty`` when no series of the theme has
    more than one period."""
    values = r.trend_values
    if theme is not None:
        values = values[values["indicator"].isin(set(r.theme_series(theme)["indicator"]))]
    if values.empty:
        return empty
    b = r.benchmarks
    names = {ROLE_AREA: r.area_name, ROLE_COMPARATOR: f"Range of {r.comparators.title}",
             ROLE_REGION: b.region_name or "Region", ROLE_COUNTRY: b.country_name or "Country"}
    fig = trend_figure(values, titles or {}, names)
    return charts.figure_html(fig, " ".join(alts[label] for label in dict.fromkeys(values["indicator"])))


def flow_chart(r: CrossBoroughResults) -> str | None:
    """The Sankey diagram (SVG) of residents' boroughs to the boroughs that serve them; None without flows."""
    if r.flows is None:
        return None
    return sankey_svg(r.flows, source="origin_name", target="destination_name", value="count",
                      title=f"Where residents are served, {r.flows['period'].iloc[0]}", left_heading="Residents of",
                      right_heading="Served in", unit="people", min_band=1.0)


__all__ = ["MAP_CATEGORIES", "short_label", "spine_figure", "comparison_map", "trend_charts_html", "flow_chart"]
