"""One row per series of the cross-borough report: its theme, period and data currency, the borough against its
neighbours, the region and the country, and both comparison labels with England – ours and the source's own.

- :func:`series_summary` – from the latest-period table of
  :func:`~thanalysis.analyses.cross_borough_values.comparator_table`: the borough's value, its neighbours' range,
  region and country values, the period and whether it is out of date, where the values come from (a raw export
  with intervals and counts, or republished values without), our comparison with the country and the source's;
- :func:`our_comparison` – ours: with an interval (published, or computed from a count and denominator), the
  Fingertips 95% comparison; without one, only "higher"/"lower" than the country with the difference and the words
  "no confidence interval published" – never a significance claim;
- :func:`source_comparison` – the comparison a source published itself (Fingertips' "Better/Similar/Worse", kept by
  the readers in ``value_note`` as "Fingertips: ...");
- :func:`out_of_date` – whether a series' latest period ended more than its lag before the report's date
  (the indicators table's ``lag_months``, else :func:`thanalysis.vocabulary.default_lag_months` by frequency).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from thanalysis.analyses.cross_borough_areas import ROLE_AREA, ROLE_COMPARATOR, ROLE_COUNTRY, ROLE_REGION
from thanalysis.analyses.cross_borough_selection import Selection, is_crude_prevalence, theme_of
from thanalysis.analyses.cross_borough_values import NOT_COMPARED
from thanalysis.vocabulary import current_until, default_lag_months

#: How our comparison is made, with and without an interval.
METHOD_CI = "ours: 95% confidence interval against the country's value (Fingertips method)"
METHOD_NO_CI = "ours: difference only – no confidence interval published, so no significance claim"
NO_CI_WORDS = "no confidence interval published"
#: How the source's comparison is made.
METHOD_FINGERTIPS = "Fingertips' own: its published comparison with England (its method for the indicator)"
#: Where an indicator's values come from.
SOURCE_CI = "published with confidence intervals"
SOURCE_COUNTS = "published with counts and denominators (intervals computed here)"
SOURCE_NO_CI = "published without confidence intervals or counts"

_FINGERTIPS = re.compile(r"Fingertips:\s*([^;]+)")
_SERIES = ["indicator_id", "sex", "age"]

SUMMARY_COLUMNS = ["theme", "theme_title", "indicator_id", "indicator", "sex", "period", "period_end", "frequency",
                   "lag_months", "out_of_date", "currency", "value", "lower_ci_95", "upper_ci_95", "unit",
                   "value_type", "polarity", "comparators_min", "comparators_max", "n_comparators", "region_value",
                   "country_value", "difference", "our_comparison", "our_method", "source_comparison",
                   "source_method", "crude_prevalence", "source_kind", "source"]


def lag_of(frequency: str, lag_months) -> int:
    """The series' lag in months: its own ``lag_months``, else the default of its frequency's first word."""
    if lag_months is not None and not (isinstance(lag_months, float) and np.isnan(lag_months)):
        return int(lag_months)
    return default_lag_months(frequency) or default_lag_months("annual")


def out_of_date(period_end, lag_months: int, as_of) -> bool:
    """Whether a period that ended at ``period_end`` is older than ``lag_months`` months on the date ``as_of``."""
    return bool(pd.Timestamp(as_of).date() > current_until(pd.Timestamp(period_end).date(), int(lag_months)))


def source_comparison(note) -> str:
    """The source's own comparison kept in a value note ("Fingertips: Worse than England" → "Worse than England"),
    or "" when it published none."""
    m = _FINGERTIPS.search(str(note or ""))
    return m.group(1).strip() if m else ""


def _fmt(x: float) -> str:
    return f"{x:,.1f}" if abs(x) >= 1 else f"{x:,.2f}"


def our_comparison(label: str, value: float, country_value: float, has_ci: bool, country: str) -> tuple[str, str]:
    """(our comparison with the country, its method): the 95% label when the borough has an interval; otherwise
    "Higher than England by 2.3 (no confidence interval published)" with no significance claim."""
    if pd.isna(value) or pd.isna(country_value):
        return f"Not compared (no value for {country})" if pd.isna(country_value) else "Not compared", ""
    if has_ci and label not in NOT_COMPARED:
        return f"{label} ({'significantly, ' if label in ('Better', 'Worse', 'Higher', 'Lower') else ''}95%)", \
            METHOD_CI
    diff = value - country_value
    if diff == 0:
        return f"Same as {country} ({NO_CI_WORDS})", METHOD_NO_CI
    return (f"{'Higher' if diff > 0 else 'Lower'} than {country} by {_fmt(abs(diff))} ({NO_CI_WORDS})",
            METHOD_NO_CI)


def source_kind(rows: pd.DataFrame, ci_method: pd.Series) -> str:
    """How an indicator's values were published: with intervals, with counts only, or neither."""
    if (ci_method == "published").any():
        return SOURCE_CI
    if rows["count"].notna().any() and rows["denominator"].notna().any():
        return SOURCE_COUNTS
    return SOURCE_NO_CI


