"""``thanalysis data fingertips``: fetch OHID Fingertips indicators from its public API into a data root.

For each indicator (by id, or every indicator of a profile such as ``public-health-outcomes-framework``) and
area type (upper-tier local authorities by default; the export adds their regions and England) it writes, as served:
``fingertips/api/<indicator_id>_<area_type_id>.csv`` (the 27-column all-data export, all periods),
``fingertips/api/metadata/<indicator_id>.json`` (``indicator_metadata/by_indicator_id``: name, unit, value type,
definition, source, frequency) and ``fingertips/api/metadata/<indicator_id>.csv`` (the metadata CSV export, the
only one with the polarity). Each file is recorded in ``provenance.json`` as ``thanalysis data fetch`` records
them (URL, UTC time, SHA-256, size). Downloads are validated in a temporary file and only then replace the old
one, so a failed fetch leaves the data root as it was. A second run downloads nothing unless ``--force``
(conditional requests if the server sent an ETag/Last-Modified, else a file whose recorded URL and checksum
still match is kept). The store reads the folder through
:mod:`thanalysis.data.published.fingertips_api`, which maps the metadata onto the canonical ``indicators`` table.
"""
from __future__ import annotations

import argparse
import csv
import email.utils
import http.client
import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Mapping

from thanalysis.config import resolve_data_root
from thanalysis.data.fetch import MANIFEST, read_manifest
from thanalysis.data.published.fingertips_api import read_metadata_csv
from thanalysis.data.readers import FINGERTIPS_COLUMNS, read_fingertips_raw
from thanalysis.data.store import sha256_file
from thanalysis.errors import DataError

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk/api"
BASE_URL_ENV = "THANALYSIS_FINGERTIPS_URL"
USER_AGENT = "thanalysis-data-fingertips (public-health analysis; urllib)"
PUBLISHER = "Office for Health Improvement and Disparities (Fingertips)"
LICENCE = "Open Government Licence v3.0"
API_DIR = "fingertips/api"
#: Named area types → Fingertips area type ids (current boundaries): upper-tier LAs "Upper tier local
#: authorities (post 4/23)" and lower-tier LAs "Lower tier local authorities (post 4/23)". Any id is accepted too.
AREA_TYPES = {"utla": 502, "ltla": 501}
PARENT_AREA_TYPE = 6  # Government Office Region; the export adds the England rows itself
_COMPARED_EXTRA = ("Compared to England value or percentiles", "Compared to <parent> value or percentiles")
_FIXED = [c for c in FINGERTIPS_COLUMNS if c not in _COMPARED_EXTRA]
_AREA_HINT = ("it may be published for other area types only: try --area-type utla, ltla or another area type id "
              "(the indicator's page on Fingertips lists them)")
