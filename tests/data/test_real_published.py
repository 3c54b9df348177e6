"""The real store's published series (``thanalysis.data.real_published``): every published indicator listed cheaply,
only the modules asked for read, provenance recorded, data currency filled, a raw Fingertips export winning over a
republished value of the same id.

The first tests use the hand-written fixtures of tests/data/published (no real data needed); the last ones the
open-data mirror."""
from __future__ import annotations

import gzip
import os
import shutil
from datetime import date
from pathlib import Path, PurePosixPath

import pandas as pd
import pytest
import yaml

from tests.data.published.conftest import FIXTURES, GZIPPED
from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.published import registry, social_care
from thanalysis.data.published.series import source_dates
from thanalysis.data.real import RealStore
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

NHS = "nhs/trust_monthly_2019_2025"
OFLOG = "social_care/oflog_asc"
NHS_FILES = ["england_trust_accidents_emergency.csv", "england_critical_general_acute_beds.csv",
             "england_trust_criteria_to_reside.csv.gz", "england_trust_discharged_patients.csv.gz",
             "england_rtt_trust_by_treatment.csv.gz", "england_delayed_discharge_reasons_trust.csv.gz"]
ENTRY = {"publisher": "P", "licence": "OGL v3", "url": "https://example.org/", "reader": "published",
         "table": "values"}


# --- a data root of the fixtures and a catalogue of two series ------------------------------------------------
def copy_fixtures(root, *folders):
    for folder in folders:
        for src in (FIXTURES / folder).glob("*.csv"):
            dest = root / folder / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.name in GZIPPED:
                with src.open("rb") as f, gzip.open(dest.with_name(src.name + ".gz"), "wb") as g:
                    shutil.copyfileobj(f, g)
            else:
                shutil.copy(src, dest)


def write_catalogue(tmp_path, datasets, indicators=()):
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump({"version": 1, "datasets": list(datasets), "indicators": list(indicators)},
                                   sort_keys=False))
    return load_catalogue(path)


NHS_ENTRY = {"id": "nhs_series", "title": "NHS", **ENTRY, "file": f"{NHS}/{NHS_FILES[0]}", "companions": NHS_FILES[1:],
             "module": "nhs_trusts", "area_type": "trust", "period_type": "month", "frequency": "monthly",
             "retrieved": "2026-01-13"}
OFLOG_ENTRY = {"id": "oflog_series", "title": "Oflog", **ENTRY, "file": f"{OFLOG}/ASC_data.csv",
               "module": "social_care", "period_type": "financial_year", "frequency": "annual",
               "published": "2024-11-01", "retrieved": "2024-11-04", "lag_months": 12}


@pytest.fixture
def fixture_store(tmp_path):
    root = tmp_path / "root"
    copy_fixtures(root, NHS, OFLOG)
    return RealStore(root, catalogue=write_catalogue(tmp_path, [NHS_ENTRY, OFLOG_ENTRY]))


@pytest.fixture
def reads(monkeypatch):
    """How many times each published module's read() ran."""
    counts: dict[str, int] = {}
    for name, mod in registry.MODULES.items():
        def counted(root, _read=mod.read, _name=name):
            counts[_name] = counts.get(_name, 0) + 1
            return _read(root)
        monkeypatch.setattr(mod, "read", counted)
    return counts


# --- fixtures: the store's wiring -----------------------------------------------------------------------------
def test_indicators_list_every_series_without_reading_it(fixture_store, reads):
    ind = fixture_store.indicators()
    assert reads == {}  # no data file read
    assert list(ind.columns) == CANONICAL_COLUMNS["indicators"]
    nhs = {row[0] for row in registry.module("nhs_trusts").INDICATORS}
    oflog = {spec[0] for spec in social_care.MEASURES.values()}
    assert set(ind["indicator_id"]) == nhs | oflog
    meta = ind.set_index("indicator_id")
    # Data currency from the catalogue: the published date where known, else the retrieval date; the lag of the
    # entry where it sets one, else the default of the indicator's frequency.
    assert meta.loc["nhse_ae_4hr", "published"] == pd.Timestamp("2026-01-13") and meta.loc["nhse_ae_4hr",
                                                                                           "lag_months"] == 3
    assert meta.loc["oflog_asc_carer_qol", "published"] == pd.Timestamp("2024-11-01")
    assert (meta.loc[list(oflog), "lag_months"] == 12).all()


def test_values_of_one_id_read_only_its_module_once(fixture_store, reads):
    v = fixture_store.values(["nhse_ae_4hr"])
    assert list(v.columns) == CANONICAL_COLUMNS["values"] and set(v["indicator_id"]) == {"nhse_ae_4hr"}
    assert reads == {"nhs_trusts": 1}
    used = fixture_store.sources_used()
    assert sorted(s.path for s in used) == sorted(f"{NHS}/{f}" for f in NHS_FILES)
    assert {s.dataset for s in used} == {"nhs_series"} and all(len(s.sha256) == 64 for s in used)
    fixture_store.values(["nhse_ae_attendances", "nhse_ae_4hr"])  # the same module: read once per store
    assert reads == {"nhs_trusts": 1}
    both = fixture_store.values(["oflog_asc_carer_qol", "nhse_discharges"])
    assert set(both["indicator_id"]) == {"oflog_asc_carer_qol", "nhse_discharges"}
    assert reads == {"nhs_trusts": 1, "social_care": 1}
    assert f"{OFLOG}/ASC_data.csv" in {s.path for s in fixture_store.sources_used()}


