"""Rankings across reports: one page that ranks many reports' results on the same measure.

A plan may end with a ``rankings:`` section. After every report has been built, each ranking reads the same
result table (``<report>/results/<table>.csv``) from every report it names, puts the rows side by side and
ranks them, one table per value of ``group_by`` (e.g. per indicator)::

    rankings:
      - title: Slope index of inequality by borough
        from_reports: inequalities-{area_code}   # a report name as in the plan, a glob (inequalities-*) or a notebook
        table: sii                               # results/sii.csv in each report
        group_by: indicator_id                   # optional: one ranking per value (a column or a list of columns)
        group_label: indicator_name              # optional: a column giving the group's heading
        value: sii                               # the column ranked on
        lower: sii_lower_ci_95                   # optional: the confidence interval shown beside the value
        upper: sii_upper_ci_95
        label: area_code_name                    # optional: a column, a report parameter, or <parameter>_name
        order: descending                        # or ascending; rank 1 is the first row
        description: ...                         # optional: a sentence under the heading

The build writes ``rankings.html`` (self-contained, in the style of ``index.html``, each row linking to its
report) and ``rankings.csv`` (the same rows for machines) at the top of the site.

Ranks are "competition" ranks (1, 2, 2, 4): tied values share the better rank. Rows with no value (for
example a figure suppressed by disclosure control) are listed last without a rank. A rank says only where a
figure falls; the confidence interval shows how far apart two figures must be before the difference means
something, so the page says so beside every table.
"""
from __future__ import annotations

import fnmatch
import html
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from thanalysis.errors import BuildError, ConfigError
from thanalysis.notebook import CSV_FLOAT_FORMAT
from thanalysis.publish.csp import content_security_policy
from thanalysis.publish.site import INDEX, PAGE_CSS

RANKINGS_HTML = "rankings.html"
RANKINGS_CSV = "rankings.csv"
ORDERS = ("descending", "ascending")
_REQUIRED = ("title", "from_reports", "table", "value")
_TEXT_KEYS = ("title", "from_reports", "table", "value", "lower", "upper", "label", "label_heading", "value_label",
              "group_label", "description")
_KEYS = set(_TEXT_KEYS) | {"group_by", "order", "decimals"}
#: Report states whose folder holds results to rank.
_HAS_RESULTS = {"built", "unchanged", "kept"}


@dataclass(frozen=True)
class RankingSpec:
    """One entry of a plan's ``rankings:`` section, as checked by :func:`check_rankings`."""

    title: str
    from_reports: str
    table: str
    value: str
    group_by: tuple[str, ...] = ()
    group_label: str | None = None
    lower: str | None = None
    upper: str | None = None
    label: str | None = None
    label_heading: str = "Area"
    value_label: str | None = None
    order: str = "descending"
    decimals: int | None = None
    description: str | None = None
    position: int = 0

    def columns(self) -> list[str]:
        """The columns every report's table must have."""
        wanted = [*self.group_by, self.value, self.lower, self.upper, self.group_label]
        return [c for c in dict.fromkeys(wanted) if c]


# checking the plan ---------------------------------------------------------------------------------

