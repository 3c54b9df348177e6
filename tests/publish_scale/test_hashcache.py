"""The cached file checksums: same answers as hashlib, each file version read once, a changed file read again."""
from __future__ import annotations

import hashlib
import json
import os

from thanalysis.publish.hashcache import FileHashes


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_file_version_is_hashed_once_and_a_change_is_seen(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"x,y\n1,2\n" * 1000)
    b.write_bytes(b"other\n")
    hashes = FileHashes()
    for _ in range(3):
        assert hashes.sha256(a) == _sha(a) and hashes.sha256(b) == _sha(b)
    assert hashes.hashed == 2
    # same size, new content and modification time: read again
    a.write_bytes(b"x,y\n1,3\n" * 1000)
    st = a.stat()
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert hashes.sha256(a) == _sha(a) and hashes.hashed == 3


def test_saved_cache_is_relative_and_reused(tmp_path):
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    f = root / "sub" / "big.csv"
    f.write_bytes(b"1,2,3\n" * 5000)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not under the base")
    cache = tmp_path / "site" / "hashes.json"
    first = FileHashes(cache, base=root)
    first.sha256(f)
    first.sha256(outside)
    first.save()
    saved = json.loads(cache.read_text())
    assert list(saved["files"]) == ["sub/big.csv"]  # relative; the file outside the base is not written
    assert str(tmp_path) not in cache.read_text()
    second = FileHashes(cache, base=root)
    assert second.sha256(f) == _sha(f) and second.hashed == 0
    # a damaged cache file is ignored, not an error
    cache.write_text("{not json")
    third = FileHashes(cache, base=root)
    assert third.sha256(f) == _sha(f) and third.hashed == 1
