"""Cross-borough comparison: a borough against its neighbours, its region and the country, and the patients
who cross borough lines.

:func:`run_cross_borough` computes everything ``notebooks/cross_borough.ipynb`` shows and returns it as one
:class:`CrossBoroughResults`; ``thanalysis.figures.cross_borough`` draws it and
``thanalysis.narrative.cross_borough`` words it. The work is done in three modules:

- :mod:`~thanalysis.analyses.cross_borough_areas` – who is compared (comparator groups, region, country, names);
- :mod:`~thanalysis.analyses.cross_borough_values` – indicator values with intervals, benchmark comparisons,
  ranks, spine-chart ranges and recent trends;
- :mod:`~thanalysis.analyses.cross_borough_flows` – registered against resident populations, PCN list sizes and
  flows from where residents live to where they are served;
- :mod:`~thanalysis.analyses.cross_borough_selection` – which indicators, by theme (``data/cross_borough.yml``);
- :mod:`~thanalysis.analyses.cross_borough_series` – one row per series: period, data currency, our comparison with
  the country and the source's own;
- :mod:`~thanalysis.analyses.cross_borough_context` – the share aged 65 and over behind crude prevalences;
- :mod:`~thanalysis.analyses.cross_borough_fingertips` – Fingertips indicators by id, their intervals recomputed
  and checked, and their spine chart.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thanalysis.analyses.cross_borough_areas import (
    ROLE_COUNTRY,
    ROLE_REGION,
    Benchmarks,
    Comparators,
    benchmarks_for,
    la_names,
    map_data,
    resolve_comparators,
)
from thanalysis.analyses.cross_borough_context import OlderShares, older_shares
from thanalysis.analyses.cross_borough_fingertips import fingertips_spine, recompute
from thanalysis.analyses.cross_borough_flows import (
    FlowShares,
    flow_shares,
    flows_by_borough,
    pcn_list_sizes,
    registered_vs_resident,
)
from thanalysis.analyses.cross_borough_selection import Selection, choose_indicators, load_selection
from thanalysis.analyses.cross_borough_series import series_summary
from thanalysis.analyses.cross_borough_values import (
    benchmark_comparisons,
    comparator_table,
    comparator_trends,
    compared,
    la_indicator_ids,
    ranks,
    series_values,
    spine_data,
    values_match_counts,
    wide_values,
)
from thanalysis.data.flows import read_flows_csv
from thanalysis.errors import DataError


@dataclass(frozen=True)
class CrossBoroughResults:
    """Every table and number of the cross-borough report, for one borough and comparator group."""

    area_code: str
    area_name: str
    comparators: Comparators
    benchmarks: Benchmarks
    #: Latest value of each indicator for the borough, its comparators, region and country (comparator_values).
    table: pd.DataFrame
    #: The same values, one row per indicator and one column per area (shown on the page).
    wide: pd.DataFrame
    #: Whether every value recomputed from its own count and denominator matches the published one.
    values_match_counts: bool
    #: The borough against the country and the region, at 95% and 99.8%.
    comparisons: pd.DataFrame
    #: The borough's rank among its comparators (``rank`` of ``of``).
    ranks: pd.DataFrame
    #: Spine chart rows (``drawable`` says which can be drawn).
    spine: pd.DataFrame
    #: The boroughs of the region, each ``group`` chosen / comparator / other, and the outlines to draw.
    map_areas: pd.DataFrame
    map_outlines: pd.DataFrame
    #: Series with several periods, and their recent trends.
    trend_values: pd.DataFrame
    trend_labels: pd.DataFrame
    #: Registered patients against residents (the borough first), and its PCNs' list sizes.
    registered: pd.DataFrame
    pcns: pd.DataFrame
    #: Whether the PCN lists add up to the borough's registered list.
    pcns_add_up: bool
    #: Resident → provider flows summed to boroughs, and their shares (None when the data hold no such flows).
    flows: pd.DataFrame | None
    shares: FlowShares | None
    #: Whether the flow matrix's grand total is the total of the flows.
    flows_add_up: bool
    #: The themes and defaults of data/cross_borough.yml, and how this report's indicators were chosen.
    selection: Selection
    chosen_by: str
    #: One row per series: theme, period and currency, neighbours' range, region and country, our comparison with
    #: the country and the source's own, the crude-prevalence flag and where the values come from.
    series: pd.DataFrame
    #: The date data currency is judged against.
    as_of: pd.Timestamp
    #: Share aged 65 and over in the borough, its neighbours, region and country (None without ages).
    older: OlderShares | None
    #: Fingertips indicators by id: values, intervals, counts, Fingertips' comparison and our recomputation.
    fingertips: pd.DataFrame
    #: Their spine chart rows, and the ids asked for that the data do not hold.
    fingertips_spine: pd.DataFrame
    fingertips_missing: list

    @property
    def out_of_date(self) -> pd.DataFrame:
        """The series whose latest period is older than their lag."""
        return self.series[self.series["out_of_date"]]

    @property
    def crude(self) -> pd.DataFrame:
        """The crude prevalences and crude rates of conditions (they carry the age-structure caveat)."""
        return self.series[self.series["crude_prevalence"]]

    def theme_series(self, theme: str) -> pd.DataFrame:
        """The series of one theme."""
        return self.series[self.series["theme"] == theme]

    @property
    def registered_row(self) -> pd.Series:
        """The borough's row of :attr:`registered`."""
        return self.registered.iloc[0]

    @property
    def shown_comparisons(self) -> pd.DataFrame:
        """The columns of :attr:`comparisons` shown on the page."""
        return self.comparisons[["benchmark_name", "indicator", "period", "value", "lower_ci_95", "upper_ci_95",
                                 "benchmark_value", "comparison_95", "comparison_99_8"]]

    @property
    def shown_registered(self) -> pd.DataFrame:
        """The columns of :attr:`registered` shown on the page."""
        return self.registered[["area_name", "registered", "list_period", "practices", "residents",
                                "population_period", "ratio"]]

    def compared_with(self, role: str) -> pd.DataFrame:
        """The borough's comparisons with one benchmark (``"Region"`` or ``"Country"``)."""
        return self.comparisons[self.comparisons["benchmark"] == role]

    def n_compared(self, role: str) -> int:
        """How many indicators could be compared with a benchmark at 95% (those with an interval and a benchmark
        value): the one count of compared indicators the summary and the key figures both give."""
        return len(compared(self.compared_with(role)))

    def labelled(self, role: str, label: str) -> int:
        """How many indicators are ``label`` ("Worse", "Better", ...) against a benchmark at 95%."""
        return int((self.compared_with(role)["comparison_95"] == label).sum())

    @property
    def share_served_elsewhere(self):
        """The share of the borough's residents served in another borough (None without flows)."""
        if self.shares is None:
            return None
        row = self.shares.summary[self.shares.summary["area_code"] == self.area_code]
        return None if row.empty else row["share_served_elsewhere"].iloc[0]

    def summary_record(self, sentences: list[str]) -> dict:
        """The report's ``summary.json``: its key numbers and the summary ``sentences``."""
        row = self.registered_row
        return {
            "area_code": self.area_code, "area_name": self.area_name, "comparator_group": self.comparators.name,
            "comparators": self.comparators.codes, "indicators": len(self.compared_with(ROLE_REGION)),
            "compared_with_region": self.n_compared(ROLE_REGION),
            "compared_with_country": self.n_compared(ROLE_COUNTRY),
            "worse_than_region": self.labelled(ROLE_REGION, "Worse"),
            "better_than_region": self.labelled(ROLE_REGION, "Better"),
            "worse_than_country": self.labelled(ROLE_COUNTRY, "Worse"),
            "better_than_country": self.labelled(ROLE_COUNTRY, "Better"),
            "registered": row["registered"], "residents": row["residents"], "registered_per_resident": row["ratio"],
            "share_served_elsewhere": self.share_served_elsewhere,
            "series": len(self.series), "series_out_of_date": int(self.series["out_of_date"].sum()),
            "newest_period_end": _date(self.series["period_end"].max()),
            "oldest_period_end": _date(self.series["period_end"].min()),
            "older_share": self.older.percent(self.area_code) if self.older else None,
            "older_share_country": (self.older.percent(self.benchmarks.country_code)
                                    if self.older and self.benchmarks.country_code else None),
            "summary": sentences,
        }


