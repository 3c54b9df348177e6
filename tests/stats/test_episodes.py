"""Special-cause episodes: signals found in an SPC table, folded the way a report tells them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.stats.episodes import (
    EPISODE_COLUMNS,
    _segments,
    headline_episodes,
    ongoing_meaning,
    special_cause_episodes,
    split_step_changes,
)
from thanalysis.stats.spc import spc


def _episodes(*rows) -> pd.DataFrame:
    """Episodes from (rule, side, meaning, start month, end month, n_points) tuples."""
    return pd.DataFrame([(r, s, m, pd.Timestamp(a + "-01"), pd.Timestamp(b + "-01"), n) for r, s, m, a, b, n in rows],
                        columns=EPISODE_COLUMNS)


def test_episodes_of_a_hand_made_series():
    dates = pd.date_range("2022-01-01", periods=24, freq="MS")
    y = np.array([10, 11, 9, 10, 12, 9, 11, 10, 9, 11, 10, 12, 9, 10, 11, 10, 9, 11, 10, 30, 10, 11, 9, 10], float)
    eps = special_cause_episodes(spc(pd.DataFrame({"date": dates, "value": y}), improvement_direction="decrease"))
    assert eps[["rule", "side", "meaning", "n_points"]].values.tolist() == [["outside_limits", "high", "concern", 1]]
    assert eps["start"].iloc[0] == pd.Timestamp("2023-08-01")


def test_a_shift_is_one_episode_with_its_months():
    dates = pd.date_range("2021-01-01", periods=30, freq="MS")
    y = np.r_[np.tile([10.0, 11.0, 9.0], 7), np.full(9, 10.6) + np.tile([0.0, 0.05, -0.05], 3)]
    eps = special_cause_episodes(spc(pd.DataFrame({"date": dates, "value": y}), improvement_direction="increase"))
    shift = eps[eps["rule"] == "shift"]
    assert len(shift) == 1
    assert shift.iloc[0][["side", "meaning", "n_points"]].tolist() == ["high", "improvement", 9]
    assert shift.iloc[0]["start"] == dates[21] and shift.iloc[0]["end"] == dates[-1]


def test_no_table_no_episodes():
    assert list(special_cause_episodes(None).columns) == EPISODE_COLUMNS
    assert special_cause_episodes(pd.DataFrame()).empty


def test_segments_split_on_key_and_gaps():
    mask = np.array([1, 1, 0, 1, 1, 1, 0, 1], bool)
    key = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    assert _segments(mask, key) == [(0, 1), (3, 3), (4, 5), (7, 7)]


def test_headline_folds_points_inside_a_shift_of_the_same_meaning():
    eps = _episodes(("shift", "high", "concern", "2024-01", "2024-09", 9),
                    ("outside_limits", "high", "concern", "2024-05", "2024-05", 1),  # inside the shift: folded
                    ("outside_limits", "low", "improvement", "2023-06", "2023-06", 1),  # its own signal: kept
                    ("two_in_three", "high", "concern", "2023-01", "2023-02", 2))  # beside an outlier of the same meaning
    kept = headline_episodes(eps)
    assert kept[["rule", "meaning"]].values.tolist() == [["shift", "concern"], ["outside_limits", "improvement"]]
    assert headline_episodes(eps.iloc[:0]).empty


def test_split_step_changes_finds_the_before_side_of_a_change():
    eps = _episodes(("shift", "low", "improvement", "2023-01", "2023-08", 8),
                    ("shift", "high", "concern", "2023-10", "2024-06", 9))
    changes, before = split_step_changes(eps)
    assert changes["meaning"].tolist() == ["concern"] and before["meaning"].tolist() == ["improvement"]
    far = _episodes(("shift", "low", "improvement", "2022-01", "2022-08", 8),
                    ("shift", "high", "concern", "2023-10", "2024-06", 9))  # more than six months apart
    changes, before = split_step_changes(far)
    assert len(changes) == 2 and before.empty


def test_ongoing_meaning_concern_wins():
    last = pd.Timestamp("2024-06-01")
    eps = _episodes(("shift", "high", "improvement", "2024-01", "2024-06", 6),
                    ("trend", "high", "concern", "2024-01", "2024-06", 6))
    assert ongoing_meaning(eps, last) == "concern"
    assert ongoing_meaning(eps.iloc[:1], last) == "improvement"
    assert ongoing_meaning(eps, pd.Timestamp("2024-07-01")) is None
    assert ongoing_meaning(_episodes(("shift", "high", "neutral", "2024-01", "2024-06", 6)), last) is None
    assert ongoing_meaning(eps.iloc[:0], last) is None
