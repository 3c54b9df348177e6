"""The manifest's parts a build relies on: the library fingerprint and the reuse check's reasons."""
from __future__ import annotations

import hashlib

from thanalysis.publish import manifest


def test_library_fingerprint_sees_an_edit(tmp_path):
    pkg, data = tmp_path / "pkg", tmp_path / "data"
    (pkg / "sub").mkdir(parents=True)
    (data / "cache").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.yml").write_text("k: v\n")
    (data / "priorities.yml").write_text("p: 1\n")
    first = manifest.library_fingerprint(pkg, data)
    (data / "cache" / "big.csv").write_text("downloaded data is not code\n")
    (pkg / "notes.bin").write_bytes(b"\0")
    assert manifest.library_fingerprint(pkg, data) == first
    (pkg / "sub" / "b.yml").write_text("k: w\n")
    second = manifest.library_fingerprint(pkg, data)
    assert second != first
    (data / "priorities.yml").write_text("p: 2\n")
    assert manifest.library_fingerprint(pkg, data) not in {first, second}


def test_reuse_check_reasons(tmp_path):
    (tmp_path / "in.csv").write_text("a\n1\n")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "index.html").write_text("<html></html>")
    sha_in = hashlib.sha256(b"a\n1\n").hexdigest()
    prev = {"notebook": {"sha256": "n1"}, "parameters": {"a": 1}, "data": {"kind": "demo", "root": None},
            "inputs": [{"path": "in.csv", "sha256": sha_in}], "packages": {"thanalysis": "0.1.0", "pandas": "2.3"},
            "library_sha256": "L", "outputs": [{"path": "index.html",
                                                 "sha256": hashlib.sha256(b"<html></html>").hexdigest()}]}
    now = dict(notebook_sha256="n1", parameters={"a": 1}, data={"kind": "demo", "root": None}, data_root=tmp_path,
               packages={"thanalysis": "0.1.0", "pandas": "2.3"}, library_sha256="L")
    check = lambda **kw: manifest.reuse_check(prev, tmp_path / "report", **{**now, **kw})  # noqa: E731
    assert check() == (True, "unchanged: notebook, parameters, 1 input, thanalysis 0.1.0")
    assert check(notebook_sha256="n2") == (False, "notebook changed")
    assert check(parameters={"a": 2}) == (False, "parameters changed")
    assert check(packages={"thanalysis": "0.2.0", "pandas": "2.3"}) == (False, "thanalysis 0.1.0 → 0.2.0")
    assert check(data={"kind": "real", "root": None})[1].startswith("data changed")
    (tmp_path / "report" / "index.html").write_text("edited by hand")
    assert check() == (False, "output index.html is missing or was edited")
    assert manifest.reuse_check(None, tmp_path, **now) == (False, "no previous build")
