"""The system performance dashboard: key metrics per priority, read the Making Data Count way.

The Board asked for "a dashboard of key metrics aligned to our priorities" with "a meaningful
narrative to explain trends", shared with locality committees (THT Board update, 2 May).
:func:`run_dashboard` finds, for each metric in ``data/priorities.yml``, its series for the borough (or a
locality), then:

- **monthly metrics**: an XmR statistical process control chart (:func:`thanalysis.stats.spc.spc`) over
  the last ``window_months`` months, with the improvement direction from the metric's polarity and
  its target or trajectory from the priorities file; the latest point's *variation* and the
  *assurance* against the target become the two icons of the summary matrix, and every special
  cause signal in the window is an episode (:mod:`thanalysis.stats.episodes`: which rule, which months,
  improvement or concern) for the narrative;
- **annual indicators**: the Fingertips recent trend (:func:`thanalysis.stats.trend.recent_trend`).

It returns a :class:`DashboardResults`: one :class:`MetricResult` per metric and the tables and counts the
report publishes. Small numbers are withheld from all of it by the rules of :mod:`thanalysis.stats.disclosure`
(each result's ``withheld`` months; ``shown``: its latest value, mean and limits as published), while the SPC
uses the true numbers. Compute only: the icons, the matrix and the charts are drawn by
:mod:`thanalysis.figures.dashboard`, the words (formatted values, signals, narrative) come from
:mod:`thanalysis.narrative.dashboard`.

Where a series comes from: :func:`metric_series` (analyst extracts, the store's values, the published
extracts of ``data/sources.yml``). A locality pack shows each metric for the locality when a locality series
exists, else the borough (or trust) figure, and says so. Adding a metric: README, "Adding a dashboard metric".
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from thanalysis.analyses.dashboard_series import SERIES_COLUMNS, latest_window, metric_series, month_gaps
from thanalysis.data.extracts import metric_values
from thanalysis.geography.places import area_name, locality_names
from thanalysis.priorities import Metric, Priorities, check_window_months, load_priorities
from thanalysis.stats.disclosure import (
    DEFAULT_THRESHOLD,
    SUPPRESSED_NOTE,
    round_derived,
    series_withheld,
    trend_withheld,
    withheld_cells,
)
from thanalysis.stats.episodes import (
    empty_episodes,
    headline_episodes,
    ongoing_meaning,
    special_cause_episodes,
    split_step_changes,
)
from thanalysis.stats.spc import SpcWarning, spc, spc_summary
from thanalysis.stats.trend import recent_trend

#: The dashboard's default span: three years of monthly points (Making Data Count suggests 15-20 at least).
DEFAULT_WINDOW_MONTHS = 36
#: Columns of the summary matrix, one row per metric (numbers and codes; the narrative adds the words).
MATRIX_COLUMNS = [
    "priority_id", "priority", "metric_id", "metric", "frequency", "area_code", "area_name", "level",
    "latest_period", "latest_value", "value_type", "unit", "n_points", "first_period",
    "mean", "lpl", "upl", "target", "variation_type", "variation_side", "assurance_type",
    "special_cause", "special_cause_points", "recent_trend", "recent_trend_reason", "status", "note",
]
_MONTH = r"\d{4}-(0[1-9]|1[0-2])"


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


def annual_trend(series: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The Fingertips recent trend of an annual series (latest row carries the label)."""
    data = series.copy()
    if metric.value_type == "proportion" and data["count"].notna().all() and data["denominator"].notna().all():
        return recent_trend(data, "period", value_type="proportion", count="count", denominator="denominator",
                            value=None, polarity=metric.polarity)
    return recent_trend(data, "period", value_type="other", value="value", lower_ci="lower_ci_95",
                        upper_ci="upper_ci_95", polarity=metric.polarity)


