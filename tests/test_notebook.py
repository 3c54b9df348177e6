"""Notebook-cell helpers (thanalysis.notebook): result tables on disk (suppressed, deterministic), provenance
files, banners, key figures, checks; names from the data shown only as text."""
from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from IPython.display import Markdown

from tests.payloads import PAYLOADS, markdown_html, markup_problems
from thanalysis import notebook as report
from thanalysis.config import OUTPUT_DIR_ENV, project_root
from thanalysis.data.open import open_store
from thanalysis.data.store import SourceFile
from thanalysis.errors import DataError
from thanalysis.stats.disclosure import SUPPRESSED_NOTE


@pytest.fixture
def out_dir(tmp_path, monkeypatch):
    out = tmp_path / "build" / "out"
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(out))
    # Work somewhere else, so a helper that ignored the variable would write into this folder instead.
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return out


def _rates():
    return pd.DataFrame({
        "area_code": ["E01000001", "E01000002", "E01000003"],
        "area_name": ["North, \"old\" town", "South", "East"],
        "count": [3, 12, 0],
        "denominator": [300, 36, 50],
        "value": [1.0, 1 / 3, 0.0],
    })


# --- save_table ----------------------------------------------------------------------------------------------
def test_save_table_writes_suppressed_csv_under_the_output_dir(out_dir):
    published = report.save_table(_rates(), "ward_rates", caption="Rates by ward")
    path = out_dir / "results" / "ward_rates.csv"
    assert path.is_file()
    assert not (Path.cwd() / "report-output").exists()
    # Written out by hand: no index, LF line ends, quoted text with a comma, %.10g floats, suppressed cells empty.
    expected = (
        "area_code,area_name,count,denominator,value,value_note\n"
        f'E01000001,"North, ""old"" town",,300,,{SUPPRESSED_NOTE}\n'
        "E01000002,South,12,36,0.3333333333,\n"
        "E01000003,East,0,50,0,\n"
    )
    assert path.read_bytes() == expected.encode("utf-8")
    assert published["count"].isna().tolist() == [True, False, False]
    tables = json.loads((out_dir / "tables.json").read_text(encoding="utf-8"))
    assert tables["ward_rates"]["suppressed_cells"] == 1
    assert tables["ward_rates"]["rows"] == 3
    assert tables["ward_rates"]["caption"] == "Rates by ward"
    assert tables["ward_rates"]["file"] == "results/ward_rates.csv"


def test_save_table_twice_gives_the_same_bytes(out_dir):
    df = _rates().assign(value=[0.1 + 0.2, 2 / 7, np.pi], when=pd.to_datetime(["2021-03-21"] * 3))
    report.save_table(df, "again")
    first = (out_dir / "results" / "again.csv").read_bytes()
    first_index = (out_dir / "tables.json").read_bytes()
    report.save_table(df.copy(), "again")
    assert (out_dir / "results" / "again.csv").read_bytes() == first
    assert (out_dir / "tables.json").read_bytes() == first_index
    assert b"2021-03-21," in first and b"\r" not in first


def test_save_table_options(out_dir):
    df = _rates().rename(columns={"count": "deaths"})
    report.save_table(df, "custom", count_columns="deaths", threshold=20)
    back = pd.read_csv(out_dir / "results" / "custom.csv")
    assert back["deaths"].isna().tolist() == [True, True, False]  # 3 and 12 are below 20; 0 is kept
    with pytest.raises(DataError, match="births"):
        report.save_table(df, "custom2", count_columns="births")
    report.save_table(df.assign(x=1), "unsuppressed", suppress=False)
    assert pd.read_csv(out_dir / "results" / "unsuppressed.csv")["deaths"].tolist() == [3, 12, 0]


def test_save_table_secondary_suppression_with_groups(out_dir):
    df = pd.DataFrame({"ward": ["A", "A", "A", "A"], "sex": ["All", "Male", "Female", "Other"],
                       "count": [32, 2, 10, 20]})
    report.save_table(df, "by_sex", group_by="ward", total_rows={"sex": "All"})
    back = pd.read_csv(out_dir / "results" / "by_sex.csv")
    # With the total (32) published, hiding the 2 alone would let a reader compute it as 32 - 10 - 20.
    assert back["count"].isna().sum() == 2
    assert back.loc[back["sex"] == "All", "count"].tolist() == [32]


@pytest.mark.parametrize("name", ["../escape", "a/b", "rates.csv", "", ".hidden", "has space", "x\\y", None, 3])
def test_save_table_rejects_bad_names(out_dir, name):
    with pytest.raises(DataError):
        report.save_table(_rates(), name)
    assert not (out_dir / "results").exists() or not any((out_dir / "results").iterdir())


