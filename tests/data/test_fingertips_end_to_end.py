"""End to end on a loopback Fingertips: ``thanalysis data fingertips`` fetches three indicators for the London
boroughs (area type 502, with London region and England) from hand-written recorded answers
(tests/data/fixtures/fingertips_api_london), into a data root that is otherwise the open-data mirror; the store
serves them, a priority metric configured by its Fingertips id reaches the dashboard's series, and the
cross-borough report shows their values, limits and Fingertips' comparisons. Our Wilson and Byars limits from
count and denominator match the published limits to their rounding."""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.data.fingertips_roots import LONDON, mirror_root
from thanalysis.analyses.cross_borough import run_cross_borough
from thanalysis.analyses.cross_borough_fingertips import AGREES
from thanalysis.analyses.dashboard_series import metric_series
from thanalysis.data.extracts import metric_values
from thanalysis.data.fingertips import FingertipsClient, fetch_fingertips
from thanalysis.data.published.fingertips_api import SOURCE
from thanalysis.data.real import RealStore
from thanalysis.priorities import default_priorities_path, load_priorities
from thanalysis.stats.intervals import values_from_counts

from .test_fingertips_fetch import FakeFingertips

TH = "E09000030"
IDS = ["90366", "20601", "90284"]  # life expectancy (published limits only), a proportion, a crude rate
pytestmark = pytest.mark.real


