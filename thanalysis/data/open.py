"""``open_store(data_root)``: the one place that decides between the real open data and the synthetic demo."""
from __future__ import annotations

import os
from pathlib import Path

from thanalysis.config import default_cache_dir, demo_dir, resolve_data_root
from thanalysis.data.demo.store import DemoStore
from thanalysis.data.demo.write import write_demo
from thanalysis.data.real import RealStore, looks_like_real_root
from thanalysis.data.store import Store
from thanalysis.errors import DataError
from thanalysis.vocabulary import DEMO_MARKER


def is_demo_root(root: Path) -> bool:
    """True if ``root`` is a folder written by ``thanalysis data demo``."""
    return (Path(root) / DEMO_MARKER).exists()


def open_store(data_root: str | os.PathLike | None = None) -> Store:
    """The store for ``data_root`` (argument, else ``$THANALYSIS_DATA_ROOT``, else ``data/cache``).

    - a demo folder (holding ``thanalysis-demo.json``) → the synthetic demo;
    - a folder holding the files listed in ``data/sources.yml`` → the real open data;
    - the default ``data/cache`` with no real files → the demo, generated on first use.
    """
    root = resolve_data_root(data_root)
    if is_demo_root(root):
        return DemoStore(root)
    if root.exists() and looks_like_real_root(root):
        return RealStore(root)
    if root == default_cache_dir().resolve() or root == demo_dir().resolve():
        target = demo_dir()
        if not is_demo_root(target):
            write_demo(target)
        return DemoStore(target)
    raise DataError(
        "This data root holds neither the open-data files listed in data/sources.yml nor the synthetic demo.",
        file=str(root),
        expected="a mirror of the open data (run `thanalysis data fetch --from DIR`) or a demo folder "
        "(run `thanalysis data demo --out DIR`)",
    )
