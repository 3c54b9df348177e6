"""Shared fixtures.

Real-data and peer-vector tests need two folders:
- the open-data mirror: ``$THANALYSIS_DATA_ROOT`` (CI exports ``../shared/data/open``), else ``../shared/data/open``
  beside the project if present;
- the peer test vectors: ``$THANALYSIS_TESTVECTORS``, else ``../shared/testvectors`` if present.
In CI (``CI=true``) a missing folder fails the test; elsewhere the test is skipped with the reason.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from thanalysis.config import DATA_ROOT_ENV, TESTVECTORS_ENV, project_root
from thanalysis.data.demo.write import write_demo
from thanalysis.data.open import open_store

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _shared_folder(env: str, *parts: str) -> Path | None:
    value = os.environ.get(env)
    if value:
        return Path(value).resolve()
    guess = project_root().parent.joinpath("shared", *parts)
    return guess.resolve() if guess.exists() else None


def _need(path: Path | None, what: str, env: str) -> Path:
    if path is not None and path.is_dir():
        return path
    reason = f"{what} not found (set ${env}); looked at {path or '(unset)'}"
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def open_data_root() -> Path:
    """The real open-data mirror."""
    root = _need(_shared_folder(DATA_ROOT_ENV, "data", "open"), "open-data mirror", DATA_ROOT_ENV)
    if not (root / "imd2019").is_dir():
        msg = f"${DATA_ROOT_ENV}={root} is not the open-data mirror (no imd2019/ folder)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return root


@pytest.fixture(scope="session")
def testvectors_root() -> Path:
    """The peer test vectors (PHEindicatormethods, PHStatsMethods, NHSRplotthedots, fingertips)."""
    return _need(_shared_folder(TESTVECTORS_ENV, "testvectors"), "peer test vectors", TESTVECTORS_ENV)


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """A freshly generated synthetic demo data root (session-wide)."""
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


@pytest.fixture(scope="session")
def test_output_dir() -> Path:
    """Folder for screenshots and other artefacts a person may want to look at after a run."""
    out = project_root() / "test-output"
    out.mkdir(exist_ok=True)
    return out


@pytest.fixture(scope="module")
def demo(demo_root):
    """The synthetic demo's store (one per test module, as the analyses cache into their store)."""
    return open_store(demo_root)


@pytest.fixture(scope="module")
def real(open_data_root):
    """The real open-data mirror's store (one per test module)."""
    return open_store(open_data_root)
