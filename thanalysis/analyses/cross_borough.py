"""Cross-borough comparison: a borough against its neighbours, its region and the country, and the patients
who cross borough lines.

Everything the ``notebooks/cross_borough.ipynb`` report shows is computed here (the notebook only calls these
functions and draws the results):

- :func:`resolve_comparators` – which boroughs to compare with ("NEL", "INEL", "London", "statistical_neighbours"
  or a comma-separated list of codes; on the synthetic demo the same names mean its fictional groups);
- :func:`comparator_table` – each indicator's latest value, confidence interval, count and denominator for the
  borough, every comparator, the region and the country. Where a published value has no interval, one is computed
  (Wilson score for proportions, exact/Byars Poisson for crude rates; PHE technical guide) and ``ci_method`` says
  so; where the region or country has no published row (Census 2021, QOF), its value is computed from the sum of
  its local authorities' counts and denominators;
- :func:`benchmark_comparisons` – Fingertips benchmark comparison (the area's 95% and 99.8% intervals against the
  benchmark value; :func:`thanalysis.stats.compare_with_benchmark`) with the country and the region;
- :func:`ranks` – the borough's place among its comparators (1 = best when there is a polarity, 1 = highest when
  there is none);
- :func:`spine_data` / :func:`spine_figure` – a Fingertips-style spine chart (England's value in the middle; the
  range, 25th and 75th percentiles over local authorities with data);
- :func:`comparator_trends` – series with several periods and the Fingertips recent-trend label
  (:func:`thanalysis.stats.recent_trend`; "cannot be calculated" with fewer than five periods);
- :func:`registered_vs_resident` / :func:`pcn_list_sizes` – GP-registered lists against resident populations;
- :func:`flows_by_borough` / :func:`flow_shares` – where residents are served (resident borough → provider
  borough), as shares and a matrix.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thanalysis.errors import ConfigError, DataError
from thanalysis.geography.comparators import comparator_group, load_comparators
from thanalysis.geography.hierarchy import AreaHierarchy

#: Comparator group names a report may use, and the role each plays for a home area in data/comparators.yml
#: (so "NEL" on the synthetic demo means the fictional borough's own system).
GROUP_ROLES = {"nel": "system", "inel": "inner_system", "london": "region_las",
               "statistical_neighbours": "statistical_neighbours", "system": "system",
               "inner_system": "inner_system", "region_las": "region_las"}

#: Where a borough stands in the comparator table.
ROLE_AREA, ROLE_COMPARATOR, ROLE_REGION, ROLE_COUNTRY = "Chosen borough", "Comparator", "Region", "Country"

CI_PUBLISHED = "published"
CI_WILSON = "Wilson score (computed here)"
CI_POISSON = "Poisson, exact below 10 events, Byars from 10 (computed here)"
CI_NONE = "none published; cannot be computed without a count and denominator"

TOO_FEW_PERIODS = "Cannot be calculated: fewer than 5 periods"

#: Area types whose codes say where people LIVE (a flow from one of these is a resident-origin flow).
RESIDENCE_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "locality", "la")

_VALUE_COLUMNS = ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]


# ----------------------------------------------------------------------------------------------------------------
# Who to compare with
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class Comparators:
    """A comparator group resolved for one borough: its codes (always including the borough), title and notes."""

    name: str
    title: str
    codes: list[str]
    provisional: bool = False
    note: str = ""


@dataclass
class Benchmarks:
    """The region and country a borough is compared with (codes and names from the store)."""

    region_code: str | None
    region_name: str | None
    country_code: str | None
    country_name: str | None


def _hierarchy(store) -> AreaHierarchy:
    cache = store.__dict__.setdefault("_cross_borough_cache", {})
    if "hierarchy" not in cache:
        cache["hierarchy"] = AreaHierarchy(store.areas(), store.lookups())
    return cache["hierarchy"]


def area_names(store) -> dict[str, str]:
    """Code → name for local authorities, regions and countries (the names used in every table)."""
    a = store.areas()
    a = a[a["area_type"].isin(["la", "region", "country"])]
    return dict(zip(a["area_code"].astype(str), a["area_name"].astype(str)))


def resolve_comparators(store, area_code: str, group: str = "NEL") -> Comparators:
    """The comparator boroughs for ``area_code``.

    ``group`` is a group name or role from ``data/comparators.yml`` ("NEL", "INEL", "London",
    "statistical_neighbours", ...) or a comma-separated list of area codes. A name is first read as the *role* the
    group plays for ``area_code`` (so "NEL" on the synthetic demo gives the fictional borough's neighbours, and
    "statistical_neighbours" gives each home area its own list), then as a group name. The borough itself is always
    included; codes the store does not know raise a DataError.
    """
    if not isinstance(group, str) or not group.strip():
        raise ConfigError("comparator_group must be a group name (e.g. 'NEL') or a comma-separated list of codes")
    config = load_comparators()
    known = set(area_names(store))
    text = group.strip()
    if "," in text or text.upper() in known or text in known:
        codes = [c.strip() for c in text.split(",") if c.strip()]
        entry = {"title": "Chosen comparators: " + ", ".join(codes), "codes": codes}
        name = "custom"
    else:
        key = text.lower()
        role = GROUP_ROLES.get(key)
        home_roles = config["home_areas"].get(str(area_code), {})
        if role and role in home_roles:
            name = home_roles[role]
        elif key in config["groups"]:
            name = key
        elif role == "statistical_neighbours":
            raise ConfigError(f"{config['path']}: no statistical neighbours are listed for {area_code}; "
                              "use NEL, INEL, London or a comma-separated list of codes")
        else:
            # Let geography say what is known (raises ConfigError naming the groups).
            comparator_group(text, store)
            name = key
        entry = config["groups"][name]
        codes = list(entry["codes"])
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise DataError("Some comparator codes are not areas in this data.", column="area_code", values=unknown,
                        expected="local authority codes the store knows (E09000001-33 for London; "
                                 "X09000001-8 on the synthetic demo)")
    if str(area_code) not in codes:
        codes = [str(area_code)] + codes
    return Comparators(name=name, title=str(entry.get("title", name)), codes=codes,
                       provisional=bool(entry.get("provisional", False)),
                       note=str(entry.get("note", "") or "").strip())


def benchmarks_for(store, area_code: str) -> Benchmarks:
    """The region and country above ``area_code`` in the store's lookups (None when the lookups have none)."""
    h = _hierarchy(store)
    names = area_names(store)

    def parent(kind: str) -> str | None:
        try:
            p = h.parents(str(area_code), area_type="la", parent_type=kind)
        except DataError:
            return None
        return str(p["parent_code"].iloc[0]) if len(p) else None

    region, country = parent("region"), parent("country")
    return Benchmarks(region, names.get(region) if region else None, country, names.get(country) if country else None)


