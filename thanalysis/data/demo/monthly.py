"""The demo's monthly dashboard metrics: every monthly ``dash_*`` metric in ``data/priorities.yml`` for 48 months,
for the borough and its localities, with PLANTED special causes (a shift, a trend, an outlier) and null series
checked with the SPC rules of :mod:`thanalysis.stats.spc`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.data.demo.common import (HOME_CODE, LICENCE, LOCALITIES, N_MONTHS, SOURCE, YEARS, expit, logit,
                                         month_labels, period_dates, substream)
from thanalysis.data.demo.places import Geography
from thanalysis.data.demo.population import Populations
from thanalysis.errors import ConfigError, DataError
from thanalysis.priorities import Priorities
from thanalysis.stats.intervals import values_from_counts
from thanalysis.stats.spc import (LIMIT_MULTIPLIER, MOVING_RANGE_SCREEN_MULTIPLIER, NEAR_LIMIT_FRACTION, part_of,
                                  shift_flags, trend_flags, two_in_three_flags)

#: Where the monthly metrics come from (recorded in the marker file).
METRICS_FROM = "data/priorities.yml"
_CI_COLUMNS = ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")
# Monthly denominators at borough level for proportion metrics (plausible volumes; default otherwise).
_MONTHLY_DENOMINATORS = {
    "dash_outpatient_dna_rate": 14000, "dash_rtt_18_weeks": 26000, "dash_asc_discharge_to_usual_residence": 1500,
    "dash_talking_therapies_recovery": 380, "dash_claimant_rate": 215000, "dash_csc_assessments_within_45_days": 320,
    "dash_csc_rereferrals_12_months": 330, "dash_ehcp_within_20_weeks": 60,
}
_DEFAULT_MONTHLY_DENOMINATOR = 2000
_DEFAULT_TYPICAL = {"proportion": 0.5, "count": 100, "crude_rate": 5.0}

# What is planted in which metric (by position among the demo's monthly metrics, in priorities-file order).
# Months are 0-based positions in the 48-month series starting FIRST_MONTH.
_PLAN = [
    {"event": "shift", "scope": "borough", "start": 27, "end": N_MONTHS - 1, "size_sd": 3.5, "meaning": "concern"},
    {"event": "trend", "scope": "borough", "start": 36, "end": N_MONTHS - 1, "size_sd": 5.0, "meaning": "improvement"},
    {"event": "outlier", "scope": "borough", "start": 17, "end": 17, "size_sd": 6.0, "meaning": "concern"},
    {"event": "shift", "scope": "XL000003", "start": 20, "end": N_MONTHS - 1, "size_sd": 4.0,
     "meaning": "improvement"},
]


@dataclass(frozen=True)
class _MonthlySpec:
    """A monthly metric as the demo draws it (from data/priorities.yml)."""

    metric_id: str
    title: str
    value_type: str
    polarity: str
    unit: str
    typical: float


def _monthly_specs(pri: Priorities) -> list[_MonthlySpec]:
    """Monthly demo metrics: every monthly ``dash_*`` metric in data/priorities.yml."""
    specs = []
    for mid in pri.monthly_metric_ids(demo_only=True):
        m = pri.metric(mid)
        typical = m.typical_value if m.typical_value is not None else _DEFAULT_TYPICAL.get(m.value_type, 10.0)
        specs.append(_MonthlySpec(m.id, m.title, m.value_type, m.polarity, m.unit, float(typical)))
    if not specs:
        raise ConfigError(f"{pri.path}: no monthly metric is marked for the demo, so the demo has no dashboard "
                          "series (mark at least one monthly dash_* metric)")
    return specs


# --- The SPC checks: the rules of thanalysis.stats.spc on one plain series ------------------------------------
def _limit_flags(y: np.ndarray, screen_outliers: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points outside the process limits, points close to them (inside), and each point's side of the mean.

    The limits of :func:`thanalysis.stats.spc.add_limits` (mean ± 2.66 × mean moving range, moving ranges above
    3.267 × their mean screened out or not) for a whole series with no phases, on arrays: the demo checks
    series thousands of times while it draws them, too often for the table-based :func:`~thanalysis.stats.spc.spc`
    (about 10 ms a call)."""
    mean = y.mean()
    mr = np.abs(np.diff(y))
    amr = mr.mean()
    if screen_outliers:
        amr = mr[mr <= MOVING_RANGE_SCREEN_MULTIPLIER * amr].mean()
    distance = np.abs(y - mean)
    outside = distance > LIMIT_MULTIPLIER * amr
    close = ~outside & (distance > NEAR_LIMIT_FRACTION * LIMIT_MULTIPLIER * amr)
    return outside, close, np.sign(y - mean)


