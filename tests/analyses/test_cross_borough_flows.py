"""Tests for thanalysis.analyses.cross_borough_flows: registered against resident populations, PCN list sizes
and flows across borough lines, checked against the raw files and hand-worked tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.analyses.cross_borough_expected import NEWHAM, TH
from thanalysis.analyses import cross_borough_flows as cf
from thanalysis.analyses.cross_borough_areas import la_names
from thanalysis.errors import DataError


def test_registered_vs_resident_real(open_data_root, real):
    gp = pd.read_csv(open_data_root / "gp/hoc_gp_practice_demographics_apr2020.csv")
    mapping = pd.read_csv(open_data_root / "gp/gp-reg-pat-prac-map_sep2020.csv")
    th = mapping[mapping["CCG_CODE"] == "08V"]
    listed = gp[gp["PRACTICE_CODE"].isin(th["PRACTICE_CODE"])]
    census = pd.read_csv(open_data_root / "population/census2021/census2021-ts007a-ltla.csv")
    residents = census.loc[census["geography code"] == TH, "Age: Total"].iloc[0]
    r = cf.registered_vs_resident(real, TH, [NEWHAM, "E09000012"]).set_index("area_code")
    assert r.loc[TH, "registered"] == listed["Total"].sum() == 343398
    assert r.loc[TH, "practices"] == 35
    assert r.loc[TH, "residents"] == residents == 310306
    assert r.loc[TH, "ratio"] == pytest.approx(343398 / 310306)
    assert r.loc[TH, "difference"] == 343398 - 310306
    assert pd.isna(r.loc["E09000012", "registered"]) and r.loc["E09000012", "note"]  # City and Hackney CCG


def test_pcn_lists_add_up_to_the_borough_list(open_data_root, real):
    gp = pd.read_csv(open_data_root / "gp/hoc_gp_practice_demographics_apr2020.csv")
    mapping = pd.read_csv(open_data_root / "gp/gp-reg-pat-prac-map_sep2020.csv")
    th = mapping[mapping["CCG_CODE"] == "08V"]
    listed = gp[gp["PRACTICE_CODE"].isin(th["PRACTICE_CODE"])]
    pcns = cf.pcn_list_sizes(real, TH)
    assert len(pcns) == 8 and pcns["practices"].sum() == 35
    assert pcns["registered"].sum() == 343398
    expected = listed.merge(th[["PRACTICE_CODE", "PCN_CODE"]], on="PRACTICE_CODE").groupby("PCN_CODE")["Total"].sum()
    assert pcns.set_index("pcn_code")["registered"].to_dict() == expected.to_dict()


def test_real_flows_are_lists_not_resident_flows(real):
    assert cf.flows_by_borough(real) is None


def test_flow_shares_hand_worked():
    flows = pd.DataFrame({"origin_la": ["A", "A", "B", "B", "C"], "destination_la": ["A", "B", "A", "B", "A"],
                          "count": [80.0, 20.0, 10.0, 90.0, 5.0]})
    fs = cf.flow_shares(flows, names={"A": "Alpha"})
    s = fs.summary.set_index("area_code")
    assert s.loc["A", "area_name"] == "Alpha" and s.loc["B", "area_name"] == "B"
    assert s.loc["A", "share_served_elsewhere"] == pytest.approx(0.2)
    assert s.loc["A", "share_from_outside"] == pytest.approx(15 / 95)
    assert s.loc["B", "share_served_elsewhere"] == pytest.approx(0.1)
    assert s.loc["B", "share_from_outside"] == pytest.approx(20 / 110)
    assert not s.loc["C", "complete"] and pd.isna(s.loc["C", "share_served_elsewhere"])
    assert np.allclose(fs.long.groupby("origin")["share_of_origin"].sum(), 1.0)
    assert np.allclose(fs.long.groupby("destination")["share_of_destination"].sum(), 1.0)
    m = fs.matrix.set_index(fs.matrix.columns[0])
    assert m.loc["Total", "Total"] == flows["count"].sum() == fs.total
    assert m.loc["Alpha", "B"] == 20 and m.loc["C", "B"] == 0
    assert m.drop(index="Total")["Total"].sum() == flows["count"].sum()
    with pytest.raises(DataError):
        cf.flow_shares(flows.assign(count=[1, -1, 1, 1, 1]))
    with pytest.raises(DataError):
        cf.flow_shares(flows.drop(columns="destination_la"))


def test_demo_flows_by_borough_keep_the_total(demo, demo_root):
    raw = pd.read_csv(demo_root / "flows.csv", dtype=str)
    raw["count"] = raw["count"].astype(float)
    latest = raw[raw["period"] == sorted(raw["period"].unique())[-1]]
    byb = cf.flows_by_borough(demo)
    assert byb["count"].sum() == pytest.approx(latest["count"].sum())
    assert set(byb["period"]) == {sorted(raw["period"].unique())[-1]}
    fs = cf.flow_shares(byb, names=la_names(demo))
    assert np.allclose(fs.long.groupby("origin")["share_of_origin"].sum(), 1.0)
    m = fs.matrix.set_index(fs.matrix.columns[0])
    assert m.loc["Total", "Total"] == pytest.approx(latest["count"].sum())
    # Independent: residents of the home borough's LSOAs registered with practices outside the home borough.
    lk = pd.read_csv(demo_root / "lookups.csv", dtype=str)
    prac_pcn = lk[(lk["child_type"] == "practice")].set_index("child_code")["parent_code"]
    pcn_la = lk[(lk["child_type"] == "pcn")].set_index("child_code")["parent_code"]
    home = demo.home_area_code
    res = latest[latest["origin_type"] == "lsoa21"]
    dest_la = res["destination_code"].map(prac_pcn).map(pcn_la)
    share = res.loc[dest_la != home, "count"].sum() / res["count"].sum()
    s = fs.summary.set_index("area_code")
    assert s.loc[home, "share_served_elsewhere"] == pytest.approx(share)
    assert s.loc[home, "complete"] and not s.drop(index=home)["complete"].any()


def test_demo_registered_list_is_complete_only_for_the_home_borough(demo, demo_root):
    """The demo's flows hold the home borough's residents only: other boroughs' lists are partial."""
    lists = cf.registered_lists(demo).set_index("la")
    home = demo.home_area_code
    assert lists.loc[home, "complete"] and lists.loc[home, "registered"] > 0
    assert lists.drop(index=home)["registered"].isna().all()
