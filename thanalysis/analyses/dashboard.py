"""The system performance dashboard: key metrics per priority, read the Making Data Count way.

The Board asked for "a dashboard of key metrics aligned to our priorities" with "a meaningful
narrative to explain trends", shared with locality committees (THT Board update, 2 May). For each
metric in ``data/priorities.yml`` this module finds its series for the borough (or a locality), then:

- **monthly metrics**: an XmR statistical process control chart (:func:`thanalysis.stats.spc`) over
  the last ``window_months`` months, with the improvement direction from the metric's polarity and
  its target or trajectory from the priorities file; the latest point's *variation* and the
  *assurance* against the target become the two icons of the summary matrix, and every special
  cause signal in the window is listed as an episode (which rule, which months, improvement or
  concern) for the narrative;
- **annual indicators**: the Fingertips recent trend (:func:`thanalysis.stats.recent_trend`).

Where a series comes from (first found wins): an analyst extract (CSV in the canonical values format
in the extracts folder, see :mod:`thanalysis.data.extracts`), the store's values (the demo's ``dash_*``
metrics, Fingertips indicators), or a published extract listed under ``extracts:`` in
``data/sources.yml`` (NHS England A&E statistics for Barts Health, R1H). A locality pack shows each
metric for the locality when a locality series exists, else the borough (or trust) figure, and says so.

Adding a metric to the dashboard
--------------------------------
1. Add an entry under ``metrics:`` in ``data/priorities.yml``: ``id`` (snake_case), ``title``,
   ``priority`` (one of the priority ids at the top of the file), ``service_area``, ``source``,
   ``frequency`` (``monthly`` for an SPC chart, ``annual`` for a recent trend), ``polarity``
   (``higher_is_better`` / ``lower_is_better`` / ``no_judgement``: it sets the SPC improvement
   direction), ``value_type`` (``proportion`` for a percentage, ``count``, ...), ``unit``, a
   plain-English ``description`` and, if there is one, a ``target`` (``value`` on a 0-1 scale for
   percentages, ``kind``, ``label``) or a ``trajectory`` (``points`` of ``period: YYYY-MM`` and ``value``).
2. Drop a CSV extract in the extracts folder (``extracts/`` in the data root, or the folder named by
   ``$THANALYSIS_EXTRACTS``) in the canonical values format: columns ``indicator_id`` (the metric id),
   ``area_code`` (the borough's code, or a locality code for a locality pack), ``area_type`` (``la`` or
   ``locality``), ``period`` (``YYYY-MM``), ``value`` (percentages as 0-100), and optionally ``count``
   and ``denominator`` (a proportion is then recomputed from them), ``lower_ci_95``/``upper_ci_95``.
   One row per month; 15 to 20 months or more give reliable limits (fewer than 12 are flagged).
3. Rebuild the dashboard: the metric appears under its priority with its chart, icons and narrative.
"""
from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import DataError, StatsInputError
from thanalysis.priorities import Metric, Priorities, load_priorities

#: The dashboard's default span: three years of monthly points (Making Data Count suggests 15-20 at least).
DEFAULT_WINDOW_MONTHS = 36
#: Columns of a metric's series (values on the metric's own scale: proportions as 0-1 fractions).
SERIES_COLUMNS = ["metric_id", "area_code", "area_name", "level", "period", "date", "value", "count",
                  "denominator", "lower_ci_95", "upper_ci_95", "source"]
#: Columns of the summary matrix, one row per metric.
TABLE_COLUMNS = [
    "priority_id", "priority", "metric_id", "metric", "frequency", "area_code", "area_name", "level",
    "latest_period", "latest_value", "latest_text", "value_type", "unit", "n_points", "first_period",
    "mean", "lpl", "upl", "target", "variation_type", "variation_side", "assurance_type",
    "special_cause", "special_cause_points", "signals", "recent_trend", "recent_trend_reason", "status", "note",
]
_MONTH = r"\d{4}-(0[1-9]|1[0-2])"


# ==============================================================================================================
# Finding a metric's series
# ==============================================================================================================
def _priorities(priorities: Priorities | None) -> Priorities:
    return priorities if priorities is not None else load_priorities()


