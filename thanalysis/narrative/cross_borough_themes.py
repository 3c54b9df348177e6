"""Words for the themed sections of the cross-borough report (data/cross_borough.yml): each series' period and
data currency, the two comparison methods side by side, the age-structure caveat of crude prevalences, and the
Fingertips indicators' recomputed intervals and spine chart. All from a
:class:`thanalysis.analyses.cross_borough.CrossBoroughResults`; sentences are plain text and the ``*_html``
functions escape them (:mod:`thanalysis.narrative.markup`).
"""
from __future__ import annotations

import pandas as pd

from thanalysis.analyses.cross_borough import CrossBoroughResults
from thanalysis.analyses.cross_borough_fingertips import AGREES, DISAGREES, NO_PUBLISHED_CI
from thanalysis.analyses.cross_borough_series import METHOD_CI, METHOD_FINGERTIPS, METHOD_NO_CI
from thanalysis.narrative import join_words, markup, plural

#: The columns of a theme's table shown on the page, and their headings.
SHOWN_LABELS = {"indicator": "Indicator", "period": "Latest period", "value": "Borough",
                "neighbours": "Comparator range", "region_value": "Region", "country_value": "Country",
                "our_comparison": "Our comparison with the country", "source_comparison": "Fingertips' own comparison"}
#: Marks a crude prevalence or rate in a theme's table.
CRUDE_MARK = " †"


def themes(r: CrossBoroughResults) -> list[tuple[str, str, str]]:
    """(theme id, title, note) of each theme with at least one series, in the file's order."""
    present = list(dict.fromkeys(r.series["theme"]))
    out = [(t.id, t.title, t.note) for t in r.selection.themes if t.id in present]
    return out + [(t, r.selection.theme(t).title, "") for t in present if t not in {o[0] for o in out}]


def _number(x) -> str:
    if pd.isna(x):
        return "–"
    return f"{x:,.1f}" if abs(x) >= 1 else f"{x:,.3f}"


def theme_heading_html(title: str, note: str) -> str:
    """A theme's heading and its note (escaped)."""
    return f"<h3>{markup.html_text(title)}</h3>" + (markup.paragraphs_html([note]) if note else "")


def shown_series(r: CrossBoroughResults, theme: str) -> pd.DataFrame:
    """A theme's series as the page shows them (:data:`SHOWN_LABELS`)."""
    s = r.theme_series(theme)
    neighbours = [f"{_number(lo)} to {_number(hi)}" if n else "–"
                  for lo, hi, n in zip(s["comparators_min"], s["comparators_max"], s["n_comparators"])]
    out = s.assign(indicator=s["indicator"] + s["crude_prevalence"].map({True: CRUDE_MARK, False: ""}),
                   period=s["period"].astype(str) + s["out_of_date"].map({True: " – OUT OF DATE", False: ""}),
                   neighbours=neighbours, value=s["value"].map(_number), region_value=s["region_value"].map(_number),
                   country_value=s["country_value"].map(_number),
                   source_comparison=s["source_comparison"].replace("", "none published"))
    return out[list(SHOWN_LABELS)].reset_index(drop=True)


def theme_caption(r: CrossBoroughResults, theme: str, title: str) -> str:
    crude = CRUDE_MARK.strip() + " crude prevalence or rate: it depends on the age structure (see below). " \
        if r.theme_series(theme)["crude_prevalence"].any() else ""
    return (f"{title}: {r.area_name}, the range of {r.comparators.title}, {r.benchmarks.region_name} and "
            f"{r.benchmarks.country_name}, latest period of each series (OUT OF DATE: older than its usual lag). "
            f"{crude}")


def methods_html() -> str:
    """How each comparison label is made (said once)."""
    return markup.paragraphs_html([
        f"Two comparisons stand side by side. {METHOD_CI[0].upper()}{METHOD_CI[1:]}, where the borough's value has "
        "a confidence interval (published, or computed here from a count and denominator: Wilson score for "
        f"percentages, Poisson/Byars for rates). {METHOD_NO_CI[0].upper()}{METHOD_NO_CI[1:]}: the value is only "
        "called higher or lower than the country's, with the difference.",
        f"{METHOD_FINGERTIPS}. Fingertips usually compares an area's 95% (sometimes 99.8%) confidence interval with "
        "England's value, computed from data it does not always republish; its label can therefore differ from "
        "ours, and it is shown as it was published."])


