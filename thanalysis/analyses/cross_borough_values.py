"""Indicator values for the cross-borough report: the headline series of each indicator for a borough, its
comparators, its region and its country, with intervals; the benchmark comparisons, ranks, spine-chart ranges
and recent trends computed from them.

- :func:`series_values` – every period of the headline series (:func:`thanalysis.data.headline.headline_rows`)
  for the compared areas. Where a published value has no interval, one is computed from its count and
  denominator (:func:`fill_intervals`; :func:`thanalysis.stats.intervals.values_from_counts`: Wilson score for
  proportions, exact/Byars Poisson for crude rates) and ``ci_method`` says so; where the region or country has
  no published row (Census 2021, QOF), its value is computed from the sum of its local authorities' counts;
- :func:`comparator_table` – each indicator's latest value for every area, compared with the country and the
  region (:func:`thanalysis.stats.compare_with_benchmark`); :func:`benchmark_comparisons` – the borough's rows
  in long form; :func:`ranks` – its place among the comparators;
- :func:`spine_data` – Fingertips-style spine chart rows (range, 25th and 75th percentiles over local
  authorities); :func:`comparator_trends` – the Fingertips recent trend of each series.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.analyses.cross_borough_areas import (
    ROLE_AREA,
    ROLE_COMPARATOR,
    ROLE_COUNTRY,
    ROLE_REGION,
    Benchmarks,
    la_names,
    las_within,
)
from thanalysis.data.headline import ALL_AGES, PERSONS, headline_rows
from thanalysis.errors import DataError
from thanalysis.stats import compare_with_benchmark, recent_trend
from thanalysis.stats.intervals import values_from_counts

CI_PUBLISHED = "published"
CI_NONE = "none published; cannot be computed without a count and denominator"
#: How a missing interval is computed, for each value type that allows it.
CI_COMPUTED = {"proportion": "Wilson score (computed here)",
               "crude_rate": "Poisson, exact below 10 events, Byars from 10 (computed here)"}
CI_WILSON, CI_POISSON = CI_COMPUTED["proportion"], CI_COMPUTED["crude_rate"]

TOO_FEW_PERIODS = "Cannot be calculated: fewer than 5 periods"

_VALUE_COLUMNS = ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]
_SERIES = ["indicator_id", "sex", "age"]

TABLE_COLUMNS = ["indicator_id", "indicator", "sex", "age", "period", "period_end", "area_code", "area_name", "role",
                 "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "count", "denominator",
                 "recomputed_value", "ci_method", "value_note", "value_type", "multiplier", "unit", "polarity",
                 "vs_country_95", "vs_country_99_8", "vs_region_95", "vs_region_99_8", "country_value",
                 "region_value"]


# ----------------------------------------------------------------------------------------------------------------
# Values with intervals
# ----------------------------------------------------------------------------------------------------------------
def _from_counts(count: pd.Series, denominator: pd.Series, value_types, multipliers) -> dict[str, np.ndarray]:
    """:func:`values_from_counts` row by row for proportions and crude rates (other rows stay missing)."""
    x = pd.to_numeric(count, errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(denominator, errors="coerce").to_numpy(dtype=float)
    kinds, mult = np.asarray(value_types, dtype=object), np.asarray(multipliers, dtype=float)
    usable = np.isfinite(x) & np.isfinite(n) & (n > 0)
    out = {c: np.full(len(x), np.nan) for c in _VALUE_COLUMNS}
    for kind in CI_COMPUTED:
        rows = usable & (kinds == kind)
        if rows.any():
            got = values_from_counts(x[rows], n[rows], kind, mult[rows])
            for c in _VALUE_COLUMNS:
                out[c][rows] = got[c]
    return out


def fill_intervals(values: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Values with ``ci_method`` and ``recomputed_value`` added, and missing 95%/99.8% limits computed where the
    count and denominator allow it (proportions and crude rates; anything else without published limits keeps
    none, so it cannot be compared with a benchmark). ``recomputed_value`` is count / denominator × multiplier,
    so a reader can check a published value against its own count and denominator."""
    meta = indicators.set_index("indicator_id")
    d = values.copy()
    kinds = d["indicator_id"].map(meta["value_type"]).fillna("other").to_numpy()
    mult = d["indicator_id"].map(meta["multiplier"]).astype(float).fillna(1.0).to_numpy()
    computed = _from_counts(d["count"], d["denominator"], kinds, mult)
    countable = np.isfinite(computed["value"])
    d["recomputed_value"] = computed["value"]
    published = d["lower_ci_95"].notna() & d["upper_ci_95"].notna()
    method = np.where(published, CI_PUBLISHED, CI_NONE).astype(object)
    for suffix in ("95", "99_8"):
        lo_col, hi_col = f"lower_ci_{suffix}", f"upper_ci_{suffix}"
        fill = (d[lo_col].isna() | d[hi_col].isna()).to_numpy() & countable
        d.loc[fill, lo_col] = computed[lo_col][fill]
        d.loc[fill, hi_col] = computed[hi_col][fill]
        if suffix == "95":
            method = np.where(fill, pd.Series(kinds).map(CI_COMPUTED).to_numpy(), method)
    d["ci_method"] = method
    return d


