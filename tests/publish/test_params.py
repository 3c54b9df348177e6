"""Parameter checks against a notebook's ``parameters`` cell: types, names, help text, papermill's view."""
from __future__ import annotations

import logging

import nbformat
import papermill
import pytest

from thanalysis.config import project_root
from thanalysis.errors import ConfigError
from thanalysis.publish.params import accepts, check_parameters, describe, notebook_parameters, parse_parameters_source

from .conftest import NOTEBOOKS


def test_parameters_cell_types():
    params = notebook_parameters(NOTEBOOKS / "typed.ipynb")
    assert list(params) == ["area_code", "n", "rate", "flag", "ids", "geography", "window_months"]
    kinds = {name: describe(p.expected) for name, p in params.items()}
    assert kinds == {"area_code": "str or None", "n": "int", "rate": "float (a number)", "flag": "bool",
                     "ids": "list of str", "geography": "str", "window_months": "int"}
    assert params["area_code"].help == "None means the home area"


@pytest.mark.parametrize("source, good, bad", [
    ("x = None", ["E09000030", None], [3, ["a"]]),
    ("x: int | None = None", [3, None], ["3", True]),
    ("x: Optional[float] = 1", [1, 2.5, None], ["a", False]),
    ("x = 5", [0, -3], [5.0, True, "5"]),
    ("x = 0.5", [1, 0.25], ["0.5", None]),
    ("x: list[str] = []", [[], ["a", "b"]], ["a", [1], None]),
    ("x = [1, 2]", [[3]], [["a"], 1]),
    ('x: Literal["ward22", "lsoa21"] = "ward22"', ["lsoa21"], ["msoa21"]),
    ("x = 24  # type: int", [12], ["12"]),
    ("x = Path('a')", ["anything", 1], []),
    ("%matplotlib inline\nx: bool = True", [False], [0]),
])
def test_types_accept_and_reject(source, good, bad):
    expected = parse_parameters_source(source)["x"].expected
    for value in good:
        assert accepts(expected, value), (source, value)
    for value in bad:
        assert not accepts(expected, value), (source, value)


def test_unknown_parameter_names_notebook_parameter_and_suggests():
    with pytest.raises(ConfigError) as err:
        check_parameters(NOTEBOOKS / "typed.ipynb", {"window_month": 12}, shown="nb/typed.ipynb", report="r1")
    msg = str(err.value)
    assert "nb/typed.ipynb" in msg and "'r1'" in msg and "'window_month'" in msg and "'window_months'" in msg


def test_wrong_type_names_expected_type():
    with pytest.raises(ConfigError) as err:
        check_parameters(NOTEBOOKS / "typed.ipynb", {"n": "five", "ids": "a"}, shown="typed.ipynb")
    msg = str(err.value)
    assert "parameter 'n' must be int" in msg and "`n: int = 5`" in msg and "'five' (str)" in msg
    assert "parameter 'ids' must be list of str" in msg


def test_parameters_need_a_parameters_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "untagged.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ConfigError, match="no cell tagged 'parameters'"):
        check_parameters(path, {"x": 2}, shown="untagged.ipynb")
    assert check_parameters(path, {}) == {}


def test_help_text_is_the_trailing_comment_not_a_hash_in_a_string():
    params = parse_parameters_source('colour = "#005eb8"  # NHS blue\nn = 2  # type: int\nm = 3')
    assert params["colour"].help == "NHS blue" and params["colour"].default == "#005eb8"
    assert params["n"].help == "" and params["m"].help == ""


def test_papermill_reads_every_project_notebooks_parameters_like_the_build(caplog):
    """papermill's own parser (``papermill --help-notebook``, its 'unknown parameter' warning) must see the same
    names as the build's checker: it cannot read ``str | None`` annotations or a '=' in a help comment."""
    notebooks = sorted((project_root() / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        with caplog.at_level(logging.WARNING, logger="papermill"):
            caplog.clear()
            seen = papermill.inspect_notebook(str(nb))
        assert not [r.getMessage() for r in caplog.records if "Unable to parse" in r.getMessage()], nb.name
        assert set(seen) == set(notebook_parameters(nb)), nb.name


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", "{}", '{"nbformat": 99, "nbformat_minor": 0}'])
def test_a_damaged_notebook_is_a_config_error_naming_it(tmp_path, text):
    path = tmp_path / "damaged.ipynb"
    path.write_text(text)
    with pytest.raises(ConfigError, match="notebook nb/damaged.ipynb: cannot be read as a notebook"):
        check_parameters(path, {"n": 1}, shown="nb/damaged.ipynb")