def _metric(metric: Metric | str, priorities: Priorities | None = None) -> Metric:
    return metric if isinstance(metric, Metric) else _priorities(priorities).metric(metric)


def _cache(store) -> dict:
    """Per-store cache for extracts (read once per store, like the store's own tables)."""
    return store.__dict__.setdefault("_dashboard_cache", {})


def _analyst_extracts(store) -> pd.DataFrame:
    cache = _cache(store)
    if "extracts" not in cache:
        from thanalysis.data.extracts import read_extracts

        cache["extracts"] = read_extracts(store)
    return cache["extracts"]


def _published_extract(store, metric_id: str) -> tuple[pd.DataFrame | None, object]:
    from thanalysis.data.extracts import read_extract_source, source_for_metric

    src = source_for_metric(metric_id)
    if src is None:
        return None, None
    cache = _cache(store)
    key = f"source:{src.id}"
    if key not in cache:
        cache[key] = read_extract_source(store, src)
    return cache[key], src


def store_indicator_id(store, metric: Metric) -> str | None:
    """The id under which the store holds this metric: its own id (the demo) or its ``indicator_id``."""
    known = set(store.indicators()["indicator_id"].astype(str))
    for candidate in (metric.id, metric.indicator_id):
        if candidate and candidate in known:
            return candidate
    return None


def _multiplier(store, indicator_id: str) -> float:
    ind = store.indicators()
    row = ind[ind["indicator_id"].astype(str) == indicator_id]
    return float(row["multiplier"].iloc[0]) if len(row) else 1.0


def _area_names(store) -> dict[str, str]:
    cache = _cache(store)
    if "names" not in cache:
        areas = store.areas()
        cache["names"] = dict(zip(areas["area_code"].astype(str), areas["area_name"].astype(str)))
    return cache["names"]


def _as_series(rows: pd.DataFrame, metric: Metric, *, multiplier: float, source: str, level: str,
               area_name: str) -> pd.DataFrame:
    """Canonical values rows (one area) → the dashboard's series columns, proportions as 0-1 fractions."""
    rows = rows[(rows["sex"].isin(["Persons", ""])) & (rows["age"].isin(["All ages", ""]))
                & (rows["category_type"] == "")]
    if rows["period"].duplicated().any():
        raise DataError(f"Metric {metric.id}: more than one value per period for one area.", column="period",
                        values=rows.loc[rows["period"].duplicated(), "period"].head(5).tolist(),
                        expected="one row per period (sex Persons, age All ages, no category)")
    value = rows["value"].to_numpy(dtype=float)
    lower, upper = rows["lower_ci_95"].to_numpy(dtype=float), rows["upper_ci_95"].to_numpy(dtype=float)
    count, den = rows["count"].to_numpy(dtype=float), rows["denominator"].to_numpy(dtype=float)
    if metric.value_type == "proportion":
        scale = multiplier if multiplier and multiplier != 1 else 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            from_counts = np.where(den > 0, count / den, np.nan)
        value = np.where(np.isfinite(from_counts), from_counts, value / scale)
        lower, upper = lower / scale, upper / scale
    out = pd.DataFrame({
        "metric_id": metric.id, "area_code": rows["area_code"].astype(str).to_numpy(), "area_name": area_name,
        "level": level, "period": rows["period"].astype(str).to_numpy(),
        "date": pd.to_datetime(rows["period_start"]).to_numpy(), "value": value, "count": count,
        "denominator": den, "lower_ci_95": lower, "upper_ci_95": upper, "source": source,
    })
    missing_date = out["date"].isna()
    if missing_date.any():
        out.loc[missing_date, "date"] = pd.to_datetime(out.loc[missing_date, "period"].str[:7], format="%Y-%m",
                                                       errors="coerce")
    return out.sort_values("date", kind="mergesort").reset_index(drop=True)[SERIES_COLUMNS]


