"""Census 2021 tables for every LSOA 2021 in England and Wales (Nomis bulk files) as canonical values.

Files in ``population/census2021_lsoa_ew/`` (one row per LSOA, 35,672 rows; counts, perturbed by ONS's statistical
disclosure control but additive within each table, which the reader checks):

- TS021 ethnic group: ``census21_ethnic_group``, the share of usual residents in each of the 5 broad groups
  (``category_type`` ``ethnic_group_broad``) and 19 detailed groups (``ethnic_group_detailed``, e.g. Bangladeshi).
  Context, not an outcome: polarity ``no_judgement``.
- TS037 general health: ``census21_bad_health`` (bad or very bad health) and the whole distribution
  ``census21_general_health`` (``category_type`` ``general_health``).
- TS038 disability: ``census21_disabled`` (disabled under the Equality Act), ``census21_disabled_limited_a_lot``
  and the distribution ``census21_disability``.
- TS017 household size: the distribution of households by size ``census21_household_size`` and the mean
  ``census21_mean_household_size`` (people per household; households of 8 or more counted as 8, so a slight
  underestimate: the row says so). The file's "0 people in household" column is 0 everywhere (Nomis counts
  households with usual residents); it is left out and the denominator is the households of 1 or more people.
- TS052 occupancy rating for bedrooms: ``census21_overcrowded`` (rating -1 or less), ``census21_overcrowded_severe``
  (-2 or less) and the distribution ``census21_occupancy_rating``.

Shares follow ``thanalysis.data.real``: ``value = 100 × count / denominator`` with Wilson 95% and 99.8% limits,
unit "%", period "2021" (census day 21 March 2021), frequency "decennial". Outcome shares are crude (not
age-standardised): the indicator names say so. ``read_*`` take ``lsoas`` (codes to keep) to build values for fewer
areas, e.g. one borough, which is much faster than all 35,672.

The ward table (``population/census2021_ward/``, TS021 for the 2022 wards of Tower Hamlets and Hackney) is read by
:func:`read_ward_ethnic_group`; :func:`check_ward_totals` adds the LSOA counts up to wards with the GLA best-fit
LSOA 2021 → ward 2022 lookup and compares them with it (see its docstring for what agrees and what cannot).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows
from thanalysis.data.published.series import Check, PublishedSeries, finish, indicator_table, limits
from thanalysis.data.published.series import read_table, require_codes, require_non_negative
from thanalysis.errors import DataError

FOLDER = "population/census2021_lsoa_ew"
WARD_FOLDER = "population/census2021_ward"
WARD_FILE = f"{WARD_FOLDER}/census2021-ts021-ward_towerhamlets_hackney.csv"
LOOKUP = "lookups/lsoa21_ward22_best_fit_EW_gla.csv"
LOOKUP_LSOA, LOOKUP_WARD, LOOKUP_WARD_NAME = "lsoa21cd", "ward22cd", "ward22nm"
SOURCE = "Office for National Statistics, Census 2021 (Nomis bulk download, https://www.nomisweb.co.uk)"
LICENCE = "Open Government Licence v3.0"
PERIOD, CENSUS_DAY, FREQUENCY = "2021", pd.Timestamp("2021-03-21"), "decennial"
DATE, NAME, CODE = "date", "geography", "geography code"
LSOA_PATTERN, WARD_PATTERN = r"[EW]01\d{6}", r"[EW]05\d{6}"
#: Borough totals of the published wards and of the borough's LSOAs differ by perturbation only: at most this share
#: of the borough's residents (Tower Hamlets and Hackney differ by at most 35 people, 0.014%).
BOROUGH_TOLERANCE = 0.0005
#: Best-fit wards (whole LSOAs) against the published wards: each group's share of the ward's residents within this
#: many percentage points (observed in Tower Hamlets and Hackney: median 0.06, largest 3.7, Bangladeshi).
WARD_SHARE_TOLERANCE_PP = 5.0


def file_of(table: str) -> str:
    """The Nomis bulk file of a table, e.g. ``file_of("ts021")``."""
    return f"{FOLDER}/census2021-{table}-lsoa.csv"


# --- the tables' columns --------------------------------------------------------------------------------------
ETHNIC_TOTAL = "Ethnic group: Total: All usual residents"
ETHNIC_GROUPS = {
    "Asian, Asian British or Asian Welsh": ("Bangladeshi", "Chinese", "Indian", "Pakistani", "Other Asian"),
    "Black, Black British, Black Welsh, Caribbean or African": ("African", "Caribbean", "Other Black"),
    "Mixed or Multiple ethnic groups": ("White and Asian", "White and Black African", "White and Black Caribbean",
                                        "Other Mixed or Multiple ethnic groups"),
    "White": ("English, Welsh, Scottish, Northern Irish or British", "Irish", "Gypsy or Irish Traveller", "Roma",
              "Other White"),
    "Other ethnic group": ("Arab", "Any other ethnic group"),
}
BROAD = {g: f"Ethnic group: {g}" for g in ETHNIC_GROUPS}
DETAILED = {d: f"Ethnic group: {g}: {d}" for g, details in ETHNIC_GROUPS.items() for d in details}

HEALTH_TOTAL = "General health: Total: All usual residents"
HEALTH = {h: f"General health: {h}" for h in ("Very good health", "Good health", "Fair health", "Bad health",
                                                "Very bad health")}
DISABILITY_TOTAL = "Disability: Total: All usual residents"
DISABLED = "Disability: Disabled under the Equality Act"
NOT_DISABLED = "Disability: Not disabled under the Equality Act"
DISABILITY = {
    "Disabled: day-to-day activities limited a lot": f"{DISABLED}: Day-to-day activities limited a lot",
    "Disabled: day-to-day activities limited a little": f"{DISABLED}: Day-to-day activities limited a little",
    "Not disabled: long-term condition, activities not limited": f"{NOT_DISABLED}: Has long term physical or mental "
                                                                 "health condition but day-to-day activities are not "
                                                                 "limited",
    "Not disabled: no long-term condition": f"{NOT_DISABLED}: No long term physical or mental health conditions",
}
SIZE_TOTAL = "Household size: Total: All household spaces; measures: Value"
SIZE_ZERO = "Household size: 0 people in household; measures: Value"
SIZES = {f"{k} {'person' if k == 1 else 'people'}": (k, f"Household size: {k} {'person' if k == 1 else 'people'} "
                                                        "in household; measures: Value") for k in range(1, 8)}
SIZES["8 or more people"] = (8, "Household size: 8 or more people in household; measures: Value")
OCCUPANCY_TOTAL = "Occupancy rating for bedrooms: Total: All households"
OCCUPANCY = {r: f"Occupancy rating for bedrooms: Occupancy rating of bedrooms: {r}"
             for r in ("+2 or more", "+1", "0", "-1", "-2 or less")}

_PCT = ("proportion", 100, "%")
#: (indicator_id, name, value_type, multiplier, unit, polarity, frequency)
INDICATORS = (
    ("census21_ethnic_group", "Usual residents by ethnic group, share of all usual residents (Census 2021 TS021)",
     *_PCT, "no_judgement", FREQUENCY),
    ("census21_bad_health", "Usual residents in bad or very bad health, crude share, not age-standardised "
     "(Census 2021 TS037)", *_PCT, "lower_is_better", FREQUENCY),
    ("census21_general_health", "Usual residents by general health, crude shares (Census 2021 TS037)", *_PCT,
     "no_judgement", FREQUENCY),
    ("census21_disabled", "Usual residents disabled under the Equality Act, crude share (Census 2021 TS038)", *_PCT,
     "lower_is_better", FREQUENCY),
    ("census21_disabled_limited_a_lot", "Usual residents disabled under the Equality Act whose day-to-day activities "
     "are limited a lot, crude share (Census 2021 TS038)", *_PCT, "lower_is_better", FREQUENCY),
    ("census21_disability", "Usual residents by disability and long-term conditions, crude shares "
     "(Census 2021 TS038)", *_PCT, "no_judgement", FREQUENCY),
    ("census21_household_size", "Households by number of usual residents, share of households (Census 2021 TS017)",
     *_PCT, "no_judgement", FREQUENCY),
    ("census21_mean_household_size", "Mean household size, usual residents per household, households of 8 or more "
     "counted as 8 (Census 2021 TS017)", "mean", 1, "people per household", "no_judgement", FREQUENCY),
    ("census21_overcrowded", "Overcrowded households: occupancy rating for bedrooms of -1 or less "
     "(Census 2021 TS052)", *_PCT, "lower_is_better", FREQUENCY),
    ("census21_overcrowded_severe", "Severely overcrowded households: occupancy rating for bedrooms of -2 or less "
     "(Census 2021 TS052)", *_PCT, "lower_is_better", FREQUENCY),
    ("census21_occupancy_rating", "Households by occupancy rating for bedrooms, share of households "
     "(Census 2021 TS052)", *_PCT, "no_judgement", FREQUENCY),
)
_VALUE_TYPE = {row[0]: (row[2], row[3]) for row in INDICATORS}
MEAN_SIZE_NOTE = "households of 8 or more people counted as 8 (a slight underestimate)"


# --- reading and checking -------------------------------------------------------------------------------------
def _check_codes(t: pd.DataFrame, rel: str, pattern: str, what: str) -> None:
    require_codes(t, CODE, pattern, file=rel, what=what,
                  example="E01004222" if pattern == LSOA_PATTERN else "E05009317")
    wrong = t[DATE].str.strip() != PERIOD
    if wrong.any():
        raise DataError("Column date has years other than the census year.", file=rel, column=DATE,
                        rows=data_rows(t.index[wrong]), values=t.loc[wrong, DATE].head(5).tolist(), expected=PERIOD)


def _check_sum(t: pd.DataFrame, parts: Sequence[str], total: str, rel: str) -> None:
    """Census tables add up (ONS perturbs cells but keeps each table additive): parts must sum to their total."""
    diff = t[list(parts)].sum(axis=1) - t[total]
    bad = (diff.abs() > 0).to_numpy()
    if bad.any():
        raise DataError(f"The columns under {total!r} do not add up to it.", file=rel, column=total,
                        rows=data_rows(t.index[bad]), values=[f"parts - total = {d:g}" for d in diff[bad].head(5)],
                        expected=f"{total} = the sum of: " + "; ".join(parts))


def _read(root: Path, rel: str, columns: Sequence[str], lsoas: Iterable[str] | None, *,
          pattern: str = LSOA_PATTERN, what: str = "LSOA 2021", names: bool = False) -> pd.DataFrame:
    t = read_table(root, rel, text=[DATE, NAME, CODE] if names else [DATE, CODE], numeric=columns)
    missing = t[list(columns)].isna().to_numpy()
    if missing.any():
        j = np.argwhere(missing)[0][1]
        raise DataError("A count is blank: Census bulk files have every count.", file=rel, column=columns[j],
                        rows=data_rows(t.index[missing[:, j]]), expected="a count in every cell")
    _check_codes(t, rel, pattern, what)
    require_non_negative(t, columns, file=rel)
    if lsoas is not None:
        t = t[t[CODE].isin(set(lsoas))]
    return t


def _long(indicator_id: str, t: pd.DataFrame, blocks: Sequence[tuple[str, dict[str, np.ndarray]]],
          denominator: np.ndarray, *, area_type: str = "lsoa21", note: str = "") -> pd.DataFrame:
    """Values rows of one indicator, built in one go (a frame of 856,000 rows is costly to assemble twice).

    ``blocks``: ``(category_type, {category: counts per area})``, every count over the same ``denominator``.
    """
    n = len(t)
    labels = [(ctype, cat) for ctype, counts in blocks for cat in counts]
    k = len(labels)
    count = np.concatenate([np.asarray(c, dtype=float) for _, counts in blocks for c in counts.values()])
    den = np.tile(np.asarray(denominator, dtype=float), k)
    value_type, multiplier = _VALUE_TYPE[indicator_id]
    lim = limits(count, den, value_type, multiplier)
    day = np.full(n * k, CENSUS_DAY.to_datetime64(), dtype="datetime64[ns]")

    def text(value) -> np.ndarray:  # np.full is 20 times slower for objects than empty + fill
        out = np.empty(n * k, dtype=object)
        out.fill(value)
        return out

    notes = text(note)
    notes[~(den > 0)] = "no residents or households counted: no value"

    return pd.DataFrame({
        "indicator_id": text(indicator_id), "area_code": np.tile(t[CODE].to_numpy(dtype=object), k),
        "area_type": text(area_type), "period": text(PERIOD), "period_start": day, "period_end": day.copy(),
        "sex": text("Persons"), "age": text("All ages"),
        "category_type": np.repeat(np.array([c[0] for c in labels], dtype=object), n),
        "category": np.repeat(np.array([c[1] for c in labels], dtype=object), n), "count": count,
        "denominator": den, "value": lim["value"], "lower_ci_95": lim["lower_ci_95"], "upper_ci_95": lim["upper_ci_95"],
        "lower_ci_99_8": lim["lower_ci_99_8"], "upper_ci_99_8": lim["upper_ci_99_8"], "value_note": notes})


def _col(t: pd.DataFrame, name: str) -> np.ndarray:
    return t[name].to_numpy(dtype=float)


# --- one builder per table: (value frames, files read) --------------------------------------------------------
def _ethnic_frames(t: pd.DataFrame, rel: str, area_type: str) -> list[pd.DataFrame]:
    _check_sum(t, list(BROAD.values()), ETHNIC_TOTAL, rel)
    for group, details in ETHNIC_GROUPS.items():
        _check_sum(t, [DETAILED[d] for d in details], BROAD[group], rel)
    total = _col(t, ETHNIC_TOTAL)
    return [_long("census21_ethnic_group", t, [("ethnic_group_broad", {g: _col(t, c) for g, c in BROAD.items()}),
                                               ("ethnic_group_detailed", {d: _col(t, c) for d, c in DETAILED.items()})],
                  total, area_type=area_type)]


def _ethnic(root: Path, lsoas) -> list[pd.DataFrame]:
    rel = file_of("ts021")
    t = _read(root, rel, [ETHNIC_TOTAL, *BROAD.values(), *DETAILED.values()], lsoas)
    return _ethnic_frames(t, rel, "lsoa21")


def _health(root: Path, lsoas) -> list[pd.DataFrame]:
    rel = file_of("ts037")
    t = _read(root, rel, [HEALTH_TOTAL, *HEALTH.values()], lsoas)
    _check_sum(t, list(HEALTH.values()), HEALTH_TOTAL, rel)
    total = _col(t, HEALTH_TOTAL)
    bad = _col(t, HEALTH["Bad health"]) + _col(t, HEALTH["Very bad health"])
    return [_long("census21_bad_health", t, [("", {"": bad})], total),
            _long("census21_general_health", t, [("general_health", {h: _col(t, c) for h, c in HEALTH.items()})],
                  total)]


def _disability(root: Path, lsoas) -> list[pd.DataFrame]:
    rel = file_of("ts038")
    t = _read(root, rel, [DISABILITY_TOTAL, DISABLED, NOT_DISABLED, *DISABILITY.values()], lsoas)
    _check_sum(t, [DISABLED, NOT_DISABLED], DISABILITY_TOTAL, rel)
    leaves = list(DISABILITY.values())
    _check_sum(t, leaves[:2], DISABLED, rel)
    _check_sum(t, leaves[2:], NOT_DISABLED, rel)
    total = _col(t, DISABILITY_TOTAL)
    return [_long("census21_disabled", t, [("", {"": _col(t, DISABLED)})], total),
            _long("census21_disabled_limited_a_lot", t, [("", {"": _col(t, leaves[0])})], total),
            _long("census21_disability", t, [("disability", {d: _col(t, c) for d, c in DISABILITY.items()})],
                  total)]


def _household_size(root: Path, lsoas) -> list[pd.DataFrame]:
    rel = file_of("ts017")
    t = _read(root, rel, [SIZE_TOTAL, SIZE_ZERO, *(c for _, c in SIZES.values())], lsoas)
    _check_sum(t, [SIZE_ZERO, *(c for _, c in SIZES.values())], SIZE_TOTAL, rel)
    households = sum(_col(t, c) for _, c in SIZES.values())
    people = sum(k * _col(t, c) for k, c in SIZES.values())
    return [_long("census21_household_size", t, [("household_size", {s: _col(t, c) for s, (_, c) in SIZES.items()})],
                  households),
            _long("census21_mean_household_size", t, [("", {"": people})], households, note=MEAN_SIZE_NOTE)]


def _occupancy(root: Path, lsoas) -> list[pd.DataFrame]:
    rel = file_of("ts052")
    t = _read(root, rel, [OCCUPANCY_TOTAL, *OCCUPANCY.values()], lsoas)
    _check_sum(t, list(OCCUPANCY.values()), OCCUPANCY_TOTAL, rel)
    total = _col(t, OCCUPANCY_TOTAL)
    minus2 = _col(t, OCCUPANCY["-2 or less"])
    return [_long("census21_overcrowded", t, [("", {"": _col(t, OCCUPANCY["-1"]) + minus2})], total),
            _long("census21_overcrowded_severe", t, [("", {"": minus2})], total),
            _long("census21_occupancy_rating", t,
                  [("occupancy_rating_bedrooms", {r: _col(t, c) for r, c in OCCUPANCY.items()})], total)]


_BUILDERS = {"ts021": (_ethnic, ("census21_ethnic_group",)),
             "ts037": (_health, ("census21_bad_health", "census21_general_health")),
             "ts038": (_disability, ("census21_disabled", "census21_disabled_limited_a_lot", "census21_disability")),
             "ts017": (_household_size, ("census21_household_size", "census21_mean_household_size")),
             "ts052": (_occupancy, ("census21_overcrowded", "census21_overcrowded_severe",
                                    "census21_occupancy_rating"))}


def _indicators(ids: Iterable[str], file: str) -> pd.DataFrame:
    return indicator_table([r for r in INDICATORS if r[0] in set(ids)], source=SOURCE, licence=LICENCE, file=file)


def read_tables(root: Path, tables: Sequence[str] = tuple(_BUILDERS), lsoas: Iterable[str] | None = None
                ) -> PublishedSeries:
    """Values of the given tables (``"ts021"``, ``"ts037"``, ``"ts038"``, ``"ts017"``, ``"ts052"``), validated once."""
    unknown = [t for t in tables if t not in _BUILDERS]
    if unknown or not tables:
        raise DataError(f"Unknown Census table(s): {', '.join(unknown)}.", file=FOLDER, values=unknown,
                        expected=", ".join(_BUILDERS))
    root = Path(root)
    lsoas = None if lsoas is None else list(lsoas)
    frames, ids = [], []
    for table in tables:
        build, table_ids = _BUILDERS[table]
        frames += build(root, lsoas)
        ids += table_ids
    if not sum(len(f) for f in frames):
        raise DataError("None of the LSOA codes asked for is in the Census files.", file=file_of(tables[0]),
                        column=CODE, values=(lsoas or [])[:5], expected="LSOA 2021 codes of England and Wales")
    files = [file_of(t) for t in tables]
    return finish(frames, _indicators(ids, FOLDER), root=root, folder=FOLDER, files=files, source=", ".join(files))


def read(root: Path, lsoas: Iterable[str] | None = None) -> PublishedSeries:
    """All five tables by LSOA (about 1.9 million rows for every LSOA, 14 s; pass ``lsoas`` to keep fewer areas:
    London's 4,994 take about 1 s), and the published ward table of ethnic group (:func:`read_ward_ethnic_group`,
    area type ``ward22``) with them, so that a store offers the published ward figures where they exist."""
    lsoa = read_tables(root, tuple(_BUILDERS), lsoas)
    ward = read_ward_ethnic_group(root)
    values = pd.concat([lsoa.values, ward.values], ignore_index=True)
    files = list(dict.fromkeys([*lsoa.files, *ward.files]))
    return PublishedSeries(values=values, indicators=lsoa.indicators, files=files, published=lsoa.published,
                           retrieved=lsoa.retrieved)


def indicators(root: Path | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`INDICATORS`; no file is read)."""
    return _indicators([row[0] for row in INDICATORS], FOLDER)


