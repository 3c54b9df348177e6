"""Accessible static charts for reports (matplotlib, Agg, no pyplot state).

Every chart function draws a table someone else computed (``thanalysis.stats`` does the statistics) and
returns a :class:`matplotlib.figure.Figure`; :func:`show_figure` turns it into an HTML ``<figure>`` with the PNG
inline, a required alt text and a caption. The house style, the colours and the way onto a page live in
:mod:`thanalysis.figures.chart_style` (and can be imported from here too).

Charts: :func:`population_pyramid`, :func:`decile_bar_chart`, :func:`ci_dot_plot`, :func:`funnel_plot`,
:func:`spine_chart`, :func:`trend_chart` and :func:`trend_panels` (small multiples).
"""
from __future__ import annotations

import re
import textwrap
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from thanalysis.errors import DataError
from thanalysis.figures.chart_style import (  # noqa: F401 (figure_html, figure_png, show_figure: callers import them from here)
    DPI,
    GRID,
    MUTED,
    OKABE_ITO,
    PLAIN_POINT,
    SERIES_COLOURS,
    SERIES_MARKERS,
    SIGNIFICANCE_STYLE,
    TEXT,
    chart_style,
    figure_html,
    figure_png,
    new_figure,
    show_figure,
)


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


def _age_order(labels: Sequence[str]) -> list[str]:
    def key(label: str):
        m = re.search(r"\d+", str(label))
        return (int(m.group()) if m else 10**6, str(label))

    return sorted(dict.fromkeys(labels), key=key)


def _categories(df: pd.DataFrame, significance: str | None) -> np.ndarray:
    """Each row's comparison category ("Not compared" where there is none); unknown categories are an error."""
    if not significance or significance not in df.columns:
        return np.array(["Not compared"] * len(df))
    unknown = sorted(set(df[significance].dropna().astype(str)) - set(SIGNIFICANCE_STYLE))
    if unknown:
        raise DataError("Unknown comparison categories.", column=significance, values=unknown,
                        expected=", ".join(SIGNIFICANCE_STYLE))
    return df[significance].fillna("Not compared").astype(str).to_numpy()


def _points(ax, x, y, cats: np.ndarray, *, plain: bool, label=None, **style) -> None:
    """One scatter per category, coloured AND shaped by it (``plain``: every point alike); ``label(cat)``."""
    for cat in dict.fromkeys(cats):
        mask = cats == cat
        colour, marker = PLAIN_POINT if plain else SIGNIFICANCE_STYLE[cat]
        ax.scatter(x[mask], y[mask], marker=marker, facecolor=colour, edgecolor=TEXT, zorder=3,
                   label=label(cat) if label else None, **style)


def _significance_legend(ax, categories: Sequence[str], title: str | None = None, loc="best") -> None:
    handles = [Line2D([], [], linestyle="none", marker=SIGNIFICANCE_STYLE[c][1], markersize=9,
                      markerfacecolor=SIGNIFICANCE_STYLE[c][0], markeredgecolor=TEXT, label=c)
               for c in categories if c in SIGNIFICANCE_STYLE]
    if handles:
        ax.legend(handles=handles, title=title, frameon=False, loc=loc)


def _line_with_band(ax, x, d: pd.DataFrame, value: str, lower: str | None, upper: str | None, colour: str,
                    alpha: float, **line) -> None:
    """A line of ``d[value]`` over a shaded band from ``d[lower]`` to ``d[upper]`` (when both are given)."""
    lo, hi = _num(d, lower), _num(d, upper)
    if lo is not None and hi is not None:
        ax.fill_between(x, lo, hi, color=colour, alpha=alpha, linewidth=0)
    ax.plot(x, _num(d, value), color=colour, linewidth=2, **line)


