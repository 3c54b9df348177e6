"""Plain-English words for the borough and locality profiles, built only from computed results.

The sentence builders take numbers and return short sentences a committee member or resident can read in a
couple of minutes; the functions at the end take a whole
:class:`~thanalysis.analyses.borough_profile.BoroughProfileResults` or
:class:`~thanalysis.analyses.locality_profile.LocalityProfileResults` and give each piece of text the page shows
(titles, summaries, alt text, captions, readable tables). Nothing here is typed by hand or computed.
Sentences are plain text; the functions that return Markdown (headings, summaries as bullets) escape every piece
of text they put in it (:mod:`thanalysis.narrative.markup`), since place and indicator names come from the data.
"""
from __future__ import annotations

import math

import pandas as pd

from thanalysis.analyses.borough_profile import BoroughProfileResults
from thanalysis.analyses.locality_profile import LocalityProfileResults, locality_metric_rows
from thanalysis.narrative import comparison_phrase, format_value, join_words, plural
from thanalysis.narrative.dashboard import summary_table
from thanalysis.narrative.markup import bullets_markdown, md_text


def _pct(value: float | None, decimals: int | None = None) -> str:
    """Whole per cents, with one decimal below 10% (so 1.4% does not read as 1%)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if decimals is None:
        decimals = 1 if abs(value) < 10 else 0
    return f"{value:.{decimals}f}%"


def _people(n: float) -> str:
    return f"{n:,.0f}"


def _age_words(band: str) -> str:
    if band.endswith("+"):
        return f"aged {band[:-1]} and over"
    return f"aged {band.replace('-', ' to ')}"


def population_sentence(area: str, population: float, source_label: str, period: str) -> str:
    label = source_label if str(period) in source_label else f"{source_label}, {period}"
    return f"{area} had {_people(population)} residents ({label})."


def source_difference_sentence(first: tuple[str, str, float], second: tuple[str, str, float]) -> str:
    """Two sources disagree: say by how much and why it matters (each: label, period, total)."""
    (l1, _, n1), (l2, _, n2) = first, second
    diff = n1 - n2
    return (f"Population counts differ by source: {l1} gives {_people(n1)}, {l2} gives "
            f"{_people(n2)}, a difference of {_people(abs(diff))}. Each chart says which source it uses.")


def largest_age_sentence(band: str, percent: float) -> str:
    return f"The largest five-year age group is people {_age_words(band)} ({_pct(percent, 1)} of residents)." \
        if "-" in band and _is_five_year(band) else \
        f"The largest age group is people {_age_words(band)} ({_pct(percent, 1)} of residents)."


def _is_five_year(band: str) -> bool:
    try:
        lo, hi = (int(x) for x in band.split("-"))
    except ValueError:
        return False
    return hi - lo == 4


def deprivation_sentence(area: str, facts: dict) -> str:
    """Share of neighbourhoods and residents in the most deprived 10% nationally, with the region beside it."""
    n, total = facts["most_deprived_lsoas"], facts["lsoas"]
    label = facts.get("imd_label", "IMD")
    text = (f"{plural(n, 'neighbourhood')} of {total:,} in {area} ({_pct(facts['most_deprived_percent_lsoas'])}) "
            f"are among the most deprived 10% in the country ({label}), home to "
            f"{_pct(facts['most_deprived_percent_population'])} of residents")
    if facts.get("region_name"):
        text += (f"; across {facts['region_name']} the figure is "
                 f"{_pct(facts['region_most_deprived_percent_lsoas'])} of neighbourhoods")
    return text + "."


def most_common_decile_sentence(area: str, dist: pd.DataFrame) -> str:
    """Which deciles hold most residents, e.g. "Most residents (57%) live in deciles 2 and 3"."""
    d = dist.sort_values("percent_population", ascending=False)
    top = d.head(2)
    share = float(top["percent_population"].sum())
    deciles = sorted(int(x) for x in top["decile"])
    most_deprived_half = float(dist.loc[dist["decile"] <= 5, "percent_population"].sum())
    return (f"{_pct(share)} of residents of {area} live in neighbourhoods in national deciles "
            f"{join_words([str(x) for x in deciles])}, and {_pct(most_deprived_half)} live in the more deprived "
            f"half of the country (deciles 1 to 5).")


def benchmark_sentences(area: str, bench: pd.DataFrame, max_items: int = 4) -> list[str]:
    """One sentence per benchmark (region, country): where the borough is significantly different (95%)."""
    out = []
    for role in ("region", "country"):
        if bench.empty or f"comparison_{role}_95" not in bench.columns:
            continue
        name = str(bench[f"{role}_name"].iloc[0]) if f"{role}_name" in bench.columns else role
        if not name:
            continue
        compared = bench[bench[f"comparison_{role}_95"] != "Not compared"]
        if compared.empty:
            continue
        parts = []
        for word in ("Worse", "Better", "Higher", "Lower"):
            hit = compared[compared[f"comparison_{role}_95"] == word]
            if len(hit):
                items = [f"{_short(n)} ({format_value(v, t, multiplier=m)} against "
                         f"{format_value(b, t, multiplier=m)})"
                         for n, v, b, t, m in zip(hit["name"], hit["value"], hit[f"{role}_value"],
                                                  hit["value_type"], hit["multiplier"])][:max_items]
                parts.append(f"{comparison_phrase(word).replace(' than', '')} on {join_words(items)}")
        similar = int((compared[f"comparison_{role}_95"] == "Similar").sum())
        if parts:
            tail = f"; similar on {plural(similar, 'other indicator')}" if similar else ""
            out.append(f"Compared with {name}, {area} is {'; '.join(parts)}{tail}.")
        else:
            out.append(f"{area} is not significantly different from {name} on the "
                       f"{plural(len(compared), 'indicator')} compared.")
    return out


def _short(name: str) -> str:
    """Indicator name without its source in brackets, first letter lower case for use mid-sentence."""
    text = str(name).split(" (")[0]
    words = text.split(" ")
    if words and not (len(words[0]) > 1 and words[0][:2].isupper()):
        words[0] = words[0][:1].lower() + words[0][1:]
    return " ".join(words)


def borough_summary(facts: dict, bench: pd.DataFrame | None = None) -> list[str]:
    """The borough profile's opening summary, as a list of sentences (bullets)."""
    area = facts["area_name"]
    lines = [population_sentence(area, facts["population"], facts["population_source"], facts["population_period"])]
    if facts.get("population_by_sex") and facts.get("population_by_sex_source") != facts["population_source"]:
        lines.append(source_difference_sentence(
            (facts["population_source"], facts["population_period"], facts["population"]),
            (facts["population_by_sex_source"], facts["population_by_sex_period"], facts["population_by_sex"])))
    lines.append(largest_age_sentence(facts["largest_age_group"], facts["largest_age_group_percent"]))
    lines.append(deprivation_sentence(area, facts))
    if bench is not None and len(bench):
        lines.extend(benchmark_sentences(area, bench))
    return lines