def test_save_table_rejects_non_frames(out_dir):
    with pytest.raises(DataError, match="DataFrame"):
        report.save_table([1, 2, 3], "numbers")


def test_without_the_variable_files_go_to_report_output(tmp_path, monkeypatch):
    monkeypatch.delenv(OUTPUT_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    report.save_table(_rates(), "local")
    assert (tmp_path / "report-output" / "results" / "local.csv").is_file()


# --- provenance files ----------------------------------------------------------------------------------------
class _FakeStore:
    kind = "real"
    data_statement = "Open data from somewhere."

    def __init__(self, sources):
        self._sources = sources

    def sources_used(self):
        return self._sources


def test_record_sources_writes_relative_paths(out_dir):
    store = _FakeStore([SourceFile(dataset="imd", path="imd2019/File_1.csv", sha256="c" * 64, publisher="MHCLG"),
                        {"dataset": "census", "path": "population/census.csv", "sha256": "d" * 64}])
    path = report.record_sources(store)
    assert path == out_dir / "sources.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["data_statement"] == "Open data from somewhere."
    assert [s["path"] for s in data["sources"]] == ["imd2019/File_1.csv", "population/census.csv"]
    assert data["sources"][0]["sha256"] == "c" * 64


@pytest.mark.parametrize("bad", ["/work/shared/data/open/imd2019/File_1.csv", "~/data/x.csv", "C:\\data\\x.csv"])
def test_record_sources_refuses_absolute_paths(out_dir, bad):
    with pytest.raises(DataError, match="absolute"):
        report.record_sources(_FakeStore([SourceFile(dataset="x", path=bad, sha256="e" * 64)]))
    assert not (out_dir / "sources.json").exists()


def test_record_sources_of_the_demo_store(out_dir, demo_root):
    store = open_store(demo_root)
    store.areas()
    store.geometries("lsoa21")
    data = json.loads(report.record_sources(store).read_text(encoding="utf-8"))
    assert data["kind"] == "demo"
    assert data["sources"], "reading the demo should record the files read"
    for s in data["sources"]:
        assert not Path(s["path"]).is_absolute() and not s["path"].startswith("~"), s
        assert (demo_root / s["path"]).is_file(), s  # relative to the data root
    assert str(demo_root) not in (out_dir / "sources.json").read_text(encoding="utf-8")


def test_write_summary_sorted_keys_and_nan_as_null(out_dir):
    path = report.write_summary({"zeta": 1, "alpha": np.int64(2), "mid": {"b": float("nan"), "a": np.float64(0.5)}})
    text = path.read_text(encoding="utf-8")
    assert path == out_dir / "summary.json"
    assert text.endswith("\n") and "NaN" not in text
    top_keys = [line.split('"')[1] for line in text.splitlines() if line.startswith('  "')]
    assert top_keys == sorted(top_keys) == ["alpha", "mid", "zeta"]
    assert text.index('"a"') < text.index('"b"')
    data = json.loads(text)
    assert data == {"alpha": 2, "mid": {"a": 0.5, "b": None}, "zeta": 1}
    again = report.write_summary({"mid": {"a": 0.5, "b": math.nan}, "zeta": 1, "alpha": 2})
    assert again.read_bytes() == text.encode("utf-8")
    with pytest.raises(DataError):
        report.write_summary([("a", 1)])
    with pytest.raises(DataError, match="cannot be written to JSON"):
        report.write_summary({"figure": object()})


# --- checks, banners, titles, tables -------------------------------------------------------------------------
def test_check_raises_with_the_message():
    report.check(True, "never shown")
    report.check(np.bool_(True), "never shown")
    with pytest.raises(DataError, match="^Wards do not add up to the borough: 10 vs 12$"):
        report.check(10 == 12, "Wards do not add up to the borough: 10 vs 12")
    with pytest.raises(DataError, match="numpy false"):
        report.check(np.bool_(False), "numpy false")


def test_demo_banner_says_synthetic(demo_root):
    store = open_store(demo_root)
    text = report.data_banner(store).data
    assert "synthetic" in text.lower()
    assert "Demonstration data" in text
    assert text.count("Do not use these figures for decisions") == 1
    assert 'role="note"' in text


def test_real_banner_is_not_a_demo_warning():
    text = report.data_banner(_FakeStore([])).data
    assert "Open data from somewhere." in text
    assert "synthetic" not in text.lower() and "Demonstration" not in text


def test_banner_escapes_the_statement():
    store = _FakeStore([])
    store.data_statement = "Data <b>from</b> A & B"
    text = report.data_banner_html(store)
    assert "Data &lt;b&gt;from&lt;/b&gt; A &amp; B" in text


def test_title_helper_makes_the_report_title():
    text = report.title("Inequalities in Tower <Hamlets>").data
    assert text == '<h1 class="th-report-title">Inequalities in Tower &lt;Hamlets&gt;</h1>'


def test_table_html_caption_scopes_and_missing_values():
    df = pd.DataFrame({"area_name": ["A & B", "C"], "count": pd.array([1234, None], dtype="Int64"),
                       "lower_ci_95": [1.25, np.nan]})
    text = report.table_html(df, "Counts by area")
    assert "<caption>Counts by area</caption>" in text
    assert text.count('scope="col"') == 3 and text.count('scope="row"') == 2
    assert "A &amp; B" in text and "1,234" in text
    assert text.count("–") == 2  # the two missing cells
    with pytest.raises(DataError, match="caption"):
        report.table_html(df, "  ")


def test_key_figures_box_each_label_value_and_note():
    text = report.key_figures([("Residents", 310306, "Census <2021>"), ("Change", "+2.5%", "")]).data
    assert text.startswith('<div class="th-key-figures">') and text.count('class="th-key-figure"') == 2
    assert ">310,306<" in text and ">+2.5%<" in text
    assert "Census &lt;2021&gt;" in text and text.count('class="th-kf-note"') == 1


# --------------------------------------------------------------------------------------------------
# names from the data are text wherever a cell shows them
# --------------------------------------------------------------------------------------------------
def test_paragraph_shows_a_sentence_as_written():
    sentence = f"{PAYLOADS[1]} had 310,306 residents (Census 2021); {PAYLOADS[3]}."
    shown = report.paragraph(sentence)
    assert isinstance(shown, Markdown)
    page = markdown_html(shown.data)
    assert markup_problems(page, [sentence]) == []
    assert BeautifulSoup(page, "html.parser").p.get_text() == sentence


def test_tables_titles_and_key_figures_escape_names():
    table = pd.DataFrame({"area_name": list(PAYLOADS), PAYLOADS[1]: [1.5, 2.5, 3.5, 4.5],
                          "note": [f"see {p}" for p in PAYLOADS]})
    shown = report.show_table(table, f"Areas: {PAYLOADS[2]}", labels={"note": PAYLOADS[0]}, note=PAYLOADS[3]).data
    assert markup_problems(shown, list(PAYLOADS)) == []
    soup = BeautifulSoup(shown, "html.parser")
    assert [th.get_text() for th in soup.select("thead th")] == ["Area name", PAYLOADS[1], PAYLOADS[0]]
    assert [th.get_text() for th in soup.select("tbody th")] == list(PAYLOADS)
    assert markup_problems(report.title(PAYLOADS[2]).data, [PAYLOADS[2]]) == []
    boxes = report.key_figures([(PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]), (PAYLOADS[3], 12, "")]).data
    assert markup_problems(boxes, list(PAYLOADS)) == []


