"""Words for the cross-borough report: its title, summary, sentences, captions and text alternatives, all from
a :class:`thanalysis.analyses.cross_borough.CrossBoroughResults`.

The functions that take the results object are what the notebook calls; the sentence builders below them take
the tables they word (and are tested on small hand-made tables). Sentences are plain text; the ``*_html``
functions escape them (:mod:`thanalysis.narrative.markup`), since every name in them comes from the data.
"""
from __future__ import annotations

import math

import pandas as pd

from thanalysis.analyses.cross_borough import CrossBoroughResults
from thanalysis.analyses.cross_borough_areas import ROLE_AREA, ROLE_COUNTRY, ROLE_REGION
from thanalysis.analyses.cross_borough_values import compared as compared_rows
from thanalysis.narrative import benchmark_summary, join_words, markup, ordinal, plural
from thanalysis.narrative.cross_borough_themes import age_caveat, currency_sentence

#: Said where the report has no chart of trends.
NO_TRENDS_HTML = "<p>No indicator has more than one period.</p>"
#: Said under the flows chart.
FLOW_CHART_CAPTION = "Band thickness is proportional to the number of people."
#: Said where the data hold no resident → provider flows.
NO_FLOWS_HTML = ("<p>These data hold no table of flows from where people live to where they are served (the open "
                 "data's GP flows are practice list sizes). Add one in the canonical flows format with the "
                 "<code>flows_csv</code> parameter.</p>")
_JUDGED = ("higher_is_better", "lower_is_better")
_SIGNIFICANT = "significantly, 95% confidence"


# ----------------------------------------------------------------------------------------------------------------
# What the notebook calls
# ----------------------------------------------------------------------------------------------------------------
def title(r: CrossBoroughResults) -> str:
    """The report's title: the borough against its comparators, region and country."""
    b = r.benchmarks
    return (f"Cross-borough comparison: {r.area_name} against "
            + ", ".join([r.comparators.title] + [n for n in (b.region_name, b.country_name) if n]))


def summary(r: CrossBoroughResults) -> list[str]:
    """The plain-English summary at the top of the report: the comparisons, ranks and trends, then the age-structure
    caveat of crude prevalences (never a "better" on one without it) and the data currency."""
    out = headline_summary(r.area_name, r.comparisons, r.ranks, r.comparators.title, r.trend_labels,
                           r.registered_row)
    return out + [s for s in (age_caveat(r), currency_sentence(r)) if s]


def bullets_html(sentences: list[str]) -> str:
    """Sentences as a bulleted list (escaped)."""
    return markup.bullets_html(sentences)


def key_figures(r: CrossBoroughResults) -> list[tuple]:
    """(label, value, note) of the key figures under the summary. The count of indicators compared is the one
    the summary gives ("on 1 of 27 indicators compared"): those with a 95% comparison with the region."""
    region = r.benchmarks.region_name
    n, shown = r.n_compared(ROLE_REGION), len(r.compared_with(ROLE_REGION))
    boroughs = f"{len(r.comparators.codes)} boroughs: {r.comparators.title}"
    note = f"with {region} and {boroughs}" if n == shown else f"with {region}, of {shown} shown for {boroughs}"
    return [("Indicators compared", n, note),
            (f"Worse than {region}", r.labelled(ROLE_REGION, "Worse"), _SIGNIFICANT),
            (f"Better than {region}", r.labelled(ROLE_REGION, "Better"), _SIGNIFICANT)]


def benchmark_html(r: CrossBoroughResults) -> str:
    """One paragraph per benchmark (country, then region), and the age-structure caveat where crude prevalences
    are compared."""
    return markup.paragraphs_html(benchmark_sentences(r.area_name, r.comparisons) + [s for s in [age_caveat(r)] if s])


def comparisons_caption(r: CrossBoroughResults) -> str:
    return f"{r.area_name} compared with {r.benchmarks.country_name} and {r.benchmarks.region_name}"


def rank_table(r: CrossBoroughResults) -> pd.DataFrame:
    """The ranks with ``rank_text``, e.g. "2nd best of 8" (or "1st highest of 8" with no better direction)."""
    words = [f"{ordinal(k)} {'best' if p in _JUDGED else 'highest'} of {n}"
             for k, p, n in zip(r.ranks["rank"], r.ranks["polarity"], r.ranks["of"])]
    return r.ranks.assign(rank_text=words)


