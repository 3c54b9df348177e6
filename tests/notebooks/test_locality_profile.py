"""Run notebooks/locality_profile.ipynb and check what it publishes and shows.

- demo: every locality; real mirror: each of Tower Hamlets' four localities and Hackney (no locality file);
- results/*.csv are checked against values computed here with plain pandas from the raw files;
- two pages are rendered and opened in headless Chromium (see :mod:`tests.notebooks.profile_pages`);
- the cells only call the report's run, figures, narrative and the notebook helpers.
"""
from __future__ import annotations

import pandas as pd
import pytest

from tests.notebooks.profile_pages import (
    HACKNEY,
    TH,
    TH_LOCALITIES,
    browser_check,
    cell_calls,
    code_cells,
    raw_imd,
    results,
    run_notebook,
    shown,
    summary,
)
from thanalysis.data.open import open_store
from thanalysis.geography.places import localities_for

NAME = "locality_profile"
DEMO_LOCALITIES = ["XL000001", "XL000002", "XL000003", "XL000004"]


def test_parameters_cell_is_unchanged():
    assert code_cells(NAME)[0] == (
        "# Parameters (the report runner may change these)\n"
        'data_root: "Optional[str]" = None  # data folder; None means $THANALYSIS_DATA_ROOT or the project\'s default data\n'
        'area_code: "Optional[str]" = None  # local authority code; None means the data\'s home borough\n'
        'locality: "Optional[str]" = None  # locality code from the locality file, e.g. "E09000030-NW"; None means '
        "the first")


def test_cells_only_call_run_figures_narrative_and_helpers():
    allowed = {"display", "Markdown", "open_store", "run_locality_profile", "report", "charts", "maps", "figures",
               "words"}
    assert cell_calls(NAME) <= allowed


@pytest.mark.slow
@pytest.mark.parametrize("locality", DEMO_LOCALITIES)
def test_demo_locality_profile(demo_root, tmp_path, locality):
    out = tmp_path / locality
    nb = run_notebook(NAME, out, data_root=demo_root, locality=locality)
    store = open_store(demo_root)
    ind = results(out, "key_indicators")
    vals = store.values(ind["indicator_id"].tolist())
    vals = vals[(vals["area_code"] == locality) & (vals["category_type"] == "") & (vals["sex"] == "Persons")]
    merged = ind.merge(vals, on=["indicator_id", "period"], suffixes=("", "_pub"))
    assert len(merged) == len(ind) > 0
    assert (merged["count"] - merged["count_pub"]).abs().max() < 1e-6
    assert (merged["value"] - merged["value_pub"]).abs().max() < 1e-6
    facts = summary(out)
    assert facts["locality_code"] == locality and facts["has_localities"] is True
    # the demo publishes monthly metrics per locality: the profile shows them as a table
    html = shown(nb)
    assert "Priority dashboard metrics for" in html and "Latest value" in html


@pytest.mark.slow
@pytest.mark.parametrize("locality", TH_LOCALITIES)
def test_real_locality_profile_tower_hamlets(open_data_root, tmp_path, test_output_dir, locality):
    out = tmp_path / locality
    run_notebook(NAME, out, data_root=open_data_root, locality=locality)
    # Census share of the locality: raw LSOA counts + GLA best-fit ward lookup + the locality file
    raw = pd.read_csv(open_data_root / "population" / "census2021" / "census2021-ts007a-lsoa.csv")
    bf = pd.read_csv(open_data_root / "lookups" / "lsoa21_ward22_best_fit_EW_gla.csv", dtype=str)
    loc = localities_for(TH)
    wards = set(loc.loc[loc["locality_code"] == locality, "ward22_code"])
    mine = raw[raw["geography code"].isin(set(bf.loc[bf["ward22cd"].isin(wards), "lsoa21cd"]))]
    young = [f"Age: Aged {b}" for b in ("4 years and under", "5 to 9 years", "10 to 14 years")]
    ind = results(out, "key_indicators").set_index("indicator_id")
    row = ind.loc["census21_aged_0_14"]
    assert row["count"] == mine[young].to_numpy().sum()
    assert row["denominator"] == mine["Age: Total"].sum()
    assert row["value"] == pytest.approx(100 * mine[young].to_numpy().sum() / mine["Age: Total"].sum())
    # deprivation deciles of the locality's 2011 LSOAs (GLA 2011 best-fit lookup)
    bf11 = pd.read_csv(open_data_root / "lookups" / "lsoa11_ward22_best_fit_EW_gla.csv", dtype=str)
    lsoa11 = set(bf11.loc[bf11[bf11.columns[1]].isin(wards), bf11.columns[0]])
    imd = raw_imd(open_data_root)
    want = imd[imd["lsoa"].isin(lsoa11)]["decile"].value_counts().reindex(range(1, 11), fill_value=0)
    dec = results(out, "deprivation_deciles").set_index("decile")
    assert dec["locality_lsoas"].to_dict() == want.to_dict()
    if locality == TH_LOCALITIES[0]:
        browser_check(NAME, out, test_output_dir / "profiles", f"locality-{locality}",
                      parameters={"locality": locality}, expect_tooltip=["Locality"])


@pytest.mark.slow
def test_real_locality_profile_hackney_without_locality_file(open_data_root, tmp_path, test_output_dir):
    out = tmp_path / "hackney-locality"
    nb = run_notebook(NAME, out, data_root=open_data_root, area_code=HACKNEY)
    text = shown(nb, "text/markdown")
    assert "There is no locality file for Hackney" in text
    assert "See the locality dashboard pack (priority dashboard – Hackney)" in text
    facts = summary(out)
    assert facts["has_localities"] is False and facts["population"] > 200000
    browser_check(NAME, out, test_output_dir / "profiles", "locality-hackney", parameters={"area_code": HACKNEY},
                  expect_tooltip=[])