_SEARCH_HINT = "find the indicator on https://fingertips.phe.org.uk (its id is the number after /iid/ in the address)"


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class NotFound(Exception):
    """HTTP 404 from the API (the caller turns it into a DataError naming the indicator or profile)."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]


@dataclass
class FingertipsClient:
    """A small urllib client for the Fingertips API: retries 5xx and dropped connections with exponential
    backoff (``tries`` attempts, waits ``backoff``, 2×``backoff``, ...), honours 429 Retry-After up to
    ``max_retry_after`` seconds, and turns every failure into a DataError saying what to do."""

    base_url: str = DEFAULT_BASE_URL
    timeout: float = 60.0
    tries: int = 3
    backoff: float = 2.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def url(self, path: str, params: Mapping[str, object]) -> str:
        query = urllib.parse.urlencode({k: str(v) for k, v in params.items()}, safe=",")
        return f"{self.base_url.rstrip('/')}/{path}?{query}"

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        for attempt in range(1, self.tries + 1):
            last = attempt == self.tries
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - Fingertips API
                    body = resp.read()
                    length = resp.headers.get("Content-Length")
                    if length and length.strip().isdigit() and int(length) != len(body):
                        raise http.client.IncompleteRead(body, int(length) - len(body))
                    return Response(resp.status, body, resp.headers)
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    return Response(304, b"", exc.headers)
                if exc.code == 404:
                    raise NotFound(url) from None
                wait = self.backoff * 2 ** (attempt - 1)
                if exc.code == 429:
                    wait = _retry_after(exc.headers.get("Retry-After"), wait)
                    if last or wait > self.max_retry_after:
                        raise _fail(f"Fingertips is rate-limiting these requests (HTTP 429; it asks to wait "
                                    f"{wait:g} s).", url, "wait a few minutes and run the command again") from None
                elif exc.code < 500:
                    raise _fail(f"Fingertips refused the request: HTTP {exc.code} {exc.reason}.", url,
                                _SEARCH_HINT) from None
                elif last:
                    raise _fail(f"Fingertips answered HTTP {exc.code} {exc.reason} {self.tries} times.", url,
                                "the service may be down or updating: try again later") from None
            except (TimeoutError, urllib.error.URLError) as exc:
                if isinstance(exc, TimeoutError) or isinstance(exc.reason, TimeoutError):
                    raise _fail(f"Fingertips did not answer within {self.timeout:g} seconds.", url,
                                "try again later, or allow longer with --timeout SECONDS") from None
                raise _fail(f"Cannot reach the Fingertips API: {exc.reason}.", url,
                            "check the internet connection or proxy; without internet access point --base-url "
                            f"(or ${BASE_URL_ENV}) at a reachable copy of the API") from None
            except (http.client.IncompleteRead, ConnectionError, http.client.BadStatusLine):
                if last:
                    raise _fail(f"The connection to Fingertips dropped before the download finished ({self.tries} "
                                "tries).", url, "check the network connection and run the command again") from None
                wait = self.backoff * 2 ** (attempt - 1)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def json(self, path: str, params: Mapping[str, object]):
        url = self.url(path, params)
        resp = self.get(url)
        try:
            return json.loads(resp.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"Fingertips answered with something that is not JSON: {exc}", file=url,
                            expected="a JSON answer", hint="try again later") from None


def _fail(problem: str, url: str, hint: str) -> DataError:
    return DataError(problem, file=url, expected="an answer from the Fingertips API",
                     hint=f"{hint} (nothing in the data root was changed by the failed download)")


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if value and value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (email.utils.parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return default


def area_type_id(value: str | int) -> tuple[int, str]:
    """``"utla"``/``"ltla"`` or a Fingertips area type id → (id, label for progress lines)."""
    text = str(value).strip().lower()
    if text in AREA_TYPES:
        return AREA_TYPES[text], text
    if text.isdigit():
        return int(text), f"area type {text}"
    raise DataError(f"Unknown area type {value!r}.", expected="utla, ltla or a Fingertips area type id (a number)",
                    hint="Fingertips lists its area type ids at https://fingertips.phe.org.uk/api/area_types")


def profile_indicator_ids(client: FingertipsClient, profile: str) -> list[str]:
    """The indicator ids of a profile, given by its URL key (``public-health-outcomes-framework``) or id."""
    path, params = (("profile", {"profile_id": profile}) if profile.isdigit()
                    else ("profile/by_key", {"profile_key": profile}))
    try:
        found = client.json(path, params)
    except NotFound:
        found = None
    groups = found.get("GroupIds") if isinstance(found, dict) else None
    if not groups:
        raise DataError(f"Fingertips has no profile {profile!r}.", file=client.url(path, params),
                        expected="a profile key as in https://fingertips.phe.org.uk/profile/<key>",
                        hint="e.g. public-health-outcomes-framework; the keys are listed at "
                             "https://fingertips.phe.org.uk/api/profiles")
    ids: list[str] = []
    for start in range(0, len(groups), 50):
        params = {"group_ids": ",".join(str(g) for g in groups[start:start + 50])}
        rows = client.json("indicator_names/by_group_id", params)
        ids += [str(r["IndicatorId"]) for r in (rows if isinstance(rows, list) else [])
                if isinstance(r, dict) and "IndicatorId" in r]
    if not ids:
        raise DataError(f"Fingertips lists no indicators for profile {profile!r}.",
                        file=client.url("indicator_names/by_group_id", {"group_ids": ",".join(map(str, groups))}),
                        expected="a JSON list of {IndicatorId, IndicatorName, GroupId}")
    return list(dict.fromkeys(ids))


# --- validation -------------------------------------------------------------------------------------------------
def check_export(path: Path, indicator_id: str, *, name: str | None = None) -> int:
    """Check a downloaded all-data CSV (27 columns, parseable, rows for this indicator); returns its row count."""
    name = name or str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header, first = next(reader, []), next((r for r in reader if any(r)), None)
    except UnicodeDecodeError:
        header, first = [], None
    compared = [c for c in header if c.startswith("Compared to ") and c.endswith(" value or percentiles")]
    missing = [c for c in _FIXED if c not in header]
    if missing or not compared:
        shown = missing or ["Compared to <England/parent> value or percentiles"]
        raise DataError(f"The Fingertips export for indicator {indicator_id} lacks {len(shown)} of the expected "
                        f"columns: {', '.join(shown)}.", file=name,
                        expected="the 27 columns of a Fingertips all-data CSV export: " + ", ".join(FINGERTIPS_COLUMNS),
                        hint="nothing was replaced; Fingertips may have changed its export or sent an error "
                             "page: try again later")
    if first is None:
        raise DataError(f"Fingertips has no data for indicator {indicator_id} at this area type.", file=name,
                        expected="at least one row", hint=_AREA_HINT)
    try:
        df = read_fingertips_raw(path)
    except DataError as exc:
        raise DataError(f"The Fingertips export for indicator {indicator_id} is malformed: {exc.problem}", file=name,
                        column=exc.column, rows=exc.rows, values=exc.values, expected=exc.expected,
                        hint="nothing was replaced; try again later") from None
    other = sorted(set(df["Indicator ID"].astype(str).str.strip()) - {indicator_id})
    if other:
        raise DataError(f"The Fingertips export for indicator {indicator_id} holds other indicators.", file=name,
                        column="Indicator ID", values=other, expected=f"only indicator {indicator_id}")
    return len(df)


def _check_metadata_json(path: Path, indicator_id: str, url: str) -> int:
    try:
        meta = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"Fingertips metadata for indicator {indicator_id} is not valid JSON: {exc}", file=url,
                        expected="the JSON of indicator_metadata/by_indicator_id") from None
    if not isinstance(meta, dict) or not isinstance(meta.get(indicator_id), dict):
        raise _no_indicator(indicator_id, url)
    return 1


def _check_metadata_csv(path: Path, indicator_id: str, url: str) -> int:
    rows = read_metadata_csv(path)
    if not rows or "Polarity" not in rows[0]:
        raise DataError(f"The Fingertips metadata CSV for indicator {indicator_id} lacks its Polarity column.",
                        file=url, expected="the columns of indicator_metadata/csv (Indicator ID, ..., Polarity)")
    if not any(r.get("Indicator ID", "").strip() == indicator_id for r in rows):
        raise _no_indicator(indicator_id, url)
    return len(rows)


def _no_indicator(indicator_id: str, url: str) -> DataError:
    return DataError(f"Fingertips has no indicator {indicator_id}.", file=url,
                     expected="the id of a live Fingertips indicator (a number such as 90366)", hint=_SEARCH_HINT)


# --- fetching ---------------------------------------------------------------------------------------------------
@dataclass
class _Run:
    root: Path
    client: FingertipsClient
    force: bool
    manifest: dict

    def save_manifest(self) -> None:
        self.manifest["generated_at"] = _now()
        self.manifest["files"] = dict(sorted(self.manifest.setdefault("files", {}).items()))
        data = (json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        _write_atomic(self.root / MANIFEST, data)

    def file(self, rel: str, url: str, indicator_id: str, check: Callable[[Path], int],
             missing: DataError | None = None) -> tuple[str, int, int]:
        """Fetch ``url`` into ``rel`` unless unchanged; returns (status, rows, bytes). HTTP 404 raises ``missing``
        (default: "Fingertips has no indicator ...")."""
        target = self.root / rel
        files = self.manifest.setdefault("files", {})
        rec = files.get(rel) or {}
        current = (not self.force and target.is_file() and rec.get("source_url") == url
                   and rec.get("sha256") == sha256_file(target))
        headers = {h: rec[k] for k, h in (("etag", "If-None-Match"), ("last_modified", "If-Modified-Since"))
                   if current and rec.get(k)}
        if current and not headers:  # no validators: the recorded URL and checksum say the file is current
            return "unchanged", int(rec.get("rows") or 0), int(rec.get("size") or 0)
        try:
            resp = self.client.get(url, headers)
        except NotFound:
            raise (missing or _no_indicator(indicator_id, url)) from None
        if resp.status == 304:
            return "unchanged", int(rec.get("rows") or 0), int(rec.get("size") or 0)
        tmp = _temp_beside(target, resp.body)
        try:
            rows = check(tmp)
            digest = sha256_file(tmp)
            old = sha256_file(target) if target.is_file() else None
            status = "downloaded" if old is None else "unchanged" if digest == old else "updated"
            if status != "unchanged":
                os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        validators = {k: v for k, h in (("etag", "ETag"), ("last_modified", "Last-Modified"))
                      if (v := resp.headers.get(h))}
        if status == "unchanged" and rec.get("sha256") == digest and rec.get("source_url") == url and all(
                rec.get(k) == v for k, v in validators.items()):
            return status, int(rec.get("rows") or rows), len(resp.body)  # same bytes: the record stands as it is
        files[rel] = {"dataset": f"fingertips_{indicator_id}", "path": rel, "sha256": digest, "size": len(resp.body),
                      "publisher": PUBLISHER, "licence": LICENCE, "source_url": url, "rows": rows,
                      **validators, "retrieved_at": _now()}
        self.save_manifest()
        return status, rows, len(resp.body)


def _temp_beside(target: Path, data: bytes) -> Path:
    """``data`` in a new temporary file in the target's folder (so ``os.replace`` onto the target is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".fingertips-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = _temp_beside(target, data)
    try:
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _size(n: int) -> str:
    return f"{max(1, round(n / 1024)):,} KB"