def las_within(store, parent_code: str, parent_type: str) -> list[str]:
    """Local authorities inside a region or country, from the lookups."""
    h = _hierarchy(store)
    try:
        m = h.to_parent_map("la", parent_type)
    except DataError:
        return []
    return sorted(m.loc[m["parent_code"] == parent_code, "child_code"].astype(str).unique())


# ----------------------------------------------------------------------------------------------------------------
# Values: the headline series of each indicator, with intervals filled where they can be computed
# ----------------------------------------------------------------------------------------------------------------
def fill_intervals(values: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Values with ``ci_method`` and ``recomputed_value`` added, and missing 95%/99.8% limits computed where the
    count and denominator allow it.

    - proportions: Wilson score limits of count / denominator, times the multiplier (PHE technical guide);
    - crude rates: Poisson limits of the count (exact below 10 events, Byars from 10) / denominator × multiplier;
    - anything else without published limits keeps none (it cannot be compared with a benchmark).
    ``recomputed_value`` is count / denominator × multiplier for proportions and crude rates, so a reader can check
    a published value against its own count and denominator.
    """
    from thanalysis.stats.intervals import poisson_ci, wilson_ci

    meta = indicators.set_index("indicator_id")
    d = values.copy()
    vt = d["indicator_id"].map(meta["value_type"]).fillna("other").to_numpy()
    mult = d["indicator_id"].map(meta["multiplier"]).astype(float).fillna(1.0).to_numpy()
    x = pd.to_numeric(d["count"], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(d["denominator"], errors="coerce").to_numpy(dtype=float)
    usable = np.isfinite(x) & np.isfinite(n) & (n > 0)
    prop, rate = usable & (vt == "proportion"), usable & (vt == "crude_rate")
    with np.errstate(invalid="ignore", divide="ignore"):
        d["recomputed_value"] = np.where(prop | rate, mult * x / n, np.nan)
    published = d["lower_ci_95"].notna() & d["upper_ci_95"].notna()
    method = np.where(published, CI_PUBLISHED, CI_NONE).astype(object)
    for level, suffix in ((0.95, "95"), (0.998, "99_8")):
        lo_col, hi_col = f"lower_ci_{suffix}", f"upper_ci_{suffix}"
        gap = (d[lo_col].isna() | d[hi_col].isna()).to_numpy()
        lo, hi = np.full(len(d), np.nan), np.full(len(d), np.nan)
        if prop.any():
            wl, wu = wilson_ci(x, np.where(n > 0, n, np.nan), confidence=level)
            lo, hi = np.where(prop, mult * wl, lo), np.where(prop, mult * wu, hi)
        if rate.any():
            pl, pu = poisson_ci(np.where(rate, x, 0.0), confidence=level)
            with np.errstate(invalid="ignore", divide="ignore"):
                lo, hi = np.where(rate, mult * pl / n, lo), np.where(rate, mult * pu / n, hi)
        fill = gap & (prop | rate)
        d.loc[fill, lo_col] = lo[fill]
        d.loc[fill, hi_col] = hi[fill]
        if suffix == "95":
            method = np.where(fill & prop, CI_WILSON, np.where(fill & rate, CI_POISSON, method))
    d["ci_method"] = method
    return d


def _headline(values: pd.DataFrame) -> pd.DataFrame:
    """One series per indicator (and sex/age where there is no all-persons, all-ages row): no category breakdown."""
    v = values[(values["category_type"].fillna("") == "") & (values["category"].fillna("") == "")]
    has_persons = v.groupby("indicator_id")["sex"].transform(lambda s: (s == "Persons").any())
    v = v[~has_persons | (v["sex"] == "Persons")]
    has_all = v.groupby("indicator_id")["age"].transform(lambda s: (s == "All ages").any())
    return v[~has_all | (v["age"] == "All ages")]


def _series_label(name: str, sex: str, age: str) -> str:
    extra = [s for s in (sex if sex != "Persons" else "", age if age != "All ages" else "") if s]
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
    kinds = indicators.set_index("indicator_id")["value_type"]
    keys = ["indicator_id", "period", "sex", "age"]
    have = v[v["area_code"] == code][keys].drop_duplicates()
    part = v[(v["area_type"] == "la") & v["area_code"].isin(las) & v["count"].notna() & v["denominator"].notna()]
    part = part[part["indicator_id"].map(kinds).isin(["proportion", "crude_rate"])]
    if part.empty:
        return v.iloc[:0]
    part = part.merge(have, on=keys, how="left", indicator=True)
    part = part[part["_merge"] == "left_only"].drop(columns="_merge")
    if part.empty:
        return v.iloc[:0]
    agg = part.groupby(keys + ["period_start", "period_end", "category_type", "category"], as_index=False,
                       dropna=False).agg(count=("count", "sum"), denominator=("denominator", "sum"),
                                         n_las=("area_code", "nunique"))
    mult = agg["indicator_id"].map(indicators.set_index("indicator_id")["multiplier"]).astype(float)
    agg["value"] = mult * agg["count"] / agg["denominator"]
    for c in _VALUE_COLUMNS[1:]:
        agg[c] = np.nan
    agg["value_note"] = "Computed here from the summed counts of " + agg["n_las"].astype(str) + " local authorities"
    agg["area_code"], agg["area_type"] = code, area_type
    return agg.drop(columns="n_las")[v.columns.intersection(agg.columns)]


def series_values(store, area_code: str, codes: list[str], indicator_ids: list[str],
                  bench: Benchmarks | None = None) -> pd.DataFrame:
    """All periods of the headline series for the given boroughs, the region and the country, with intervals
    filled (:func:`fill_intervals`), indicator metadata, names and each area's role."""
    bench = bench or benchmarks_for(store, area_code)
    ind = store.indicators()
    ind = ind[ind["indicator_id"].isin(indicator_ids)]
    vals = _headline(store.values(indicator_ids))
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
    names = area_names(store)
    v["area_name"] = v["area_code"].map(names).fillna(v["area_code"])
    v["role"] = np.select([v["area_code"] == str(area_code), v["area_code"] == bench.region_code,
                           v["area_code"] == bench.country_code], [ROLE_AREA, ROLE_REGION, ROLE_COUNTRY],
                          ROLE_COMPARATOR)
    order = {i: k for k, i in enumerate(indicator_ids)}
    v["_order"] = v["indicator_id"].map(order)
    return v.sort_values(["_order", "indicator", "period_end", "role", "area_name"]).drop(columns="_order") \
        .reset_index(drop=True)


TABLE_COLUMNS = ["indicator_id", "indicator", "sex", "age", "period", "area_code", "area_name", "role", "value",
                 "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "count", "denominator",
                 "recomputed_value", "ci_method", "value_note", "value_type", "multiplier", "unit", "polarity"]


def comparator_table(store, area_code: str, group: str | Comparators = "NEL",
                     indicator_ids: list | None = None) -> pd.DataFrame:
    """Each indicator's latest value for the borough (the latest period in which it has a value), with the same
    period for every comparator, the region and the country: value, 95% and 99.8% limits, count, denominator,
    how the interval was obtained, and the Fingertips comparison of each row with the country and the region
    (``vs_country_95``, ``vs_country_99_8``, ``vs_region_95``, ``vs_region_99_8``)."""
    comps = group if isinstance(group, Comparators) else resolve_comparators(store, area_code, group)
    ids = la_indicator_ids(store, area_code, indicator_ids)
    bench = benchmarks_for(store, area_code)
    v = series_values(store, area_code, comps.codes, ids, bench)
    keys = ["indicator_id", "sex", "age"]
    mine = v[(v["role"] == ROLE_AREA) & v["value"].notna()]
    latest = mine.sort_values("period_end").groupby(keys, as_index=False).tail(1)[keys + ["period"]]
    t = v.merge(latest, on=keys + ["period"], how="inner")
    t = _compare_rows(t, bench)
    cols = TABLE_COLUMNS + ["vs_country_95", "vs_country_99_8", "vs_region_95", "vs_region_99_8",
                            "country_value", "region_value"]
    return t[cols].reset_index(drop=True)


def _compare_rows(t: pd.DataFrame, bench: Benchmarks) -> pd.DataFrame:
    from thanalysis.stats import compare_with_benchmark

    keys = ["indicator_id", "sex", "age", "period"]
    out = t.copy()
    for kind, code in (("country", bench.country_code), ("region", bench.region_code)):
        ref = t[t["area_code"] == code][keys + ["value"]].rename(columns={"value": f"{kind}_value"})
        out = out.merge(ref, on=keys, how="left") if code else out.assign(**{f"{kind}_value": np.nan})
        res = compare_with_benchmark(out, f"{kind}_value", polarity="polarity")
        out[f"vs_{kind}_95"] = res["comparison_95"].to_numpy()
        out[f"vs_{kind}_99_8"] = res["comparison_99_8"].to_numpy()
        out.loc[out["area_code"] == code, [f"vs_{kind}_95", f"vs_{kind}_99_8"]] = ""
    return out


def benchmark_comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """The chosen borough's rows of :func:`comparator_table` in long form: one row per indicator and benchmark
    (country, region) with the benchmark's value and the comparison at 95% and 99.8%."""
    mine = table[table["role"] == ROLE_AREA]
    names = dict(zip(table["role"] + "|" + table["indicator_id"], table["area_name"]))
    rows = []
    for kind, role in (("country", ROLE_COUNTRY), ("region", ROLE_REGION)):
        part = mine[["indicator_id", "indicator", "period", "area_name", "value", "lower_ci_95", "upper_ci_95",
                     "count", "denominator", "ci_method", "polarity", f"{kind}_value", f"vs_{kind}_95",
                     f"vs_{kind}_99_8"]].rename(columns={f"{kind}_value": "benchmark_value",
                                                         f"vs_{kind}_95": "comparison_95",
                                                         f"vs_{kind}_99_8": "comparison_99_8"})
        part.insert(3, "benchmark", role)
        part.insert(4, "benchmark_name", [names.get(f"{role}|{i}", role) for i in part["indicator_id"]])
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["benchmark", "indicator"], kind="stable").reset_index(drop=True)