def currency_sentence(r: CrossBoroughResults) -> str:
    """How many series are out of date, named when few."""
    stale = r.out_of_date
    if stale.empty:
        return f"Every series is current on {r.as_of:%d %B %Y} (its latest period is within its expected lag)."
    names = stale["indicator"].tolist()
    which = f": {join_words(names)}" if len(names) <= 6 else " (marked in each table)"
    return (f"{plural(len(stale), 'series', 'series')} of {len(r.series)} {'is' if len(stale) == 1 else 'are'} out "
            f"of date on {r.as_of:%d %B %Y} – the latest period ended longer ago than the usual lag (24 months for "
            f"annual series, 6 for quarterly){which}.")


def age_caveat(r: CrossBoroughResults) -> str:
    """The age-structure caveat of crude prevalences, with the shares aged 65+ computed from the data."""
    crude = r.crude
    if crude.empty:
        return ""
    older = r.older
    country = r.benchmarks.country_name
    mine = older.percent(r.area_code) if older else None
    theirs = older.percent(r.benchmarks.country_code) if older and r.benchmarks.country_code else None
    if mine is None or theirs is None:
        shares = "its share of residents aged 65 and over could not be computed from these data"
    else:
        shares = (f"{mine:.1f}% of its residents are aged 65 and over against {theirs:.1f}% in {country} "
                  f"({older.basis})")
    lower = crude[crude["difference"] < 0]["indicator"].tolist()
    named = f" Lower crude values here ({_short(lower)}) are not evidence of better health." if lower else ""
    young = "young" if mine is not None and theirs is not None and mine < theirs else "different in age"
    return (f"Age structure: {_possessive(r.area_name)} population is {young}: {shares}. "
            f"{plural(len(crude), 'measure')} in this report are crude prevalences or crude rates (not age-standardised), so they depend on how old "
            f"the population is as well as on its health; conditions of later life look rarer in a young borough."
            f"{named}")


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _short(names: list[str], limit: int = 4) -> str:
    if len(names) <= limit:
        return join_words(names)
    return f"{len(names)} measures, marked {CRUDE_MARK.strip()} in the tables"


def trend_titles(r: CrossBoroughResults) -> dict[str, str]:
    """Series label → its panel's title: the label, then periods covered, currency and whether it has intervals."""
    out = {}
    for label, part in r.trend_values.groupby("indicator", sort=False):
        row = r.series[r.series["indicator"] == label]
        periods = part.sort_values("period_end")["period"].astype(str)
        stale = bool(row["out_of_date"].iloc[0]) if len(row) else False
        ci = "with 95% intervals" if part["lower_ci_95"].notna().any() else "no confidence intervals published"
        out[label] = (f"{label} ({periods.iloc[0]} to {periods.iloc[-1]}" + ("; OUT OF DATE" if stale else "")
                      + f"; {ci}" + ("; crude, not age-standardised" if len(row) and row["crude_prevalence"].iloc[0]
                                     else "") + ")")
    return out


def trend_alts(r: CrossBoroughResults) -> dict[str, str]:
    """Series label → the text alternative of its trend chart."""
    b = r.benchmarks
    return {label: (f"{title}: values over time for {r.area_name}, the range of {r.comparators.title}, "
                    f"{b.region_name} and {b.country_name}.") for label, title in trend_titles(r).items()}