def check_rankings(raw: Any, *, plan_shown: str, entries: Iterable[Any]) -> list[RankingSpec]:
    """Check a plan's ``rankings:`` value; raise ConfigError naming the plan, the ranking and the field.

    ``entries`` are the plan's report entries (``name`` and ``notebook`` attributes): every ranking must
    name at least one of them, so a typo is caught before any notebook runs.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"plan {plan_shown}, field 'rankings': expected a list of rankings, each with title, "
                          "from_reports, table and value")
    entries = list(entries)
    specs: list[RankingSpec] = []
    seen: dict[str, int] = {}
    for pos, item in enumerate(raw, start=1):
        spec = _check_one(item, pos, plan_shown, entries)
        if spec.title in seen:
            raise _fail(plan_shown, spec.title, "title", f"the same title is used by rankings #{seen[spec.title]} "
                        f"and #{pos}")
        seen[spec.title] = pos
        specs.append(spec)
    return specs


def _fail(plan_shown: str, ranking: str | int, fld: str | None, problem: str) -> ConfigError:
    where = f"ranking {ranking!r}" if isinstance(ranking, str) else f"ranking #{ranking}"
    return ConfigError(f"plan {plan_shown}, {where}" + (f", field {fld!r}" if fld else "") + f": {problem}")


def _check_one(item: Any, pos: int, shown: str, entries: list[Any]) -> RankingSpec:
    if not isinstance(item, dict):
        raise _fail(shown, pos, None, "expected a mapping with title, from_reports, table and value")
    label: str | int = item["title"] if isinstance(item.get("title"), str) and item["title"].strip() else pos
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise _fail(shown, label, None, f"unknown key(s) {', '.join(map(repr, unknown))}; "
                    f"allowed: {', '.join(sorted(_KEYS))}")
    for key in _REQUIRED:
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise _fail(shown, label, key, "is required and must be text")
    for key in _TEXT_KEYS:
        if item.get(key) is not None and (not isinstance(item[key], str) or not item[key].strip()):
            raise _fail(shown, label, key, "must be non-empty text")
    table = item["table"].strip()
    if table.endswith(".csv") or "/" in table or "\\" in table or table.startswith("."):
        raise _fail(shown, label, "table", f"{table!r}: give the name of the results table as the notebook saved it "
                    "(e.g. 'sii' for results/sii.csv)")
    group_by = item.get("group_by")
    if group_by is None:
        groups: tuple[str, ...] = ()
    elif isinstance(group_by, str) and group_by.strip():
        groups = (group_by.strip(),)
    elif isinstance(group_by, list) and group_by and all(isinstance(g, str) and g.strip() for g in group_by):
        groups = tuple(g.strip() for g in group_by)
    else:
        raise _fail(shown, label, "group_by", "expected a column name or a list of column names")
    order = item.get("order", "descending")
    if order not in ORDERS:
        raise _fail(shown, label, "order", f"{order!r}: choose 'descending' (largest first) or 'ascending'")
    if (item.get("lower") is None) != (item.get("upper") is None):
        raise _fail(shown, label, "lower" if item.get("lower") is None else "upper",
                    "give both 'lower' and 'upper' (the confidence interval's columns) or neither")
    decimals = item.get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 10):
        raise _fail(shown, label, "decimals", "expected a whole number from 0 to 10")
    pattern = item["from_reports"].strip()
    if not any(_entry_matches(pattern, e.name, e.notebook) for e in entries):
        names = ", ".join(e.name for e in entries)
        raise _fail(shown, label, "from_reports", f"{pattern!r} names no report in the plan "
                    f"(give a report's name as written, a pattern such as 'inequalities-*', or a notebook path; "
                    f"reports: {names})")
    strip = lambda k: item[k].strip() if isinstance(item.get(k), str) else None  # noqa: E731
    return RankingSpec(
        title=item["title"].strip(), from_reports=pattern, table=table, value=item["value"].strip(), group_by=groups,
        group_label=strip("group_label"), lower=strip("lower"), upper=strip("upper"), label=strip("label"),
        label_heading=strip("label_heading") or "Area", value_label=strip("value_label"), order=order,
        decimals=decimals, description=strip("description"), position=pos,
    )


def _entry_matches(pattern: str, name: str, notebook: str) -> bool:
    return pattern in (name, notebook) or fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(notebook, pattern)


def reports_for(spec: RankingSpec, jobs: Iterable[Any]) -> list[Any]:
    """The plan's reports (``ReportJob``) a ranking reads: by plan entry name, report name glob, or notebook."""
    return [j for j in jobs if spec.from_reports in (j.entry, j.notebook)
            or fnmatch.fnmatchcase(j.name, spec.from_reports) or fnmatch.fnmatchcase(j.notebook, spec.from_reports)]


# ranking -------------------------------------------------------------------------------------------

@dataclass
class RankedGroup:
    key: tuple[str, ...]  # the group_by values ("" parts when there is no group_by)
    heading: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # rank, label, value, lower, upper, report


@dataclass
class Ranking:
    spec: RankingSpec
    groups: list[RankedGroup]
    missing: list[str] = field(default_factory=list)  # reports in the plan with no results yet (not built)