def metric_series(store, metric: Metric | str, area_code: str, *,
                  priorities: Priorities | None = None) -> pd.DataFrame:
    """The values of ``metric`` for ``area_code`` (a borough or a locality), oldest first.

    Looks in the analyst extracts, then the store's values, then the published extracts of
    data/sources.yml (a trust-level series is returned for the boroughs it serves). Proportions are
    returned as 0-1 fractions (the scale of the targets in data/priorities.yml). An empty table
    (with the same columns) means the metric has no series for this area.
    """
    m = _metric(metric, priorities)
    area_code = str(area_code)
    names = _area_names(store)
    level = "locality" if _is_locality(store, area_code) else "borough"
    area_name = names.get(area_code, area_code)

    extracts = _analyst_extracts(store)
    if len(extracts):
        rows = extracts[extracts["indicator_id"].isin([m.id, m.indicator_id]) & (extracts["area_code"] == area_code)]
        if len(rows):
            return _as_series(rows, m, multiplier=100.0, source="analyst extract", level=level, area_name=area_name)

    indicator = store_indicator_id(store, m)
    if indicator is not None:
        values = store.values([indicator])
        rows = values[values["area_code"].astype(str) == area_code]
        if len(rows):
            return _as_series(rows, m, multiplier=_multiplier(store, indicator), source=getattr(store, "kind", ""),
                              level=level, area_name=area_name)

    published, src = _published_extract(store, m.id)
    if published is not None and area_code in src.serves:
        rows = published[published["indicator_id"] == m.id]
        if len(rows):
            org_name = str(src.options.get("org_name") or rows["area_code"].iloc[0])
            return _as_series(rows, m, multiplier=1.0, source=src.id, level="trust", area_name=org_name)
    return pd.DataFrame(columns=SERIES_COLUMNS)


def _is_locality(store, area_code: str) -> bool:
    areas = store.areas()
    types = set(areas.loc[areas["area_code"].astype(str) == area_code, "area_type"])
    return "locality" in types or not types and "-" in area_code


def latest_window(series: pd.DataFrame, window_months: int) -> pd.DataFrame:
    """The last ``window_months`` monthly points of a series (all of it if shorter)."""
    if isinstance(window_months, bool) or not isinstance(window_months, (int, np.integer)) or window_months < 2:
        raise StatsInputError(f"window_months must be a whole number of months (2 or more), got {window_months!r}")
    return series.sort_values("date", kind="mergesort").tail(int(window_months)).reset_index(drop=True)


# ==============================================================================================================
# Statistics per metric
# ==============================================================================================================
def _trajectory_column(dates: pd.Series, metric: Metric) -> pd.Series | None:
    """The planned path on each month, interpolated between its points (none outside them)."""
    if metric.trajectory is None:
        return None
    plan = metric.trajectory.as_series()
    index = pd.DatetimeIndex(sorted(set(pd.to_datetime(dates)) | set(plan.index)))
    full = plan.reindex(index).interpolate(method="time", limit_area="inside")
    out = full.reindex(pd.to_datetime(dates)).to_numpy()
    return pd.Series(out, index=dates.index) if np.isfinite(out).any() else None


def metric_spc(series: pd.DataFrame, metric: Metric, *, rebase: Sequence | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The SPC table of one metric's series (improvement direction from its polarity, target and
    trajectory from the priorities file), and any cautions the method raised (e.g. too few points)."""
    from thanalysis.stats.spc import SpcWarning, spc

    data = series[["date", "value"]].copy()
    trajectory = _trajectory_column(series["date"], metric)
    if trajectory is not None:
        data["trajectory"] = trajectory.to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpcWarning)
        result = spc(data, "value", "date", improvement_direction=metric.improvement_direction,
                     target=metric.target.value if metric.target else None,
                     trajectory="trajectory" if trajectory is not None else None, rebase=rebase)
    notes = [str(w.message) for w in caught if issubclass(w.category, SpcWarning)]
    return result, notes


def _segments(mask: np.ndarray, key: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of consecutive True values sharing the same ``key``."""
    out: list[tuple[int, int]] = []
    start = None
    for i in range(len(mask)):
        if mask[i] and start is not None and key[i] == key[i - 1]:
            continue
        if start is not None:
            out.append((start, i - 1))
            start = None
        if mask[i]:
            start = i
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def _meaning(direction: int, improvement_direction: str) -> str:
    if improvement_direction == "neutral":
        return "neutral"
    better = 1 if improvement_direction == "increase" else -1
    return "improvement" if direction * better > 0 else "concern"


