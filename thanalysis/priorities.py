"""The partnership's priorities and the key metrics that track them (``data/priorities.yml``).

The Board asked for "a dashboard of key metrics aligned to our priorities" (THT Board update,
2 May): the five calls to action, INEL's system priorities, and the gaps it named (adult social
care, children's services). This module reads that file, checks every field and gives clear
:class:`~thanalysis.errors.ConfigError` messages naming the file, the metric, the field and what
was expected.

    >>> p = load_priorities()
    >>> p.monthly_metric_ids(demo_only=True)   # the ids the synthetic demo generates
"""
from __future__ import annotations

import numbers
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from thanalysis.config import project_data_file, read_yaml
from thanalysis.errors import ConfigError
from thanalysis.vocabulary import POLARITIES, VALUE_TYPES, default_lag_months

#: How often a metric is published.
FREQUENCIES = ("monthly", "quarterly", "annual")
#: What kind of priority: a partnership call to action or an INEL system priority.
PRIORITY_KINDS = ("call_to_action", "inel_system_priority")
#: Which kind of line a target or trajectory is: a national standard or a local ambition.
TARGET_KINDS = ("national_standard", "local_ambition")
#: Service families that report metrics; adult social care and children's services are the
#: gaps the Board named.
SERVICE_AREAS = (
    "urgent_care",
    "outpatients",
    "mental_health",
    "adult_social_care",
    "childrens_services",
    "housing",
    "public_health",
    "economy",
)
#: Metrics whose id starts with this are fed by local monthly extracts (the demo generates them).
DEMO_PREFIX = "dash_"
#: The fewest months a dashboard chart can span: two points give the one moving range SPC limits need.
MIN_WINDOW_MONTHS = 2

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REQUIRED_METRIC_FIELDS = (
    "id",
    "title",
    "priority",
    "service_area",
    "source",
    "frequency",
    "polarity",
    "value_type",
    "unit",
    "description",
)
_OPTIONAL_METRIC_FIELDS = ("indicator_id", "target", "trajectory", "typical_value", "sexes", "lag_months")
#: The sexes a metric can be shown for (``sexes:``; default Persons only).
SEXES = ("Persons", "Male", "Female")

_REQUIRED_PRIORITY_FIELDS = ("id", "title", "kind", "description")


def default_priorities_path() -> Path:
    """``data/priorities.yml`` in the project."""
    return project_data_file("priorities.yml")


@dataclass(frozen=True)
class Priority:
    id: str
    title: str
    kind: str
    description: str


@dataclass(frozen=True)
class Target:
    """A fixed line a metric is judged against (e.g. the 95% four-hour A&E standard)."""

    value: float
    kind: str  # national_standard | local_ambition
    label: str


@dataclass(frozen=True)
class Trajectory:
    """A planned path: one value per month label ("YYYY-MM")."""

    kind: str
    label: str
    points: tuple[tuple[str, float], ...]

    def as_series(self) -> pd.Series:
        """Values indexed by the first day of each month, ready to join onto a monthly series."""
        index = pd.to_datetime([p for p, _ in self.points], format="%Y-%m")
        return pd.Series([v for _, v in self.points], index=index, name="trajectory", dtype=float)


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    priority: str
    service_area: str
    source: str
    indicator_id: str | None
    frequency: str
    polarity: str
    value_type: str
    unit: str
    description: str
    target: Target | None = None
    trajectory: Trajectory | None = None
    typical_value: float | None = None
    #: the sexes shown, each as its own row and chart (``Persons`` unless the file says e.g. ``[Male, Female]``)
    sexes: tuple[str, ...] = ("Persons",)
    #: months after the end of the latest period before the series is out of date (``None``: by frequency)
    lag_months: int | None = None

    @property
    def expected_lag_months(self) -> int:
        """The metric's own ``lag_months``, else the default for its frequency
        (:func:`thanalysis.vocabulary.default_lag_months`: monthly 3, quarterly 6, annual 24)."""
        return self.lag_months if self.lag_months is not None else default_lag_months(self.frequency)

    @property
    def improvement_direction(self) -> str:
        """The SPC improvement direction that matches the polarity (Making Data Count)."""
        return {"higher_is_better": "increase", "lower_is_better": "decrease"}.get(self.polarity, "neutral")

    @property
    def is_demo_fed(self) -> bool:
        return self.id.startswith(DEMO_PREFIX)


