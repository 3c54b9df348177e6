"""The data catalogue (``thanalysis.data.catalogue``): the project's sources.yml is valid, bad entries are
ConfigErrors naming the entry, and its ``extracts:`` section."""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from thanalysis.data.catalogue import ExtractSource, load_catalogue, load_extract_sources
from thanalysis.errors import ConfigError

from .sample_catalogue import small_catalogue


# --- catalogue ---------------------------------------------------------------------------------------------
def test_project_catalogue_is_valid_and_complete():
    cat = load_catalogue()
    assert len(cat) >= 35
    for ds in cat:
        assert ds.url.startswith("https://") and "raw.githubusercontent" not in ds.url
        assert ds.publisher and ds.licence and ds.reader and ds.file and not ds.file.startswith("/")
    ids = {i["indicator_id"] for i in cat.indicators}
    assert {"census21_households_deprived", "imd2019_score", "93759", "93867", "qof_prevalence_dm"} <= ids
    assert sum(i["indicator_id"].startswith("qof_prevalence_") for i in cat.indicators) == 21
    assert cat["boundaries_london_lsoa21"].crs == "EPSG:27700"
    assert cat["gla_ward_profiles_2015"].encoding == "latin-1"


@pytest.mark.parametrize("change, message", [
    ({"publisher": None}, "missing required field(s) publisher"),
    ({"reader": "shapfile"}, "did you mean 'shapefile'"),
    ({"file": "/abs/path.csv"}, "relative path"),
    ({"file": "../outside.csv"}, "relative path"),
    ({"area_type": "lsoa"}, "area_type must be one of"),
    ({"columns": {"code": "areacode"}}, "not a canonical column name"),
    ({"url": "ftp://x"}, "http(s) address"),
    ({"encodng": "utf-8"}, "did you mean 'encoding'"),
    ({"crs": "EPSG:99999999"}, "unknown crs"),
])
def test_bad_catalogue_entries_are_config_errors(tmp_path, change, message):
    path = small_catalogue(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["datasets"][0].update(change)
    raw["datasets"][0] = {k: v for k, v in raw["datasets"][0].items() if v is not None}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as exc:
        load_catalogue(path)
    assert message in str(exc.value) and "imd_sample" in str(exc.value) and "sources.yml" in str(exc.value)


def test_bad_indicator_entry(tmp_path):
    path = small_catalogue(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["indicators"] = [{"indicator_id": "x", "name": "X", "value_type": "proportion", "multiplier": 100,
                          "unit": "%", "polarity": "lower_is_better", "frequency": "annual", "datasets": ["imd_sampel"]}]
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="did you mean 'imd_sample'"):
        load_catalogue(path)


def test_a_missing_or_unparsable_catalogue_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="data catalogue not found"):
        load_catalogue(tmp_path / "sources.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("datasets: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yml: not valid YAML"):
        load_catalogue(bad)


# --- published series --------------------------------------------------------------------------------------
PUBLISHED = {"id": "series_sample", "title": "A published series", "publisher": "NHS England", "licence": "OGL v3",
             "url": "https://www.england.nhs.uk/statistics/", "file": "nhs/trust_monthly_2019_2025/ae.csv",
             "reader": "published", "module": "nhs_trusts", "table": "values", "period_type": "month",
             "frequency": "monthly", "retrieved": "2026-01-13"}


def _with_published(tmp_path, **change):
    path = small_catalogue(tmp_path)
    raw = yaml.safe_load(path.read_text())
    entry = {k: v for k, v in {**PUBLISHED, **change}.items() if v is not None}
    raw["datasets"].append(entry)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_a_published_series_entry():
    cat = load_catalogue()
    series = cat.published_series()
    assert set(series) == {"nhs_trusts", "homelessness", "social_care", "children", "lait", "health_index",
                           "fingertips_tidy", "fingertips_export", "hes_admissions",
                           "nhs_activity", "nhs_snapshots", "fingertips_api", "census", "deprivation",
                           "population_change",
                           "gla_profiles"}
    # The Census module reads two folders: the LSOA tables and the published ward table.
    assert [ds.id for ds in series["census"]] == ["census21_lsoa_ew_ts021_ts037_ts038_ts017_ts052",
                                                  "census21_ward_ts021_th_hackney"]
    assert cat["census21_ward_ts021_th_hackney"].area_type == "ward22"
    assert cat["census21_lsoa_ew_ts021_ts037_ts038_ts017_ts052"].period_type == ("census_day",)
    assert [ds.id for ds in series["fingertips_tidy"]] == [
        "fingertips_trafford_themes_2026_health", "fingertips_trafford_themes_2026_children",
        "fingertips_trafford_dashboard_2020_health", "fingertips_trafford_dashboard_2020_children"]
    nhs = cat["nhse_trust_monthly_2019_2025"]
    assert nhs.is_published_series and nhs.module == "nhs_trusts" and nhs.period_type == ("month",)
    assert nhs.frequency == "monthly" and nhs.currency_date == date(2026, 1, 13) and nhs.lag_months is None
    assert cat["hclic_a1_ta1_long"].period_type == ("quarter", "snapshot")
    assert "homelessness/hclic/original_xlsx/Detailed_LA_202503.xlsx" in cat["hclic_a1_ta1_long"].files
    api = cat["fingertips_api"]  # fetched on demand: a file pattern, dated by provenance.json
    assert api.is_on_demand and api.currency_date is None and not cat["hclic_a1_ta1_long"].is_on_demand
    # Core datasets that feed indicators carry the date of their copy too.
    assert cat["census21_ts007a_ltla"].published == date(2022, 11, 2)
    assert cat["imd2019_file1"].currency_date == date(2019, 9, 26)
    assert cat["hoc_qof_prevalence_lad"].currency_date == date(2021, 4, 28)


def test_a_published_entry_reads_back(tmp_path):
    ds = load_catalogue(_with_published(tmp_path, lag_months=4, period_type=["month", "snapshot"],
                                        published="2026-01-02"))["series_sample"]
    assert (ds.module, ds.lag_months, ds.period_type) == ("nhs_trusts", 4.0, ("month", "snapshot"))
    assert ds.published == date(2026, 1, 2) and ds.retrieved == date(2026, 1, 13) and ds.currency_date == ds.published


@pytest.mark.parametrize("change, message", [
    ({"module": None}, "needs field(s) module"),
    ({"frequency": None, "period_type": None}, "needs field(s) period_type, frequency"),
    ({"module": "nhs_trust"}, "did you mean 'nhs_trusts'"),
    ({"retrieved": None}, "needs published or retrieved"),
    ({"retrieved": "13/01/2026"}, "retrieved must be a date written YYYY-MM-DD"),
    ({"period_type": "fortnight"}, "period_type must be one or a list of"),
    ({"period_type": ["month", "week"]}, "got 'week'"),
    ({"lag_months": 0}, "lag_months must be a number of months above 0"),
    ({"lag_months": "three"}, "lag_months must be a number"),
    ({"frequency": "irregular"}, "has no default lag: give lag_months"),
    ({"table": "reference"}, "feeds the values table"),
    ({"reader": "csv"}, "module is only for reader: published"),
    ({"companions": ["../outside.csv"]}, "companions must be a list of file names"),
])
def test_bad_published_entries_are_config_errors(tmp_path, change, message):
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_with_published(tmp_path, **change))
    assert message in str(exc.value) and "series_sample" in str(exc.value) and "sources.yml" in str(exc.value)