EPISODE_COLUMNS = ["rule", "side", "meaning", "start", "end", "n_points"]


def special_cause_episodes(result: pd.DataFrame) -> pd.DataFrame:
    """Each special-cause signal in an SPC table as one row: the rule (``outside_limits``, ``shift``,
    ``trend``, ``two_in_three``), its side (high/low), what it means (improvement, concern, neutral),
    its first and last month and its number of points. Patterns never cross a rebase."""
    if result is None or result.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    options = result.attrs.get("spc_options", {})
    date, value = options.get("date", "date"), options.get("value", "value")
    direction = result["improvement_direction"].iloc[0]
    phase = result["rebase_group"].to_numpy()
    side = result["relative_to_mean"].to_numpy().astype(int)
    y = result[value].to_numpy(dtype=float)
    dates = pd.to_datetime(result[date]).to_numpy()
    rows = []
    from thanalysis.stats.spc import part_of, trend_flags

    trend_length = int(options.get("trend_length") or options.get("run_length") or 7)
    trend = trend_flags(y, trend_length, phase)
    up = part_of(trend > 0, trend_length) & result["trend"].to_numpy()
    down = part_of(trend < 0, trend_length) & result["trend"].to_numpy()
    rules = [  # (rule, points flagged, direction of each point)
        ("outside_limits", result["outside_limits"].to_numpy(), side),
        ("shift", result["run"].to_numpy(), side),
        ("two_in_three", result["two_in_three"].to_numpy() & result["close_to_limits"].to_numpy(), side),
        ("trend", up, np.ones(len(y), dtype=int)),
        ("trend", down, -np.ones(len(y), dtype=int)),
    ]
    for rule, mask, point_direction in rules:
        mask = np.asarray(mask, dtype=bool)
        key = np.asarray(point_direction) * 10 + phase * 1000  # a rebase or a change of side ends a pattern
        for first, last in _segments(mask, key):
            d = int(point_direction[first])
            rows.append({"rule": rule, "side": "high" if d > 0 else "low", "meaning": _meaning(d, direction),
                         "start": pd.Timestamp(dates[first]), "end": pd.Timestamp(dates[last]),
                         "n_points": last - first + 1})
    out = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    return out.sort_values(["start", "rule"], kind="mergesort").reset_index(drop=True)