def fixture_rows(indicator: str) -> list[dict[str, str]]:
    """The fixture export's rows as the server sends them (read with the csv module, not the package)."""
    with open(LONDON / f"all_data_{indicator}_502.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def number(text: str) -> float:
    return float(text) if text.strip() else np.nan


@pytest.fixture(scope="module")
def fetched(tmp_path_factory, open_data_root):
    server = FakeFingertips(LONDON)
    try:
        root = mirror_root(tmp_path_factory.mktemp("e2e"), open_data_root)
        lines: list[str] = []
        results = fetch_fingertips(IDS, data_root=root, client=FingertipsClient(base_url=server.base, timeout=5.0),
                                   echo=lines.append)
    finally:
        server.close()
    assert [r["status"] for r in results] == ["downloaded"] * 3
    return root, lines


@pytest.fixture(scope="module")
def store(fetched):
    return RealStore(fetched[0])


def test_fetched_indicators_are_in_the_store(fetched, store):
    _, lines = fetched
    assert lines[-1].startswith("[3/3] 90284 (utla): downloaded 35 rows")
    ind = store.indicators().set_index("indicator_id")
    assert all(ind.loc[i, "source"].startswith(SOURCE) for i in IDS)
    assert ind.loc["20601", "value_type"] == "proportion" and ind.loc["90284", "value_type"] == "crude_rate"
    assert ind.loc["90284", "multiplier"] == 10000 and ind.loc["90284", "polarity"] == "lower_is_better"
    v = store.values(IDS)
    assert v.groupby("indicator_id")["area_code"].nunique().to_dict() == {"20601": 35, "90284": 35, "90366": 35}


def test_published_limits_match_our_recomputation_to_their_rounding(store):
    """Wilson (proportion) and Byars (crude rate, every count here is 10 or more) limits from count and denominator,
    rounded as Fingertips rounds (1 decimal place), are the published ones; so is the value."""
    ind = store.indicators().set_index("indicator_id")
    checked = 0
    for indicator in ("20601", "90284"):
        rows = [r for r in fixture_rows(indicator) if r["Count"]]
        count = np.array([number(r["Count"]) for r in rows])
        den = np.array([number(r["Denominator"]) for r in rows])
        assert count.min() >= 10
        ours = values_from_counts(count, den, ind.loc[indicator, "value_type"], float(ind.loc[indicator, "multiplier"]))
        for column, published in (("value", "Value"), ("lower_ci_95", "Lower CI 95.0 limit"),
                                  ("upper_ci_95", "Upper CI 95.0 limit"), ("lower_ci_99_8", "Lower CI 99.8 limit"),
                                  ("upper_ci_99_8", "Upper CI 99.8 limit")):
            theirs = np.array([number(r[published]) for r in rows])
            assert np.abs(ours[column] - theirs).max() <= 0.05 + 1e-9, (indicator, column)
            checked += len(rows)
    assert checked == 5 * (34 + 34)  # England, London and 32 boroughs each (the City is suppressed)


def _priorities_with(tmp_path, **metric):
    """data/priorities.yml plus one metric (written to a temporary file and loaded as the project loads it)."""
    raw = yaml.safe_load(default_priorities_path().read_text(encoding="utf-8"))
    raw["metrics"].append({"priority": raw["metrics"][0]["priority"], "service_area": "public_health",
                           "source": "OHID Fingertips", "frequency": "annual", "description": "A test metric.",
                           **metric})
    path = tmp_path / "priorities.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return load_priorities(path)


RECEPTION = {"id": "reception_overweight", "title": "Reception children overweight or obese", "indicator_id": "20601",
             "polarity": "lower_is_better", "value_type": "proportion", "unit": "%"}


def test_a_priority_metric_with_a_fingertips_id_reaches_the_dashboard_through_the_store(store, tmp_path):
    """data/priorities.yml: a metric's ``indicator_id`` is all it takes (configuration, not code): the dashboard's
    look-up (:func:`metric_values`) finds the fetched export's rows."""
    found = metric_values(store, _priorities_with(tmp_path, **RECEPTION).metric("reception_overweight"), TH)
    assert found is not None and found.source == "real" and found.multiplier == 100
    row = found.rows.iloc[0]
    assert len(found.rows) == 1 and (row["count"], row["denominator"], row["value"]) == (1764, 8000, 22.1)
    # The project's own life expectancy metric (indicator_id "90366") now reads the raw export, not the tidy extract.
    found = metric_values(store, load_priorities().metric("life_expectancy_at_birth"), TH)
    assert set(found.rows["period"]) == {"2019 - 21", "2020 - 22"}
    assert found.rows["upper_ci_95"].notna().all()


def test_a_fingertips_metric_for_one_age_band_has_a_dashboard_series(store, tmp_path):
    series = metric_series(store, "reception_overweight", TH, priorities=_priorities_with(tmp_path, **RECEPTION))
    assert len(series) == 1 and series["period"].iloc[0] == "2022/23"
    assert series["value"].iloc[0] == pytest.approx(1764 / 8000)  # the fixture's count / denominator, 0-1 scale
    assert series["lower_ci_95"].iloc[0] == pytest.approx(0.212)  # the published 21.2%


def _check_report_tables(result) -> None:
    t = result.table
    assert set(IDS) <= set(t["indicator_id"])
    assert {"E09000025", "E09000012", "E12000007", "E92000001"} <= set(t["area_code"])  # NEL comparators, benchmarks
    checked = 0
    for indicator in IDS:
        for row in fixture_rows(indicator):
            if row["Area Code"] not in {TH, "E09000012"}:
                continue
            sex = "Persons" if row["Sex"] == "Persons" else row["Sex"]
            got = t[(t["indicator_id"] == indicator) & (t["area_code"] == row["Area Code"]) & (t["sex"] == sex)
                    & (t["period"] == row["Time period"])]
            if got.empty:  # an earlier period of life expectancy: the table holds the latest
                assert indicator == "90366" and row["Time period"] == "2019 - 21"
                continue
            got = got.iloc[0]
            assert got["value"] == number(row["Value"])
            assert (got["lower_ci_95"], got["upper_ci_95"]) == (number(row["Lower CI 95.0 limit"]),
                                                                number(row["Upper CI 95.0 limit"]))
            assert (got["lower_ci_99_8"], got["upper_ci_99_8"]) == (number(row["Lower CI 99.8 limit"]),
                                                                    number(row["Upper CI 99.8 limit"]))
            compared = row["Compared to England value or percentiles"]
            phrase = "Similar to England" if compared == "Similar" else f"{compared} than England"
            assert got["value_note"] == f"Fingertips: {phrase}"
            assert got["ci_method"] == "published"
            if row["Count"]:
                assert got["count"] == number(row["Count"])
                assert abs(got["recomputed_value"] - number(row["Value"])) <= 0.05 + 1e-9  # to its rounding
            checked += 1
    assert checked == 2 * (2 + 1 + 1)  # TH and Hackney: LE by sex (latest period), the proportion, the rate
    bench = result.comparisons
    th = bench[bench["indicator_id"].isin(IDS)]
    assert len(th) and set(th["comparison_95"]) <= {"Better", "Similar", "Worse"}


def test_cross_borough_report_shows_values_limits_and_fingertips_comparisons(store):
    _check_report_tables(run_cross_borough(store, indicator_ids=IDS))


def test_cross_borough_fingertips_ids_parameter(store):
    result = run_cross_borough(store, fingertips_ids=IDS)
    # the ids given by configuration get their own table: Fingertips' limits, our recomputation and their label
    ft = result.fingertips
    checked = 0
    for indicator in IDS:
        for row in fixture_rows(indicator):
            got = ft[(ft["indicator_id"] == indicator) & (ft["area_code"] == row["Area Code"])
                     & (ft["sex"] == row["Sex"]) & (ft["period"] == row["Time period"])]
            if row["Area Code"] != TH or got.empty:  # the table holds the latest period of each series
                continue
            got = got.iloc[0]
            assert (got["value"], got["lower_ci_95"], got["upper_ci_95"]) == (
                number(row["Value"]), number(row["Lower CI 95.0 limit"]), number(row["Upper CI 95.0 limit"]))
            compared = row["Compared to England value or percentiles"]
            assert got["fingertips_comparison"] == ("Similar to England" if compared == "Similar"
                                                    else f"{compared} than England")
            checked += 1
    assert checked >= len(IDS)
    assert set(IDS) == set(ft["indicator_id"]) and not result.fingertips_missing
    with_counts = ft[ft["count"].notna() & ft["denominator"].notna() & ft["lower_ci_95"].notna()]
    assert len(with_counts) and (with_counts["check"] == AGREES).all()
    assert ft["fingertips_comparison"].str.contains("England").any()
    assert set(IDS) <= set(result.fingertips_spine["indicator_id"])
