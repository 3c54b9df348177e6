"""Small-number suppression: what is removed, what stays, and that nothing removed can be worked back out.

Secondary suppression is checked with an attacker written here: for each group with a published total it
lists every assignment of the hidden cells that fits the published numbers and says a cell is disclosed when
it takes the same value in all of them.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from thanalysis.errors import DataError
from thanalysis.stats.disclosure import (
    SUPPRESSED_NOTE,
    Grouping,
    pinned_by_order,
    round_derived,
    series_withheld,
    strict_runs,
    suppress_small_numbers,
    trend_withheld,
    withheld_cells,
)


def _table(counts, *, groups=None):
    counts = list(counts)
    df = pd.DataFrame({
        "area_code": [f"E0{i:07d}" for i in range(len(counts))],
        "count": pd.array(counts, dtype="Int64"),
        "denominator": [1000] * len(counts),
    })
    df["value"] = df["count"].astype(float) / 10.0
    df["lower_ci_95"] = df["value"] - 0.5
    df["upper_ci_95"] = df["value"] + 0.5
    df["lower_ci_99_8"] = df["value"] - 1.0
    df["upper_ci_99_8"] = df["value"] + 1.0
    if groups is not None:
        df.insert(0, "group", groups)
    return df


DEPENDENT = ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]


def _hidden(out: pd.DataFrame, column: str = "count") -> np.ndarray:
    return out[column].isna().to_numpy()


# --- primary suppression -------------------------------------------------------------------------------------
def test_counts_one_to_four_removed_with_their_rates_zero_and_five_plus_kept():
    counts = [0, 1, 2, 3, 4, 5, 6, 120]
    df = _table(counts)
    out = suppress_small_numbers(df)
    expected_hidden = np.array([1 <= c <= 4 for c in counts])
    assert (_hidden(out) == expected_hidden).all()
    for column in DEPENDENT:
        assert (out[column].isna().to_numpy() == expected_hidden).all(), column
    # what is kept is unchanged
    kept = ~expected_hidden
    assert out.loc[kept, "count"].astype(int).tolist() == [c for c in counts if not 1 <= c <= 4]
    pd.testing.assert_series_equal(out.loc[kept, "value"], df.loc[kept, "value"])
    # the denominator is not built on the count: it stays
    assert out["denominator"].tolist() == df["denominator"].tolist()
    assert out.attrs["suppressed_cells"] == 4
    assert list(out.columns[: len(df.columns)]) == list(df.columns)


def test_value_note_marks_exactly_the_suppressed_rows():
    df = _table([3, 50, 0, 4])
    out = suppress_small_numbers(df)
    notes = out["value_note"].fillna("").astype(str)
    assert [SUPPRESSED_NOTE in n for n in notes] == [True, False, False, True]
    # an existing note is kept and the marker appended
    df2 = df.assign(value_note=["provisional", "provisional", "", ""])
    notes2 = suppress_small_numbers(df2)["value_note"].fillna("").astype(str).tolist()
    assert "provisional" in notes2[0] and SUPPRESSED_NOTE in notes2[0]
    assert notes2[1] == "provisional"


def test_threshold_is_configurable():
    counts = [1, 4, 5, 9, 10, 11]
    out = suppress_small_numbers(_table(counts), threshold=10)
    assert _hidden(out).tolist() == [c < 10 for c in counts]
    out3 = suppress_small_numbers(_table(counts), threshold=3)
    assert _hidden(out3).tolist() == [c < 3 for c in counts]


def test_zero_suppressed_only_when_asked():
    counts = [0, 2, 7]
    assert _hidden(suppress_small_numbers(_table(counts))).tolist() == [False, True, False]
    assert _hidden(suppress_small_numbers(_table(counts), suppress_zero=True)).tolist() == [True, True, False]


def test_original_table_not_changed():
    df = _table([1, 2, 30, 40, 0], groups=["a", "a", "a", "b", "b"])
    before = df.copy(deep=True)
    suppress_small_numbers(df, group_by="group")
    pd.testing.assert_frame_equal(df, before)
    assert "value_note" not in df.columns


def test_float_counts_and_dependent_columns_of_integer_type():
    df = pd.DataFrame({"count": [2.0, 8.0], "rate": [5, 9]})
    out = suppress_small_numbers(df, dependent_columns=["rate"])
    assert out["count"].isna().tolist() == [True, False]
    assert out["rate"].isna().tolist() == [True, False]
    assert float(out["rate"].iloc[1]) == 9


def test_bad_arguments_are_explained():
    df = _table([1, 10])
    with pytest.raises(DataError, match="numerator"):
        suppress_small_numbers(df, "numerator")
    with pytest.raises(DataError, match="threshold"):
        suppress_small_numbers(df, threshold=0)
    with pytest.raises(DataError, match="negative"):
        suppress_small_numbers(_table([-1, 10]))
    with pytest.raises(DataError, match="nope"):
        suppress_small_numbers(df, group_by="nope")


# --- secondary suppression -----------------------------------------------------------------------------------
def _disclosed_cells(total: float, published: list[float], n_hidden: int, lowest: int = 1) -> dict[int, int]:
    """Hidden cells (index into the hidden cells → value) a reader can work out from the total and published cells.

    The reader knows the hidden cells are whole numbers of at least ``lowest`` (zeros are published) that add
    up to ``total - sum(published)``; a cell is worked out when it has one possible value only.
    """
    remainder = int(round(total - sum(published)))
    if n_hidden == 0:
        return {}
    possible: list[set[int]] = [set() for _ in range(n_hidden)]
    for combo in itertools.product(range(lowest, remainder + 1), repeat=n_hidden):
        if sum(combo) == remainder:
            for i, v in enumerate(combo):
                possible[i].add(v)
    return {i: next(iter(values)) for i, values in enumerate(possible) if len(values) == 1}


def _attack(original: pd.DataFrame, out: pd.DataFrame, total_mask: np.ndarray | None = None,
            totals: dict | None = None) -> dict:
    """Per group: the hidden counts a reader can back-calculate correctly from what ``out`` publishes."""
    found = {}
    true = original["count"].astype(float).to_numpy()
    shown = out["count"].astype(float).to_numpy()
    for g, idx in original.groupby("group", sort=False).indices.items():
        cells = [i for i in idx if total_mask is None or not total_mask[i]]
        hidden = [i for i in cells if np.isnan(shown[i])]
        published = [shown[i] for i in cells if i not in hidden]
        if total_mask is not None:
            total_rows = [i for i in idx if total_mask[i]]
            if total_rows and np.isnan(shown[total_rows[0]]):
                if not hidden:  # a hidden total whose cells are all published is just their sum
                    found[g] = [int(true[total_rows[0]])]
                continue
            if not total_rows:
                continue
            total = shown[total_rows[0]]
        else:
            total = float(totals[g])
        worked_out = _disclosed_cells(total, published, len(hidden))
        right = [int(true[hidden[k]]) for k, v in worked_out.items() if v == true[hidden[k]]]
        if right:
            found[g] = right
    return found


def _with_totals(groups: dict[str, list[int]]) -> tuple[pd.DataFrame, np.ndarray]:
    rows = []
    for g, counts in groups.items():
        for i, c in enumerate(counts):
            rows.append({"group": g, "category": f"c{i}", "count": c})
        rows.append({"group": g, "category": "All", "count": sum(counts)})
    df = pd.DataFrame(rows)
    df["count"] = df["count"].astype("Int64")
    df["value"] = df["count"].astype(float) * 2.0
    return df, (df["category"] == "All").to_numpy()


GROUPS = {
    "one_small": [2, 10, 20],        # one cell removed, total published -> a second must go
    "two_small": [2, 3, 20],         # two removed, their sum (5) leaves room -> nothing more
    "none_small": [7, 10, 20],       # nothing removed
    "two_ones": [1, 1, 20],          # two removed, both can only be 1 -> a third must go
    "zero_and_small": [0, 3, 50],    # the zero is not the first choice for secondary suppression
}


def test_without_secondary_suppression_the_table_would_disclose():
    # The attacker is not blind: on primary suppression alone it finds the cells that need protecting.
    df, is_total = _with_totals(GROUPS)
    primary_only = suppress_small_numbers(df)
    found = _attack(df, primary_only, is_total)
    assert found == {"one_small": [2], "two_ones": [1, 1], "zero_and_small": [3]}


def test_secondary_suppression_exactly_where_needed_and_nothing_can_be_worked_out():
    df, is_total = _with_totals(GROUPS)
    out = suppress_small_numbers(df, group_by="group", total_rows={"category": "All"})
    hidden = _hidden(out)
    primary = df["count"].between(1, 4).to_numpy()
    by_group = {g: int(hidden[idx].sum()) for g, idx in df.groupby("group", sort=False).indices.items()}
    primaries = {g: int(primary[idx].sum()) for g, idx in df.groupby("group", sort=False).indices.items()}
    assert by_group["one_small"] == primaries["one_small"] + 1 == 2
    assert by_group["two_small"] == primaries["two_small"] == 2
    assert by_group["none_small"] == 0
    assert by_group["two_ones"] == 3
    assert by_group["zero_and_small"] == 2
    # the extra cell is the next smallest count (not the zero, not the total)
    one = df["group"].eq("one_small").to_numpy()
    assert df.loc[one & hidden, "count"].astype(int).tolist() == [2, 10]
    zs = df["group"].eq("zero_and_small").to_numpy()
    assert df.loc[zs & hidden, "count"].astype(int).tolist() == [3, 50]
    assert not hidden[is_total].any()  # totals stay published
    # secondary cells lose their rates and get the note too
    assert out["value"].isna().tolist() == hidden.tolist()
    assert out["value_note"].fillna("").str.contains(SUPPRESSED_NOTE).tolist() == hidden.tolist()
    assert _attack(df, out, is_total) == {}
    assert out.attrs["suppressed_cells"] == int(hidden.sum())


def test_total_published_elsewhere_triggers_secondary_only_when_so_configured():
    counts = {"a": [2, 10, 20], "b": [6, 8, 9]}
    df = pd.DataFrame([{"group": g, "count": c} for g, cs in counts.items() for c in cs])
    totals = {g: sum(cs) for g, cs in counts.items()}
    elsewhere = suppress_small_numbers(df, group_by="group")  # default: totals published elsewhere
    assert _hidden(elsewhere).tolist() == [True, True, False, False, False, False]
    assert _attack(df, elsewhere, totals=totals) == {}
    not_elsewhere = suppress_small_numbers(df, group_by="group", totals_published_elsewhere=False)
    assert _hidden(not_elsewhere).tolist() == [True, False, False, False, False, False]
    # no group_by: no secondary suppression at all
    assert _hidden(suppress_small_numbers(df)).tolist() == [True, False, False, False, False, False]


@pytest.mark.parametrize("seed", range(8))
def test_random_tables_never_disclose_a_cell(seed):
    rng = np.random.default_rng(seed)
    groups = {}
    for g in range(6):
        n = int(rng.integers(2, 5))
        groups[f"g{g}"] = rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 30], size=n).tolist()
    df, is_total = _with_totals(groups)
    out = suppress_small_numbers(df, group_by="group", total_rows=is_total)
    assert _attack(df, out, is_total) == {}
    # primary cells are always removed; published cells are the original numbers
    hidden = _hidden(out)
    assert hidden[df["count"].between(1, 4).to_numpy()].all()
    assert (out.loc[~hidden, "count"].astype(int) == df.loc[~hidden, "count"].astype(int)).all()


# --- several groupings, monthly series, derived figures --------------------------------------------------------
def worked_out(values, hidden, constraints=(), orders=(), lowest: int = 1) -> dict[int, int]:
    """Hidden cells a reader can work out exactly, found with integer programming (a stronger attacker than
    :func:`_disclosed_cells`: every published fact at once).

    The reader knows the published cells, that each hidden cell is a whole number of at least ``lowest``,
    each linear fact ``(cells, coefficients, low, high)`` (``low <= sum(coefficient * cell) <= high``: a total,
    a rounded mean) and each order ``(a, b)`` (cell ``a`` < cell ``b``: a published trend). A hidden cell is
    worked out when its smallest and largest possible values are equal.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    v = np.asarray(values, dtype=float)
    h = np.asarray(hidden, dtype=bool)
    n = v.size
    lb = np.where(h, lowest, np.nan_to_num(v))
    ub = np.where(h, 1e6, np.nan_to_num(v))
    rows, lo, hi = [], [], []
    for cells, coefs, low, high in constraints:
        row = np.zeros(n)
        np.add.at(row, np.asarray(cells, dtype=int), np.asarray(coefs, dtype=float))
        rows.append(row), lo.append(low), hi.append(high)
    for a, b in orders:
        row = np.zeros(n)
        row[b], row[a] = 1, -1
        rows.append(row), lo.append(1), hi.append(np.inf)
    cons = [LinearConstraint(np.array(rows), lo, hi)] if rows else []
    found = {}
    for i in np.flatnonzero(h):
        c = np.zeros(n)
        c[i] = 1
        low = milp(c, integrality=np.ones(n), bounds=Bounds(lb, ub), constraints=cons)
        high = milp(-c, integrality=np.ones(n), bounds=Bounds(lb, ub), constraints=cons)
        assert low.success and high.success, "the true values always fit what is published"
        if round(low.x[i]) == round(high.x[i]):
            found[int(i)] = int(round(low.x[i]))
    return found