def ranks(table: pd.DataFrame) -> pd.DataFrame:
    """The borough's place among the comparator boroughs (chosen borough and comparators, not region/country).

    Rank 1 is the best value when the indicator has a polarity and the highest value when it has none; ties share
    the better rank. ``rank_text`` reads e.g. "2nd best of 8" or "1st highest of 8"."""
    from thanalysis.narrative import ordinal

    las = table[table["role"].isin([ROLE_AREA, ROLE_COMPARATOR]) & table["value"].notna()].copy()
    ascending = las["polarity"].eq("lower_is_better")
    score = np.where(ascending, las["value"], -las["value"])
    las["_score"] = score
    las["rank"] = las.groupby(["indicator_id", "sex", "age"])["_score"].rank(method="min").astype(int)
    las["of"] = las.groupby(["indicator_id", "sex", "age"])["value"].transform("size").astype(int)
    judged = las["polarity"].isin(["higher_is_better", "lower_is_better"])
    las["rank_text"] = [f"{ordinal(r)} {'best' if j else 'highest'} of {n}"
                        for r, j, n in zip(las["rank"], judged, las["of"])]
    mine = las[las["role"] == ROLE_AREA]
    return mine[["indicator_id", "indicator", "period", "area_name", "value", "polarity", "rank", "of",
                 "rank_text"]].reset_index(drop=True)


