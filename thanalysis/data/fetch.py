"""``thanalysis data fetch``: fill a data root with the catalogue's files and record where each came from.

Two ways in:
- online: each dataset's ``download`` address from ``data/sources.yml`` (a file, or a zip and the member to
  take from it), fetched with urllib. Datasets whose publisher offers only a web page (no stable file address)
  are listed as "manual" with the page to download from.
- air-gapped: ``--from DIR`` copies the same relative paths from a local mirror (e.g. a shared drive copy of
  ``shared/data/open``).

Either way ``provenance.json`` in the data root lists every file with its SHA-256, size, where it came from
(the official URL, or the path inside the mirror, never an absolute local path) and when (UTC).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from thanalysis.config import resolve_data_root
from thanalysis.data.catalogue import Catalogue, Dataset, load_catalogue
from thanalysis.data.store import sha256_file
from thanalysis.errors import DataError

MANIFEST = "provenance.json"
USER_AGENT = "thanalysis-data-fetch (+https://github.com/; public-health analysis)"


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _rebase(url: str, base_url: str | None) -> str:
    """The same path and query on another host (tests serve fixture files from a loopback server)."""
    if not base_url:
        return url
    parts = urllib.parse.urlsplit(url)
    base = urllib.parse.urlsplit(base_url.rstrip("/"))
    return urllib.parse.urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))


def _download(url: str, timeout: float) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - addresses come from the catalogue
            return resp.read()
    except urllib.error.HTTPError as exc:
        raise DataError(f"The download failed with HTTP {exc.code} {exc.reason}.", file=url,
                        expected="the file at the address in data/sources.yml",
                        hint="the publisher may have moved it: check the dataset's page and update download:") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DataError(f"The download failed: {getattr(exc, 'reason', exc)}.", file=url,
                        expected="network access to the publisher",
                        hint="on a network without internet access use `thanalysis data fetch --from MIRROR_DIR`") from None


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _from_zip(payload: bytes, ds: Dataset, url: str) -> dict[str, bytes]:
    """The dataset's files taken out of a downloaded zip (main file = archive_member; companions beside it)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile:
        raise DataError("The download is not a zip archive.", file=url,
                        expected=f"a zip holding {ds.archive_member}") from None
    names = {PurePosixPath(n).name: n for n in zf.namelist()}
    out: dict[str, bytes] = {}
    wanted = [(ds.file, ds.archive_member)] + [
        (f, PurePosixPath(f).name) for f in ds.files[1:]]
    for rel, member in wanted:
        name = member if member in zf.namelist() else names.get(PurePosixPath(member).name)
        if name is None:
            raise DataError(f"The zip does not contain {member}.", file=url,
                            expected=f"a member called {member}", values=sorted(names)[:10])
        out[rel] = zf.read(name)
    return out


def _record(root: Path, rel: str, ds: Dataset, source: dict) -> dict:
    path = root.joinpath(rel)
    return {"dataset": ds.id, "path": rel, "sha256": sha256_file(path), "size": path.stat().st_size,
            "publisher": ds.publisher, "licence": ds.licence, **source, "retrieved_at": _now()}


def read_manifest(root: str | os.PathLike) -> dict:
    path = Path(root) / MANIFEST
    if not path.exists():
        return {"files": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"The provenance manifest is not valid JSON: {exc}", file=str(path),
                        expected="the provenance.json written by `thanalysis data fetch`") from None


