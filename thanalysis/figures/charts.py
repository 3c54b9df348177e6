"""Accessible static charts for reports (matplotlib, Agg, no pyplot state).

Every chart function draws a table someone else computed (``thanalysis.stats`` does the statistics) and
returns a :class:`matplotlib.figure.Figure`. :func:`show_figure` turns a figure into an HTML ``<figure>``
with the PNG inline, a required alt text and a caption, so reports stay self-contained.

Design choices, for readers with colour-vision deficiency and for grey-scale printing:
- colours from Okabe & Ito (2008), "Color Universal Design";
- comparison categories differ by marker SHAPE as well as colour (▲ better, ● similar, ▼ worse);
- text at 11pt or more; PNGs at a fixed dpi with no metadata, so the same table gives the same bytes.
"""
from __future__ import annotations

import base64
import html
import io
import re
from contextlib import contextmanager
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from thanalysis.errors import DataError

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "sky_blue": "#56B4E9",
    "reddish_purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Series colours in the order they are used.
SERIES_COLOURS = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple")]
#: Series markers (so lines stay distinguishable without colour).
SERIES_MARKERS = ["o", "s", "^", "D", "v", "P"]
#: Benchmark comparison: (colour, marker, edge) per category; shape carries the meaning in grey-scale.
SIGNIFICANCE_STYLE: dict[str, tuple[str, str]] = {
    "Better": (OKABE_ITO["blue"], "^"),
    "Similar": ("#F2F2F2", "o"),
    "Worse": (OKABE_ITO["vermillion"], "v"),
    "Higher": (OKABE_ITO["sky_blue"], "^"),
    "Lower": (OKABE_ITO["reddish_purple"], "v"),
    "Not compared": ("#FFFFFF", "s"),
}
#: Points with no comparison at all (no significance column given).
PLAIN_POINT: tuple[str, str] = (OKABE_ITO["sky_blue"], "o")
TEXT = "#1a1a1a"
MUTED = "#555555"
GRID = "#d0d0d0"
#: Fixed resolution so the same chart always gives the same PNG.
DPI = 100

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "legend.fontsize": 10.5,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": TEXT,
    "text.color": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "thanalysis",
    "path.simplify": False,
}


@contextmanager
def chart_style():
    """The house style (fonts, colours) for figures created inside the block."""
    with rc_context(_STYLE):
        yield


def new_figure(width: float = 8.0, height: float = 4.5) -> tuple[Figure, object]:
    """A figure not managed by pyplot (so notebooks never display it twice) with one axes."""
    with chart_style():
        fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


# --------------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------------
def figure_png(fig: Figure) -> bytes:
    """PNG bytes of ``fig`` at a fixed dpi with the 'Software' metadata removed (deterministic)."""
    buffer = io.BytesIO()
    with chart_style():
        # Settle the constrained layout once and freeze it, so saving the same figure twice gives the same bytes.
        if fig.get_layout_engine() is not None and not getattr(fig, "_thanalysis_frozen", False):
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
            fig._thanalysis_frozen = True
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    return _palette_png(buffer.getvalue())


