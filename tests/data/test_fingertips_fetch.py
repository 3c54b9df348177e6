"""``thanalysis data fingertips`` against a loopback HTTP server serving hand-written fixtures in the formats of
the Fingertips API (tests/data/fixtures/fingertips_api). No test uses the internet; retry waits are recorded
instead of slept."""
from __future__ import annotations

import csv
import hashlib
import http.server
import json
import re
import socket
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from pathlib import Path

import pytest

from thanalysis.cli import main as cli_main
from thanalysis.data.fingertips import BASE_URL_ENV, FingertipsClient, area_type_id, check_export, fetch_fingertips
from thanalysis.data.published.fingertips_api import indicator_metadata_rows, read_indicator_metadata
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures" / "fingertips_api"
DATA_PATH = "/api/all_data/csv/by_indicator_id"
META_PATH = "/api/indicator_metadata/by_indicator_id"
META_CSV_PATH = "/api/indicator_metadata/csv/by_indicator_id"
LE = "fingertips/api/90366_502.csv"


class FakeFingertips:
    """The Fingertips API on 127.0.0.1: fixture answers, plus scripted misbehaviour per path.

    ``script[path]`` is a queue of actions used by the next requests to that path, then normal answers resume:
    ``("status", code, headers)``, ``("truncate",)`` (Content-Length larger than the body, then close),
    ``("slow", seconds)`` (no answer for that long), ``("body", bytes)``. With ``etag`` the server sends ETags
    and answers 304 to a matching If-None-Match. ``fixtures`` is the folder of answers (profile listings always come
    from tests/data/fixtures/fingertips_api).
    """

    def __init__(self, fixtures: Path = FIXTURES) -> None:
        self.fixtures = fixtures
        self.hits: list[tuple[str, dict, dict]] = []
        self.script: dict[str, deque] = defaultdict(deque)
        self.etag = False
        self.meta = json.loads((fixtures / "indicator_metadata.json").read_text())
        with open(fixtures / "indicator_metadata.csv", newline="") as fh:
            rows = list(csv.reader(fh))
        self.meta_header, self.meta_rows = rows[0], rows[1:]
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                fake.hits.append((parts.path, query, dict(self.headers)))
                action = fake.script[parts.path].popleft() if fake.script[parts.path] else None
                if action and action[0] == "slow":
                    time.sleep(action[1])
                    return
                if action and action[0] == "status":
                    return self.answer(action[1], b"error", headers=action[2] if len(action) > 2 else {})
                if action and action[0] == "truncate":
                    body = fake.route(parts.path, query)[1]
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body) + 5000))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                code, body = (200, action[1]) if action and action[0] == "body" else fake.route(parts.path, query)
                headers = {}
                if fake.etag and code == 200:
                    tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == tag:
                        return self.answer(304, b"", headers={"ETag": tag})
                    headers["ETag"] = tag
                self.answer(code, body, headers)

            def answer(self, code, body, headers):
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                if code != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if code != 304:
                    self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *a: None  # a client that timed out is not a server error
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path: str, q: dict) -> tuple[int, bytes]:
        ids = q.get("indicator_ids", "").split(",")
        if path == META_PATH:
            found = {i: self.meta[i] for i in ids if i in self.meta}
            return (200, json.dumps(found).encode()) if found else (404, b"Not found")
        if path == META_CSV_PATH:
            rows = [r for r in self.meta_rows if r[0] in ids]
            if not rows:
                return 404, b"Not found"
            lines = [",".join(f'"{c}"' if "," in c else c for c in r) for r in [self.meta_header, *rows]]
            return 200, ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
        if path == DATA_PATH:
            file = self.fixtures / f"all_data_{ids[0]}_{q.get('child_area_type_id')}.csv"
            if q.get("parent_area_type_id") != "6":
                return 400, b"bad parent"
            return (200, file.read_bytes()) if file.exists() else (404, b"Not found")
        if path == "/api/profile/by_key":
            prof = json.loads((FIXTURES / "profile_by_key.json").read_text())
            return 200, (json.dumps(prof) if q.get("profile_key") == prof["Key"] else "null").encode()
        if path == "/api/indicator_names/by_group_id":
            groups = set(q.get("group_ids", "").split(","))
            rows = json.loads((FIXTURES / "indicator_names_by_group_id.json").read_text())
            return 200, json.dumps([r for r in rows if str(r["GroupId"]) in groups]).encode()
        return 404, b"Not found"

    def count(self, path: str, **query) -> int:
        return sum(p == path and all(q.get(k) == str(v) for k, v in query.items()) for p, q, _ in self.hits)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake():
    server = FakeFingertips()
    yield server
    server.close()


