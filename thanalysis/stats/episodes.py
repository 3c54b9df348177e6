"""Special-cause episodes of an SPC chart: each Making Data Count signal as one row, and which of them matter.

:func:`thanalysis.stats.spc.spc` flags points; a reader thinks in *signals*: "a shift above the mean from
March to October", "a single point below the lower limit in June". This module turns the flags of an SPC
table into such episodes (rule, side, meaning, first and last month, number of points), then folds them
the way a report tells them:

- :func:`headline_episodes` keeps shifts and trends, and the points outside or near the limits that are
  not already part of a shift or trend with the same meaning (those only restate the same change);
- :func:`split_step_changes` separates the months *before* a change in level (they sit on the other side
  of the whole-window average and would otherwise read as a second change of the opposite meaning);
- :func:`ongoing_meaning` says whether the signals still running at the latest month are an
  improvement or a concern.

Calculation only: the words for an episode live in :mod:`thanalysis.narrative.dashboard`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.stats.spc import part_of, trend_flags

#: Columns of an episodes table, one row per signal.
EPISODE_COLUMNS = ["rule", "side", "meaning", "start", "end", "n_points"]
#: Rules that describe a change of level or direction (the others are single points or pairs).
_STEP_RULES = ("shift", "trend")


def empty_episodes() -> pd.DataFrame:
    """An episodes table with no signal."""
    return pd.DataFrame(columns=EPISODE_COLUMNS)


def _segments(mask: np.ndarray, key: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of consecutive True values sharing the same ``key``."""
    out: list[tuple[int, int]] = []
    start = None
    for i in range(len(mask)):
        if mask[i] and start is not None and key[i] == key[i - 1]:
            continue
        if start is not None:
            out.append((start, i - 1))
            start = None
        if mask[i]:
            start = i
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def _meaning(direction: int, improvement_direction: str) -> str:
    if improvement_direction == "neutral":
        return "neutral"
    better = 1 if improvement_direction == "increase" else -1
    return "improvement" if direction * better > 0 else "concern"


def special_cause_episodes(result: pd.DataFrame) -> pd.DataFrame:
    """Each special-cause signal in an SPC table as one row: the rule (``outside_limits``, ``shift``,
    ``trend``, ``two_in_three``), its side (high/low), what it means (improvement, concern, neutral),
    its first and last month and its number of points. Patterns never cross a rebase."""
    if result is None or result.empty:
        return empty_episodes()
    options = result.attrs.get("spc_options", {})
    date, value = options.get("date", "date"), options.get("value", "value")
    direction = result["improvement_direction"].iloc[0]
    phase = result["rebase_group"].to_numpy()
    side = result["relative_to_mean"].to_numpy().astype(int)
    y = result[value].to_numpy(dtype=float)
    dates = pd.to_datetime(result[date]).to_numpy()
    rows = []
    trend_length = int(options.get("trend_length") or options.get("run_length") or 7)
    trend = trend_flags(y, trend_length, phase)
    up = part_of(trend > 0, trend_length) & result["trend"].to_numpy()
    down = part_of(trend < 0, trend_length) & result["trend"].to_numpy()
    rules = [  # (rule, points flagged, direction of each point)
        ("outside_limits", result["outside_limits"].to_numpy(), side),
        ("shift", result["run"].to_numpy(), side),
        ("two_in_three", result["two_in_three"].to_numpy() & result["close_to_limits"].to_numpy(), side),
        ("trend", up, np.ones(len(y), dtype=int)),
        ("trend", down, -np.ones(len(y), dtype=int)),
    ]
    for rule, mask, point_direction in rules:
        mask = np.asarray(mask, dtype=bool)
        key = np.asarray(point_direction) * 10 + phase * 1000  # a rebase or a change of side ends a pattern
        for first, last in _segments(mask, key):
            d = int(point_direction[first])
            rows.append({"rule": rule, "side": "high" if d > 0 else "low", "meaning": _meaning(d, direction),
                         "start": pd.Timestamp(dates[first]), "end": pd.Timestamp(dates[last]),
                         "n_points": last - first + 1})
    out = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    return out.sort_values(["start", "rule"], kind="mergesort").reset_index(drop=True)


def headline_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """The signals worth a sentence: shifts and trends, plus points outside the limits or near them
    that are *not* part of a shift or trend with the same meaning (those only restate the same change)."""
    if episodes is None or episodes.empty:
        return episodes
    big = episodes[episodes["rule"].isin(_STEP_RULES)]
    keep = []
    for ep in episodes.itertuples(index=False):
        if ep.rule in _STEP_RULES:
            keep.append(True)
            continue
        inside = big[(big["meaning"] == ep.meaning) & (big["start"] <= ep.start) & (big["end"] >= ep.end)]
        if ep.rule == "two_in_three":
            # near-limit points beside a bigger signal of the same meaning add nothing for a reader
            inside = pd.concat([inside, episodes[(episodes["rule"] == "outside_limits")
                                                 & (episodes["meaning"] == ep.meaning)]])
        keep.append(inside.empty)
    return episodes[keep].reset_index(drop=True)


def split_step_changes(episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Separate the signals that are only "the other side" of a later shift or trend.

    When the level of a series changes inside the window, the months before the change sit on the
    other side of the (whole-window) average and form a shift of the opposite meaning. That is the
    same change seen from before it, not a second change.
    Returns (signals to describe, signals that are the before-side of a change)."""
    if episodes is None or episodes.empty:
        return episodes, episodes
    steps = episodes[episodes["rule"].isin(_STEP_RULES)]
    before = np.zeros(len(episodes), dtype=bool)
    for i, ep in enumerate(episodes.itertuples(index=False)):
        later = steps[(steps["meaning"] != ep.meaning) & (steps["start"] > ep.end)
                      & (steps["start"] <= pd.Timestamp(ep.end) + pd.DateOffset(months=6))]
        before[i] = ep.rule in ("shift", "outside_limits", "two_in_three") and len(later) > 0
    return episodes[~before].reset_index(drop=True), episodes[before].reset_index(drop=True)


def ongoing_meaning(changes: pd.DataFrame, latest_date) -> str | None:
    """``concern`` or ``improvement`` of the signals still running at ``latest_date`` (a concern wins
    over an improvement); ``None`` when no signal runs to the latest month or they are neutral."""
    if changes is None or changes.empty:
        return None
    ongoing = changes[changes["end"] == latest_date]
    if ongoing.empty:
        return None
    meanings = set(ongoing["meaning"])
    if "concern" in meanings:
        return "concern"
    return "improvement" if "improvement" in meanings else None


__all__ = ["EPISODE_COLUMNS", "empty_episodes", "special_cause_episodes", "headline_episodes",
           "split_step_changes", "ongoing_meaning"]
