"""Sentences for the inequalities report, generated from :class:`thanalysis.analyses.inequalities.InequalityResults`.

Every number comes from the results; nothing is typed by hand. "Significantly" is used only where a 95%
interval excludes the comparison value, and indicators with no better/worse direction (e.g. the share of
residents aged 65 and over) are described as "higher"/"lower", never "worse".

Sentences are plain text (they also go to ``summary.json``); the functions that return Markdown (``*_markdown``)
escape every piece of text they put in it (:mod:`thanalysis.narrative.markup`), since ward, indicator and group
names come from the data.
"""
from __future__ import annotations

import math

import pandas as pd

from thanalysis.analyses.inequalities import InequalityResults, short_name
from thanalysis.narrative import format_difference, format_value, join_words, plural
from thanalysis.narrative.markup import md_text

#: Wards named in a sentence before "and N more".
MAX_NAMED = 4


def _fmt(value, meta: dict) -> str:
    return format_value(value, meta["value_type"], multiplier=meta["multiplier"], unit=_unit(meta))


def _unit(meta: dict) -> str:
    if meta["value_type"] == "crude_rate":
        return ""
    return str(meta.get("unit") or "")


def _gap(value, meta: dict) -> str:
    """An absolute gap in the indicator's units: "12.3 percentage points", "45.1 per 100,000"."""
    return format_difference(value, meta["value_type"], multiplier=meta["multiplier"], unit=_unit(meta))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _names(items: list[str], limit: int = MAX_NAMED) -> str:
    items = [i for i in items if i]
    if len(items) <= limit:
        return join_words(items)
    return join_words(items[:limit] + [f"{len(items) - limit} more"])


def _split(text) -> list[str]:
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return []
    return [t.strip() for t in str(text).split(";") if t.strip()]


def direction_words(polarity: str) -> tuple[str, str]:
    """How an unfavourable comparison reads: ("significantly worse than", "worse") or, with no better
    direction, ("significantly higher than", "higher")."""
    if polarity in ("lower_is_better", "higher_is_better"):
        return "significantly worse than", "worse"
    return "significantly higher than", "higher"


def _number(value, meta: dict) -> str:
    """A gap's number alone (for intervals): "16.3", "45.1"."""
    if meta["value_type"] == "proportion" and meta["multiplier"] in (1, None):
        value = value * 100
    return f"{value:,.1f}"


def sii_phrase(sii: float, lower: float, upper: float, meta: dict) -> str:
    """What the slope index of inequality says, in words: which end is higher and by how much."""
    if any(x is None or (isinstance(x, float) and math.isnan(x)) for x in (sii, lower, upper)):
        return "the gap across deprivation could not be estimated"
    ci = f"95% confidence interval {_number(lower, meta)} to {_number(upper, meta)}"
    if lower <= 0 <= upper:
        return f"there is no clear gradient with deprivation (slope index of inequality {_number(sii, meta)}, {ci})"
    end = "higher" if sii > 0 else "lower"
    return (f"it is {_gap(sii, meta)} {end} in the most deprived neighbourhoods than in the least deprived "
            f"(slope index of inequality, {ci})")


def gap_sentence_for(row: pd.Series, meta: dict, area_name: str) -> str:
    """One of the largest gaps: the SII relative to the borough value, and who is affected (the measure's name in
    Markdown bold, ``**name** (period): ...``)."""
    name, rest = _gap_parts(row, meta, area_name)
    return f"**{name}**{rest}"


def _gap_parts(row: pd.Series, meta: dict, area_name: str) -> tuple[str, str]:
    """:func:`gap_sentence_for` as (the measure's name, the rest of the sentence)."""
    name = short_name(meta["name"])
    parts = [f" ({row['period']}): {sii_phrase(row['sii'], row['sii_lower_ci_95'], row['sii_upper_ci_95'], meta)}"
             f", against a borough figure of {_fmt(row['borough_value'], meta)}."]
    phrase, word = direction_words(meta["polarity"])
    wards = _split(row.get("worse_wards"))
    n_wards = int(row.get("n_wards") or 0)
    if wards:
        parts.append(f"{plural(len(wards), 'ward')} of {n_wards} {'is' if len(wards) == 1 else 'are'} {phrase} "
                     f"{area_name}: {_names(wards)}.")
    elif n_wards:
        parts.append(f"No ward is {phrase} {area_name}.")
    localities = _split(row.get("worse_localities"))
    if localities:
        parts.append(f"Localities {phrase} the borough: {join_words(localities)}.")
    groups = _split(row.get("worse_groups"))
    if groups:
        parts.append(f"Ethnic groups {phrase} the borough figure: {join_words(groups)}.")
    return name, " ".join(parts)