def shown_ranks(r: CrossBoroughResults) -> pd.DataFrame:
    """The columns of :func:`rank_table` shown on the page."""
    return rank_table(r)[["indicator", "period", "value", "rank_text"]]


def ranks_caption(r: CrossBoroughResults) -> str:
    return f"Rank of {r.area_name} among {len(r.comparators.codes)} boroughs"


def _drawn(r: CrossBoroughResults) -> pd.DataFrame:
    return r.spine[r.spine["drawable"]] if "drawable" in r.spine.columns else r.spine


def spine_alt(r: CrossBoroughResults) -> str:
    """The spine chart's text alternative: each indicator's comparison with the country."""
    drawn = _drawn(r)
    return (f"Spine chart of {len(drawn)} indicators for {r.area_name} against {r.benchmarks.country_name}: "
            + "; ".join(f"{i}: {s.lower()}" for i, s in zip(drawn["indicator"], drawn["significance"])))


def spine_caption(r: CrossBoroughResults) -> str:
    drawn = _drawn(r)
    return f"Range: {drawn['range_basis'].iloc[0] if len(drawn) else 'none'} (see the saved table for each row)."


def map_words(r: CrossBoroughResults) -> tuple[str, str]:
    """The comparator map's title and description."""
    return f"{r.area_name} and its comparator boroughs", f"Comparator group: {r.comparators.title}."


def trend_html(r: CrossBoroughResults) -> str:
    return markup.paragraphs_html([trend_sentence(r.area_name, r.trend_labels)])


def registered_html(r: CrossBoroughResults) -> str:
    """GP-registered patients against residents, and what the difference means, as a paragraph."""
    return markup.paragraphs_html([" ".join(say(r.registered_row)
                                            for say in (registered_sentence, registered_meaning_sentence))])


def pcns_caption(r: CrossBoroughResults) -> str:
    """Caption of the primary care network table."""
    return f"{r.area_name}: GP practices and registered patients in each primary care network"


def flows_html(r: CrossBoroughResults) -> str:
    """What the flows say about the borough, or that the data hold none."""
    if r.shares is None:
        return NO_FLOWS_HTML
    return markup.paragraphs_html([flow_sentence(r.area_code, r.shares.summary), *flow_notes(r.shares.summary)])


# ----------------------------------------------------------------------------------------------------------------
# Sentences from tables
# ----------------------------------------------------------------------------------------------------------------


def _pct(x: float, decimals: int = 1) -> str:
    return f"{x * 100:.{decimals}f}%"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def benchmark_sentences(area: str, comparisons: pd.DataFrame) -> list[str]:
    """One :func:`thanalysis.narrative.benchmark_summary` sentence per benchmark (country, then region), from the
    95% comparisons of :func:`thanalysis.analyses.cross_borough.benchmark_comparisons`; indicators that could not be compared
    are counted separately so "similar" is never claimed for them."""
    out = []
    for role in (ROLE_COUNTRY, ROLE_REGION):
        part = comparisons[comparisons["benchmark"] == role]
        if part.empty:
            continue
        name = str(part["benchmark_name"].iloc[0])
        compared = compared_rows(part)
        text = benchmark_summary(area, name, list(zip(compared["indicator"], compared["comparison_95"])))
        skipped = len(part) - len(compared)
        if skipped:
            text += (f" {plural(skipped, 'indicator')} could not be compared with {name} "
                     "(no confidence interval or no value for the benchmark).")
        out.append(text)
    return out


def rank_sentence(area: str, ranks: pd.DataFrame, group_title: str = "") -> str:
    """Where the borough is best and worst among its comparators (indicators with a better/worse direction)."""
    judged = ranks[ranks["polarity"].isin(_JUDGED)]
    if judged.empty:
        return f"None of the indicators has a better or worse direction, so {area} is not ranked as best or worst."
    best = judged[judged["rank"] == 1]["indicator"].tolist()
    worst = judged[(judged["rank"] == judged["of"]) & (judged["of"] > 1)]["indicator"].tolist()
    n = int(judged["of"].max())
    lead = f"Of the {n} boroughs compared"
    if not best and not worst:
        return f"{lead}, {area} is neither the best nor the worst on any indicator."
    parts = []
    if best:
        parts.append(f"the best value on {_short_list(best)}")
    if worst:
        parts.append(f"the worst on {_short_list(worst)}")
    return f"{lead}, {area} has " + " and ".join(parts) + "."