def fingertips_sentences(r: CrossBoroughResults) -> list[str]:
    """What the recomputation found, and which source each Fingertips indicator came from."""
    t = r.fingertips
    out = []
    if r.fingertips_missing:
        out.append(f"Not in these data: {', '.join(r.fingertips_missing)} (fetch them with "
                   "`thanalysis data fingertips --indicator <id>`).")
    if t.empty:
        return out or ["No Fingertips indicator was chosen."]
    agree, disagree = int((t["check"] == AGREES).sum()), t[t["check"] == DISAGREES]
    only = int((t["check"] == NO_PUBLISHED_CI).sum())
    cannot = t[~t["check"].isin([AGREES, DISAGREES, NO_PUBLISHED_CI])]
    checked = agree + len(disagree)
    out.append(f"Our intervals, recomputed from each published count and denominator, agree with Fingertips' to its "
               f"rounding for {agree} of {checked} rows that publish both." if checked else
               "No row publishes both an interval and a count with a denominator, so none could be checked.")
    if len(disagree):
        out.append("They DISAGREE for " + join_words(sorted(set(disagree["indicator"] + " – "
                                                                + disagree["area_name"]))) + ".")
    if len(cannot):
        out.append(f"{plural(cannot['indicator_id'].nunique(), 'indicator')} cannot be recomputed: "
                   + "; ".join(f"{i}: {c}" for i, c in cannot.drop_duplicates("indicator_id")[["indicator",
                                                                                           "check"]].values) + ".")
    if only:
        out.append(f"For {plural(only, 'row')} Fingertips published no interval, so ours (computed here) is shown.")
    used = t.drop_duplicates("indicator_id").groupby("source", sort=False)["indicator_id"].agg(list)
    out.append("Values used: " + "; ".join(f"{join_words(ids)} from {src}" for src, ids in used.items())
               + ". Where a raw Fingertips export and a republished series hold the same indicator, the raw export "
               "(with intervals and counts) is used.")
    return out


#: The columns of the Fingertips table shown on the page, and their headings.
FINGERTIPS_LABELS = {"indicator": "Indicator", "period": "Period", "area_name": "Area", "value": "Value",
                     "published_ci": "Fingertips' 95% CI", "our_ci": "Our 95% CI",
                     "check": "Check", "fingertips_comparison": "Fingertips' comparison",
                     "our_comparison_95": "Our comparison (95%)"}


def shown_fingertips(r: CrossBoroughResults) -> pd.DataFrame:
    """The borough's, region's and country's rows of the Fingertips table as the page shows them (counts stay in
    the saved table, where small-number suppression applies)."""
    t = r.fingertips
    t = t[t["role"] != "Comparator"]

    def ci(lo, hi):
        return [f"{_number(a)} to {_number(b)}" if pd.notna(a) and pd.notna(b) else "–" for a, b in zip(lo, hi)]

    out = t.assign(value=t["value"].map(_number), published_ci=ci(t["lower_ci_95"], t["upper_ci_95"]),
                   our_ci=ci(t["our_lower_ci_95"], t["our_upper_ci_95"]),
                   check=[c if not c.startswith("cannot") else "not recomputable (see below)" for c in t["check"]],
                   fingertips_comparison=t["fingertips_comparison"].replace("", "none published"),
                   our_comparison_95=t["our_comparison_95"].replace("", "(the benchmark)"))
    return out[list(FINGERTIPS_LABELS)].reset_index(drop=True)


def fingertips_html(r: CrossBoroughResults) -> str:
    return markup.paragraphs_html(fingertips_sentences(r))


def fingertips_spine_alt(r: CrossBoroughResults) -> str:
    d = r.fingertips_spine
    d = d[d["drawable"]] if len(d) else d
    return (f"Spine chart of {len(d)} Fingertips indicators for {r.area_name} against {r.benchmarks.country_name}: "
            + "; ".join(f"{i}: {s.lower()} ({m})" for i, s, m in zip(d["indicator"], d["significance"],
                                                                     d["marker_source"])))


def fingertips_spine_caption(r: CrossBoroughResults) -> str:
    d = r.fingertips_spine
    basis = d["range_basis"].iloc[0] if len(d) else "none"
    return (f"Range: {basis}. Marker colour: Fingertips' own comparison with England where published, else ours "
            "(95% confidence interval).")


__all__ = ["themes", "theme_heading_html", "shown_series", "theme_caption", "methods_html", "currency_sentence",
           "age_caveat",
           "trend_titles", "trend_alts", "fingertips_sentences", "fingertips_html", "fingertips_spine_alt",
           "fingertips_spine_caption", "shown_fingertips", "SHOWN_LABELS", "FINGERTIPS_LABELS", "CRUDE_MARK"]
