"""What every chart shares: the house style (colours, markers, fonts) and a chart's way onto a page.

:func:`new_figure` gives a figure in the house style, not managed by pyplot; :func:`figure_png` turns it into
deterministic PNG bytes and :func:`show_figure` / :func:`figure_html` into an HTML ``<figure>`` with the PNG
inline, a required alt text and a caption, so reports stay self-contained.

Design choices, for readers with colour-vision deficiency and for grey-scale printing:
- colours from Okabe & Ito (2008), "Color Universal Design";
- comparison categories differ by marker SHAPE as well as colour (▲ better, ● similar, ▼ worse);
- text at 11pt or more; PNGs at a fixed dpi with no metadata, so the same table gives the same bytes.
"""
from __future__ import annotations

import base64
import html
import io
from contextlib import contextmanager

from IPython.display import HTML
from matplotlib import rc_context
from matplotlib.figure import Figure
from PIL import Image

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
    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG")
    return out.getvalue()


def figure_html(fig: Figure, alt: str, caption: str = "") -> str:
    """``<figure>`` with the chart inline as a data URI, its alt text and a caption."""
    if not alt or not alt.strip():
        raise DataError("Every chart needs alt text: say what it shows and the main finding.")
    data = base64.b64encode(figure_png(fig)).decode("ascii")
    width, height = (int(round(v * DPI)) for v in fig.get_size_inches())
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (f'<figure class="th-figure"><img alt="{html.escape(alt.strip(), quote=True)}" width="{width}" '
            f'height="{height}" style="max-width:100%;height:auto" src="data:image/png;base64,{data}">{cap}</figure>')


def show_figure(fig: Figure, alt: str, caption: str = ""):
    """Display a chart in a notebook as accessible HTML (alt text + caption), PNG embedded."""
    return HTML(figure_html(fig, alt, caption))