def _displayed_markup(source: str) -> list[tuple[str, ast.expr]]:
    """(HTML or Markdown, argument) of every ``HTML(...)`` / ``Markdown(...)`` call in a cell's code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("HTML", "Markdown"):
            found.append(((node.lineno, node.col_offset), node.func.id, node.args[0] if node.args else None))
    return [(kind, arg) for _, kind, arg in sorted(found, key=lambda item: item[0])]


def _escaped_markup(kind: str, arg) -> bool:
    """A literal, or what a ``*_html`` (for HTML) or ``*_markdown`` (for Markdown) function returns: the
    narrative's and figures' functions of those names escape every name they put in their markup."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return True
    if isinstance(arg, ast.Call):
        name = arg.func.attr if isinstance(arg.func, ast.Attribute) else getattr(arg.func, "id", "")
        return name.endswith("_html" if kind == "HTML" else "_markdown")
    return False


def test_the_displayed_markup_check_finds_unescaped_text():
    made = _displayed_markup('HTML(f"<p>{store.data_statement}</p>")\ndisplay(Markdown(words.age_sentence(r)))\n'
                             'Markdown(note)\nHTML(words.flows_html(r))\nMarkdown("Every metric.")\n'
                             'HTML(words.summary_markdown(r))')
    assert [_escaped_markup(kind, arg) for kind, arg in made] == [False, False, False, True, True, False]


def test_notebooks_show_text_from_the_data_only_through_escaping_functions():
    unescaped = []
    for path in sorted((project_root() / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                unescaped += [f"{path.name}: {kind}({ast.unparse(arg) if arg else ''})"
                              for kind, arg in _displayed_markup(cell.source) if not _escaped_markup(kind, arg)]
    assert unescaped == [], ("show plain text with report.paragraph(text), or build markup in a narrative "
                             "function named *_html / *_markdown that escapes it")
