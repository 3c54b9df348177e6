"""Checksums of input files, computed once per file version instead of once per report.

The incremental check compares every input a report recorded with the file on disk. In a London-wide build
66 reports read the same ~40 MB of source files, so hashing them per report costs about 0.3 s a report
(20 s for a rebuild in which nothing changed); a file whose size and modification time are unchanged is
hashed once. ``FileHashes.sha256`` is a drop-in for :func:`thanalysis.data.store.sha256_file`; the build
keeps one per run (to be handed to ``manifest.reuse_check`` for the inputs and outputs it compares).

The cache can be saved as a small JSON file (keys are paths relative to a base folder, so it names no local
folder). A file rewritten within the same nanosecond tick with the same size would be missed; the
modification time is the same test ``make`` and ``rsync`` rely on.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from thanalysis.data.store import sha256_file

CACHE_VERSION = 1


class FileHashes:
    """``(path, size, mtime_ns) → sha256``, in memory and optionally in a JSON file."""

    def __init__(self, cache_file: str | os.PathLike | None = None, base: str | os.PathLike | None = None):
        self.cache_file = Path(cache_file) if cache_file else None
        self.base = Path(base).resolve() if base else None
        self._known: dict[str, tuple[int, int, str]] = {}
        self.hashed = 0  # files actually read (for tests and benchmarks)
        if self.cache_file and self.cache_file.is_file():
            try:
                raw = json.loads(self.cache_file.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                raw = {}
            if isinstance(raw, dict) and raw.get("version") == CACHE_VERSION and isinstance(raw.get("files"), dict):
                for key, item in raw["files"].items():
                    if isinstance(item, list) and len(item) == 3:
                        self._known[key] = (int(item[0]), int(item[1]), str(item[2]))

    def _key(self, path: Path) -> str:
        resolved = path.resolve()
        if self.base is not None:
            try:
                return resolved.relative_to(self.base).as_posix()
            except ValueError:
                pass
        return resolved.as_posix()

    def sha256(self, path: str | os.PathLike) -> str:
        """The file's sha256, read from disk only when its size or modification time changed."""
        path = Path(path)
        st = path.stat()
        key = self._key(path)
        known = self._known.get(key)
        if known and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            return known[2]
        digest = sha256_file(path)
        self.hashed += 1
        self._known[key] = (st.st_size, st.st_mtime_ns, digest)
        return digest

    def save(self) -> None:
        """Write the cache (only entries under ``base``, so the file names no local folder)."""
        if not self.cache_file:
            return
        files = {k: list(v) for k, v in sorted(self._known.items()) if not k.startswith("/")}
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_file.with_suffix(self.cache_file.suffix + ".tmp")
        tmp.write_text(json.dumps({"version": CACHE_VERSION, "files": files}, indent=0) + "\n", encoding="utf-8")
        tmp.replace(self.cache_file)