def series_summary(table: pd.DataFrame, indicators: pd.DataFrame, selection: Selection, country_name: str,
                   as_of) -> pd.DataFrame:
    """One row per series (indicator, sex, age) of ``table`` (:func:`comparator_table`): see the module docstring.
    ``as_of`` is the date against which data currency is judged (the report's date)."""
    if table.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    meta = indicators.drop_duplicates("indicator_id").set_index("indicator_id")
    themes = theme_of(selection, table["indicator_id"].unique())
    rows = []
    for key, part in table.groupby(_SERIES, sort=False):
        iid = str(key[0])
        me = part[part["role"] == ROLE_AREA]
        if me.empty:
            continue
        me = me.iloc[0]
        comps = part[part["role"] == ROLE_COMPARATOR]["value"].dropna()
        region = part.loc[part["role"] == ROLE_REGION, "value"]
        country = part.loc[part["role"] == ROLE_COUNTRY, "value"]
        ind = meta.loc[iid]
        lag = lag_of(ind.get("frequency"), ind.get("lag_months"))
        end = pd.Timestamp(me["period_end"]) if "period_end" in part.columns else pd.NaT
        stale = out_of_date(end, lag, as_of) if pd.notna(end) else False
        has_ci = pd.notna(me["lower_ci_95"]) and pd.notna(me["upper_ci_95"])
        cv = float(country.iloc[0]) if len(country) and pd.notna(country.iloc[0]) else np.nan
        ours, method = our_comparison(me["vs_country_95"], float(me["value"]), cv, has_ci, country_name)
        theirs = source_comparison(me["value_note"])
        theme = selection.theme(themes[iid])
        rows.append({
            "theme": theme.id, "theme_title": theme.title, "indicator_id": iid, "indicator": me["indicator"],
            "sex": key[1], "period": me["period"], "period_end": end, "frequency": ind.get("frequency"),
            "lag_months": lag, "out_of_date": stale,
            "currency": (f"out of date: latest period {me['period']} ended {end:%B %Y}, more than {lag} months before "
                         f"{pd.Timestamp(as_of):%B %Y}" if stale else f"current (latest period {me['period']})"),
            "value": me["value"], "lower_ci_95": me["lower_ci_95"], "upper_ci_95": me["upper_ci_95"],
            "unit": ind.get("unit"), "value_type": ind.get("value_type"), "polarity": ind.get("polarity"),
            "comparators_min": comps.min() if len(comps) else np.nan,
            "comparators_max": comps.max() if len(comps) else np.nan, "n_comparators": len(comps),
            "region_value": float(region.iloc[0]) if len(region) else np.nan, "country_value": cv,
            "difference": float(me["value"]) - cv if pd.notna(cv) else np.nan,
            "our_comparison": ours, "our_method": method, "source_comparison": theirs,
            "source_method": METHOD_FINGERTIPS if theirs else "",
            "crude_prevalence": is_crude_prevalence(selection, ind.get("value_type"), ind.get("name")),
            "source_kind": source_kind(part, part["ci_method"]), "source": ind.get("source"),
        })
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    order = {t.id: k for k, t in enumerate(selection.themes)}
    out["_t"] = out["theme"].map(order).fillna(len(order))
    return out.sort_values("_t", kind="stable").drop(columns="_t").reset_index(drop=True)


__all__ = ["series_summary", "our_comparison", "source_comparison", "source_kind", "out_of_date", "lag_of",
           "METHOD_CI", "METHOD_NO_CI", "METHOD_FINGERTIPS", "NO_CI_WORDS", "SOURCE_CI", "SOURCE_NO_CI",
           "SOURCE_COUNTS", "SUMMARY_COLUMNS"]