def rank_reports(spec: RankingSpec, site_dir: Path, jobs: Iterable[Any], statuses: Mapping[str, str], *,
                 area_names: Callable[[], Mapping[str, str]] | None = None) -> Ranking:
    """Read ``results/<table>.csv`` of every report the ranking names (inside ``site_dir``) and rank them.

    Raises BuildError (naming the ranking, the report, the file and the column) when a built report lacks the
    table or a column, or when one report gives two rows for the same group.
    """
    chosen = reports_for(spec, jobs)
    frames, missing = [], []
    for job in chosen:
        if statuses.get(job.name) not in _HAS_RESULTS:
            missing.append(job.name)
            continue
        rel = f"{job.name}/results/{spec.table}.csv"
        path = Path(site_dir) / rel
        if not path.is_file():
            raise BuildError(f"ranking {spec.title!r}: report {job.name!r} wrote no results table {spec.table!r} "
                             f"({rel} is missing); check 'table' in the plan's rankings against the notebook "
                             f"{job.notebook}")
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise BuildError(f"ranking {spec.title!r}: cannot read {rel}: {exc}") from None
        wanted = spec.columns() + ([spec.label] if spec.label and spec.label in df.columns else [])
        absent = [c for c in spec.columns() if c not in df.columns]
        if absent:
            raise BuildError(f"ranking {spec.title!r}: {rel} has no column(s) {', '.join(map(repr, absent))} "
                             f"(its columns: {', '.join(df.columns)}); check the plan's rankings against the notebook "
                             f"{job.notebook}")
        df = df[list(dict.fromkeys(wanted))].copy()
        if spec.group_by:
            dup = df.duplicated(list(spec.group_by), keep=False)
            if dup.any():
                first = df.loc[dup, list(spec.group_by)].iloc[0].tolist()
                raise BuildError(f"ranking {spec.title!r}: {rel} has {int(dup.sum())} rows for the same "
                                 f"{'/'.join(spec.group_by)} ({', '.join(first)}); add the column(s) that tell them "
                                 "apart to 'group_by'")
        elif len(df) != 1:
            raise BuildError(f"ranking {spec.title!r}: {rel} has {len(df)} rows; without 'group_by' each report must "
                             "give exactly one row (add 'group_by' to rank per group)")
        df["_label"] = _labels(spec, job, df, area_names, rel)
        df["_report"] = job.name
        frames.append(df)
    if not frames:
        raise BuildError(f"ranking {spec.title!r}: none of the reports it names ({spec.from_reports}) has results "
                         "to rank")
    table = pd.concat(frames, ignore_index=True)
    for col in (spec.value, spec.lower, spec.upper):
        if col:
            table[col] = _numbers(table[col], spec, col)
    keys = list(spec.group_by) or ["_all"]
    if not spec.group_by:
        table["_all"] = ""
    groups = []
    # group order: as the reports list them (first appearance), so the page follows the notebook's order
    for key, part in table.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        part = part.copy()
        ascending = spec.order == "ascending"
        part["_rank"] = part[spec.value].rank(method="min", ascending=ascending)
        part = part.sort_values(["_rank", "_label"], na_position="last", kind="mergesort")
        heading = ""
        if spec.group_label:
            labels = [v for v in part[spec.group_label] if v]
            heading = labels[0] if labels else ""
        heading = heading or ", ".join(str(k) for k in key if str(k))
        rows = [{
            "rank": None if math.isnan(r["_rank"]) else int(r["_rank"]),
            "label": r["_label"], "report": r["_report"],
            "value": _float(r[spec.value]),
            "lower": _float(r[spec.lower]) if spec.lower else None,
            "upper": _float(r[spec.upper]) if spec.upper else None,
        } for r in part.to_dict("records")]
        groups.append(RankedGroup(key=tuple("" if spec.group_by == () else str(k) for k in key), heading=heading,
                                  rows=rows))
    return Ranking(spec=spec, groups=groups, missing=missing)


