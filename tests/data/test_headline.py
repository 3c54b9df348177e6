"""Tests for thanalysis.data.headline: the headline series of each indicator."""
from __future__ import annotations

import pandas as pd

from thanalysis.data.headline import headline_rows


def test_headline_rows_prefer_persons_all_ages_without_breakdowns():
    rows = [
        # indicator a: persons/all ages exist, so only that row (not the sexes, ages or categories)
        ("a", "Persons", "All ages", "", "", 1), ("a", "Male", "All ages", "", "", 2),
        ("a", "Persons", "65+", "", "", 3), ("a", "Persons", "All ages", "Ethnicity", "White", 4),
        # indicator b: published by sex only, so both sexes stay
        ("b", "Male", "All ages", "", "", 5), ("b", "Female", "All ages", "", "", 6),
        # indicator c: one age group only, persons
        ("c", "Persons", "18+", "", "", 7), ("c", "Male", "18+", "", "", 8),
        # indicator d: categories only, so nothing
        ("d", "Persons", "All ages", "Decile", "1", 9),
    ]
    v = pd.DataFrame(rows, columns=["indicator_id", "sex", "age", "category_type", "category", "value"])
    v.loc[0, "category_type"] = None  # blank may be missing
    assert sorted(headline_rows(v)["value"]) == [1, 5, 6, 7]
