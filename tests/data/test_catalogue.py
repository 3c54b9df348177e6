"""The data catalogue (``thanalysis.data.catalogue``): the project's sources.yml is valid, bad entries are
ConfigErrors naming the entry, and its ``extracts:`` section."""
from __future__ import annotations

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


# --- the extracts: section -------------------------------------------------------------------------------------
EXTRACT = ("{id: x, title: t, publisher: p, licence: l, url: u, file: a.csv, reader: nhs_ae_attendances, "
           "metrics: {m: attendances}")


def test_extract_sources_of_the_project_catalogue(tmp_path):
    sources = load_extract_sources()
    ae = next(s for s in sources if "ae_4hr_performance_r1h" in s.metrics)
    assert isinstance(ae, ExtractSource) and ae.reader == "nhs_ae_attendances" and ae.serves == ("E09000030",)
    assert ae.alternates and not ae.file.startswith("/")
    # The first of file and alternates that exists under the data root is used.
    (tmp_path / "nhs").mkdir()
    assert ae.find(tmp_path) is None
    (tmp_path / ae.file).write_text("period\n")
    assert ae.find(tmp_path) == tmp_path / ae.file


@pytest.mark.parametrize("entry, message", [
    (EXTRACT.replace("file: a.csv", "file: /abs.csv") + "}", "relative to the data root"),
    (EXTRACT.replace("reader: nhs_ae_attendances", "reader: excel") + "}", "reader 'excel'"),
    (EXTRACT + ", colour: red}", "unknown field"),
    (EXTRACT.replace("title: t, ", "") + "}", "missing field\\(s\\) title"),
    (EXTRACT.replace("metrics: {m: attendances}", "metrics: [m]") + "}", "'metrics' must map"),
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