@pytest.fixture()
def sleeps():
    return []


@pytest.fixture()
def client(fake, sleeps):
    return FingertipsClient(base_url=fake.base, timeout=2.0, backoff=0.25, sleep=sleeps.append)


def run(client, root, *indicators, lines=None, **kw):
    return fetch_fingertips(indicators, data_root=root, client=client,
                            echo=(lines.append if lines is not None else lambda s: None), **kw)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the data root (temporary leftovers would show up too)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def fetched(client, tmp_path):
    """A data root where 90366 was fetched once; returns (root, snapshot before the failure under test)."""
    root = tmp_path / "root"
    run(client, root, "90366")
    return root, snapshot(root)


# --- success paths ----------------------------------------------------------------------------------------------
def test_fetch_by_indicator_writes_files_and_provenance(client, fake, tmp_path):
    root, lines = tmp_path / "root", []
    results = run(client, root, "90366", "92443", lines=lines)
    assert [r["status"] for r in results] == ["downloaded", "downloaded"]
    assert (root / LE).read_bytes() == (FIXTURES / "all_data_90366_502.csv").read_bytes()  # exactly as served
    assert json.loads((root / "fingertips/api/metadata/90366.json").read_text())["90366"]["IID"] == 90366
    assert lines[1] == "[1/2] 90366 (utla): downloaded 7 rows, 2 KB"
    assert any(line.startswith("[2/2] 92443 (utla): downloaded 4 rows") for line in lines)
    files = json.loads((root / "provenance.json").read_text())["files"]
    assert set(files) == {LE, "fingertips/api/92443_502.csv"} | {
        f"fingertips/api/metadata/{i}.{ext}" for i in ("90366", "92443") for ext in ("json", "csv")}
    rec = files[LE]
    assert rec["sha256"] == hashlib.sha256((root / LE).read_bytes()).hexdigest()
    assert rec["size"] == (root / LE).stat().st_size
    assert rec["source_url"] == (f"{fake.base}/all_data/csv/by_indicator_id?indicator_ids=90366"
                                 "&child_area_type_id=502&parent_area_type_id=6")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec["retrieved_at"])
    assert rec["licence"] == "Open Government Licence v3.0" and rec["rows"] == 7


def test_fetch_by_profile_resolves_its_indicators(client, fake, tmp_path):
    lines = []
    results = fetch_fingertips(profiles=["public-health-outcomes-framework"], data_root=tmp_path, client=client,
                               echo=lines.append)
    assert [r["indicator"] for r in results] == ["90366", "92443"]  # in profile order, duplicates dropped
    assert lines[0] == "profile public-health-outcomes-framework: 2 indicators"
    assert fake.count("/api/indicator_names/by_group_id", group_ids="1000049,1000041") == 1
    with pytest.raises(DataError, match="Fingertips has no profile 'no-such-profile'"):
        fetch_fingertips(profiles=["no-such-profile"], data_root=tmp_path, client=client, echo=lambda s: None)


def test_second_run_downloads_nothing(client, fake, fetched):
    root, before = fetched
    fake.hits.clear()
    lines = []
    results = run(client, root, "90366", lines=lines)
    assert [r["status"] for r in results] == ["unchanged"]
    assert fake.hits == []  # no ETag from this server: the recorded URL and checksum decide
    assert lines == ["[1/1] 90366 metadata: unchanged", "[1/1] 90366 (utla): unchanged (7 rows)"]
    assert snapshot(root) == before


def test_second_run_uses_conditional_requests_when_the_server_sends_etags(client, fake, tmp_path):
    fake.etag = True
    run(client, tmp_path, "90366")
    assert json.loads((tmp_path / "provenance.json").read_text())["files"][LE]["etag"].startswith('"')
    fake.hits.clear()
    results = run(client, tmp_path, "90366")
    assert [r["status"] for r in results] == ["unchanged"]
    assert fake.count(DATA_PATH) == 1 and fake.hits[-1][2].get("If-None-Match", "").startswith('"')


def test_force_downloads_again_and_a_missing_file_is_fetched(client, fake, fetched):
    root, _ = fetched
    fake.hits.clear()
    run(client, root, "90366", force=True)
    assert fake.count(DATA_PATH) == 1 and fake.count(META_PATH) == 1
    (root / LE).unlink()
    fake.hits.clear()
    assert run(client, root, "90366")[0]["status"] == "downloaded"
    assert fake.count(DATA_PATH) == 1 and fake.count(META_PATH) == 0