def _float(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _numbers(column, spec: RankingSpec, name: str):
    """Text column → floats; empty cells (suppressed or missing figures) → NaN; anything else is an error."""
    text = column.astype(str).str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = values.isna() & (text != "") & ~text.str.lower().isin({"nan", "na", "none", "null", "*", "c", "x", "-"})
    if bad.any():
        shown = ", ".join(repr(v) for v in text[bad].unique()[:3])
        raise BuildError(f"ranking {spec.title!r}: column {name!r} holds text that is not a number ({shown})")
    return values


def _labels(spec: RankingSpec, job, df, area_names, rel: str) -> list[str]:
    """What names each row: a column of the table, a report parameter, a ``<parameter>_name`` area name, or the title."""
    label = spec.label
    if label is None:
        return [job.title or job.variant or job.name] * len(df)
    if label in df.columns:
        return df[label].astype(str).tolist()
    if label in job.parameters and job.parameters[label] is not None:
        return [str(job.parameters[label])] * len(df)
    if label.endswith("_name") and job.parameters.get(label[: -len("_name")]) is not None:
        code = str(job.parameters[label[: -len("_name")]])
        names = area_names() if area_names else {}
        return [names.get(code, code)] * len(df)
    raise BuildError(f"ranking {spec.title!r}: 'label' {label!r} is neither a column of {rel} nor a parameter of "
                     f"report {job.name!r} (parameters: {', '.join(job.parameters) or 'none'})")


# formatting ----------------------------------------------------------------------------------------

def _decimals(spec: RankingSpec, groups: Iterable[RankedGroup]) -> int:
    """Decimal places for a ranking: as set in the plan, else enough for about three significant figures."""
    if spec.decimals is not None:
        return spec.decimals
    biggest = max((abs(r[k]) for g in groups for r in g.rows for k in ("value", "lower", "upper")
                   if r[k] is not None and math.isfinite(r[k])), default=0.0)
    if biggest == 0:
        return 1
    return int(min(4, max(0, 2 - math.floor(math.log10(biggest)))))


def _fmt(value: float | None, decimals: int) -> str:
    if value is None or not math.isfinite(value):
        return "no figure"
    # round halves up as readers (and published statistics) do: 20.25 → 20.3, not Python's 20.2
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    return "−" + text[1:] if text.startswith("-") else text  # a true minus sign reads better and screen readers say it


def rankings_csv_rows(rankings: list[Ranking]) -> list[dict[str, Any]]:
    out = []
    for rk in rankings:
        for g in rk.groups:
            for r in g.rows:
                row = {"ranking": rk.spec.title}
                for col, value in zip(rk.spec.group_by, g.key):
                    row[col] = value
                row.update({"group": g.heading, "rank": r["rank"], "label": r["label"], "value": r["value"],
                            "lower": r["lower"], "upper": r["upper"], "report": r["report"],
                            "href": f"{r['report']}/index.html"})
                out.append(row)
    return out


def write_rankings_csv(path: Path, rankings: list[Ranking]) -> None:
    rows = rankings_csv_rows(rankings)
    group_cols = list(dict.fromkeys(c for rk in rankings for c in rk.spec.group_by))
    cols = ["ranking", *group_cols, "group", "rank", "label", "value", "lower", "upper", "report", "href"]
    df = pd.DataFrame(rows, columns=cols)
    df["rank"] = df["rank"].astype("Int64")
    df.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def render_rankings(rankings: list[Ranking], *, site_title: str, built_at: str, data_statement: str) -> str:
    """The rankings page: one section per ranking, one table per group, in the style of the site index."""
    esc = html.escape
    sections, toc = [], []
    table_no = 0
    for ri, rk in enumerate(rankings, start=1):
        spec = rk.spec
        decimals = _decimals(spec, rk.groups)
        value_name = spec.value_label or spec.value.replace("_", " ")
        first = "highest" if spec.order == "descending" else "lowest"
        intro = [f"<p>{esc(spec.description)}</p>"] if spec.description else []
        intro.append(f"<p>Rank 1 is the {first} {esc(value_name)}. Tied figures share a rank.")
        if spec.lower:
            intro[-1] += (" The range in brackets is the 95% confidence interval: where two areas' ranges overlap, "
                          "the difference between them may be down to chance, so read ranks as a rough guide.")
        intro[-1] += "</p>"
        if rk.missing:
            intro.append(f"<p>{len(rk.missing)} report{'s' if len(rk.missing) != 1 else ''} named by this ranking "
                         f"{'have' if len(rk.missing) != 1 else 'has'} not been built yet and "
                         f"{'are' if len(rk.missing) != 1 else 'is'} left out: {esc(', '.join(rk.missing))}.</p>")
        tables = []
        for g in rk.groups:
            table_no += 1
            ranked = sum(1 for r in g.rows if r["rank"] is not None)
            heading = f"<h3 id=\"t{table_no}\">{esc(g.heading)}</h3>" if g.heading else ""
            rows = []
            for r in g.rows:
                value = _fmt(r["value"], decimals)
                if spec.lower and r["value"] is not None:
                    value += f" ({_fmt(r['lower'], decimals)} to {_fmt(r['upper'], decimals)})"
                rank = str(r["rank"]) if r["rank"] is not None else "–"
                rows.append(f"<tr><td>{rank}</td><th scope=\"row\"><a href=\"{esc(r['report'])}/{INDEX}\">"
                            f"{esc(r['label'])}</a></th><td class=\"num\">{esc(value)}</td></tr>")
            what = f"{esc(g.heading)}: " if g.heading else ""
            value_head = esc(value_name[:1].upper() + value_name[1:]) + (" (95% confidence interval)" if spec.lower else "")
            tables.append(
                f"{heading}<table class=\"ranking\"><caption>{what}{ranked} of {len(g.rows)} ranked, {first} first</caption>"
                f"<thead><tr><th scope=\"col\">Rank</th><th scope=\"col\">{esc(spec.label_heading)}</th>"
                f"<th scope=\"col\">{value_head}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
        toc.append(f"<li><a href=\"#r{ri}\">{esc(spec.title)}</a></li>")
        sections.append(f"<section aria-labelledby=\"r{ri}\"><h2 id=\"r{ri}\">{esc(spec.title)}</h2>"
                        + "".join(intro) + "".join(tables) + "</section>")
    nav = f"<nav aria-label=\"Rankings on this page\"><ul>{''.join(toc)}</ul></nav>" if len(rankings) > 1 else ""
    title = f"Rankings – {site_title}"
    when = built_at.replace("T", " ").replace("Z", " UTC")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{content_security_policy('')}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n<style>{PAGE_CSS}\ntd.num {{ font-variant-numeric: tabular-nums; }}\n"
        "h3 { font-size: 1.15rem; margin-top: 1.5rem; }\n"
        # the index hides its third column on small screens; here the third column is the figure itself
        "@media (max-width: 40rem) { table.ranking th:nth-child(3), table.ranking td:nth-child(3) "
        "{ display: table-cell; } }</style>\n</head>\n<body>\n"
        "<a class=\"skip\" href=\"#main\">Skip to the rankings</a>\n"
        f"<header><p><a href=\"{INDEX}\">All reports</a></p><h1>{esc(title)}</h1>"
        f"<p class=\"statement\"><strong>Data:</strong> {esc(data_statement)}</p></header>\n"
        f"<main id=\"main\" tabindex=\"-1\">{nav}\n" + "\n".join(sections)
        + f"\n</main>\n<footer><p>Built {esc(when)} by thanalysis from each report's result tables. The same rows are "
        f"in <a href=\"{RANKINGS_CSV}\">{RANKINGS_CSV}</a>.</p></footer>\n</body>\n</html>\n"
    )


def write_rankings(site_dir: Path, specs: list[RankingSpec], jobs: Iterable[Any], statuses: Mapping[str, str], *,
                   site_title: str, built_at: str, data_statement: str,
                   area_names: Callable[[], Mapping[str, str]] | None = None) -> list[Ranking]:
    """Rank, then write ``rankings.html`` and ``rankings.csv`` into ``site_dir``. Raises BuildError on bad results."""
    jobs = list(jobs)
    rankings = [rank_reports(s, site_dir, jobs, statuses, area_names=area_names) for s in specs]
    site_dir = Path(site_dir)
    write_rankings_csv(site_dir / RANKINGS_CSV, rankings)
    (site_dir / RANKINGS_HTML).write_text(
        render_rankings(rankings, site_title=site_title, built_at=built_at, data_statement=data_statement),
        encoding="utf-8")
    return rankings
