"""Where things live: the project root, the data root and the standard environment variables."""
from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming the data root (a directory of real source files, e.g. the open-data mirror).
DATA_ROOT_ENV = "THANALYSIS_DATA_ROOT"
#: Environment variable naming the folder of peer test vectors (tests only).
TESTVECTORS_ENV = "THANALYSIS_TESTVECTORS"
#: Environment variable set by the report runner: where a notebook writes its result tables.
OUTPUT_DIR_ENV = "THANALYSIS_OUTPUT_DIR"

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The repository root (the folder holding pyproject.toml), or the current directory if installed elsewhere."""
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


def default_cache_dir() -> Path:
    """``data/cache`` under the project: downloads and the generated demo go here (ignored by git)."""
    return project_root() / "data" / "cache"


def resolve_data_root(data_root: str | os.PathLike | None = None) -> Path:
    """The data root: the argument, else ``$THANALYSIS_DATA_ROOT``, else ``data/cache``."""
    if data_root:
        return Path(data_root).expanduser().resolve()
    env = os.environ.get(DATA_ROOT_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_cache_dir().resolve()


def demo_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the synthetic demo is written: ``<data/cache>/demo``."""
    return Path(cache_dir or default_cache_dir()) / "demo"


def project_data_file(*parts: str) -> Path:
    """A small project-made file under ``data/`` (sources.yml, priorities.yml, localities, ...)."""
    return project_root().joinpath("data", *parts)
