"""The demo's annual indicators over 10 years for the partnership's five priorities: counts and denominators by
LSOA or ward with a deprivation gradient and noise (some gaps narrowing, some by ethnic group), summed up to
localities, the borough, its neighbours, the region and the country; a DSR, PM2.5, life expectancy and
deprivation. Values and limits from counts come from :func:`thanalysis.stats.intervals.values_from_counts`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from thanalysis.data.demo.common import (AGE_BANDS, COUNTRY_CODE, ETHNIC_GROUPS, HOME_CODE, REGION_CODE, YEARS, expit,
                                         logit, period_dates, period_label, substream)
from thanalysis.data.demo.places import Geography
from thanalysis.data.demo.population import Areas, Populations
from thanalysis.stats.intervals import values_from_counts
from thanalysis.stats.standardise import directly_standardised_rate

_CI_COLUMNS = ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")


@dataclass(frozen=True)
class _Indicator:
    """One annual indicator: what it measures and how its synthetic values are drawn."""

    indicator_id: str
    name: str
    value_type: str
    multiplier: float
    unit: str
    polarity: str
    priority: str
    level: str            # "lsoa21" (published from LSOA up) or "ward22" (published from ward up)
    period_style: str     # calendar | financial | academic
    denominator: str      # which people: see _denominator()
    base: float           # level at average Riverside deprivation in the first year (0-1 for proportions)
    beta: float           # change in log-odds (or log-rate) per SD of deprivation
    trend: float          # change per year on the same scale
    gap_shrink: float = 0.0   # share of the deprivation gradient gone by the last year (gaps narrowing)
    ethnic: tuple = ()    # log-odds offsets per ETHNIC_GROUPS entry (empty: no ethnic breakdown)
    ethnic_shrink: float = 0.0


#: The annual indicators, in the order they are generated (each has its own random stream).
ANNUAL = [
    _Indicator("child_obesity_y6", "Year 6: prevalence of obesity (including severe obesity)", "proportion", 100, "%",
               "lower_is_better", "child_friendly_borough", "ward22", "academic", "year6", 0.245, 0.32, 0.008,
               gap_shrink=0.45, ethnic=(0.10, 0.35, 0.05, 0.10, -0.25), ethnic_shrink=0.3),
    _Indicator("school_readiness", "School readiness: good level of development at the end of Reception",
               "proportion", 100, "%", "higher_is_better", "child_friendly_borough", "ward22", "academic",
               "reception", 0.62, -0.36, 0.035, gap_shrink=0.6, ethnic=(-0.05, -0.2, 0.0, -0.3, 0.15),
               ethnic_shrink=0.5),
    _Indicator("children_low_income", "Children in relative low income families (under 16s)", "proportion", 100,
               "%", "lower_is_better", "child_friendly_borough", "ward22", "financial", "under16", 0.29, 0.45, 0.01),
    _Indicator("employment_rate", "Employment rate (aged 16 to 64)", "proportion", 100, "%", "higher_is_better",
               "good_jobs_income", "ward22", "financial", "working_age", 0.66, -0.3, 0.03,
               ethnic=(-0.35, -0.2, -0.1, -0.3, 0.25), ethnic_shrink=0.25),
    _Indicator("no_qualifications", "Residents aged 16 and over with no qualifications", "proportion", 100, "%",
               "lower_is_better", "good_jobs_income", "lsoa21", "calendar", "adults16", 0.17, 0.35, -0.035),
    _Indicator("overcrowding", "Households that are overcrowded (fewer bedrooms than needed)", "proportion", 100,
               "%", "lower_is_better", "safe_homes_neighbourhoods", "lsoa21", "calendar", "households", 0.155, 0.3,
               -0.01),
    _Indicator("fuel_poverty_lilee", "Fuel poverty (low income, low energy efficiency)", "proportion", 100, "%",
               "lower_is_better", "safe_homes_neighbourhoods", "lsoa21", "calendar", "households", 0.12, 0.25, 0.006),
    _Indicator("homelessness_duty", "Households owed a homelessness prevention or relief duty", "crude_rate", 1000,
               "per 1,000 households", "lower_is_better", "safe_homes_neighbourhoods", "ward22", "financial",
               "households", 0.012, 0.3, -0.02),
    _Indicator("air_quality_pm25", "Fine particulate matter (PM2.5) annual mean concentration", "mean", 1,
               "micrograms per cubic metre", "lower_is_better", "safe_homes_neighbourhoods", "lsoa21", "calendar",
               "persons", 11.0, 0.0, -0.3),
    _Indicator("depression_prevalence", "Depression: recorded prevalence (aged 18 and over)", "proportion", 100, "%",
               "no_judgement", "good_mental_health", "lsoa21", "financial", "adults18", 0.075, 0.12, 0.05),
    _Indicator("self_harm_admissions", "Emergency hospital admissions for intentional self-harm", "crude_rate",
               100000, "per 100,000", "lower_is_better", "good_mental_health", "ward22", "financial", "persons",
               0.0011, 0.25, 0.01),
    _Indicator("smoking_prevalence", "Smoking prevalence in adults (18 and over)", "proportion", 100, "%",
               "lower_is_better", "fair_inclusive_borough", "ward22", "calendar", "adults18", 0.18, 0.25, -0.05,
               ethnic=(-0.1, -0.35, 0.2, 0.0, 0.3)),
    _Indicator("emergency_admissions_dsr", "Emergency hospital admissions (all ages), directly standardised rate",
               "dsr", 100000, "per 100,000", "lower_is_better", "fair_inclusive_borough", "ward22", "financial",
               "persons", 1.0, 0.2, 0.012),
    _Indicator("life_expectancy_at_birth", "Life expectancy at birth", "life_expectancy", 1, "years",
               "higher_is_better", "fair_inclusive_borough", "ward22", "calendar", "persons", 0.0, -2.6, 0.12,
               gap_shrink=0.15),
]
#: Deprivation (id, name, value type, multiplier, unit, polarity): values by LSOA, no counts.
DEPRIVATION = [
    ("imd_score", "Index of Multiple Deprivation score (synthetic, 2019 method)", "other", 1, "score",
     "lower_is_better"),
    ("imd_decile_national", "Deprivation decile within the country (1 = most deprived 10%)", "other", 1, "decile",
     "no_judgement"),
    ("imd_decile_local", "Deprivation decile within the borough (1 = most deprived 10%)", "other", 1, "decile",
     "no_judgement"),
]
# Synthetic "national" IMD score thresholds between deciles 10 (least deprived) … 1 (most deprived).
_NATIONAL_IMD_CUTS = np.array([6.0, 8.5, 11.1, 13.8, 17.0, 21.0, 26.0, 33.0, 45.0])
# Emergency admission rates per person-year by age band (a U shape), for the DSR indicator.
_ADMISSION_RATES = np.array([90, 35, 30, 40, 50, 50, 50, 55, 60, 65, 75, 85, 100, 120, 150, 200, 280, 380, 450]) / 1000
_ETHNIC_SHARES_HOME = np.array([0.42, 0.08, 0.05, 0.07, 0.38])
_ETHNIC_SHARES_NEIGHBOUR = np.array([0.25, 0.15, 0.06, 0.09, 0.45])
_ETHNIC_SHARES_COUNTRY = np.array([0.09, 0.04, 0.03, 0.02, 0.82])
_ETHNIC_STATED = 0.97  # the rest did not state an ethnic group


def _denominator(pop: np.ndarray, kind: str) -> np.ndarray:
    """People an indicator counts, from populations [..., sex, band] → [...]."""
    persons = pop.sum(axis=-2).astype(float)  # [..., band]
    b = {name: i for i, name in enumerate(AGE_BANDS)}
    if kind == "year6":
        return persons[..., b["10-14"]] * 0.2 * 0.95
    if kind == "reception":
        return persons[..., b["5-9"]] * 0.2 * 0.97
    if kind == "under16":
        return persons[..., : b["15-19"]].sum(-1) + 0.2 * persons[..., b["15-19"]]
    if kind == "working_age":
        return persons[..., b["20-24"]: b["65-69"]].sum(-1) + 0.8 * persons[..., b["15-19"]]
    if kind == "adults16":
        return persons[..., b["20-24"]:].sum(-1) + 0.8 * persons[..., b["15-19"]]
    if kind == "adults18":
        return persons[..., b["20-24"]:].sum(-1) + 0.4 * persons[..., b["15-19"]]
    if kind == "households":
        return persons.sum(-1) / 2.6
    return persons.sum(-1)


def _gradient(ind: _Indicator, z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Deprivation effect, shrinking over the years for indicators whose gap narrows."""
    shrink = 1 - ind.gap_shrink * t / (len(YEARS) - 1)
    return ind.beta * z[:, None] * shrink[None, :]


