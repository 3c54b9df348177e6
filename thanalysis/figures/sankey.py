"""A small flow chart (Sankey diagram) drawn as self-contained SVG: no libraries, no network, same bytes every time.

Origins (e.g. where people live) are boxes on the left, destinations (where they are served) on the right; each
flow is a band whose thickness is proportional to its count, so a band twice as thick carries twice the people.
The SVG has ``role="img"`` with a ``<title>`` and ``<desc>`` (the description lists every flow in words) so a
screen reader gets the same information, and every box carries a text label with its total.

>>> svg = sankey_svg(df, source="origin_name", target="destination_name", value="count",
...                  title="Where residents are registered", description="...")
"""
from __future__ import annotations

import html
import re

import pandas as pd

from thanalysis.data.flows import flow_counts
from thanalysis.errors import DataError

#: Okabe & Ito (2008) colours for the origin boxes and their bands (colour-blind safe).
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
TEXT = "#1a1a1a"
NODE_WIDTH = 14
NODE_GAP = 10


def _fmt(v: float) -> str:
    return f"{v:,.0f}"


def _coord(v: float) -> str:
    # Fixed precision keeps the output deterministic and small.
    return f"{v:.1f}"


def _layout(totals: pd.Series, top: float, height: float, scale: float) -> dict[str, tuple[float, float]]:
    """(y, height) of each node, stacked from ``top`` with a gap between nodes."""
    out, y = {}, top
    for name, total in totals.items():
        h = float(total) * scale
        out[name] = (y, h)
        y += h + NODE_GAP
    return out


