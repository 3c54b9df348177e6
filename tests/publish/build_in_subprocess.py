"""Run ``thanalysis build`` in a process of its own, for the tests that kill a build or race two of them.

    python tests/publish/build_in_subprocess.py PLAN OUT DATA_ROOT

It builds with a stand-in store over DATA_ROOT (as the in-process tests do with ``fake_store``) and the project's
own renderer, one worker, no progress bar; messages go to stdout as they come.
"""
from __future__ import annotations

import sys
from pathlib import Path

from thanalysis.publish import build


class StandInStore:
    """What a build uses of a store for plans without ``for_each``: a root, a kind, a statement, a cache."""

    kind = "demo"
    data_statement = "These reports use synthetic demonstration data (test fixture)."
    home_area_code = "E09000030"

    def __init__(self, root: str):
        self.root = Path(root)
        self._cache: dict = {}

    def cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def main(plan: str, out: str, root: str) -> None:
    build.open_store = lambda data_root=None: StandInStore(root)
    build.build_site(plan, out_dir=out, jobs=1, progress=False, log=lambda text: print(text, flush=True))
    print("build finished", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