def quiet(y: np.ndarray) -> bool:
    """No special cause under any common variant of the Making Data Count rules: limits with and without
    screening, runs and trends of 6 (so also of 7), two of three close to a limit."""
    for screen in (True, False):
        outside, close, side = _limit_flags(y, screen)
        if outside.any() or two_in_three_flags(close, side).any():
            return False
    return not (shift_flags(side, 6).any() or trend_flags(y, 6).any())


def detected(y: np.ndarray, event: str, start: int, end: int) -> bool:
    """The planted event is found by the least sensitive variant of the rules (runs and trends of 7, unscreened
    limits), inside its window."""
    window = np.zeros(len(y), dtype=bool)
    window[start:end + 1] = True
    if event == "outlier":
        return bool(_limit_flags(y, False)[0][start]) and not _limit_flags(y, True)[0][~window].any()
    if event == "shift":
        flags = shift_flags(np.sign(y - y.mean()), 7)
    elif event == "trend":
        flags = trend_flags(y, 7)
    else:
        return False
    return bool((part_of(flags, 7) & window).sum() >= 7)


def make_monthly(seed: int, geo: Geography, pops: Populations,
                 priorities: Priorities) -> tuple[pd.DataFrame, list[dict], list[dict]]:
    """Values rows of every monthly metric of ``priorities`` (data/priorities.yml), what was planted in each, and
    the metrics' indicator rows."""
    specs = _monthly_specs(priorities)
    months = month_labels()
    dates = [period_dates(m, "month") for m in months]
    year_i = YEARS.index(2021)
    loc_pop = np.array([pops.lsoa[(geo.lsoa["locality"] == c).to_numpy(), year_i].sum() for c, _ in LOCALITIES],
                       dtype=float)
    share = loc_pop / loc_pop.sum()
    loc_z = np.array([geo.lsoa.loc[geo.lsoa["locality"] == c, "z"].mean() for c, _ in LOCALITIES])
    area_codes = [HOME_CODE] + [c for c, _ in LOCALITIES]
    frames, planted, indicators = [], [], []
    for position, spec in enumerate(specs):
        plan = _PLAN[position] if position < len(_PLAN) else None
        rng = substream(seed, "monthly:" + spec.metric_id)
        counts, dens, values, record = _monthly_series(spec, plan, rng, share, loc_z, months)
        planted.append({"metric_id": spec.metric_id, **record})
        multiplier = 100.0 if spec.value_type == "proportion" else (1000.0 if spec.value_type == "crude_rate" else 1.0)
        unit = "%" if spec.value_type == "proportion" else spec.unit
        indicators.append({"indicator_id": spec.metric_id, "name": spec.title, "value_type": spec.value_type,
                           "multiplier": multiplier, "unit": unit, "polarity": spec.polarity, "source": SOURCE,
                           "licence": LICENCE, "frequency": "monthly"})
        for a, code in enumerate(area_codes):
            c, d, v = counts[a], dens[a], values[a]
            # Limits by the one rule (none for counts and other value types); the value is the series itself.
            limits = values_from_counts(c, d, spec.value_type, multiplier)
            frames.append(pd.DataFrame({
                "indicator_id": spec.metric_id, "area_code": code, "area_type": "la" if a == 0 else "locality",
                "period": months, "period_start": [x[0] for x in dates], "period_end": [x[1] for x in dates],
                "sex": "Persons", "age": "All ages", "category_type": "", "category": "", "count": c,
                "denominator": d, "value": v, **{col: limits[col] for col in _CI_COLUMNS}, "value_note": "",
            }))
    return pd.concat(frames, ignore_index=True), planted, indicators