def read_ethnic_group(root: Path, lsoas: Iterable[str] | None = None) -> PublishedSeries:
    """TS021: ``census21_ethnic_group`` by broad and detailed group."""
    return read_tables(root, ("ts021",), lsoas)


def read_general_health(root: Path, lsoas: Iterable[str] | None = None) -> PublishedSeries:
    """TS037: bad or very bad health, and the distribution of general health."""
    return read_tables(root, ("ts037",), lsoas)


def read_disability(root: Path, lsoas: Iterable[str] | None = None) -> PublishedSeries:
    """TS038: disabled under the Equality Act, limited a lot, and the distribution."""
    return read_tables(root, ("ts038",), lsoas)


def read_household_size(root: Path, lsoas: Iterable[str] | None = None) -> PublishedSeries:
    """TS017: households by size and the mean household size."""
    return read_tables(root, ("ts017",), lsoas)


def read_occupancy(root: Path, lsoas: Iterable[str] | None = None) -> PublishedSeries:
    """TS052: overcrowded and severely overcrowded households, and the distribution of occupancy ratings."""
    return read_tables(root, ("ts052",), lsoas)


# --- wards ----------------------------------------------------------------------------------------------------
_ETHNIC_COLUMNS = [ETHNIC_TOTAL, *BROAD.values(), *DETAILED.values()]


