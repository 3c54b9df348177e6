"""The headline series of each indicator in a canonical ``values`` table.

An indicator's headline series is the one a report shows when it shows one value per area and period: no
category breakdown (``category_type`` and ``category`` blank), persons where the indicator has a persons
series (else each sex), all ages where it has an all-ages series (else each age group). Every report that
picks "the" value of an indicator calls :func:`headline_rows`.
"""
from __future__ import annotations

import pandas as pd

#: The sex and age of the series for everyone.
PERSONS, ALL_AGES = "Persons", "All ages"


def headline_rows(values: pd.DataFrame, *, persons_only: bool = False) -> pd.DataFrame:
    """The rows of ``values`` that belong to each indicator's headline series (see the module docstring).

    ``persons_only``: only the series for persons of all ages, so an indicator published by sex alone has
    no headline row (for sums of small areas, where a sex-specific series would be a different measure)."""
    v = values[(values["category_type"].fillna("") == "") & (values["category"].fillna("") == "")]
    if persons_only:
        return v[(v["sex"] == PERSONS) & (v["age"] == ALL_AGES)]
    has_persons = v.groupby("indicator_id")["sex"].transform(lambda s: (s == PERSONS).any())
    v = v[~has_persons | (v["sex"] == PERSONS)]
    has_all = v.groupby("indicator_id")["age"].transform(lambda s: (s == ALL_AGES).any())
    return v[~has_all | (v["age"] == ALL_AGES)]


__all__ = ["headline_rows", "PERSONS", "ALL_AGES"]