def locality_summary(locality: str, borough: str, *, population: float, population_label: str, period: str,
                     borough_population: float, comparison: pd.DataFrame, indicators: pd.DataFrame,
                     ages: dict | None = None, borough_ages: dict | None = None) -> list[str]:
    """Three or four sentences for a place-based meeting: size, age, deprivation, what stands out."""
    share = 100 * population / borough_population if borough_population else float("nan")
    label = population_label if str(period) in population_label else f"{population_label}, {period}"
    lines = [f"{locality} is home to about {_people(population)} people, {_pct(share)} of {borough} ({label})."]
    if ages and borough_ages and ages.get("children_ages"):
        lines.append(f"{_pct(ages['children_percent'])} of its residents are children aged {ages['children_ages']} "
                     f"({_pct(borough_ages['children_percent'])} across {borough}) and "
                     f"{_pct(ages['older_percent'])} are aged {ages['older_ages']} "
                     f"({_pct(borough_ages['older_percent'])}).")
    most = comparison.loc[comparison["decile"] == 1]
    d12_loc = float(comparison.loc[comparison["decile"] <= 2, "locality_percent_population"].sum())
    d12_bor = float(comparison.loc[comparison["decile"] <= 2, "borough_percent_population"].sum())
    lines.append(f"{_pct(d12_loc)} of its residents live in the most deprived 20% of neighbourhoods in the country "
                 f"(deciles 1 and 2), against {_pct(d12_bor)} across {borough}"
                 + (f"; {_pct(float(most['locality_percent_population'].iloc[0]))} are in the most deprived 10%."
                    if len(most) else "."))
    if indicators is not None and len(indicators):
        lines.extend(locality_indicator_sentences(locality, borough, indicators))
    return lines


