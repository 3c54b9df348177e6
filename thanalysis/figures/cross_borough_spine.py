"""The spine chart of the Fingertips indicators of the cross-borough report: one row per indicator, the range over
England's local authorities (light grey, and the middle half darker), England's value at the centre, the region
and the comparator boroughs' median as small marks, and the borough as a marker coloured by its comparison with
England (Fingertips' own label where it published one, else ours at 95%).

Drawn from :attr:`thanalysis.analyses.cross_borough.CrossBoroughResults.fingertips_spine`; the text alternative
and caption come from :mod:`thanalysis.narrative.cross_borough_themes`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from thanalysis.figures import charts
from thanalysis.figures.chart_style import OKABE_ITO, TEXT, chart_style
from thanalysis.figures.cross_borough import short_label


def _scaled(d: pd.DataFrame, column: str) -> np.ndarray:
    """``column`` on the spine's scale: England at 0, the further end of England's range at ±1, worse on the
    left (the axis flipped where lower is better), as :func:`thanalysis.figures.charts.spine_chart` draws it."""
    eng = d["england_value"].to_numpy(dtype=float)
    half = np.fmax(np.abs(d["england_max"].to_numpy(dtype=float) - eng),
                   np.abs(eng - d["england_min"].to_numpy(dtype=float)))
    half = np.where((half > 0) & np.isfinite(half), half, 1.0)
    flip = np.where(d["polarity"].astype(str).eq("lower_is_better").to_numpy(), -1.0, 1.0)
    return flip * (d[column].to_numpy(dtype=float) - eng) / half


def fingertips_spine_figure(spine: pd.DataFrame, area_name: str, region_name: str, group_title: str) -> Figure:
    """The spine chart (see the module docstring) of the drawable rows of ``spine``."""
    d = spine[spine["drawable"]].reset_index(drop=True)
    d["indicator"] = d["indicator"].map(short_label)
    fig = charts.spine_chart(d, area_label=area_name, value_format="{:,.1f}")
    ax = fig.axes[0]
    y = np.arange(len(d))[::-1]
    with chart_style():
        if "region_value" in d.columns and d["region_value"].notna().any():
            ax.scatter(_scaled(d, "region_value"), y, marker="|", s=260, color=OKABE_ITO["orange"], linewidths=2.5,
                       label=region_name, zorder=4)
        if "comparators_median" in d.columns and d["comparators_median"].notna().any():
            ax.scatter(_scaled(d, "comparators_median"), y, marker="x", s=50, color=TEXT, linewidths=1.5,
                       label=f"Median of {group_title}", zorder=4)
        for lg in list(fig.legends):
            lg.remove()
        for bars in ax.containers:  # the range is over the local authorities the source holds (see the caption)
            if bars.get_label() == "England range":
                bars.set_label("Range over local authorities")
        fig.legend(frameon=False, loc="outside lower center", ncol=3, fontsize=8)
    return fig


__all__ = ["fingertips_spine_figure"]