def ranked_areas(table: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """All comparator boroughs of one indicator in rank order (for a ranked chart or table)."""
    las = table[(table["indicator_id"] == str(indicator_id)) & table["role"].isin([ROLE_AREA, ROLE_COMPARATOR])]
    asc = bool(las["polarity"].eq("lower_is_better").all())
    return las.sort_values("value", ascending=asc, na_position="last").reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# Spine chart
# ----------------------------------------------------------------------------------------------------------------
def spine_data(store, table: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator for :func:`thanalysis.figures.charts.spine_chart`: the borough's value, the country's value
    and the minimum, 25th percentile, 75th percentile and maximum over every local authority in the country with a
    value for that period (``range_basis`` says how many, and whether the source held only some of them, e.g. the
    Fingertips exports hold London boroughs only)."""
    mine = table[table["role"] == ROLE_AREA]
    if mine.empty:
        return pd.DataFrame()
    country = mine["country_value"]
    code = table.loc[table["role"] == ROLE_COUNTRY, "area_code"]
    country_code = str(code.iloc[0]) if len(code) else None
    in_country = set(las_within(store, country_code, "country")) if country_code else set()
    vals = _headline(store.values(sorted(mine["indicator_id"].unique())))
    vals = vals[(vals["area_type"] == "la") & vals["value"].notna()]
    if in_country:
        vals = vals[vals["area_code"].isin(in_country)]
    stats = (vals.groupby(["indicator_id", "sex", "age", "period"])["value"]
             .agg(england_min="min", england_q25=lambda s: s.quantile(0.25), england_q75=lambda s: s.quantile(0.75),
                  england_max="max", n_las="size").reset_index())
    d = mine.merge(stats, on=["indicator_id", "sex", "age", "period"], how="left")
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


def spine_figure(spine: pd.DataFrame, *, area_label: str, country_label: str):
    """:func:`thanalysis.figures.charts.spine_chart` for the drawable rows, with "England" relabelled as ``country_label``
    (the shared chart names England; the synthetic demo's country is fictional) and the no-judgement indicators
    marked, since left/right means worse/better only where there is a polarity."""
    from thanalysis.figures.charts import spine_chart

    d = spine[spine["drawable"]].copy()
    d["indicator"] = [f"{i}{' *' if p == 'no_judgement' else ''}" for i, p in zip(d["indicator"], d["polarity"])]
    fig = spine_chart(d, area_label=area_label, value_format="{:,.1f}")
    if country_label != "England":
        for ax in fig.axes:
            ylabels = [t.get_text().replace("England", country_label) for t in ax.get_yticklabels()]
            xlabels = [t.get_text().replace("England", country_label) for t in ax.get_xticklabels()]
            ax.set_yticks(ax.get_yticks(), ylabels)
            ax.set_xticks(ax.get_xticks(), xlabels)
        for legend in fig.legends:
            for t in legend.get_texts():
                t.set_text(t.get_text().replace("England", country_label))
    return fig


# ----------------------------------------------------------------------------------------------------------------
# Trends
# ----------------------------------------------------------------------------------------------------------------
def comparator_trends(store, area_code: str, group: str | Comparators = "NEL",
                      indicator_ids: list | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values over time, trend labels) for the series with more than one period.

    The labels are the Fingertips recent trend for each area's last five periods (proportions: chi-squared test
    for trend on counts and denominators; other values: weighted regression using the 95% limits). With fewer than
    five periods the label says plainly that it cannot be calculated."""
    from thanalysis.stats import recent_trend

    comps = group if isinstance(group, Comparators) else resolve_comparators(store, area_code, group)
    ids = la_indicator_ids(store, area_code, indicator_ids)
    v = series_values(store, area_code, comps.codes, ids)
    n_periods = v[v["role"] == ROLE_AREA].groupby(["indicator_id", "sex", "age"])["period"].nunique()
    multi = n_periods[n_periods > 1].reset_index()[["indicator_id", "sex", "age"]]
    v = v.merge(multi, on=["indicator_id", "sex", "age"], how="inner")
    v = v[v["value"].notna()]
    cols = ["indicator_id", "indicator", "sex", "age", "area_code", "area_name", "role", "period", "value",
            "lower_ci_95", "upper_ci_95", "count", "denominator", "ci_method", "value_type", "multiplier", "polarity"]
    values = v[cols].reset_index(drop=True)
    labels = []
    for (iid, sex, age), part in values.groupby(["indicator_id", "sex", "age"], sort=False):
        kind = "proportion" if (part["value_type"].iloc[0] == "proportion" and part["count"].notna().all()
                                and part["denominator"].notna().all()) else "other"
        res = recent_trend(part.reset_index(drop=True), "period", value_type=kind,
                           polarity=str(part["polarity"].iloc[0]), group_by="area_code",
                           multiplier=float(part["multiplier"].iloc[0]))
        last = res[res["recent_trend"].notna()]
        labels.append(last[["indicator_id", "indicator", "area_code", "area_name", "role", "period",
                            "recent_trend", "recent_trend_reason"]].assign(
            periods=last["area_code"].map(part.groupby("area_code")["period"].nunique())))
    if not labels:
        return values, pd.DataFrame(columns=["indicator_id", "indicator", "area_code", "area_name", "role",
                                             "period", "recent_trend", "recent_trend_reason", "periods", "trend"])
    lab = pd.concat(labels, ignore_index=True)
    lab["trend"] = [trend_words(t, r) for t, r in zip(lab["recent_trend"], lab["recent_trend_reason"])]
    return values, lab.rename(columns={"period": "latest_period"})


def trend_words(label: str, reason: str | None) -> str:
    """The recent-trend label a reader sees: "Cannot be calculated: fewer than 5 periods" when so."""
    if label == "Cannot be calculated":
        if reason == "Not enough data points":
            return TOO_FEW_PERIODS
        return f"Cannot be calculated: {str(reason or 'not enough data').lower()}"
    return str(label)


# ----------------------------------------------------------------------------------------------------------------
# Registered versus resident populations
# ----------------------------------------------------------------------------------------------------------------
def _year(label: str) -> int | None:
    try:
        return int(str(label)[:4])
    except ValueError:
        return None


def _practice_la(store) -> pd.DataFrame:
    """practice → local authority (through the practice → PCN → LA lookups, or directly)."""
    try:
        m = _hierarchy(store).to_parent_map("practice", "la")
    except DataError:
        return pd.DataFrame(columns=["practice", "la"])
    m = m.sort_values("weight", ascending=False).drop_duplicates("child_code")
    return m.rename(columns={"child_code": "practice", "parent_code": "la"})[["practice", "la"]]


def registered_lists(store, flows: pd.DataFrame | None = None, period: str | None = None) -> pd.DataFrame:
    """Patients registered with each local authority's GP practices: ``la, period, registered, practices,
    complete``.

    Two flow layouts are understood: practice → local authority (list sizes, as the real open data has them; always
    complete) and resident area → practice (the synthetic demo; a borough's list is only complete if its own
    residents' registrations are in the table, otherwise ``registered`` is missing)."""
    f = store.flows() if flows is None else flows
    if f.empty:
        return pd.DataFrame(columns=["la", "period", "registered", "practices", "complete"])
    if period is None:
        period = str(sorted(f["period"].astype(str).unique())[-1])
    f = f[f["period"].astype(str) == period]
    lists = f[(f["origin_type"] == "practice") & (f["destination_type"] == "la")]
    if len(lists):
        out = lists.groupby("destination_code").agg(registered=("count", "sum"), practices=("origin_code", "nunique"))
        out["complete"] = True
    else:
        at_practice = f[f["destination_type"] == "practice"]
        if at_practice.empty:
            return pd.DataFrame(columns=["la", "period", "registered", "practices", "complete"])
        pla = _practice_la(store)
        m = at_practice.merge(pla, left_on="destination_code", right_on="practice", how="inner")
        byb = flows_by_borough(store, f)
        own = set(byb.loc[byb["origin_la"] == byb["destination_la"], "origin_la"]) if byb is not None else set()
        out = m.groupby("la").agg(registered=("count", "sum"), practices=("destination_code", "nunique"))
        out["complete"] = out.index.isin(own)
        out.loc[~out["complete"], "registered"] = np.nan
    out = out.reset_index().rename(columns={"index": "la", "destination_code": "la"})
    out["period"] = period
    return out[["la", "period", "registered", "practices", "complete"]]


def resident_population(store, codes: list[str], near_period: str | None = None) -> pd.DataFrame:
    """Residents of each local authority (sum of its age bands, persons) for the population period nearest to
    ``near_period``: ``la, population_period, residents``."""
    pop = store.population()
    pop = pop[pop["area_code"].isin(codes)]
    if pop.empty:
        return pd.DataFrame(columns=["la", "population_period", "residents"])
    periods = sorted(pop["period"].astype(str).unique())
    target = _year(near_period) if near_period else None
    chosen = min(periods, key=lambda p: (abs((_year(p) or 0) - target), -(_year(p) or 0))) if target else periods[-1]
    p = pop[pop["period"].astype(str) == chosen]
    if "Persons" not in set(p["sex"]):
        tot = p.groupby("area_code")["population"].sum()
    else:
        tot = p[p["sex"] == "Persons"].groupby("area_code")["population"].sum()
    return pd.DataFrame({"la": tot.index.astype(str), "population_period": chosen, "residents": tot.to_numpy()})


def registered_vs_resident(store, area_code: str, codes: list[str] | None = None) -> pd.DataFrame:
    """For the borough (and ``codes``): patients registered with its GP practices against its residents.

    Columns: ``area_code, area_name, registered, list_period, practices, residents, population_period, difference
    (registered − residents), ratio (registered / residents)``. Where the registered list is not known for a
    borough (e.g. a CCG covering several boroughs in September 2020) ``registered`` is missing and ``note`` says
    why."""
    codes = list(dict.fromkeys([str(area_code)] + [str(c) for c in (codes or [])]))
    lists = registered_lists(store)
    period = str(lists["period"].iloc[0]) if len(lists) else None
    res = resident_population(store, codes, period)
    out = pd.DataFrame({"area_code": codes})
    out = out.merge(lists.rename(columns={"la": "area_code", "period": "list_period"}), on="area_code", how="left")
    out = out.merge(res.rename(columns={"la": "area_code"}), on="area_code", how="left")
    out["area_name"] = out["area_code"].map(area_names(store)).fillna(out["area_code"])
    out["difference"] = out["registered"] - out["residents"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ratio"] = out["registered"] / out["residents"]
    out["note"] = np.where(out["registered"].isna(),
                           "No registered list for this borough in the data (its practices are not all known, "
                           "or they belong to a group covering several boroughs)", "")
    out["practices"] = out["practices"].astype("Int64")
    return out[["area_code", "area_name", "registered", "list_period", "practices", "residents", "population_period",
                "difference", "ratio", "note"]]


def pcn_list_sizes(store, area_code: str) -> pd.DataFrame:
    """The borough's primary care networks: number of practices and registered patients in each (list sizes from
    the flows table; practice → PCN from the lookups). Columns ``pcn_code, pcn_name, practices, registered``."""
    f = store.flows()
    if f.empty:
        return pd.DataFrame(columns=["pcn_code", "pcn_name", "practices", "registered"])
    period = str(sorted(f["period"].astype(str).unique())[-1])
    f = f[f["period"].astype(str) == period]
    if ((f["origin_type"] == "practice") & (f["destination_type"] == "la")).any():
        per = f[(f["origin_type"] == "practice") & (f["destination_code"] == str(area_code))]
        per = per.groupby("origin_code", as_index=False)["count"].sum().rename(columns={"origin_code": "practice"})
    else:
        pla = _practice_la(store)
        mine = set(pla.loc[pla["la"] == str(area_code), "practice"])
        per = f[(f["destination_type"] == "practice") & f["destination_code"].isin(mine)]
        per = per.groupby("destination_code", as_index=False)["count"].sum().rename(
            columns={"destination_code": "practice"})
    lk = store.lookups()
    pp = lk[(lk["child_type"] == "practice") & (lk["parent_type"] == "pcn")][["child_code", "parent_code"]]
    m = per.merge(pp, left_on="practice", right_on="child_code", how="left")
    m["parent_code"] = m["parent_code"].fillna("(no PCN)")
    out = m.groupby("parent_code").agg(practices=("practice", "nunique"), registered=("count", "sum")).reset_index()
    a = store.areas()
    names = dict(zip(a.loc[a["area_type"] == "pcn", "area_code"], a.loc[a["area_type"] == "pcn", "area_name"]))
    out = out.rename(columns={"parent_code": "pcn_code"})
    out.insert(1, "pcn_name", out["pcn_code"].map(names).fillna(out["pcn_code"]))
    out["list_period"] = period
    return out.sort_values("pcn_name").reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# Flows across borough lines
# ----------------------------------------------------------------------------------------------------------------
def read_flows_csv(path) -> pd.DataFrame:
    """A user's own flows table in the canonical layout (``origin_code, origin_type, destination_code,
    destination_type, period, count``), checked with the flows schema."""
    from thanalysis.data.schemas import validate

    try:
        df = pd.read_csv(path, dtype={"origin_code": str, "origin_type": str, "destination_code": str,
                                      "destination_type": str, "period": str}, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("The flows file was not found.", file=str(path),
                        expected="a CSV with origin_code, origin_type, destination_code, destination_type, period, "
                                 "count") from None
    return validate("flows", df, source=str(path))


def flows_by_borough(store, flows: pd.DataFrame | None = None, period: str | None = None) -> pd.DataFrame | None:
    """Resident-origin flows summed to ``origin_la`` (where people live) → ``destination_la`` (the borough of the
    practice or provider), for one period (the latest by default).

    Only flows whose origin is a place of residence (LSOA, ward, locality or local authority) count; None when
    there are none (e.g. the real open data's flows are practice list sizes, not residents). Origins and
    destinations are placed in boroughs through the lookups (weights kept, so split areas are shared out); a
    destination that no lookup places in a borough keeps its own code."""
    f = store.flows() if flows is None else flows
    f = f[f["origin_type"].isin(RESIDENCE_TYPES)]
    if f.empty:
        return None
    if period is None:
        period = str(sorted(f["period"].astype(str).unique())[-1])
    f = f[f["period"].astype(str) == str(period)]
    h = _hierarchy(store)

    def to_la(codes: pd.Series, types: pd.Series, side: str) -> pd.DataFrame:
        parts = []
        frame = pd.DataFrame({"code": codes.astype(str), "type": types.astype(str), "_row": np.arange(len(codes))})
        for kind, part in frame.groupby("type", sort=False):
            if kind == "la":
                parts.append(part.assign(la=part["code"], w=1.0))
                continue
            try:
                m = h.to_parent_map(kind, "la")[["child_code", "parent_code", "weight"]]
            except DataError:
                m = pd.DataFrame(columns=["child_code", "parent_code", "weight"])
            j = part.merge(m, left_on="code", right_on="child_code", how="left")
            j["la"] = j["parent_code"].fillna(j["code"])
            j["w"] = j["weight"].fillna(1.0)
            parts.append(j[["code", "type", "_row", "la", "w"]])
        out = pd.concat(parts, ignore_index=True)
        return out.rename(columns={"la": f"{side}_la", "w": f"{side}_w"})[["_row", f"{side}_la", f"{side}_w"]]

    base = f.reset_index(drop=True)
    o = to_la(base["origin_code"], base["origin_type"], "origin")
    d = to_la(base["destination_code"], base["destination_type"], "destination")
    m = base.assign(_row=np.arange(len(base))).merge(o, on="_row").merge(d, on="_row")
    m["count"] = m["count"] * m["origin_w"] * m["destination_w"]
    out = m.groupby(["origin_la", "destination_la"], as_index=False)["count"].sum()
    out["period"] = str(period)
    names = area_names(store)
    out["origin_name"] = out["origin_la"].map(names).fillna(out["origin_la"])
    out["destination_name"] = out["destination_la"].map(names).fillna(out["destination_la"])
    return out[["origin_la", "origin_name", "destination_la", "destination_name", "period", "count"]]


@dataclass
class FlowShares:
    """Results of :func:`flow_shares`."""

    long: pd.DataFrame  # origin, destination, count, share_of_origin, share_of_destination
    matrix: pd.DataFrame  # origins × destinations with totals
    summary: pd.DataFrame  # one row per borough: served elsewhere / from outside, with completeness
    total: float = 0.0
    notes: list[str] = field(default_factory=list)


def flow_shares(flows: pd.DataFrame, *, origin: str = "origin_la", destination: str = "destination_la",
                count: str = "count", names: dict | None = None) -> FlowShares:
    """Shares of a resident → provider flows table.

    - ``share_of_origin``: of everyone from an origin borough in the table, the share served in each destination
      (each origin's shares add up to 1);
    - ``share_of_destination``: of a destination's activity, the share from each origin;
    - ``summary``: per borough, the share of its residents served in another borough and the share of its
      activity coming from outside. A borough's row is only *complete* if the table holds its own residents served
      at home (the diagonal): otherwise only some of its flows were recorded and the share is left missing.
    - ``matrix``: origins as rows, destinations as columns, with row and column totals (the grand total equals
      the table's total).
    """
    for col in (origin, destination, count):
        if col not in flows.columns:
            raise DataError("The flows table is missing a column.", column=col,
                            expected=f"columns {origin}, {destination}, {count}")
    f = flows[[origin, destination, count]].copy()
    f[count] = pd.to_numeric(f[count], errors="coerce")
    if f[count].isna().any() or (f[count] < 0).any():
        bad = f.index[f[count].isna() | (f[count] < 0)][:10].tolist()
        raise DataError("Flow counts must be numbers of zero or more.", column=count, rows=[i + 1 for i in bad],
                        expected="non-negative numbers")
    f = f.groupby([origin, destination], as_index=False)[count].sum()
    total = float(f[count].sum())
    out = f.rename(columns={origin: "origin", destination: "destination", count: "count"})
    by_o = out.groupby("origin")["count"].transform("sum")
    by_d = out.groupby("destination")["count"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_of_origin"] = np.where(by_o > 0, out["count"] / by_o, np.nan)
        out["share_of_destination"] = np.where(by_d > 0, out["count"] / by_d, np.nan)
    names = names or {}
    out.insert(1, "origin_name", out["origin"].map(names).fillna(out["origin"]))
    out.insert(3, "destination_name", out["destination"].map(names).fillna(out["destination"]))

    diag = out[out["origin"] == out["destination"]].set_index("origin")["count"]
    areas = list(dict.fromkeys(list(out["origin"]) + list(out["destination"])))
    o_tot = out.groupby("origin")["count"].sum()
    d_tot = out.groupby("destination")["count"].sum()
    rows = []
    for a in areas:
        home = float(diag.get(a, 0.0))
        complete = a in diag.index
        res, act = float(o_tot.get(a, 0.0)), float(d_tot.get(a, 0.0))
        rows.append({"area_code": a, "area_name": names.get(a, a), "residents_in_table": res,
                     "served_at_home": home if complete else np.nan,
                     "served_elsewhere": res - home if complete and res else np.nan,
                     "share_served_elsewhere": (res - home) / res if complete and res else np.nan,
                     "activity_in_table": act,
                     "from_outside": act - home if complete and act else np.nan,
                     "share_from_outside": (act - home) / act if complete and act else np.nan,
                     "complete": complete})
    summary = pd.DataFrame(rows)
    mat = out.pivot_table(index="origin_name", columns="destination_name", values="count", aggfunc="sum",
                          fill_value=0.0)
    mat["Total"] = mat.sum(axis=1)
    mat.loc["Total"] = mat.sum(axis=0)
    mat = mat.reset_index().rename(columns={"origin_name": "Residents of (rows) / served in (columns)"})
    mat.columns.name = None
    notes = []
    partial = summary.loc[~summary["complete"], "area_name"].tolist()
    if partial:
        notes.append("Only some flows are recorded for " + ", ".join(partial)
                     + " (the table has none of their residents served in their own borough), so their shares "
                       "are not shown.")
    return FlowShares(long=out, matrix=mat, summary=summary, total=total, notes=notes)


# ----------------------------------------------------------------------------------------------------------------
# Map
# ----------------------------------------------------------------------------------------------------------------
MAP_CATEGORIES = {"Chosen borough": "#0072B2", "Comparator": "#56B4E9", "Other borough": "#f2f2f2"}


def map_data(store, area_code: str, comps: Comparators, table: pd.DataFrame | None = None,
             indicator_id: str | None = None):
    """(boroughs of the region with a ``group`` column: chosen / comparator / other, comparator outlines).

    With ``table`` and ``indicator_id`` the tooltip also shows that indicator's value."""
    bench = benchmarks_for(store, area_code)
    within = bench.region_code
    g = store.geometries("la", within=within) if within else store.geometries("la")
    g = g.copy()
    g["area_name"] = g["area_code"].map(area_names(store)).fillna(g["area_code"])
    g["group"] = np.where(g["area_code"] == str(area_code), "Chosen borough",
                          np.where(g["area_code"].isin(comps.codes), "Comparator", "Other borough"))
    if table is not None and indicator_id is not None:
        t = table[table["indicator_id"] == str(indicator_id)][["area_code", "value"]]
        g = g.merge(t, on="area_code", how="left")
    # The chosen borough is among the outlines so that it is labelled too (highlight draws it thickly; the map
    # names it once in its text alternative).
    outlines = g[g["area_code"].isin(comps.codes) | (g["area_code"] == str(area_code))][["area_code", "area_name",
                                                                                          "geometry"]]
    return g, outlines


__all__ = [
    "Comparators", "Benchmarks", "resolve_comparators", "benchmarks_for", "las_within", "fill_intervals",
    "la_indicator_ids", "series_values", "comparator_table", "benchmark_comparisons", "ranks", "ranked_areas",
    "spine_data", "spine_figure", "comparator_trends", "trend_words", "registered_lists", "resident_population",
    "registered_vs_resident", "pcn_list_sizes", "read_flows_csv", "flows_by_borough", "FlowShares", "flow_shares",
    "area_names", "TOO_FEW_PERIODS", "map_data", "MAP_CATEGORIES",
]
