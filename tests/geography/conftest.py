"""Fixtures for the geography tests: the session's synthetic demo as a store."""
from __future__ import annotations

import pytest

from thanalysis.data.demo.store import DemoStore


@pytest.fixture(scope="package")
def demo(demo_root) -> DemoStore:
    return DemoStore(demo_root)