def annual_trend(series: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The Fingertips recent trend of an annual series (latest row carries the label)."""
    from thanalysis.stats.trend import recent_trend

    data = series.copy()
    if metric.value_type == "proportion" and data["count"].notna().all() and data["denominator"].notna().all():
        return recent_trend(data, "period", value_type="proportion", count="count", denominator="denominator",
                            value=None, polarity=metric.polarity)
    return recent_trend(data, "period", value_type="other", value="value", lower_ci="lower_ci_95",
                        upper_ci="upper_ci_95", polarity=metric.polarity)


# ==============================================================================================================
# The whole dashboard
# ==============================================================================================================
@dataclass
class MetricResult:
    """Everything the dashboard knows about one metric for one area."""

    metric: Metric
    priority_title: str
    area_code: str
    area_name: str
    level: str  # locality | borough | trust | none
    series: pd.DataFrame
    spc: pd.DataFrame | None = None
    summary: dict | None = None
    episodes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EPISODE_COLUMNS))
    trend: dict | None = None
    status: str = "ok"  # ok | no data | too few points
    notes: list[str] = field(default_factory=list)

    @property
    def is_special_cause(self) -> bool:
        """Any special-cause point in the window (not only the latest)."""
        return self.spc is not None and bool((self.spc["point_type"] != "common_cause").any())

    @property
    def is_monthly(self) -> bool:
        return self.metric.frequency == "monthly"


@dataclass
class Dashboard:
    """The dashboard for one borough or locality: one :class:`MetricResult` per metric, in file order."""

    area_code: str
    area_name: str
    locality: str | None
    locality_name: str | None
    window_months: int
    priorities: Priorities
    results: list[MetricResult]
    notes: list[str] = field(default_factory=list)

    @property
    def title_area(self) -> str:
        return self.locality_name or self.area_name

    def priority_ids(self) -> list[str]:
        """Priorities with at least one metric shown, in file order."""
        shown = {r.metric.priority for r in self.results if r.status != "no data"}
        return [p.id for p in self.priorities.priorities if p.id in shown]

    def for_priority(self, priority_id: str) -> list[MetricResult]:
        return [r for r in self.results if r.metric.priority == priority_id and r.status != "no data"]

    def monthly(self) -> list[MetricResult]:
        return [r for r in self.results if r.is_monthly and r.spc is not None]

    def missing(self) -> list[MetricResult]:
        return [r for r in self.results if r.status == "no data"]

    @property
    def table(self) -> pd.DataFrame:
        return summary_matrix(self)

    def series_table(self) -> pd.DataFrame:
        """Every monthly point with its limits and point type (for publication)."""
        frames = []
        for r in self.monthly():
            s = r.spc
            frames.append(pd.DataFrame({
                "metric_id": r.metric.id, "area_code": r.area_code, "period": r.series["period"].to_numpy(),
                "value": s["value"].to_numpy(), "count": r.series["count"].to_numpy(),
                "denominator": r.series["denominator"].to_numpy(), "mean": s["mean"].to_numpy(),
                "lower_process_limit": s["lpl"].to_numpy(), "upper_process_limit": s["upl"].to_numpy(),
                "target": s["target"].to_numpy(), "point_type": s["point_type"].to_numpy(),
                "special_cause_rule": s["special_cause_rule"].to_numpy()}))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def annual_metrics(store, priorities: Priorities) -> list[Metric]:
    """Annual indicators for the dashboard: those in data/priorities.yml, plus (on the demo) the store's
    annual indicators that its marker file assigns to a priority."""
    out = [m for m in priorities.metrics if m.frequency != "monthly"]
    have = {m.id for m in out} | {m.indicator_id for m in out if m.indicator_id}
    assigned = (getattr(store, "meta", None) or {}).get("priorities", {}) if getattr(store, "kind", "") == "demo" else {}
    if assigned:
        ind = store.indicators().set_index("indicator_id")
        known = {p.id for p in priorities.priorities}
        for indicator_id, priority in assigned.items():
            if indicator_id in have or indicator_id not in ind.index or priority not in known:
                continue
            row = ind.loc[indicator_id]
            out.append(Metric(id=indicator_id, title=str(row["name"]), priority=priority,
                              service_area="public_health", source=str(row["source"]), indicator_id=indicator_id,
                              frequency="annual", polarity=str(row["polarity"]),
                              value_type=str(row["value_type"]), unit=str(row["unit"]),
                              description=str(row["name"])))
    order = {p.id: i for i, p in enumerate(priorities.priorities)}
    return sorted(out, key=lambda m: order.get(m.priority, 99))


def _locality_name(store, area_code: str, locality: str) -> str:
    names = _area_names(store)
    if locality in names:
        return names[locality]
    from thanalysis.geography.places import localities_for

    table = localities_for(area_code)
    if table is not None:
        match = table.loc[table["locality_code"] == locality, "locality_name"]
        if len(match):
            return str(match.iloc[0])
    raise DataError(f"Locality {locality!r} is not known for {area_code}.", column="locality", values=[locality],
                    expected="a locality code from the store's areas or data/localities/<area_code>.csv")


def _analyse(store, metric: Metric, priorities: Priorities, area_code: str, locality: str | None,
             window_months: int, rebase: Mapping | None) -> MetricResult:
    series = pd.DataFrame(columns=SERIES_COLUMNS)
    notes = []
    if locality:
        series = metric_series(store, metric, locality, priorities=priorities)
        if series.empty:
            notes.append("no locality figure; the borough-wide figure is shown")
    if series.empty:
        series = metric_series(store, metric, area_code, priorities=priorities)
    title = priorities.priority(metric.priority).title
    if series.empty:
        return MetricResult(metric, title, area_code, "", "none", series, status="no data",
                            notes=["no data for this area in the data root or the extracts"])
    if metric.frequency == "monthly":
        series = series[series["period"].str.fullmatch(_MONTH)]
        series = latest_window(series, window_months)
    result = MetricResult(metric, title, str(series["area_code"].iloc[0]), str(series["area_name"].iloc[0]),
                          str(series["level"].iloc[0]), series, notes=notes)
    if metric.frequency == "monthly":
        if len(series) < 2:
            result.status = "too few points"
            return result
        spc_table, cautions = metric_spc(series, metric, rebase=(rebase or {}).get(metric.id))
        from thanalysis.stats.spc import spc_summary

        summary = spc_summary(spc_table)
        result.spc = spc_table
        result.summary = summary[summary["is_latest_phase"]].iloc[-1].to_dict()
        result.episodes = special_cause_episodes(spc_table)
        if bool(result.summary.get("too_few_points")):
            result.status = "too few points"
            result.notes.append("fewer than 12 points: limits are unreliable, treat signals with caution")
        result.notes += [c for c in cautions if "fewer than" not in c]
    else:
        trend = annual_trend(series, metric)
        latest = trend.iloc[-1]
        result.trend = {"period": latest["period"], "value": latest["value"],
                        "recent_trend": latest["recent_trend"], "reason": latest["recent_trend_reason"]}
    return result


def build_dashboard(store, area_code: str | None = None, window_months: int = DEFAULT_WINDOW_MONTHS,
                    locality: str | None = None, *, priorities: Priorities | None = None,
                    rebase: Mapping[str, Sequence] | None = None) -> Dashboard:
    """Run SPC on every monthly metric and the recent trend on every annual indicator for the borough
    ``area_code`` (default: the store's home borough) or one of its localities.

    ``rebase`` maps metric ids to the months where a new phase starts (limits recalculated there), e.g.
    after a change in how a metric is counted.
    """
    pri = _priorities(priorities)
    area_code = str(area_code or store.home_area_code)
    names = _area_names(store)
    locality_name = _locality_name(store, area_code, str(locality)) if locality else None
    metrics = [m for m in pri.metrics if m.frequency == "monthly"] + annual_metrics(store, pri)
    results = [_analyse(store, m, pri, area_code, str(locality) if locality else None, window_months, rebase)
               for m in metrics]
    order = {p.id: i for i, p in enumerate(pri.priorities)}
    results.sort(key=lambda r: (order.get(r.metric.priority, 99), not r.is_monthly))
    dash = Dashboard(area_code, names.get(area_code, area_code), str(locality) if locality else None,
                     locality_name, int(window_months), pri, results)
    if locality:
        local = [r for r in results if r.level == "locality"]
        if not local:
            dash.notes.append(
                f"No metric on this dashboard is published for {locality_name} on its own. The figures below "
                f"are for the whole of {dash.area_name} (or for the hospital trust that serves it), the same "
                "in every locality's pack; a locality extract would show the locality's own picture.")
    return dash


def dashboard_table(store, area_code: str | None = None, window_months: int = DEFAULT_WINDOW_MONTHS,
                    locality: str | None = None, **kwargs) -> pd.DataFrame:
    """The summary matrix (see :func:`summary_matrix`) of :func:`build_dashboard`."""
    return build_dashboard(store, area_code, window_months, locality, **kwargs).table


# ==============================================================================================================
# The summary matrix
# ==============================================================================================================
def format_metric_value(value, metric: Metric) -> str:
    """A value as the dashboard shows it: 81.4% for proportions, 1,234 for counts, 9.1 µg/m³ ..."""
    from thanalysis.narrative import format_value

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no data"
    if metric.value_type == "proportion":
        return format_value(float(value), "proportion", multiplier=1)
    if metric.value_type == "count":
        return f"{float(value):,.0f}"
    unit = {"micrograms per cubic metre": "µg/m³"}.get(metric.unit, metric.unit)
    return format_value(float(value), metric.value_type, unit=unit)


def period_label(period: str) -> str:
    """``2025-03`` → ``Mar 2025``; other labels unchanged."""
    if isinstance(period, str) and len(period) == 7 and period[4] == "-":
        return pd.Timestamp(period + "-01").strftime("%b %Y")
    return str(period)


def signal_summary(episodes: pd.DataFrame) -> str:
    """``shift (concern) Jul 2023-Mar 2025; outside limits (concern) Sep 2022``: the headline signals
    (points outside or near the limits inside a shift or trend of the same meaning are folded into it)."""
    from thanalysis.narrative.dashboard import headline_episodes

    words = {"outside_limits": "outside limits", "shift": "shift", "trend": "trend", "two_in_three": "2 of 3 near limit"}
    parts = []
    for ep in headline_episodes(episodes).itertuples(index=False):
        span = f"{ep.start:%b %Y}" if ep.n_points == 1 or ep.start == ep.end else f"{ep.start:%b %Y}-{ep.end:%b %Y}"
        parts.append(f"{words[ep.rule]} ({ep.meaning}) {span}")
    return "; ".join(parts)


def summary_matrix(dash: Dashboard) -> pd.DataFrame:
    """One row per metric shown: latest value, variation and assurance (monthly), recent trend (annual)."""
    rows = []
    for r in dash.results:
        m = r.metric
        row = dict.fromkeys(TABLE_COLUMNS)
        row.update(priority_id=m.priority, priority=r.priority_title, metric_id=m.id, metric=m.title,
                   frequency=m.frequency, area_code=r.area_code, area_name=r.area_name, level=r.level,
                   value_type=m.value_type, unit=m.unit, status=r.status, note="; ".join(r.notes),
                   target=m.target.value if m.target else np.nan, special_cause=False, special_cause_points=0)
        if r.status != "no data":
            latest = r.series.iloc[-1]
            row.update(latest_period=latest["period"], latest_value=float(latest["value"]),
                       latest_text=format_metric_value(float(latest["value"]), m), n_points=len(r.series),
                       first_period=r.series["period"].iloc[0])
        if r.summary is not None:
            s = r.summary
            row.update(mean=s["mean"], lpl=s["lpl"], upl=s["upl"], variation_type=s["variation_type"],
                       variation_side=s["variation_side"] or "", assurance_type=s["assurance_type"],
                       special_cause=r.is_special_cause,
                       special_cause_points=int((r.spc["point_type"] != "common_cause").sum()),
                       signals=signal_summary(r.episodes))
        if r.trend is not None:
            row["recent_trend"] = r.trend["recent_trend"]
            row["recent_trend_reason"] = r.trend["reason"]
        rows.append(row)
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


# ==============================================================================================================
# Display helpers for notebook cells (HTML strings; the icons carry their own text alternatives)
# ==============================================================================================================
_VARIATION_SHORT = {
    "common_cause": "No unusual change",
    "special_cause_improvement": "Improvement",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Unusually high",
    "special_cause_neutral_low": "Unusually low",
}
_ASSURANCE_SHORT = {
    "consistent_pass": "Target reliably met",
    "consistent_fail": "Target reliably missed",
    "inconsistent": "Hit and miss",
    "no_target": "No target",
    "not_applicable": "No target",
}


def _icon_cell(svg: str, text: str) -> str:
    return (f'<td class="dash-icon"><span style="display:inline-flex;align-items:center;gap:0.4em">{svg}'
            f'<span>{html.escape(text)}</span></span></td>')


def matrix_html(dash: Dashboard, priority_id: str) -> str:
    """The summary matrix of one priority as an accessible HTML table with Making Data Count icons."""
    from thanalysis.figures.spc_icons import assurance_icon, variation_icon

    table = summary_matrix(dash)
    table = table[(table["priority_id"] == priority_id) & (table["status"] != "no data")]
    if table.empty:
        return ""
    title = dash.priorities.priority(priority_id).title
    body = []
    for row in table.itertuples(index=False):
        # the metric titles already name a trust; a locality pack flags borough-wide figures
        where = " (whole-borough figure)" if dash.locality and row.level == "borough" else ""
        name = f'<th scope="row">{html.escape(row.metric)}<span class="dash-where">{html.escape(where)}</span></th>'
        latest = (f'<td class="num">{html.escape(row.latest_text or "")}'
                  f'<br><span class="dash-period">{html.escape(period_label(row.latest_period or ""))}</span></td>')
        if row.frequency == "monthly" and isinstance(row.variation_type, str):
            m = dash.priorities.metric(row.metric_id)
            variation = _icon_cell(variation_icon(row.variation_type, m.improvement_direction,
                                                  row.variation_side or None, size=32),
                                   _VARIATION_SHORT.get(row.variation_type, ""))
            assurance = _icon_cell(assurance_icon(row.assurance_type, size=32),
                                   _ASSURANCE_SHORT.get(row.assurance_type, ""))
            target = format_metric_value(row.target, m) if np.isfinite(row.target) else "–"
            signals = html.escape(row.signals or "None")
            span = f"{period_label(row.first_period)} to {period_label(row.latest_period)}"
            context = (f'<td>{signals}<br><span class="dash-period">{html.escape(span)}, '
                       f'{int(row.n_points)} months</span></td>')
        else:
            variation = '<td colspan="2">' + html.escape(annual_trend_text(row.recent_trend, row.recent_trend_reason)) + "</td>"
            assurance = ""
            target = "–"
            context = f'<td>Annual indicator: {int(row.n_points)} {"year" if int(row.n_points) == 1 else "years"} of data</td>'
        body.append(f"<tr>{name}{latest}{variation}{assurance}<td>{html.escape(target)}</td>{context}</tr>")
    head = ("<tr><th scope=\"col\">Metric</th><th scope=\"col\" class=\"num\">Latest</th>"
            "<th scope=\"col\">Variation</th><th scope=\"col\">Assurance</th><th scope=\"col\">Target</th>"
            "<th scope=\"col\">Special cause signals in the window</th></tr>")
    style = ("<style>.dash-matrix td,.dash-matrix th{vertical-align:middle;padding:0.3em 0.5em}"
             ".dash-matrix .dash-period,.dash-matrix .dash-where{font-size:0.85em;color:#4a4a4a}"
             ".dash-matrix .dash-icon{white-space:nowrap}</style>")
    return (f'{style}<div class="th-table-wrap"><table class="th-table dash-matrix">'
            f"<caption>{html.escape(title)}: latest value, variation and assurance of each metric "
            f"({html.escape(dash.title_area)})</caption><thead>{head}</thead><tbody>{''.join(body)}</tbody>"
            "</table></div>")


def annual_trend_text(label, reason) -> str:
    """``Recent trend: increasing and getting better`` or why it cannot be calculated."""
    if not isinstance(label, str) or not label:
        return "No recent trend"
    if label.startswith("Cannot"):
        why = {"Not enough data points": "fewer than the five years needed"}.get(str(reason), str(reason or "").lower())
        return f"Recent trend cannot be calculated ({why})" if why else "Recent trend cannot be calculated"
    return f"Recent trend: {label[0].lower() + label[1:]}"


def overview_counts(dash: Dashboard) -> dict[str, int]:
    """How many monthly metrics show each kind of latest-point variation, and how many have any signal."""
    table = summary_matrix(dash)
    monthly = table[(table["frequency"] == "monthly") & table["variation_type"].notna()]
    return {
        "monthly_metrics": int(len(monthly)),
        "latest_concern": int((monthly["variation_type"] == "special_cause_concern").sum()),
        "latest_improvement": int((monthly["variation_type"] == "special_cause_improvement").sum()),
        "latest_common_cause": int((monthly["variation_type"] == "common_cause").sum()),
        "any_special_cause": int(monthly["special_cause"].astype(bool).sum()),
        "annual_indicators": int(((table["frequency"] != "monthly") & (table["status"] != "no data")).sum()),
        "not_available": int((table["status"] == "no data").sum()),
    }


__all__ = ["metric_series", "metric_spc", "special_cause_episodes", "annual_trend", "build_dashboard",
           "dashboard_table", "summary_matrix", "matrix_html", "Dashboard", "MetricResult", "latest_window",
           "store_indicator_id", "annual_metrics", "overview_counts", "format_metric_value", "period_label",
           "DEFAULT_WINDOW_MONTHS"]