def _grid(rng, months: int, areas: int, choices) -> pd.DataFrame:
    """Localities × months of counts, and the borough (their sum) in each month."""
    cells = rng.choice(choices, size=(months, areas))
    rows = [{"area_code": f"L{a}", "period": f"2024-{m + 1:02d}", "count": int(cells[m, a])}
            for a in range(areas) for m in range(months)]
    rows += [{"area_code": "B", "period": f"2024-{m + 1:02d}", "count": int(cells[m].sum())} for m in range(months)]
    return pd.DataFrame(rows)


def _grid_facts(df: pd.DataFrame, window_totals: bool = True) -> list:
    """What the packs publish about a grid: borough = sum of localities each month, each area's window total."""
    facts = []
    for _, idx in df.groupby("period").indices.items():
        borough = [i for i in idx if df.at[i, "area_code"] == "B"]
        cells = [i for i in idx if df.at[i, "area_code"] != "B"]
        facts.append((borough + cells, [1] + [-1] * len(cells), 0, 0))
    if window_totals:
        for _, idx in df.groupby("area_code").indices.items():
            total = float(df.loc[idx, "count"].sum())
            facts.append((list(idx), [1] * len(idx), total, total))
    return facts


def test_primary_alone_leaks_through_the_borough_and_the_window():
    df = _grid(np.random.default_rng(0), 6, 4, [0, 2, 3, 6, 9, 14, 25])
    primary = df["count"].between(1, 4).to_numpy()
    assert worked_out(df["count"], primary, _grid_facts(df))


