"""Directly and indirectly standardised rates and ratios against the peer test vectors
(testdata_DSR_ISR.xlsx from PHEindicatormethods and PHStatsMethods, testdata_ISR_obs.xlsx,
isr_dummydata.csv / isr_refdummydata.csv, data_esp2013.rda)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thanalysis.errors import StatsInputError
from thanalysis.stats.standardise import (
    ESP2013,
    directly_standardised_rate,
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
)

from .vectors import PHE, PHS, PHS_ATOL, PHS_RTOL, R_RTOL, assert_close, assert_row, csv, rda, sheet

pytestmark = pytest.mark.vectors

BOOK = "testdata_DSR_ISR.xlsx"
TWO_LEVELS = [0.95, 0.998]
SUPPRESSED_NOTE = "value suppressed: fewer than 10 events"


def tolerance(package: str) -> dict:
    return {"rtol": R_RTOL} if package == PHE else {"rtol": PHS_RTOL, "atol": PHS_ATOL}


def test_esp2013_matches_the_r_package(testvectors_root):
    esp = rda(testvectors_root, PHE, "data_esp2013.rda")["esp2013"]["esp2013"].to_numpy()
    assert_close(ESP2013, esp, rtol=0, what="ESP 2013")


# ---------------------------------------------------------------------------------------------
# DSR: testresults_DSR
# ---------------------------------------------------------------------------------------------

# Row → (input, multiplier), as laid out in the testresults_DSR sheet.
DSR_ROWS = {
    0: ("multiarea", 10000), 1: ("multiarea", 10000), 2: ("multiarea", 10000), 3: ("esp1976", 10000),
    4: ("multiarea", 100000), 5: ("multiarea", 100000), 6: ("multiarea", 100000), 7: ("esp1976", 100000),
    8: ("nonindependent", 100000), 9: ("nonindependent", 100000), 10: ("nonindependent", 100000),
    11: ("nonindependent", 100000),
}
MULTIAREA_VARIANTS = ["esp2013-by-age-band", "esp2013-row-order", "standard-population-column"]
NONINDEPENDENT_VARIANTS = ["persons-column", "events-column"]


def _dsr_cases(package: str) -> list:
    n = 12 if package == PHE else 8
    cases = []
    for row in range(n):
        source = DSR_ROWS[row][0]
        variants = {"multiarea": MULTIAREA_VARIANTS, "nonindependent": NONINDEPENDENT_VARIANTS}.get(source, [source])
        for variant in variants:
            cases.append(pytest.param(package, row, variant, id=f"{package}-row{row + 1:02d}-{variant}"))
    return cases


def nonindependent_long(data: pd.DataFrame) -> pd.DataFrame:
    """testdata_nonindepe's f1..f4 (people with 1..4 events) as one row per age band and frequency."""
    long = data.melt(id_vars=["area", "ageband", "count", "pop"], value_vars=["f1", "f2", "f3", "f4"],
                     var_name="event_frequency", value_name="persons")
    long["event_frequency"] = long["event_frequency"].str[1:].astype(int)
    return long


def compute_dsr(root, package: str, row: int, variant: str) -> pd.DataFrame:
    source, multiplier = DSR_ROWS[row]
    if source == "esp1976":
        data = sheet(root, package, BOOK, "testdata_1976")
        return directly_standardised_rate(data, "count", "pop", standard_population="esp1976",
                                          multiplier=multiplier, confidence=TWO_LEVELS).assign(area="testdata_1976")
    if source == "nonindependent":
        data = nonindependent_long(sheet(root, package, BOOK, "testdata_nonindepe"))
        if variant == "persons-column":
            count, persons = "count", "persons"  # count is ignored: events = frequency × persons
        else:
            data = data.assign(events=data["event_frequency"] * data["persons"])
            count, persons = "events", None
        return directly_standardised_rate(
            data, count, "pop", group_by="area", age_band="ageband", multiplier=multiplier,
            confidence=TWO_LEVELS, independent_events=False, event_frequency="event_frequency", persons=persons)
    data = sheet(root, package, BOOK, "testdata_multiarea")
    if variant == "esp2013-by-age-band":
        # Shuffle the rows: the age band column must put them back in order.
        shuffled = data.sample(frac=1, random_state=1)
        return directly_standardised_rate(shuffled, "count", "pop", group_by="area", age_band="ageband",
                                          multiplier=multiplier, confidence=TWO_LEVELS)
    if variant == "esp2013-row-order":
        return directly_standardised_rate(data, "count", "pop", group_by="area", multiplier=multiplier,
                                          confidence=TWO_LEVELS)
    with_standard = data.assign(esp2013=np.tile(ESP2013, 3))
    return directly_standardised_rate(with_standard, "count", "pop", group_by="area", standard_population="esp2013",
                                      multiplier=multiplier, confidence=TWO_LEVELS)


