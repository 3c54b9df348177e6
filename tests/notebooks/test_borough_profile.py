"""Run notebooks/borough_profile.ipynb and check what it publishes and shows.

- demo, and the real mirror for Tower Hamlets and Hackney (no locality file);
- results/*.csv are checked against values computed here with plain pandas from the raw files;
- the Tower Hamlets page is rendered and opened in headless Chromium (see :mod:`tests.notebooks.profile_pages`);
- the cells only call the report's run, figures, narrative and the notebook helpers.
"""
from __future__ import annotations

import json

import pytest

from tests.notebooks.profile_pages import (
    HACKNEY,
    TH,
    browser_check,
    cell_calls,
    code_cells,
    mid2020,
    raw_imd,
    results,
    run_notebook,
    shown,
    summary,
)
from thanalysis.data.open import open_store
from thanalysis.geography.places import area_name

NAME = "borough_profile"


def test_parameters_cell_is_unchanged():
    assert code_cells(NAME)[0] == (
        "# Parameters (the report runner may change these)\n"
        'data_root: "Optional[str]" = None  # data folder; None means $THANALYSIS_DATA_ROOT or the project\'s default data\n'
        'area_code: "Optional[str]" = None  # local authority code, e.g. "E09000012"; None means the data\'s home borough')


def test_cells_only_call_run_figures_narrative_and_helpers():
    allowed = {"display", "Markdown", "open_store", "run_borough_profile", "report", "charts", "maps", "figures",
               "words"}
    assert cell_calls(NAME) <= allowed


@pytest.mark.slow
def test_demo_borough_profile(demo_root, tmp_path):
    out = tmp_path / "borough"
    nb = run_notebook(NAME, out, data_root=demo_root)
    store = open_store(demo_root)
    vals = store.values(["imd_decile_national"])
    want = vals[vals["area_type"] == "lsoa21"]["value"].round().astype(int).value_counts()
    dist = results(out, "deprivation_deciles").set_index("decile")
    assert dist["lsoas"].to_dict() == want.reindex(range(1, 11), fill_value=0).to_dict()
    pop = store.population()
    home = pop[(pop["area_code"] == store.home_area_code) & (pop["sex"] == "Persons")]
    latest = home[home["period"] == home["period"].max()]
    assert summary(out)["population"] == pytest.approx(latest["population"].sum())
    assert json.loads((out / "sources.json").read_text())["kind"] == "demo"
    html = shown(nb)
    assert html.count('class="th-key-figure"') == 3 and html.count('class="th-figure"') == 3
    assert "th-map-frame" in html and f"<caption>{area_name(store, store.home_area_code)} compared with" in html


@pytest.mark.slow
def test_real_borough_profile_tower_hamlets(open_data_root, tmp_path, test_output_dir):
    out = tmp_path / "th"
    run_notebook(NAME, out, data_root=open_data_root)
    raw = raw_imd(open_data_root)
    th = raw[raw["la"] == TH]
    dist = results(out, "deprivation_deciles").set_index("decile")
    assert dist["lsoas"].to_dict() == th["decile"].value_counts().reindex(range(1, 11), fill_value=0).to_dict()
    lsoa = results(out, "lsoa_deprivation").set_index("area_code")
    assert (lsoa.loc[th["lsoa"], "rank"].to_numpy() == th["rank"].to_numpy()).all()
    facts = summary(out)
    assert facts["population"] == 310306
    assert facts["population_by_sex"] == 331969
    assert facts["most_deprived_lsoas"] == int((th["decile"] == 1).sum())
    # the mid-2020 population per decile from the raw file
    mid = mid2020(open_data_root)
    code_col, persons_col = "LSOA11CD", "Persons_All-Ages"
    per = th.merge(mid[[code_col, persons_col]], left_on="lsoa", right_on=code_col)
    want = per.groupby("decile")[persons_col].sum()
    got = dist.loc[want.index, "population"]
    assert (got.to_numpy() == want.to_numpy()).all()
    browser_check(NAME, out, test_output_dir / "profiles", "borough-tower-hamlets", parameters={"area_code": TH},
                  expect_tooltip=["Tower Hamlets", "National deprivation decile", "National rank", "Deprivation score"])


@pytest.mark.slow
def test_real_borough_profile_hackney(open_data_root, tmp_path):
    out = tmp_path / "hackney"
    run_notebook(NAME, out, data_root=open_data_root, area_code=HACKNEY)
    raw = raw_imd(open_data_root)
    hk = raw[raw["la"] == HACKNEY]
    dist = results(out, "deprivation_deciles").set_index("decile")
    assert dist["lsoas"].to_dict() == hk["decile"].value_counts().reindex(range(1, 11), fill_value=0).to_dict()
    assert summary(out)["area_name"] == "Hackney"