def locality_indicator_sentences(locality: str, borough: str, indicators: pd.DataFrame, max_items: int = 4) -> list[str]:
    """What is significantly different from the borough (95% confidence), worst first."""
    groups = {}
    for word in ("Worse", "Better", "Higher", "Lower"):
        hit = indicators[indicators["comparison_95"] == word]
        if len(hit):
            hit = hit.assign(_gap=(hit["value"] - hit["borough_value"]).abs()).sort_values("_gap", ascending=False)
            groups[word] = [f"{_short(n)} ({format_value(v, t, multiplier=m)} against "
                            f"{format_value(b, t, multiplier=m)})"
                            for n, v, b, t, m in zip(hit["name"], hit["value"], hit["borough_value"],
                                                     hit["value_type"], hit["multiplier"])][:max_items]
    if not groups:
        return [f"On the {plural(len(indicators), 'indicator')} compared, {locality} is not significantly "
                f"different from {borough} as a whole."]
    out = []
    for word, items in groups.items():
        phrase = comparison_phrase(word).replace(" than", "")
        out.append(f"Compared with {borough} as a whole, {locality} is {phrase} on {join_words(items)}.")
    similar = int((indicators["comparison_95"] == "Similar").sum())
    if similar:
        out.append(f"It is similar to the borough on {plural(similar, 'other indicator')}.")
    return out


def pyramid_alt(area: str, ages: dict, comparison: str | None = None, comparison_ages: dict | None = None) -> str:
    """Alt text for a population pyramid, from the computed shares."""
    text = (f"Population pyramid for {area}: {_pct(ages['children_percent'])} of residents are aged "
            f"{ages['children_ages']} and {_pct(ages['older_percent'])} aged {ages['older_ages']}")
    if comparison and comparison_ages:
        text += (f"; {comparison} (black outline): {_pct(comparison_ages['children_percent'])} and "
                 f"{_pct(comparison_ages['older_percent'])}")
    return text + "."


def decile_chart_alt(area: str, dist: pd.DataFrame) -> str:
    parts = [f"decile {int(d)}: {int(n)} neighbourhoods, {p:.0f}% of residents"
             for d, n, p in zip(dist["decile"], dist["lsoas"], dist["percent_population"]) if n > 0]
    return f"Bar charts of {area}'s neighbourhoods and residents by national deprivation decile: " + "; ".join(parts) + "."


def decile_comparison_alt(locality: str, borough: str, comparison: pd.DataFrame) -> str:
    parts = [f"decile {int(d)}: {a:.0f}% against {b:.0f}%" for d, a, b in
             zip(comparison["decile"], comparison["locality_percent_population"],
                 comparison["borough_percent_population"]) if a > 0 or b > 0]
    return (f"Paired bars: percentage of residents of {locality} (solid) and {borough} (hatched) in each national "
            "deprivation decile: " + "; ".join(parts) + ".")


def no_localities_sentence(borough: str, area_code: str) -> str:
    return (f"There is no locality file for {borough} ({area_code}), so this profile describes the borough as a "
            f"whole. To add localities, create data/localities/{area_code}.csv listing each ward's locality.")


def _fmt(value, value_type, multiplier) -> str:
    return format_value(value, value_type, multiplier=multiplier)


def _pyramid_caption(source) -> str:
    return f"Source: {source.label}, {source.period} ({source.age_detail}, by sex)."


def decile_caption(results: BoroughProfileResults | LocalityProfileResults) -> str:
    """Caption of a decile chart: the deprivation index and the population source of the residents."""
    return f"{results.imd_label} deciles; residents: {results.population_label}."


# ==============================================================================================================
# The borough profile
# ==============================================================================================================
def borough_title(results: BoroughProfileResults) -> str:
    return f"Borough profile: {results.borough}"


def borough_heading_markdown(results: BoroughProfileResults) -> str:
    """The line under the title, as Markdown: ``**Borough:** Tower Hamlets (E09000030)``."""
    return f"**Borough:** {md_text(f'{results.borough} ({results.area_code})')}"


def borough_summary_markdown(results: BoroughProfileResults) -> str:
    """The borough summary as Markdown bullets."""
    return bullets_markdown(borough_summary(results.facts, results.bench))


def borough_key_figures(results: BoroughProfileResults) -> list[tuple[str, str, str]]:
    """(label, value, note) of each key figure at the top of the borough profile."""
    facts = results.facts
    return [
        ("Residents", f"{facts['population']:,.0f}", f"{facts['population_source']}, {facts['population_period']}"),
        ("Neighbourhoods in the most deprived 10% nationally", f"{facts['most_deprived_percent_lsoas']:.0f}%",
         f"{facts['most_deprived_lsoas']} of {facts['lsoas']} ({facts['imd_label']})"),
        ("Largest age group", facts["largest_age_group"], f"{facts['largest_age_group_percent']:.1f}% of residents"),
    ]


def borough_pyramid_alt(results: BoroughProfileResults) -> str:
    return pyramid_alt(results.borough, results.ages)


def borough_pyramid_caption(results: BoroughProfileResults) -> str:
    return _pyramid_caption(results.sex_source)