def _monthly_series(spec: _MonthlySpec, plan: dict | None, rng, share, loc_z, months):
    """Series for the borough (row 0) and its four localities (rows 1-4): counts, denominators, values.

    Noise is redrawn (from the metric's own stream, so deterministically) until every series is quiet under
    every variant of the SPC rules; the planted event is then added and must be detectable where it was
    planted, while the other areas stay quiet."""
    vt = spec.value_type
    n = N_MONTHS
    mult = 100.0 if vt == "proportion" else (1000.0 if vt == "crude_rate" else 1.0)
    if vt == "proportion":
        p = float(np.clip(spec.typical, 0.01, 0.99))
        total = _MONTHLY_DENOMINATORS.get(spec.metric_id, _DEFAULT_MONTHLY_DENOMINATOR)
        level = np.clip(expit(logit(p) + 0.08 * loc_z), 0.005, 0.995)  # per locality
        den = np.maximum(np.round(total * share[:, None] * (1 + rng.normal(0, 0.02, (4, n)))), 5)
        sd = np.sqrt(level[:, None] * (1 - level[:, None]) / den)
    elif vt in ("count", "crude_rate"):
        lam_total = spec.typical if vt == "count" else spec.typical / mult * 250_000 / 12
        lam = lam_total * share * (1 + 0.05 * loc_z)
        level = lam
        den = np.full((4, n), np.nan) if vt == "count" else np.round(250_000 * share[:, None] * np.ones((1, n)))
        sd = np.sqrt(np.maximum(lam, 1.0))[:, None] * np.ones((1, n))
    else:  # mean, other, ratio, dsr...: a level with normal noise
        level = spec.typical * (1 + 0.08 * loc_z)
        den = np.full((4, n), np.nan)
        sd = np.abs(spec.typical) * 0.08 * np.ones((4, n))

    def build(noise, effect):
        """Locality values with noise and planted effect → (counts, dens, values) for borough + localities."""
        if vt == "proportion":
            prop = np.clip(level[:, None] + sd * noise[:4] + effect, 0, 1)
            c = np.round(prop * den)
            values = np.vstack([c.sum(0) / den.sum(0), c / den]) * mult
            return np.vstack([c.sum(0), c]), np.vstack([den.sum(0), den]), values
        if vt in ("count", "crude_rate"):
            c = np.maximum(np.round(level[:, None] + sd * noise[:4] + effect), 0)
            cc = np.vstack([c.sum(0), c])
            if vt == "count":
                return cc, np.full((5, n), np.nan), cc.astype(float)
            dd = np.vstack([den.sum(0), den])
            return cc, dd, cc / dd * mult
        v = level[:, None] + sd * noise[:4] + effect
        # The borough value of a non-additive measure is its own series (e.g. a gap), with half the noise.
        borough = spec.typical + 0.5 * np.abs(spec.typical) * 0.08 * noise[4] + effect.mean(0)
        return np.full((5, n), np.nan), np.full((5, n), np.nan), np.round(np.vstack([borough, v]), 6)

    codes = [HOME_CODE] + [c for c, _ in LOCALITIES]
    direction = 0
    if plan is not None:
        worse_up = spec.polarity != "higher_is_better"
        up = worse_up if plan["meaning"] == "concern" else not worse_up
        direction = 1 if up else -1
    for attempt in range(5000):
        noise = np.empty((5, n))
        for a in range(5):  # each locality (and the extra borough row) quiet on its own first
            while True:
                noise[a] = rng.normal(0, 1, n)
                if quiet(noise[a]):
                    break
        zero = np.zeros((4, n))
        c0, d0, v0 = build(noise, zero)
        if not all(quiet(np.round(v0[a], 6)) for a in range(5)):
            continue
        if plan is None:
            return c0, d0, np.round(v0, 6), {"event": "none", "areas": codes, "quiet_areas": codes,
                                             "attempts": attempt + 1}
        targets = list(range(4)) if plan["scope"] == "borough" else [codes.index(plan["scope"]) - 1]
        effect = np.zeros((4, n))
        start, end = plan["start"], plan["end"]
        size = plan["size_sd"] * sd[targets, start:end + 1].max()
        for k in targets:
            if plan["event"] in ("shift", "outlier"):
                effect[k, start:end + 1] = direction * size
            elif plan["event"] == "trend":
                ramp = np.arange(1, end - start + 2) / (end - start + 1)
                effect[k, start:end + 1] = direction * size * ramp
        if plan["event"] == "trend":
            # Make the planted trend strictly monotone in every target area: sort the noise in its window.
            for k in targets:
                window = noise[k, start:end + 1]
                noise[k, start:end + 1] = np.sort(window) if direction > 0 else np.sort(window)[::-1]
        c1, d1, v1 = build(noise, effect)
        v1 = np.round(v1, 6)
        if plan["scope"] == "borough":
            planted_rows, quiet_rows = [0, 1, 2, 3, 4], []
        else:
            # A one-locality event: the other localities must stay quiet; the borough, where the event is
            # diluted, is listed as quiet only if it is.
            planted_rows = [k + 1 for k in targets]
            quiet_rows = [a for a in range(1, 5) if a not in planted_rows] + ([0] if quiet(v1[0]) else [])
        if all(detected(v1[a], plan["event"], start, end) for a in planted_rows) and \
                all(quiet(v1[a]) for a in quiet_rows):
            record = {
                "event": plan["event"], "areas": [codes[a] for a in planted_rows],
                "quiet_areas": [codes[a] for a in sorted(quiet_rows)],
                "start": months[start], "end": months[end], "direction": "up" if direction > 0 else "down",
                "meaning": plan["meaning"] if spec.polarity != "no_judgement" else "neutral",
                "size": round(float(size * mult), 6), "size_unit": "%" if vt == "proportion" else spec.unit,
                "size_sd": plan["size_sd"], "attempts": attempt + 1,
            }
            return c1, d1, v1, record
    raise DataError(f"The synthetic demo could not plant a {plan['event']} in {spec.metric_id} "  # pragma: no cover
                    "that the SPC rules find, in 5,000 draws.", expected="another seed (--seed)")

