"""Report plans and parameter checks: everything that must fail before a kernel starts."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from thanalysis.config import project_root
from thanalysis.errors import ConfigError
from thanalysis.publish import build
from thanalysis.publish.params import accepts, check_parameters, describe, notebook_parameters, parse_parameters_source
from thanalysis.publish.plan import expand_plan, load_plan

from .conftest import NOTEBOOKS, FakeStore, nb_rel

# plans ------------------------------------------------------------------------------------------

def test_plan_loads_and_expands_explicit_lists(write_plan):
    plan = load_plan(write_plan([
        {"name": "ok", "notebook": nb_rel("ok"), "title": "Works"},
        {"name": "profile-{area_code}", "notebook": nb_rel("typed"), "parameters": {"n": 2},
         "for_each": {"area_code": ["E09000030", "E09000012"]}, "group": "Boroughs"},
    ]))
    jobs = expand_plan(plan)
    assert [j.name for j in jobs] == ["ok", "profile-e09000030", "profile-e09000012"]
    assert jobs[1].parameters == {"n": 2, "area_code": "E09000030"}
    assert jobs[2].group == "Boroughs" and jobs[0].title == "Works"


def test_for_each_localities_uses_the_home_area(write_plan, tmp_path):
    plan = load_plan(write_plan([{
        "name": "locality-{locality}", "notebook": nb_rel("typed"), "title": "Locality: {locality_name}",
        "for_each": {"locality": "localities"}}]))
    assert plan.needs_store
    jobs = expand_plan(plan, FakeStore(root=tmp_path))
    # X1 is a locality of another borough (E09000012) and must not appear
    assert [(j.name, j.parameters, j.title) for j in jobs] == [
        ("locality-e0900003001", {"locality": "E0900003001"}, "Locality: North West"),
        ("locality-e0900003002", {"locality": "E0900003002"}, "Locality: North East"),
    ]


@pytest.mark.parametrize("reports, field, words", [
    ([{"notebook": "a.ipynb"}], "name", "required"),
    ([{"name": "a", "notebook": "/abs/a.ipynb"}], "notebook", "relative"),
    ([{"name": "a", "notebook": "a.py"}], "notebook", "not a notebook"),
    ([{"name": "a", "notebook": "a.ipynb", "paramters": {}}], None, "unknown key"),
    ([{"name": "a", "notebook": "a.ipynb", "parameters": ["x"]}], "parameters", "mapping"),
    ([{"name": "a", "notebook": "a.ipynb", "for_each": {"x": [1, 2]}}], "name", "placeholder"),
    ([{"name": "a-{y}", "notebook": "a.ipynb", "for_each": {"x": [1, 2]}}], "name", "{y}"),
    ([{"name": "a-{x}", "notebook": "a.ipynb", "for_each": {"x": "everywhere"}}], "for_each", "localities"),
    ([{"name": "a-{x}", "notebook": "a.ipynb", "parameters": {"x": 1}, "for_each": {"x": [1]}}], "for_each", "both"),
    ([{"name": "a", "notebook": "a.ipynb"}, {"name": "a", "notebook": "b.ipynb"}], "name", "same name"),
])
def test_plan_errors_name_file_report_and_field(write_plan, reports, field, words):
    path = write_plan(reports, name="bad-plan.yml")
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    msg = str(err.value)
    assert "bad-plan.yml" in msg and words in msg
    if field:
        assert f"field '{field}'" in msg
    if reports and reports[0].get("name"):
        assert "report 'a" in msg


def test_plan_not_yaml_or_missing(tmp_path):
    bad = tmp_path / "broken.yml"
    bad.write_text("title: [unclosed\nreports: 1\n")
    with pytest.raises(ConfigError, match=r"broken.yml: not valid YAML at line"):
        load_plan(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_plan(tmp_path / "nope.yml")


def test_expanded_names_must_be_unique(write_plan):
    plan = load_plan(write_plan([{"name": "a-{x}", "notebook": "a.ipynb", "for_each": {"x": ["A", "a"]}}]))
    with pytest.raises(ConfigError, match="twice"):
        expand_plan(plan)


def test_default_plans_are_valid_and_keep_parameter_names():
    plan = load_plan(project_root() / "plans" / "default.yml")
    notebooks = {Path(e.notebook).name for e in plan.entries}
    assert notebooks == {"borough_profile.ipynb", "inequalities.ipynb", "cross_borough.ipynb",
                         "priority_dashboard.ipynb", "locality_profile.ipynb"}
    allowed = {"area_code", "data_root", "locality", "geography", "comparator_group", "window_months"}
    for e in plan.entries:
        assert set(e.parameters) | set(e.for_each) <= allowed, e.name
    london = load_plan(project_root() / "plans" / "london.yml")
    codes = [c for e in london.entries for c in e.for_each.get("area_code", [])]
    assert len(set(codes)) == 33 and all(c.startswith("E09") for c in codes)
    # independent check: the 33 London LAs are E09000001..E09000033
    assert sorted(set(codes)) == [f"E09{n:06d}" for n in range(1, 34)]


# parameters -----------------------------------------------------------------------------------

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
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "untagged.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ConfigError, match="no cell tagged 'parameters'"):
        check_parameters(path, {"x": 2}, shown="untagged.ipynb")
    assert check_parameters(path, {}) == {}


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


@pytest.mark.parametrize("params, words", [
    ({"nn": 3}, "unknown parameter 'nn'"),
    ({"n": 2.5}, "parameter 'n' must be int"),
    ({"flag": "yes"}, "parameter 'flag' must be bool"),
])
def test_build_rejects_bad_parameters_before_any_kernel(monkeypatch, write_plan, tmp_path, fake_store,
                                                         fallback_renderer, params, words):
    import papermill

    from thanalysis.publish import executors, runner

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    monkeypatch.setattr(executors, "run_job", _no_kernel)
    monkeypatch.setattr(runner, "run_job", _no_kernel)
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")},
                       {"name": "typed", "notebook": nb_rel("typed"), "parameters": params}])
    with pytest.raises(ConfigError) as err:
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)
    assert words in str(err.value) and "typed.ipynb" in str(err.value) and "'typed'" in str(err.value)
    assert not (tmp_path / "site").exists()
    assert not list(tmp_path.glob("site.tmp-*"))


def test_build_names_a_missing_notebook(monkeypatch, write_plan, tmp_path, fake_store, fallback_renderer):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")},
                       {"name": "ghost", "notebook": "notebooks/not_written_yet.ipynb"}], name="p.yml")
    with pytest.raises(ConfigError) as err:
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)
    msg = str(err.value)
    assert "p.yml" in msg and "'ghost'" in msg and "notebooks/not_written_yet.ipynb does not exist" in msg


def test_only_selects_and_rejects_unknown(monkeypatch, write_plan, tmp_path, fake_store, fallback_renderer):
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    with pytest.raises(ConfigError, match="--only nope: no report"):
        build.build_site(plan, out_dir=tmp_path / "site", only=["nope"], progress=False)


def test_out_folder_that_is_not_a_site_is_never_replaced(monkeypatch, write_plan, tmp_path, fake_store,
                                                         fallback_renderer):
    import papermill

    from thanalysis.errors import BuildError

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    with pytest.raises(BuildError, match="thesis.docx"):
        build.build_site(plan, out_dir=precious, progress=False)
    assert (precious / "thesis.docx").read_text() == "years of work"


def test_plan_yaml_round_trip_of_default(tmp_path):
    """The default plan is plain YAML a person can edit (no Python tags)."""
    raw = yaml.safe_load((project_root() / "plans" / "default.yml").read_text())
    assert isinstance(raw["reports"], list) and raw["title"]


def test_help_text_is_the_trailing_comment_not_a_hash_in_a_string():
    params = parse_parameters_source('colour = "#005eb8"  # NHS blue\nn = 2  # type: int\nm = 3')
    assert params["colour"].help == "NHS blue" and params["colour"].default == "#005eb8"
    assert params["n"].help == "" and params["m"].help == ""


def test_papermill_reads_every_project_notebooks_parameters_like_the_build(caplog):
    """papermill's own parser (``papermill --help-notebook``, its 'unknown parameter' warning) must see the same
    names as the build's checker: it cannot read ``str | None`` annotations or a '=' in a help comment."""
    import logging

    import papermill

    from thanalysis.config import project_root
    from thanalysis.publish.params import notebook_parameters

    notebooks = sorted((project_root() / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        with caplog.at_level(logging.WARNING, logger="papermill"):
            caplog.clear()
            seen = papermill.inspect_notebook(str(nb))
        assert not [r.getMessage() for r in caplog.records if "Unable to parse" in r.getMessage()], nb.name
        assert set(seen) == set(notebook_parameters(nb)), nb.name