@pytest.mark.parametrize("seed", range(6))
def test_series_withheld_leaves_nothing_to_work_out_across_areas_and_months(seed):
    rng = np.random.default_rng(seed)
    df = _grid(rng, 6, 4, [0, 1, 2, 3, 4, 6, 9, 14, 25])
    hidden = series_withheld(df, total_area="B")
    counts = df["count"].to_numpy()
    assert hidden[(counts >= 1) & (counts <= 4)].all()
    assert not hidden[counts == 0].all() or not (counts == 0).any()
    assert worked_out(counts, hidden, _grid_facts(df)) == {}


def test_withheld_cells_repeats_the_groupings_until_none_needs_more():
    # months a and b; area x has one small count: the window of x needs a second cell, which leaves month b
    # with one hidden cell under a published borough total, which needs another, ...
    df = pd.DataFrame({"area_code": ["x", "x", "y", "y", "B", "B"], "period": ["a", "b"] * 3,
                       "count": [3, 20, 30, 40, 33, 60]})
    hidden = series_withheld(df, total_area="B")
    assert hidden.tolist()[:4] == [True, True, True, True]
    assert worked_out(df["count"], hidden, _grid_facts(df)) == {}
    # one grouping at a time is not enough
    window_only = withheld_cells(df["count"], [Grouping(np.array([0, 0, 1, 1, 2, 2]), np.zeros(6, bool))])
    assert worked_out(df["count"], window_only, _grid_facts(df))


