"""Assigning deprivation categories against PHEindicatormethods' testdata_Quantiles.xlsx, the same
five selections upstream tests (within-region deciles, national septiles, ungrouped quartiles), and
the 32,844 LSOAs of England's IMD 2019."""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thanalysis.errors import StatsInputError
from thanalysis.stats.quantiles import QuantileWarning, assign_deprivation_quantiles

from .vectors import quantile_vectors


@pytest.fixture(scope="module")
def vectors(testvectors_root):
    return quantile_vectors(testvectors_root)


def good(vectors):
    return vectors[vectors["Test"].str.startswith("Good")]


CASES = {
    # within-region deciles for several indicators, direction from each indicator's polarity
    "within-region-deciles-polarity-field": (
        lambda v: good(v)[good(v)["GroupSet"] == "IndSexReg"],
        dict(group_by=["IndSexRef", "ParentCode"], polarity="Polarity"),
    ),
    # one indicator, lowest value in quantile 1
    "within-region-deciles-not-inverted": (
        lambda v: good(v)[(good(v)["IndSexRef"] == "90366Female") & (good(v)["GroupSet"] == "IndSexReg")],
        dict(group_by=["IndSexRef", "ParentCode"], invert=False),
    ),
    "national-septiles-polarity-field": (
        lambda v: good(v)[good(v)["GroupSet"] == "IndSex"],
        dict(group_by="IndSexRef", polarity="Polarity", n_quantiles=7),
    ),
    "ungrouped-quartiles": (lambda v: good(v)[good(v)["GroupSet"] == "None"], dict(n_quantiles=4)),
    "one-group-quartiles": (lambda v: good(v)[good(v)["GroupSet"] == "None"], dict(group_by="GroupSet", n_quantiles=4)),
}


@pytest.mark.vectors
@pytest.mark.parametrize("case", list(CASES))
def test_quantiles_match_the_spreadsheet(vectors, case):
    select, kwargs = CASES[case]
    data = select(vectors)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = assign_deprivation_quantiles(data, "Value", **kwargs)
    # Some regions have fewer than ten upper-tier authorities: only the within-region cases warn.
    assert any(issubclass(w.category, QuantileWarning) for w in caught) == case.startswith("within-region")
    mismatched = got["quantile"].astype(float).fillna(-1).to_numpy() != data["expected"].fillna(-1).to_numpy()
    assert not mismatched.any(), got.loc[mismatched, ["AreaCode", "ParentCode", "Value", "expected", "quantile"]].head(10).to_string()


@pytest.mark.vectors
def test_regions_with_too_few_areas_warn_and_get_no_quantile(vectors):
    data = good(vectors)
    data = data[(data["IndSexRef"] == "90366Female") & (data["GroupSet"] == "IndSexReg")]
    with pytest.warns(QuantileWarning, match="too few areas") as caught:
        got = assign_deprivation_quantiles(data, "Value", group_by=["IndSexRef", "ParentCode"], invert=False)
    assert caught[0].filename == __file__  # the warning points at the caller's line, not inside the package
    small = data.groupby("ParentCode")["Value"].transform("count") < 10
    assert small.any() and got.loc[small.to_numpy(), "quantile"].isna().all()


@pytest.mark.vectors
def test_polarity_that_varies_within_a_group_is_an_error(vectors):
    bad = vectors[vectors["Test"] == "BadPolarity"]
    with pytest.raises(StatsInputError, match="same value within each group"):
        assign_deprivation_quantiles(bad, "Value", group_by="IndSexRef", polarity="Polarity", n_quantiles=7)


def test_ties_take_the_lowest_rank_and_polarity_sets_the_direction():
    data = pd.DataFrame({"v": [10.0, 10.0, 9.0, 8.0, 7.0]})
    worst_high = assign_deprivation_quantiles(data, "v", n_quantiles=5, polarity="lower_is_better")
    # the two 10s share rank 1 (the largest value is worst): both in quantile 1
    assert worst_high["quantile"].tolist() == [1, 1, 3, 4, 5]
    worst_low = assign_deprivation_quantiles(data, "v", n_quantiles=5, polarity="higher_is_better")
    assert worst_low["quantile"].tolist() == [4, 4, 3, 2, 1]


