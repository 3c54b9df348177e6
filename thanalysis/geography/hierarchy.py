"""Areas and how they nest: LSOA → ward → locality → local authority, and sums from small areas up to big ones.

- :class:`AreaHierarchy` answers "which wards are in this borough?", "which locality is this LSOA in?" from a
  store's ``areas`` and ``lookups`` tables, following lookups through intermediate area types.
- :func:`aggregate` sums counts (events, denominators, populations) from small areas up to bigger ones. It uses
  each lookup row's ``weight``: 1 for exact nesting and best-fit lookups, a fraction when a small area is split
  between parents (e.g. a 2011 LSOA split into two 2021 LSOAs, apportioned by population). Because the weights
  of each child add up to 1, totals are kept: nothing is lost and nothing counted twice.

Area codes are not unique across area types (an LSOA unchanged in 2021 keeps its 2011 code), so areas are
identified by code *and* type wherever that matters.
"""
from __future__ import annotations

from collections import deque
from typing import Sequence

import pandas as pd

from thanalysis.errors import DataError

#: "Weights of each child add up to 1" is checked to this tolerance (published weights are rounded).
WEIGHT_TOLERANCE = 1e-3

#: Columns never used to group rows when aggregating (they describe, not identify, a row).
_NOT_GROUPING = {"area_code", "area_type", "area_name", "value_note"}


# --------------------------------------------------------------------------------------------------------------
# Walking the lookups
# --------------------------------------------------------------------------------------------------------------
def _clean_lookups(lookups: pd.DataFrame) -> pd.DataFrame:
    need = ["child_code", "child_type", "parent_code", "parent_type"]
    missing = [c for c in need if c not in lookups.columns]
    if missing:
        raise DataError("The lookups table is missing columns needed to walk the area hierarchy.",
                        column=missing[0], expected="columns " + ", ".join(need + ["weight"]))
    out = lookups[need].astype(str).copy()
    out["weight"] = lookups["weight"].astype(float).to_numpy() if "weight" in lookups.columns else 1.0
    return out


def type_path(lookups: pd.DataFrame, from_type: str, to_type: str) -> list[tuple[str, str]]:
    """The shortest chain of lookup steps from ``from_type`` up to ``to_type``, e.g.
    ``[("lsoa21", "ward22"), ("ward22", "locality")]``. Raises DataError if the lookups cannot get there."""
    if from_type == to_type:
        return []
    edges = (lookups[["child_type", "parent_type"]].drop_duplicates().astype(str)
             .sort_values(["child_type", "parent_type"]).itertuples(index=False, name=None))
    graph: dict[str, list[str]] = {}
    for child, parent in edges:
        graph.setdefault(child, []).append(parent)
    previous: dict[str, str] = {from_type: ""}
    queue = deque([from_type])
    while queue:
        here = queue.popleft()
        for nxt in graph.get(here, []):
            if nxt not in previous:
                previous[nxt] = here
                queue.append(nxt)
    if to_type not in previous:
        steps = ", ".join(f"{c}→{p}" for c, ps in sorted(graph.items()) for p in ps) or "none"
        raise DataError(
            f"The lookups have no path from {from_type} up to {to_type}.",
            column="child_type, parent_type",
            expected=f"lookup rows linking {from_type} to {to_type} (directly or through other area types); "
                     f"the lookups hold: {steps}",
        )
    path = [to_type]
    while path[-1] != from_type:
        path.append(previous[path[-1]])
    path.reverse()
    return list(zip(path[:-1], path[1:]))