def _rows(ind: _Indicator, codes, area_type: str, count=None, denominator=None, value=None, lower_ci_95=None,
          upper_ci_95=None, lower_ci_99_8=None, upper_ci_99_8=None, sex="Persons", category_type="", category="",
          note="") -> pd.DataFrame:
    """Long rows for areas × YEARS from [area, year] arrays."""
    codes = np.asarray(codes)
    n, years = len(codes), len(YEARS)
    labels = [period_label(y, ind.period_style) for y in YEARS]
    dates = [period_dates(lab, ind.period_style) for lab in labels]

    def flat(a):
        return np.full(n * years, np.nan) if a is None else np.asarray(a, dtype=float).reshape(n * years)

    return pd.DataFrame({
        "indicator_id": ind.indicator_id, "area_code": np.repeat(codes, years), "area_type": area_type,
        "period": np.tile(labels, n), "period_start": np.tile([d[0] for d in dates], n),
        "period_end": np.tile([d[1] for d in dates], n), "sex": sex, "age": "All ages",
        "category_type": category_type, "category": category, "count": flat(count), "denominator": flat(denominator),
        "value": flat(value), "lower_ci_95": flat(lower_ci_95), "upper_ci_95": flat(upper_ci_95),
        "lower_ci_99_8": flat(lower_ci_99_8), "upper_ci_99_8": flat(upper_ci_99_8), "value_note": note,
    })