def summary_sentences(results) -> list[str]:
    """The plain-English summary at the top of the report: what was measured, then the largest gaps (each
    measure's name in Markdown bold, as :func:`gap_sentence_for` gives it)."""
    head, gaps, tail = _summary_parts(results)
    return head + [f"**{name}**{rest}" for name, rest in gaps] + tail


def _summary_parts(results) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """The summary as (opening sentences, (measure name, rest of the sentence) of each widest gap, closing
    sentences)."""
    n = len(results.outcome_ids)
    lead = (f"This report looks at how {plural(n, 'measure')} of health and its causes differ between the "
            f"neighbourhoods, wards{' and localities' if results.has_localities else ''} of {results.area_name}, "
            f"by how deprived each neighbourhood is, and by ethnic group where the data allow.")
    context = context_sentence(results)
    if context:
        lead += " " + context
    largest = results.largest
    if largest is None or largest.empty:
        return [lead, "No outcome measure had enough data to measure a gap."], [], []
    names = [short_name(results.meta(i)["name"]).lower() for i in largest["indicator_id"]]
    head = [lead, f"The widest gaps between the most and least deprived neighbourhoods, compared with the borough "
                  f"figure, are in {join_words(names)}:"]
    gaps = [_gap_parts(row, results.meta(row["indicator_id"]), results.area_name) for _, row in largest.iterrows()]
    narrowing = trend_summary(results)
    tail = [narrowing] if narrowing else []
    if not results.has_localities:
        tail.append(no_localities_sentence(results.area_name))
    return head, gaps, tail


def summary_markdown(results) -> str:
    """The summary as Markdown: the opening, one bullet per widest gap (the measure's name in bold), the rest."""
    head, gaps, tail = _summary_parts(results)
    text = md_text(" ".join(head))
    if gaps:
        text += "\n\n" + "\n".join(f"- **{md_text(name)}**{md_text(rest)}" for name, rest in gaps)
    if tail:
        text += "\n\n" + md_text(" ".join(tail))
    return text


def trend_summary(results) -> str:
    """Which gaps narrowed or widened (only when there is a time series)."""
    trend = results.trend
    if trend is None or trend.empty:
        return ""
    names = {i: short_name(results.meta(i)["name"]).lower() for i in trend["indicator_id"]}
    narrowing = [names[i] for i in trend.loc[trend["gap_direction"] == "narrowing", "indicator_id"]]
    widening = [names[i] for i in trend.loc[trend["gap_direction"] == "widening", "indicator_id"]]
    first, last = trend["first_period"].min(), trend["last_period"].max()
    parts = []
    if narrowing:
        parts.append(f"the gap has narrowed significantly for {join_words(narrowing)}")
    if widening:
        parts.append(f"widened significantly for {join_words(widening)}")
    steady = len(trend) - len(narrowing) - len(widening)
    if steady:
        parts.append(f"shown no clear change for {plural(steady, 'other measure')}")
    if not parts:
        return ""
    text = "; ".join(parts)
    if not narrowing:
        text = "the gap has " + text
    return f"Between {first} and {last}, {text}."


def no_localities_sentence(area_name: str) -> str:
    return (f"{area_name} has no locality file (data/localities/), so this report has no locality figures; "
            "the ward and neighbourhood figures are complete.")