class AreaHierarchy:
    """Parents, children and "areas of a type within an area", from the ``areas`` and ``lookups`` tables.

    >>> h = AreaHierarchy.from_store(store)
    >>> h.within("E09000030", "ward22")       # the 20 wards of Tower Hamlets
    >>> h.parents("E01004198", area_type="lsoa21", parent_type="locality")
    """

    def __init__(self, areas: pd.DataFrame, lookups: pd.DataFrame) -> None:
        self.areas = areas[["area_code", "area_name", "area_type"]].astype(str).reset_index(drop=True)
        self.lookups = _clean_lookups(lookups)
        self._names = dict(zip(zip(self.areas["area_code"], self.areas["area_type"]), self.areas["area_name"]))
        self._types = self.areas.groupby("area_code")["area_type"].agg(lambda s: sorted(set(s))).to_dict()

    @classmethod
    def from_store(cls, store) -> "AreaHierarchy":
        return cls(store.areas(), store.lookups())

    # --- naming ------------------------------------------------------------------------------------------------
    def type_of(self, area_code: str) -> str:
        """The area type of a code; raises DataError if the code is unknown or has several types."""
        types = self._types.get(str(area_code))
        if not types:
            raise DataError(f"Area {area_code!r} is not in the areas table.", column="area_code",
                            values=[area_code], expected="a code listed in the store's areas table")
        if len(types) > 1:
            raise DataError(f"Area code {area_code!r} is used by several area types ({', '.join(types)}).",
                            column="area_type", values=[area_code],
                            expected="area_type= to say which one is meant")
        return types[0]

    def name(self, area_code: str, area_type: str | None = None) -> str:
        area_type = area_type or self.type_of(area_code)
        try:
            return self._names[(str(area_code), area_type)]
        except KeyError:
            raise DataError(f"Area {area_code!r} of type {area_type} is not in the areas table.",
                            column="area_code", values=[area_code], expected="a known area") from None

    def codes(self, area_type: str) -> list[str]:
        """Every code of one area type, sorted."""
        return sorted(self.areas.loc[self.areas["area_type"] == area_type, "area_code"])

    # --- walking -----------------------------------------------------------------------------------------------
    def parents(self, area_code: str, *, area_type: str | None = None,
                parent_type: str | None = None) -> pd.DataFrame:
        """Parents of an area: ``parent_code, parent_type, weight``.

        Without ``parent_type``: the direct parents in the lookups. With it: the parents of that type, reached
        through intermediate types if needed, with weights multiplied along the way (the share of the area
        that falls in each parent)."""
        area_type = area_type or self.type_of(area_code)
        start = pd.DataFrame({"code": [str(area_code)], "weight": [1.0]})
        if parent_type is None:
            lk = self.lookups
            hit = lk[(lk["child_code"] == str(area_code)) & (lk["child_type"] == area_type)]
            return (hit[["parent_code", "parent_type", "weight"]].sort_values(["parent_type", "parent_code"])
                    .reset_index(drop=True))
        frame = start
        for child_t, parent_t in type_path(self.lookups, area_type, parent_type):
            frame = self._step_up(frame, child_t, parent_t)
        return (frame.rename(columns={"code": "parent_code"}).assign(parent_type=parent_type)
                [["parent_code", "parent_type", "weight"]].sort_values("parent_code").reset_index(drop=True))

    def _step_up(self, frame: pd.DataFrame, child_t: str, parent_t: str) -> pd.DataFrame:
        lk = self.lookups
        edge = lk[(lk["child_type"] == child_t) & (lk["parent_type"] == parent_t)]
        merged = frame.merge(edge, left_on="code", right_on="child_code", suffixes=("", "_lk"))
        merged["weight"] = merged["weight"] * merged["weight_lk"]
        return merged.groupby("parent_code", as_index=False)["weight"].sum().rename(columns={"parent_code": "code"})

    def children(self, area_code: str, *, area_type: str | None = None,
                 child_type: str | None = None) -> pd.DataFrame:
        """Children of an area: ``child_code, child_type, weight`` (the weight is the share of the child that
        lies in this area). Without ``child_type``: direct children; with it: all areas of that type below
        this one, through intermediate types."""
        area_type = area_type or self.type_of(area_code)
        lk = self.lookups
        if child_type is None:
            hit = lk[(lk["parent_code"] == str(area_code)) & (lk["parent_type"] == area_type)]
            return (hit[["child_code", "child_type", "weight"]].sort_values(["child_type", "child_code"])
                    .reset_index(drop=True))
        # Walk down the same chain that aggregation walks up.
        path = type_path(lk, child_type, area_type)
        frame = pd.DataFrame({"code": [str(area_code)], "weight": [1.0]})
        for child_t, parent_t in reversed(path):
            edge = lk[(lk["child_type"] == child_t) & (lk["parent_type"] == parent_t)]
            merged = frame.merge(edge, left_on="code", right_on="parent_code", suffixes=("", "_lk"))
            merged["weight"] = merged["weight"] * merged["weight_lk"]
            frame = merged.groupby("child_code", as_index=False)["weight"].sum().rename(columns={"child_code": "code"})
        return (frame.rename(columns={"code": "child_code"}).assign(child_type=child_type)
                [["child_code", "child_type", "weight"]].sort_values("child_code").reset_index(drop=True))

    def within(self, area_code: str, area_type: str, *, parent_type: str | None = None) -> list[str]:
        """Codes of every ``area_type`` area inside ``area_code`` (sorted), e.g. the wards of a borough,
        the localities of a borough or the LSOAs of a locality."""
        kids = self.children(area_code, area_type=parent_type, child_type=area_type)
        return kids.loc[kids["weight"] > 0, "child_code"].tolist()

    def parent_of(self, area_code: str, parent_type: str, *, area_type: str | None = None) -> str:
        """The single (best-fit) parent of a type, e.g. the locality of a ward; raises if it is split."""
        p = self.parents(area_code, area_type=area_type, parent_type=parent_type)
        if len(p) != 1:
            raise DataError(f"Area {area_code} does not lie in exactly one {parent_type} "
                            f"({len(p)} found: {', '.join(p['parent_code'][:5])}).",
                            values=[area_code], expected=f"one {parent_type} (use parents() for splits)")
        return str(p["parent_code"].iloc[0])

    def to_parent_map(self, from_type: str, to_type: str) -> pd.DataFrame:
        """Every ``from_type`` area with its ``to_type`` parent(s) and weight (a lookup through the chain)."""
        lk = self.lookups
        frame = None
        for child_t, parent_t in type_path(lk, from_type, to_type):
            edge = lk.loc[(lk["child_type"] == child_t) & (lk["parent_type"] == parent_t),
                          ["child_code", "parent_code", "weight"]]
            if frame is None:
                frame = edge.rename(columns={"child_code": "code", "parent_code": "parent"})
            else:
                m = frame.merge(edge, left_on="parent", right_on="child_code", suffixes=("", "_lk"))
                m["weight"] = m["weight"] * m["weight_lk"]
                frame = m.groupby(["code", "parent_code"], as_index=False)["weight"].sum().rename(
                    columns={"parent_code": "parent"})
        if frame is None:
            codes = self.codes(from_type)
            frame = pd.DataFrame({"code": codes, "parent": codes, "weight": 1.0})
        return (frame.rename(columns={"code": "child_code", "parent": "parent_code"})
                .assign(child_type=from_type, parent_type=to_type)
                [["child_code", "child_type", "parent_code", "parent_type", "weight"]]
                .sort_values(["child_code", "parent_code"]).reset_index(drop=True))