def test_hand_worked_deciles_for_twelve_areas():
    """12 areas, 10 quantiles: quantile = 11 - ceil((13 - r) * 10 / 12) for rank r from the top."""
    data = pd.DataFrame({"v": np.arange(12, 0, -1, dtype=float)})  # rank r = row + 1
    got = assign_deprivation_quantiles(data, "v")
    assert got["quantile"].tolist() == [1, 1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10]


def test_missing_values_get_no_quantile_and_are_not_counted():
    data = pd.DataFrame({"v": [5.0, np.nan, 4.0, 3.0, 2.0, 1.0]})
    got = assign_deprivation_quantiles(data, "v", n_quantiles=5)
    assert pd.isna(got["quantile"].iloc[1])
    assert got["quantile"].dropna().tolist() == [1, 2, 3, 4, 5]


def test_bad_arguments():
    data = pd.DataFrame({"v": [1.0, 2.0], "name": ["a", "b"]})
    with pytest.raises(StatsInputError, match="must be numeric"):
        assign_deprivation_quantiles(data, "name")
    with pytest.raises(StatsInputError, match="not found"):
        assign_deprivation_quantiles(data, "score")
    with pytest.raises(StatsInputError, match="n_quantiles"):
        assign_deprivation_quantiles(data, "v", n_quantiles=1)
    with pytest.raises(StatsInputError, match="invert"):
        assign_deprivation_quantiles(data, "v", invert=6)
    with pytest.raises(StatsInputError, match="polarity"):
        assign_deprivation_quantiles(data, "v", polarity="sideways")


@pytest.mark.real
def test_imd_deciles_for_every_lsoa_in_england(open_data_root):
    """IMD 2019 deciles recomputed from the scores agree with the published deciles (decile 1 =
    highest score, most deprived) except a handful of LSOAs whose rounded scores tie across a
    boundary; fast enough for all 32,844 LSOAs."""
    imd = pd.read_csv(open_data_root / "imd2019" / "imd2019_scores_england_from_mysociety.csv")
    assert len(imd) == 32_844
    start = time.perf_counter()
    got = assign_deprivation_quantiles(imd, "imd_score", n_quantiles=10)
    assert time.perf_counter() - start < 1.0
    sizes = got["quantile"].value_counts().sort_index()
    assert sizes.index.tolist() == list(range(1, 11))
    assert sizes.between(3270, 3300).all()
    differs = got["quantile"].astype(float) != got["imd_decile"]
    assert differs.sum() <= 33, f"{int(differs.sum())} LSOAs differ from the published decile"
    assert (got.loc[differs, "quantile"].astype(float) - got.loc[differs, "imd_decile"]).abs().max() <= 1
    assert got.loc[got["imd_score"].idxmax(), "quantile"] == 1
    assert got.loc[got["imd_score"].idxmin(), "quantile"] == 10
    means = got.groupby("quantile")["imd_score"].mean()
    assert means.is_monotonic_decreasing


# --- properties (hypothesis) ----------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=10, max_size=300), q=st.integers(2, 10),
       invert=st.booleans())
def test_quantiles_are_monotone_in_value_and_balanced(values, q, invert):
    data = pd.DataFrame({"v": values})
    got = assign_deprivation_quantiles(data, "v", n_quantiles=q, invert=invert)["quantile"].astype(int).to_numpy()
    order = np.argsort(-np.asarray(values) if invert else np.asarray(values), kind="stable")
    assert (np.diff(got[order]) >= 0).all()  # never a lower quantile further from the quantile-1 end
    assert got.min() >= 1 and got.max() <= q
    if len(set(values)) == len(values):
        sizes = np.bincount(got, minlength=q + 1)[1:]
        assert sizes.max() - sizes.min() <= 1