def _with_intervals(ind: _Indicator, count: np.ndarray, den: np.ndarray) -> dict:
    """Count, denominator, value and 95%/99.8% limits (Wilson for proportions, Poisson for rates): the one rule,
    :func:`~thanalysis.stats.intervals.values_from_counts`."""
    return {"count": count, "denominator": den, **values_from_counts(count, den, ind.value_type, ind.multiplier)}


def _annual_counts(ind, rng, z, pop_years, t, u, scale_noise=0.04):
    """Counts and denominators [area, year] for a proportion or crude-rate indicator."""
    den = np.round(_denominator(pop_years, ind.denominator))
    eta = (logit(ind.base) if ind.value_type == "proportion" else np.log(ind.base)) \
        + _gradient(ind, z, t) + ind.trend * t[None, :] + u[:, None] + rng.normal(0, scale_noise, den.shape)
    if ind.value_type == "proportion":
        count = rng.binomial(den.astype(np.int64), expit(eta)).astype(float)
    else:
        count = rng.poisson(den * np.exp(eta)).astype(float)
    return count, den


def make_annual(seed: int, geo: Geography, pops: Populations) -> pd.DataFrame:
    """Values rows of every annual indicator and of deprivation, for every area that publishes them."""
    areas = Areas(geo)
    t = np.arange(len(YEARS), dtype=float)
    z_lsoa = geo.lsoa["z"].to_numpy()
    z_nb = geo.neighbours["z"].to_numpy()
    z_country = np.array([-0.9])  # the country as a whole is far less deprived than Riverside
    frames = []
    for ind in ANNUAL:
        rng = substream(seed, "annual:" + ind.indicator_id)
        u_lsoa = rng.normal(0, 0.10, len(z_lsoa))
        u_nb = rng.normal(0, 0.06, len(z_nb))
        home_levels = ["lsoa21", "ward22", "locality", "la"] if ind.level == "lsoa21" else ["ward22", "locality", "la"]
        home_codes = {"lsoa21": areas.lsoa_codes, "ward22": areas.ward_codes, "locality": areas.loc_codes,
                      "la": np.array([HOME_CODE])}
        if ind.value_type in ("proportion", "crude_rate"):
            c_l, d_l = _annual_counts(ind, rng, z_lsoa, pops.lsoa, t, u_lsoa)
            c_n, d_n = _annual_counts(ind, rng, z_nb, pops.neighbours, t, u_nb)
            c_c, d_c = _annual_counts(ind, rng, z_country, pops.country, t, np.zeros(1), scale_noise=0.005)
            up_c, up_d = areas.up(c_l), areas.up(d_l)
            up_c["lsoa21"], up_d["lsoa21"] = c_l, d_l
            region_c = up_c["la"] + c_n.sum(0, keepdims=True)
            region_d = up_d["la"] + d_n.sum(0, keepdims=True)
            for level in home_levels:
                frames.append(_rows(ind, home_codes[level], level, **_with_intervals(ind, up_c[level], up_d[level])))
            frames.append(_rows(ind, areas.nb_codes, "la", **_with_intervals(ind, c_n, d_n)))
            frames.append(_rows(ind, [REGION_CODE], "region", **_with_intervals(ind, region_c, region_d)))
            frames.append(_rows(ind, [COUNTRY_CODE], "country", **_with_intervals(ind, c_c, d_c)))
            if ind.ethnic:
                frames.append(_ethnic_rows(ind, rng, t, {
                    "locality": (areas.loc_codes, up_c["locality"], up_d["locality"], _ETHNIC_SHARES_HOME),
                    "la": (np.array([HOME_CODE]), up_c["la"], up_d["la"], _ETHNIC_SHARES_HOME),
                    "la_nb": (areas.nb_codes, c_n, d_n, _ETHNIC_SHARES_NEIGHBOUR),
                    "country": (np.array([COUNTRY_CODE]), c_c, d_c, _ETHNIC_SHARES_COUNTRY),
                }))
        elif ind.value_type == "dsr":
            frames.append(_dsr_rows(ind, rng, areas, z_lsoa, z_nb, z_country, pops, t, u_lsoa, u_nb))
        elif ind.value_type == "mean":
            frames.append(_pm25_rows(ind, rng, geo, areas, pops, t, home_levels))
        elif ind.value_type == "life_expectancy":
            frames.append(_life_expectancy_rows(ind, rng, areas, z_lsoa, z_nb, z_country, pops, t))
    frames.append(_deprivation_rows(geo, areas, pops))
    return pd.concat(frames, ignore_index=True)


