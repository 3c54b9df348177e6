"""The built sites the browser tests look at: the demo site and the real site, each built once per session with
``thanalysis build --pdf`` (this checkout's code, as ``make report`` would), into a temporary folder.

The real site needs the open-data mirror (``$THANALYSIS_DATA_ROOT``); both need Chromium. Outside CI a missing
one skips the tests with the reason; in CI it fails them.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_util import chromium_path
from thanalysis.config import DATA_ROOT_ENV, project_root
from thanalysis.publish.pdf import CHROMIUM_ENV

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
#: Seconds one whole site may take to build (the real site takes about two minutes on two cores).
BUILD_TIMEOUT = 1800


def need_chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = "Chromium not found (install chromium or set $THANALYSIS_CHROMIUM)"
        if IN_CI:
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    return path


def build_site(out: Path, data_root: Path) -> Path:
    """``thanalysis build --pdf`` of the default plan from ``data_root`` into ``out``; the site folder."""
    chromium = need_chromium()
    root = project_root()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    env[DATA_ROOT_ENV] = str(data_root)
    env[CHROMIUM_ENV] = chromium
    command = [sys.executable, "-m", "thanalysis", "build", "--plan", str(root / "plans" / "default.yml"),
               "--data-root", str(data_root), "--out", str(out), "--no-progress", "--pdf", "--jobs", "2"]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if done.returncode != 0:
        pytest.fail(f"building the site from {data_root} failed (exit {done.returncode}):\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return out


@pytest.fixture(scope="session")
def demo_site(demo_root, tmp_path_factory) -> Path:
    """The default plan built on the synthetic demo."""
    need_chromium()
    return build_site(tmp_path_factory.mktemp("demo-site") / "reports", demo_root)


@pytest.fixture(scope="session")
def real_site(open_data_root, tmp_path_factory) -> Path:
    """The default plan built on the real open data."""
    need_chromium()
    return build_site(tmp_path_factory.mktemp("real-site") / "reports", open_data_root)