def age_sentence(results: BoroughProfileResults) -> str:
    """The largest age group of the borough, from the source with the finest age bands."""
    return largest_age_sentence(results.facts["largest_age_group"], results.facts["largest_age_group_percent"])


def age_chart_alt(results: BoroughProfileResults) -> str:
    return f"Bar chart of {results.borough}'s residents by age band. " + age_sentence(results)


def age_chart_caption(results: BoroughProfileResults) -> str:
    """Caption of the age chart: which population estimate, its period and its age detail."""
    src = results.age_source
    return f"Source: {src.label}, {src.period} ({src.age_detail}, persons)."


def deprivation_map_title(results: BoroughProfileResults) -> str:
    return f"{results.imd_label} national deprivation decile of each neighbourhood in {results.borough}"


def deprivation_map_description(results: BoroughProfileResults) -> str:
    return (deprivation_sentence(results.borough, results.facts)
            + (" Locality boundaries are drawn in black." if results.outlines is not None else ""))


def borough_decile_sentence(results: BoroughProfileResults) -> str:
    return most_common_decile_sentence(results.borough, results.deciles)


def borough_decile_alt(results: BoroughProfileResults) -> str:
    return decile_chart_alt(results.borough, results.deciles)


def benchmark_table(results: BoroughProfileResults) -> pd.DataFrame:
    """The borough's indicators against region and country as people read them."""
    bench = results.bench
    if bench.empty:
        return pd.DataFrame(columns=["Indicator", "Period", "Borough", "Region", "Compared with region", "Country",
                                     "Compared with country"])
    region = str(bench["region_name"].iloc[0]) or "Region"
    country = str(bench["country_name"].iloc[0]) or "Country"
    rows = zip(bench["name"], bench["period"], bench["value"], bench["region_value"], bench["comparison_region_95"],
               bench["country_value"], bench["comparison_country_95"], bench["value_type"], bench["multiplier"])
    return pd.DataFrame([{"Indicator": n, "Period": p, "Borough": _fmt(v, t, m), region: _fmt(r, t, m),
                          f"Compared with {region}": cr, country: _fmt(c, t, m), f"Compared with {country}": cc}
                         for n, p, v, r, cr, c, cc, t, m in rows])


def benchmark_caption(results: BoroughProfileResults) -> str:
    facts = results.facts
    return (f"{results.borough} compared with {facts.get('region_benchmark_name', 'the region')} and "
            f"{facts.get('country_benchmark_name', 'the country')}")


def borough_table_captions(results: BoroughProfileResults) -> dict[str, str]:
    """Caption of each table the borough profile publishes, by table name."""
    return {
        "population_by_age": f"Residents by age band ({results.age_source.label})",
        "population_by_age_sex": f"Residents by age band and sex ({results.sex_source.label})",
        "lsoa_deprivation": f"{results.imd_label} national decile, rank and score of each neighbourhood",
        "deprivation_deciles": "Neighbourhoods and residents in each national deprivation decile",
        "key_indicators": "Key indicators against the region and the country",
    }


# ==============================================================================================================
# The locality profile
# ==============================================================================================================
def locality_title(results: LocalityProfileResults) -> str:
    return f"Locality profile: {results.place}" + (f", {results.borough}" if results.has_localities else "")


def locality_heading_markdown(results: LocalityProfileResults) -> str:
    """The line under the title, as Markdown: the locality in bold and its borough (or why there is none)."""
    if results.has_localities:
        return f"**{md_text(results.place)}**{md_text(f', {results.borough}')}"
    return md_text(no_localities_sentence(results.borough, results.area_code))


def locality_summary_markdown(results: LocalityProfileResults) -> str:
    """The locality summary as Markdown bullets (the borough's summary when it has no localities)."""
    if not results.has_localities:
        return bullets_markdown(borough_summary(results.facts, results.indicators))
    src = results.source
    return bullets_markdown(locality_summary(
        results.place, results.borough, population=results.population, population_label=src.label,
        period=src.period, borough_population=results.borough_population, comparison=results.deciles,
        indicators=results.indicators, ages=results.ages[results.place_code],
        borough_ages=results.ages[results.area_code]))


def place_map_title(results: LocalityProfileResults) -> str:
    if results.has_localities:
        return f"{results.place} within {results.borough}"
    return f"Wards of {results.borough}"


def place_map_description(results: LocalityProfileResults) -> str:
    if results.has_localities:
        return (f"{results.place} is made up of {len(results.wards)} wards: "
                f"{', '.join(results.wards['ward22_name'])}.")
    return f"{results.borough} has no locality file, so the wards of the whole borough are shown."