def _palette_png(png: bytes) -> bytes:
    """The same picture as a 256-colour palette PNG: about a third of the bytes for a chart (flat colours and
    anti-aliased edges), so a report with 30 charts stays well under 3 MB. Fast octree, no dithering:
    deterministic, and the few colours a chart uses come through exactly."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG")
    return out.getvalue()


def figure_html(fig: Figure, alt: str, caption: str = "") -> str:
    """``<figure>`` with the chart inline as a data URI, its alt text and a caption."""
    if not alt or not alt.strip():
        raise ValueError("Every chart needs alt text: say what it shows and the main finding.")
    data = base64.b64encode(figure_png(fig)).decode("ascii")
    width, height = (int(round(v * DPI)) for v in fig.get_size_inches())
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (f'<figure class="th-figure"><img alt="{html.escape(alt.strip(), quote=True)}" width="{width}" '
            f'height="{height}" style="max-width:100%;height:auto" src="data:image/png;base64,{data}">{cap}</figure>')


def show_figure(fig: Figure, alt: str, caption: str = ""):
    """Display a chart in a notebook as accessible HTML (alt text + caption), PNG embedded."""
    from IPython.display import HTML

    return HTML(figure_html(fig, alt, caption))


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _need(df: pd.DataFrame, columns: Sequence[str | None], chart: str) -> None:
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise DataError(f"The table given to {chart} lacks a column it draws.", column=", ".join(missing),
                        expected=f"columns: {', '.join(map(str, df.columns))}")


def _num(df: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None or column not in df.columns:
        return None
    return pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)


def _error_bars(value, lower, upper):
    """Asymmetric error-bar lengths; NaN where an interval is missing (matplotlib then draws none)."""
    if lower is None or upper is None:
        return None
    return np.vstack([np.clip(value - lower, 0, None), np.clip(upper - value, 0, None)])


def _significance_legend(ax, categories: Sequence[str], title: str | None = None, loc="best") -> None:
    handles = [Line2D([], [], linestyle="none", marker=SIGNIFICANCE_STYLE[c][1], markersize=9,
                      markerfacecolor=SIGNIFICANCE_STYLE[c][0], markeredgecolor=TEXT, label=c)
               for c in categories if c in SIGNIFICANCE_STYLE]
    if handles:
        ax.legend(handles=handles, title=title, frameon=False, loc=loc)


def _age_order(labels: Sequence[str]) -> list[str]:
    def key(label: str):
        m = re.search(r"\d+", str(label))
        return (int(m.group()) if m else 10**6, str(label))

    return sorted(dict.fromkeys(labels), key=key)


def _check_significance(values: pd.Series, column: str) -> None:
    unknown = sorted(set(values.dropna().astype(str)) - set(SIGNIFICANCE_STYLE))
    if unknown:
        raise DataError("Unknown comparison categories.", column=column, values=unknown,
                        expected=", ".join(SIGNIFICANCE_STYLE))


# --------------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------------
def population_pyramid(
    pop_df: pd.DataFrame,
    comparison: pd.DataFrame | None = None,
    *,
    age_column: str = "age_band",
    sex_column: str = "sex",
    value_column: str | None = None,
    area_label: str = "Area",
    comparison_label: str = "Borough",
    title: str | None = None,
) -> Figure:
    """Percentage of the population in each age band, males left and females right.

    ``pop_df`` has one row per age band × sex with ``percent`` (already a share of the whole area) or
    ``population`` (shown as its share of the table's total). ``comparison`` (same shape, e.g. the borough)
    is drawn as a black outline so the two shapes can be compared.
    """

    def shares(df: pd.DataFrame) -> pd.DataFrame:
        column = value_column or ("percent" if "percent" in df.columns else "population")
        _need(df, [age_column, sex_column, column], "population_pyramid")
        d = df[df[sex_column].isin(["Male", "Female"])]
        values = pd.to_numeric(d[column], errors="coerce")
        if column != "percent" and value_column is None:
            values = 100 * values / values.sum()
        return (d.assign(_v=values).pivot_table(index=age_column, columns=sex_column, values="_v", aggfunc="sum")
                .reindex(columns=["Male", "Female"]).fillna(0.0))

    main = shares(pop_df)
    order = _age_order(list(main.index) + (list(shares(comparison).index) if comparison is not None else []))
    main = main.reindex(order).fillna(0.0)
    y = np.arange(len(order))
    fig, ax = new_figure(8.0, max(4.0, 0.28 * len(order) + 1.5))
    with chart_style():
        ax.barh(y, -main["Male"], color=OKABE_ITO["blue"], height=0.85, label=f"{area_label}: males")
        ax.barh(y, main["Female"], color=OKABE_ITO["orange"], height=0.85, label=f"{area_label}: females")
        if comparison is not None:
            comp = shares(comparison).reindex(order).fillna(0.0)
            edges = np.r_[y - 0.5, y[-1] + 0.5]
            for sign, sex in ((-1, "Male"), (1, "Female")):
                ax.stairs(sign * comp[sex].to_numpy(), edges, orientation="horizontal", color=TEXT, linewidth=1.6,
                          label=f"{comparison_label}" if sex == "Male" else None, baseline=None)
        ax.axvline(0, color=TEXT, linewidth=0.8)
        limit = float(np.nanmax(np.abs(ax.get_xlim())))
        ax.set_xlim(-limit, limit)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [f"{abs(t):g}%" for t in ticks])
        ax.set_xlim(-limit, limit)
        ax.set_yticks(y, order)
        ax.set_xlabel("Percentage of the population (males left, females right)")
        ax.set_ylabel("Age band")
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        fig.legend(frameon=False, loc="outside lower center", ncol=3)
        if title:
            ax.set_title(title, loc="left")
    return fig


def decile_bar_chart(
    df: pd.DataFrame,
    *,
    decile: str = "decile",
    value: str = "value",
    lower: str | None = "lower_ci_95",
    upper: str | None = "upper_ci_95",
    sii_line: tuple[float, float] | None = None,
    sii_label: str = "Slope index of inequality (fitted line)",
    value_label: str = "",
    n_groups: int | None = None,
    title: str | None = None,
) -> Figure:
    """Values by deprivation decile (1 = most deprived) with 95% CIs and, optionally, the SII line.

    ``sii_line`` = (fitted value at the most deprived end, fitted value at the least deprived end) of the
    regression behind the slope index of inequality (relative rank 0 → 1), as ``thanalysis.stats`` reports it.
    """
    _need(df, [decile, value], "decile_bar_chart")
    d = df.sort_values(decile)
    x = pd.to_numeric(d[decile], errors="coerce").to_numpy(dtype=float)
    v = _num(d, value)
    n = int(n_groups or max(10, np.nanmax(x)))
    fig, ax = new_figure(8.0, 4.5)
    with chart_style():
        ax.bar(x, v, color=OKABE_ITO["sky_blue"], edgecolor=TEXT, linewidth=0.6, width=0.8, label=value_label or "Value")
        err = _error_bars(v, _num(d, lower), _num(d, upper))
        if err is not None:
            ax.errorbar(x, v, yerr=err, fmt="none", ecolor=TEXT, elinewidth=1.2, capsize=4, label="95% confidence interval")
        if sii_line is not None:
            ax.plot([0.5, n + 0.5], list(sii_line), color=OKABE_ITO["vermillion"], linewidth=2.2, linestyle="--",
                    label=sii_label)
        word = "decile" if n == 10 else "quintile" if n == 5 else "group"
        labels = [str(i) for i in range(1, n + 1)]
        labels[0] += "\nmost\ndeprived"
        labels[-1] += "\nleast\ndeprived"
        ax.set_xticks(np.arange(1, n + 1), labels)
        ax.set_xlim(0.4, n + 0.6)
        ax.set_xlabel(f"Deprivation {word} (IMD)")
        ax.set_ylabel(value_label)
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        fig.legend(frameon=False, loc="outside lower center", ncol=2)
        if title:
            ax.set_title(title, loc="left")
    return fig


def ci_dot_plot(
    df: pd.DataFrame,
    label: str,
    value: str,
    lower: str | None,
    upper: str | None,
    benchmark: float | None = None,
    significance: str | None = None,
    *,
    benchmark_label: str = "England",
    value_label: str = "",
    sort: bool = True,
    highlight: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Areas as dots with 95% CIs against a benchmark line; dots coloured AND shaped by better/similar/worse."""
    _need(df, [label, value, lower, upper, significance], "ci_dot_plot")
    d = df.sort_values(value, ascending=True, na_position="first") if sort else df.iloc[::-1]
    v, lo, hi = _num(d, value), _num(d, lower), _num(d, upper)
    y = np.arange(len(d))
    fig, ax = new_figure(8.0, max(3.0, 0.32 * len(d) + 1.6))
    with chart_style():
        err = _error_bars(v, lo, hi)
        if err is not None:
            ax.errorbar(v, y, xerr=err, fmt="none", ecolor=MUTED, elinewidth=1.3, capsize=3)
        if significance:
            _check_significance(d[significance], significance)
            cats = d[significance].fillna("Not compared").astype(str).to_numpy()
        else:
            cats = np.array(["Not compared"] * len(d))
        for cat in dict.fromkeys(cats):
            mask = cats == cat
            colour, marker = SIGNIFICANCE_STYLE[cat] if significance else PLAIN_POINT
            ax.scatter(v[mask], y[mask], marker=marker, s=70, facecolor=colour, edgecolor=TEXT, linewidth=0.9, zorder=3)
        if benchmark is not None and np.isfinite(benchmark):
            ax.axvline(benchmark, color=TEXT, linestyle="--", linewidth=1.2)
            ax.annotate(f"{benchmark_label}: {benchmark:,.1f}", xy=(benchmark, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(4, 2), textcoords="offset points", fontsize=10, color=TEXT, va="bottom")
        names = d[label].astype(str).tolist()
        ax.set_yticks(y, names)
        if highlight:
            for tick, name in zip(ax.get_yticklabels(), names):
                if name in set(highlight):
                    tick.set_fontweight("bold")
        ax.set_ylim(-0.7, len(d) - 0.3)
        ax.set_xlabel(value_label)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        if significance:
            _significance_legend(ax, list(dict.fromkeys(cats)), title=f"Compared with {benchmark_label}",
                                 loc="lower right")
        if title:
            ax.set_title(title, loc="left", pad=16)
    return fig


def funnel_plot(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    denominator: str = "denominator",
    value: str = "value",
    label: str | None = "area_name",
    significance: str | None = None,
    limit_columns: Mapping[str, str] | None = None,
    benchmark: float | None = None,
    benchmark_label: str = "Benchmark",
    value_label: str = "",
    denominator_label: str = "Denominator (population or events)",
    label_points: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Areas (value against denominator) inside funnel control limits computed by ``thanalysis.stats``.

    ``limits``: one row per denominator with the 95% and 99.8% limits. Column names default to
    ``lower_95, upper_95, lower_99_8, upper_99_8`` (PHEindicatormethods' ``lower_2s_limit`` … are also
    recognised); pass ``limit_columns={"lower_95": ..., ...}`` otherwise. ``benchmark`` (or a ``baseline``
    / ``centre`` column in ``limits``) draws the centre line.
    """
    _need(points, [denominator, value, significance], "funnel_plot")
    names = {"lower_95": ["lower_95", "lower_2s_limit"], "upper_95": ["upper_95", "upper_2s_limit"],
             "lower_99_8": ["lower_99_8", "lower_3s_limit"], "upper_99_8": ["upper_99_8", "upper_3s_limit"]}
    cols = dict(limit_columns or {})
    for key, options in names.items():
        cols.setdefault(key, next((c for c in options if c in limits.columns), options[0]))
    lim_x = "denominator" if "denominator" in limits.columns else denominator
    _need(limits, [lim_x, *cols.values()], "funnel_plot")
    lim = limits.sort_values(lim_x)
    lx = _num(lim, lim_x)
    fig, ax = new_figure(8.0, 5.0)
    with chart_style():
        for key, style, text in (("95", "--", "95% limits"), ("99_8", "-", "99.8% limits")):
            ax.plot(lx, _num(lim, cols[f"lower_{key}"]), color=MUTED, linestyle=style, linewidth=1.3, label=text)
            ax.plot(lx, _num(lim, cols[f"upper_{key}"]), color=MUTED, linestyle=style, linewidth=1.3)
        centre = benchmark
        if centre is None:
            for c in ("baseline", "centre", "target"):
                if c in lim.columns:
                    centre = float(pd.to_numeric(lim[c], errors="coerce").iloc[0])
                    break
        if centre is not None:
            ax.axhline(centre, color=TEXT, linewidth=1.2, label=f"{benchmark_label}: {centre:,.1f}")
        px, pv = _num(points, denominator), _num(points, value)
        if significance:
            _check_significance(points[significance], significance)
            cats = points[significance].fillna("Not compared").astype(str).to_numpy()
        else:
            cats = np.array(["Not compared"] * len(points))
        for cat in dict.fromkeys(cats):
            mask = cats == cat
            colour, marker = SIGNIFICANCE_STYLE[cat] if significance else PLAIN_POINT
            ax.scatter(px[mask], pv[mask], marker=marker, s=60, facecolor=colour, edgecolor=TEXT, linewidth=0.9,
                       zorder=3, label=cat if significance else None)
        if label and label in points.columns and label_points:
            wanted = set(label_points)
            for x_, y_, name in zip(px, pv, points[label].astype(str)):
                if name in wanted:
                    ax.annotate(name, (x_, y_), xytext=(6, 4), textcoords="offset points", fontsize=10)
        ax.set_xlabel(denominator_label)
        ax.set_ylabel(value_label)
        ax.grid(color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, loc="best")
        if title:
            ax.set_title(title, loc="left")
    return fig


def spine_chart(
    df: pd.DataFrame,
    *,
    indicator: str = "indicator",
    area_value: str = "area_value",
    england_value: str = "england_value",
    minimum: str = "england_min",
    q25: str = "england_q25",
    q75: str = "england_q75",
    maximum: str = "england_max",
    polarity: str | None = "polarity",
    significance: str | None = "significance",
    area_label: str = "Area",
    value_format: str = "{:,.1f}",
    title: str | None = None,
) -> Figure:
    """A Fingertips-style spine chart: one row per indicator, England's average at the centre.

    Each row is rescaled so the England value sits in the middle and the further of the England minimum and
    maximum reaches the edge; for ``lower_is_better`` rows the axis is flipped so that "worse" is always on
    the left (the Fingertips convention). Light grey: England range; dark grey: 25th–75th percentile;
    marker: the area (shape and colour by comparison).
    """
    _need(df, [indicator, area_value, england_value, minimum, q25, q75, maximum], "spine_chart")
    d = df.reset_index(drop=True)
    eng, lo, hi = _num(d, england_value), _num(d, minimum), _num(d, maximum)
    half = np.fmax(np.abs(hi - eng), np.abs(eng - lo))
    half = np.where((half > 0) & np.isfinite(half), half, 1.0)
    flip = np.where(d[polarity].astype(str).eq("lower_is_better").to_numpy(), -1.0, 1.0) if (
        polarity and polarity in d.columns) else np.ones(len(d))

    def scale(column: str) -> np.ndarray:
        return flip * (_num(d, column) - eng) / half

    y = np.arange(len(d))[::-1]
    fig, ax = new_figure(9.0, max(2.5, 0.5 * len(d) + 1.4))
    with chart_style():
        a, b = scale(minimum), scale(maximum)
        ax.barh(y, np.abs(b - a), left=np.fmin(a, b), height=0.6, color="#d9d9d9", label="England range")
        c, e = scale(q25), scale(q75)
        ax.barh(y, np.abs(e - c), left=np.fmin(c, e), height=0.6, color="#8c8c8c", label="25th to 75th percentile")
        ax.axvline(0, color=TEXT, linewidth=1.4, label="England average")
        if significance and significance in d.columns:
            _check_significance(d[significance], significance)
            cats = d[significance].fillna("Not compared").astype(str).to_numpy()
        else:
            cats = np.array(["Not compared"] * len(d))
        pos = scale(area_value)
        for cat in dict.fromkeys(cats):
            mask = cats == cat
            colour, marker = SIGNIFICANCE_STYLE[cat]
            ax.scatter(pos[mask], y[mask], marker=marker, s=80, facecolor=colour, edgecolor=TEXT, zorder=3,
                       label=f"{area_label}: {cat.lower()}")
        values = [value_format.format(v) if np.isfinite(v) else "–" for v in _num(d, area_value)]
        engs = [value_format.format(v) if np.isfinite(v) else "–" for v in eng]
        ax.set_yticks(y, [f"{n}\n{area_label} {v} · England {e}" for n, v, e in zip(d[indicator].astype(str), values, engs)])
        ax.set_xlim(-1.08, 1.08)
        ax.set_xticks([-1, 0, 1], ["Worse ←", "England", "→ Better"])
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        fig.legend(frameon=False, loc="outside lower center", ncol=3)
        if title:
            ax.set_title(title, loc="left")
    return fig


def trend_chart(
    df: pd.DataFrame,
    *,
    period: str = "period",
    value: str = "value",
    lower: str | None = "lower_ci_95",
    upper: str | None = "upper_ci_95",
    group: str | None = None,
    value_label: str = "",
    title: str | None = None,
) -> Figure:
    """Values over time (one line per ``group``, each with its own marker) with shaded 95% CIs."""
    _need(df, [period, value, group], "trend_chart")
    periods = list(dict.fromkeys(df.sort_values(period)[period].astype(str)))
    x_of = {p: i for i, p in enumerate(periods)}
    fig, ax = new_figure(8.0, 4.5)
    groups = list(dict.fromkeys(df[group].astype(str))) if group else [None]
    with chart_style():
        for i, g in enumerate(groups):
            d = df if g is None else df[df[group].astype(str) == g]
            d = d.assign(_x=d[period].astype(str).map(x_of)).sort_values("_x")
            x = d["_x"].to_numpy(dtype=float)
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            lo, hi = _num(d, lower), _num(d, upper)
            if lo is not None and hi is not None:
                ax.fill_between(x, lo, hi, color=colour, alpha=0.18, linewidth=0)
            ax.plot(x, _num(d, value), color=colour, marker=SERIES_MARKERS[i % len(SERIES_MARKERS)], linewidth=2,
                    markersize=6, label=g if g is not None else (value_label or "Value"))
        step = max(1, int(np.ceil(len(periods) / 12)))
        ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45 if len(periods) > 8 else 0,
                      ha="right" if len(periods) > 8 else "center")
        ax.set_ylabel(value_label)
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        handles, labels = ax.get_legend_handles_labels()
        if lower and upper:
            handles.append(Patch(color=MUTED, alpha=0.25))
            labels.append("95% confidence interval")
        ax.legend(handles, labels, frameon=False, loc="best")
        if title:
            ax.set_title(title, loc="left")
    return fig


def trend_panels(
    df: pd.DataFrame,
    *,
    panel: str,
    period: str = "period",
    value: str = "value",
    lower: str | None = "lower_ci_95",
    upper: str | None = "upper_ci_95",
    value_label: str = "",
    zero_line: bool = False,
    columns: int = 3,
) -> Figure:
    """Small multiples: one panel per ``panel`` value, each on its own scale, line with a shaded 95% CI.

    For many series in different units (one line chart with eleven lines and a legend hides the data).
    """
    import textwrap

    _need(df, [period, value, panel], "trend_panels")
    names = list(dict.fromkeys(df[panel].astype(str)))
    cols = max(1, min(columns, len(names)))
    rows = int(np.ceil(len(names) / cols))
    with chart_style():
        fig = Figure(figsize=(3.4 * cols, 2.7 * rows + 0.4), dpi=DPI, layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k >= len(names):
                ax.set_axis_off()
                continue
            d = df[df[panel].astype(str) == names[k]].sort_values(period)
            labels = d[period].astype(str).tolist()
            x = np.arange(len(labels), dtype=float)
            colour = SERIES_COLOURS[0]
            lo, hi = _num(d, lower), _num(d, upper)
            if lo is not None and hi is not None:
                ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
            ax.plot(x, _num(d, value), color=colour, marker="o", linewidth=2, markersize=4)
            if zero_line:
                ax.axhline(0, color=TEXT, linewidth=0.8)
            step = max(1, int(np.ceil(len(labels) / 4)))
            ax.set_xticks(x[::step], labels[::step], fontsize=9)
            ax.tick_params(axis="y", labelsize=9)
            ax.grid(axis="y", color=GRID, linewidth=0.6)
            ax.set_axisbelow(True)
            ax.set_title("\n".join(textwrap.wrap(names[k], 34)[:3]), loc="left", fontsize=10)
        if value_label:
            fig.supylabel(value_label, fontsize=10.5)
    return fig


def bar_chart_ranked(
    df: pd.DataFrame,
    label: str,
    value: str,
    *,
    lower: str | None = None,
    upper: str | None = None,
    highlight: Sequence[str] | None = None,
    benchmark: float | None = None,
    benchmark_label: str = "Borough",
    value_label: str = "",
    descending: bool = True,
    title: str | None = None,
) -> Figure:
    """Horizontal bars ranked by value; ``highlight``-ed labels in a contrasting colour and bold."""
    _need(df, [label, value, lower, upper], "bar_chart_ranked")
    d = df.sort_values(value, ascending=not descending, na_position="last").iloc[::-1]
    v = _num(d, value)
    y = np.arange(len(d))
    names = d[label].astype(str).tolist()
    wanted = set(highlight or [])
    colours = [OKABE_ITO["orange"] if n in wanted else OKABE_ITO["blue"] for n in names]
    fig, ax = new_figure(8.0, max(3.0, 0.32 * len(d) + 1.4))
    with chart_style():
        ax.barh(y, np.nan_to_num(v), color=colours, edgecolor=TEXT, linewidth=0.5, height=0.75)
        err = _error_bars(v, _num(d, lower), _num(d, upper))
        if err is not None:
            ax.errorbar(v, y, xerr=err, fmt="none", ecolor=TEXT, elinewidth=1.1, capsize=3)
        if benchmark is not None:
            ax.axvline(benchmark, color=TEXT, linestyle="--", linewidth=1.2)
            ax.annotate(f"{benchmark_label}: {benchmark:,.1f}", xy=(benchmark, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(4, 2), textcoords="offset points", fontsize=10, va="bottom")
        ax.set_yticks(y, names)
        for tick, name in zip(ax.get_yticklabels(), names):
            if name in wanted:
                tick.set_fontweight("bold")
        ax.set_ylim(-0.6, len(d) - 0.4)
        ax.set_xlabel(value_label)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        if wanted:
            ax.legend(handles=[Patch(color=OKABE_ITO["orange"], label="Highlighted"),
                               Patch(color=OKABE_ITO["blue"], label="Other areas")], frameon=False, loc="lower right")
        if title:
            ax.set_title(title, loc="left", pad=16)
    return fig
