"""Making Data Count icons: inline SVG, text alternatives, grey-scale cues, errors for unknown kinds."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from thanalysis.errors import StatsInputError
from thanalysis.figures.spc_icons import assurance_icon, icon_legend_html, variation_icon, variation_label

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


VARIATIONS = [
    ("common_cause", "increase", None, None),
    ("special_cause_improvement", "increase", None, "H"),
    ("special_cause_improvement", "decrease", None, "L"),
    ("special_cause_concern", "increase", None, "L"),
    ("special_cause_concern", "decrease", None, "H"),
    ("special_cause_neutral_high", "neutral", None, "H"),
    ("special_cause_neutral_low", "neutral", None, "L"),
    ("special_cause_neutral", "neutral", "low", "L"),
    ("special_cause_improvement", "increase", "low", "L"),
]


@pytest.mark.parametrize("point_type,direction,side,letter", VARIATIONS)
def test_variation_icon_accessible_and_lettered(point_type, direction, side, letter):
    svg = variation_icon(point_type, direction, side)
    root = parse(svg)
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label and root.find(f"{SVG}title").text == label
    assert " id=" not in svg  # safe to repeat in one page
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ([letter] if letter else [])
    if letter:
        assert ("higher" if letter == "H" else "lower") in label
        assert len(list(root.iter(f"{SVG}polygon"))) == 1  # arrow shape cue
    else:
        assert "Common cause" in label


def test_variation_colours_follow_making_data_count():
    blue = variation_icon("special_cause_improvement")
    orange = variation_icon("special_cause_concern")
    grey = variation_icon("common_cause")
    fills = [re.search(r'circle[^>]*fill="(#[0-9A-Fa-f]{6})"', s).group(1) for s in (blue, orange, grey)]
    assert len(set(fills)) == 3
    assert "improvement" in variation_label("special_cause_improvement")


@pytest.mark.parametrize(
    "assurance,letter,word",
    [("consistent_pass", "P", "met"), ("consistent_fail", "F", "missed"), ("inconsistent", "?", "hit and miss"),
     ("no_target", "\u2013", "No target"), (None, "\u2013", "No target")],
)
def test_assurance_icon(assurance, letter, word):
    root = parse(assurance_icon(assurance))
    assert root.get("role") == "img" and word in root.get("aria-label")
    assert [t.text for t in root.iter(f"{SVG}text")] == [letter]


@pytest.mark.parametrize(
    "call",
    [lambda: variation_icon("special_cause_sideways"), lambda: variation_icon("special_cause_neutral", "neutral"),
     lambda: variation_icon("common_cause", "up"), lambda: assurance_icon("sometimes")],
)
def test_icon_bad_input(call):
    with pytest.raises(StatsInputError):
        call()


def test_icon_legend_lists_everything():
    html = icon_legend_html()
    assert html.count("<svg") == 11 and html.count("<li>") == 11
    ET.fromstring(html)  # well-formed
