"""Figures of the priority dashboard: the summary matrix with its Making Data Count icons, and the SPC charts.

The matrix is an accessible HTML table (a caption, column and row headers, every icon with its text
alternative) laid out from the words of :func:`thanalysis.narrative.dashboard.matrix_text`; the charts are
drawn by :func:`thanalysis.figures.spc_chart.spc_chart` from each monthly metric of
:class:`~thanalysis.analyses.dashboard.DashboardResults`, its withheld months (small numbers) without their
value. Drawing only: nothing is computed here.
"""
from __future__ import annotations

import html
from typing import Iterable

from matplotlib.figure import Figure

from thanalysis.figures.spc_chart import spc_alt_text, spc_chart
from thanalysis.figures.spc_icons import assurance_icon, icon_legend_html, variation_icon

_STYLE = ("<style>.dash-matrix td,.dash-matrix th{vertical-align:middle;padding:0.3em 0.5em}"
          ".dash-matrix .dash-period,.dash-matrix .dash-where{font-size:0.85em;color:#4a4a4a}"
          ".dash-matrix .dash-icon{white-space:nowrap}</style>")
_HEAD = ("<tr><th scope=\"col\">Metric</th><th scope=\"col\" class=\"num\">Latest</th>"
         "<th scope=\"col\">Variation</th><th scope=\"col\">Assurance</th><th scope=\"col\">Target</th>"
         "<th scope=\"col\">Special cause signals in the window</th></tr>")


def _icon_cell(svg: str, text: str) -> str:
    return (f'<td class="dash-icon"><span style="display:inline-flex;align-items:center;gap:0.4em">{svg}'
            f'<span>{html.escape(text)}</span></span></td>')


def _matrix_row(row: dict) -> str:
    name = (f'<th scope="row">{html.escape(row["metric"])}'
            f'<span class="dash-where">{html.escape(row["where"])}</span></th>')
    latest = (f'<td class="num">{html.escape(row["latest"])}'
              f'<br><span class="dash-period">{html.escape(row["period"])}</span></td>')
    if row["monthly"]:
        variation = _icon_cell(variation_icon(row["variation_type"], row["improvement_direction"],
                                              row["variation_side"], size=32), row["variation_text"])
        assurance = _icon_cell(assurance_icon(row["assurance_type"], size=32), row["assurance_text"])
        context = (f'<td>{html.escape(row["signals"])}<br><span class="dash-period">'
                   f'{html.escape(row["window"])}</span></td>')
    else:
        variation = f'<td colspan="2">{html.escape(row["trend"])}</td>'
        assurance = ""
        context = f'<td>{html.escape(row["context"])}</td>'
    return f"<tr>{name}{latest}{variation}{assurance}<td>{html.escape(row['target'])}</td>{context}</tr>"


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


def metric_charts(dash) -> list[tuple[Figure, str, str]]:
    """(figure, alt text, caption) of the SPC chart of every monthly metric with a chart, in the pack's order.

    Months withheld to protect small numbers are drawn without their value, the alt text gives the published
    (rounded) mean and limits, and the caption says why those months show no value."""
    out = []
    for r in dash.monthly():
        title = f"{r.metric.title} ({r.area_name})"
        percent = r.metric.value_type == "proportion"
        fig = spc_chart(r.spc, title=title, y_label=r.metric.unit if not percent else "", percent=percent,
                        withheld=r.withheld)
        alt = spc_alt_text(r.spc, title, percent=percent, withheld=r.withheld, shown=r.shown, threshold=r.threshold)
        caption = r.metric.description
        if r.withheld is not None and r.withheld.any():
            caption += (f" Hollow circles at the foot of the chart mark months not shown, to protect small numbers "
                        f"(fewer than {r.threshold}).")
        out.append((fig, alt, caption))
    return out


__all__ = ["matrix_html", "matrices_html", "metric_charts"]