def _grid(ax, axis: str = "both") -> None:
    ax.grid(axis=axis, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _finish(fig, ax, title: str | None, *, legend_columns: int | None = None, pad: float | None = None) -> Figure:
    """The figure's legend below the chart (when ``legend_columns``) and the title, left-aligned."""
    if legend_columns:
        fig.legend(frameon=False, loc="outside lower center", ncol=legend_columns)
    if title:
        ax.set_title(title, loc="left", pad=pad)
    return fig


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
        _grid(ax, "x")
        return _finish(fig, ax, title, legend_columns=3)


def decile_bar_chart(
    df: pd.DataFrame,
    *,
    decile: str = "decile", value: str = "value",
    lower: str | None = "lower_ci_95", upper: str | None = "upper_ci_95",
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
        _grid(ax, "y")
        return _finish(fig, ax, title, legend_columns=2)


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
        cats = _categories(d, significance)
        _points(ax, v, y, cats, plain=not significance, s=70, linewidth=0.9)
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
        _grid(ax, "x")
        if significance:
            _significance_legend(ax, list(dict.fromkeys(cats)), title=f"Compared with {benchmark_label}",
                                 loc="lower right")
        return _finish(fig, ax, title, pad=16)


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
        cats = _categories(points, significance)
        _points(ax, px, pv, cats, plain=not significance, label=(lambda cat: cat) if significance else None,
                s=60, linewidth=0.9)
        if label and label in points.columns and label_points:
            wanted = set(label_points)
            for x_, y_, name in zip(px, pv, points[label].astype(str)):
                if name in wanted:
                    ax.annotate(name, (x_, y_), xytext=(6, 4), textcoords="offset points", fontsize=10)
        ax.set_xlabel(denominator_label)
        ax.set_ylabel(value_label)
        _grid(ax)
        ax.legend(frameon=False, loc="best")
        return _finish(fig, ax, title)


def spine_chart(
    df: pd.DataFrame,
    *,
    indicator: str = "indicator",
    area_value: str = "area_value", england_value: str = "england_value",
    minimum: str = "england_min", q25: str = "england_q25", q75: str = "england_q75", maximum: str = "england_max",
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
        _points(ax, scale(area_value), y, _categories(d, significance), plain=False, s=80,
                label=lambda cat: f"{area_label}: {cat.lower()}")
        values = [value_format.format(v) if np.isfinite(v) else "–" for v in _num(d, area_value)]
        engs = [value_format.format(v) if np.isfinite(v) else "–" for v in eng]
        ax.set_yticks(y, [f"{n}\n{area_label} {v} · England {e}" for n, v, e in zip(d[indicator].astype(str), values, engs)])
        ax.set_xlim(-1.08, 1.08)
        ax.set_xticks([-1, 0, 1], ["Worse ←", "England", "→ Better"])
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        return _finish(fig, ax, title, legend_columns=3)


def trend_chart(
    df: pd.DataFrame,
    *,
    period: str = "period", value: str = "value",
    lower: str | None = "lower_ci_95", upper: str | None = "upper_ci_95",
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
            _line_with_band(ax, d["_x"].to_numpy(dtype=float), d, value, lower, upper,
                            SERIES_COLOURS[i % len(SERIES_COLOURS)], 0.18,
                            marker=SERIES_MARKERS[i % len(SERIES_MARKERS)], markersize=6,
                            label=g if g is not None else (value_label or "Value"))
        step = max(1, int(np.ceil(len(periods) / 12)))
        ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45 if len(periods) > 8 else 0,
                      ha="right" if len(periods) > 8 else "center")
        ax.set_ylabel(value_label)
        _grid(ax, "y")
        handles, labels = ax.get_legend_handles_labels()
        if lower and upper:
            handles.append(Patch(color=MUTED, alpha=0.25))
            labels.append("95% confidence interval")
        ax.legend(handles, labels, frameon=False, loc="best")
        return _finish(fig, ax, title)


def trend_panels(
    df: pd.DataFrame,
    *,
    panel: str,
    period: str = "period",
    value: str = "value",
    lower: str | None = "lower_ci_95", upper: str | None = "upper_ci_95",
    value_label: str = "",
    zero_line: bool = False,
    columns: int = 3,
) -> Figure:
    """Small multiples: one panel per ``panel`` value, each on its own scale, line with a shaded 95% CI.

    For many series in different units (one line chart with eleven lines and a legend hides the data).
    """
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
            _line_with_band(ax, x, d, value, lower, upper, SERIES_COLOURS[0], 0.2, marker="o", markersize=4)
            if zero_line:
                ax.axhline(0, color=TEXT, linewidth=0.8)
            step = max(1, int(np.ceil(len(labels) / 4)))
            ax.set_xticks(x[::step], labels[::step], fontsize=9)
            ax.tick_params(axis="y", labelsize=9)
            _grid(ax, "y")
            ax.set_title("\n".join(textwrap.wrap(names[k], 34)[:3]), loc="left", fontsize=10)
        if value_label:
            fig.supylabel(value_label, fontsize=10.5)
    return fig