# --------------------------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------------------------
def aggregate(
    data: pd.DataFrame,
    lookups: pd.DataFrame,
    from_type: str,
    to_type: str,
    count_columns: Sequence[str] = ("count", "denominator"),
    weight: str | None = "weight",
    *,
    by: Sequence[str] | None = None,
    code_column: str = "area_code",
    missing: str = "raise",
) -> pd.DataFrame:
    """Sum ``count_columns`` from ``from_type`` areas up to ``to_type`` areas (e.g. LSOA → ward → locality → LA).

    ``data`` has one row per area (``code_column``) and breakdown (``by``; default: every text/date column
    other than the area code, type and name, e.g. indicator_id, period, sex, age_band). Counts are multiplied by
    the lookup ``weight`` of each child → parent row and summed, step by step through intermediate area types
    (the shortest chain in ``lookups``). Weights of each child must add up to 1 at every step, so totals are
    conserved; with ``weight=None`` every row counts fully and a child with two parents is an error (it would be
    counted twice). Only counts can be summed: rates, values and CIs must be recomputed from the summed counts.

    A parent's count is missing (NaN) if any of its children's counts is missing, rather than silently smaller.
    Areas not in the lookups raise DataError (``missing="drop"`` drops them instead, saying nothing).
    Returns ``area_code, area_type, *by, *count_columns`` sorted by area and breakdown.
    """
    count_columns = list(count_columns)
    lk = lookups.copy()
    if weight is not None and weight not in lk.columns:
        raise DataError(f"The lookups have no weight column {weight!r}.", column=weight,
                        expected="a weight column (1 for exact nesting) or weight=None")
    if weight is None:
        lk = lk.drop(columns="weight", errors="ignore")
    elif weight != "weight":
        lk = lk.drop(columns="weight", errors="ignore").rename(columns={weight: "weight"})
    lk = _clean_lookups(lk)
    for col in [code_column, *count_columns]:
        if col not in data.columns:
            raise DataError(f"The table to aggregate has no column {col!r}.", column=col,
                            expected=f"columns {code_column} and {', '.join(count_columns)}")
    if "area_type" in data.columns and code_column == "area_code":
        other = sorted(set(data["area_type"].astype(str)) - {from_type})
        if other:
            raise DataError(f"aggregate(from_type={from_type!r}) was given rows of other area types.",
                            column="area_type", values=other, expected=f"only {from_type} rows (filter first)")
    if by is None:
        by = [c for c in data.columns if c not in _NOT_GROUPING and c not in count_columns and c != code_column
              and not pd.api.types.is_numeric_dtype(data[c])]
    by = list(by)
    frame = data[[code_column, *by, *count_columns]].copy()
    frame[code_column] = frame[code_column].astype(str)
    for col in count_columns:
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype(float)

    for child_t, parent_t in type_path(lk, from_type, to_type):
        edge = lk[(lk["child_type"] == child_t) & (lk["parent_type"] == parent_t)]
        _check_edge(edge, child_t, parent_t, weighted=weight is not None)
        known = frame[code_column].isin(set(edge["child_code"]))
        if not known.all():
            unknown = pd.unique(frame.loc[~known, code_column])
            if missing == "raise":
                raise DataError(
                    f"{len(unknown)} {child_t} areas are not in the {child_t}→{parent_t} lookup, so their counts "
                    "would be lost.", column=code_column, values=list(unknown[:10]),
                    expected=f"every {child_t} code in the lookups (or missing='drop' to leave them out)")
            frame = frame[known]
        merged = frame.merge(edge[["child_code", "parent_code", "weight"]], left_on=code_column,
                             right_on="child_code", how="inner")
        for col in count_columns:
            merged[col] = merged[col] * merged["weight"]
        keys = ["parent_code", *by]
        grouped = merged.groupby(keys, dropna=False, sort=True)
        summed = grouped[count_columns].sum()
        # A parent with any missing child count is missing, not quietly too small.
        any_missing = merged[count_columns].isna().groupby([merged[k] for k in keys], dropna=False).any()
        summed = summed.mask(any_missing.reindex(summed.index).to_numpy())
        frame = summed.reset_index().rename(columns={"parent_code": code_column})
    out = frame.copy()
    out.insert(1, "area_type", to_type)
    out = out[[code_column, "area_type", *by, *count_columns]]
    return out.sort_values([code_column, *by], kind="stable").reset_index(drop=True)


def _check_edge(edge: pd.DataFrame, child_t: str, parent_t: str, *, weighted: bool) -> None:
    if weighted:
        sums = edge.groupby("child_code")["weight"].sum()
        bad = sums[(sums - 1).abs() > WEIGHT_TOLERANCE]
        if len(bad):
            raise DataError(
                f"In the {child_t}→{parent_t} lookup the weights of {len(bad)} areas do not add up to 1, so "
                "aggregating would lose or double-count people.", column="weight",
                values=[f"{c}: {w:.4f}" for c, w in bad.head(5).items()],
                expected="weights of each child adding up to 1")
    else:
        n = edge.groupby("child_code").size()
        split = n[n > 1]
        if len(split):
            raise DataError(
                f"In the {child_t}→{parent_t} lookup {len(split)} areas have more than one parent; without weights "
                "they would be counted twice.", column="parent_code", values=list(split.index[:5]),
                expected="weight='weight' to share them between parents, or a best-fit lookup")
