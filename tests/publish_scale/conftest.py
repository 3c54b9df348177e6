"""Fixtures for the scale tests: rankings across many reports, cached hashes, runner overhead.

The kernel spec, the stand-in renderer and the pinned library fingerprint come from the publishing tests'
fixtures (tests/publish/conftest.py); the store here knows a few more areas, so labels can be area names.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from publish.conftest import fallback_render_report, fixed_library, python3_kernel  # noqa: F401 (fixtures)

from thanalysis.config import project_root

NOTEBOOKS = Path(__file__).parent / "notebooks"

#: Four areas with made-up inequality figures: two indicators each, one tie, one suppressed figure.
AREAS = {"E09000030": "Tower Hamlets", "E09000012": "Hackney", "E09000025": "Newham", "E09000001": "City of London"}
SII_ROWS = [
    # area_code, indicator_id, indicator_name, sii, lower, upper
    ("E09000030", "deprived", "Households in deprivation", 12.5, 10.0, 15.0),
    ("E09000012", "deprived", "Households in deprivation", 20.25, 18.0, 22.5),
    ("E09000025", "deprived", "Households in deprivation", 12.5, 9.5, 15.5),
    ("E09000001", "deprived", "Households in deprivation", None, None, None),
    ("E09000030", "no_quals", "No qualifications", -3.0, -5.0, -1.0),
    ("E09000012", "no_quals", "No qualifications", 4.75, 2.0, 7.5),
    ("E09000025", "no_quals", "No qualifications", 0.5, -1.0, 2.0),
    ("E09000001", "no_quals", "No qualifications", 1.25, -4.0, 6.5),
]


def nb_rel(stem: str) -> str:
    return (NOTEBOOKS / f"{stem}.ipynb").resolve().relative_to(project_root().resolve()).as_posix()


@dataclass
class AreaStore:
    """Stands in for thanalysis.data.Store with four named areas."""

    root: Path
    kind: str = "demo"
    data_statement: str = "These reports use synthetic demonstration data (test fixture)."
    home_area_code: str = "E09000030"

    def areas(self):
        return pd.DataFrame([(c, n, "la") for c, n in AREAS.items()], columns=["area_code", "area_name", "area_type"])

    def lookups(self):
        return pd.DataFrame(columns=["child_code", "child_type", "parent_code", "parent_type", "weight"])


@pytest.fixture
def sii_root(tmp_path) -> Path:
    root = tmp_path / "data-root"
    root.mkdir()
    pd.DataFrame(SII_ROWS, columns=["area_code", "indicator_id", "indicator_name", "sii", "sii_lower_ci_95",
                                    "sii_upper_ci_95"]).to_csv(root / "sii_input.csv", index=False)
    return root


@pytest.fixture
def area_store(monkeypatch, sii_root):
    from thanalysis.publish import build

    store = AreaStore(root=sii_root)
    monkeypatch.setattr(build, "_open_store", lambda data_root=None: store)
    return store


@pytest.fixture
def fallback_renderer(monkeypatch):
    from thanalysis.publish import build

    monkeypatch.setattr(build, "_renderer", lambda: fallback_render_report)


@pytest.fixture
def write_plan(tmp_path):
    def write(reports: list[dict], rankings: list[dict] | None = None, title: str = "Test reports") -> Path:
        path = tmp_path / "plan.yml"
        doc = {"title": title, "reports": reports}
        if rankings is not None:
            doc["rankings"] = rankings
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    return write