def _series_label(name: str, sex: str, age: str) -> str:
    extra = [s for s in (sex if sex != PERSONS else "", age if age != ALL_AGES else "") if s]
    return f"{name} ({', '.join(extra)})" if extra else name


def la_indicator_ids(store, area_code: str, indicator_ids: list | None = None) -> list[str]:
    """Indicators with a local-authority value for ``area_code`` and at least one other area to compare with.

    ``indicator_ids=None`` means all of them; given ids are checked (unknown ids raise the store's DataError)."""
    if isinstance(indicator_ids, str):
        indicator_ids = [indicator_ids]
    vals = store.values([str(i) for i in indicator_ids] if indicator_ids is not None else None)
    v = vals[vals["area_type"].isin(["la", "region", "country"]) & vals["value"].notna()]
    here = set(v.loc[(v["area_code"] == str(area_code)) & (v["area_type"] == "la"), "indicator_id"])
    others = v[v["area_code"] != str(area_code)].groupby("indicator_id")["area_code"].nunique()
    keep = [i for i in (indicator_ids if indicator_ids is not None else store.indicators()["indicator_id"])
            if str(i) in here and others.get(str(i), 0) > 0]
    if indicator_ids is not None and not keep:
        raise DataError(f"None of the chosen indicators has a local-authority value for {area_code}.",
                        column="indicator_id", values=[str(i) for i in indicator_ids],
                        expected="indicators with values for the borough and at least one comparator")
    return [str(i) for i in keep]


def _benchmark_from_las(v: pd.DataFrame, store, code: str, area_type: str, indicators: pd.DataFrame) -> pd.DataFrame:
    """Region/country rows computed from the summed counts of their local authorities, for proportion and crude-rate
    series that have no published row for that area (e.g. Census 2021 and QOF publish local authorities only)."""
    las = set(las_within(store, code, area_type))
    if not las:
        return v.iloc[:0]
    meta = indicators.set_index("indicator_id")
    keys = ["indicator_id", "period", "sex", "age"]
    have = v[v["area_code"] == code][keys].drop_duplicates()
    part = v[(v["area_type"] == "la") & v["area_code"].isin(las) & v["count"].notna() & v["denominator"].notna()]
    part = part[part["indicator_id"].map(meta["value_type"]).isin(list(CI_COMPUTED))]
    if part.empty:
        return v.iloc[:0]
    part = part.merge(have, on=keys, how="left", indicator=True)
    part = part[part["_merge"] == "left_only"].drop(columns="_merge")
    if part.empty:
        return v.iloc[:0]
    agg = part.groupby(keys + ["period_start", "period_end", "category_type", "category"], as_index=False,
                       dropna=False).agg(count=("count", "sum"), denominator=("denominator", "sum"),
                                         n_las=("area_code", "nunique"))
    agg["value"] = _from_counts(agg["count"], agg["denominator"], agg["indicator_id"].map(meta["value_type"]),
                                agg["indicator_id"].map(meta["multiplier"]).astype(float))["value"]
    for c in _VALUE_COLUMNS[1:]:
        agg[c] = np.nan
    agg["value_note"] = "Computed here from the summed counts of " + agg["n_las"].astype(str) + " local authorities"
    agg["area_code"], agg["area_type"] = code, area_type
    return agg.drop(columns="n_las")[v.columns.intersection(agg.columns)]


