"""Fixtures for the demo's tests: the session's demo folder read back as a store, its values and its marker."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from thanalysis.data.demo.store import DemoStore
from thanalysis.vocabulary import DEMO_MARKER


@pytest.fixture(scope="package")
def store(demo_root) -> DemoStore:
    return DemoStore(demo_root)


@pytest.fixture(scope="package")
def values(store) -> pd.DataFrame:
    return store.values()


@pytest.fixture(scope="package")
def meta(demo_root) -> dict:
    return json.loads((demo_root / DEMO_MARKER).read_text(encoding="utf-8"))