def _ethnic_rows(ind, rng, t, groups: dict) -> pd.DataFrame:
    """Ethnic-group rows: the area's denominator shared between groups, each group with its own offset
    (offsets shrink over time where the gap narrows)."""
    frames = []
    offsets = np.asarray(ind.ethnic)
    shrink = 1 - ind.ethnic_shrink * t / (len(YEARS) - 1)
    for key, (codes, count, den, shares) in groups.items():
        area_type = {"locality": "locality", "la": "la", "la_nb": "la", "country": "country"}[key]
        # Local ethnic mix varies around the borough's (Dirichlet draws, concentration 150).
        mix = rng.dirichlet(shares * 150, size=len(codes))
        with np.errstate(invalid="ignore", divide="ignore"):
            p_area = count / den
        for g, group in enumerate(ETHNIC_GROUPS):
            d_g = np.round(den * mix[:, g:g + 1] * _ETHNIC_STATED)
            if ind.value_type == "proportion":
                p_g = expit(logit(p_area) + offsets[g] * shrink[None, :])
                c_g = rng.binomial(d_g.astype(np.int64), p_g).astype(float)
            else:
                c_g = rng.poisson(d_g * p_area * np.exp(offsets[g] * shrink[None, :])).astype(float)
            frames.append(_rows(ind, codes, area_type, **_with_intervals(ind, c_g, d_g),
                                category_type="Ethnic group", category=group))
    # Region by ethnic group: the sum of its boroughs' groups.
    eth = pd.concat(frames, ignore_index=True)
    members = set(groups["la"][0]) | set(groups["la_nb"][0])
    reg = eth[(eth["area_type"] == "la") & eth["area_code"].isin(members)]
    reg = reg.groupby(["period", "period_start", "period_end", "category"],
                      as_index=False)[["count", "denominator"]].sum()
    reg = reg.sort_values(["category", "period"])
    for group in ETHNIC_GROUPS:
        part = reg[reg["category"] == group]
        c = part["count"].to_numpy()[None, :]
        d = part["denominator"].to_numpy()[None, :]
        frames.append(_rows(ind, [REGION_CODE], "region", **_with_intervals(ind, c, d),
                            category_type="Ethnic group", category=group))
    return pd.concat(frames, ignore_index=True)