def test_irregular_frequency_with_its_own_lag_is_accepted(tmp_path):
    ds = load_catalogue(_with_published(tmp_path, frequency="irregular", lag_months=60))["series_sample"]
    assert ds.lag_months == 60.0


# --- the extracts: section -------------------------------------------------------------------------------------
EXTRACT = ("{id: x, title: t, publisher: p, licence: l, url: u, file: a.csv, reader: published, "
           "options: {area_code: R1H}, metrics: {m: nhse_ae_4hr}")


def test_extract_sources_of_the_project_catalogue(tmp_path):
    sources = load_extract_sources()
    ae = next(s for s in sources if "ae_4hr_performance_r1h" in s.metrics)
    assert isinstance(ae, ExtractSource) and ae.reader == "published" and ae.serves == ("E09000030",)
    assert ae.file == "nhs/trust_monthly_2019_2025/england_trust_accidents_emergency.csv" and not ae.alternates
    assert ae.file == load_catalogue()["nhse_trust_monthly_2019_2025"].file  # the series of the catalogue
    # The series is used when its file is under the data root.
    assert ae.find(tmp_path) is None
    (tmp_path / ae.file).parent.mkdir(parents=True)
    (tmp_path / ae.file).write_text("period\n")
    assert ae.find(tmp_path) == tmp_path / ae.file


@pytest.mark.parametrize("entry, message", [
    (EXTRACT.replace("file: a.csv", "file: /abs.csv") + "}", "relative to the data root"),
    (EXTRACT.replace("file: a.csv", "file: ../../testvectors/a.csv") + "}", "inside it"),
    (EXTRACT + ", alternates: [nhs/../../x.csv]}", "inside it"),
    (EXTRACT.replace("reader: published", "reader: excel") + "}", "reader 'excel'"),
    (EXTRACT + ", colour: red}", "unknown field"),
    (EXTRACT.replace("title: t, ", "") + "}", "missing field\\(s\\) title"),
    (EXTRACT.replace("metrics: {m: nhse_ae_4hr}", "metrics: [m]") + "}", "'metrics' must map"),
    (EXTRACT.replace("options: {area_code: R1H}, ", "") + "}", "options must give area_code"),
])
def test_bad_extract_entries_are_config_errors(tmp_path, entry, message):
    path = tmp_path / "sources.yml"
    path.write_text(f"extracts:\n  - {entry}\n")  # only this section is needed
    with pytest.raises(ConfigError, match=message) as exc:
        load_extract_sources(path)
    assert "extracts[0]" in str(exc.value)
    path.write_text("extracts: {x: 1}\n")
    with pytest.raises(ConfigError, match="must be a list"):
        load_extract_sources(path)
