"""Fingertips indicators chosen by id (``fingertips_ids``): Fingertips' own values, intervals, counts and
comparison beside our recomputation of their intervals from the count and denominator, and a spine chart.

- :func:`recompute` – each row's value and 95%/99.8% limits recomputed from its count and denominator with
  :func:`thanalysis.stats.intervals.values_from_counts` (Wilson score for proportions; Poisson – exact below 10
  events, Byars from 10 – for crude rates), and whether they agree with Fingertips' published figures to the
  published rounding. Age-standardised rates and other measures cannot be recomputed from a count and a
  denominator (a directly standardised rate needs the counts by age: Dobson's method), and the row says so;
- :func:`fingertips_spine` – one row per indicator: the range over England's local authorities, the region and
  the comparators' middle value, the borough and its comparison marker (Fingertips' own where published).

Where one indicator id is held both by a raw Fingertips export and by a republished series, the store keeps the
raw export (:mod:`thanalysis.data.real_published`); ``source`` and ``source_kind`` say which one the report used.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.analyses.cross_borough_areas import ROLE_AREA, ROLE_COMPARATOR, ROLE_REGION
from thanalysis.analyses.cross_borough_series import source_comparison
from thanalysis.analyses.cross_borough_values import CI_COMPUTED, agrees, spine_data
from thanalysis.stats.intervals import values_from_counts

AGREES = "agrees with Fingertips to its rounding"
DISAGREES = "DISAGREES with Fingertips"
NO_PUBLISHED_CI = "no published interval to check (ours is the only one)"
NOT_RECOMPUTABLE = {
    "dsr": "cannot be recomputed from a count and denominator: an age-standardised rate needs the counts by age "
           "(Dobson method)",
    "life_expectancy": "cannot be recomputed from a count and denominator: life expectancy needs deaths and "
                       "populations by age (Chiang II method)",
}
#: The comparison words a spine marker can take.
_MARKERS = ["Better", "Similar", "Worse", "Higher", "Lower"]
_CHECKED = ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]

RECOMPUTED_COLUMNS = ["indicator_id", "indicator", "sex", "age", "period", "area_code", "area_name", "role",
                      "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "count",
                      "denominator", "value_type", "our_value", "our_lower_ci_95", "our_upper_ci_95",
                      "our_lower_ci_99_8", "our_upper_ci_99_8", "our_ci_method", "largest_difference", "check",
                      "fingertips_comparison", "our_comparison_95"]


def recompute(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a comparator table (one period per series) with our recomputation from count and denominator,
    the largest difference from Fingertips' published value and limits, and the verdict in ``check``."""
    t = table.copy()
    kinds = t["value_type"].astype(str).to_numpy()
    mult = pd.to_numeric(t["multiplier"], errors="coerce").fillna(1.0).to_numpy(dtype=float)
    x = pd.to_numeric(t["count"], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(t["denominator"], errors="coerce").to_numpy(dtype=float)
    ours = {c: np.full(len(t), np.nan) for c in _CHECKED}
    for kind in CI_COMPUTED:
        rows = (kinds == kind) & np.isfinite(x) & np.isfinite(n) & (n > 0)
        if rows.any():
            got = values_from_counts(x[rows], n[rows], kind, mult[rows])
            for c in _CHECKED:
                ours[c][rows] = got[c]
    for c in _CHECKED:
        t[f"our_{c}"] = ours[c]
    t["our_ci_method"] = [CI_COMPUTED.get(k, "") if np.isfinite(v) else "" for k, v in zip(kinds, ours["value"])]
    checks, largest = [], []
    for k, row in enumerate(t.itertuples(index=False)):
        if not np.isfinite(ours["value"][k]):
            reason = NOT_RECOMPUTABLE.get(kinds[k], "cannot be recomputed: no count and denominator"
                                          if kinds[k] in CI_COMPUTED else
                                          f"cannot be recomputed from a count and denominator ({kinds[k]})")
            checks.append(reason)
            largest.append(np.nan)
            continue
        pairs = [(getattr(row, c), ours[c][k]) for c in _CHECKED if pd.notna(getattr(row, c))]
        has_ci = pd.notna(row.lower_ci_95) and row.ci_method == "published"
        diffs = [abs(p - o) for p, o in pairs]
        largest.append(max(diffs) if diffs else np.nan)
        if not has_ci:
            checks.append(NO_PUBLISHED_CI)
        else:
            checks.append(AGREES if all(agrees(p, o) for p, o in pairs) else DISAGREES)
    t["largest_difference"] = largest
    t["check"] = checks
    t["fingertips_comparison"] = t["value_note"].map(source_comparison)
    t["our_comparison_95"] = t["vs_country_95"]
    return t[RECOMPUTED_COLUMNS].reset_index(drop=True)


def fingertips_spine(store, table: pd.DataFrame) -> pd.DataFrame:
    """Spine rows (:func:`~thanalysis.analyses.cross_borough_values.spine_data`) for the Fingertips indicators,
    with the region's value, the comparators' median and the marker: Fingertips' comparison with England where it
    published one, else ours (``marker_source`` says which)."""
    spine = spine_data(store, table)
    if spine.empty:
        return spine
    keys = ["indicator_id", "indicator", "period"]
    region = table[table["role"] == ROLE_REGION][keys + ["value"]].rename(columns={"value": "region_value"})
    comps = (table[table["role"].isin([ROLE_COMPARATOR, ROLE_AREA])].groupby(keys)["value"].median()
             .rename("comparators_median").reset_index())
    mine = table[table["role"] == ROLE_AREA][keys + ["value_note"]]
    out = spine.merge(region, on=keys, how="left").merge(comps, on=keys, how="left").merge(mine, on=keys, how="left")
    theirs = out["value_note"].map(source_comparison)
    word = theirs.str.split(" ").str[0].where(lambda w: w.isin(_MARKERS))
    out["marker_source"] = np.where(word.notna(), "Fingertips", "ours (95%)")
    out["significance"] = word.fillna(out["significance"])
    return out.drop(columns="value_note")


__all__ = ["recompute", "fingertips_spine", "AGREES", "DISAGREES", "NO_PUBLISHED_CI",
           "NOT_RECOMPUTABLE", "RECOMPUTED_COLUMNS"]