def _dsr_rows(ind, rng, areas, z_lsoa, z_nb, z_country, pops, t, u_lsoa, u_nb) -> pd.DataFrame:
    """Emergency admissions by age band → directly standardised rates (ESP 2013, Dobson limits)."""
    def events(pop, z, u):
        persons = pop.sum(axis=2).astype(float)  # [area, year, band]
        eta = _gradient(ind, z, t)[:, :, None] + ind.trend * t[None, :, None] + u[:, None, None]
        return rng.poisson(persons * _ADMISSION_RATES[None, None, :] * np.exp(eta)).astype(float), persons

    c_l, p_l = events(pops.lsoa, z_lsoa, u_lsoa)
    c_n, p_n = events(pops.neighbours, z_nb, u_nb)
    c_c, p_c = events(pops.country, np.array([-0.9]), np.zeros(1))
    up_c, up_p = areas.up(c_l), areas.up(p_l)
    blocks = [(areas.ward_codes, "ward22", up_c["ward22"], up_p["ward22"]),
              (areas.loc_codes, "locality", up_c["locality"], up_p["locality"]),
              (np.array([HOME_CODE]), "la", up_c["la"], up_p["la"]),
              (areas.nb_codes, "la", c_n, p_n),
              (np.array([REGION_CODE]), "region", up_c["la"] + c_n.sum(0, keepdims=True),
               up_p["la"] + p_n.sum(0, keepdims=True)),
              (np.array([COUNTRY_CODE]), "country", c_c, p_c)]
    frames = []
    for codes, area_type, count, popn in blocks:
        long = pd.DataFrame({
            "area_code": np.repeat(codes, len(YEARS) * len(AGE_BANDS)),
            "year": np.tile(np.repeat(np.arange(len(YEARS)), len(AGE_BANDS)), len(codes)),
            "age_band": np.tile(AGE_BANDS, len(codes) * len(YEARS)),
            "count": count.reshape(-1), "denominator": popn.reshape(-1),
        })
        res = _dsr(long, ["area_code", "year"])
        res = res.sort_values(["area_code", "year"])
        shape = (len(codes), len(YEARS))
        frames.append(_rows(ind, codes, area_type, count=res["total_count"].to_numpy().reshape(shape),
                            denominator=res["total_pop"].to_numpy().reshape(shape),
                            value=res["value"].to_numpy().reshape(shape),
                            **{c: res[c].to_numpy().reshape(shape) for c in _CI_COLUMNS}))
    return pd.concat(frames, ignore_index=True)


