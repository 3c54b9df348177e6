"""Patients across borough lines, for the cross-borough report: GP-registered lists against resident
populations, primary care network list sizes, and flows from where residents live to where they are served.

- :func:`registered_vs_resident` / :func:`pcn_list_sizes` – GP-registered lists against resident populations;
- :func:`flows_by_borough` / :func:`flow_shares` – where residents are served (resident borough → provider
  borough), as shares and a matrix.

Two layouts of the store's flows table are understood: practice → local authority (list sizes, as the real open
data has them) and resident area → practice (the synthetic demo).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.analyses.cross_borough_areas import hierarchy, la_names
from thanalysis.data.flows import flow_counts
from thanalysis.errors import DataError

#: Area types whose codes say where people LIVE (a flow from one of these is a resident-origin flow).
RESIDENCE_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "locality", "la")

_LIST_COLUMNS = ["la", "period", "registered", "practices", "complete"]


def _latest(f: pd.DataFrame, period: str | None) -> tuple[pd.DataFrame, str]:
    """The rows of one period of a flows table (the latest by default) and that period."""
    if period is None:
        period = str(sorted(f["period"].astype(str).unique())[-1])
    return f[f["period"].astype(str) == str(period)], str(period)


# ----------------------------------------------------------------------------------------------------------------
# Registered versus resident populations
# ----------------------------------------------------------------------------------------------------------------
def _year(label: str) -> int | None:
    try:
        return int(str(label)[:4])
    except ValueError:
        return None


def _practice_la(store) -> pd.DataFrame:
    """practice → local authority (through the practice → PCN → LA lookups, or directly)."""
    try:
        m = hierarchy(store).to_parent_map("practice", "la")
    except DataError:
        return pd.DataFrame(columns=["practice", "la"])
    m = m.sort_values("weight", ascending=False).drop_duplicates("child_code")
    return m.rename(columns={"child_code": "practice", "parent_code": "la"})[["practice", "la"]]


def registered_lists(store, flows: pd.DataFrame | None = None, period: str | None = None) -> pd.DataFrame:
    """Patients registered with each local authority's GP practices: ``la, period, registered, practices,
    complete``.

    From practice → local authority list sizes (always complete), or from resident area → practice flows (a
    borough's list is only complete if its own residents' registrations are in the table, otherwise
    ``registered`` is missing)."""
    f = store.flows() if flows is None else flows
    if f.empty:
        return pd.DataFrame(columns=_LIST_COLUMNS)
    f, period = _latest(f, period)
    lists = f[(f["origin_type"] == "practice") & (f["destination_type"] == "la")]
    if len(lists):
        out = lists.groupby("destination_code").agg(registered=("count", "sum"), practices=("origin_code", "nunique"))
        out["complete"] = True
    else:
        at_practice = f[f["destination_type"] == "practice"]
        if at_practice.empty:
            return pd.DataFrame(columns=_LIST_COLUMNS)
        m = at_practice.merge(_practice_la(store), left_on="destination_code", right_on="practice", how="inner")
        byb = flows_by_borough(store, f)
        own = set(byb.loc[byb["origin_la"] == byb["destination_la"], "origin_la"]) if byb is not None else set()
        out = m.groupby("la").agg(registered=("count", "sum"), practices=("destination_code", "nunique"))
        out["complete"] = out.index.isin(own)
        out.loc[~out["complete"], "registered"] = np.nan
    out = out.reset_index().rename(columns={"index": "la", "destination_code": "la"})
    out["period"] = period
    return out[_LIST_COLUMNS]


def resident_population(store, codes: list[str], near_period: str | None = None) -> pd.DataFrame:
    """Residents of each local authority (sum of its age bands, persons) for the population period nearest to
    ``near_period``: ``la, population_period, residents``."""
    pop = store.population()
    pop = pop[pop["area_code"].isin(codes)]
    if pop.empty:
        return pd.DataFrame(columns=["la", "population_period", "residents"])
    periods = sorted(pop["period"].astype(str).unique())
    target = _year(near_period) if near_period else None
    chosen = min(periods, key=lambda p: (abs((_year(p) or 0) - target), -(_year(p) or 0))) if target else periods[-1]
    p = pop[pop["period"].astype(str) == chosen]
    if "Persons" not in set(p["sex"]):
        tot = p.groupby("area_code")["population"].sum()
    else:
        tot = p[p["sex"] == "Persons"].groupby("area_code")["population"].sum()
    return pd.DataFrame({"la": tot.index.astype(str), "population_period": chosen, "residents": tot.to_numpy()})


def registered_vs_resident(store, area_code: str, codes: list[str] | None = None) -> pd.DataFrame:
    """For the borough (and ``codes``): patients registered with its GP practices against its residents.

    Columns: ``area_code, area_name, registered, list_period, practices, residents, population_period, difference
    (registered − residents), ratio (registered / residents)``. Where the registered list is not known for a
    borough (e.g. a CCG covering several boroughs in September 2020) ``registered`` is missing and ``note`` says
    why."""
    codes = list(dict.fromkeys([str(area_code)] + [str(c) for c in (codes or [])]))
    lists = registered_lists(store)
    period = str(lists["period"].iloc[0]) if len(lists) else None
    res = resident_population(store, codes, period)
    out = pd.DataFrame({"area_code": codes})
    out = out.merge(lists.rename(columns={"la": "area_code", "period": "list_period"}), on="area_code", how="left")
    out = out.merge(res.rename(columns={"la": "area_code"}), on="area_code", how="left")
    out["area_name"] = out["area_code"].map(la_names(store)).fillna(out["area_code"])
    out["difference"] = out["registered"] - out["residents"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ratio"] = out["registered"] / out["residents"]
    out["note"] = np.where(out["registered"].isna(),
                           "No registered list for this borough in the data (its practices are not all known, "
                           "or they belong to a group covering several boroughs)", "")
    out["practices"] = out["practices"].astype("Int64")
    return out[["area_code", "area_name", "registered", "list_period", "practices", "residents", "population_period",
                "difference", "ratio", "note"]]


def pcn_list_sizes(store, area_code: str) -> pd.DataFrame:
    """The borough's primary care networks: number of practices and registered patients in each (list sizes from
    the flows table; practice → PCN from the lookups). Columns ``pcn_code, pcn_name, practices, registered``."""
    f = store.flows()
    if f.empty:
        return pd.DataFrame(columns=["pcn_code", "pcn_name", "practices", "registered"])
    f, period = _latest(f, None)
    if ((f["origin_type"] == "practice") & (f["destination_type"] == "la")).any():
        per = f[(f["origin_type"] == "practice") & (f["destination_code"] == str(area_code))]
        per = per.groupby("origin_code", as_index=False)["count"].sum().rename(columns={"origin_code": "practice"})
    else:
        pla = _practice_la(store)
        mine = set(pla.loc[pla["la"] == str(area_code), "practice"])
        per = f[(f["destination_type"] == "practice") & f["destination_code"].isin(mine)]
        per = per.groupby("destination_code", as_index=False)["count"].sum().rename(
            columns={"destination_code": "practice"})
    lk = store.lookups()
    pp = lk[(lk["child_type"] == "practice") & (lk["parent_type"] == "pcn")][["child_code", "parent_code"]]
    m = per.merge(pp, left_on="practice", right_on="child_code", how="left")
    m["parent_code"] = m["parent_code"].fillna("(no PCN)")
    out = m.groupby("parent_code").agg(practices=("practice", "nunique"), registered=("count", "sum")).reset_index()
    a = store.areas()
    names = dict(zip(a.loc[a["area_type"] == "pcn", "area_code"], a.loc[a["area_type"] == "pcn", "area_name"]))
    out = out.rename(columns={"parent_code": "pcn_code"})
    out.insert(1, "pcn_name", out["pcn_code"].map(names).fillna(out["pcn_code"]))
    out["list_period"] = period
    return out.sort_values("pcn_name").reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# Flows across borough lines
# ----------------------------------------------------------------------------------------------------------------
def _to_la(store, codes: pd.Series, types: pd.Series, side: str) -> pd.DataFrame:
    """Each row's borough on one side of a flow (``_row, <side>_la, <side>_w``): split areas are shared out by
    their lookup weights; a code that no lookup places in a borough keeps its own code."""
    parts = []
    frame = pd.DataFrame({"code": codes.astype(str), "type": types.astype(str), "_row": np.arange(len(codes))})
    for kind, part in frame.groupby("type", sort=False):
        if kind == "la":
            parts.append(part.assign(la=part["code"], w=1.0))
            continue
        try:
            m = hierarchy(store).to_parent_map(kind, "la")[["child_code", "parent_code", "weight"]]
        except DataError:
            m = pd.DataFrame(columns=["child_code", "parent_code", "weight"])
        j = part.merge(m, left_on="code", right_on="child_code", how="left")
        j["la"] = j["parent_code"].fillna(j["code"])
        j["w"] = j["weight"].fillna(1.0)
        parts.append(j[["code", "type", "_row", "la", "w"]])
    out = pd.concat(parts, ignore_index=True)
    return out.rename(columns={"la": f"{side}_la", "w": f"{side}_w"})[["_row", f"{side}_la", f"{side}_w"]]


def flows_by_borough(store, flows: pd.DataFrame | None = None, period: str | None = None) -> pd.DataFrame | None:
    """Resident-origin flows summed to ``origin_la`` (where people live) → ``destination_la`` (the borough of the
    practice or provider), for one period (the latest by default).

    Only flows whose origin is a place of residence (LSOA, ward, locality or local authority) count; None when
    there are none (e.g. the real open data's flows are practice list sizes, not residents)."""
    f = store.flows() if flows is None else flows
    f = f[f["origin_type"].isin(RESIDENCE_TYPES)]
    if f.empty:
        return None
    base, period = _latest(f, period)
    base = base.reset_index(drop=True)
    o = _to_la(store, base["origin_code"], base["origin_type"], "origin")
    d = _to_la(store, base["destination_code"], base["destination_type"], "destination")
    m = base.assign(_row=np.arange(len(base))).merge(o, on="_row").merge(d, on="_row")
    m["count"] = m["count"] * m["origin_w"] * m["destination_w"]
    out = m.groupby(["origin_la", "destination_la"], as_index=False)["count"].sum()
    out["period"] = period
    names = la_names(store)
    out["origin_name"] = out["origin_la"].map(names).fillna(out["origin_la"])
    out["destination_name"] = out["destination_la"].map(names).fillna(out["destination_la"])
    return out[["origin_la", "origin_name", "destination_la", "destination_name", "period", "count"]]


@dataclass(frozen=True)
class FlowShares:
    """Results of :func:`flow_shares`."""

    long: pd.DataFrame  # origin, destination, count, share_of_origin, share_of_destination
    matrix: pd.DataFrame  # origins × destinations with totals
    summary: pd.DataFrame  # one row per borough: served elsewhere / from outside, with completeness
    total: float = 0.0


def _shares_summary(out: pd.DataFrame, names: dict) -> pd.DataFrame:
    """Per borough of a shares table: residents served elsewhere and activity from outside (complete rows only)."""
    diag = out[out["origin"] == out["destination"]].set_index("origin")["count"]
    areas = list(dict.fromkeys(list(out["origin"]) + list(out["destination"])))
    o_tot = out.groupby("origin")["count"].sum()
    d_tot = out.groupby("destination")["count"].sum()
    rows = []
    for a in areas:
        home = float(diag.get(a, 0.0))
        complete = a in diag.index
        res, act = float(o_tot.get(a, 0.0)), float(d_tot.get(a, 0.0))
        rows.append({"area_code": a, "area_name": names.get(a, a), "residents_in_table": res,
                     "served_at_home": home if complete else np.nan,
                     "served_elsewhere": res - home if complete and res else np.nan,
                     "share_served_elsewhere": (res - home) / res if complete and res else np.nan,
                     "activity_in_table": act,
                     "from_outside": act - home if complete and act else np.nan,
                     "share_from_outside": (act - home) / act if complete and act else np.nan,
                     "complete": complete})
    return pd.DataFrame(rows)


def flow_shares(flows: pd.DataFrame, *, origin: str = "origin_la", destination: str = "destination_la",
                count: str = "count", names: dict | None = None) -> FlowShares:
    """Shares of a resident → provider flows table.

    - ``share_of_origin``: of everyone from an origin borough in the table, the share served in each destination
      (each origin's shares add up to 1);
    - ``share_of_destination``: of a destination's activity, the share from each origin;
    - ``summary``: per borough, the share of its residents served in another borough and the share of its
      activity coming from outside. A borough's row is only *complete* if the table holds its own residents served
      at home (the diagonal): otherwise only some of its flows were recorded and the share is left missing.
    - ``matrix``: origins as rows, destinations as columns, with row and column totals (the grand total equals
      the table's total). Boroughs whose summary row is not complete are named by the narrative.
    """
    f = flow_counts(flows, origin, destination, count)
    f = f.groupby([origin, destination], as_index=False)[count].sum()
    total = float(f[count].sum())
    out = f.rename(columns={origin: "origin", destination: "destination", count: "count"})
    by_o = out.groupby("origin")["count"].transform("sum")
    by_d = out.groupby("destination")["count"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_of_origin"] = np.where(by_o > 0, out["count"] / by_o, np.nan)
        out["share_of_destination"] = np.where(by_d > 0, out["count"] / by_d, np.nan)
    names = names or {}
    out.insert(1, "origin_name", out["origin"].map(names).fillna(out["origin"]))
    out.insert(3, "destination_name", out["destination"].map(names).fillna(out["destination"]))
    summary = _shares_summary(out, names)
    mat = out.pivot_table(index="origin_name", columns="destination_name", values="count", aggfunc="sum",
                          fill_value=0.0)
    mat["Total"] = mat.sum(axis=1)
    mat.loc["Total"] = mat.sum(axis=0)
    mat = mat.reset_index().rename(columns={"origin_name": "Residents of (rows) / served in (columns)"})
    mat.columns.name = None
    return FlowShares(long=out, matrix=mat, summary=summary, total=total)


__all__ = ["RESIDENCE_TYPES", "registered_lists", "resident_population", "registered_vs_resident",
           "pcn_list_sizes", "flows_by_borough", "FlowShares", "flow_shares"]