# ==============================================================================================================
# Results
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
    #: every special-cause signal in the window (:func:`thanalysis.stats.episodes.special_cause_episodes`)
    episodes: pd.DataFrame = field(default_factory=empty_episodes)
    #: the signals worth a sentence (:func:`thanalysis.stats.episodes.headline_episodes`)
    headline: pd.DataFrame = field(default_factory=empty_episodes)
    #: the headline signals split into changes and the before-side of a change (``split_step_changes``)
    changes: pd.DataFrame = field(default_factory=empty_episodes)
    before_change: pd.DataFrame = field(default_factory=empty_episodes)
    #: ``concern`` / ``improvement`` of the changes still running at the latest month, else ``None``
    ongoing: str | None = None
    trend: dict | None = None
    status: str = "ok"  # ok | no data | too few points
    gaps: list[dict] = field(default_factory=list)  #: months missing in the window (:func:`month_gaps`)
    notes: list[str] = field(default_factory=list)
    #: the months of ``series`` whose count is withheld from publication (small numbers and what protects them)
    withheld: np.ndarray | None = None
    #: per month, its phase's mean and limits are published exact (0), rounded (1) or not at all (2)
    derived: np.ndarray | None = None
    #: what may be published of ``latest_value``, ``mean``, ``lpl``, ``upl`` (withheld: NaN; derived: rounded)
    shown: dict = field(default_factory=dict)
    #: counts below this are small numbers (the narrative says "fewer than" it)
    threshold: int = DEFAULT_THRESHOLD

    @property
    def is_special_cause(self) -> bool:
        """Any special-cause point in the window (not only the latest)."""
        return self.spc is not None and bool((self.spc["point_type"] != "common_cause").any())

    @property
    def is_monthly(self) -> bool:
        return self.metric.frequency == "monthly"

    @property
    def latest_withheld(self) -> bool:
        return self.withheld is not None and bool(self.withheld[-1:].any())

    @property
    def latest_date(self):
        """The date of the latest month on the chart (``None`` without a chart)."""
        return None if self.spc is None else self.spc["date"].max()


@dataclass
class DashboardResults:
    """The dashboard for one borough or locality: one :class:`MetricResult` per metric, and the tables and
    counts it publishes."""

    area_code: str
    area_name: str
    locality: str | None
    locality_name: str | None
    window_months: int
    priorities: Priorities
    results: list[MetricResult]
    notes: list[str]
    #: the summary matrix (:data:`MATRIX_COLUMNS`), one row per metric
    table: pd.DataFrame
    #: every monthly point with its limits and point type (for publication)
    series: pd.DataFrame
    #: how many monthly metrics show each kind of latest-point variation (see :func:`overview_counts`)
    counts: dict[str, int]
    #: metrics of the priorities file with no data for this area: ``priority, metric, frequency``
    missing_table: pd.DataFrame
    #: the report's key figures (``summary.json``)
    summary: dict

    @property
    def title_area(self) -> str:
        return self.locality_name or self.area_name

    @property
    def variation_counts_agree(self) -> bool:
        """Every monthly metric has exactly one latest-point variation type in :attr:`counts`."""
        neutral = sum(r.summary["variation_type"].startswith("special_cause_neutral") for r in self.monthly())
        c = self.counts
        return c["monthly_metrics"] == c["latest_concern"] + c["latest_improvement"] + c["latest_common_cause"] + neutral

    def priority_ids(self) -> list[str]:
        """Priorities with at least one metric shown, in file order."""
        shown = {r.metric.priority for r in self.results if r.status != "no data"}
        return [p.id for p in self.priorities.priorities if p.id in shown]

    def for_priority(self, priority_id: str) -> list[MetricResult]:
        return [r for r in self.results if r.metric.priority == priority_id and r.status != "no data"]

    def monthly(self) -> list[MetricResult]:
        return [r for r in self.results if r.is_monthly and r.spc is not None]


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