def locality_pyramid_alt(results: LocalityProfileResults) -> str:
    if results.has_localities:
        return pyramid_alt(results.place, results.ages[results.place_code], results.borough,
                           results.ages[results.area_code])
    return pyramid_alt(results.place, results.ages[results.place_code])


def locality_pyramid_caption(results: LocalityProfileResults) -> str:
    return _pyramid_caption(results.source)


def locality_decile_alt(results: LocalityProfileResults) -> str:
    if results.has_localities:
        return decile_comparison_alt(results.place, results.borough, results.deciles)
    return decile_chart_alt(results.borough, results.distribution)


def locality_indicator_paragraph(results: LocalityProfileResults) -> str:
    """What is significantly different from the borough, as one paragraph."""
    return " ".join(locality_indicator_sentences(results.place, results.borough, results.indicators))


#: How each small-area type of the locality indicators is added up, in words.
_SUMMED_FROM = {"lsoa21": "from neighbourhoods (LSOAs)", "ward22": "from wards",
                "msoa21 (best fit)": "from MSOAs, each counted in the locality holding most of its neighbourhoods "
                                     "(an MSOA can straddle two localities, so these are approximate)"}


def locality_indicator_method(indicators: pd.DataFrame) -> str:
    """Which small areas each indicator of :func:`~thanalysis.analyses.profile_indicators.locality_indicators` is
    added up from (wards and MSOAs: Fingertips' small-area data)."""
    if indicators.empty:
        return ""
    parts = []
    for kind, rows in indicators.groupby("small_area_type", sort=False):
        names = join_words(rows["name"].astype(str).tolist())
        parts.append(f"{names} {'is' if len(rows) == 1 else 'are'} added up {_SUMMED_FROM.get(kind, f'from {kind}')}")
    return ("Counts are added up to the locality and the borough, and each value and its limits recomputed from "
            "them: " + "; ".join(parts) + ".")


def dashboard_table(results: LocalityProfileResults) -> pd.DataFrame:
    """The locality's monthly priority metrics as people read them (column names, no underscores)."""
    cols = {"priority": "Priority", "metric": "Metric", "latest_period": "Latest month",
            "latest_text": "Latest value", "variation_type": "Variation", "assurance_type": "Assurance"}
    if not results.has_dashboard:
        return pd.DataFrame(columns=list(cols.values()))
    table = summary_table(results.dashboard_results)
    t = table.loc[locality_metric_rows(table), list(cols)].rename(columns=cols)
    return t.fillna("").astype(str).replace({"_": " "}, regex=True).reset_index(drop=True)


def dashboard_caption(results: LocalityProfileResults) -> str:
    return f"Priority dashboard metrics for {results.place}"


def no_dashboard_sentence(results: LocalityProfileResults) -> str:
    """Where to find the priority metrics when none is published for the locality."""
    return (f"See the locality dashboard pack (priority dashboard – {results.place}) for the monthly priority "
            "metrics; they are not shown here because the priorities dashboard publishes no monthly metrics for "
            "this locality.")


def locality_table_captions(results: LocalityProfileResults) -> dict[str, str]:
    """Caption of each table the locality profile publishes, by table name."""
    return {
        "population_by_age_sex": f"Residents by age band and sex ({results.source.label})",
        "deprivation_deciles": "Neighbourhoods and residents in each national deprivation decile",
        "lsoa_deprivation": "National deprivation decile of each neighbourhood",
        "key_indicators": ("Key indicators compared with the borough" if results.has_localities
                           else "Key indicators"),
    }


__all__ = [
    "population_sentence", "source_difference_sentence", "largest_age_sentence", "deprivation_sentence",
    "most_common_decile_sentence", "benchmark_sentences", "borough_summary", "locality_summary",
    "locality_indicator_sentences", "locality_indicator_method", "no_localities_sentence", "pyramid_alt",
    "decile_chart_alt",
    "decile_comparison_alt", "decile_caption", "borough_title", "borough_heading_markdown", "borough_summary_markdown",
    "borough_key_figures", "borough_pyramid_alt", "borough_pyramid_caption", "age_sentence", "age_chart_alt",
    "age_chart_caption", "deprivation_map_title", "deprivation_map_description", "borough_decile_sentence",
    "borough_decile_alt", "benchmark_table", "benchmark_caption", "borough_table_captions", "locality_title",
    "locality_heading_markdown", "locality_summary_markdown", "place_map_title", "place_map_description",
    "locality_pyramid_alt", "locality_pyramid_caption", "locality_decile_alt", "locality_indicator_paragraph",
    "dashboard_table", "dashboard_caption", "no_dashboard_sentence", "locality_table_captions",
]