def _dsr(long: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """DSR per group with 95% and 99.8% limits, by the project's standardisation function."""
    return directly_standardised_rate(long, "count", "denominator", group_by=groups, age_band="age_band",
                                      multiplier=100000, confidence=[0.95, 0.998])


def _pm25_rows(ind, rng, geo, areas, pops, t, home_levels) -> pd.DataFrame:
    """Modelled PM2.5: higher near the city edge (west) and a main road, falling over time; population-weighted
    means for bigger areas."""
    u, v = geo.lsoa["u"].to_numpy(), geo.lsoa["v"].to_numpy()
    level = ind.base + 1.4 * (1 - u) + 1.0 * np.exp(-((v - 0.5) ** 2) / 0.01) + rng.normal(0, 0.2, len(u))
    value = level[:, None] * np.exp(-0.03 * t)[None, :] + rng.normal(0, 0.08, (len(u), len(YEARS)))
    weight = pops.lsoa.sum(axis=(2, 3)).astype(float)
    up_w = areas.up(weight)
    up_v = areas.up(value * weight)
    codes = {"lsoa21": areas.lsoa_codes, "ward22": areas.ward_codes, "locality": areas.loc_codes,
             "la": np.array([HOME_CODE])}
    frames = []
    for lev in home_levels:
        val = value if lev == "lsoa21" else up_v[lev] / up_w[lev]
        frames.append(_rows(ind, codes[lev], lev, value=np.round(val, 3)))
    nb_w = pops.neighbours.sum(axis=(2, 3)).astype(float)
    nb_v = (ind.base - 0.8 + rng.normal(0, 0.5, (len(areas.nb_codes), 1))) * np.exp(-0.03 * t)[None, :]
    frames.append(_rows(ind, areas.nb_codes, "la", value=np.round(nb_v, 3)))
    reg = (up_v["la"] + (nb_v * nb_w).sum(0, keepdims=True)) / (up_w["la"] + nb_w.sum(0, keepdims=True))
    frames.append(_rows(ind, [REGION_CODE], "region", value=np.round(reg, 3)))
    country = (ind.base - 3.2) * np.exp(-0.03 * t)[None, :]
    frames.append(_rows(ind, [COUNTRY_CODE], "country", value=np.round(country, 3)))
    return pd.concat(frames, ignore_index=True)


def _life_expectancy_rows(ind, rng, areas, z_lsoa, z_nb, z_country, pops, t) -> pd.DataFrame:
    """Life expectancy by sex: shorter where deprivation is higher (a gap of several years), rising slowly.
    Limits are value ± z × SE with the SE growing as the population shrinks (as Chiang II limits do)."""
    frames = []
    for s, (sex, base) in enumerate((("Male", 78.2), ("Female", 82.6))):
        pop_l = pops.lsoa[:, :, s, :].sum(-1).astype(float)
        pop_up = areas.up(pop_l)
        z_ward = areas.up(z_lsoa[:, None] * pop_l)["ward22"] / pop_up["ward22"]
        lev = {}
        lev["ward22"] = base + _gradient(ind, z_ward[:, 0], t) + ind.trend * t[None, :] \
            + rng.normal(0, 0.45, (len(areas.ward_codes), 1)) + rng.normal(0, 0.2, z_ward.shape)
        w = pop_up["ward22"]
        loc_of_ward = areas.loc_of_ward
        loc_w = np.zeros((4, len(YEARS)))
        loc_v = np.zeros((4, len(YEARS)))
        np.add.at(loc_w, loc_of_ward, w)
        np.add.at(loc_v, loc_of_ward, w * lev["ward22"])
        lev["locality"] = loc_v / loc_w
        lev["la"] = (w * lev["ward22"]).sum(0, keepdims=True) / w.sum(0, keepdims=True)
        pop_nb = pops.neighbours[:, :, s, :].sum(-1).astype(float)
        nb = base + _gradient(ind, z_nb, t) + ind.trend * t[None, :] + rng.normal(0, 0.3, (len(z_nb), 1))
        region = (lev["la"] * w.sum(0, keepdims=True) + (nb * pop_nb).sum(0, keepdims=True)) \
            / (w.sum(0, keepdims=True) + pop_nb.sum(0, keepdims=True))
        country = base + _gradient(ind, z_country, t) + ind.trend * t[None, :]
        blocks = [(areas.ward_codes, "ward22", lev["ward22"], w), (areas.loc_codes, "locality", lev["locality"], loc_w),
                  (np.array([HOME_CODE]), "la", lev["la"], w.sum(0, keepdims=True)),
                  (areas.nb_codes, "la", nb, pop_nb),
                  (np.array([REGION_CODE]), "region", region, w.sum(0, keepdims=True) + pop_nb.sum(0, keepdims=True)),
                  (np.array([COUNTRY_CODE]), "country", country, pops.country[:, :, s, :].sum(-1).astype(float))]
        for codes, area_type, value, popn in blocks:
            se = 0.9 * np.sqrt(15000 / popn)
            out = {"value": np.round(value, 3)}
            for level, lo, hi in ((0.95, "lower_ci_95", "upper_ci_95"), (0.998, "lower_ci_99_8", "upper_ci_99_8")):
                zq = norm.ppf(1 - (1 - level) / 2)
                out[lo] = np.round(value - zq * se, 3)
                out[hi] = np.round(value + zq * se, 3)
            frames.append(_rows(ind, codes, area_type, sex=sex, **out))
    return pd.concat(frames, ignore_index=True)


def _deprivation_rows(geo, areas, pops) -> pd.DataFrame:
    """IMD-style score by LSOA (and population-weighted averages), and national and local deciles by LSOA."""
    lsoa = geo.lsoa
    score = lsoa["imd_score"].to_numpy()
    # National decile from fixed synthetic thresholds; local decile by rank within the borough (1 = most deprived).
    national = 10 - np.searchsorted(_NATIONAL_IMD_CUTS, score, side="right")
    rank = pd.Series(-score).rank(method="first").to_numpy()
    local = np.ceil(rank * 10 / len(score)).astype(int)
    period, (start, end) = "2019", period_dates("2019", "calendar")
    pop = pops.lsoa[:, YEARS.index(2019)].sum(axis=(1, 2)).astype(float)
    up_pop, up_score = areas.up(pop), areas.up(pop * score)

    def rows(ind_id, codes, area_type, values):
        return pd.DataFrame({"indicator_id": ind_id, "area_code": codes, "area_type": area_type, "period": period,
                             "period_start": start, "period_end": end, "sex": "Persons", "age": "All ages",
                             "category_type": "", "category": "", "value": np.asarray(values, dtype=float),
                             "value_note": ""})

    frames = [rows("imd_score", areas.lsoa_codes, "lsoa21", score),
              rows("imd_decile_national", areas.lsoa_codes, "lsoa21", national),
              rows("imd_decile_local", areas.lsoa_codes, "lsoa21", local)]
    for level, codes in (("ward22", areas.ward_codes), ("locality", areas.loc_codes), ("la", [HOME_CODE])):
        frames.append(rows("imd_score", codes, level, np.round(up_score[level] / up_pop[level], 3)))
    frames.append(rows("imd_score", areas.nb_codes, "la", np.round(np.clip(29 + 10 * geo.neighbours["z"], 5, 60), 3)))
    frames.append(rows("imd_score", [COUNTRY_CODE], "country", [21.7]))
    return pd.concat(frames, ignore_index=True)