def _date(when) -> str | None:
    return None if pd.isna(when) else pd.Timestamp(when).date().isoformat()


def _fingertips_part(store, area_code: str, comps: Comparators, bench: Benchmarks, fingertips_ids, selection):
    """(recomputed table, spine rows, ids missing from the data) of the Fingertips indicators chosen by id."""
    wanted = [str(i) for i in (selection.fingertips_ids if fingertips_ids is None else fingertips_ids)]
    known = set(store.indicators()["indicator_id"].astype(str))
    present = [i for i in wanted if i in known]
    missing = [i for i in wanted if i not in known]
    if present:
        present = la_indicator_ids(store, area_code, present)
    missing += [i for i in wanted if i in known and i not in present]
    if not present:
        return pd.DataFrame(), pd.DataFrame(), missing
    table = comparator_table(series_values(store, area_code, comps.codes, present, bench), bench)
    checked = recompute(table)
    checked["source"] = checked["indicator_id"].map(store.indicators().drop_duplicates("indicator_id")
                                                    .set_index("indicator_id")["source"])
    return checked, fingertips_spine(store, table), missing


def run_cross_borough(store, area_code: str | None = None, comparator_group: str = "NEL",
                      indicator_ids: list | str | None = None, flows_csv: str | None = None,
                      fingertips_ids: list | None = None, as_of: str | None = None) -> CrossBoroughResults:
    """Compare ``area_code`` (None: the data's home borough) with ``comparator_group`` ("NEL", "INEL", "London",
    "statistical_neighbours" or comma-separated codes), its region and its country on ``indicator_ids`` (None:
    the default indicators of each theme of data/cross_borough.yml; "all": every indicator; or a list), and count
    the patients who cross borough lines (from the store's flows, or from ``flows_csv``, a CSV in the canonical
    flows layout). ``fingertips_ids`` (None: the file's default) are shown with Fingertips' own intervals and
    comparison and our recomputation; ``as_of`` (None: the store's own ``as_of`` date, which the synthetic demo
    sets, else today) is the date data currency is judged against."""
    area_code = str(area_code or store.home_area_code)
    names = la_names(store)
    if area_code not in names:
        raise DataError(f"Area {area_code!r} is not a local authority in this data.", column="area_code",
                        values=[area_code], expected="a local authority code the store knows, e.g. the home "
                                                     f"borough {store.home_area_code}")
    comps = resolve_comparators(store, area_code, comparator_group)
    bench = benchmarks_for(store, area_code)
    selection = load_selection()
    ids, chosen_by = choose_indicators(selection, store.indicators(), indicator_ids)
    series = series_values(store, area_code, comps.codes, la_indicator_ids(store, area_code, ids), bench)
    table = comparator_table(series, bench)
    when = pd.Timestamp(as_of or store.as_of or pd.Timestamp.today()).normalize()
    ft_table, ft_spine, ft_missing = _fingertips_part(store, area_code, comps, bench, fingertips_ids, selection)
    trend_values, trend_labels = comparator_trends(series)
    map_areas, map_outlines = map_data(store, area_code, comps, bench)
    registered = registered_vs_resident(store, area_code, comps.codes)
    pcns = pcn_list_sizes(store, area_code)
    listed = registered["registered"].iloc[0]
    flows = flows_by_borough(store, read_flows_csv(flows_csv) if flows_csv else None)
    shares = flow_shares(flows, names=names) if flows is not None else None
    return CrossBoroughResults(
        area_code=area_code, area_name=names[area_code], comparators=comps, benchmarks=bench, table=table,
        wide=wide_values(table, names[area_code], bench), values_match_counts=values_match_counts(table),
        comparisons=benchmark_comparisons(table), ranks=ranks(table), spine=spine_data(store, table),
        map_areas=map_areas, map_outlines=map_outlines, trend_values=trend_values, trend_labels=trend_labels,
        registered=registered, pcns=pcns,
        pcns_add_up=bool(pcns.empty or abs(pcns["registered"].sum() - listed) < 0.5),
        flows=flows, shares=shares,
        flows_add_up=shares is None or bool(abs(shares.matrix.iloc[-1]["Total"] - flows["count"].sum()) < 0.5),
        selection=selection, chosen_by=chosen_by,
        series=series_summary(table, store.indicators(), selection, bench.country_name or "the country", when),
        as_of=when, older=older_shares(store, area_code, comps.codes, bench.region_code, bench.country_code),
        fingertips=ft_table, fingertips_spine=ft_spine, fingertips_missing=ft_missing)


__all__ = ["CrossBoroughResults", "run_cross_borough"]
