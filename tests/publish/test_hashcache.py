"""The cached file checksums: same answers as hashlib, each file version read once, a changed file read again."""
from __future__ import annotations

import hashlib
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