def test_area_types(client, fake, tmp_path):
    assert area_type_id("utla") == (502, "utla") and area_type_id("LTLA") == (501, "ltla")
    assert area_type_id(402) == (402, "area type 402")
    with pytest.raises(DataError, match="Unknown area type 'county'"):
        area_type_id("county")
    with pytest.raises(DataError, match=r"no data for indicator 90366 at area type 501 \(ltla\)(.|\n)*--area-type"):
        run(client, tmp_path, "90366", area_types=["ltla"])  # the server has no 501 file for it: HTTP 404


def test_retry_after_5xx_then_success(client, fake, sleeps, fetched):
    root, _ = fetched
    fake.script[DATA_PATH].extend([("status", 500), ("status", 503)])
    fake.hits.clear()
    assert run(client, root, "90366", force=True)[0]["status"] == "unchanged"
    assert fake.count(DATA_PATH) == 3
    assert sleeps == [0.25, 0.5]  # exponential backoff


def test_429_honours_retry_after(client, fake, sleeps, tmp_path):
    fake.script[DATA_PATH].append(("status", 429, {"Retry-After": "7"}))
    assert run(client, tmp_path, "90366")[0]["status"] == "downloaded"
    assert sleeps == [7.0] and fake.count(DATA_PATH) == 2


# --- failures: each a DataError, and the data root stays byte-identical -------------------------------------------
@pytest.mark.parametrize("script, message", [
    ([("status", 500)] * 3, "Fingertips answered HTTP 500 Internal Server Error 3 times"),
    ([("status", 429, {"Retry-After": "3600"})], r"rate-limiting .* wait 3600 s"),
    ([("truncate",)] * 3, "connection to Fingertips dropped before the download finished"),
    ([("body", b"<html><body>Service unavailable</body></html>")], "lacks 25 of the expected columns"),
])
def test_failures_leave_the_data_root_untouched(client, fake, fetched, script, message):
    root, before = fetched
    fake.script[DATA_PATH].extend(script)
    with pytest.raises(DataError, match=message):
        run(client, root, "90366", force=True)
    assert snapshot(root) == before


def test_truncated_download_is_retried(client, fake, sleeps, tmp_path):
    fake.script[DATA_PATH].append(("truncate",))
    assert run(client, tmp_path, "90366")[0]["rows"] == 7
    assert fake.count(DATA_PATH) == 2 and sleeps == [0.25]


def test_unknown_indicator_404(client, fake, fetched):
    root, before = fetched
    with pytest.raises(DataError) as err:
        run(client, root, "999999")
    assert str(err.value).startswith("Fingertips has no indicator 999999.")
    assert "indicator_ids=999999" in str(err.value) and "hint:" in str(err.value)
    fake.script[META_PATH].append(("body", b"{}"))  # the API's other answer for an unknown id
    with pytest.raises(DataError, match="Fingertips has no indicator 999999"):
        run(client, root, "999999")
    assert snapshot(root) == before


def test_slow_server_times_out(fake, fetched):
    root, before = fetched
    fake.script[DATA_PATH].append(("slow", 1.5))
    quick = FingertipsClient(base_url=fake.base, timeout=0.3, sleep=lambda s: None)
    start = time.monotonic()
    with pytest.raises(DataError, match=r"did not answer within 0.3 seconds(.|\n)*--timeout"):
        run(quick, root, "90366", force=True)
    assert time.monotonic() - start < 1.4
    assert snapshot(root) == before


def test_no_network(fetched):
    root, before = fetched
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    offline = FingertipsClient(base_url=f"http://127.0.0.1:{port}/api", timeout=2, sleep=lambda s: None)
    with pytest.raises(DataError, match=r"Cannot reach the Fingertips API(.|\n)*--base-url"):
        run(offline, root, "90366", force=True)
    assert snapshot(root) == before


def test_malformed_csv_names_the_file_and_the_columns(client, fake, fetched):
    root, before = fetched
    text = (FIXTURES / "all_data_90366_502.csv").read_text()
    broken = text.replace("Value note,", "").replace("Lower CI 95.0 limit", "Lower CI")
    fake.script[DATA_PATH].append(("body", broken.encode()))
    with pytest.raises(DataError) as err:
        run(client, root, "90366", force=True)
    msg = str(err.value)
    assert "lacks 2 of the expected columns: Lower CI 95.0 limit, Value note" in msg
    assert f"file: {LE}" in msg and "expected: the 27 columns of a Fingertips all-data CSV export: Indicator ID" in msg
    # numbers that are not numbers (parsed by the package's reader)
    fake.script[DATA_PATH].append(("body", text.replace(",78.2,", ",seventy,").encode()))
    with pytest.raises(DataError, match=r"malformed: Column Value holds values that are not numbers"):
        run(client, root, "90366", force=True)
    assert snapshot(root) == before