def read_ward_ethnic_group(root: Path) -> PublishedSeries:
    """The published TS021 ward table (Tower Hamlets and Hackney, 2022 wards) as ``census21_ethnic_group`` values."""
    root = Path(root)
    t = _read(root, WARD_FILE, _ETHNIC_COLUMNS, None, pattern=WARD_PATTERN, what="ward")
    frames = _ethnic_frames(t, WARD_FILE, "ward22")
    return finish(frames, _indicators(["census21_ethnic_group"], WARD_FOLDER), root=root, folder=WARD_FOLDER,
                  files=[WARD_FILE], source=WARD_FILE)


def _best_fit(root: Path, lookup: pd.DataFrame | None) -> pd.DataFrame:
    """LSOA 2021 → ward 2022 pairs: the canonical ``lookup`` given, else the GLA best-fit file."""
    if lookup is not None:
        sel = lookup[(lookup["child_type"] == "lsoa21") & (lookup["parent_type"] == "ward22")]
        return pd.DataFrame({"lsoa21": sel["child_code"].to_numpy(), "ward22": sel["parent_code"].to_numpy()})
    t = read_table(root, LOOKUP, text=[LOOKUP_LSOA, LOOKUP_WARD])
    dup = t[LOOKUP_LSOA].duplicated(keep=False)
    if dup.any():
        raise DataError("The best-fit lookup gives some LSOAs more than one ward.", file=LOOKUP, column=LOOKUP_LSOA,
                        rows=data_rows(t.index[dup]), values=t.loc[dup, LOOKUP_LSOA].head(5).tolist(),
                        expected="one ward per LSOA 2021")
    return pd.DataFrame({"lsoa21": t[LOOKUP_LSOA].to_numpy(), "ward22": t[LOOKUP_WARD].to_numpy()})


