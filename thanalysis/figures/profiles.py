"""Charts and maps of the borough and locality profiles, drawn from their results objects.

Each public function takes a :class:`~thanalysis.analyses.borough_profile.BoroughProfileResults` or a
:class:`~thanalysis.analyses.locality_profile.LocalityProfileResults` and returns a matplotlib figure or a
folium map in the house style of :mod:`thanalysis.figures.charts` and :mod:`thanalysis.figures.maps`: a decile
count chart, locality-vs-borough decile bars, an age chart for persons-only data, population pyramids, the
deprivation map and the locality's location map. Alt text and captions are in :mod:`thanalysis.narrative.profiles`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from thanalysis.analyses.borough_profile import BoroughProfileResults
from thanalysis.analyses.locality_profile import LocalityProfileResults
from thanalysis.analyses.profiles import DECILES
from thanalysis.figures import maps
from thanalysis.figures.charts import DPI, GRID, OKABE_ITO, TEXT, chart_style, new_figure, population_pyramid

#: The fill of the place on the location maps, and of the rest of the borough.
PLACE_COLOUR, REST_COLOUR = "#56B4E9", "#EFEFEF"


# ==============================================================================================================
# Deciles
# ==============================================================================================================
def decile_labels() -> dict[int, str]:
    """Decile → legend label ("1 – most deprived" … "10 – least deprived")."""
    return {d: f"{d} – most deprived" if d == 1 else f"{d} – least deprived" if d == 10 else str(d)
            for d in DECILES}


def decile_colours() -> dict[str, str]:
    """Legend label → colour, decile 1 (most deprived) darkest: viridis (colour-blind safe, prints in grey)."""
    cmap = colormaps["viridis"]
    return {label: to_hex(cmap(0.05 + 0.9 * (d - 1) / 9)) for d, label in decile_labels().items()}


def _decile_ticks(ax) -> None:
    labels = [str(d) for d in DECILES]
    labels[0] += "\nmost\ndeprived"
    labels[-1] += "\nleast\ndeprived"
    ax.set_xticks(DECILES, labels)
    ax.set_xlim(0.4, 10.6)
    ax.set_xlabel("National deprivation decile")


def decile_count_chart(dist: pd.DataFrame, *, area_label: str) -> Figure:
    """Two panels: number of LSOAs and number of residents in each national decile (1 = most deprived)."""
    with chart_style():
        fig = Figure(figsize=(9.0, 4.2), dpi=DPI, layout="constrained")
        axes = fig.subplots(1, 2)
        x = dist["decile"].to_numpy()
        for ax, col, colour, ylabel in (
                (axes[0], "lsoas", OKABE_ITO["blue"], "Number of neighbourhoods (LSOAs)"),
                (axes[1], "population", OKABE_ITO["orange"], "Residents")):
            y = dist[col].to_numpy(dtype=float)
            ax.bar(x, y, color=colour, edgecolor=TEXT, linewidth=0.6, width=0.8)
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
            if col == "lsoas":  # residents' numbers are too long to print on narrow bars; the axis reads them
                for xi, yi in zip(x, y):
                    if yi > 0:
                        ax.annotate(f"{yi:,.0f}", (xi, yi), xytext=(0, 2), textcoords="offset points",
                                    ha="center", va="bottom", fontsize=9)
            _decile_ticks(ax)
            ax.set_ylabel(ylabel)
            ax.grid(axis="y", color=GRID, linewidth=0.6)
            ax.set_axisbelow(True)
            ax.margins(y=0.12)
        axes[0].set_title(f"{area_label}: neighbourhoods", loc="left")
        axes[1].set_title(f"{area_label}: residents", loc="left")
    return fig


def decile_comparison_chart(comparison: pd.DataFrame, *, locality_label: str, borough_label: str) -> Figure:
    """Percentage of residents in each decile: the locality beside the borough (paired bars, hatched borough)."""
    fig, ax = new_figure(8.0, 4.3)
    with chart_style():
        x = comparison["decile"].to_numpy(dtype=float)
        ax.bar(x - 0.2, comparison["locality_percent_population"], width=0.4, color=OKABE_ITO["blue"],
               edgecolor=TEXT, linewidth=0.6, label=locality_label)
        ax.bar(x + 0.2, comparison["borough_percent_population"], width=0.4, color="#FFFFFF", hatch="///",
               edgecolor=TEXT, linewidth=0.6, label=borough_label)
        _decile_ticks(ax)
        ax.set_ylabel("Percentage of residents")
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}%")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, loc="upper right")
    return fig


def borough_decile_chart(results: BoroughProfileResults) -> Figure:
    """The borough's neighbourhoods and residents in each national decile."""
    return decile_count_chart(results.deciles, area_label=results.borough)