def series_values(store, area_code: str, codes: list[str], indicator_ids: list[str],
                  bench: Benchmarks) -> pd.DataFrame:
    """All periods of the headline series for the given boroughs, the region and the country, with intervals
    filled (:func:`fill_intervals`), indicator metadata, names and each area's role."""
    ind = store.indicators()
    ind = ind[ind["indicator_id"].isin(indicator_ids)]
    vals = headline_rows(store.values(indicator_ids))
    vals = vals[vals["area_type"].isin(["la", "region", "country"])]
    extra = []
    for code, kind in ((bench.region_code, "region"), (bench.country_code, "country")):
        if code:
            extra.append(_benchmark_from_las(vals, store, code, kind, ind))
    if extra:
        vals = pd.concat([vals, *extra], ignore_index=True)
    wanted = set(codes) | {c for c in (bench.region_code, bench.country_code) if c}
    v = vals[vals["area_code"].isin(wanted)].copy()
    v = fill_intervals(v, ind)
    meta = ind.set_index("indicator_id")
    for col in ("name", "value_type", "multiplier", "unit", "polarity"):
        v[col] = v["indicator_id"].map(meta[col])
    v["indicator"] = [_series_label(n, s, a) for n, s, a in zip(v["name"], v["sex"], v["age"])]
    v["area_name"] = v["area_code"].map(la_names(store)).fillna(v["area_code"])
    v["role"] = np.select([v["area_code"] == str(area_code), v["area_code"] == bench.region_code,
                           v["area_code"] == bench.country_code], [ROLE_AREA, ROLE_REGION, ROLE_COUNTRY],
                          ROLE_COMPARATOR)
    order = {i: k for k, i in enumerate(indicator_ids)}
    v["_order"] = v["indicator_id"].map(order)
    return v.sort_values(["_order", "indicator", "period_end", "role", "area_name"]).drop(columns="_order") \
        .reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# The latest values, compared
# ----------------------------------------------------------------------------------------------------------------
def comparator_table(series: pd.DataFrame, bench: Benchmarks) -> pd.DataFrame:
    """Each indicator's latest value for the borough (the latest period in which it has a value), with the same
    period for every comparator, the region and the country (``series`` from :func:`series_values`): value, 95%
    and 99.8% limits, count, denominator, how the interval was obtained, and the Fingertips comparison of each
    row with the country and the region (``vs_country_95``, ``vs_country_99_8``, ``vs_region_95``,
    ``vs_region_99_8``)."""
    mine = series[(series["role"] == ROLE_AREA) & series["value"].notna()]
    latest = mine.sort_values("period_end").groupby(_SERIES, as_index=False).tail(1)[_SERIES + ["period"]]
    t = series.merge(latest, on=_SERIES + ["period"], how="inner")
    return _compare_rows(t, bench)[TABLE_COLUMNS].reset_index(drop=True)


def _compare_rows(t: pd.DataFrame, bench: Benchmarks) -> pd.DataFrame:
    keys = _SERIES + ["period"]
    out = t.copy()
    for kind, code in (("country", bench.country_code), ("region", bench.region_code)):
        ref = t[t["area_code"] == code][keys + ["value"]].rename(columns={"value": f"{kind}_value"})
        out = out.merge(ref, on=keys, how="left") if code else out.assign(**{f"{kind}_value": np.nan})
        res = compare_with_benchmark(out, f"{kind}_value", polarity="polarity")
        out[f"vs_{kind}_95"] = res["comparison_95"].to_numpy()
        out[f"vs_{kind}_99_8"] = res["comparison_99_8"].to_numpy()
        out.loc[out["area_code"] == code, [f"vs_{kind}_95", f"vs_{kind}_99_8"]] = ""
    return out


def wide_values(table: pd.DataFrame, area_name: str, bench: Benchmarks) -> pd.DataFrame:
    """One row per indicator, one column per area: the borough first, its comparators, then region and country."""
    wide = table.pivot_table(index="indicator", columns="area_name", values="value", sort=False)
    order = [area_name] + [n for n in wide.columns if n not in (area_name, bench.region_name, bench.country_name)]
    return wide[order + [c for c in (bench.region_name, bench.country_name) if c in wide.columns]].reset_index()


def decimals(x: float, most: int = 10) -> int:
    """How many decimal places a published number shows (the fewest that give it back exactly)."""
    if not np.isfinite(x):
        return most
    for d in range(most + 1):
        if abs(round(x, d) - x) <= 1e-9 * max(1.0, abs(x)):
            return d
    return most