@dataclass(frozen=True)
class WardCheck:
    """LSOA-built TS021 counts against the published ward table.

    ``wards``: one row per published ward and group (``category_type``/``category``; the total has category
    "All usual residents"): ``published``, ``from_lsoas`` (best-fit sum), ``difference``, ``relative_difference``
    (of the published count), ``share_published``, ``share_from_lsoas`` (% of the ward's residents),
    ``share_difference_pp`` and ``within_tolerance`` (shares within :data:`WARD_SHARE_TOLERANCE_PP`).
    ``boroughs``: the same per borough, the published wards summed against all the borough's LSOAs, with
    ``within_tolerance`` meaning within :data:`BOROUGH_TOLERANCE` of the borough's residents.
    """

    wards: pd.DataFrame
    boroughs: pd.DataFrame

    @property
    def ok(self) -> bool:
        """Every borough count and every ward share within tolerance."""
        return bool(self.wards["within_tolerance"].all() and self.boroughs["within_tolerance"].all())


def _groups_long(wide: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    labels = {ETHNIC_TOTAL: ("", "All usual residents"), **{c: ("ethnic_group_broad", g) for g, c in BROAD.items()},
              **{c: ("ethnic_group_detailed", d) for d, c in DETAILED.items()}}
    long = wide.melt(id_vars=keys, value_vars=_ETHNIC_COLUMNS, var_name="column", value_name="count")
    long["category_type"] = long["column"].map({c: v[0] for c, v in labels.items()})
    long["category"] = long["column"].map({c: v[1] for c, v in labels.items()})
    total = long["column"] == ETHNIC_TOTAL
    long["total"] = long[keys].merge(long.loc[total, keys + ["count"]], on=keys, how="left")["count"].to_numpy()
    return long.drop(columns="column")


def check_ward_totals(root: Path, lookup: pd.DataFrame | None = None) -> WardCheck:
    """Add the LSOA TS021 counts up to 2022 wards (best fit) and compare them with the published ward table.

    What to expect, measured on Tower Hamlets and Hackney: borough totals agree to within ONS's perturbation
    (at most 35 people); ward *shares* agree to within 3.7 percentage points; ward *counts* do not agree (up to
    22% of a ward's residents), because LSOAs 2021 straddle ward boundaries and best fit gives each LSOA wholly to
    one ward. So best-fit ward counts should not be shown as a ward's population where the published ward table
    exists. ``lookup`` is a canonical lookups table (child lsoa21 → parent ward22); by default the GLA file.
    """
    root = Path(root)
    wards = _read(root, WARD_FILE, _ETHNIC_COLUMNS, None, pattern=WARD_PATTERN, what="ward", names=True)
    lsoa = _read(root, file_of("ts021"), _ETHNIC_COLUMNS, None, names=True)
    fit = _best_fit(root, lookup)
    lsoa = lsoa.assign(la_name=lsoa[NAME].str.rsplit(" ", n=1).str[0])
    lsoa = lsoa.merge(fit, left_on=CODE, right_on="lsoa21", how="left")
    ward_la = lsoa.dropna(subset=["ward22"]).groupby("ward22")["la_name"].agg(lambda s: s.mode().iloc[0])
    unknown = ~wards[CODE].isin(ward_la.index)
    if unknown.any():
        raise DataError("Some published wards have no LSOA in the best-fit lookup.", file=WARD_FILE, column=CODE,
                        rows=data_rows(wards.index[unknown]), values=wards.loc[unknown, CODE].head(5).tolist(),
                        expected=f"2022 ward codes that {LOOKUP} assigns LSOAs to")
    wards = wards.assign(ward22=wards[CODE], ward_name=wards[NAME], la_name=wards[CODE].map(ward_la))
    built = lsoa[lsoa["ward22"].isin(wards["ward22"])].groupby("ward22")[_ETHNIC_COLUMNS].sum().reset_index()
    keys = ["ward22", "ward_name", "la_name"]
    pub = _groups_long(wards[keys + _ETHNIC_COLUMNS], keys)
    fit_long = _groups_long(built, ["ward22"]).rename(columns={"count": "from_lsoas", "total": "total_from_lsoas"})
    w = pub.rename(columns={"count": "published"}).merge(fit_long, on=["ward22", "category_type", "category"])
    las = wards["la_name"].unique()
    b_pub = wards.groupby("la_name")[_ETHNIC_COLUMNS].sum().reset_index()
    b_fit = lsoa[lsoa["la_name"].isin(las)].groupby("la_name")[_ETHNIC_COLUMNS].sum().reset_index()
    b = _groups_long(b_pub, ["la_name"]).rename(columns={"count": "published"}).merge(
        _groups_long(b_fit, ["la_name"]).rename(columns={"count": "from_lsoas", "total": "total_from_lsoas"}),
        on=["la_name", "category_type", "category"])
    for df in (w, b):
        df["difference"] = df["from_lsoas"] - df["published"]
        with np.errstate(invalid="ignore", divide="ignore"):
            df["relative_difference"] = df["difference"] / df["published"].where(df["published"] > 0)
            df["share_published"] = 100 * df["published"] / df["total"]
            df["share_from_lsoas"] = 100 * df["from_lsoas"] / df["total_from_lsoas"]
        df["share_difference_pp"] = df["share_from_lsoas"] - df["share_published"]
    w["within_tolerance"] = w["share_difference_pp"].abs() <= WARD_SHARE_TOLERANCE_PP
    b["within_tolerance"] = b["difference"].abs() <= BOROUGH_TOLERANCE * b["total"]
    cols = ["category_type", "category", "published", "from_lsoas", "difference", "relative_difference",
            "share_published", "share_from_lsoas", "share_difference_pp", "within_tolerance"]
    return WardCheck(wards=w[keys + cols].reset_index(drop=True), boroughs=b[["la_name"] + cols].reset_index(drop=True))


def checks(root: Path) -> list[Check]:
    """``thanalysis data check``'s rows for the ward table: the borough totals of the published wards against the
    borough's LSOAs (:data:`BOROUGH_TOLERANCE`), and each ward's group shares built from LSOAs (best fit) against
    the published ones (:data:`WARD_SHARE_TOLERANCE_PP`); :func:`check_ward_totals` says why ward *counts* differ."""
    found = check_ward_totals(root)
    b, w = found.boroughs, found.wards
    totals = w[w["category"] == "All usual residents"]
    worst = totals["relative_difference"].abs().max()
    return [Check("census21 ward table: borough totals against their LSOAs", len(b), bool(b["within_tolerance"].all()),
                  f"largest difference {b['difference'].abs().max():g} people (tolerance "
                  f"{BOROUGH_TOLERANCE:.2%} of residents)"),
            Check("census21 ward table: best-fit ward shares against published", len(w),
                  bool(w["within_tolerance"].all()),
                  f"largest share difference {w['share_difference_pp'].abs().max():.1f} percentage points (tolerance "
                  f"{WARD_SHARE_TOLERANCE_PP:g}); ward totals differ by up to {worst:.0%} (best fit moves whole "
                  "LSOAs)")]


__all__ = ["read", "indicators", "checks", "read_tables", "read_ethnic_group", "read_general_health", "read_disability",
           "read_household_size",
           "read_occupancy", "read_ward_ethnic_group", "check_ward_totals", "WardCheck", "INDICATORS", "ETHNIC_GROUPS",
           "FOLDER", "WARD_FILE", "BOROUGH_TOLERANCE", "WARD_SHARE_TOLERANCE_PP", "file_of"]
