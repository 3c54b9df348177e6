"""Where things live and how a project configuration file is read (``thanalysis.config``)."""
from __future__ import annotations

import pytest

from thanalysis.config import DATA_ROOT_ENV, demo_dir, project_data_file, project_root, read_yaml, resolve_data_root
from thanalysis.errors import ConfigError


def test_read_yaml_parses_a_document(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("groups:\n  nel: {codes: [E09000030]}\n", encoding="utf-8")
    assert read_yaml(path, "comparator groups file") == {"groups": {"nel": {"codes": ["E09000030"]}}}


def test_read_yaml_names_the_file_when_it_is_missing_or_not_yaml(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yml: priorities file not found"):
        read_yaml(tmp_path / "nope.yml", "priorities file")
    bad = tmp_path / "bad.yml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yml: not valid YAML \(") as exc:
        read_yaml(bad, "data catalogue")
    assert exc.value.__cause__ is None  # the message says it all; no YAML traceback for a person to read


def test_every_project_configuration_file_reads():
    for name in ("sources.yml", "priorities.yml", "comparators.yml"):
        assert isinstance(read_yaml(project_data_file(name), name), dict), name


def test_data_root_from_argument_environment_or_default(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ROOT_ENV, raising=False)
    assert resolve_data_root(tmp_path) == tmp_path.resolve()
    assert resolve_data_root() == (project_root() / "data" / "cache").resolve()
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "env"))
    assert resolve_data_root() == (tmp_path / "env").resolve()
    assert demo_dir(tmp_path) == tmp_path / "demo"