def no_ethnic_data_sentence(area_name: str, has_make_up: bool = False) -> str:
    """Why outcomes are not shown by ethnic group (``has_make_up``: the ethnic make-up is shown above)."""
    if has_make_up:
        return (f"The Census 2021 tables for small areas give ethnic group, general health and disability separately, "
                f"never crossed with each other, so this report cannot show health outcomes by ethnic group within "
                f"{area_name}. The ethnic make-up of each ward and deprivation decile above is context, not a "
                "measure of any group's health: a higher share of a group in areas with worse outcomes does not "
                "show that the group's own outcomes are worse. Census tables by ethnic group for the borough, or "
                "local records, would be needed for that.")
    return (f"The open data used here has no breakdown by ethnic group for small areas, so this report cannot show "
            f"gaps between ethnic groups within {area_name}. Census 2021 tables by ethnic group, or local records, "
            "would be needed for that.")


ROLE_HEADINGS = {"outcome": "Health outcomes", "housing": "Housing", "determinant": "Wider causes of health",
                 "context": "Who lives here: demographic context"}


def role_heading_markdown(role: str) -> str:
    """The heading over a group of measures of one role (:data:`ROLE_HEADINGS`)."""
    return f"### {md_text(ROLE_HEADINGS.get(role, role))}"


def context_sentence(results) -> str:
    """The demographic context measures, said to be context (never gaps), or "" without any."""
    names = [short_name(results.meta(i)["name"]).lower() for i in results.context_ids]
    if not results.ethnic_groups.empty:
        names.append("the make-up of ethnic groups")
    if not names:
        return ""
    return (f"It also shows {join_words(names)} as demographic context: who lives where, with no better or worse "
            "value, so never counted among the gaps.")


_SHARE = {"value_type": "proportion", "multiplier": 100, "unit": "%"}


def ethnic_context_sentences(results) -> list[str]:
    """The ethnic make-up of the borough: the largest groups with their 95% intervals, where each is concentrated
    (wards with a significantly higher share), how its share changes with deprivation (SII), and where the ward
    figures come from."""
    eg = results.ethnic_groups
    if eg.empty:
        return []
    b = eg.borough.set_index("category")
    groups = eg.largest_groups()
    shares = [f"{g} {_fmt(b.loc[g, 'value'], _SHARE)} (95% confidence interval {_fmt(b.loc[g, 'lower_ci_95'], _SHARE)}"
              f" to {_fmt(b.loc[g, 'upper_ci_95'], _SHARE)})" for g in groups]
    out = [f"At the Census on 21 March {eg.period}, the largest ethnic groups among the residents of "
           f"{results.area_name} were {join_words(shares)}."]
    w = eg.by_ward[eg.by_ward["area_type"] == "ward22"]
    sii = eg.sii.set_index("category") if len(eg.sii) else None
    for g in groups:
        rows = w[w["category"] == g]
        higher = rows[rows["comparison_95"] == "Higher"].sort_values("value", ascending=False)
        text = (f"{g}: from {_fmt(rows['value'].min(), _SHARE)} to {_fmt(rows['value'].max(), _SHARE)} of a ward's "
                f"residents; {plural(len(higher), 'ward')} of {len(rows)} significantly higher than the borough"
                + (f" ({_names(higher['area_name'].astype(str).tolist())})" if len(higher) else "") + ".")
        if sii is not None and g in sii.index:
            r = sii.loc[g]
            text += " By deprivation, " + sii_phrase(r["sii"], r["sii_lower_ci_95"], r["sii_upper_ci_95"], _SHARE) \
                .replace("it is", "the share is", 1) + "."
        out.append(text)
    out.append(ethnic_source_sentence(results))
    return out


def ethnic_source_sentence(results) -> str:
    """Where the ward and locality figures come from, and how the wards built from LSOAs compare."""
    eg = results.ethnic_groups
    if eg.ward_source.startswith("published"):
        c = eg.ward_check
        wards = c[c["area_type"] == "ward22"]
        borough = c[c["area_type"] == "la"].iloc[0]
        return (f"Ward and locality figures are from the Census ward table as ONS published it. Adding up "
                f"neighbourhoods (LSOAs) to wards instead gives each neighbourhood wholly to one ward (best fit), so "
                f"ward totals built that way differ from the published ones by up to "
                f"{wards['relative_difference'].abs().max():.0%} of a ward's residents (median "
                f"{wards['relative_difference'].abs().median():.0%}), while the borough totals differ by "
                f"{abs(borough['difference']):,.0f} people (ONS perturbs each table separately). Deprivation groups "
                "are made of neighbourhoods.")
    return ("ONS's ward table is not in this data for this borough, so ward and locality figures are added up from "
            "neighbourhoods (LSOAs), each given wholly to the ward holding most of it (best fit): shares are close to "
            "the published ones (within a few percentage points in Tower Hamlets and Hackney), but a ward's total may "
            "differ from its published total by a fifth.")


