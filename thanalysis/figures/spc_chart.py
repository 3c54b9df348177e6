"""Draw a Making Data Count SPC chart from the table ``thanalysis.stats.spc.spc`` returns.

Drawing only: every line and colour comes from columns already computed (``mean``, ``lpl``,
``upl``, ``target``, ``trajectory``, ``rebase_group``, ``point_type``), as NHSRplotthedots keeps
``ptd_create_ggplot`` apart from the calculation. Special-cause points differ by colour *and* marker
shape (diamond = improvement, square = concern, triangle = neutral), and lines differ by dash, so the
chart reads in grey-scale. Colours follow Okabe & Ito's colour-blind-safe palette. The alt text reads
the latest phase's variation and assurance from :func:`thanalysis.stats.spc.spc_summary`.

Small numbers (:mod:`thanalysis.stats.disclosure`): the months given as ``withheld`` are drawn without their
value: a hollow circle at the foot of the chart, no point and no line at their height, and the alt text says
"a small number" for them and takes the published (rounded) mean and limits from ``shown``.

Context the caller gives: a ``subtitle`` (e.g. the area and the period the data cover), a ``badge`` boxed at the
right of the title row (e.g. "OUT OF DATE"), ``comparators`` drawn as thin labelled lines for context (other areas'
values, no limits of their own), and quarterly axis labels (``2025 Q4``) when ``frequency`` is ``quarterly``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from thanalysis.errors import StatsInputError
from thanalysis.stats.disclosure import DEFAULT_THRESHOLD
from thanalysis.stats.spc import spc_summary

# Okabe-Ito colours; special-cause points also differ by marker so colour is never the only cue.
SERIES_GREY = "#7F7F7F"
MEAN_COLOUR = "#000000"
LIMIT_COLOUR = "#555555"
TARGET_COLOUR = "#009E73"
TRAJECTORY_COLOUR = "#CC79A7"
POINT_STYLES: dict[str, dict[str, Any]] = {
    "common_cause": {"color": "#9E9E9E", "marker": "o", "size": 22, "label": "Common cause"},
    "special_cause_improvement": {"color": "#0072B2", "marker": "D", "size": 46, "label": "Special cause: improvement"},
    "special_cause_concern": {"color": "#E69F00", "marker": "s", "size": 46, "label": "Special cause: concern"},
    "special_cause_neutral_high": {"color": "#6A3D9A", "marker": "^", "size": 52, "label": "Special cause: neutral (high)"},
    "special_cause_neutral_low": {"color": "#6A3D9A", "marker": "v", "size": 52, "label": "Special cause: neutral (low)"},
}
WITHHELD_STYLE = {"marker": "o", "markersize": 7, "markerfacecolor": "#FFFFFF", "markeredgecolor": "#000000",
                  "linestyle": "none", "label": "Small number: value not shown"}
FONT_SIZE = 11
#: Lines of the areas a series is compared with (colour, dash), in order; thin, so the series stays in front.
COMPARATOR_STYLES = [("#56B4E9", "-."), ("#882255", (0, (1, 1.5))), ("#000000", (0, (6, 2, 1, 2, 1, 2)))]


def _withheld(result: pd.DataFrame, withheld) -> np.ndarray:
    if withheld is None:
        return np.zeros(len(result), dtype=bool)
    mask = np.asarray(withheld, dtype=bool)
    if mask.shape != (len(result),):
        raise StatsInputError(f"spc_chart: withheld must have one true/false per row ({len(result)}), got {mask.shape}")
    return mask


def _options(result: pd.DataFrame) -> dict:
    options = dict(result.attrs.get("spc_options", {}))
    options.setdefault("value", "value")
    options.setdefault("date", "date")
    options.setdefault("group_by", ())
    needed = [options["value"], options["date"], "mean", "lpl", "upl", "rebase_group", "point_type"]
    missing = [c for c in needed if c not in result.columns]
    if missing:
        raise StatsInputError(
            f"spc_chart: expected the table returned by thanalysis.stats.spc.spc(); missing column(s) {missing}"
        )
    return options


def _groups(result: pd.DataFrame, options: dict) -> list[tuple[str, pd.DataFrame]]:
    by = [g for g in options["group_by"] if g in result.columns]
    if not by:
        return [("", result)]
    out = []
    for key, frame in result.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        out.append((", ".join(str(k) for k in key), frame))
    return out


def _format_value(value: float, percent: bool) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "not available"
    if percent:
        return f"{value * 100:.1f}%"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _draw_comparators(ax, comparators, percent: bool) -> None:
    """Thin labelled lines of the areas the series is compared with: ``(name, dates, values)`` each."""
    for (name, dates, values), (colour, dash) in zip(comparators, COMPARATOR_STYLES * 3, strict=False):
        ax.plot(pd.to_datetime(pd.Series(dates)).to_numpy(), np.asarray(values, dtype=float), color=colour,
                linestyle=dash, linewidth=1.1, label=f"{name} (for comparison)", zorder=1)


def _draw_panel(ax, frame: pd.DataFrame, options: dict, percent: bool, show_labels: bool,
                withheld: np.ndarray, quarterly: bool = False) -> None:
    x = frame[options["date"]].to_numpy()
    y = np.where(withheld, np.nan, frame[options["value"]].to_numpy(dtype=float))
    cut = np.flatnonzero(frame["gap_before"].to_numpy(dtype=bool)) if "gap_before" in frame else []
    # A NaN point before each gap the analysis marked (months missing) breaks the line there.
    ax.plot(np.insert(x, cut, x[cut]), np.insert(y, cut, np.nan), color=SERIES_GREY, linewidth=1.2, zorder=2)

    # Mean and process limits, drawn phase by phase so a rebase shows as a break.
    phases = frame["rebase_group"].to_numpy()
    for i, phase in enumerate(pd.unique(phases)):
        part = frame.loc[phases == phase]
        px = part[options["date"]].to_numpy()
        first = i == 0 and show_labels
        ax.plot(px, part["mean"], color=MEAN_COLOUR, linewidth=1.4, label="Mean" if first else None, zorder=3)
        ax.plot(px, part["upl"], color=LIMIT_COLOUR, linestyle="--", linewidth=1.2,
                label="Process limits" if first else None, zorder=3)
        ax.plot(px, part["lpl"], color=LIMIT_COLOUR, linestyle="--", linewidth=1.2, zorder=3)
        if i > 0:
            ax.axvline(date2num(pd.Timestamp(px[0])), color=LIMIT_COLOUR, linestyle=":", linewidth=1)
            ax.annotate("limits recalculated", (px[0], 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", va="top", fontsize=FONT_SIZE - 2,
                        color=LIMIT_COLOUR)

    if "target" in frame and frame["target"].notna().any():
        target = frame["target"].to_numpy(dtype=float)
        label = f"Target ({_format_value(float(np.nanmax(target)), percent)})" if np.nanmin(target) == np.nanmax(target) else "Target"
        ax.plot(x, target, color=TARGET_COLOUR, linestyle=(0, (8, 3, 2, 3)), linewidth=1.6,
                label=label if show_labels else None, zorder=3)
        ax.annotate(label, (x[-1], target[-1]), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=FONT_SIZE - 1, color=TARGET_COLOUR, annotation_clip=False)
    if "trajectory" in frame and frame["trajectory"].notna().any():
        ax.plot(x, frame["trajectory"], color=TRAJECTORY_COLOUR, linestyle=":", linewidth=1.8,
                label="Trajectory" if show_labels else None, zorder=3)

    for point_type, style in POINT_STYLES.items():
        mask = (frame["point_type"] == point_type).to_numpy() & ~withheld
        if mask.any():
            ax.scatter(x[mask], y[mask], s=style["size"], marker=style["marker"], color=style["color"],
                       edgecolors="#000000", linewidths=0.6, zorder=4)
    if withheld.any():  # at the foot of the axes (x in data, y in axes units): the height says nothing
        ax.plot(x[withheld], np.full(int(withheld.sum()), 0.03), transform=ax.get_xaxis_transform(), zorder=4,
                clip_on=False, **{k: v for k, v in WITHHELD_STYLE.items() if k != "label"})

    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    if quarterly:
        dates = pd.to_datetime(pd.Series(x))
        shown = dates.iloc[::max(1, -(-len(dates) // 8))]
        ax.set_xticks(date2num(shown), [f"{d.year} Q{d.quarter}" for d in shown])
    else:
        locator = AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def spc_chart(
    result: pd.DataFrame,
    title: str = "",
    y_label: str = "",
    percent: bool = False,
    *,
    width: float = 9.0,
    panel_height: float = 4.0,
    withheld=None,
    subtitle: str = "",
    badge: str = "",
    comparators=(),
    frequency: str = "monthly",
) -> Figure:
    """A matplotlib Figure of the SPC table (one panel per group). Nothing is computed here.

    ``withheld``: one true/false per row of ``result``, the periods drawn without their value (small numbers).
    ``subtitle``: a line under the title; ``badge``: a boxed word at the right of the title row (e.g. "OUT OF
    DATE"); ``comparators``: ``(name, dates, values)`` of other areas, drawn thin for context (one-panel charts);
    ``frequency``: ``quarterly`` labels the axis by quarter (``2025 Q4``)."""
    options = _options(result)
    hidden = pd.Series(_withheld(result, withheld), index=result.index)
    panels = _groups(result, options)
    fig = Figure(figsize=(width, panel_height * len(panels) + 0.9), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    for i, (ax, (name, frame)) in enumerate(zip(axes, panels)):
        if comparators and len(panels) == 1:
            _draw_comparators(ax, comparators, percent)
        _draw_panel(ax, frame, options, percent, show_labels=(i == 0), withheld=hidden.loc[frame.index].to_numpy(),
                    quarterly=frequency == "quarterly")
        if name or (subtitle and i == 0):
            ax.set_title("\n".join(t for t in (subtitle if i == 0 else "", name) if t), fontsize=FONT_SIZE - 1,
                         loc="left")
        ax.set_ylabel(y_label, fontsize=FONT_SIZE)
        ax.tick_params(labelsize=FONT_SIZE - 1)
    if badge:  # in the title row, right: never over the data or the target's label
        fig.text(0.99, 0.975, badge, ha="right", va="top", fontsize=FONT_SIZE, fontweight="bold", color="#000000",
                 bbox={"boxstyle": "round,pad=0.3", "facecolor": "#FFF3CD", "edgecolor": "#000000"})
    if title:
        fig.suptitle(title, fontsize=FONT_SIZE + 2, x=0.01, ha="left")

    present = set(result.loc[~hidden.to_numpy(), "point_type"])
    handles, labels = axes[0].get_legend_handles_labels()
    for point_type, style in POINT_STYLES.items():
        if point_type in present:
            handles.append(Line2D([], [], linestyle="none", marker=style["marker"], color=style["color"],
                                  markeredgecolor="#000000", markersize=7))
            labels.append(style["label"])
    if hidden.any():
        handles.append(Line2D([], [], **{k: v for k, v in WITHHELD_STYLE.items() if k != "label"}))
        labels.append(WITHHELD_STYLE["label"])
    fig.legend(handles, labels, loc="outside lower center", ncol=min(2 if comparators else 4, len(handles)),
               fontsize=FONT_SIZE - 1, frameon=False)
    return fig


_VARIATION_PHRASES = {
    "common_cause": "shows only common cause variation (nothing unusual)",
    "special_cause_improvement": "shows special cause variation in the good direction (improvement)",
    "special_cause_concern": "shows special cause variation in the wrong direction (concern)",
    "special_cause_neutral_high": "is unusually high",
    "special_cause_neutral_low": "is unusually low",
}
_ASSURANCE_PHRASES = {
    "consistent_pass": "the target of {t} will consistently be met",
    "consistent_fail": "the target of {t} will consistently be missed unless something changes",
    "inconsistent": "meeting the target of {t} will be hit and miss",
}


def spc_alt_text(result: pd.DataFrame, title: str, percent: bool | None = None, *, withheld=None,
                 shown: dict | None = None, threshold: int = DEFAULT_THRESHOLD) -> str:
    """A one-sentence description of the chart for its alt text (latest phase of each group).

    With ``withheld`` months (small numbers, see :func:`spc_chart`) it says how many are not shown and gives
    a withheld latest value as "a small number"; ``shown`` (one group only) holds the ``mean``, ``lpl`` and
    ``upl`` as published, in place of the exact ones."""
    options = _options(result)
    hidden = _withheld(result, withheld)
    if percent is None:
        values = result[options["value"]]
        percent = bool(values.between(0, 1).all() and options.get("value") != "count")
    summary = spc_summary(result)
    summary = summary[summary["is_latest_phase"]]
    dates = result[options["date"]]
    span = f"{pd.Timestamp(dates.min()):%b %Y} to {pd.Timestamp(dates.max()):%b %Y}"
    parts = []
    groups = [g for g in options["group_by"] if g in summary.columns]
    for _, row in summary.iterrows():
        name = ", ".join(str(row[g]) for g in groups)
        if shown is not None and not groups:
            row = row.copy()
            row[["mean", "lpl", "upl"]] = [shown["mean"], shown["lpl"], shown["upl"]]
        last = (dates == row["latest_date"]).to_numpy()
        for g in groups:
            last &= (result[g] == row[g]).to_numpy()
        latest = (f"{'not shown, ' if percent else ''}a small number, fewer than {threshold}" if hidden[last].any()
                  else _format_value(row["latest_value"], percent))
        limits = (f"a mean of {_format_value(row['mean'], percent)} and process limits of "
                  f"{_format_value(row['lpl'], percent)} to {_format_value(row['upl'], percent)}"
                  if np.isfinite(row["mean"]) else "a mean and process limits not shown, to protect small numbers")
        text = (
            f"{'for ' + name + ' ' if name else ''}the latest value ({latest}) "
            f"{_VARIATION_PHRASES.get(row['variation_type'], 'is plotted')}, against {limits}"
        )
        phrase = _ASSURANCE_PHRASES.get(row["assurance_type"])
        if phrase:
            text += f", so {phrase.format(t=_format_value(row['target'], percent))}"
        parts.append(text)
    n = len(result)
    k = int(hidden.sum())
    note = f"; {k} not shown, to protect small numbers (fewer than {threshold})" if k else ""
    return f"SPC chart of {title} ({n} points, {span}{note}): " + "; ".join(parts) + "."