def _short_list(names: list[str], limit: int = 4) -> str:
    """Up to ``limit`` names in full; beyond that the count and where to find them."""
    if len(names) <= limit:
        return join_words(names)
    return f"{len(names)} indicators (listed in the rank table)"


def short_benchmark_sentence(area: str, comparisons: pd.DataFrame, role: str) -> str:
    """A short version of the benchmark summary for the top of the report: the full
    :func:`thanalysis.narrative.benchmark_summary` sentence when it names few indicators, else the counts."""
    part = comparisons[comparisons["benchmark"] == role]
    if part.empty:
        return ""
    name = str(part["benchmark_name"].iloc[0])
    compared = compared_rows(part)
    labels = compared["comparison_95"].str.lower()
    counts = {k: int((labels == k).sum()) for k in ("worse", "better", "higher", "lower", "similar")}
    if max(counts["worse"], counts["better"], counts["higher"] + counts["lower"]) <= 4:
        return benchmark_sentences(area, part)[0]
    def named(label: str) -> str:
        names = compared.loc[labels == label, "indicator"].tolist()
        return f" ({join_words(names)})" if 0 < len(names) <= 4 else ""

    bits = [f"significantly worse than {name} on {counts['worse']} of {plural(len(compared), 'indicator')} "
            f"compared{named('worse')}", f"better on {counts['better']}{named('better')}"]
    if counts["higher"] or counts["lower"]:
        bits.append(f"higher on {counts['higher']} and lower on {counts['lower']} (no better or worse direction)")
    bits.append(f"similar on {counts['similar']}")
    return f"{area} is " + "; ".join(bits[:-1]) + f"; and {bits[-1]}. The tables below give each indicator."


def trend_sentence(area: str, labels: pd.DataFrame) -> str:
    """The borough's recent trends in one or two sentences."""
    mine = labels[labels["role"] == ROLE_AREA] if len(labels) else labels
    if mine.empty:
        return "No indicator has more than one period, so there are no trends to show."
    cannot = mine[mine["trend"].str.startswith("Cannot")]
    known = mine[~mine["trend"].str.startswith("Cannot")]
    parts = []
    if len(known):
        changing = known[~known["trend"].eq("No significant change")]
        if len(changing):
            parts.append(f"For {area}, " + "; ".join(f"{i}: {t.lower()}" for i, t in
                                                      zip(changing["indicator"], changing["trend"])) + ".")
        steady = len(known) - len(changing)
        if steady:
            parts.append(f"{plural(steady, 'indicator')} showed no significant change over the last five periods.")
    if len(cannot):
        few = cannot[cannot["trend"].str.contains("fewer than 5")]
        if len(few):
            parts.append(f"A recent trend cannot be calculated for {join_words(few['indicator'].tolist())}: "
                         "there are fewer than 5 periods of data.")
        other = cannot[~cannot.index.isin(few.index)]
        if len(other):
            parts.append(f"A recent trend cannot be calculated for {join_words(other['indicator'].tolist())} "
                         "(no confidence intervals or missing values).")
    return " ".join(parts)


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def registered_sentence(row: pd.Series) -> str:
    """Registered list against residents for one borough, with what it means for rates."""
    name = row["area_name"]
    if _missing(row.get("registered")):
        return (f"The data hold no complete GP-registered list for {name}, so registered and resident populations "
                "cannot be compared.")
    reg, res, ratio = float(row["registered"]), float(row["residents"]), float(row["ratio"])
    more = "more" if reg >= res else "fewer"
    practices = row.get("practices")
    pr = f" {int(practices)} GP practices" if not _missing(practices) else " GP practices"
    return (f"{reg:,.0f} people were registered with {_possessive(name)}{pr} ({row['list_period']}), "
            f"{abs(ratio - 1):.1%} {more} than the {res:,.0f} residents counted for {row['population_period']}.")