def ethnic_map_title(results, category: str) -> str:
    return f"{category} residents, share of each ward's residents, {results.area_name}, Census 2021"


def indicator_sentence(results, indicator_id: str) -> str:
    """The paragraph under each indicator's heading: borough value, wards and localities compared with it,
    the deprivation gap and, with a time series, the trend in the gap."""
    meta = results.meta(indicator_id)
    ward = results.by_ward[results.by_ward["indicator_id"] == indicator_id]
    if ward.empty:
        return f"{meta['name']} has no ward figures for {results.area_name}."
    latest = ward[ward["period"] == ward["period"].max()]
    period = latest["period"].iloc[0]
    borough = latest[latest["area_type"] == "la"].iloc[0]
    areas = latest[latest["area_type"] != "la"]
    phrase, word = direction_words(meta["polarity"])
    good = "Better" if meta["polarity"] in ("lower_is_better", "higher_is_better") else "Lower"
    bad = "Worse" if good == "Better" else "Higher"
    n_bad = int((areas["comparison_95"] == bad).sum())
    n_good = int((areas["comparison_95"] == good).sum())
    good_phrase = "significantly better than" if good == "Better" else "significantly lower than"
    text = [f"In {period}, {_lower_first(short_name(meta['name']))} in {results.area_name} was "
            f"{_fmt(borough['value'], meta)} (95% confidence interval {_fmt(borough['lower_ci_95'], meta)} to "
            f"{_fmt(borough['upper_ci_95'], meta)})."]
    text.append(f"Of {plural(len(areas), 'ward')}, {n_bad} {'was' if n_bad == 1 else 'were'} {phrase} the borough "
                f"and {n_good} {good_phrase} it; the rest were similar.")
    hi = areas.loc[areas["value"].idxmax()] if areas["value"].notna().any() else None
    lo = areas.loc[areas["value"].idxmin()] if areas["value"].notna().any() else None
    if hi is not None and lo is not None:
        text.append(f"Ward figures range from {_fmt(lo['value'], meta)} in {lo['area_name']} to "
                    f"{_fmt(hi['value'], meta)} in {hi['area_name']}.")
    gaps = results.gaps
    g = gaps[(gaps["indicator_id"] == indicator_id) & (gaps["group_type"] == "quintile") & (gaps["period"] == period)] \
        if not gaps.empty else gaps
    if len(g):
        r = g.iloc[0]
        sig = "" if r["gap_significant"] else " (not a significant difference)"
        text.append(f"The most deprived fifth of neighbourhoods had {_fmt(r['most_deprived_value'], meta)} against "
                    f"{_fmt(r['least_deprived_value'], meta)} in the least deprived fifth, a gap of "
                    f"{_gap(r['gap'], meta)}{sig}.")
    t = results.trend
    t = t[t["indicator_id"] == indicator_id] if t is not None and not t.empty else None
    if t is not None and len(t):
        r = t.iloc[0]
        change = {"narrowing": "has narrowed", "widening": "has widened",
                  "no clear change": "shows no clear change"}[r["gap_direction"]]
        text.append(f"The slope index of inequality {change} since {r['first_period']} "
                    f"(from {_gap(r['first_sii'], meta)} to {_gap(r['last_sii'], meta)}, "
                    f"{'higher' if r['last_sii'] > 0 else 'lower'} in the most deprived areas in {r['last_period']}).")
    return " ".join(text)


