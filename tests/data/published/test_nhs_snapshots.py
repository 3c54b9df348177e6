"""NHS England provider snapshots of 2021 (``thanalysis.data.published.nhs_snapshots``): each file's period from
SOURCE.md, figures checked against the trust series and against each other, and hand-written fixtures in the May
snapshot's format."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit
from thanalysis.data.published import nhs_snapshots as snap
from thanalysis.data.published import nhs_trusts
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"


def one(values: pd.DataFrame, indicator: str, area: str, period: str, category: str = "") -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area)
                  & (values["period"] == period) & (values["category"] == category)]
    assert len(rows) == 1, (indicator, area, period, category, len(rows))
    return rows.iloc[0]


@pytest.fixture(scope="module")
def real(open_data_root):
    return snap.read(open_data_root).values


@pytest.mark.real
def test_real_periods_from_source_md(real):
    periods = real.groupby("indicator_id")["period"].unique().map(sorted).to_dict()
    assert periods["nhse_snap_ae_attendances"] == ["2021-01", "2021-02", "2021-04"]
    assert periods["nhse_snap_rtt_pathways"] == ["2020-12", "2021-01", "2021-03"]
    assert periods["nhse_snap_ga_occupancy_overnight"] == ["2020/21 Q2", "2020/21 Q4"]
    assert sorted(periods["nhse_snap_cancer_within_standard"]) == [
        "2020/21 to December", "2020/21 to January", "2020/21 to March"]
    q2 = one(real, "nhse_snap_ga_occupancy_overnight", "R1H", "2020/21 Q2")
    assert (q2["period_start"], q2["period_end"]) == (pd.Timestamp("2020-07-01"), pd.Timestamp("2020-09-30"))
    ytd = one(real, "nhse_snap_cancer_within_standard", "R1H", "2020/21 to March", "2 week wait")
    assert (ytd["period_start"], ytd["period_end"]) == (pd.Timestamp("2020-04-01"), pd.Timestamp("2021-03-31"))
    assert (ytd["count"], ytd["denominator"]) == (3217, 3313)


@pytest.mark.real
def test_real_figures_agree_with_the_trust_series(real, open_data_root):
    trust = nhs_trusts.read(open_data_root).values
    a = one(real, "nhse_snap_ae_attendances", "R1H", "2021-04")["value"]
    assert a == 37432 == trust[(trust["indicator_id"] == "nhse_ae_attendances") & (trust["area_code"] == "R1H")
                               & (trust["period"] == "2021-04")]["value"].item()
    assert one(real, "nhse_snap_ae_4hr", "R1H", "2021-04")["value"] == pytest.approx(100 * (1 - 5436 / 37432))
    # RTT December 2020: the parts the trust series sums (nhs_trusts' docstring: 482 + 2,721 + 36,138 + 10,214).
    parts = real[(real["indicator_id"] == "nhse_snap_rtt_over_18_weeks") & (real["area_code"] == "R1H")
                 & (real["period"] == "2020-12")].set_index("category")["count"]
    assert parts.sum() == 49555 and parts["Incomplete Pathways"] == 36138
    assert "New RTT Periods - All Patients" not in parts.index


@pytest.mark.real
def test_real_march_beds_are_the_april_quarter(open_data_root):
    """The March snapshot's beds files hold the April snapshot's quarter (the same occupancy), without counts."""
    for name in ("nhs_beds_nights", "nhs_beds_days"):
        march = pd.read_csv(open_data_root / snap.FOLDER / snap.MARCH / f"{name}.csv").set_index("org_code")
        april = pd.read_csv(open_data_root / snap.FOLDER / snap.APRIL / f"{name}.csv").set_index("org_code")
        both = march.join(april, rsuffix="_april", how="inner")
        assert len(both) > 150
        np.testing.assert_allclose(both["perc_bed_occupied_general_acute"],
                                   both["perc_bed_occupied_general_acute_april"], rtol=1e-12)


@pytest.fixture
def root(tmp_path):
    """A data root holding the May snapshot cut to a few providers (the others' files are not needed for them)."""
    dest = tmp_path / "root" / snap.FOLDER / snap.MAY
    shutil.copytree(FIXTURES / snap.FOLDER / snap.MAY, dest)
    return tmp_path / "root"


def may_only(monkeypatch):
    monkeypatch.setattr(snap, "PERIODS", {snap.MAY: snap.PERIODS[snap.MAY]})


def test_fixture_reads_the_may_snapshot(root, monkeypatch):
    may_only(monkeypatch)
    v = snap.read(root).values
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    # London ambulance, category 4: 2109.368 hours over 1,127 incidents = 112.3 minutes (the file shows "52:18").
    cat4 = one(v, "nhse_snap_ambulance_mean_response", "RRU", "2021-04", "cat4")
    assert cat4["value"] == pytest.approx(60 * 2109.3683333333333 / 1127)
    assert one(v, "nhse_snap_ambulance_mean_response", "RRU", "2021-04", "cat3")["value"] == pytest.approx(
        46 + 54 / 60, abs=0.01)  # "46:54": under an hour, the same
    overnight = one(v, "nhse_snap_ga_occupancy_overnight", "R1H", "2020/21 Q4")
    assert overnight["value"] == pytest.approx(92.76166456494326)
    assert one(v, "nhse_snap_gp_referrals", "R1H", "2021-03")["value"] == 16377  # the empty "NA" row left out
    assert set(v["area_type"]) == {"trust"}


def test_a_figure_without_a_provider_is_refused(root, monkeypatch):
    may_only(monkeypatch)
    rel = f"{snap.FOLDER}/{snap.MAY}/nhs_outpatients_referrals.csv"
    edit(root / rel, "NA,,NA,", "NA,,12,")
    with pytest.raises(DataError, match="without a provider code carry figures") as err:
        snap.read(root)
    assert (err.value.file, err.value.column, err.value.rows) == (rel, "org_code", [4])  # after three providers