@dataclass
class Priorities:
    """The priorities and their metrics, in file order."""

    priorities: list[Priority]
    metrics: list[Metric]
    path: Path | None = None
    _by_id: dict[str, Metric] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {m.id: m for m in self.metrics}

    def metric(self, metric_id: str) -> Metric:
        try:
            return self._by_id[metric_id]
        except KeyError:
            raise ConfigError(
                f"No metric {metric_id!r} in {self.path or 'the priorities file'}; "
                f"known metrics: {', '.join(self._by_id)}"
            ) from None

    def priority(self, priority_id: str) -> Priority:
        for p in self.priorities:
            if p.id == priority_id:
                return p
        raise ConfigError(f"No priority {priority_id!r} in {self.path or 'the priorities file'}")

    def monthly_metric_ids(self, *, demo_only: bool = False) -> list[str]:
        """Ids of monthly metrics; ``demo_only`` keeps the ``dash_*`` ones the demo generates."""
        return [
            m.id
            for m in self.metrics
            if m.frequency == "monthly" and (m.is_demo_fed or not demo_only)
        ]


# ---------------------------------------------------------------------------------------------
# Reading and checking the file
# ---------------------------------------------------------------------------------------------


def load_priorities(path: str | os.PathLike | None = None) -> Priorities:
    """Read and validate the priorities file (default ``data/priorities.yml``)."""
    path = Path(path) if path is not None else default_priorities_path()
    return parse_priorities(read_yaml(path, "priorities file"), source=str(path), path=path)


def parse_priorities(raw: Any, *, source: str = "priorities", path: Path | None = None) -> Priorities:
    """Validate an already-parsed mapping (the YAML document) and build :class:`Priorities`."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: expected a mapping with 'priorities' and 'metrics' at the top level")
    unknown_top = sorted(set(raw) - {"priorities", "metrics"})
    if unknown_top:
        raise ConfigError(f"{source}: unknown top-level key(s) {unknown_top}; expected 'priorities' and 'metrics'")
    priorities = _parse_priority_list(raw.get("priorities"), source)
    known = {p.id for p in priorities}
    metrics_raw = raw.get("metrics")
    if not isinstance(metrics_raw, list) or not metrics_raw:
        raise ConfigError(f"{source}: 'metrics' must be a non-empty list of metrics")
    metrics: list[Metric] = []
    seen: set[str] = set()
    for i, entry in enumerate(metrics_raw, start=1):
        metric = _parse_metric(entry, i, source, known)
        if metric.id in seen:
            raise ConfigError(f"{source}: metric {metric.id!r}: duplicate id (metric ids must be unique)")
        seen.add(metric.id)
        metrics.append(metric)
    return Priorities(priorities=priorities, metrics=metrics, path=path)


def _where(entry: Any, source: str, kind: str, position: int, fields: tuple[str, ...]) -> str:
    """How messages name an entry ("metric 'x'" once it has an id, else "metric #3"); it must be a mapping."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{source}: {kind} #{position}: expected a mapping with fields {', '.join(fields)}")
    if isinstance(entry.get("id"), str):
        return f"{source}: {kind} {entry['id']!r}"
    return f"{source}: {kind} #{position}"


def _parse_priority_list(items: Any, source: str) -> list[Priority]:
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{source}: 'priorities' must be a non-empty list of priorities")
    out: list[Priority] = []
    seen: set[str] = set()
    for i, entry in enumerate(items, start=1):
        where = _where(entry, source, "priority", i, _REQUIRED_PRIORITY_FIELDS)
        for key in _REQUIRED_PRIORITY_FIELDS:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ConfigError(f"{where}: field '{key}' is missing or empty; expected text")
        unknown = sorted(set(entry) - set(_REQUIRED_PRIORITY_FIELDS))
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {unknown}")
        _check_id(entry["id"], where)
        if entry["kind"] not in PRIORITY_KINDS:
            raise ConfigError(f"{where}: field 'kind' is {entry['kind']!r}; expected one of {', '.join(PRIORITY_KINDS)}")
        if entry["id"] in seen:
            raise ConfigError(f"{where}: duplicate id (priority ids must be unique)")
        seen.add(entry["id"])
        out.append(Priority(entry["id"], entry["title"].strip(), entry["kind"], entry["description"].strip()))
    return out


