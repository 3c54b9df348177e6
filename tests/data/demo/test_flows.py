"""The demo's GP registrations (``thanalysis.data.demo.flows``): flows that cross borough lines."""
from __future__ import annotations

from thanalysis.data.demo.common import HOME_CODE


# --- GP registrations -------------------------------------------------------------------------------------------
def test_flows_cross_borough_lines(store):
    flows, lk = store.flows(), store.lookups()
    pcn = lk[(lk["child_type"] == "practice")].set_index("child_code")["parent_code"]
    la = lk[(lk["child_type"] == "pcn") & (lk["parent_type"] == "la")].set_index("child_code")["parent_code"]
    practice_la = pcn.map(la)
    residents = flows[flows["origin_type"] == "lsoa21"]
    out_of_borough = residents[residents["destination_code"].map(practice_la) != HOME_CODE]
    assert out_of_borough["count"].sum() > 0
    assert out_of_borough["destination_code"].map(practice_la).nunique() >= 5
    inbound = flows[flows["origin_type"] == "la"]
    assert (inbound["origin_code"] != HOME_CODE).all()
    assert (inbound["destination_code"].map(practice_la) == HOME_CODE).all() and inbound["count"].sum() > 0
    # Every resident LSOA registers somewhere; list sizes are close to the resident population.
    lsoas = store.areas().query("area_type == 'lsoa21'")["area_code"]
    assert set(residents["origin_code"]) == set(lsoas)
    assert store.areas().query("area_type == 'pcn'").shape[0] >= 8