def test_check_export_accepts_any_parent_name(tmp_path):
    text = (FIXTURES / "all_data_90366_502.csv").read_text()
    path = tmp_path / "x.csv"
    path.write_text(text.replace("London region value or percentiles", "England value or percentiles", 1))
    assert check_export(path, "90366") == 7  # parent = England: the England column appears twice
    path.write_text(text.splitlines()[0] + "\n")
    with pytest.raises(DataError, match="no data for indicator 90366 at this area type(.|\n)*--area-type utla, ltla"):
        check_export(path, "90366")


# --- metadata → canonical indicators ----------------------------------------------------------------------------
def test_indicator_metadata_rows_maps_value_type_and_polarity():
    meta = json.loads((FIXTURES / "indicator_metadata.json").read_text())
    with open(FIXTURES / "indicator_metadata.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    df = indicator_metadata_rows(meta, rows, id_prefix="fingertips_")
    assert list(df.columns) == CANONICAL_COLUMNS["indicators"]
    got = df.set_index("indicator_id")[["value_type", "polarity", "multiplier", "unit", "frequency"]]
    assert got.to_dict("index") == {
        "fingertips_90366": {"value_type": "life_expectancy", "polarity": "higher_is_better", "multiplier": 1.0,
                             "unit": "years", "frequency": "Annual"},
        "fingertips_92443": {"value_type": "proportion", "polarity": "lower_is_better", "multiplier": 100.0,
                             "unit": "%", "frequency": "Annual"},
        "fingertips_108": {"value_type": "dsr", "polarity": "lower_is_better", "multiplier": 100000.0,
                           "unit": "per 100,000", "frequency": "Annual"},
        "fingertips_93088": {"value_type": "crude_rate", "polarity": "no_judgement", "multiplier": 1000.0,
                             "unit": "per 1,000", "frequency": "Annual"},
        "fingertips_91872": {"value_type": "count", "polarity": "no_judgement", "multiplier": 1.0,
                             "unit": "", "frequency": "Quarterly"},
    }
    first = df.iloc[0]
    assert first["name"] == "Life expectancy at birth" and first["source"] == "Office for National Statistics (ONS)"
    assert set(df["licence"]) == {"Open Government Licence v3.0"}
    validate("indicators", df)
    # without the CSV (no polarity) nothing is guessed
    assert set(indicator_metadata_rows(meta)["polarity"]) == {"no_judgement"}


def test_read_indicator_metadata_from_a_fetched_root(client, fetched):
    root, _ = fetched
    df = read_indicator_metadata(root)
    # The data-currency columns are there, empty: the store fills them from the catalogue and the frequency.
    assert list(df.columns[-2:]) == ["published", "lag_months"] and df[["published", "lag_months"]].isna().all().all()
    assert validate("indicators", df)["lag_months"].tolist() == [24.0]  # annual
    assert df.drop(columns=["published", "lag_months"]).to_dict("records") == [{
        "indicator_id": "90366", "name": "Life expectancy at birth", "value_type": "life_expectancy",
        "multiplier": 1.0, "unit": "years", "polarity": "higher_is_better",
        "source": "Office for National Statistics (ONS)", "licence": "Open Government Licence v3.0",
        "frequency": "Annual"}]


# --- command line -----------------------------------------------------------------------------------------------
def test_cli_success_and_failure(fake, tmp_path, capsys, monkeypatch):
    root = tmp_path / "root"
    assert cli_main(["data", "fingertips", "--indicator", "90366", "--data-root", str(root),
                     "--base-url", fake.base]) == 0
    out = capsys.readouterr().out
    assert "[1/1] 90366 (utla): downloaded 7 rows" in out and "1 file(s) downloaded" in out
    before = snapshot(root)
    monkeypatch.setenv(BASE_URL_ENV, fake.base)  # the environment variable works as well as --base-url
    assert cli_main(["data", "fingertips", "--indicator", "90366", "--indicator", "999999",
                     "--data-root", str(root)]) == 2
    captured = capsys.readouterr()
    assert "[1/2] 90366 (utla): unchanged (7 rows)" in captured.out
    assert captured.err.startswith("thanalysis: Fingertips has no indicator 999999.")
    assert snapshot(root) == before
    assert cli_main(["data", "fingertips", "--data-root", str(root)]) == 2
    assert "No Fingertips indicators to fetch" in capsys.readouterr().err