def _add_spc(result: MetricResult, rebase: Sequence | None) -> None:
    """The SPC chart of a monthly result, its latest-phase summary and its special-cause episodes."""
    spc_table, cautions = metric_spc(result.series, result.metric, rebase=rebase)
    summary = spc_summary(spc_table)
    result.gaps = month_gaps(spc_table["date"])  # said in the narrative; the chart breaks its line at gap_before
    after = [g["end"] + pd.DateOffset(months=1) for g in result.gaps]
    result.spc = spc_table.assign(gap_before=spc_table["date"].isin(after))
    result.summary = summary[summary["is_latest_phase"]].iloc[-1].to_dict()
    result.episodes = special_cause_episodes(spc_table)
    result.headline = headline_episodes(result.episodes)
    result.changes, result.before_change = split_step_changes(result.headline)
    result.ongoing = ongoing_meaning(result.changes, result.latest_date)
    if bool(result.summary.get("too_few_points")):
        result.status = "too few points"
        result.notes.append("fewer than 12 points: limits are unreliable, treat signals with caution")
    result.notes += [c for c in cautions if "fewer than" not in c]


def _window(series: pd.DataFrame, metric: Metric, window_months: int) -> pd.DataFrame:
    if metric.frequency != "monthly" or series.empty:
        return series
    return latest_window(series[series["period"].str.fullmatch(_MONTH)], window_months)


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
    series = _window(series, metric, window_months)
    result = MetricResult(metric, title, str(series["area_code"].iloc[0]), str(series["area_name"].iloc[0]),
                          str(series["level"].iloc[0]), series, notes=notes)
    if metric.frequency == "monthly":
        if len(series) < 2:
            result.status = "too few points"
        else:
            _add_spc(result, (rebase or {}).get(metric.id))
    else:
        trend = annual_trend(series, metric)
        latest = trend.iloc[-1]
        result.trend = {"period": latest["period"], "value": latest["value"],
                        "recent_trend": latest["recent_trend"], "reason": latest["recent_trend_reason"]}
    return result


# ==============================================================================================================
# Small numbers: what may be published (rules in thanalysis.stats.disclosure)
# ==============================================================================================================
def _counts(series: pd.DataFrame, metric: Metric) -> np.ndarray:
    """The count behind each month (a count metric's value is its count)."""
    count = series["count"].to_numpy(dtype=float)
    return np.where(np.isnan(count), series["value"].to_numpy(dtype=float), count) if metric.value_type == "count" else count


def _family(store, r: MetricResult, priorities: Priorities, area_code: str, window_months: int,
            rebase: Sequence | None) -> pd.DataFrame | None:
    """The windows of this metric in every pack of the borough (the borough's, each locality's), with phases;
    ``None`` when no pack has a small or missing count of it (nothing to withhold: a quick look first)."""
    codes = [area_code, *locality_names(store, area_code)] if r.level in ("borough", "locality") else [r.area_code]
    found = [metric_values(store, r.metric, c) for c in dict.fromkeys(codes) if c != r.area_code]
    raw = [_counts(r.series, r.metric), *(_counts(f.rows, r.metric) for f in found if f is not None)]
    if not any((np.isnan(c) | ((c > 0) & (c < r.threshold))).any() for c in raw):
        return None
    frames, starts = [], np.sort(pd.to_datetime(list(rebase or [])).to_numpy())
    for code in dict.fromkeys(codes):
        s = r.series if code == r.area_code else _window(
            metric_series(store, r.metric, code, priorities=priorities), r.metric, window_months)
        frames.append(pd.DataFrame({"area_code": code, "period": s["period"].to_numpy(), "count": _counts(s, r.metric),
                                    "phase": np.searchsorted(starts, pd.to_datetime(s["date"]).to_numpy(), "right")}))
    return pd.concat(frames, ignore_index=True)


