"""The age structure behind crude prevalences: the share of residents aged 65 and over in the borough, its
neighbours, the region and the country, computed from the store's population table.

A crude prevalence (QOF registers, child obesity, depression) or crude rate counts everyone at every age alike, so
a young borough has low crude prevalences of conditions of old age whatever its health. The report never calls the
borough "better" on such a measure without saying how young it is (:func:`older_shares`).

Rules: persons (or males plus females where a source has no persons rows) in the latest year that holds the
borough; an area with no rows of its own in that year (England on Census 2021 tables) is the sum of the local
authorities inside it; the age bands of one area and year must not overlap (a broad "60+" beside "65-69" would
count people twice) and a band counts as 65 and over when it starts at 65 or later.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from thanalysis.analyses.cross_borough_areas import la_names, las_within
from thanalysis.errors import DataError

OLDER_FROM = 65


@dataclass(frozen=True)
class OlderShares:
    """Share (%) of residents aged 65 and over by area, the year and what it was computed from."""

    shares: pd.DataFrame  # area_code, area_name, role, period, older, population, percent
    period: str
    basis: str

    def percent(self, code: str) -> float | None:
        row = self.shares[self.shares["area_code"] == code]
        return None if row.empty else float(row["percent"].iloc[0])


def _bounds(band: str) -> tuple[int, int]:
    nums = [int(x) for x in re.findall(r"\d+", str(band))]
    if not nums:
        raise DataError("An age band has no ages in it.", column="age_band", values=[band],
                        expected="bands such as 0-4, 65-69 or 85+")
    return (nums[0], 200) if str(band).strip().endswith("+") else (nums[0], nums[-1])


def _check_partition(bands: pd.Series, code: str, period: str) -> None:
    spans = sorted(_bounds(b) for b in bands.unique())
    for (_, hi1), (lo2, _) in zip(spans, spans[1:]):
        if lo2 <= hi1:
            raise DataError(f"Overlapping age bands for {code} in {period}: people would be counted twice.",
                            column="age_band", values=sorted(bands.unique())[:6],
                            expected="one set of age bands per area and year")


def _persons(pop: pd.DataFrame) -> pd.DataFrame:
    persons = pop[pop["sex"] == "Persons"]
    by_sex = pop[pop["sex"].isin(["Male", "Female"]) & ~pop["area_code"].isin(set(persons["area_code"]))]
    return pd.concat([persons, by_sex], ignore_index=True)


def older_shares(store, area_code: str, codes: list[str], region_code: str | None,
                 country_code: str | None) -> OlderShares | None:
    """The share aged 65 and over for ``area_code``, ``codes`` (its neighbours), the region and the country, from
    the store's population table (see the module docstring); None when the table has no ages for the borough."""
    pop = store.population()
    pop = pop.assign(period=pop["period"].astype(str), area_code=pop["area_code"].astype(str))
    mine = pop[pop["area_code"] == str(area_code)]
    if mine.empty:
        return None
    period = str(mine["period"].max())
    year = _persons(pop[pop["period"] == period])
    wanted = list(dict.fromkeys([str(area_code), *map(str, codes), *(c for c in (region_code, country_code) if c)]))
    rows = []
    for code in wanted:
        part = year[year["area_code"] == code]
        built = False
        if part.empty and code in (region_code, country_code):
            part = year[year["area_code"].isin(las_within(store, code, "region" if code == region_code
                                                          else "country"))]
            built = True
        if part.empty:
            continue
        for las_code, one in part.groupby("area_code"):
            _check_partition(one["age_band"], str(las_code), period)
        older = part["age_band"].map(lambda b: _bounds(b)[0] >= OLDER_FROM)
        total = float(part["population"].sum())
        rows.append({"area_code": code, "period": period, "older": float(part.loc[older, "population"].sum()),
                     "population": total, "from_las": part["area_code"].nunique() if built else 0})
    t = pd.DataFrame(rows)
    t["percent"] = 100 * t["older"] / t["population"]
    t["area_name"] = t["area_code"].map(la_names(store)).fillna(t["area_code"])
    basis = (f"the store's population table, {period}: residents aged {OLDER_FROM} and over out of all residents"
             + (" (the region and country summed from their local authorities)" if (t["from_las"] > 0).any()
                else ""))
    return OlderShares(t[["area_code", "area_name", "period", "older", "population", "percent", "from_las"]],
                       period, basis)


__all__ = ["OlderShares", "older_shares", "OLDER_FROM"]