def test_dsr_sheets_have_all_cases(testvectors_root):
    assert len(sheet(testvectors_root, PHE, BOOK, "testresults_DSR")) == 12
    assert len(sheet(testvectors_root, PHS, BOOK, "testresults_DSR")) == 8


@pytest.mark.parametrize("package, row, variant", _dsr_cases(PHE) + _dsr_cases(PHS))
def test_dsr(testvectors_root, package, row, variant):
    expected = sheet(testvectors_root, package, BOOK, "testresults_DSR").iloc[row]
    result = compute_dsr(testvectors_root, package, row, variant).set_index("area").loc[expected["area"]]
    if package == PHE:
        pairs = {"total_count": "total_count", "total_pop": "total_pop", "value": "value",
                 "lower_ci_95": "lower95_0cl", "upper_ci_95": "upper95_0cl",
                 "lower_ci_99_8": "lower99_8cl", "upper_ci_99_8": "upper99_8cl"}
        method = expected["method"]
    else:
        pairs = {"total_count": "Total Count", "total_pop": "Total Pop", "value": "Value",
                 "lower_ci_95": "lower_95_ci", "upper_ci_95": "upper_95_ci",
                 "lower_ci_99_8": "lower_99_8_ci", "upper_ci_99_8": "upper_99_8_ci"}
        method = expected["Method"]
    if DSR_ROWS[row][0] == "esp1976":
        # README: only columns 2-6 are asserted for the esp1976 rows (their 99.8% columns are ×10 wrong).
        pairs = dict(list(pairs.items())[:5])
    assert_row(result, expected, pairs, **tolerance(package))
    assert result["method"] == method
    multiplier = DSR_ROWS[row][1]
    assert result["statistic"] == f"dsr per {multiplier}"
    if expected["statistic"].startswith("dsr NA"):
        assert result["value_note"] == SUPPRESSED_NOTE
    else:
        assert expected["statistic"] == f"dsr per {multiplier}"
        assert result["value_note"] == ""