def fetch_fingertips(indicators: Iterable[str | int] = (), profiles: Iterable[str] = (),
                     area_types: Iterable[str | int] = ("utla",), data_root: str | os.PathLike | None = None, *,
                     force: bool = False, client: FingertipsClient | None = None,
                     echo: Callable[[str], None] = print) -> list[dict]:
    """Fetch indicators (by id and/or every indicator of ``profiles``) into ``data_root``; see the module doc.

    Returns one result per data file: ``{"indicator", "area_type_id", "path", "status" ("downloaded", "updated",
    "unchanged"), "rows", "size"}``. Raises a DataError at the first failure; files finished before it are kept
    (and recorded), the failing one is left as it was.
    """
    client = client or FingertipsClient(base_url=os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
    ids = [str(i).strip() for i in indicators]
    bad = [i for i in ids if not i.isdigit()]
    if bad:
        raise DataError(f"Fingertips indicator ids are numbers; got {bad[0]!r}.", expected="e.g. --indicator 90366",
                        hint=_SEARCH_HINT)
    for profile in profiles:
        found = profile_indicator_ids(client, str(profile).strip())
        echo(f"profile {profile}: {len(found)} indicators")
        ids += found
    ids = list(dict.fromkeys(ids))
    types = list(dict.fromkeys(area_type_id(a) for a in area_types)) or [(AREA_TYPES["utla"], "utla")]
    if not ids:
        raise DataError("No Fingertips indicators to fetch.", expected="--indicator ID and/or --profile KEY",
                        hint="e.g. thanalysis data fingertips --indicator 90366")
    root = resolve_data_root(data_root)
    root.mkdir(parents=True, exist_ok=True)
    run = _Run(root, client, force, read_manifest(root))
    total, step, results = len(ids) * len(types), 0, []
    for ind in ids:
        meta_url = client.url("indicator_metadata/by_indicator_id", {"indicator_ids": ind})
        status, _, size = run.file(f"{API_DIR}/metadata/{ind}.json", meta_url, ind,
                                   lambda p, i=ind, u=meta_url: _check_metadata_json(p, i, u))
        csv_url = client.url("indicator_metadata/csv/by_indicator_id", {"indicator_ids": ind})
        status2, _, size2 = run.file(f"{API_DIR}/metadata/{ind}.csv", csv_url, ind,
                                     lambda p, i=ind, u=csv_url: _check_metadata_csv(p, i, u))
        meta = "unchanged" if status == status2 == "unchanged" else f"downloaded, {_size(size + size2)}"
        echo(f"[{step + 1}/{total}] {ind} metadata: {meta}")
        for type_id, label in types:
            step += 1
            rel = f"{API_DIR}/{ind}_{type_id}.csv"
            url = client.url("all_data/csv/by_indicator_id", {"indicator_ids": ind, "child_area_type_id": type_id,
                                                              "parent_area_type_id": PARENT_AREA_TYPE})
            missing = DataError(f"Fingertips has no data for indicator {ind} at area type {type_id} ({label}).",
                                file=url, expected="an area type the indicator is published for", hint=_AREA_HINT)
            status, rows, size = run.file(rel, url, ind, lambda p, i=ind, r=rel: check_export(p, i, name=r), missing)
            detail = f"unchanged ({rows:,} rows)" if status == "unchanged" else f"{status} {rows:,} rows, {_size(size)}"
            echo(f"[{step}/{total}] {ind} ({label}): {detail}")
            results.append({"indicator": ind, "area_type_id": type_id, "path": rel, "status": status,
                            "rows": rows, "size": size})
    return results


def main(args: argparse.Namespace) -> int:
    """CLI entry (``thanalysis data fingertips``)."""
    base = args.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    client = FingertipsClient(base_url=base, timeout=float(args.timeout or 60.0))
    results = fetch_fingertips(args.indicator or [], args.profile or [], args.area_type or ["utla"], args.data_root,
                               force=args.force, client=client)
    changed = sum(r["status"] != "unchanged" for r in results)
    print(f"{changed} file(s) downloaded, {len(results) - changed} unchanged; provenance in {MANIFEST}")
    return 0


__all__ = ["fetch_fingertips", "profile_indicator_ids", "check_export", "FingertipsClient", "area_type_id", "main",
           "AREA_TYPES", "DEFAULT_BASE_URL", "BASE_URL_ENV"]