def locality_decile_chart(results: LocalityProfileResults) -> Figure:
    """The locality's residents by decile beside the borough's; the borough's counts without localities."""
    if results.has_localities:
        return decile_comparison_chart(results.deciles, locality_label=results.place, borough_label=results.borough)
    return decile_count_chart(results.distribution, area_label=results.borough)


# ==============================================================================================================
# Ages
# ==============================================================================================================
def age_chart(results: BoroughProfileResults) -> Figure:
    """Percentage of residents in each age band (persons): for sources without a split by sex."""
    g = results.age_bands
    fig, ax = new_figure(8.0, max(4.0, 0.27 * len(g) + 1.4))
    with chart_style():
        y = np.arange(len(g))
        ax.barh(y, g["percent"], color=OKABE_ITO["blue"], edgecolor=TEXT, linewidth=0.5, height=0.8,
                label=results.borough)
        ax.set_yticks(y, g["age_band"])
        ax.set_xlabel("Percentage of residents")
        ax.set_ylabel("Age band")
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}%")
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
    return fig


def borough_pyramid(results: BoroughProfileResults) -> Figure:
    """The borough's residents by age band and sex."""
    return population_pyramid(results.people_by_sex, area_label=results.borough)


def locality_pyramid(results: LocalityProfileResults) -> Figure:
    """The place's residents by age band and sex, the whole borough as a black outline (when a locality)."""
    return population_pyramid(results.place_people, results.borough_people, area_label=results.place,
                              comparison_label=results.borough)


# ==============================================================================================================
# Maps
# ==============================================================================================================
def deprivation_map(results: BoroughProfileResults, *, height: int = 520):
    """A folium map of each LSOA's national decile (categories, decile 1 darkest) with tooltips giving the
    LSOA's name, decile, rank and score; the borough's localities (if any) outlined on top."""
    gdf = results.lsoa_areas.copy()
    gdf["decile_label"] = gdf["decile"].map(decile_labels())
    gdf["population_text"] = gdf["population"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "")
    tips = [("decile_label", "National deprivation decile"),
            ("rank", results.imd.attrs.get("rank_label", "Rank").capitalize(), "{:,}"),
            ("score", "Deprivation score", "{:.1f}"),
            ("population_text", "Residents")]
    if (gdf["locality_name"] != "").any():
        tips.append(("locality_name", "Locality"))
    label = results.imd_label
    return maps.choropleth_map(gdf, "decile_label", categories=decile_colours(), tooltip_columns=tips,
                               legend_title=f"{label} national decile", outlines=results.outlines,
                               height=height, name=f"imd-deciles|{label}", missing_label="No decile")


def place_map(results: LocalityProfileResults, *, height: int = 600):
    """The locality within its borough (its wards coloured, outlined and labelled), or the borough's wards when
    the borough has no localities."""
    wards = results.map_areas
    if not results.has_localities:
        return maps.choropleth_map(wards.assign(where=results.borough), "where",
                                   categories={results.borough: PLACE_COLOUR}, tooltip_columns=[],
                                   legend_title="Borough", height=height, name=f"borough-wards|{results.area_code}")
    rest = f"Rest of {results.borough}"
    wards = wards.assign(where=np.where(wards["in_locality"], results.place, rest))
    mine = wards[wards["in_locality"]][["area_code", "area_name", "geometry"]]
    return maps.choropleth_map(
        wards, "where", categories={results.place: PLACE_COLOUR, rest: REST_COLOUR},
        tooltip_columns=[("locality_text", "Locality")], legend_title="Locality", outlines=mine,
        highlight=list(mine["area_code"]), height=height, name=f"locality-map|{results.locality_code}")


__all__ = ["decile_labels", "decile_colours", "decile_count_chart", "decile_comparison_chart",
           "borough_decile_chart", "locality_decile_chart", "age_chart", "borough_pyramid", "locality_pyramid",
           "deprivation_map", "place_map"]
