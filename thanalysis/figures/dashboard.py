"""Figures of the priority dashboard: the summary matrix with its Making Data Count icons, and the SPC charts.

The matrix is an accessible HTML table (a caption, column and row headers, every icon with its text
alternative) laid out from the words of :func:`thanalysis.narrative.dashboard.matrix_text`: each row names the area
its figure is for, the period its latest value covers and when it was published, and an out-of-date figure carries
a boxed "Out of date" badge (a word, not colour alone). The charts are drawn by
:func:`thanalysis.figures.spc_chart.spc_chart` from each monthly or quarterly metric of
:class:`~thanalysis.analyses.dashboard.DashboardResults` with the words of
:func:`thanalysis.narrative.dashboard.chart_text`: titled with the metric and its area (a trust's figures as the
whole trust's), a subtitle with the data's currency, an "OUT OF DATE" badge when it is, a trust's comparators as
thin context lines (rates and percentages only: counts and averages of differently sized areas are not drawn on
one scale), and
withheld periods (small numbers) without their value. Drawing only: nothing is computed here.
"""
from __future__ import annotations

import html
from typing import Iterable

from matplotlib.figure import Figure

from thanalysis.figures.spc_chart import spc_alt_text, spc_chart
from thanalysis.figures.spc_icons import assurance_icon, icon_legend_html, variation_icon

#: Value types that do not grow with the size of an area: only these draw other areas' lines on a chart (a count or a
#: daily average of a bigger trust, or of England, would only flatten the trust's own line).
SCALE_FREE_VALUE_TYPES = ("proportion", "crude_rate", "dsr", "ratio", "life_expectancy")
_STYLE = ("<style>.dash-matrix td,.dash-matrix th{vertical-align:middle;padding:0.3em 0.5em}"
          ".dash-matrix .dash-period,.dash-matrix .dash-where{font-size:0.85em;color:#4a4a4a}"
          ".dash-matrix .dash-icon{white-space:nowrap}.dash-matrix tr.dash-compare>*{padding-top:0;font-weight:normal}"
          ".dash-badge{display:inline-block;border:1.5px solid #000;background:#FFF3CD;color:#000;font-weight:bold;"
          "font-size:0.8em;padding:0 0.35em;border-radius:0.3em;margin-top:0.2em;text-transform:uppercase}</style>")
_HEAD = ("<tr><th scope=\"col\">Metric (area)</th><th scope=\"col\" class=\"num\">Latest</th>"
         "<th scope=\"col\">Data currency</th>"
         "<th scope=\"col\">Variation</th><th scope=\"col\">Assurance</th><th scope=\"col\">Target</th>"
         "<th scope=\"col\">Special cause signals in the window, or trend</th></tr>")


def badge_html(text: str) -> str:
    """The boxed word a matrix row or table cell carries when its figure is out of date."""
    return f'<span class="dash-badge">{html.escape(text)}</span>'


def _icon_cell(svg: str, text: str) -> str:
    return (f'<td class="dash-icon"><span style="display:inline-flex;align-items:center;gap:0.4em">{svg}'
            f'<span>{html.escape(text)}</span></span></td>')


def _matrix_row(row: dict) -> str:
    where = f'<br><span class="dash-where">{html.escape(row["where"])}</span>' if row["where"] else ""
    name = f'<th scope="row">{html.escape(row["metric"])}{where}</th>'
    latest = (f'<td class="num">{html.escape(row["latest"])}'
              f'<br><span class="dash-period">{html.escape(row["period"])}</span></td>')
    currency = (f'<td><span class="dash-period">{html.escape(row["currency"])}</span>'
                + (f"<br>{badge_html(row['badge'])}" if row["badge"] else "") + "</td>")
    if row["charted"]:
        variation = _icon_cell(variation_icon(row["variation_type"], row["improvement_direction"],
                                              row["variation_side"], size=32), row["variation_text"])
        assurance = _icon_cell(assurance_icon(row["assurance_type"], size=32), row["assurance_text"])
        context = (f'<td>{html.escape(row["signals"])}<br><span class="dash-period">'
                   f'{html.escape(row["window"])}</span></td>')
    else:
        variation = '<td colspan="2">Annual: no chart</td>'
        assurance = ""
        context = (f'<td>{html.escape(row["trend"])}<br><span class="dash-period">{html.escape(row["context"])}'
                   "</span></td>")
    compared = ("" if not row["compared"] else  # a row of its own under the metric: the other areas' latest values
                f'<tr class="dash-compare"><th scope="row" class="dash-where">Compared with</th>'
                f'<td colspan="6" class="dash-where">{html.escape(row["compared"])}</td></tr>')
    return (f"<tr>{name}{latest}{currency}{variation}{assurance}<td>{html.escape(row['target'])}</td>{context}</tr>"
            + compared)


def matrix_html(text) -> str:
    """One priority's summary matrix (a :class:`~thanalysis.narrative.dashboard.MatrixText`) as an accessible
    HTML table with Making Data Count icons; empty when the priority shows no metric."""
    if not text.rows:
        return ""
    body = "".join(_matrix_row(row) for row in text.rows)
    return (f'{_STYLE}<div class="th-table-wrap"><table class="th-table dash-matrix">'
            f"<caption>{html.escape(text.caption)}</caption><thead>{_HEAD}</thead><tbody>{body}</tbody>"
            "</table></div>")


def matrices_html(texts: Iterable) -> str:
    """The summary matrix of every priority, then the legend of the icons."""
    return "".join(matrix_html(t) for t in texts) + icon_legend_html()


def metric_charts(dash, texts: Iterable) -> list[tuple[Figure, str, str]]:
    """(figure, alt text, caption) of the SPC chart of every monthly or quarterly metric with a chart
    (``dash.charted()``, the pack's own figures), with its words (``texts``: one
    :class:`~thanalysis.narrative.dashboard.ChartText` per chart, in the same order).

    Periods withheld to protect small numbers are drawn without their value, the alt text gives the published
    (rounded) mean and limits, and the caption says why those periods show no value."""
    out = []
    for r, t in zip(dash.charted(), texts, strict=True):
        percent = r.metric.value_type == "proportion"
        comparators = [] if r.metric.value_type not in SCALE_FREE_VALUE_TYPES else [
            (name, rows["date"], rows["value"]) for name, rows in r.comparators.groupby("area_name", sort=False)]
        fig = spc_chart(r.spc, title=t.title, y_label=r.metric.unit if not percent else "", percent=percent,
                        withheld=r.withheld, subtitle=t.subtitle, badge=t.badge, comparators=comparators,
                        frequency=r.metric.frequency)
        alt = spc_alt_text(r.spc, t.title, percent=percent, withheld=r.withheld, shown=r.shown, threshold=r.threshold)
        caption = t.caption + (" The thin lines on the chart are those areas' values, for context only."
                               if comparators else "")
        out.append((fig, f"{alt} {t.alt_extra}", caption))
    return out


__all__ = ["SCALE_FREE_VALUE_TYPES", "badge_html", "matrix_html", "matrices_html", "metric_charts"]