# PHStatsMethods adds testdata_multigroup: area × year. Its 2015 rows are the multiarea data, so
# they must reproduce the per-100,000 expected rows; 2016 must equal each group computed on its own.
@pytest.mark.parametrize("area", ["testdata_big", "testdata_small", "testdata_tiny"])
@pytest.mark.parametrize("year", [2015, 2016])
def test_dsr_multigroup(testvectors_root, area, year):
    data = sheet(testvectors_root, PHS, BOOK, "testdata_multigroup")
    grouped = directly_standardised_rate(data, "count", "pop", group_by=["area", "year"], age_band="ageband",
                                         confidence=TWO_LEVELS).set_index(["area", "year"]).loc[(area, year)]
    if year == 2015:
        expected = sheet(testvectors_root, PHE, BOOK, "testresults_DSR").iloc[4:7].set_index("area").loc[area]
        assert_row(grouped, expected, {"total_count": "total_count", "total_pop": "total_pop", "value": "value",
                                       "lower_ci_95": "lower95_0cl", "upper_ci_95": "upper95_0cl",
                                       "lower_ci_99_8": "lower99_8cl", "upper_ci_99_8": "upper99_8cl"}, rtol=R_RTOL)
    else:
        alone = data[(data["area"] == area) & (data["year"] == year)]
        single = directly_standardised_rate(alone, "count", "pop", age_band="ageband", confidence=TWO_LEVELS).iloc[0]
        for column in ["total_count", "total_pop", "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]:
            assert_close(grouped[column], single[column], rtol=1e-13, what=column)


def test_dsr_sequence_standard_population_equals_column():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"band": np.tile(np.arange(4), 2), "g": np.repeat(["a", "b"], 4),
                         "count": rng.integers(5, 50, 8), "pop": rng.integers(500, 900, 8)})
    weights = [10, 20, 30, 40]
    by_sequence = directly_standardised_rate(data, "count", "pop", group_by="g", standard_population=weights, age_band="band")
    by_column = directly_standardised_rate(data.assign(w=np.tile(weights, 2)), "count", "pop", group_by="g",
                                           standard_population="w")
    pd.testing.assert_frame_equal(by_sequence, by_column)
    # independent check of the point estimate for group "a"
    a = data[data["g"] == "a"]
    expected = (np.array(weights) * a["count"] / a["pop"]).sum() / sum(weights) * 100000
    assert np.isclose(by_sequence["value"].iloc[0], expected, rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# DSR errors (testdata_err1..4)
# ---------------------------------------------------------------------------------------------

ERROR_CASES = {
    "testdata_err1": "counts \\('count'\\) must all be zero or more; see data row\\(s\\) 6",
    "testdata_err2": "populations \\('pop'\\) must all be greater than zero; see data row\\(s\\) 2",
    "testdata_err3": "populations \\('pop'\\) must all be greater than zero; see data row\\(s\\) 2",
    "testdata_err4": "standard populations must all be zero or more; see data row\\(s\\) 6",
}


@pytest.mark.parametrize(
    "package, name",
    [pytest.param(PHE, n, id=f"{PHE}-{n}") for n in ERROR_CASES]
    + [pytest.param(PHS, n, id=f"{PHS}-{n}") for n in list(ERROR_CASES)[:3]],  # PHStatsMethods has err1-3
)
def test_dsr_error_sheets(testvectors_root, package, name):
    data = sheet(testvectors_root, package, BOOK, name)
    kwargs = {"standard_population": "stdpop"} if "stdpop" in data.columns else {"group_by": "area"}
    with pytest.raises(StatsInputError, match=ERROR_CASES[name]):
        directly_standardised_rate(data, "count", "pop", **kwargs)


def test_dsr_wrong_number_of_age_bands(testvectors_root):
    data = sheet(testvectors_root, PHE, BOOK, "testdata_multiarea").drop(index=3)
    with pytest.raises(StatsInputError, match="19 age bands but area='testdata_big' has 18"):
        directly_standardised_rate(data, "count", "pop", group_by="area", age_band="ageband")
    with pytest.raises(StatsInputError, match="standard population has 3 age bands"):
        directly_standardised_rate(data, "count", "pop", group_by="area", standard_population=[1, 2, 3])


def test_dsr_other_errors(testvectors_root):
    data = sheet(testvectors_root, PHE, BOOK, "testdata_multiarea")
    with pytest.raises(StatsInputError, match="'persons' not found"):
        directly_standardised_rate(data, "count", "persons")
    with pytest.raises(StatsInputError, match="give event_frequency"):
        directly_standardised_rate(data, "count", "pop", group_by="area", independent_events=False)
    with pytest.raises(StatsInputError, match="more than once"):
        directly_standardised_rate(pd.concat([data, data.iloc[[0]]]), "count", "pop", group_by="area", age_band="ageband")
    with pytest.raises(StatsInputError, match="cannot read a starting age"):
        directly_standardised_rate(data.assign(ageband="all ages"), "count", "pop", group_by="area", age_band="ageband")
    with pytest.raises(StatsInputError, match="is missing"):
        directly_standardised_rate(data.assign(pop=np.nan), "count", "pop", group_by="area")


# ---------------------------------------------------------------------------------------------
# Indirect standardisation: testresults_ISR
# ---------------------------------------------------------------------------------------------

# Row → (kind, multiplier, input)
ISR_ROWS = {
    **{r: ("rate", 100000, "multiarea") for r in (0, 1, 2)},
    **{r: ("rate", 1000, "multiarea") for r in (3, 4, 5)},
    **{r: ("ratio", 1, "multiarea") for r in (6, 7, 8)},
    **{r: ("ratio", 100, "multiarea") for r in (9, 10, 11)},
    **{r: ("rate", 100000, "err2") for r in (12, 13)},
    **{r: ("ratio", 100, "err2") for r in (14, 15)},
}
ISR_VARIANTS = {
    "multiarea": ["reference-columns", "reference-vectors", "reference-table", "observed-totals"],
    "err2": ["reference-vectors", "reference-table"],
}


def _isr_cases() -> list:
    cases = []
    for package in (PHE, PHS):
        for row, (_, _, source) in ISR_ROWS.items():
            for variant in ISR_VARIANTS[source]:
                if package == PHE and source == "err2" and variant == "reference-table":
                    continue  # the R package's err2 sheet has no age band column to join on
                cases.append(pytest.param(package, row, variant, id=f"{package}-row{row + 1:02d}-{variant}"))
    return cases


def compute_isr(root, package: str, row: int, variant: str) -> pd.DataFrame:
    kind, multiplier, source = ISR_ROWS[row]
    function = indirectly_standardised_rate if kind == "rate" else indirectly_standardised_ratio
    levels = TWO_LEVELS if source == "multiarea" else [0.95]
    ref = sheet(root, package, BOOK, "refdata")
    if source == "multiarea":
        data = sheet(root, package, BOOK, "testdata_multiarea_isr")
    else:
        data = sheet(root, package, BOOK, "testdata_err2")
    common = {"group_by": "area", "confidence": levels, "multiplier": multiplier}
    if variant == "reference-columns":
        return function(data, "count", "pop", reference_count="refcount", reference_denominator="refpop", **common)
    if variant == "observed-totals":
        totals = sheet(root, package, BOOK, "testdata_multiarea_lookup")
        return function(data.drop(columns="count"), "total_count", "pop", reference_count="refcount",
                        reference_denominator="refpop", observed_totals=totals, **common).rename(
            columns={"total_count": "count"})
    data = data.drop(columns=[c for c in ("refcount", "refpop") if c in data.columns])
    if variant == "reference-vectors":
        age = {"age_band": "ageband"} if "ageband" in data.columns else {}
        return function(data, "count", "pop", reference_count=ref["refcount"].tolist(),
                        reference_denominator=ref["refpop"].to_numpy(), **age, **common)
    return function(data, "count", "pop", reference_count="refcount", reference_denominator="refpop",
                    reference=ref, age_band="ageband", reference_age_band="Age Band", **common)


def test_isr_sheets_have_all_cases(testvectors_root):
    for package in (PHE, PHS):
        assert len(sheet(testvectors_root, package, BOOK, "testresults_ISR")) == len(ISR_ROWS)


@pytest.mark.parametrize("package, row, variant", _isr_cases())
def test_isr(testvectors_root, package, row, variant):
    expected = sheet(testvectors_root, package, BOOK, "testresults_ISR").iloc[row]
    result = compute_isr(testvectors_root, package, row, variant).set_index("area").loc[expected["area"]]
    kind, multiplier, source = ISR_ROWS[row]
    if package == PHE:
        pairs = {"observed": "observed", "expected": "expected", "value": "value",
                 "lower_ci_95": "lower95_0cl", "upper_ci_95": "upper95_0cl",
                 "lower_ci_99_8": "lower99_8cl", "upper_ci_99_8": "upper99_8cl"}
        statistic, method = expected["statistic"], expected["method"]
    else:
        pairs = {"observed": "Observed", "expected": "Expected", "value": "Value",
                 "lower_ci_95": "lower_95_ci", "upper_ci_95": "upper_95_ci",
                 "lower_ci_99_8": "lower_99_8_ci", "upper_ci_99_8": "upper_99_8_ci"}
        statistic, method = expected["Statistic"], expected["Method"]
    if source == "err2":
        pairs = {k: v for k, v in pairs.items() if "99_8" not in k}
        assert "lower_ci_99_8" not in result.index
    if kind == "rate":
        pairs["ref_rate"] = "ref_rate"
    else:
        assert "ref_rate" not in result.index
    assert_row(result, expected, pairs, **tolerance(package))
    assert result["statistic"] == statistic
    assert result["method"] == method


# ---------------------------------------------------------------------------------------------
# PHStatsMethods: observed totals supplied separately (testdata_ISR_obs.xlsx, isr_dummydata.csv)
# ---------------------------------------------------------------------------------------------

ISR_OBS_GROUPS = ["indicatorid", "year", "sex"]


def compute_isr_obs(root, variant: str) -> pd.DataFrame:
    totals = sheet(root, PHS, "testdata_ISR_obs.xlsx", "obs")
    if variant == "reference-columns":
        data = sheet(root, PHS, "testdata_ISR_obs.xlsx", "df")
        return indirectly_standardised_ratio(data, "observed", "pop", reference_count="refcount",
                                             reference_denominator="refpop", observed_totals=totals,
                                             group_by=ISR_OBS_GROUPS)
    data = csv(root, PHS, "isr_dummydata.csv")
    ref = csv(root, PHS, "isr_refdummydata.csv")
    return indirectly_standardised_ratio(data, "observed", "pop", reference_count=ref["refcount"],
                                         reference_denominator=ref["refpop"], age_band="ageband",
                                         observed_totals=totals, group_by=ISR_OBS_GROUPS)


def test_isr_obs_sheet_has_all_cases(testvectors_root):
    assert len(sheet(testvectors_root, PHS, "testdata_ISR_obs.xlsx", "obs_results")) == 40


@pytest.mark.parametrize("i", [pytest.param(i, id=f"row{i + 1:02d}") for i in range(40)])
@pytest.mark.parametrize("variant", ["reference-columns", "reference-vectors-from-csv"])
def test_isr_observed_totals(testvectors_root, variant, i):
    expected = sheet(testvectors_root, PHS, "testdata_ISR_obs.xlsx", "obs_results").iloc[i]
    result = compute_isr_obs(testvectors_root, variant).set_index(ISR_OBS_GROUPS).loc[
        tuple(expected[ISR_OBS_GROUPS])]
    assert_row(result, expected, {"observed": "observed", "expected": "expected", "value": "Value",
                                  "lower_ci_95": "lower_95_ci", "upper_ci_95": "upper_95_ci"},
               rtol=PHS_RTOL, atol=PHS_ATOL)
    assert result["statistic"] == expected["Statistic"]
    assert result["method"] == expected["Method"]
    assert result["confidence"] == "95%" and expected["Confidence"] == 0.95


# ---------------------------------------------------------------------------------------------
# ISR errors
# ---------------------------------------------------------------------------------------------

def test_isr_errors(testvectors_root):
    data = sheet(testvectors_root, PHE, BOOK, "testdata_multiarea_isr")
    ref = sheet(testvectors_root, PHE, BOOK, "refdata")
    refs = {"reference_count": "refcount", "reference_denominator": "refpop", "group_by": "area"}
    with pytest.raises(StatsInputError, match="counts \\('count'\\) must all be zero or more"):
        indirectly_standardised_ratio(data.assign(count=-data["count"]), "count", "pop", **refs)
    with pytest.raises(StatsInputError, match="reference populations must all be greater than zero"):
        indirectly_standardised_ratio(data.assign(refpop=0), "count", "pop", **refs)
    with pytest.raises(StatsInputError, match="reference counts has 18 age bands"):
        indirectly_standardised_ratio(data, "count", "pop", reference_count=ref["refcount"][:18],
                                      reference_denominator=ref["refpop"], group_by="area")
    with pytest.raises(StatsInputError, match="not in the reference table"):
        indirectly_standardised_ratio(data, "count", "pop", reference_count="refcount", reference_denominator="refpop",
                                      reference=ref.iloc[1:], age_band="ageband", reference_age_band="Age Band",
                                      group_by="area")
    totals = sheet(testvectors_root, PHE, BOOK, "testdata_multiarea_lookup")
    with pytest.raises(StatsInputError, match="more than one row for a group"):
        indirectly_standardised_ratio(data, "total_count", "pop", observed_totals=pd.concat([totals, totals]), **refs)
    with pytest.raises(StatsInputError, match="'refcount' not found"):
        indirectly_standardised_ratio(data.drop(columns="refcount"), "count", "pop", **refs)
    with pytest.raises(StatsInputError, match="unknown argument\\(s\\) refrence"):
        indirectly_standardised_rate(data, "count", "pop", refrence=ref, **refs)


def test_isr_rate_is_the_ratio_times_the_reference_rate(testvectors_root):
    """The rate takes the ratio's options and scales O/E and its limits by the reference crude rate."""
    data = sheet(testvectors_root, PHE, BOOK, "testdata_multiarea_isr")
    refs = {"reference_count": "refcount", "reference_denominator": "refpop", "group_by": "area",
            "confidence": [0.95, 0.998]}
    ratio = indirectly_standardised_ratio(data, "count", "pop", **refs)
    rate = indirectly_standardised_rate(data, "count", "pop", multiplier=1000, **refs)
    grouped = data.groupby("area")
    ref_rate = (grouped["refcount"].sum() / grouped["refpop"].sum() * 1000).to_numpy()
    np.testing.assert_allclose(rate["ref_rate"], ref_rate, rtol=1e-12)
    for column in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"):
        np.testing.assert_allclose(rate[column], ratio[column] * ref_rate, rtol=1e-12)
    assert list(rate.columns[:4]) == ["area", "observed", "expected", "ref_rate"]
