"""The system performance dashboard: key metrics per priority, read the Making Data Count way.

The Board asked for "a dashboard of key metrics aligned to our priorities" with "a meaningful
narrative to explain trends", shared with locality committees (THT Board update, 2 May).
:func:`run_dashboard` finds, for each metric in ``data/priorities.yml`` (and each sex it lists), its series for the
borough (or a locality, or the NHS trust that serves the borough), then:

- **periodic metrics** (monthly or quarterly): an XmR statistical process control chart
  (:func:`thanalysis.stats.spc.spc`) over the last ``window_months`` months (quarters: that span, at least 12
  quarters), with the improvement direction from the metric's polarity and its target or trajectory from the
  priorities file; the latest point's *variation* and the *assurance* against the target become the two icons of
  the summary matrix, and every special cause signal in the window is an episode (:mod:`thanalysis.stats.episodes`:
  which rule, which periods, improvement or concern) for the narrative;
- **annual indicators**: the Fingertips recent trend (:func:`thanalysis.stats.trend.recent_trend`) where the last
  five values have counts and denominators (proportions) or confidence intervals; otherwise a *direction of travel*
  (:func:`thanalysis.stats.trend.direction_of_travel`), which claims no significance.

Every result carries its **data currency** (:func:`thanalysis.analyses.dashboard_currency.data_currency`: the
period its latest value covers, when the source was published, whether it is out of date on the build date
``today``) and, for a trust's figure, the latest values of the areas it is compared with (other trusts,
England). A trust's figures are the whole trust's (level ``trust``), never the borough's.

It returns a :class:`DashboardResults`: one :class:`MetricResult` per metric and sex and the tables and counts the
report publishes (:mod:`thanalysis.analyses.dashboard_tables`). Small numbers are withheld from all of it by the
rules of :mod:`thanalysis.stats.disclosure` (:mod:`thanalysis.analyses.dashboard_disclosure`), while the SPC uses
the true numbers. Compute only: the icons, the matrix and the charts are drawn by
:mod:`thanalysis.figures.dashboard`, the words come from :mod:`thanalysis.narrative.dashboard`.

Where a series comes from: :func:`metric_series` (analyst extracts, the store's values, the published extracts of
``data/sources.yml``). A locality pack shows a metric as the locality's only when a locality series exists; a
metric published only for the whole borough or the trust is *context* (``MetricResult.context``): listed once,
with its own area's name, never as the locality's figure, and not charted. Adding a metric: README, "Adding a
dashboard metric".
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from thanalysis.analyses.dashboard_currency import (
    CURRENCY_KEYS,
    build_date,
    comparator_latest,
    data_currency,
    indicator_published,
)
from thanalysis.analyses.dashboard_disclosure import withhold
from thanalysis.analyses.dashboard_series import (
    PERIOD_MONTHS,
    SERIES_COLUMNS,
    FoundSeries,
    latest_window,
    metric_found,
    metric_series,
    period_gaps,
    periodic_window,
)
from thanalysis.analyses.dashboard_tables import (
    MATRIX_COLUMNS,
    metric_summaries,
    overview_counts,
    series_table,
    summary_matrix,
)
from thanalysis.geography.places import area_name
from thanalysis.priorities import Metric, Priorities, check_window_months, load_priorities
from thanalysis.stats.disclosure import DEFAULT_THRESHOLD
from thanalysis.stats.episodes import (
    empty_episodes,
    headline_episodes,
    ongoing_meaning,
    special_cause_episodes,
    split_step_changes,
)
from thanalysis.stats.spc import SpcWarning, spc, spc_summary
from thanalysis.stats.trend import (
    CANNOT,
    DIRECTION_METHOD,
    REASON_MISSING,
    REASON_MISSING_CI,
    REASON_TOO_FEW,
    TREND_POINTS,
    direction_of_travel,
    recent_trend,
)

#: The dashboard's default span: three years of monthly points (Making Data Count suggests 15-20 at least).
DEFAULT_WINDOW_MONTHS = 36
#: How the recent trend is named beside its label.
RECENT_TREND_METHOD = "Fingertips recent trend: a test for trend over the last 5 values, significant at 99.8%"


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


def metric_spc(series: pd.DataFrame, metric: Metric, *,
               rebase: Sequence | None = None) -> tuple[pd.DataFrame, list[str]]:
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


def annual_trend(series: pd.DataFrame, metric: Metric) -> dict:
    """The trend of an annual series: the Fingertips recent trend where its last five values have counts and
    denominators (proportions) or 95% confidence intervals; otherwise (or with fewer than five values) the direction
    of travel of its values, which claims no significance. Keys: ``period`` and ``value`` (latest), ``method``,
    ``recent_trend`` and ``reason`` (the recent trend's label and reason, ``None`` for a direction of travel),
    ``direction``, ``direction_meaning`` (better/worse, ``None`` without a polarity), ``direction_from`` (the
    period the direction is measured from) and ``direction_points`` (the values it uses)."""
    data = series.reset_index(drop=True)
    last = data.tail(TREND_POINTS)
    counted = metric.value_type == "proportion" and last["count"].notna().all() and last["denominator"].notna().all()
    if counted:
        trend = recent_trend(data, "period", value_type="proportion", count="count", denominator="denominator",
                             value=None, polarity=metric.polarity)
    else:
        trend = recent_trend(data, "period", value_type="other", value="value", lower_ci="lower_ci_95",
                             upper_ci="upper_ci_95", polarity=metric.polarity)
    latest = trend.iloc[-1]
    out = {"period": latest["period"], "value": latest["value"], "method": RECENT_TREND_METHOD,
           "recent_trend": latest["recent_trend"], "reason": latest["recent_trend_reason"], "direction": None,
           "direction_meaning": None, "direction_from": None, "direction_points": None}
    if latest["recent_trend"] == CANNOT and latest["recent_trend_reason"] in (REASON_TOO_FEW, REASON_MISSING_CI,
                                                                              REASON_MISSING):
        d = direction_of_travel(data["value"], metric.polarity)
        if d["direction"] is not None:
            out.update(method=DIRECTION_METHOD.format(n=d["n"]), recent_trend=None, reason=None,
                       direction=d["direction"], direction_meaning=d["meaning"],
                       direction_from=str(data["period"].iloc[d["first_position"]]), direction_points=d["n"])
    return out


# ==============================================================================================================
# Results
# ==============================================================================================================
@dataclass
class MetricResult:
    """Everything the dashboard knows about one metric (and sex) for one area."""

    metric: Metric
    priority_title: str
    area_code: str
    area_name: str
    level: str  # locality | borough | trust | none
    series: pd.DataFrame
    #: the sex the figures are for (``Persons`` unless the metric lists ``sexes``)
    sex: str = "Persons"
    #: in a locality pack, a figure published only for the whole borough or trust: listed, never the locality's
    context: bool = False
    #: the period the latest value covers, when published, out of date or not (:func:`data_currency`)
    currency: dict = field(default_factory=dict)
    #: the series of the areas a trust is compared with, over the chart's window (same columns as ``series``)
    comparators: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SERIES_COLUMNS))
    #: the latest value of each of those areas (:func:`comparator_latest`)
    comparator_latest: list[dict] = field(default_factory=list)
    spc: pd.DataFrame | None = None
    summary: dict | None = None
    #: every special-cause signal in the window (:func:`thanalysis.stats.episodes.special_cause_episodes`)
    episodes: pd.DataFrame = field(default_factory=empty_episodes)
    #: the signals worth a sentence (:func:`thanalysis.stats.episodes.headline_episodes`)
    headline: pd.DataFrame = field(default_factory=empty_episodes)
    #: the headline signals split into changes and the before-side of a change (``split_step_changes``)
    changes: pd.DataFrame = field(default_factory=empty_episodes)
    before_change: pd.DataFrame = field(default_factory=empty_episodes)
    #: ``concern`` / ``improvement`` of the changes that reach the latest period, else ``None`` (running *now*
    #: only if the series is not out of date: see :attr:`out_of_date`)
    ongoing: str | None = None
    trend: dict | None = None
    status: str = "ok"  # ok | no data | too few points
    gaps: list[dict] = field(default_factory=list)  #: periods missing in the window (:func:`period_gaps`)
    notes: list[str] = field(default_factory=list)
    #: the periods of ``series`` whose count is withheld from publication (small numbers and what protects them)
    withheld: np.ndarray | None = None
    #: per period, its phase's mean and limits are published exact (0), rounded (1) or not at all (2)
    derived: np.ndarray | None = None
    #: what may be published of ``latest_value``, ``mean``, ``lpl``, ``upl`` (withheld: NaN; derived: rounded)
    shown: dict = field(default_factory=dict)
    #: counts below this are small numbers (the narrative says "fewer than" it)
    threshold: int = DEFAULT_THRESHOLD

    @property
    def label(self) -> str:
        """The metric's title, with its sex when it is shown by sex: ``Life expectancy at birth (Female)``."""
        return self.metric.title if self.sex == "Persons" else f"{self.metric.title} ({self.sex})"

    @property
    def is_special_cause(self) -> bool:
        """Any special-cause point in the window (not only the latest)."""
        return self.spc is not None and bool((self.spc["point_type"] != "common_cause").any())

    @property
    def is_periodic(self) -> bool:
        """A monthly or quarterly metric (charted with SPC)."""
        return self.metric.frequency in PERIOD_MONTHS

    @property
    def period_word(self) -> str:
        """``month``, ``quarter`` or ``year``: what one point of the series is."""
        return {"monthly": "month", "quarterly": "quarter"}.get(self.metric.frequency, "year")

    @property
    def out_of_date(self) -> bool:
        return bool(self.currency.get("out_of_date"))

    @property
    def latest_withheld(self) -> bool:
        return self.withheld is not None and bool(self.withheld[-1:].any())

    @property
    def latest_date(self):
        """The date of the latest period on the chart (``None`` without a chart)."""
        return None if self.spc is None else self.spc["date"].max()


@dataclass
class DashboardResults:
    """The dashboard for one borough or locality: one :class:`MetricResult` per metric and sex, and the tables and
    counts it publishes."""

    area_code: str
    area_name: str
    locality: str | None
    locality_name: str | None
    window_months: int
    priorities: Priorities
    results: list[MetricResult]
    notes: list[str]
    #: the summary matrix (:data:`MATRIX_COLUMNS`), one row per metric and sex
    table: pd.DataFrame
    #: every charted point with its limits and point type (for publication)
    series: pd.DataFrame
    #: how many charted metrics show each kind of latest-point variation (see :func:`overview_counts`)
    counts: dict[str, int]
    #: metrics of the priorities file with no data for this area: ``priority, metric, frequency``
    missing_table: pd.DataFrame
    #: the report's key figures (``summary.json``), with each metric's currency under ``metrics``
    summary: dict
    #: the date the pack was built for (what "out of date" is measured against)
    today: pd.Timestamp | None = None

    @property
    def title_area(self) -> str:
        return self.locality_name or self.area_name

    @property
    def variation_counts_agree(self) -> bool:
        """Every charted metric has exactly one latest-point variation type in :attr:`counts`."""
        neutral = sum(r.summary["variation_type"].startswith("special_cause_neutral") for r in self.charted())
        c = self.counts
        return c["spc_metrics"] == c["latest_concern"] + c["latest_improvement"] + c["latest_common_cause"] + neutral

    def own(self) -> list[MetricResult]:
        """The results shown as this pack's area's own (not no-data, not context)."""
        return [r for r in self.results if r.status != "no data" and not r.context]

    def context(self) -> list[MetricResult]:
        """In a locality pack: the metrics published only for the whole borough or the trust (listed once)."""
        return [r for r in self.results if r.status != "no data" and r.context]

    def priority_ids(self) -> list[str]:
        """Priorities with at least one metric shown as the area's own, in file order."""
        shown = {r.metric.priority for r in self.own()}
        return [p.id for p in self.priorities.priorities if p.id in shown]

    def for_priority(self, priority_id: str) -> list[MetricResult]:
        return [r for r in self.own() if r.metric.priority == priority_id]

    def charted(self) -> list[MetricResult]:
        """The periodic (monthly or quarterly) results with an SPC chart."""
        return [r for r in self.own() if r.is_periodic and r.spc is not None]

    def out_of_date(self) -> list[MetricResult]:
        return [r for r in self.own() if r.out_of_date]


def annual_metrics(store, priorities: Priorities) -> list[Metric]:
    """Annual and quarterly metrics for the dashboard: those in data/priorities.yml, plus (on the demo) the store's
    annual indicators that its marker file assigns to a priority."""
    out = [m for m in priorities.metrics if m.frequency != "monthly"]
    have = {m.id for m in out} | {m.indicator_id for m in out if m.indicator_id}
    demo = getattr(store, "kind", "") == "demo"
    assigned = (getattr(store, "meta", None) or {}).get("priorities", {}) if demo else {}
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
    """The SPC chart of a periodic result, its latest-phase summary and its special-cause episodes."""
    spc_table, cautions = metric_spc(result.series, result.metric, rebase=rebase)
    summary = spc_summary(spc_table)
    step = PERIOD_MONTHS[result.metric.frequency]
    result.gaps = period_gaps(spc_table["date"], step)  # said in the narrative; the chart breaks its line there
    after = [g["end"] + pd.DateOffset(months=step) for g in result.gaps]
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


def _found(store, metric: Metric, priorities: Priorities, area_code: str, locality: str | None,
           sex: str) -> tuple[FoundSeries, bool]:
    """The series a pack shows for a metric, and whether it is context (a locality pack's borough/trust figure)."""
    if locality:
        found = metric_found(store, metric, locality, priorities=priorities, sex=sex)
        if not found.series.empty:
            return found, False
    return metric_found(store, metric, area_code, priorities=priorities, sex=sex), bool(locality)


def _analyse(store, metric: Metric, priorities: Priorities, area_code: str, locality: str | None,
             window_months: int, rebase: Mapping | None, sex: str, today) -> MetricResult:
    found, context = _found(store, metric, priorities, area_code, locality, sex)
    title = priorities.priority(metric.priority).title
    if found.series.empty:
        return MetricResult(metric, title, area_code, "", "none", found.series, sex=sex, status="no data",
                            notes=["no data for this area in the data root or the extracts"])
    series = periodic_window(found.series, metric, window_months)
    if series.empty:  # a periodic metric whose rows carry no period of its frequency
        return MetricResult(metric, title, area_code, "", "none", series, sex=sex, status="no data",
                            notes=[f"no {metric.frequency} periods in the series"])
    code, name, level = str(series["area_code"].iloc[0]), str(series["area_name"].iloc[0]), str(series["level"].iloc[0])
    currency = data_currency(series, metric, published=indicator_published(store, found.indicator_id), today=today,
                             level=level, area_code=code, area_name=name)
    comparators = found.comparators
    if len(comparators) and metric.frequency in PERIOD_MONTHS:
        comparators = comparators[comparators["date"] >= series["date"].min()]
    result = MetricResult(metric, title, code, name, level, series, sex=sex, context=context, currency=currency,
                          comparators=comparators.reset_index(drop=True),
                          comparator_latest=comparator_latest(found.comparators))
    if context:
        result.notes.append(f"published only for {name} as a whole: not this locality's figure")
    elif metric.frequency in PERIOD_MONTHS:
        if len(series) < 2:
            result.status = "too few points"
        else:
            _add_spc(result, (rebase or {}).get(metric.id))
    else:
        result.trend = annual_trend(series, metric)
    return result


# ==============================================================================================================
# The report
# ==============================================================================================================
def run_dashboard(store, area_code: str | None = None, window_months: int = DEFAULT_WINDOW_MONTHS,
                  locality: str | None = None, *, priorities: Priorities | None = None,
                  rebase: Mapping[str, Sequence] | None = None, today=None) -> DashboardResults:
    """Run SPC on every periodic (monthly or quarterly) metric and the recent trend or direction of travel on every
    annual indicator for the borough ``area_code`` (default: the store's home borough) or one of its localities
    (by code: an unknown code is a :class:`~thanalysis.errors.DataError`), one result per sex a metric lists. A
    ``window_months`` that is not a whole number of 2 or more is a :class:`~thanalysis.errors.ConfigError` before
    anything is computed. ``today`` is the date a series' currency is judged on (default: the store's ``as_of``
    date, which the synthetic demo sets, else the current date).

    ``rebase`` maps metric ids to the periods where a new phase starts (limits recalculated there), e.g.
    after a change in how a metric is counted.
    """
    window_months = check_window_months(window_months)  # before anything runs
    pri = priorities if priorities is not None else load_priorities()
    area_code = str(area_code or store.home_area_code)
    locality_code = str(locality) if locality else None
    locality_name = area_name(store, locality_code) if locality_code else None
    today = build_date(today, store)
    metrics = [m for m in pri.metrics if m.frequency == "monthly"] + annual_metrics(store, pri)
    results = [_analyse(store, m, pri, area_code, locality_code, window_months, rebase, sex, today)
               for m in metrics for sex in m.sexes]
    for r in results:
        if r.status != "no data":
            withhold(store, r, pri, area_code, window_months, (rebase or {}).get(r.metric.id))
    order = {p.id: i for i, p in enumerate(pri.priorities)}
    results.sort(key=lambda r: (order.get(r.metric.priority, 99), not r.is_periodic))
    name = area_name(store, area_code, default=area_code)
    notes = []
    if locality_code and any(r.context for r in results if r.status != "no data"):
        own = any(r.level == "locality" for r in results if r.status != "no data")
        notes.append(
            ("Only some metrics are" if own else "No metric on this dashboard is")
            + f" published for {locality_name} on its own. The others are published only for the whole of {name} "
            "or for the hospital trust that serves it: they are listed once, under \"Borough-wide and trust-wide "
            "context\", with the area they are for, and are not this locality's figures.")
    table = summary_matrix(results)
    counts = overview_counts(table)
    summary = {"area_code": area_code, "locality": locality_code, "window_months": window_months, **counts,
               "build_date": today.date().isoformat(),
               "priorities_shown": [p.id for p in pri.priorities if any(r.metric.priority == p.id for r in results
                                                                        if r.status != "no data" and not r.context)],
               "special_cause_metrics": sorted(r.metric.id for r in results
                                               if r.spc is not None and not r.context and r.is_special_cause),
               "metrics": metric_summaries(results)}
    missing = table.loc[table["status"] == "no data", ["priority", "metric", "frequency"]]
    return DashboardResults(area_code, name, locality_code, locality_name, int(window_months), pri, results, notes,
                            table, series_table(results), counts, missing.reset_index(drop=True), summary, today)


__all__ = ["run_dashboard", "DashboardResults", "MetricResult", "metric_series", "metric_found",
           "metric_spc", "annual_trend", "annual_metrics", "summary_matrix", "overview_counts", "series_table",
           "latest_window", "period_gaps", "DEFAULT_WINDOW_MONTHS", "SERIES_COLUMNS", "MATRIX_COLUMNS",
           "CURRENCY_KEYS"]
