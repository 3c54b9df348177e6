"""SPC against the peer vectors in testvectors/NHSRplotthedots (NHSRplotthedots v0.2.2 and
nhspy-plotthedots) and independent re-calculations. Every case in that folder has a test here."""
from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from thanalysis.stats.spc import (
    SpcOptions,
    SpcWarning,
    add_point_type,
    assurance_type,
    part_of,
    part_of_two_in_three,
    shift_flags,
    spc,
    spc_summary,
    trend_flags,
    two_in_three_flags,
)

pytestmark = pytest.mark.vectors

HERE = "NHSRplotthedots"


@pytest.fixture(scope="module")
def ptd(testvectors_root):
    return testvectors_root / HERE


def signif(x, digits):
    """Round to significant digits, as R prints (signif)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        mag = np.where(x == 0, 0, np.floor(np.log10(np.abs(x))))
    factor = 10.0 ** (digits - 1 - mag)
    return np.round(x * factor) / factor


def quiet_spc(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpcWarning)
        return spc(*args, **kwargs)


# ---------------------------------------------------------------------------------------------------
# xmr_rnorm20_seed123: three limit cases
# ---------------------------------------------------------------------------------------------------


def _xmr_cases(root):
    return pd.read_csv(root / HERE / "xmr_rnorm20_seed123_expected.csv").to_dict("records")


XMR_SCENARIOS = ["r1_default", "r2_outlier_screened", "r3_outlier_not_screened"]


@pytest.mark.parametrize("scenario", XMR_SCENARIOS)
def test_xmr_rnorm20_limits(ptd, scenario):
    inputs = pd.read_csv(ptd / "xmr_rnorm20_seed123_inputs.csv")
    case = pd.read_csv(ptd / "xmr_rnorm20_seed123_expected.csv").set_index("scenario").loc[scenario]
    result = spc(inputs, case["input_column"], "x", screen_outliers=bool(case["screen_outliers"]))
    assert len(result) == case["n"]
    for ours, theirs in [("mean", "mean_col"), ("lpl", "lpl"), ("upl", "upl")]:
        # the file holds R's 7-significant-digit print; compare at that precision
        assert signif(result[ours].iloc[0], 7) == pytest.approx(case[theirs], abs=0, rel=1e-12), ours
        assert result[ours].nunique() == 1
    if not pd.isna(case["common_cause"]):
        counts = result["point_type"].value_counts()
        for col in ("common_cause", "special_cause_improvement", "special_cause_concern"):
            assert counts.get(col, 0) == int(case[col]), col


def test_xmr_scenarios_all_covered(ptd):
    assert sorted(pd.read_csv(ptd / "xmr_rnorm20_seed123_expected.csv")["scenario"]) == sorted(XMR_SCENARIOS)


# ---------------------------------------------------------------------------------------------------
# snap_ptd_spc_standard.md: the glimpse of r1/r2/r3 (visible values of each column)
# ---------------------------------------------------------------------------------------------------


def _glimpses(text):
    """Parse each `pillar::glimpse(rN)` block into {column: [visible values]}."""
    blocks = re.split(r"pillar::glimpse\((r\d)\)", text)
    out = {}
    for name, body in zip(blocks[1::2], blocks[2::2]):
        cols = {}
        for line in body.splitlines():
            m = re.match(r"\s*\$ (\w+)\s+<(\w+)> (.*)$", line)
            if m:
                values = [v.strip() for v in m.group(3).split(",")]
                values = [v for v in values if v and not v.endswith("~")]  # last one is truncated
                cols[m.group(1)] = (m.group(2), values)
        out[name] = cols
    return out


SNAP_RUNS = {"r1": ("y", True), "r2": ("y_with_outlier_at_15", True), "r3": ("y_with_outlier_at_15", False)}


@pytest.mark.parametrize("name", sorted(SNAP_RUNS))
def test_snapshot_ptd_spc_standard_glimpse(ptd, name):
    glimpse = _glimpses((ptd / "snap_ptd_spc_standard.md").read_text())[name]
    inputs = pd.read_csv(ptd / "xmr_rnorm20_seed123_inputs.csv")
    column, screen = SNAP_RUNS[name]
    result = spc(inputs, column, "x", screen_outliers=screen)
    mapping = {"mean_col": "mean", "lpl": "lpl", "upl": "upl", "relative_to_mean": "relative_to_mean",
               "outside_limits": "outside_limits", "close_to_limits": "close_to_limits", "fix_y": "fix_value",
               "rebase_group": "rebase_group"}
    checked = 0
    for theirs, ours in mapping.items():
        kind, shown = glimpse[theirs]
        values = result[ours].to_numpy()[: len(shown)]
        if kind == "lgl":
            assert [str(bool(v)).upper() for v in values] == shown, theirs
        elif theirs in ("mean_col", "lpl", "upl", "fix_y"):
            digits = [len(re.sub(r"[^0-9]", "", s).lstrip("0")) for s in shown]
            assert [signif(v, d) for v, d in zip(values, digits)] == [float(s) for s in shown], theirs
        else:
            assert [float(v) for v in values] == [float(s) for s in shown], theirs
        checked += 1
    assert checked == len(mapping)


# ---------------------------------------------------------------------------------------------------
# snap_ptd_spc.md: printed summaries (plain, rebase, facet, facet + rebase, target)
# ---------------------------------------------------------------------------------------------------


def _summary_blocks(text):
    """Each printed ptd_spc object: its options and the visible summary table rows."""
    blocks = []
    for chunk in text.split("Plot the Dots SPC options:")[1:]:
        opts = dict(re.findall(r"^\s*(\w+):\s*(.*?)\s*$", chunk.split("-----")[0], flags=re.M))
        table_lines = [l.strip() for l in chunk.split("# A tibble")[1].splitlines()[1:]]
        header = table_lines[0].split()
        rows = []
        for line in table_lines[2:]:
            if not line or line.startswith("#"):
                break
            rows.append(dict(zip(header, line.split()[1:])))
        blocks.append((opts, rows))
    return blocks


def _unquote(text):
    return None if text == "not set" else text.strip("'")


def test_snapshot_ptd_spc_summaries(ptd):
    inputs = pd.read_csv(ptd / "xmr_rnorm20_seed123_inputs.csv")
    # The upstream test's facet column is not printed; its first ten rows are facet 0 and the last ten
    # facet 1 (the only split whose summary matches: checked by the n column and the means below).
    inputs["facet"] = np.repeat([0.0, 1.0], 10)
    blocks = _summary_blocks((ptd / "snap_ptd_spc.md").read_text())
    assert len(blocks) == 6
    for opts, rows in blocks:
        facet = _unquote(opts["facet_field"])
        rebase = _unquote(opts["rebase"])
        target = _unquote(opts["target"])
        assert _unquote(opts["fix_after_n_points"]) is None and _unquote(opts["trajectory"]) is None
        result = quiet_spc(
            inputs, _unquote(opts["value_field"]), _unquote(opts["date_field"]),
            group_by=facet, rebase=[rebase] if rebase else None,
            target=float(target) if target else None,
            improvement_direction=_unquote(opts["improvement_direction"]),
            screen_outliers=_unquote(opts["screen_outliers"]) == "TRUE",
        )
        summary = spc_summary(result)
        assert len(summary) == len(rows)
        for (_, ours), theirs in zip(summary.iterrows(), rows):
            for col, shown in theirs.items():
                ours_col = {"mean_col": "mean", "f": "facet"}.get(col, col)
                if col in ("n", "common_cause", "special_cause_improvement", "special_cause_concern", "rebase_group", "f"):
                    assert float(ours[ours_col]) == float(shown), (opts, col)
                else:  # pillar prints three significant digits
                    assert signif(ours[ours_col], 3) == float(shown), (opts, col)
        if target:
            # 0.5 lies inside the limits (-3.01, 3.29): hit and miss
            assert summary["assurance_type"].tolist() == ["inconsistent"]


def test_snapshot_geom_ptd_icon_names_icons_we_provide(ptd):
    """The icon snapshot only renders two bundled images; check we have those two icons."""
    from thanalysis.figures.spc_icons import assurance_icon, variation_icon

    text = (ptd / "snap_geom_ptd_icon.md").read_text()
    names = re.findall(r'"(variation|assurance)", "(\w+)\.svg"', text)
    assert names == [("variation", "improvement_low"), ("assurance", "pass")]
    assert 'aria-label="Special cause variation: improvement (lower values)"' in variation_icon(
        "special_cause_improvement", "decrease")
    assert ">P</text>" in assurance_icon("consistent_pass")


# ---------------------------------------------------------------------------------------------------
# nhspy_limits_cases.json: exact float equality
# ---------------------------------------------------------------------------------------------------


def _nhspy_cases(root):
    return json.loads((root / HERE / "nhspy_limits_cases.json").read_text())["cases"]


NHSPY_NAMES = ["increasing", "decreasing", "no_trend", "small", "range20", "seven", "mixed", "negative"]


@pytest.mark.parametrize("name", NHSPY_NAMES)
@pytest.mark.parametrize("screen", [True, False], ids=["screened", "unscreened"])
def test_nhspy_limits_exact(ptd, name, screen):
    case = {c["name"]: c for c in _nhspy_cases(ptd.parent)}[name]
    data = pd.DataFrame({"value": case["values"], "date": pd.date_range("2020-01-01", periods=len(case["values"]))})
    result = quiet_spc(data, screen_outliers=screen)
    row = result.iloc[0]
    # exact equality, as upstream asserts
    assert row["mean"] == case["mean"]
    assert row["lpl"] == case["lpl"]
    assert row["upl"] == case["upl"]
    assert row["near_lpl"] == case["near_lpl"]
    assert row["near_upl"] == case["near_upl"]


def test_nhspy_cases_all_covered(ptd):
    assert [c["name"] for c in _nhspy_cases(ptd.parent)] == NHSPY_NAMES


# ---------------------------------------------------------------------------------------------------
# rule_cases.json: one test id per case
# ---------------------------------------------------------------------------------------------------


def _rule_cases():
    import os
    from pathlib import Path

    from thanalysis.config import project_root

    root = os.environ.get("THANALYSIS_TESTVECTORS") or str(project_root().parent / "shared" / "testvectors")
    path = Path(root) / HERE / "rule_cases.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text())


RULES = _rule_cases()


def _section(prefix):
    for key, cases in RULES.items():
        if key.startswith(prefix):
            return cases
    return []


def _ids(prefix):
    return [f"{prefix}-{i}" for i in range(len(_section(prefix)))] or [f"{prefix}-missing"]


def _cases(prefix):
    return _section(prefix) or [None]


def _need(case):
    if case is None:
        pytest.fail("rule_cases.json not found or section missing (set $THANALYSIS_TESTVECTORS)")


@pytest.mark.parametrize("case", _cases("seven_point_one_side_mean"), ids=_ids("seven_point_one_side_mean"))
def test_rule_shift(case, testvectors_root):
    _need(case)
    flags = shift_flags(case["relative_to_mean"], 7)
    assert np.abs(flags).tolist() == case["expected"]


@pytest.mark.parametrize("case", _cases("part_of_seven_trend"), ids=_ids("part_of_seven_trend"))
def test_rule_part_of(case, testvectors_root):
    _need(case)
    assert part_of(case["flags"], 7).astype(int).tolist() == case["expected"]


@pytest.mark.parametrize("case", _cases("seven_point_trend"), ids=_ids("seven_point_trend"))
def test_rule_trend(case, testvectors_root):
    _need(case)
    assert trend_flags(case["y"], 7).tolist() == case["expected"]


@pytest.mark.parametrize("case", _cases("two_in_three"), ids=_ids("two_in_three"))
def test_rule_two_in_three(case, testvectors_root):
    _need(case)
    assert two_in_three_flags(case["close"], case["rtm"]).astype(int).tolist() == case["expected"]


@pytest.mark.parametrize("case", _cases("part_of_two_in_three"), ids=_ids("part_of_two_in_three"))
def test_rule_part_of_two_in_three(case, testvectors_root):
    _need(case)
    assert part_of_two_in_three(case["close"], case["rtm"]).astype(int).tolist() == case["expected"]


RULE_WORDS = {"outside limits": "outside_limits", "7-point trend": "trend", "2-in-3": "two_in_three",
              "7-point shift": "shift", "common cause": ""}


def _flag_table(flags: dict, relative=1.0, trend_dir=1):
    table = pd.DataFrame({
        "relative_to_mean": [relative], "outside_limits": [flags.get("outside_limits", False)],
        "trend": [flags.get("trend", False)], "two_in_three": [flags.get("two_in_three", False)],
        "run": [flags.get("shift", False)], "_trend_direction": [trend_dir],
    })
    return table


def _options(direction="increase"):
    return SpcOptions("value", "date", (), direction, None, None, None, None, True, 7, 7)


def test_rule_precedence(testvectors_root):
    text = RULES.get("precedence")
    if not text:
        pytest.fail("rule_cases.json has no precedence entry")
    order = [RULE_WORDS[w.strip()] for w in text.split(";")[0].split(">")]
    assert order[-1] == ""
    for i, higher in enumerate(order[:-1]):
        for lower in order[i + 1 : -1]:
            out = add_point_type(_flag_table({higher: True, lower: True}), _options())
            assert out["special_cause_rule"].iloc[0] == higher, (higher, lower)
    out = add_point_type(_flag_table({}), _options())
    assert out["point_type"].iloc[0] == "common_cause"


# point_type mapping, transcribed from rule_cases.json "point_type"
POINT_TYPE_CASES = [
    (+1, "increase", "special_cause_improvement"),
    (-1, "increase", "special_cause_concern"),
    (+1, "decrease", "special_cause_concern"),
    (-1, "decrease", "special_cause_improvement"),
    (+1, "neutral", "special_cause_neutral_high"),
    (-1, "neutral", "special_cause_neutral_low"),
]


@pytest.mark.parametrize("rule", ["outside_limits", "trend", "two_in_three", "shift"])
@pytest.mark.parametrize("direction,improvement,expected", POINT_TYPE_CASES)
def test_rule_point_type(testvectors_root, rule, direction, improvement, expected):
    assert "point_type" in RULES
    table = _flag_table({rule: True}, relative=float(direction), trend_dir=direction)
    out = add_point_type(table, _options(improvement))
    assert out["point_type"].iloc[0] == expected
    assert out["special_cause_side"].iloc[0] == ("high" if direction > 0 else "low")


# assurance rule, transcribed from rule_cases.json (lpl = 0, upl = 10)
ASSURANCE_CASES = [
    (11, "increase", "consistent_fail"),
    (11, "decrease", "consistent_pass"),
    (-1, "increase", "consistent_pass"),
    (-1, "decrease", "consistent_fail"),
    (5, "increase", "inconsistent"),
    (5, "decrease", "inconsistent"),
    (None, "increase", "no_target"),
    (5, "neutral", "not_applicable"),
]


@pytest.mark.parametrize("target,improvement,expected", ASSURANCE_CASES)
def test_rule_assurance(testvectors_root, target, improvement, expected):
    assert any(k.startswith("assurance") for k in RULES)
    assert assurance_type(np.nan if target is None else float(target), 0.0, 10.0, improvement) == expected


def test_rule_sections_all_covered(testvectors_root):
    prefixes = ["seven_point_one_side_mean", "part_of_seven_trend", "seven_point_trend", "two_in_three",
                "part_of_two_in_three", "precedence", "point_type", "assurance", "_note"]
    for key in RULES:
        assert any(key.startswith(p) for p in prefixes), f"rule_cases.json section {key!r} has no test"


# ---------------------------------------------------------------------------------------------------
# deviations_vignette_outlier_example.csv (screened and not screened)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["outlier_screened", "excel_mdc_no_screen"])
def test_deviations_vignette_outlier(ptd, scenario):
    table = pd.read_csv(ptd / "deviations_vignette_outlier_example.csv").set_index("scenario")
    case = table.loc[scenario]
    provenance = table.loc["outlier_screened", "provenance"]
    values = [float(v) for v in re.search(r"Rmd: ([\d,]+)", provenance).group(1).split(",")]
    start = re.search(r"daily from (\d{4}-\d{2}-\d{2})", provenance).group(1)
    data = pd.DataFrame({"value": values, "date": pd.date_range(start, periods=len(values), freq="D")})
    result = spc(data, screen_outliers=bool(case["screen_outliers"]))
    for col in ("mean", "lpl", "upl"):
        assert round(result[col].iloc[0], 6) == pytest.approx(case[col], abs=1e-12), col
    # the 10 is outside the limits either way
    assert bool(result.loc[4, "outside_limits"])


# ---------------------------------------------------------------------------------------------------
# The real A&E series (Barts Health, R1H, type 1): independent numpy check
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ae_r1h(ptd):
    ae = pd.read_csv(ptd / "ae_attendances_NHSRdatasets.csv", dtype={"type": str, "org_code": str})
    r1h = ae[(ae["org_code"] == "R1H") & (ae["type"] == "1")].copy()
    r1h["performance"] = 1 - r1h["breaches"] / r1h["attendances"]
    return r1h


@pytest.mark.parametrize("screen", [True, False], ids=["screened", "unscreened"])
def test_ae_r1h_four_hour_limits_independent(ae_r1h, screen):
    ordered = ae_r1h.sort_values("period")
    y = ordered["performance"].to_numpy()
    mr = np.abs(y[1:] - y[:-1])
    amr = mr.mean()
    if screen:
        amr = mr[mr <= 3.267 * amr].mean()
    mean = y.mean()
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr

    result = spc(ae_r1h, "performance", "period", target=0.95, screen_outliers=screen)
    assert len(result) == 36
    np.testing.assert_allclose(result["mean"], mean, rtol=1e-12, atol=0)
    np.testing.assert_allclose(result["lpl"], lpl, rtol=1e-12, atol=0)
    np.testing.assert_allclose(result["upl"], upl, rtol=1e-12, atol=0)
    assert result["outside_limits"].sum() == int(((y > upl) | (y < lpl)).sum())
    summary = spc_summary(result)
    # 95% is far above the upper limit: the process cannot meet it without change
    assert upl < 0.95
    assert summary["assurance_type"].item() == "consistent_fail"
    # March 2019 (74.0%) sits below the independently computed lower limit: special cause concern
    assert y[-1] < lpl
    assert summary["variation_type"].item() == "special_cause_concern"
    assert summary["variation_side"].item() == "low"


def test_ae_r1h_attendances_neutral(ae_r1h):
    result = spc(ae_r1h, "attendances", "period", improvement_direction="neutral")
    assert set(result["point_type"]) <= {"common_cause", "special_cause_neutral_high", "special_cause_neutral_low"}
    assert spc_summary(result)["assurance_type"].item() == "no_target"


def test_ae_all_trusts_grouped_matches_one_at_a_time(ptd):
    """Grouping gives the same limits as running each trust alone (vectorised over 100+ groups)."""
    ae = pd.read_csv(ptd / "ae_attendances_NHSRdatasets.csv", dtype={"type": str, "org_code": str})
    type1 = ae[ae["type"] == "1"].copy()
    type1 = type1[type1["attendances"] > 0]
    type1["performance"] = 1 - type1["breaches"] / type1["attendances"]
    grouped = quiet_spc(type1, "performance", "period", group_by="org_code")
    for org in ["R1H", "RF4", grouped["org_code"].iloc[-1]]:
        alone = quiet_spc(type1[type1["org_code"] == org], "performance", "period")
        mine = grouped[grouped["org_code"] == org].reset_index(drop=True)
        for col in ("mean", "lpl", "upl", "point_type", "run", "trend", "two_in_three"):
            assert mine[col].tolist() == alone[col].tolist(), (org, col)
