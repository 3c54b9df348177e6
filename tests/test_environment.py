"""environment.yml (conda users) pins exactly what uv.lock pins; pyproject's direct dependencies are all locked."""
from __future__ import annotations

import re
import tomllib

import yaml

from thanalysis.config import project_root

ROOT = project_root()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {_norm(p["name"]): p["version"] for p in lock["package"] if "version" in p}


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = {}
    for spec in pip_section:
        name, _, version = spec.partition("==")
        assert version, f"environment.yml: {spec!r} is not pinned to an exact version"
        pins[_norm(name)] = version
    return pins


def test_environment_yml_pins_match_lock():
    lock = _lock_versions()
    pins = _environment_pins()
    assert pins, "environment.yml has no pinned packages"
    wrong = {n: (v, lock.get(n)) for n, v in pins.items() if lock.get(n) != v}
    assert not wrong, f"environment.yml disagrees with uv.lock (name: (environment.yml, uv.lock)): {wrong}"


def test_every_direct_dependency_is_in_environment_yml():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    pins = _environment_pins()
    names = {_norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in direct}
    missing = sorted(n for n in names if n not in pins)
    assert not missing, f"direct dependencies missing from environment.yml: {missing}"


def test_environment_python_matches_project():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert "3.11" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