def agrees(published: float, ours: float) -> bool:
    """Whether ``ours`` rounds to ``published`` at the published number of decimals (or agrees to 1 part in a
    million when the source published its full precision)."""
    if not (np.isfinite(published) and np.isfinite(ours)):
        return False
    tolerance = max(0.5 * 10 ** -decimals(published), 1e-6 * abs(published))
    return abs(published - ours) <= tolerance + 1e-12


def values_match_counts(table: pd.DataFrame) -> bool:
    """Whether every value that can be recomputed from its own count and denominator matches it to the published
    rounding (:func:`agrees`: DfE publishes rates rounded to whole numbers, Fingertips to full precision)."""
    checked = table.dropna(subset=["recomputed_value"])
    return all(agrees(v, r) for v, r in zip(checked["value"], checked["recomputed_value"]))


def benchmark_comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """The chosen borough's rows of :func:`comparator_table` in long form: one row per indicator and benchmark
    (country, region) with the benchmark's value and the comparison at 95% and 99.8%."""
    mine = table[table["role"] == ROLE_AREA]
    names = dict(zip(table["role"], table["area_name"]))  # one region and one country for every indicator
    rows = []
    for kind, role in (("country", ROLE_COUNTRY), ("region", ROLE_REGION)):
        part = mine[["indicator_id", "indicator", "period", "area_name", "value", "lower_ci_95", "upper_ci_95",
                     "count", "denominator", "ci_method", "polarity", f"{kind}_value", f"vs_{kind}_95",
                     f"vs_{kind}_99_8"]].rename(columns={f"{kind}_value": "benchmark_value",
                                                         f"vs_{kind}_95": "comparison_95",
                                                         f"vs_{kind}_99_8": "comparison_99_8"})
        part.insert(3, "benchmark", role)
        part.insert(4, "benchmark_name", names.get(role, role))
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["benchmark", "indicator"], kind="stable").reset_index(drop=True)


#: Comparison labels meaning the borough could not be compared with a benchmark (no interval, or no benchmark value).
NOT_COMPARED = ("Not compared", "")


