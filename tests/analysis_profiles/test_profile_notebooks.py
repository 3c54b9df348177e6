"""Run the borough and locality profile notebooks with papermill and check what they publish.

- demo: the borough profile and the locality profile for every locality;
- real mirror: Tower Hamlets (borough + each of its four localities) and Hackney (no locality file);
- results/*.csv are checked against values computed here with plain pandas from the raw files;
- a few executed notebooks are rendered with ``thanalysis.publish.html.render_report`` and opened in headless
  Chromium (network blocked): the map polygons draw and tooltips carry the LSOA name, decile, rank and score.
  Screenshots go to ``test-output/profiles/`` for a person to look at.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from thanalysis.config import project_root

pytestmark = pytest.mark.slow

NOTEBOOKS = project_root() / "notebooks"
TH = "E09000030"
HACKNEY = "E09000012"
TH_LOCALITIES = [f"{TH}-NW", f"{TH}-NE", f"{TH}-SW", f"{TH}-SE"]
DEMO_LOCALITIES = ["XL000001", "XL000002", "XL000003", "XL000004"]
_RUNTIMES: dict[str, float] = {}


def run_notebook(name: str, out: Path, **parameters) -> Path:
    """Execute notebooks/<name>.ipynb with papermill (kernel python3) in a fresh output folder."""
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "papermill", "-k", "python3", "--no-progress-bar", "--cwd", str(out),
            str(NOTEBOOKS / f"{name}.ipynb"), str(out / f"{name}.ipynb")]
    for key, value in parameters.items():
        if value is not None:
            args += ["-p", key, str(value)]
    env = {**os.environ, "THANALYSIS_OUTPUT_DIR": str(out)}
    env.pop("THANALYSIS_DATA_ROOT", None)  # data_root is passed explicitly
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    _RUNTIMES[f"{name}:{parameters.get('area_code')}:{parameters.get('locality')}"] = time.perf_counter() - start
    assert done.returncode == 0, f"{name} failed:\n{done.stderr[-4000:]}"
    return out / f"{name}.ipynb"


def results(out: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(out / "results" / f"{table}.csv", dtype={"area_code": str, "locality_code": str},
                       keep_default_na=False, na_values=[""])


def _raw_imd(root: Path) -> pd.DataFrame:
    raw = pd.read_csv(root / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", thousands=",",
                      encoding="utf-8-sig")
    return raw.rename(columns={"LSOA code (2011)": "lsoa", "Local Authority District code (2019)": "la",
                               "Index of Multiple Deprivation (IMD) Rank": "rank",
                               "Index of Multiple Deprivation (IMD) Decile": "decile"})


def _mid2020(root: Path) -> pd.Series:
    """Persons per 2011 LSOA in the ONS mid-2020 London file (summing the broad bands of persons)."""
    raw = pd.read_csv(root / "population" / "london-mid2020-pop-lsoa11.csv", thousands=",", encoding="utf-8-sig")
    return raw


# --- demo ---------------------------------------------------------------------------------------------------------
def test_demo_borough_profile(demo_root, tmp_path):
    from thanalysis.data.open import open_store

    out = tmp_path / "borough"
    run_notebook("borough_profile", out, data_root=demo_root)
    store = open_store(demo_root)
    vals = store.values(["imd_decile_national"])
    want = vals[vals["area_type"] == "lsoa21"]["value"].round().astype(int).value_counts()
    dist = results(out, "deprivation_deciles").set_index("decile")
    assert dist["lsoas"].to_dict() == want.reindex(range(1, 11), fill_value=0).to_dict()
    summary = json.loads((out / "summary.json").read_text())
    pop = store.population()
    home = pop[(pop["area_code"] == store.home_area_code) & (pop["sex"] == "Persons")]
    latest = home[home["period"] == home["period"].max()]
    assert summary["population"] == pytest.approx(latest["population"].sum())
    assert json.loads((out / "sources.json").read_text())["kind"] == "demo"


@pytest.mark.parametrize("locality", DEMO_LOCALITIES)
def test_demo_locality_profile(demo_root, tmp_path, locality):
    from thanalysis.data.open import open_store

    out = tmp_path / locality
    run_notebook("locality_profile", out, data_root=demo_root, locality=locality)
    store = open_store(demo_root)
    ind = results(out, "key_indicators")
    vals = store.values(ind["indicator_id"].tolist())
    vals = vals[(vals["area_code"] == locality) & (vals["category_type"] == "") & (vals["sex"] == "Persons")]
    merged = ind.merge(vals, on=["indicator_id", "period"], suffixes=("", "_pub"))
    assert len(merged) == len(ind) > 0
    assert (merged["count"] - merged["count_pub"]).abs().max() < 1e-6
    assert (merged["value"] - merged["value_pub"]).abs().max() < 1e-6
    summary = json.loads((out / "summary.json").read_text())
    assert summary["locality_code"] == locality and summary["has_localities"] is True
    # the demo publishes monthly metrics per locality: the profile shows them as a table
    executed = json.loads((out / "locality_profile.ipynb").read_text())
    shown = "".join("".join(o.get("data", {}).get("text/html", "")) for c in executed["cells"]
                    for o in c.get("outputs", []))
    assert "Priority dashboard metrics for" in shown and "Latest value" in shown


# --- real -----------------------------------------------------------------------------------------------------------
def test_real_borough_profile_tower_hamlets(open_data_root, tmp_path, test_output_dir):
    out = tmp_path / "th"
    nb = run_notebook("borough_profile", out, data_root=open_data_root)
    raw = _raw_imd(open_data_root)
    th = raw[raw["la"] == TH]
    dist = results(out, "deprivation_deciles").set_index("decile")
    assert dist["lsoas"].to_dict() == th["decile"].value_counts().reindex(range(1, 11), fill_value=0).to_dict()
    lsoa = results(out, "lsoa_deprivation").set_index("area_code")
    assert (lsoa.loc[th["lsoa"], "rank"].to_numpy() == th["rank"].to_numpy()).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["population"] == 310306
    assert summary["population_by_sex"] == 331969
    assert summary["most_deprived_lsoas"] == int((th["decile"] == 1).sum())
    # the mid-2020 population per decile from the raw file
    mid = _mid2020(open_data_root)
    code_col, persons_col = "LSOA11CD", "Persons_All-Ages"
    per = th.merge(mid[[code_col, persons_col]], left_on="lsoa", right_on=code_col)
    want = per.groupby("decile")[persons_col].sum()
    got = dist.loc[want.index, "population"]
    assert (got.to_numpy() == want.to_numpy()).all()
    _browser_check(nb, out, test_output_dir / "profiles", "borough-tower-hamlets", parameters={"area_code": TH},
                   expect_tooltip=["Tower Hamlets", "National deprivation decile", "National rank", "Deprivation score"])


@pytest.mark.parametrize("locality", TH_LOCALITIES)
def test_real_locality_profile_tower_hamlets(open_data_root, tmp_path, test_output_dir, locality):
    from thanalysis.geography.places import localities_for

    out = tmp_path / locality
    nb = run_notebook("locality_profile", out, data_root=open_data_root, locality=locality)
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
    imd = _raw_imd(open_data_root)
    want = imd[imd["lsoa"].isin(lsoa11)]["decile"].value_counts().reindex(range(1, 11), fill_value=0)
    dec = results(out, "deprivation_deciles").set_index("decile")
    assert dec["locality_lsoas"].to_dict() == want.to_dict()
    if locality == TH_LOCALITIES[0]:
        _browser_check(nb, out, test_output_dir / "profiles", f"locality-{locality}",
                       parameters={"locality": locality}, expect_tooltip=["Locality"])


def test_real_borough_profile_hackney(open_data_root, tmp_path, test_output_dir):
    out = tmp_path / "hackney"
    run_notebook("borough_profile", out, data_root=open_data_root, area_code=HACKNEY)
    raw = _raw_imd(open_data_root)
    hk = raw[raw["la"] == HACKNEY]
    dist = results(out, "deprivation_deciles").set_index("decile")
    assert dist["lsoas"].to_dict() == hk["decile"].value_counts().reindex(range(1, 11), fill_value=0).to_dict()
    assert json.loads((out / "summary.json").read_text())["area_name"] == "Hackney"


def test_real_locality_profile_hackney_without_locality_file(open_data_root, tmp_path, test_output_dir):
    out = tmp_path / "hackney-locality"
    nb = run_notebook("locality_profile", out, data_root=open_data_root, area_code=HACKNEY)
    import nbformat

    text = json.dumps(nbformat.read(nb, as_version=4)["cells"])
    assert "There is no locality file for Hackney" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["has_localities"] is False and summary["population"] > 200000
    _browser_check(nb, out, test_output_dir / "profiles", "locality-hackney", parameters={"area_code": HACKNEY},
                   expect_tooltip=[])


def test_runtimes_recorded():
    """Not a check: prints the notebook runtimes measured above (see -rA / -s output)."""
    for key, seconds in sorted(_RUNTIMES.items()):
        print(f"{key}: {seconds:.1f}s")


# --- rendering and browser ----------------------------------------------------------------------------------------
def _browser_check(nb_path: Path, out: Path, shots: Path, name: str, *, parameters: dict, expect_tooltip):
    """Render the executed notebook to HTML, open it offline, check the maps draw and tooltips say enough."""
    import nbformat

    try:
        from thanalysis.publish.html import render_report
    except ImportError:  # pragma: no cover - the renderer is another part of the project
        pytest.skip("thanalysis.publish.html.render_report is not available")
    from tests.browser_util import chromium_path, launch_browser, open_offline, screenshot

    nb = nbformat.read(nb_path, as_version=4)
    sources = json.loads((out / "sources.json").read_text())
    provenance = {"data_statement": sources["data_statement"], "sources": sources["sources"],
                  "parameters": parameters, "package_version": "test", "git_commit": "test",
                  "built_at": "2024-01-01T00:00:00Z", "notebook": f"notebooks/{nb_path.name}"}
    html_path = out / f"{name}.html"
    render_report(nb, html_path, provenance=provenance)
    if chromium_path() is None:
        pytest.skip("Chromium not found for the browser check")
    with launch_browser() as browser, open_offline(browser, html_path, viewport=(1200, 900)) as (page, record):
        page.wait_for_timeout(1500)
        screenshot(page, shots, f"{name}-first-screen", full_page=False)
        frames = page.locator("iframe.th-map-frame")
        assert frames.count() >= 1
        for i in range(frames.count()):
            frame = frames.nth(i).content_frame
            paths = frame.locator("path.leaflet-interactive")
            paths.first.wait_for(state="attached", timeout=10000)
            assert paths.count() >= 4, "the map should draw its areas"
            frames.nth(i).scroll_into_view_if_needed()
            box = frames.nth(i).bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(400)
            tip = frame.locator(".leaflet-tooltip")
            if expect_tooltip:
                # hover over the first area that takes the pointer to show its tooltip
                paths.nth(0).hover(force=True)
                page.wait_for_timeout(300)
                text = tip.first.inner_text(timeout=5000) if tip.count() else ""
                assert text.strip(), "a tooltip should appear on hover"
            if i == 0:
                page.screenshot(path=str(shots / f"{name}-map.png"), clip=box)
        if expect_tooltip:
            document = "".join(frames.nth(i).get_attribute("srcdoc") or "" for i in range(frames.count()))
            for word in expect_tooltip:
                assert word in document, f"tooltips should mention {word!r}"
        assert not record.problems(), record.problems()