def _withhold(store, r: MetricResult, priorities: Priorities, area_code: str, window_months: int,
              rebase: Sequence | None) -> None:
    """Set ``r.withheld``, ``r.derived``, ``r.shown``: a chart's months by every rule, a lone value by the first."""
    counts = _counts(r.series, r.metric)
    r.withheld = withheld_cells(counts, threshold=r.threshold) & np.isfinite(counts)
    r.derived = np.zeros(len(r.series), dtype=int)
    family = _family(store, r, priorities, area_code, window_months, rebase) \
        if r.spc is not None and np.isfinite(counts).any() else None
    if family is not None:
        trend = r.spc.attrs["spc_options"]["trend_length"] if r.metric.value_type == "count" else None
        mask = series_withheld(family, phase="phase", total_area=area_code, trend_length=trend, threshold=r.threshold)
        mine = (family["area_code"] == r.area_code).to_numpy()
        r.withheld = r.series["period"].map(dict(zip(family.loc[mine, "period"], mask[mine]))).fillna(False).to_numpy(bool)
        phases = r.spc["rebase_group"].to_numpy()
        r.derived = pd.Series(r.withheld).groupby(phases).transform("any").to_numpy(dtype=int)
        if trend:
            r.derived[trend_withheld(counts, r.withheld, trend, phases)] = 2
    r.shown = {"latest_value": np.nan if r.latest_withheld else float(r.series["value"].iloc[-1])}
    if r.summary is not None:
        r.shown.update({k: float(_derived(r, k)[-1]) for k in ("mean", "lpl", "upl")})


def _derived(r: MetricResult, column: str) -> np.ndarray:
    """A phase mean or limit of each month as published: exact, rounded, or not at all (rule 5)."""
    exact = r.spc[column].to_numpy(dtype=float)
    return np.select([r.derived == 2, r.derived == 1], [np.nan, round_derived(exact, r.metric.value_type)], exact)


# ==============================================================================================================
# The tables and counts the report publishes
# ==============================================================================================================
def summary_matrix(results: Sequence[MetricResult]) -> pd.DataFrame:
    """One row per metric: latest value, variation and assurance (monthly), recent trend (annual)."""
    rows = []
    for r in results:
        m = r.metric
        row = dict.fromkeys(MATRIX_COLUMNS)
        row.update(priority_id=m.priority, priority=r.priority_title, metric_id=m.id, metric=m.title,
                   frequency=m.frequency, area_code=r.area_code, area_name=r.area_name, level=r.level,
                   value_type=m.value_type, unit=m.unit, status=r.status, note="; ".join(r.notes),
                   target=m.target.value if m.target else np.nan, special_cause=False, special_cause_points=0)
        if r.status != "no data":
            latest = r.series.iloc[-1]
            row.update(latest_period=latest["period"], latest_value=r.shown["latest_value"],
                       n_points=len(r.series), first_period=r.series["period"].iloc[0])
        if r.summary is not None:
            s = r.summary
            row.update(mean=r.shown["mean"], lpl=r.shown["lpl"], upl=r.shown["upl"], variation_type=s["variation_type"],
                       variation_side=s["variation_side"] or "", assurance_type=s["assurance_type"],
                       special_cause=r.is_special_cause,
                       special_cause_points=int((r.spc["point_type"] != "common_cause").sum()))
        if r.trend is not None:
            row["recent_trend"] = r.trend["recent_trend"]
            row["recent_trend_reason"] = r.trend["reason"]
        rows.append(row)
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


def overview_counts(table: pd.DataFrame) -> dict[str, int]:
    """From the summary matrix: how many monthly metrics show each kind of latest-point variation, how many
    have any signal, how many annual indicators are shown and how many metrics have no data."""
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


