"""Where things live (the project root, the data root, the standard environment variables) and how a project
configuration file (``data/sources.yml``, ``data/priorities.yml``, ``data/comparators.yml``) is opened and parsed."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from thanalysis.errors import ConfigError

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


def read_yaml(path: str | os.PathLike, what: str) -> Any:
    """The parsed YAML document of one project configuration file; ``what`` names the file in errors.

    A missing file is a :class:`~thanalysis.errors.ConfigError` "``<path>: <what> not found``", one that does not
    parse "``<path>: not valid YAML (...)``". Checking what the document holds is the caller's job."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: {what} not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
