"""Independent expectations for the cross-borough tests: the Wilson formula typed out again, the codes of the
real data's areas, the raw Fingertips exports, and the stores and report results the tests share.

Nothing here calls the code under test except the fixtures that build its results.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from thanalysis.analyses.cross_borough import run_cross_borough

TH, NEWHAM, LONDON, ENGLAND = "E09000030", "E09000025", "E12000007", "E92000001"
FUEL = "fingertips_93759_fuel_poverty_london_LAs.csv"
PM25 = "fingertips_93867_pm25_london_LAs.csv"
Z95, Z998 = 1.959963984540054, 3.090232306167813


def wilson(x, n, z):
    """Wilson score interval (Wilson 1927), written out independently of thanalysis.stats."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def raw_fingertips(root, name):
    """A Fingertips export as published, without its category breakdowns."""
    raw = pd.read_csv(root / "indicators" / name, encoding="utf-8-sig", dtype={"Indicator ID": str})
    return raw[raw["Category Type"].isna()]


@pytest.fixture(scope="module")
def real_results(real):
    return run_cross_borough(real, TH, "NEL")


@pytest.fixture(scope="module")
def demo_results(demo):
    return run_cross_borough(demo)