def sankey_svg(flows: pd.DataFrame, *, source: str = "source", target: str = "target", value: str = "value",
               title: str, description: str = "", width: int = 760, height: int | None = None,
               left_heading: str = "From", right_heading: str = "To", unit: str = "people",
               min_band: float = 0.0) -> str:
    """An SVG Sankey of ``flows`` (one row per source → target with a non-negative ``value``).

    Node heights and band widths are proportional to the values (one scale for the whole chart). Nodes are
    ordered by total, largest first. ``min_band`` (pixels) draws tiny bands at least that thick so they stay
    visible (0 = strictly proportional). Returns the ``<svg>`` element as text.
    """
    if not title or not str(title).strip():
        raise DataError("A flow chart needs a title saying what it shows.", expected="a title, e.g. "
                        "'Where residents are served, 2023'")
    f = flow_counts(flows, source, target, value, table="flow chart's table")
    f[source], f[target] = f[source].astype(str), f[target].astype(str)
    f = f.groupby([source, target], as_index=False, sort=False)[value].sum()
    f = f[f[value] > 0]
    if f.empty:
        raise DataError("There are no flows to draw (every value is zero).", column=value)
    left = f.groupby(source)[value].sum().sort_values(ascending=False, kind="stable")
    right = f.groupby(target)[value].sum().sort_values(ascending=False, kind="stable")
    total = float(f[value].sum())
    n_max = max(len(left), len(right))
    height = height or int(max(260, 120 + 26 * n_max + 2.2 * n_max * NODE_GAP))
    top, bottom = 46.0, 16.0
    usable = height - top - bottom - NODE_GAP * (n_max - 1)
    scale = usable / total
    label_w = min(260.0, width * 0.3)
    x_left, x_right = label_w, width - label_w - NODE_WIDTH
    lpos = _layout(left, top, height, scale)
    rpos = _layout(right, top, height, scale)
    colour = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(left.index)}

    uid = "sk-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]
    flows_text = "; ".join(f"{s} to {t}: {_fmt(v)} {unit} ({v / total:.1%} of all)"
                           for s, t, v in f.sort_values(value, ascending=False).itertuples(index=False))
    desc = (description.strip() + " " if description else "") + f"Flows, largest first: {flows_text}."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="th-sankey" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{uid}-title {uid}-desc" '
        f'style="max-width:100%;height:auto;font-family:system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif">',
        f'<title id="{uid}-title">{html.escape(title)}</title>',
        f'<desc id="{uid}-desc">{html.escape(desc)}</desc>',
        f'<text x="{_coord(x_left + NODE_WIDTH)}" y="22" font-size="14" font-weight="700" fill="{TEXT}" '
        f'text-anchor="end">{html.escape(left_heading)}</text>',
        f'<text x="{_coord(x_right)}" y="22" font-size="14" font-weight="700" fill="{TEXT}">'
        f'{html.escape(right_heading)}</text>',
    ]
    # Bands: stacked within each node in the order of the other side's nodes, so bands do not cross needlessly.
    l_off = {k: 0.0 for k in left.index}
    r_off = {k: 0.0 for k in right.index}
    r_order = {k: i for i, k in enumerate(right.index)}
    l_order = {k: i for i, k in enumerate(left.index)}
    bands = f.assign(_l=f[source].map(l_order), _r=f[target].map(r_order)).sort_values(["_l", "_r"])
    out_offsets = {}
    for s, t, v, *_ in bands.itertuples(index=False):
        out_offsets[(s, t)] = l_off[s]
        l_off[s] += v * scale
    for s, t, v, *_ in bands.sort_values(["_r", "_l"]).itertuples(index=False):
        h = max(v * scale, min_band)
        y0 = lpos[s][0] + out_offsets[(s, t)] + v * scale / 2
        y1 = rpos[t][0] + r_off[t] + v * scale / 2
        r_off[t] += v * scale
        x0, x1 = x_left + NODE_WIDTH, x_right
        xm = (x0 + x1) / 2
        path = (f"M{_coord(x0)},{_coord(y0)} C{_coord(xm)},{_coord(y0)} {_coord(xm)},{_coord(y1)} "
                f"{_coord(x1)},{_coord(y1)}")
        tip = f"{s} → {t}: {_fmt(v)} {unit} ({v / total:.1%})"
        parts.append(f'<path class="th-sankey-band" d="{path}" fill="none" stroke="{colour[s]}" '
                     f'stroke-opacity="0.45" stroke-width="{_coord(max(h, 0.5))}"><title>{html.escape(tip)}</title>'
                     f"</path>")
    for name, (y, h) in lpos.items():
        parts.append(f'<rect x="{_coord(x_left)}" y="{_coord(y)}" width="{NODE_WIDTH}" height="{_coord(max(h, 1))}" '
                     f'fill="{colour[name]}" stroke="{TEXT}" stroke-width="0.5"/>')
        parts.append(f'<text x="{_coord(x_left - 6)}" y="{_coord(y + max(h, 1) / 2)}" font-size="12.5" fill="{TEXT}" '
                     f'text-anchor="end" dominant-baseline="middle">{html.escape(name)} '
                     f'({_fmt(left[name])})</text>')
    for name, (y, h) in rpos.items():
        parts.append(f'<rect x="{_coord(x_right)}" y="{_coord(y)}" width="{NODE_WIDTH}" height="{_coord(max(h, 1))}" '
                     f'fill="#8c8c8c" stroke="{TEXT}" stroke-width="0.5"/>')
        parts.append(f'<text x="{_coord(x_right + NODE_WIDTH + 6)}" y="{_coord(y + max(h, 1) / 2)}" font-size="12.5" '
                     f'fill="{TEXT}" dominant-baseline="middle">{html.escape(name)} ({_fmt(right[name])})</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def sankey_figure_html(svg: str, caption: str = "") -> str:
    """The SVG in a ``<figure>`` with a caption (for notebooks and reports)."""
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="th-figure th-sankey-figure">{svg}{cap}</figure>'


def show_sankey(svg: str, caption: str = ""):
    """Display a flow chart in a notebook."""
    from IPython.display import HTML

    return HTML(sankey_figure_html(svg, caption))


__all__ = ["sankey_svg", "sankey_figure_html", "show_sankey", "COLOURS"]
