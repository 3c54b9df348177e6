"""The report plan: which notebooks to run, with which parameters, under which names.

A plan is a small YAML file::

    title: Tower Hamlets Together reports
    reports:
      - name: borough-profile                  # folder name in the site; may use {parameter} placeholders
        notebook: notebooks/borough_profile.ipynb   # relative to the project root (or to the plan's folder)
        title: Borough profile                 # optional; defaults to the notebook's first heading
        group: Borough                         # optional; how the site index groups reports
        parameters: {area_code: null}
      - name: locality-profile-{locality}
        notebook: notebooks/locality_profile.ipynb
        title: "Locality profile: {locality_name}"
        for_each: {locality: localities}       # one report per locality of the home area
      - name: borough-profile-{area_code}
        notebook: notebooks/borough_profile.ipynb
        for_each: {area_code: [E09000030, E09000012]}   # or an explicit list

An optional plan-level ``rankings:`` section ranks many reports on one result column in a combined page
(``rankings.html``; format and checks in :mod:`thanalysis.publish.rankings`).

``load_plan`` checks the file's shape (every problem is a :class:`ConfigError` naming the plan file, the report
and the field); ``expand_plan`` turns it into one :class:`ReportJob` per report (area and locality names come
from :mod:`thanalysis.geography.places`); ``select_jobs`` picks those named with ``--only``, ``find_notebooks``
finds their notebooks and ``report_title`` gives a report the title the site shows.
"""
from __future__ import annotations

import fnmatch
import itertools
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from thanalysis.config import project_root
from thanalysis.errors import ConfigError
from thanalysis.geography.places import area_names, locality_names
from thanalysis.publish.manifest import relative_to_project
from thanalysis.publish.params import NOTEBOOK_READ_ERRORS
from thanalysis.publish.rankings import RANKINGS_CSV, RANKINGS_HTML, RankingSpec, check_rankings

#: The ``for_each`` value meaning "every locality of the home area" (resolved from the data store).
LOCALITIES = "localities"

_TOP_KEYS = {"title", "description", "reports", "rankings"}
_REPORT_KEYS = {"name", "notebook", "title", "group", "description", "parameters", "for_each"}
#: Folder names the site itself uses: a report may not take them.
RESERVED_NAMES = {"_failed", "index.html", "site.json", "assets", RANKINGS_HTML, RANKINGS_CSV}
_SLUG_OK = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass
class PlanEntry:
    """One entry of ``reports:`` as written (before ``for_each`` expansion)."""

    name: str
    notebook: str
    title: str | None = None
    group: str | None = None
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    for_each: dict[str, Any] = field(default_factory=dict)
    position: int = 0  # 1-based position in the plan, for messages


@dataclass
class Plan:
    path: Path
    title: str
    entries: list[PlanEntry]
    description: str | None = None
    rankings: list[RankingSpec] = field(default_factory=list)  # see thanalysis/publish/rankings.py


@dataclass(frozen=True)
class ReportJob:
    """One report to build: a notebook and its parameters, under a unique folder name."""

    name: str
    notebook: str  # as written in the plan (relative)
    parameters: dict[str, Any]
    title: str | None = None
    group: str = "Reports"
    description: str | None = None
    entry: str = ""  # the plan entry's name template, for messages
    variant: str = ""  # what distinguishes this report among its for_each siblings (area names), for titles


def _where(plan_path: Path, entry: str | int | None = None, fld: str | None = None) -> str:
    parts = [f"plan {plan_path.as_posix()}"]
    if entry is not None:
        parts.append(f"report {entry!r}" if isinstance(entry, str) else f"report #{entry}")
    if fld:
        parts.append(f"field {fld!r}")
    return ", ".join(parts)


def _fail(plan_path: Path, problem: str, entry=None, fld=None) -> ConfigError:
    return ConfigError(f"{_where(plan_path, entry, fld)}: {problem}")


