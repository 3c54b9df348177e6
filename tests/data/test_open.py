"""Opening a store (``thanalysis.data.open``): a demo folder or neither (the real open data: test_real.py)."""
from __future__ import annotations

import pytest

from thanalysis.data.demo.store import DemoStore
from thanalysis.data.open import is_demo_root, open_store
from thanalysis.errors import DataError


def test_a_demo_folder_opens_the_demo(demo_root):
    assert is_demo_root(demo_root)
    store = open_store(demo_root)
    assert isinstance(store, DemoStore) and store.kind == "demo"


def test_a_folder_that_is_neither_is_a_data_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not data")
    with pytest.raises(DataError, match="neither the open-data files") as exc:
        open_store(tmp_path)
    assert "thanalysis data demo --out DIR" in str(exc.value)
