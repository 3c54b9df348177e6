"""The house style and a chart's way onto a page (thanalysis.figures.chart_style): PNG and accessible <figure>."""
from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")

import pytest
from PIL import Image

from thanalysis.errors import DataError
from thanalysis.figures import chart_style, charts


def _line_figure():
    fig, ax = chart_style.new_figure(4, 3)
    ax.plot([1, 2, 3], [1, 3, 2])
    return fig


def test_alt_text_is_required():
    with pytest.raises(DataError, match="alt"):
        chart_style.show_figure(_line_figure(), "   ")


def test_png_is_a_small_palette_image_at_the_fixed_dpi_without_software_metadata():
    png = chart_style.figure_png(_line_figure())
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "P"
        assert image.size == (4 * chart_style.DPI, 3 * chart_style.DPI)
        assert "Software" not in image.info


def test_figure_html_escapes_alt_and_caption_and_inlines_the_png():
    fig = _line_figure()
    text = chart_style.figure_html(fig, 'Rates "rise" & fall', "Figure <1>")
    assert 'alt="Rates &quot;rise&quot; &amp; fall"' in text
    assert "<figcaption>Figure &lt;1&gt;</figcaption>" in text
    data = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text).group(1)
    assert base64.b64decode(data) == chart_style.figure_png(fig)
    assert "<figcaption>" not in chart_style.figure_html(fig, "A line")


def test_charts_module_still_offers_the_style_names_its_callers_import():
    for name in ("DPI", "GRID", "OKABE_ITO", "TEXT", "chart_style", "new_figure", "figure_png", "figure_html",
                 "show_figure"):
        assert getattr(charts, name) is getattr(chart_style, name)
