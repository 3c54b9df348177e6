"""What a map draws, prepared (thanalysis.figures.mapdata): palettes, legend classes, value text, GeoJSON."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from shapely.geometry import box

from thanalysis.errors import DataError
from thanalysis.figures import mapdata


def test_palette_runs_from_light_to_dark_and_unknown_names_are_explained():
    colours = mapdata.palette_colours("Blues", 5)
    lightness = [sum(to_rgb(c)) for c in colours]
    assert len(set(colours)) == 5 and lightness == sorted(lightness, reverse=True)
    with pytest.raises(DataError, match="palette") as info:
        mapdata.palette_colours("Rainbow", 3)
    assert info.value.values == ["Rainbow"] and "Blues" in info.value.expected


def test_given_edges_widen_to_hold_every_value_and_classes_put_missing_at_minus_one():
    values = np.array([5.0, 20.0, 35.0, np.nan, 70.0])
    edges = mapdata.class_edges(values, [10.0, 30.0, 50.0], None)
    assert edges.tolist() == [5.0, 30.0, 70.0]
    assert mapdata.assign_classes(values, edges).tolist() == [0, 0, 1, -1, 1]
    assert mapdata.class_edges(np.array([np.nan]), 5, None).tolist() == [0.0, 1.0]
    assert len(mapdata.class_edges(np.arange(100.0), 5, 4)) == 5  # quartiles


def test_format_value_leaves_missing_values_empty():
    assert mapdata.format_value(1234.5, "{:,.1f}") == "1,234.5"
    assert mapdata.format_value(float("nan"), "{:,.1f}") == ""
    assert mapdata.format_value(None, "{}") == ""
    assert mapdata.format_value("text", "{:,.1f}") == "text"
    assert mapdata.format_value(3, lambda v: f"<{v}>") == "<3>"


def test_feature_collection_carries_properties_and_list_coordinates():
    collection = mapdata.feature_collection([box(0, 0, 1, 1)], [{"fill": "#fff"}])
    (feature,) = collection["features"]
    assert feature["properties"] == {"fill": "#fff"} and feature["geometry"]["type"] == "Polygon"
    assert isinstance(feature["geometry"]["coordinates"][0][0], list)