def compared(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`benchmark_comparisons` whose 95% comparison could be made: the indicators every count
    of "compared" indicators means, wherever the report gives one (summary sentences, key figures, summary.json)."""
    return comparisons[~comparisons["comparison_95"].isin(NOT_COMPARED)]


def ranks(table: pd.DataFrame) -> pd.DataFrame:
    """The borough's place among the comparator boroughs (chosen borough and comparators, not region/country).

    Rank 1 is the best value when the indicator has a polarity and the highest value when it has none; ties share
    the better rank (the narrative words it, e.g. "2nd best of 8" or "1st highest of 8")."""
    las = table[table["role"].isin([ROLE_AREA, ROLE_COMPARATOR]) & table["value"].notna()].copy()
    las["_score"] = np.where(las["polarity"].eq("lower_is_better"), las["value"], -las["value"])
    las["rank"] = las.groupby(_SERIES)["_score"].rank(method="min").astype(int)
    las["of"] = las.groupby(_SERIES)["value"].transform("size").astype(int)
    mine = las[las["role"] == ROLE_AREA]
    return mine[["indicator_id", "indicator", "period", "area_name", "value", "polarity", "rank", "of"]] \
        .reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# Spine chart
# ----------------------------------------------------------------------------------------------------------------
def spine_data(store, table: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator for :func:`thanalysis.figures.charts.spine_chart`: the borough's value, the country's
    value and the minimum, 25th percentile, 75th percentile and maximum over every local authority in the country
    with a value for that period (``range_basis`` says how many, and whether the source held only some of them,
    e.g. the Fingertips exports hold London boroughs only)."""
    mine = table[table["role"] == ROLE_AREA]
    if mine.empty:
        return pd.DataFrame()
    country = mine["country_value"]
    code = table.loc[table["role"] == ROLE_COUNTRY, "area_code"]
    country_code = str(code.iloc[0]) if len(code) else None
    in_country = set(las_within(store, country_code, "country")) if country_code else set()
    vals = headline_rows(store.values(sorted(mine["indicator_id"].unique())))
    vals = vals[(vals["area_type"] == "la") & vals["value"].notna()]
    if in_country:
        vals = vals[vals["area_code"].isin(in_country)]
    stats = (vals.groupby(_SERIES + ["period"])["value"]
             .agg(england_min="min", england_q25=lambda s: s.quantile(0.25), england_q75=lambda s: s.quantile(0.75),
                  england_max="max", n_las="size").reset_index())
    d = mine.merge(stats, on=_SERIES + ["period"], how="left")
    d["england_value"] = country.to_numpy()
    d = d.rename(columns={"value": "area_value", "vs_country_95": "significance"})
    n_all = len(in_country)
    d["range_basis"] = [f"{int(n)} local authorities" + (f" (of {n_all}; the source holds only these)"
                                                         if n_all and n < 0.9 * n_all else "")
                        if pd.notna(n) else "no range" for n in d["n_las"]]
    d["significance"] = d["significance"].replace("", "Not compared").fillna("Not compared")
    # A spine needs the country value at its centre; without it the row cannot be drawn.
    d["drawable"] = d["england_value"].notna() & d["england_min"].notna()
    return d[["indicator_id", "indicator", "period", "area_value", "england_value", "england_min", "england_q25",
              "england_q75", "england_max", "n_las", "range_basis", "polarity", "significance", "drawable"]]


# ----------------------------------------------------------------------------------------------------------------
# Trends
# ----------------------------------------------------------------------------------------------------------------
_LABEL_COLUMNS = ["indicator_id", "indicator", "area_code", "area_name", "role", "period", "recent_trend",
                  "recent_trend_reason", "periods", "trend"]


def comparator_trends(series: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values over time, trend labels) for the series of :func:`series_values` with more than one period.

    The labels are the Fingertips recent trend for each area's last five periods (proportions: chi-squared test
    for trend on counts and denominators; other values: weighted regression using the 95% limits). With fewer than
    five periods the label says plainly that it cannot be calculated."""
    n_periods = series[series["role"] == ROLE_AREA].groupby(_SERIES)["period"].nunique()
    multi = n_periods[n_periods > 1].reset_index()[_SERIES]
    v = series.merge(multi, on=_SERIES, how="inner")
    v = v[v["value"].notna()]
    cols = ["indicator_id", "indicator", "sex", "age", "area_code", "area_name", "role", "period", "period_end",
            "value", "lower_ci_95", "upper_ci_95", "count", "denominator", "ci_method", "value_type", "multiplier",
            "polarity"]
    values = v[cols].reset_index(drop=True)
    labels = []
    for _, part in values.groupby(_SERIES, sort=False):
        kind = "proportion" if (part["value_type"].iloc[0] == "proportion" and part["count"].notna().all()
                                and part["denominator"].notna().all()) else "other"
        res = recent_trend(part.reset_index(drop=True), "period", value_type=kind,
                           polarity=str(part["polarity"].iloc[0]), group_by="area_code",
                           multiplier=float(part["multiplier"].iloc[0]))
        last = res[res["recent_trend"].notna()]
        labels.append(last[_LABEL_COLUMNS[:-2]].assign(
            periods=last["area_code"].map(part.groupby("area_code")["period"].nunique())))
    if not labels:
        return values, pd.DataFrame(columns=_LABEL_COLUMNS)
    lab = pd.concat(labels, ignore_index=True)
    lab["trend"] = [trend_label(t, r) for t, r in zip(lab["recent_trend"], lab["recent_trend_reason"])]
    return values, lab.rename(columns={"period": "latest_period"})


def trend_label(label: str, reason: str | None) -> str:
    """The recent-trend label a reader sees: "Cannot be calculated: fewer than 5 periods" when so."""
    if label == "Cannot be calculated":
        if reason == "Not enough data points":
            return TOO_FEW_PERIODS
        return f"Cannot be calculated: {str(reason or 'not enough data').lower()}"
    return str(label)


__all__ = ["fill_intervals", "la_indicator_ids", "series_values", "comparator_table", "wide_values",
           "values_match_counts", "agrees", "decimals", "benchmark_comparisons", "NOT_COMPARED", "compared", "ranks",
           "spine_data",
           "comparator_trends", "trend_label", "CI_PUBLISHED", "CI_NONE", "CI_WILSON", "CI_POISSON", "TOO_FEW_PERIODS",
           "TABLE_COLUMNS"]
