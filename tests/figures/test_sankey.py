"""Tests for thanalysis.figures.sankey: the SVG flow chart."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from thanalysis.errors import DataError
from thanalysis.figures import sankey

NS = "{http://www.w3.org/2000/svg}"


def band_widths(svg: str) -> list[float]:
    """The stroke widths of the chart's bands."""
    return [float(w) for w in re.findall(r'class="th-sankey-band"[^>]*stroke-width="([0-9.]+)"', svg)]


@pytest.fixture
def flows():
    return pd.DataFrame({"source": ["Riverside", "Riverside", "Eastbridge"],
                         "target": ["Riverside", "Eastbridge", "Riverside"], "value": [300.0, 100.0, 50.0]})


def test_sankey_bands_are_proportional_and_accessible(flows):
    svg = sankey.sankey_svg(flows, title="Where residents are served", description="Test chart.")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Where residents are served"
    desc = root.find(f"{NS}desc").text
    assert "Riverside to Eastbridge: 100 people" in desc and "Test chart." in desc
    widths = sorted(band_widths(svg))
    assert len(widths) == 3
    assert widths[1] / widths[0] == pytest.approx(2.0, rel=0.02)
    assert widths[2] / widths[0] == pytest.approx(6.0, rel=0.02)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert any(t.startswith("Riverside (400)") for t in texts) and any(t.startswith("Eastbridge (50)") for t in texts)
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert sankey.sankey_svg(flows, title="Where residents are served") == sankey.sankey_svg(
        flows, title="Where residents are served")


def test_sankey_refuses_what_it_cannot_draw(flows):
    with pytest.raises(DataError, match="title"):
        sankey.sankey_svg(flows, title="")
    with pytest.raises(DataError, match="no flows to draw"):
        sankey.sankey_svg(flows.assign(value=0.0), title="x")
    with pytest.raises(DataError, match="zero or more"):
        sankey.sankey_svg(flows.assign(value=[1.0, -1.0, 2.0]), title="x")
    with pytest.raises(DataError, match="flow chart's table is missing a column"):
        sankey.sankey_svg(flows, source="origin", title="x")


def test_min_band_keeps_tiny_flows_visible(flows):
    tiny = pd.concat([flows, pd.DataFrame({"source": ["Eastbridge"], "target": ["Eastbridge"], "value": [0.01]})])
    assert min(band_widths(sankey.sankey_svg(tiny, title="x"))) < 0.6
    assert min(band_widths(sankey.sankey_svg(tiny, title="x", min_band=2.0))) == 2.0


def test_figure_html_wraps_the_svg_with_its_caption(flows):
    svg = sankey.sankey_svg(flows, title="x")
    html = sankey.sankey_figure_html(svg, "Bands <proportional>")
    assert html.startswith('<figure class="th-figure th-sankey-figure"><svg')
    assert html.endswith("<figcaption>Bands &lt;proportional&gt;</figcaption></figure>")
    assert sankey.show_sankey(svg).data == sankey.sankey_figure_html(svg)
