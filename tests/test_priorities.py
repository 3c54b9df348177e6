"""data/priorities.yml and its loader: content the Board asked for, and clear errors for bad files."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from thanalysis.errors import ConfigError
from thanalysis.priorities import Priorities, default_priorities_path, load_priorities

CALLS_TO_ACTION = {
    "fair_inclusive_borough",
    "good_mental_health",
    "safe_homes_neighbourhoods",
    "good_jobs_income",
    "child_friendly_borough",
}
INEL = {"inel_outpatients", "inel_urgent_care", "inel_rough_sleeping_homelessness", "inel_provider_collaboration"}


@pytest.fixture(scope="module")
def priorities() -> Priorities:
    return load_priorities()


def test_project_file_loads(priorities):
    assert priorities.path == default_priorities_path()
    kinds = {p.id: p.kind for p in priorities.priorities}
    assert {k for k, v in kinds.items() if v == "call_to_action"} == CALLS_TO_ACTION
    assert {k for k, v in kinds.items() if v == "inel_system_priority"} == INEL


def test_every_priority_has_a_metric(priorities):
    assert {p.id for p in priorities.priorities} <= {m.priority for m in priorities.metrics}


def test_board_gaps_covered(priorities):
    areas = {m.service_area for m in priorities.metrics}
    assert {"adult_social_care", "childrens_services"} <= areas


def test_monthly_metrics_and_demo_ids(priorities):
    monthly = priorities.monthly_metric_ids()
    demo = priorities.monthly_metric_ids(demo_only=True)
    assert len(monthly) >= 8
    assert demo and all(i.startswith("dash_") for i in demo)
    assert set(demo) < set(monthly)


def test_real_ae_metrics(priorities):
    attendances = priorities.metric("ae_attendances_r1h")
    performance = priorities.metric("ae_4hr_performance_r1h")
    for m in (attendances, performance):
        assert m.source == "NHS England A&E attendances and emergency admissions, monthly by trust (via humaniverse/healthyr)"
        assert m.frequency == "monthly" and m.priority == "inel_urgent_care"
    assert performance.value_type == "proportion" and performance.polarity == "higher_is_better"
    assert performance.target.value == 0.95 and performance.target.kind == "national_standard"
    assert performance.improvement_direction == "increase"
    assert attendances.improvement_direction == "neutral"


def test_targets_labelled(priorities):
    for m in priorities.metrics:
        if m.target:
            assert m.target.kind in ("national_standard", "local_ambition") and m.target.label


def test_trajectory_series(priorities):
    with_trajectory = [m for m in priorities.metrics if m.trajectory]
    assert with_trajectory
    series = with_trajectory[0].trajectory.as_series()
    assert series.index.is_monotonic_increasing and series.notna().all()


def test_unknown_metric_is_a_clear_error(priorities):
    with pytest.raises(ConfigError, match="No metric 'dash_nope'"):
        priorities.metric("dash_nope")


# --- bad files -----------------------------------------------------------------------------------------

GOOD = {
    "priorities": [
        {"id": "urgent", "title": "Urgent care", "kind": "inel_system_priority", "description": "A&E."},
        {"id": "homes", "title": "Homes", "kind": "call_to_action", "description": "Homes."},
    ],
    "metrics": [
        {
            "id": "dash_a", "title": "A", "priority": "urgent", "service_area": "urgent_care", "source": "S",
            "indicator_id": None, "frequency": "monthly", "polarity": "higher_is_better",
            "value_type": "proportion", "unit": "%", "description": "A metric.",
            "target": {"value": 0.95, "kind": "national_standard", "label": "Standard"},
        },
        {
            "id": "dash_b", "title": "B", "priority": "homes", "service_area": "housing", "source": "S",
            "frequency": "annual", "polarity": "lower_is_better", "value_type": "count", "unit": "households",
            "description": "Another.",
        },
    ],
}


def write(tmp_path: Path, doc) -> Path:
    path = tmp_path / "priorities.yml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    return path


def test_good_small_file(tmp_path):
    p = load_priorities(write(tmp_path, GOOD))
    assert [m.id for m in p.metrics] == ["dash_a", "dash_b"]


def broken(change):
    doc = copy.deepcopy(GOOD)
    change(doc)
    return doc


BAD_CASES = {
    "unknown_priority": (
        broken(lambda d: d["metrics"][0].update(priority="outpatients")),
        ["metric 'dash_a'", "field 'priority'", "'outpatients'", "expected one of"],
    ),
    "bad_polarity": (
        broken(lambda d: d["metrics"][1].update(polarity="high_is_good")),
        ["metric 'dash_b'", "field 'polarity'", "higher_is_better, lower_is_better, no_judgement"],
    ),
    "missing_frequency": (
        broken(lambda d: d["metrics"][1].pop("frequency")),
        ["metric 'dash_b'", "field 'frequency' is missing"],
    ),
    "bad_frequency": (
        broken(lambda d: d["metrics"][1].update(frequency="weekly")),
        ["metric 'dash_b'", "field 'frequency'", "monthly, quarterly, annual"],
    ),
    "target_outside_0_1": (
        broken(lambda d: d["metrics"][0]["target"].update(value=95)),
        ["metric 'dash_a'", "field 'target.value'", "outside 0-1 for a proportion", "0.95"],
    ),
    "duplicate_metric_id": (
        broken(lambda d: d["metrics"][1].update(id="dash_a")),
        ["metric 'dash_a'", "duplicate id"],
    ),
    "duplicate_priority_id": (
        broken(lambda d: d["priorities"][1].update(id="urgent")),
        ["priority 'urgent'", "duplicate id"],
    ),
    "bad_value_type": (
        broken(lambda d: d["metrics"][1].update(value_type="percentage")),
        ["metric 'dash_b'", "field 'value_type'", "proportion"],
    ),
    "bad_target_kind": (
        broken(lambda d: d["metrics"][0]["target"].update(kind="aspiration")),
        ["metric 'dash_a'", "field 'kind'", "national_standard, local_ambition"],
    ),
    "target_without_direction": (
        broken(lambda d: d["metrics"][0].update(polarity="no_judgement")),
        ["metric 'dash_a'", "target", "no_judgement"],
    ),
    "unknown_field": (
        broken(lambda d: d["metrics"][1].update(colour="red")),
        ["metric 'dash_b'", "unknown field(s) ['colour']"],
    ),
    "bad_id": (
        broken(lambda d: d["metrics"][1].update(id="Dash B")),
        ["metric 'Dash B'", "field 'id'", "snake_case"],
    ),
    "bad_service_area": (
        broken(lambda d: d["metrics"][1].update(service_area="police")),
        ["metric 'dash_b'", "field 'service_area'", "adult_social_care"],
    ),
    "bad_priority_kind": (
        broken(lambda d: d["priorities"][0].update(kind="wish")),
        ["priority 'urgent'", "field 'kind'", "call_to_action"],
    ),
    "bad_trajectory_period": (
        broken(lambda d: d["metrics"][1].update(trajectory={
            "kind": "local_ambition", "label": "Plan", "points": [{"period": "April 2024", "value": 3}]})),
        ["metric 'dash_b'", "trajectory point #1", "'April 2024'", "2024-04"],
    ),
    "empty_metrics": (
        broken(lambda d: d.update(metrics=[])),
        ["'metrics' must be a non-empty list"],
    ),
    "text_target": (
        broken(lambda d: d["metrics"][0]["target"].update(value="95%")),
        ["metric 'dash_a'", "field 'target.value'", "expected a number"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_file_errors(tmp_path, case):
    doc, fragments = BAD_CASES[case]
    path = write(tmp_path, doc)
    with pytest.raises(ConfigError) as err:
        load_priorities(path)
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_not_yaml(tmp_path):
    path = write(tmp_path, "priorities: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_priorities(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="priorities file not found"):
        load_priorities(tmp_path / "nope.yml")


def test_top_level_must_be_mapping(tmp_path):
    with pytest.raises(ConfigError, match="mapping with 'priorities' and 'metrics'"):
        load_priorities(write(tmp_path, "- just\n- a list\n"))