def ethnic_sentence(results, indicator_id: str) -> str:
    """Which ethnic groups differ significantly from the borough figure (borough level, latest period)."""
    eth = results.ethnic
    eth = eth[(eth["indicator_id"] == indicator_id) & (eth["area_type"] == "la")] if not eth.empty else eth
    meta = results.meta(indicator_id)
    name = short_name(meta["name"])
    if eth.empty:
        return f"{name}: no ethnic-group figures."
    phrase, _ = direction_words(meta["polarity"])
    bad = "Worse" if meta["polarity"] in ("lower_is_better", "higher_is_better") else "Higher"
    good = "Better" if bad == "Worse" else "Lower"
    worse = eth.loc[eth["comparison_95"] == bad, "category"].tolist()
    better = eth.loc[eth["comparison_95"] == good, "category"].tolist()
    hi = eth.loc[eth["value"].idxmax()]
    lo = eth.loc[eth["value"].idxmin()]
    text = (f"{name} ({eth['period'].iloc[0]}): from {_fmt(lo['value'], meta)} ({lo['category']}) to "
            f"{_fmt(hi['value'], meta)} ({hi['category']}).")
    if worse:
        text += f" {join_words(worse)}: {phrase} the borough figure."
    if better:
        good_phrase = "significantly better than" if good == "Better" else "significantly lower than"
        text += f" {join_words(better)}: {good_phrase} the borough figure."
    if not worse and not better:
        text += " No group differs significantly from the borough figure."
    return text


def sii_explainer_markdown() -> str:
    return ("The slope index of inequality (SII) is the gap between the most and the least deprived ends of the "
            "borough, estimated from all ten deprivation groups at once rather than just the two extremes, so it "
            "uses everyone's data and is less affected by chance. Here it is shown as *most deprived minus least "
            "deprived*: a positive SII means the figure is higher in the most deprived neighbourhoods. The relative "
            "index (RII) is the same comparison as a ratio.")


# ==============================================================================================================
# Words around the page's figures and tables
# ==============================================================================================================
def report_title(results: InequalityResults) -> str:
    return f"Inequalities in {results.area_name}: place, deprivation and ethnicity"


def key_figures(results: InequalityResults) -> list[tuple]:
    """The key figures under the summary: ``[(label, value, note), ...]``."""
    people = results.largest_total_check
    return [
        ("Measures compared", len(results.indicators), "with counts for small areas"),
        ("Wards", results.largest["n_wards"].max(), results.area_name),
        ("Borough total, added up from neighbourhoods", people["summed_denominator"],
         "people or households counted for: " + results.short_name(people["indicator_id"]).lower()),
        ("Borough total, as published", people["published_denominator"],
         "the two differ only by rounding of small-area tables" if pd.notna(people["published_denominator"])
         else "the source publishes no borough total for this measure to check the sum against"),
    ]


def map_title(results: InequalityResults, indicator_id: str, *, with_area: bool = True) -> str:
    """"Overcrowded households by area, Tower Hamlets" (without the borough under each measure's heading)."""
    title = f"{results.short_name(indicator_id)} by area"
    return f"{title}, {results.area_name}" if with_area else title


def map_note(results: InequalityResults) -> str:
    return "Thick lines mark the localities." if results.has_localities else ""


def deprivation_paragraph(results: InequalityResults) -> str:
    """The deprivation measure and how the groups were made."""
    return results.deprivation_label + ". " + results.deprivation_method


def indicator_section_markdown(results: InequalityResults, indicator_id: str) -> str:
    """Each measure's heading and its paragraph (:func:`indicator_sentence`)."""
    return f"### {md_text(results.short_name(indicator_id))}\n\n{md_text(indicator_sentence(results, indicator_id))}"


def decile_caption(results: InequalityResults, indicator_id: str) -> str:
    return f"{results.short_name(indicator_id)} by deprivation decile, with the fitted slope."


def trend_paragraph(results: InequalityResults) -> str:
    """Whether the gaps narrowed, and how that was tested."""
    return trend_summary(results) + " " + results.trend_method


def ethnic_sentences(results: InequalityResults) -> list[str]:
    """One :func:`ethnic_sentence` per measure with ethnic-group figures."""
    return [ethnic_sentence(results, ind) for ind in results.ethnic["indicator_id"].unique()]


def summary_record(results: InequalityResults) -> dict:
    """What ``summary.json`` holds: the results' key figures and the summary sentences."""
    return results.summary() | {"summary": summary_sentences(results)}
