"""What the inequalities tests share: the Wilson interval written out, and the demo store and its raw CSVs.

Test modules import the fixtures by name (``from tests.analyses.inequality_fixtures import raw, store``).
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from thanalysis.data.open import open_store

Z95 = 1.959963984540054


def wilson(x, n, z=Z95):
    """Wilson score interval, written out from Wilson (1927)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture(scope="module")
def store(demo_root):
    return open_store(demo_root)


@pytest.fixture(scope="module")
def raw(demo_root):
    values = pd.read_csv(demo_root / "values.csv", dtype={"area_code": str, "period": str})
    lookups = pd.read_csv(demo_root / "lookups.csv", dtype=str)
    return values, lookups