def series_table(results: Sequence[MetricResult]) -> pd.DataFrame:
    """Every monthly point with its limits and point type, as published: a withheld month without its value,
    count and denominator (``value_note`` says so), the mean and limits of its phase rounded."""
    frames = []
    for r in results:
        if not (r.is_monthly and r.spc is not None):
            continue
        s, w = r.spc, r.withheld
        shown = {c: np.where(w, np.nan, np.asarray(v, dtype=float)) for c, v in (
            ("value", s["value"]), ("count", r.series["count"]), ("denominator", r.series["denominator"]))}
        shown.update({c: _derived(r, k) for c, k in (("mean", "mean"), ("lower_process_limit", "lpl"),
                                                     ("upper_process_limit", "upl"))})
        frames.append(pd.DataFrame({
            "metric_id": r.metric.id, "area_code": r.area_code, "period": r.series["period"].to_numpy(),
            **{c: shown[c] for c in ("value", "count", "denominator", "mean", "lower_process_limit",
                                     "upper_process_limit")},
            "target": s["target"].to_numpy(), "point_type": s["point_type"].to_numpy(),
            "special_cause_rule": s["special_cause_rule"].to_numpy(),
            "value_note": np.where(w, SUPPRESSED_NOTE, None)}))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["value_note"])
    table.attrs["suppressed_cells"] = int(table["value_note"].notna().sum())
    return table if table["value_note"].notna().any() else table.drop(columns="value_note")


# ==============================================================================================================
# The report
# ==============================================================================================================
def run_dashboard(store, area_code: str | None = None, window_months: int = DEFAULT_WINDOW_MONTHS,
                  locality: str | None = None, *, priorities: Priorities | None = None,
                  rebase: Mapping[str, Sequence] | None = None) -> DashboardResults:
    """Run SPC on every monthly metric and the recent trend on every annual indicator for the borough
    ``area_code`` (default: the store's home borough) or one of its localities (by code: an unknown code is a
    :class:`~thanalysis.errors.DataError`). A ``window_months`` that is not a whole number of 2 or more is a
    :class:`~thanalysis.errors.ConfigError` before anything is computed.

    ``rebase`` maps metric ids to the months where a new phase starts (limits recalculated there), e.g.
    after a change in how a metric is counted.
    """
    window_months = check_window_months(window_months)  # before anything runs
    pri = priorities if priorities is not None else load_priorities()
    area_code = str(area_code or store.home_area_code)
    locality_code = str(locality) if locality else None
    locality_name = area_name(store, locality_code) if locality_code else None
    metrics = [m for m in pri.metrics if m.frequency == "monthly"] + annual_metrics(store, pri)
    results = [_analyse(store, m, pri, area_code, locality_code, window_months, rebase) for m in metrics]
    for r in results:
        if r.status != "no data":
            _withhold(store, r, pri, area_code, window_months, (rebase or {}).get(r.metric.id))
    order = {p.id: i for i, p in enumerate(pri.priorities)}
    results.sort(key=lambda r: (order.get(r.metric.priority, 99), not r.is_monthly))
    name = area_name(store, area_code, default=area_code)
    notes = []
    if locality_code and not any(r.level == "locality" for r in results):
        notes.append(
            f"No metric on this dashboard is published for {locality_name} on its own. The figures below "
            f"are for the whole of {name} (or for the hospital trust that serves it), the same "
            "in every locality's pack; a locality extract would show the locality's own picture.")
    table = summary_matrix(results)
    counts = overview_counts(table)
    summary = {"area_code": area_code, "locality": locality_code, "window_months": window_months, **counts,
               "special_cause_metrics": sorted(r.metric.id for r in results
                                               if r.is_monthly and r.spc is not None and r.is_special_cause)}
    missing = table.loc[table["status"] == "no data", ["priority", "metric", "frequency"]]
    return DashboardResults(area_code, name, locality_code, locality_name, int(window_months), pri, results, notes,
                            table, series_table(results), counts, missing.reset_index(drop=True), summary)


__all__ = ["run_dashboard", "DashboardResults", "MetricResult", "metric_series",
           "metric_spc", "annual_trend", "annual_metrics", "summary_matrix", "overview_counts", "series_table",
           "latest_window", "month_gaps", "DEFAULT_WINDOW_MONTHS", "SERIES_COLUMNS", "MATRIX_COLUMNS"]