def _check_id(value: str, where: str) -> None:
    if not _ID_PATTERN.match(value):
        raise ConfigError(
            f"{where}: field 'id' is {value!r}; expected snake_case (lower-case letters, digits and _)"
        )


def _choice(entry: Mapping, key: str, allowed: tuple[str, ...], where: str) -> str:
    value = entry.get(key)
    if value not in allowed:
        raise ConfigError(f"{where}: field '{key}' is {value!r}; expected one of {', '.join(allowed)}")
    return value


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: field '{key}' is {value!r}; expected a number")
    return float(value)


def _parse_metric(entry: Any, position: int, source: str, known_priorities: set[str]) -> Metric:
    where = _where(entry, source, "metric", position, _REQUIRED_METRIC_FIELDS)
    for key in _REQUIRED_METRIC_FIELDS:
        if key not in entry or entry[key] is None:
            raise ConfigError(f"{where}: field '{key}' is missing")
    for key in ("id", "title", "source", "unit", "description"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ConfigError(f"{where}: field '{key}' is {entry[key]!r}; expected non-empty text")
    unknown = sorted(set(entry) - set(_REQUIRED_METRIC_FIELDS) - set(_OPTIONAL_METRIC_FIELDS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {unknown}; allowed: "
            f"{', '.join(_REQUIRED_METRIC_FIELDS + _OPTIONAL_METRIC_FIELDS)}"
        )
    _check_id(entry["id"], where)
    if entry["priority"] not in known_priorities:
        raise ConfigError(
            f"{where}: field 'priority' is {entry['priority']!r}, which is not a priority in this file; "
            f"expected one of {', '.join(sorted(known_priorities))}"
        )
    frequency = _choice(entry, "frequency", FREQUENCIES, where)
    polarity = _choice(entry, "polarity", POLARITIES, where)
    value_type = _choice(entry, "value_type", VALUE_TYPES, where)
    service_area = _choice(entry, "service_area", SERVICE_AREAS, where)

    indicator_id = entry.get("indicator_id")
    if indicator_id is not None:
        if isinstance(indicator_id, bool) or not isinstance(indicator_id, (str, int)):
            raise ConfigError(f"{where}: field 'indicator_id' is {indicator_id!r}; expected text (or null)")
        indicator_id = str(indicator_id)

    target = _parse_target(entry.get("target"), where, value_type)
    trajectory = _parse_trajectory(entry.get("trajectory"), where, value_type)
    typical = entry.get("typical_value")
    if typical is not None:
        typical = _number(typical, where, "typical_value")
        _check_in_range(typical, value_type, where, "typical_value")
    sexes = _parse_sexes(entry.get("sexes"), where)
    lag = entry.get("lag_months")
    if lag is not None and (isinstance(lag, bool) or not isinstance(lag, int) or lag < 1):
        raise ConfigError(f"{where}: field 'lag_months' is {lag!r}; expected a whole number of months (1 or more)")
    if polarity == "no_judgement" and target is not None:
        raise ConfigError(
            f"{where}: has a target but polarity 'no_judgement'; a target needs a direction "
            "(higher_is_better or lower_is_better)"
        )
    return Metric(
        id=entry["id"],
        title=entry["title"].strip(),
        priority=entry["priority"],
        service_area=service_area,
        source=entry["source"].strip(),
        indicator_id=indicator_id,
        frequency=frequency,
        polarity=polarity,
        value_type=value_type,
        unit=entry["unit"].strip(),
        description=" ".join(entry["description"].split()),
        target=target,
        trajectory=trajectory,
        typical_value=typical,
        sexes=sexes,
        lag_months=lag,
    )


def _parse_sexes(raw: Any, where: str) -> tuple[str, ...]:
    """``sexes:`` a non-empty list of distinct values of :data:`SEXES` (default: Persons only)."""
    if raw is None:
        return ("Persons",)
    if not isinstance(raw, list) or not raw or any(s not in SEXES for s in raw) or len(set(raw)) != len(raw):
        raise ConfigError(f"{where}: field 'sexes' is {raw!r}; expected a list of distinct values from "
                          f"{', '.join(SEXES)} (e.g. [Male, Female])")
    return tuple(raw)


def _check_in_range(value: float, value_type: str, where: str, key: str) -> None:
    # Proportions are stored on a 0-1 scale across the project; 95 instead of 0.95 is the usual slip.
    if value_type == "proportion" and not 0.0 <= value <= 1.0:
        raise ConfigError(
            f"{where}: field '{key}' is {value!r}, outside 0-1 for a proportion; "
            "expected a value between 0 and 1 (e.g. 0.95 for 95%)"
        )


def _check_keys(raw: Any, where: str, name: str, keys: tuple[str, ...]) -> None:
    """A target or trajectory must be a mapping with only ``keys``."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: field '{name}' should be a mapping with {', '.join(keys[:-1])} and {keys[-1]}")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ConfigError(f"{where}: field '{name}' has unknown key(s) {unknown}; expected {', '.join(keys)}")


def _label(raw: Mapping, where: str, name: str, expected: str) -> str:
    """The non-empty ``label`` of a target or trajectory, stripped."""
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{where}: field '{name}.label' is missing; expected {expected}")
    return label.strip()


def _parse_target(raw: Any, where: str, value_type: str) -> Target | None:
    if raw is None:
        return None
    _check_keys(raw, where, "target", ("value", "kind", "label"))
    value = _number(raw.get("value"), where, "target.value")
    _check_in_range(value, value_type, where, "target.value")
    kind = _choice(raw, "kind", TARGET_KINDS, f"{where} target")
    return Target(value=value, kind=kind, label=_label(raw, where, "target", "text saying whose standard it is"))


def _parse_trajectory(raw: Any, where: str, value_type: str) -> Trajectory | None:
    if raw is None:
        return None
    _check_keys(raw, where, "trajectory", ("kind", "label", "points"))
    kind = _choice(raw, "kind", TARGET_KINDS, f"{where} trajectory")
    label = _label(raw, where, "trajectory", "text")
    points_raw = raw.get("points")
    if not isinstance(points_raw, list) or not points_raw:
        raise ConfigError(f"{where}: field 'trajectory.points' must be a non-empty list of {{period, value}}")
    points: list[tuple[str, float]] = []
    for j, point in enumerate(points_raw, start=1):
        if not isinstance(point, Mapping) or set(point) != {"period", "value"}:
            raise ConfigError(f"{where}: trajectory point #{j} should have exactly 'period' and 'value'")
        period = str(point["period"])
        if not _PERIOD_PATTERN.match(period):
            raise ConfigError(
                f"{where}: trajectory point #{j} has period {period!r}; expected a month label like '2024-04'"
            )
        value = _number(point["value"], where, f"trajectory.points[{j}].value")
        _check_in_range(value, value_type, where, f"trajectory.points[{j}].value")
        points.append((period, value))
    periods = [p for p, _ in points]
    if len(set(periods)) != len(periods):
        raise ConfigError(f"{where}: trajectory has the same period twice")
    return Trajectory(kind=kind, label=label.strip(), points=tuple(sorted(points)))


# ---------------------------------------------------------------------------------------------
# The dashboard's parameters
# ---------------------------------------------------------------------------------------------


def check_window_months(window_months: Any, *, where: str = "priority dashboard") -> int:
    """``window_months`` as an int if it is a whole number of months (at least :data:`MIN_WINDOW_MONTHS`), else a
    :class:`ConfigError` saying what was given and what is expected, before anything is computed."""
    if isinstance(window_months, bool) or not isinstance(window_months, numbers.Integral):
        problem = f"is {window_months!r}, not a whole number"
    elif window_months < MIN_WINDOW_MONTHS:
        problem = f"is {window_months}, fewer than {MIN_WINDOW_MONTHS} months"
    else:
        return int(window_months)
    raise ConfigError(
        f"{where}: parameter 'window_months' {problem}; expected a whole number of months of "
        f"{MIN_WINDOW_MONTHS} or more (how many recent months each chart covers, e.g. 36 for three years). "
        "Correct it in the report plan's parameters (or the notebook's parameters cell)."
    )
