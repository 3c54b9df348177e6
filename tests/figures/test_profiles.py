"""Tests of thanalysis.figures.profiles: the profiles' charts and maps draw what their results hold."""
from __future__ import annotations

import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from thanalysis.analyses.borough_profile import run_borough_profile
from thanalysis.analyses.locality_profile import run_locality_profile
from thanalysis.figures import profiles as figures


@pytest.fixture(scope="module")
def borough(demo):
    return run_borough_profile(demo)


@pytest.fixture(scope="module")
def locality(demo):
    return run_locality_profile(demo)


def _bar_heights(ax) -> list[float]:
    return [p.get_height() for p in ax.patches]


def test_decile_colours_darkest_for_the_most_deprived():
    colours = figures.decile_colours()
    assert list(colours) == list(figures.decile_labels().values())
    assert list(colours)[0] == "1 – most deprived" and list(colours)[-1] == "10 – least deprived"
    lightness = [sum(to_rgb(c)) for c in colours.values()]
    assert lightness[0] == min(lightness) and lightness[-1] == max(lightness) and len(set(colours.values())) == 10


def test_borough_decile_chart_draws_the_counts(borough):
    fig = figures.borough_decile_chart(borough)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert _bar_heights(fig.axes[0]) == borough.deciles["lsoas"].astype(float).tolist()
    assert _bar_heights(fig.axes[1]) == pytest.approx(borough.deciles["population"].tolist())
    assert fig.axes[0].get_title(loc="left") == f"{borough.borough}: neighbourhoods"


def test_locality_decile_chart_pairs_locality_and_borough(locality):
    fig = figures.locality_decile_chart(locality)
    heights = _bar_heights(fig.axes[0])
    assert heights[:10] == pytest.approx(locality.deciles["locality_percent_population"].tolist())
    assert heights[10:] == pytest.approx(locality.deciles["borough_percent_population"].tolist())
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [locality.place, locality.borough]


def test_age_chart_and_pyramids(borough, locality):
    fig = figures.age_chart(borough)
    assert [p.get_width() for p in fig.axes[0].patches] == pytest.approx(borough.age_bands["percent"].tolist())
    assert isinstance(figures.borough_pyramid(borough), Figure)
    # the locality's pyramid has the borough as a black outline (a legend entry of its own)
    labels = [t.get_text() for t in figures.locality_pyramid(locality).legends[0].get_texts()]
    assert locality.borough in labels and f"{locality.place}: males" in labels


def test_deprivation_map_colours_every_lsoa(borough):
    m = figures.deprivation_map(borough)
    summary = m._thanalysis_summary
    assert summary.n_areas == len(borough.imd) and summary.n_missing == 0
    counts = {label: n for _, label, n in summary.legend}
    want = borough.deciles.set_index("decile")["lsoas"]
    for decile, label in figures.decile_labels().items():
        assert counts.get(label, 0) == want[decile]


def test_place_map_highlights_the_localitys_wards(locality):
    m = figures.place_map(locality)
    counts = {label: n for _, label, n in m._thanalysis_summary.legend}
    assert counts == {locality.place: len(locality.wards), f"Rest of {locality.borough}": 20 - len(locality.wards)}
    assert sorted(m._thanalysis_summary.highlighted) == sorted(set(locality.wards["ward22_name"]))


def test_place_map_without_localities_shows_the_borough(locality):
    whole = locality.map_areas.assign(in_locality=False)
    fake = type(locality)(**{**locality.__dict__, "locality_code": None, "place": locality.borough,
                             "map_areas": whole})
    counts = {label: n for _, label, n in figures.place_map(fake)._thanalysis_summary.legend}
    assert counts == {locality.borough: 20}