def test_a_series_with_a_missing_file_is_not_offered(fixture_store, reads):
    (fixture_store.root / NHS / NHS_FILES[1]).unlink()
    ind = fixture_store.indicators()
    assert not ind["indicator_id"].str.startswith("nhse_").any() and len(ind) == len(social_care.MEASURES)
    with pytest.raises(DataError, match="Unknown indicator id") as err:
        fixture_store.values(["nhse_ae_4hr"])
    assert err.value.values == ["nhse_ae_4hr"] and reads == {}


def test_an_unknown_id_suggests_the_published_ones(fixture_store):
    with pytest.raises(DataError, match="Unknown indicator id") as err:
        fixture_store.values(["nhse_ae_4h"])
    assert "nhse_ae_4hr" in err.value.hint


def test_two_series_giving_one_id_is_a_data_error(fixture_store, monkeypatch):
    table = social_care.indicators()
    table.loc[0, "indicator_id"] = "nhse_ae_4hr"
    monkeypatch.setattr(social_care, "indicators", lambda root=None: table)
    with pytest.raises(DataError, match="both give indicator nhse_ae_4hr"):
        fixture_store.indicators()


def test_a_core_indicator_keeps_its_id(tmp_path, reads):
    """An id in the catalogue's indicators (a core dataset) is the core one: the published series' copy is left out."""
    root = tmp_path / "root"
    copy_fixtures(root, NHS)
    core = {"id": "core_export", "title": "A core export", "publisher": "Core publisher", "licence": "OGL v3",
            "url": "https://example.org/", "file": "x/export.csv", "reader": "fingertips_csv", "table": "values",
            "retrieved": "2020-01-02"}
    indicator = {"indicator_id": "nhse_ae_4hr", "name": "Core four-hour", "value_type": "proportion",
                 "multiplier": 100, "unit": "%", "polarity": "higher_is_better", "frequency": "monthly",
                 "datasets": ["core_export"]}
    store = RealStore(root, catalogue=write_catalogue(tmp_path, [core, NHS_ENTRY], [indicator]))
    ind = store.indicators()
    assert (ind["indicator_id"] == "nhse_ae_4hr").sum() == 1
    row = ind.set_index("indicator_id").loc["nhse_ae_4hr"]
    assert (row["name"], row["source"], row["published"]) == ("Core four-hour", "Core publisher",
                                                              pd.Timestamp("2020-01-02"))
    assert "nhse_ae_4hr" not in store._published[1] and "nhse_ae_attendances" in store._published[1]
    assert reads == {}


# --- the real data ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(open_data_root):
    return RealStore(open_data_root)


@pytest.mark.real
def test_real_store_lists_every_published_indicator(store, open_data_root):
    ind = store.indicators().set_index("indicator_id")
    assert ind.index.is_unique
    for name, mod in registry.MODULES.items():
        ids = set(mod.indicators(open_data_root)["indicator_id"])
        assert ids <= set(ind.index), name
    # 10+14+7+14+434+74+36+5+8+8+12 published, then census 11, deprivation (IDACI, IDAOPI) 4, population change 11
    # and GLA profiles 29
    assert len(ind) == len(load_catalogue().indicators) + 622 + 11 + 4 + 11 + 29
    assert ind["published"].notna().all()  # every indicator says when its source was published or retrieved
    lags = ind["lag_months"]
    assert lags["nhse_ae_4hr"] == 3 and lags["hclic_ta_per_1000"] == 6 and lags["90366"] == 24
    assert lags["oflog_asc_info_carers"] == 36 and lags["census21_aged_65_plus"] == 132  # biennial, decennial
    assert ind.loc["hclic_ta_per_1000", "published"] == pd.Timestamp("2026-05-06")
    assert ind.loc["ft_dementia_diagnosis_65plus", "published"] == pd.Timestamp("2020-08-20")  # the 2020 extract
    assert ind.loc["imd2019_score", "published"] == pd.Timestamp("2019-09-26")


#: Entries whose SOURCE.md gives no dated "- **Commit:**" line (a plain "- Commit:" line, or none): their
#: ``published`` is the publisher's release and ``retrieved``, if any, a date the SOURCE.md states in its commit line.
UNDATED_SOURCE_MD = {"census21_lsoa_ew_ts021_ts037_ts038_ts017_ts052", "census21_ward_ts021_th_hackney",
                     "iod2019_file3_idaci_idaopi", "gla_borough_profiles_2016_immunisations"}