def fetch(data_root: str | os.PathLike | None = None, source_dir: str | os.PathLike | None = None,
          base_url: str | None = None, only: list[str] | None = None, *, catalogue: Catalogue | None = None,
          timeout: float = 120.0) -> list[dict]:
    """Fill ``data_root`` from the official addresses (or copy from ``source_dir``) and update provenance.json.

    Returns one result per dataset: ``{"dataset", "status" ("copied", "downloaded", "manual", "failed"),
    "files", "message"}``. ``only`` limits the run to those dataset ids.
    """
    cat = catalogue or load_catalogue()
    root = resolve_data_root(data_root)
    root.mkdir(parents=True, exist_ok=True)
    selected = [cat[i] for i in only] if only else list(cat)
    mirror = Path(source_dir).resolve() if source_dir else None
    if mirror is not None and not mirror.is_dir():
        raise DataError("The mirror folder does not exist.", file=str(source_dir),
                        expected="a folder laid out like the data root (e.g. shared/data/open)")
    manifest = read_manifest(root)
    files = manifest.setdefault("files", {})
    results = []
    for ds in selected:
        try:
            if ds.is_on_demand:
                results.append({"dataset": ds.id, "status": "manual", "files": ds.files,
                                "message": "fetched on demand: thanalysis data fingertips --indicator ID"})
                continue
            if mirror is not None:
                missing = [rel for rel in ds.files if not mirror.joinpath(rel).is_file()]
                if missing:
                    raise DataError("The mirror lacks this dataset's file(s).", file=missing[0],
                                    expected=f"{', '.join(ds.files)} under the mirror folder")
                for rel in ds.files:
                    target = root.joinpath(rel)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if mirror.joinpath(rel).resolve() != target.resolve():
                        shutil.copy2(mirror.joinpath(rel), target)
                    files[rel] = _record(root, rel, ds, {"mirror_path": rel, "source_url": ds.download or ds.url})
                results.append({"dataset": ds.id, "status": "copied", "files": ds.files, "message": ""})
                continue
            if not ds.download:
                results.append({"dataset": ds.id, "status": "manual", "files": ds.files,
                                "message": f"no direct file address: download from {ds.url} and save as {ds.file}"})
                continue
            url = _rebase(ds.download, base_url)
            payload = _download(url, timeout)
            if ds.archive_member:
                contents = _from_zip(payload, ds, url)
            else:
                if ds.companions:
                    raise DataError("A multi-file dataset needs a zip download (archive_member).", file=ds.file,
                                    expected="download: <zip address> and archive_member: <main file>")
                contents = {ds.file: payload}
            for rel, data in contents.items():
                _write_atomic(root.joinpath(rel), data)
                files[rel] = _record(root, rel, ds, {"source_url": ds.download})
            results.append({"dataset": ds.id, "status": "downloaded", "files": list(contents), "message": ""})
        except DataError as exc:
            results.append({"dataset": ds.id, "status": "failed", "files": ds.files,
                            "message": str(exc).splitlines()[0] + (f" ({exc.file})" if exc.file else "")})
    manifest["generated_at"] = _now()
    manifest["catalogue"] = "data/sources.yml"
    manifest["files"] = dict(sorted(files.items()))
    _write_atomic(root / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return results


def _print_results(results: list[dict], root: Path) -> None:
    width = max([len(r["dataset"]) for r in results] + [7])
    print(f"{'dataset':<{width}}  {'status':<10}  note")
    for r in results:
        print(f"{r['dataset']:<{width}}  {r['status']:<10}  {r['message']}")
    counts = {s: sum(r["status"] == s for r in results) for s in ("downloaded", "copied", "manual", "failed")}
    print(f"\n{counts['downloaded']} downloaded, {counts['copied']} copied, {counts['manual']} need a manual "
          f"download, {counts['failed']} failed; provenance written to {root.name}/{MANIFEST}")


def main(args: argparse.Namespace) -> int:
    """CLI entry (``thanalysis data fetch``): non-zero exit if any dataset failed."""
    root = resolve_data_root(getattr(args, "data_root", None))
    results = fetch(root, source_dir=getattr(args, "source_dir", None), base_url=getattr(args, "base_url", None),
                    only=getattr(args, "only", None))
    _print_results(results, root)
    return 1 if any(r["status"] == "failed" for r in results) else 0


__all__ = ["fetch", "main", "read_manifest", "MANIFEST"]