def display_path(path: Path) -> str:
    """The plan's path as a person typed it (relative to the project or current folder when possible)."""
    path = Path(path)
    for base in (Path.cwd(), project_root()):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def load_plan(path: str | Path) -> Plan:
    """Read and check a plan file. Raises ConfigError naming the file, the report and the field at fault."""
    path = Path(path)
    shown = Path(display_path(path))
    if not path.is_file():
        raise ConfigError(f"plan {shown.as_posix()}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"plan {shown.as_posix()}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise _fail(shown, "expected a mapping with 'title' and 'reports'")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise _fail(shown, f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    title = raw.get("title", "Reports")
    if not isinstance(title, str) or not title.strip():
        raise _fail(shown, "must be a non-empty text", fld="title")
    reports = raw.get("reports")
    if not isinstance(reports, list) or not reports:
        raise _fail(shown, "expected a non-empty list of reports", fld="reports")
    entries = [_check_entry(shown, i, item) for i, item in enumerate(reports, start=1)]
    seen: dict[str, int] = {}
    for e in entries:
        if e.name in seen:
            raise _fail(shown, f"the same name is used by reports #{seen[e.name]} and #{e.position}", e.name, "name")
        seen[e.name] = e.position
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise _fail(shown, "must be text", fld="description")
    rankings = check_rankings(raw.get("rankings"), plan_shown=shown.as_posix(), entries=entries)
    return Plan(path=path, title=title.strip(), entries=entries, description=description, rankings=rankings)


def _check_entry(shown: Path, pos: int, item: Any) -> PlanEntry:
    if not isinstance(item, dict):
        raise _fail(shown, "expected a mapping with name, notebook and parameters", pos)
    label: str | int = item["name"] if isinstance(item.get("name"), str) and item["name"] else pos
    unknown = sorted(set(item) - _REPORT_KEYS)
    if unknown:
        raise _fail(shown, f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(_REPORT_KEYS))}", label)
    for key in ("name", "notebook"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise _fail(shown, "is required and must be text", label, key)
    for key in ("title", "group", "description"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise _fail(shown, "must be text", label, key)
    notebook = item["notebook"].strip()
    if Path(notebook).is_absolute() or notebook.startswith("~"):
        raise _fail(shown, f"{notebook!r} must be a path relative to the project (no absolute paths in a plan)", label, "notebook")
    if not notebook.endswith(".ipynb"):
        raise _fail(shown, f"{notebook!r} is not a notebook (.ipynb)", label, "notebook")
    params = item.get("parameters") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) and k.isidentifier() for k in params):
        raise _fail(shown, "expected a mapping of parameter names (Python identifiers) to values", label, "parameters")
    for_each = item.get("for_each") or {}
    if not isinstance(for_each, dict):
        raise _fail(shown, "expected a mapping such as {locality: localities} or {area_code: [E09000030]}", label, "for_each")
    for key, values in for_each.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise _fail(shown, f"{key!r} is not a parameter name", label, "for_each")
        if key in params:
            raise _fail(shown, f"parameter {key!r} is set both in 'parameters' and in 'for_each'", label, "for_each")
        if values == LOCALITIES:
            continue
        if not isinstance(values, list) or not values or any(isinstance(v, (list, dict)) for v in values):
            raise _fail(shown, f"{key!r}: expected {LOCALITIES!r} or a non-empty list of values", label, "for_each")
    name = item["name"].strip()
    fields = _placeholders(name, shown, label, "name")
    known = set(params) | set(for_each) | {f"{k}_name" for k in set(params) | set(for_each)}
    missing = sorted(fields - known)
    if missing:
        raise _fail(shown, f"placeholder(s) {', '.join('{' + m + '}' for m in missing)} name no parameter", label, "name")
    if for_each and not fields & (set(for_each) | {f"{k}_name" for k in for_each}):
        raise _fail(shown, f"with for_each the name needs a placeholder such as {{{next(iter(for_each))}}} "
                    "so that each report gets its own folder", label, "name")
    if item.get("title"):
        bad = sorted(_placeholders(item["title"], shown, label, "title") - known)
        if bad:
            raise _fail(shown, f"placeholder(s) {', '.join('{' + m + '}' for m in bad)} name no parameter", label, "title")
    return PlanEntry(
        name=name, notebook=notebook, title=item.get("title"), group=item.get("group"),
        description=item.get("description"), parameters=dict(params), for_each=dict(for_each), position=pos,
    )


def _placeholders(template: str, shown: Path, label, fld: str) -> set[str]:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise _fail(shown, f"bad placeholder in {template!r}: {exc}", label, fld) from None
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise _fail(shown, f"placeholders must be parameter names, got {bad!r}", label, fld)
    return names


def slugify(text: str) -> str:
    """A folder-safe report name: lower case letters, digits, '.', '_' and '-'."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-.")
    return re.sub(r"-{2,}", "-", slug)


# expansion ---------------------------------------------------------------------------------------

def expand_plan(plan: Plan, store=None) -> list[ReportJob]:
    """One :class:`ReportJob` per report, in plan order.

    ``store`` (a ``thanalysis.data.Store``) is needed only for ``for_each: {...: localities}`` and for
    ``{x_name}`` placeholders (area names: :func:`thanalysis.geography.places.area_names`).
    """
    shown = Path(display_path(plan.path))
    localities: dict[str, str] = {}  # code → name of the localities listed so far (they name their reports)

    def name_of(code: Any) -> str:
        code = str(code)
        if code in localities:
            return localities[code]
        return area_names(store).get(code, code) if store is not None else code

    jobs: list[ReportJob] = []
    seen: dict[str, str] = {}
    for entry in plan.entries:
        axes: list[list[tuple[str, Any]]] = []
        for key, values in entry.for_each.items():
            if values == LOCALITIES:
                if store is None:
                    raise _fail(shown, "needs the data store to list the localities", entry.name, "for_each")
                found = locality_names(store, store.home_area_code)
                if not found:
                    raise _fail(shown, f"the data store lists no localities in the home area {store.home_area_code}",
                                entry.name, "for_each")
                localities.update(found)
                values = list(found)
            axes.append([(key, v) for v in values])
        for combo in itertools.product(*axes) if axes else [()]:
            params = {**entry.parameters, **dict(combo)}
            fmt = dict(params)
            needs_names = {f for _, f, _, _ in string.Formatter().parse(entry.name + (entry.title or "")) if f}
            for key in [f[: -len("_name")] for f in needs_names if f.endswith("_name")]:
                value = params.get(key)
                fmt[f"{key}_name"] = name_of(value) if value is not None else ""
            name = slugify(entry.name.format_map(_NoneAsEmpty(fmt)))
            if not name or not _SLUG_OK.match(name) or name in RESERVED_NAMES:
                raise _fail(shown, f"gives the folder name {name!r}, which the site cannot use", entry.name, "name")
            if name in seen:
                raise _fail(shown, f"gives the name {name!r} twice (also from report {seen[name]!r}); "
                            "add a placeholder to the name", entry.name, "name")
            seen[name] = entry.name
            title = entry.title.format_map(_NoneAsEmpty(fmt)) if entry.title else None
            variant = ""
            if combo and not title:
                variant = ", ".join(name_of(v) for _, v in combo)
            jobs.append(ReportJob(
                name=name, notebook=entry.notebook, parameters=params, title=title,
                group=entry.group or _default_group(entry.notebook), description=entry.description, entry=entry.name,
                variant=variant,
            ))
    return jobs


class _NoneAsEmpty(dict):
    def __getitem__(self, key):
        value = super().__getitem__(key)
        return "" if value is None else value


def _default_group(notebook: str) -> str:
    return Path(notebook).stem.replace("_", " ").capitalize()


# choosing reports and their notebooks --------------------------------------------------------------

def select_jobs(all_jobs: list[ReportJob], only: list[str] | None, plan: Plan) -> list[ReportJob]:
    """The reports named with ``--only`` (report names, globs or plan entry names); all of them without it."""
    if not only:
        return list(all_jobs)
    chosen = [j for j in all_jobs if any(fnmatch.fnmatchcase(j.name, pat) or pat == j.entry for pat in only)]
    if not chosen:
        names = ", ".join(j.name for j in all_jobs)
        raise ConfigError(f"--only {' '.join(only)}: no report in plan {display_path(plan.path)} has that name "
                          f"(reports: {names})")
    return chosen


def find_notebooks(plan: Plan, selected: list[ReportJob]) -> dict[str, tuple[Path, str]]:
    """Report name → (notebook path, path as shown) for the selected reports; ConfigError naming every missing one."""
    notebooks, missing = {}, {}
    for job in selected:
        try:
            notebooks[job.name] = _resolve_notebook(plan, job)
        except ConfigError as exc:
            missing.setdefault(job.notebook, (str(exc), []))[1].append(job.entry)
    if len(missing) == 1 and len(next(iter(missing.values()))[1]) == 1:
        raise ConfigError(next(iter(missing.values()))[0])
    if missing:
        lines = [f"plan {display_path(plan.path)}, field 'notebook': {len(missing)} notebook file(s) do not exist "
                 "(looked in the project folder and beside the plan):"]
        lines += [f"  {nb} (report {', '.join(repr(e) for e in dict.fromkeys(entries))})"
                  for nb, (_, entries) in missing.items()]
        raise ConfigError("\n".join(lines))
    return notebooks


def _resolve_notebook(plan: Plan, job: ReportJob) -> tuple[Path, str]:
    """(absolute path, path as shown) of a report's notebook: relative to the project root, else to the plan."""
    for base in (project_root(), plan.path.resolve().parent):
        candidate = (base / job.notebook).resolve()
        if candidate.is_file():
            shown = relative_to_project(candidate) or job.notebook
            return candidate, shown
    raise ConfigError(f"plan {display_path(plan.path)}, report {job.name!r}, field 'notebook': "
                      f"{job.notebook} does not exist (looked in the project folder and beside the plan)")


def report_title(job: ReportJob, notebook_path: Path | None) -> str:
    """The title the site shows: the plan's, else the notebook's first heading (+ what sets this report apart)."""
    if job.title:
        return job.title
    heading = first_heading(notebook_path) if notebook_path else None
    base = heading or job.name
    return f"{base}: {job.variant}" if job.variant else base


def first_heading(notebook_path: Path) -> str | None:
    """The notebook's first level-1 markdown heading (its title), or None (also when it cannot be read: the
    title then falls back to the report's name, and the parameter check says what is wrong with the file)."""
    try:
        nb = nbformat.read(str(notebook_path), as_version=4)
    except NOTEBOOK_READ_ERRORS:
        return None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None