def test_missing_counts_are_unknown_to_readers_and_a_month_without_localities_is_no_group():
    df = pd.DataFrame({"area_code": ["B", "B", "B", "L1"], "period": ["a", "b", "c", "c"],
                       "count": [np.nan, 40.0, 50.0, 30.0]})
    # the missing count is not reported (nothing to withhold), but like a withheld one it would be the only
    # unknown under the window's total: the next smallest goes with it; months a and b stand alone
    assert series_withheld(df, total_area="B").tolist() == [False, True, False, False]
    assert withheld_cells([np.nan, 3, 7]).tolist() == [True, True, False]


def test_strict_runs_read_like_the_spc_trend_rule():
    assert strict_runs([1, 2, 3, 4, 5, 6, 7, 7, 6], 7) == [(0, 7, 1)]
    assert strict_runs([9, 8, 7, 6, 5, 4, 3, 3], 7) == [(0, 7, -1)]
    assert strict_runs([1, 2, 3, 4, 5, 6], 7) == []
    assert strict_runs([1, 2, np.nan, 4, 5, 6, 7, 8, 9, 10], 7) == [(3, 10, 1)]
    assert strict_runs([5, 5, 5], 2) == []


def test_a_published_trend_pins_small_counts_and_the_whole_run_is_withheld():
    counts = np.array([9, 8, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9])
    primary = (counts >= 1) & (counts <= 4)
    runs = strict_runs(counts, 7)
    assert runs == [(1, 10, 1)] or runs == [(2, 10, 1)]
    orders = [(i, i + 1) for start, stop, _ in runs for i in range(start, stop - 1)]
    # primary suppression alone: 1 < a < b < c < d < 5 has one answer
    assert pinned_by_order(counts, primary, runs).tolist() == primary.tolist()
    assert worked_out(counts, primary, orders=orders) == {2: 1, 3: 2, 4: 3, 5: 4}
    df = pd.DataFrame({"area_code": "x", "period": [f"2024-{m:02d}" for m in range(1, 13)], "count": counts})
    hidden = series_withheld(df, trend_length=7)
    assert hidden[runs[0][0]:runs[0][1]].all()
    assert worked_out(counts, hidden, orders=orders) == {}
    # the window's mean is therefore not published: with the total, even rounded, the order pins the run
    assert trend_withheld(counts, hidden, 7).all()
    total = float(counts.sum())
    rounded = [(list(range(12)), [1] * 12, total - 6, total + 6)]  # a mean to the nearest whole number
    assert worked_out(counts, hidden, rounded, orders)
    # without the trend rule the order pins the counts from the published end of the run
    assert worked_out(counts, series_withheld(df), orders=orders)
    assert not trend_withheld(counts, primary & False, 7).any()
    assert trend_withheld(counts, primary, 7, phases=[0] * 2 + [1] * 10).tolist() == [False] * 2 + [True] * 10
    assert not trend_withheld(counts, primary, 7, phases=[0] * 6 + [1] * 6).any()  # no run of 7 in a phase


def test_round_derived_by_value_type():
    np.testing.assert_array_equal(round_derived([6.638, -3.545, 16.82], "count"), [7, -4, 17])
    np.testing.assert_allclose(round_derived([0.5318, 0.1107, 0.9530], "proportion"), [0.53, 0.11, 0.95])
    np.testing.assert_allclose(round_derived([123.4, 0.04567, -2.449, 0.0], "dsr"), [120, 0.046, -2.4, 0.0])
    assert np.isnan(round_derived([np.nan], "count")).all()