def registered_meaning_sentence(row: pd.Series) -> str:
    """What the gap means for indicators counted by registered rather than resident population."""
    if _missing(row.get("registered")) or _missing(row.get("residents")):
        return ""
    name = row["area_name"]
    if float(row["registered"]) >= float(row["residents"]):
        return (f"Indicators counted per registered patient (for example QOF prevalence) use a larger population than "
                f"{name}'s residents: they include people registered here who live elsewhere or have moved away "
                "(list inflation), and leave out residents registered in other boroughs, so they are not the same as "
                "resident-based rates. The two periods also differ.")
    return (f"Indicators counted per registered patient use a smaller population than {name}'s residents, so residents "
            "registered with practices in other boroughs are missing from them.")


def flow_sentence(area_code: str, summary: pd.DataFrame) -> str:
    """Share of the borough's residents served elsewhere and share of its activity from outside."""
    row = summary[summary["area_code"] == str(area_code)]
    if row.empty:
        return "The flows table holds no flows for this borough."
    r = row.iloc[0]
    if not bool(r["complete"]):
        return (f"The flows table holds only some of {r['area_name']}'s flows (none of its residents served in the "
                "borough itself), so shares cannot be given.")
    return (f"{_pct(r['share_served_elsewhere'])} of {r['area_name']}'s residents in the table "
            f"({r['served_elsewhere']:,.0f} of {r['residents_in_table']:,.0f}) are served in another borough, and "
            f"{_pct(r['share_from_outside'])} of the activity of its providers ({r['from_outside']:,.0f} of "
            f"{r['activity_in_table']:,.0f}) is for people who live outside it. Indicators counted by where people "
            f"are registered or treated therefore include the second group and miss the first; indicators counted "
            "by where people live do the opposite.")


def trend_counts_sentence(area: str, labels: pd.DataFrame) -> str:
    """The borough's recent trends counted (short, for the summary)."""
    mine = labels[labels["role"] == ROLE_AREA] if len(labels) else labels
    if mine.empty:
        return ""
    t = mine["trend"]
    better, worse = int(t.str.contains("getting better").sum()), int(t.str.contains("getting worse").sum())
    steady = int((t == "No significant change").sum())
    neutral = int(t.isin(["Increasing", "Decreasing"]).sum())
    cannot = int(t.str.startswith("Cannot").sum())
    if cannot == len(mine):
        if t.str.contains("fewer than 5").all():
            return "Recent trends cannot be calculated: every series has fewer than 5 periods of data."
        return "Recent trends cannot be calculated for any indicator (too few periods or no confidence intervals)."
    bits = [f"{better} getting better", f"{worse} getting worse"]
    if neutral:
        bits.append(f"{neutral} changing with no better or worse direction")
    bits.append(f"{steady} with no significant change")
    tail = f"; {cannot} could not be assessed" if cannot else ""
    return f"Over the last five periods, {area}'s indicators show " + ", ".join(bits) + tail + "."


def headline_summary(area: str, comparisons: pd.DataFrame, ranks: pd.DataFrame, group_title: str = "",
                     labels: pd.DataFrame | None = None, registered: pd.Series | None = None) -> list[str]:
    """The plain-English summary at the top of the report (a list of short sentences)."""
    out = [short_benchmark_sentence(area, comparisons, role) for role in (ROLE_REGION, ROLE_COUNTRY)]
    out.append(rank_sentence(area, ranks, group_title))
    if labels is not None:
        out.append(trend_counts_sentence(area, labels))
    if registered is not None:
        out.append(registered_sentence(registered))
    return [s for s in out if s]


def flow_notes(summary: pd.DataFrame) -> list[str]:
    """A note naming the boroughs whose flows are only partly recorded (so their shares are not shown)."""
    partial = summary.loc[~summary["complete"], "area_name"].tolist()
    if not partial:
        return []
    return ["Only some flows are recorded for " + ", ".join(partial)
            + " (the table has none of their residents served in their own borough), so their shares are not shown."]


__all__ = ["title", "summary", "bullets_html", "key_figures", "benchmark_html", "comparisons_caption", "rank_table",
           "shown_ranks", "ranks_caption", "spine_alt", "spine_caption", "map_words",
           "trend_html", "registered_html", "pcns_caption", "flows_html", "NO_TRENDS_HTML",
           "FLOW_CHART_CAPTION", "NO_FLOWS_HTML", "benchmark_sentences", "short_benchmark_sentence",
           "rank_sentence", "trend_sentence", "trend_counts_sentence", "registered_sentence",
           "registered_meaning_sentence", "flow_sentence", "flow_notes", "headline_summary"]