@pytest.mark.real
def test_real_catalogue_dates_are_those_of_source_md(open_data_root):
    for ds in load_catalogue():
        if not ds.is_published_series or ds.is_on_demand:  # on demand: dated by provenance.json
            continue
        if ds.id in UNDATED_SOURCE_MD:
            folder = PurePosixPath(ds.file).parent
            text = (open_data_root / folder / "SOURCE.md").read_text(encoding="utf-8")
            assert source_dates(open_data_root, str(folder))[:2] == (None, None), ds.id
            commit = next(line for line in text.splitlines() if "Commit:" in line)
            assert ds.published is not None and (ds.retrieved is None or str(ds.retrieved) in commit), ds.id
            continue
        folders = [str(f) for f in PurePosixPath(ds.file).parents if str(f) != "."]
        folder = next(f for f in folders if (open_data_root / f / "SOURCE.md").is_file())
        published, retrieved, _ = source_dates(open_data_root, folder)
        commit_line = next(line for line in (open_data_root / folder / "SOURCE.md").read_text(encoding="utf-8")
                           .splitlines() if line.startswith("- **Commit:**"))
        assert ds.published == published and str(ds.retrieved) in commit_line, ds.id
        if ds.module != "nhs_snapshots":  # one folder of three commits (three entries), each with its own date
            assert ds.retrieved == retrieved, ds.id


@pytest.mark.real
def test_real_values_read_only_the_series_asked_for(open_data_root):
    store = RealStore(open_data_root)
    v = store.values(["nhse_ae_4hr", "hclic_ta_per_1000", "90366"])
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    folders = {s.path.split("/")[0] + "/" + s.path.split("/")[1] for s in store.sources_used()}
    assert folders == {NHS, "homelessness/hclic", "fingertips/trafford_themes_2026",
                       "fingertips/trafford_dashboard_2020"}
    th = v[v["area_code"] == "E09000030"]
    assert set(th.loc[th["indicator_id"] == "90366", "sex"]) == {"Male", "Female"}  # sex kept, not dropped
    ta = th[(th["indicator_id"] == "hclic_ta_per_1000")].set_index("period")
    assert ta.loc["2025 Q4", "period_start"] == ta.loc["2025 Q4", "period_end"] == pd.Timestamp("2025-12-31")
    r1h = v[(v["indicator_id"] == "nhse_ae_4hr") & (v["area_code"] == "R1H")]
    assert (r1h["area_type"] == "trust").all() and r1h["period"].min() == "2021-04"


@pytest.mark.real
def test_real_values_without_ids_are_the_core_datasets(store):
    core = {i["indicator_id"] for i in load_catalogue().indicators}
    assert set(store.values()["indicator_id"]) <= core
    assert not any(s.path.startswith(("nhs/", "homelessness/", "children/", "fingertips/trafford"))
                   for s in store.sources_used())


@pytest.mark.real
def test_real_raw_fingertips_export_wins_over_the_tidy_series(tmp_path, open_data_root):
    """With a raw Fingertips export of 90366 in the catalogue (counts, CIs), 90366 is that export's, not the
    republished tidy series' (documented in data/sources.yml and thanalysis/data/real_published.py)."""
    root = tmp_path / "root"
    root.mkdir()
    for entry in os.listdir(open_data_root):
        os.symlink(open_data_root / entry, root / entry)
    export = root / "local/fingertips_90366.csv"
    export.parent.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures/fingertips_api/all_data_90366_502.csv", export)
    raw = yaml.safe_load(load_catalogue().path.read_text(encoding="utf-8"))
    columns = next(d for d in raw["datasets"] if d["id"] == "fingertips_93759")["columns"]
    raw["datasets"].append({"id": "fingertips_90366", "title": "Fingertips 90366", "publisher": "OHID (export)",
                            "licence": "OGL v3", "url": "https://fingertips.phe.org.uk/", "file": "local/"
                            "fingertips_90366.csv", "reader": "fingertips_csv", "encoding": "utf-8-sig",
                            "table": "values", "columns": columns, "retrieved": "2026-06-01"})
    raw["indicators"].append({"indicator_id": "90366", "name": "Life expectancy at birth (export)",
                              "value_type": "life_expectancy", "multiplier": 1, "unit": "years",
                              "polarity": "higher_is_better", "frequency": "annual",
                              "datasets": ["fingertips_90366"]})
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    store = RealStore(root, catalogue=load_catalogue(path))
    row = store.indicators().set_index("indicator_id").loc["90366"]
    assert row["source"] == "OHID (export)" and row["published"] == pd.Timestamp("2026-06-01")
    v = store.values(["90366"])
    th = v[(v["area_code"] == "E09000030") & (v["period"] == "2018 - 20")].set_index("sex")
    assert th.loc["Male", "value"] == 78.2 and th["lower_ci_95"].notna().all()  # the export's, with its CIs
    assert set(v["period"]) == {"2018 - 20", "2019 - 21"}  # none of the tidy series' periods
    assert not any(s.path.startswith("fingertips/trafford") for s in store.sources_used())
    # The tidy series still gives its other indicators.
    assert set(store.values(["ft_healthy_life_expectancy"])["indicator_id"]) == {"ft_healthy_life_expectancy"}
    assert date(2026, 6, 1) == load_catalogue(path)["fingertips_90366"].currency_date
