"""Rankings across reports: the plan's ``rankings:`` section, the ranking itself, and a whole build with its page."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from thanalysis.config import project_root
from thanalysis.errors import BuildError, ConfigError
from thanalysis.publish import build
from thanalysis.publish.plan import ReportJob, load_plan
from thanalysis.publish.rankings import RankedGroup, RankingSpec, _decimals, _fmt, rank_reports

from .conftest import AREAS, SII_ROWS, nb_rel

SII_RANKING = {
    "title": "Slope index of inequality by area",
    "from_reports": "sii-{area_code}",
    "table": "sii",
    "group_by": "indicator_id",
    "group_label": "indicator_name",
    "value": "sii",
    "lower": "sii_lower_ci_95",
    "upper": "sii_upper_ci_95",
    "label": "area_code_name",
    "label_heading": "Borough",
    "value_label": "slope index of inequality",
    "decimals": 2,
}


def _reports():
    return [{"name": "sii-{area_code}", "notebook": nb_rel("sii_table"), "group": "Inequalities",
             "for_each": {"area_code": list(AREAS)}}]


# the plan ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, field, words", [
    ({"value": None}, "value", "is required"),
    ({"order": "biggest"}, "order", "descending"),
    ({"from_reports": "inequality-{area_code}"}, "from_reports", "names no report"),
    ({"upper": None}, "upper", "both 'lower' and 'upper'"),
    ({"colour": "red"}, None, "unknown key"),
    ({"group_by": {"a": 1}}, "group_by", "column name"),
    ({"table": "results/sii.csv"}, "table", "name of the results table"),
    ({"decimals": -1}, "decimals", "whole number"),
])
def test_plan_rankings_are_checked_with_messages_naming_plan_ranking_and_field(write_plan, change, field, words):
    ranking = {k: v for k, v in {**SII_RANKING, **change}.items() if v is not None}
    path = write_plan(_reports(), [ranking])
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    text = str(err.value)
    assert "plan.yml" in text and words in text
    assert "ranking " in text
    if field:
        assert f"field {field!r}" in text


def test_plan_rankings_shape_and_duplicates(write_plan):
    with pytest.raises(ConfigError, match="expected a list of rankings"):
        load_plan(write_plan(_reports(), {"title": "x"}))
    with pytest.raises(ConfigError, match="same title"):
        load_plan(write_plan(_reports(), [SII_RANKING, SII_RANKING]))
    plan = load_plan(write_plan(_reports(), [SII_RANKING, {**SII_RANKING, "title": "By glob", "from_reports": "sii-*",
                                                           "group_by": ["indicator_id"], "order": "ascending"}]))
    assert [r.title for r in plan.rankings] == [SII_RANKING["title"], "By glob"]
    assert plan.rankings[0].group_by == ("indicator_id",) and plan.rankings[1].order == "ascending"
    assert load_plan(write_plan(_reports())).rankings == []


def test_london_plan_ranks_the_inequalities_reports():
    plan = load_plan(project_root() / "plans" / "london.yml")
    assert len(plan.rankings) >= 1
    names = {e.name for e in plan.entries}
    assert all(r.from_reports in names for r in plan.rankings)


# ranking without a kernel ------------------------------------------------------------------------

def _site_with_tables(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> tuple[Path, list[ReportJob]]:
    site = tmp_path / "site"
    jobs = []
    for code, df in tables.items():
        name = f"sii-{code.lower()}"
        (site / name / "results").mkdir(parents=True)
        df.to_csv(site / name / "results" / "sii.csv", index=False)
        jobs.append(ReportJob(name=name, notebook="nb/sii.ipynb", parameters={"area_code": code}, entry="sii-{area_code}"))
    return site, jobs


def _spec(**kw) -> RankingSpec:
    base = dict(title="T", from_reports="sii-{area_code}", table="sii", value="v", group_by=("ind",))
    return RankingSpec(**{**base, **kw})


def test_ranks_share_ties_put_missing_last_and_follow_the_order(tmp_path):
    values = {"A": 3.0, "B": 7.5, "C": 3.0, "D": None, "E": -1.0}
    site, jobs = _site_with_tables(tmp_path, {c: pd.DataFrame({"ind": ["x"], "v": [v]}) for c, v in values.items()})
    statuses = {j.name: "built" for j in jobs}
    names = {"A": "Alpha", "B": "Beta", "C": "Gamma", "D": "Delta", "E": "Epsilon"}
    down = rank_reports(_spec(label="area_code_name"), site, jobs, statuses, area_names=lambda: names)
    got = [(r["rank"], r["label"]) for r in down.groups[0].rows]
    # hand ranking, largest first: 7.5 (1), 3.0 and 3.0 share 2 (alphabetical between them), -1 is 4, no figure last
    assert got == [(1, "Beta"), (2, "Alpha"), (2, "Gamma"), (4, "Epsilon"), (None, "Delta")]
    up = rank_reports(_spec(label="area_code", order="ascending"), site, jobs, statuses)
    assert [(r["rank"], r["label"]) for r in up.groups[0].rows] == [(1, "E"), (2, "A"), (2, "C"), (4, "B"), (None, "D")]


def test_reports_not_built_are_left_out_and_named(tmp_path):
    site, jobs = _site_with_tables(tmp_path, {"A": pd.DataFrame({"ind": ["x"], "v": [1.0]})})
    jobs.append(ReportJob(name="sii-b", notebook="nb/sii.ipynb", parameters={"area_code": "B"}, entry="sii-{area_code}"))
    ranking = rank_reports(_spec(label="area_code"), site, jobs, {"sii-a": "unchanged", "sii-b": "not built"})
    assert ranking.missing == ["sii-b"] and [r["label"] for r in ranking.groups[0].rows] == ["A"]


@pytest.mark.parametrize("spec_change, table, words", [
    ({"value": "sii"}, pd.DataFrame({"ind": ["x"], "v": [1.0]}), "no column(s) 'sii'"),
    ({}, pd.DataFrame({"ind": ["x", "x"], "v": [1.0, 2.0]}), "rows for the same ind"),
    ({"group_by": ()}, pd.DataFrame({"ind": ["x", "y"], "v": [1.0, 2.0]}), "exactly one row"),
    ({"label": "borough"}, pd.DataFrame({"ind": ["x"], "v": [1.0]}), "neither a column"),
    ({}, pd.DataFrame({"ind": ["x"], "v": ["high"]}), "not a number"),
    ({"table": "gaps"}, pd.DataFrame({"ind": ["x"], "v": [1.0]}), "wrote no results table 'gaps'"),
])
def test_bad_results_give_a_build_error_naming_ranking_report_and_column(tmp_path, spec_change, table, words):
    site, jobs = _site_with_tables(tmp_path, {"A": table})
    with pytest.raises(BuildError) as err:
        rank_reports(_spec(**spec_change), site, jobs, {"sii-a": "built"})
    assert words in str(err.value) and "ranking 'T'" in str(err.value)


# a whole build -----------------------------------------------------------------------------------

class _Page(HTMLParser):
    """Collects the tables (captions, header cells, rows of cell texts and links) of a page."""

    def __init__(self):
        super().__init__()
        self.tables, self.links, self.stack, self.text = [], [], [], ""
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "row_headers": 0})
        if tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        if tag == "th" and attrs.get("scope") == "row":
            self.tables[-1]["row_headers"] += 1
        if tag == "a":
            self.links.append(attrs.get("href"))
        if tag in {"td", "th", "caption"}:
            self.text = ""
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self.tables:
            self.tables[-1]["rows"][-1].append(self.text.strip())
        if tag == "caption":
            self.tables[-1]["caption"] = self.text.strip()
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        self.text += data


def _expected_ranking(indicator: str) -> list[tuple[str, float | None]]:
    """Independent ranking of the input rows: pandas sort, largest first, missing last (names from AREAS)."""
    df = pd.DataFrame(SII_ROWS, columns=["area_code", "ind", "name", "sii", "lo", "hi"])
    df = df[df["ind"] == indicator].assign(area=lambda d: d["area_code"].map(AREAS))
    df = df.sort_values(["sii", "area"], ascending=[False, True], na_position="last")
    return list(zip(df["area"], df["sii"]))


@pytest.mark.slow
def test_build_writes_rankings_page_and_csv_linked_from_the_index(write_plan, tmp_path, area_store,
                                                                  fallback_renderer, fixed_library):
    site = tmp_path / "reports"
    plan = write_plan(_reports(), [SII_RANKING])
    result = build.build_site(plan, out_dir=site, jobs=2, progress=False)
    assert result.ok and len(result.with_status("built")) == 4

    index = (site / "index.html").read_text()
    assert 'href="rankings.html"' in index
    assert json.loads((site / "site.json").read_text())["pages"] == [
        {"href": "rankings.html", "title": SII_RANKING["title"]}]

    # the CSV: one row per area and indicator, ranks agree with an independent sort of the input
    ranks = pd.read_csv(site / "rankings.csv", dtype={"rank": "Int64"})
    assert len(ranks) == len(SII_ROWS)
    for indicator in ("deprived", "no_quals"):
        part = ranks[ranks["indicator_id"] == indicator]
        expected = _expected_ranking(indicator)
        assert list(part["label"]) == [a for a, _ in expected]
        got_values = [None if pd.isna(v) else v for v in part["value"]]
        want_values = [None if pd.isna(v) else v for _, v in expected]
        assert got_values == want_values
        for rel in part["href"]:
            assert (site / rel).is_file()
    deprived = ranks[ranks["indicator_id"] == "deprived"]
    assert deprived["rank"].tolist()[:3] == [1, 2, 2] and pd.isna(deprived["rank"].iloc[3])

    # the page: one table per indicator, with caption, row headers, the CI and a link to each report
    page = _Page()
    page.feed((site / "rankings.html").read_text())
    assert page.lang == "en" and "index.html" in page.links
    assert len(page.tables) == 2
    first = page.tables[0]
    assert first["caption"].startswith("Households in deprivation") and "3 of 4 ranked" in first["caption"]
    assert first["rows"][0] == ["Rank", "Borough", "Slope index of inequality (95% confidence interval)"]
    assert first["rows"][1] == ["1", "Hackney", "20.25 (18.00 to 22.50)"]
    assert first["rows"][-1][0] == "–" and first["rows"][-1][2] == "no figure"
    assert first["row_headers"] == 4
    second = page.tables[1]
    assert second["rows"][-1][1:] == ["Tower Hamlets", "−3.00 (−5.00 to −1.00)"]
    for code in AREAS:
        assert f"sii-{code.lower()}/index.html" in page.links
    assert not re.search(r"<script|https?://", (site / "rankings.html").read_text())
    for path in (site / "rankings.html", site / "rankings.csv", site / "site.json"):
        assert str(tmp_path) not in path.read_text() and "pytest-of-" not in path.read_text()

    # a rebuild with nothing changed skips every report and still publishes the rankings
    again = build.build_site(plan, out_dir=site, jobs=2, progress=False)
    assert len(again.with_status("unchanged")) == 4 and (site / "rankings.html").is_file()
    assert pd.read_csv(site / "rankings.csv", dtype={"rank": "Int64"}).equals(ranks)


@pytest.mark.slow
def test_a_bad_ranking_publishes_the_reports_and_says_what_to_fix(write_plan, tmp_path, area_store,
                                                                  fallback_renderer, fixed_library):
    site = tmp_path / "reports"
    plan = write_plan(_reports()[:1], [{**SII_RANKING, "value": "slope_index"}])
    with pytest.raises(BuildError) as err:
        build.build_site(plan, out_dir=site, jobs=2, progress=False)
    text = str(err.value)
    assert "were published" in text and "'slope_index'" in text and "sii-e09000030/results/sii.csv" in text
    assert (site / "sii-e09000030" / "index.html").is_file()
    assert not (site / "rankings.html").exists() and "rankings.html" not in (site / "index.html").read_text()
    # fixing the plan: the reports are unchanged and only the rankings are made
    plan = write_plan(_reports(), [SII_RANKING])
    result = build.build_site(plan, out_dir=site, jobs=2, progress=False)
    assert (site / "rankings.html").is_file() and len(result.with_status("unchanged")) == 4


def test_figures_round_half_up_with_a_true_minus_sign():
    assert [_fmt(20.25, 1), _fmt(1.25, 1), _fmt(-3, 2), _fmt(12345.678, 0), _fmt(None, 1)] == [
        "20.3", "1.3", "−3.00", "12,346", "no figure"]
    # about three significant figures of the largest figure unless the plan says otherwise
    group = RankedGroup(key=("x",), heading="", rows=[{"value": 0.0123, "lower": 0.01, "upper": 0.5}])
    assert _decimals(_spec(), [group]) == 3 and _decimals(_spec(decimals=1), [group]) == 1
