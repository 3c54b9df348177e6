"""The manifest's parts a build relies on: the library fingerprint, the reuse check's reasons, and what a kernel
printed, taken out of the executed notebook before it is rendered."""
from __future__ import annotations

import hashlib

import nbformat

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


def test_reuse_check_compares_the_extracts_folder_and_the_kernels_code(tmp_path):
    prev = {"notebook": {"sha256": "n"}, "parameters": {}, "data": {"kind": "demo", "root": None}, "inputs": [],
            "packages": {"thanalysis": "0.1.0"}, "library_sha256": "L", "outputs": [],
            "extracts": {"folder": "extracts", "files": [{"name": "a.csv", "bytes": 3, "sha256": "A"}]},
            "kernel_code": {"path": "thanalysis", "library_sha256": "L"}}
    now = dict(notebook_sha256="n", parameters={}, data={"kind": "demo", "root": None}, data_root=tmp_path,
               packages={"thanalysis": "0.1.0"}, library_sha256="L",
               extracts={"folder": "extracts", "files": [{"name": "a.csv", "bytes": 3, "sha256": "A"}]},
               kernel_code={"path": "thanalysis", "library_sha256": "L"})
    check = lambda **kw: manifest.reuse_check(prev, tmp_path, **{**now, **kw})  # noqa: E731
    assert check() == (True, "unchanged: notebook, parameters, 0 inputs, extracts folder (1 file), thanalysis 0.1.0")
    files = now["extracts"]["files"]
    assert check(extracts={"folder": "extracts", "files": [*files, {"name": "b.csv", "sha256": "B"},
                                                           {"name": "c.csv", "sha256": "C"}]}) == (
        False, "new extract b.csv (and 1 more)")
    assert check(extracts={"folder": "extracts", "files": []}) == (False, "extract removed: a.csv")
    assert check(extracts={"folder": "extracts", "files": [{"name": "a.csv", "sha256": "A2"}]}) == (
        False, "extract changed: a.csv")
    assert check(extracts=None)[0]  # a report that cannot read extracts does not compare them
    assert check(kernel_code={"path": "../main/thanalysis", "library_sha256": "L"}) == (
        False, "the kernels now import thanalysis from ../main/thanalysis (was thanalysis)")
    assert check(kernel_code={"path": "thanalysis", "library_sha256": "M"}) == (
        False, "library code changed (in thanalysis, imported by the kernels)")
    del prev["extracts"]
    assert check() == (False, "the extracts folder was not recorded by the last build")


def test_strip_stray_output_takes_streams_and_warnings_and_keeps_the_rest():
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell("n = 2")
    injected.metadata["tags"] = ["injected-parameters"]
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="database. History logging moved to new session 4\n"),
        nbformat.v4.new_output("stream", name="stderr", text=["x.py:3: FutureWarning: old\n", "  y = f()\n"]),
        nbformat.v4.new_output("display_data", data={"text/plain": "DeprecationWarning('soon')"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>Warning: a word in a table</p>",
                                                     "text/plain": "Warning: a word"}),
        nbformat.v4.new_output("stream", name="stdout", text="   \n"),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), injected, cell]
    stray = manifest.strip_stray_output(nb)
    assert stray == [
        {"cell": 2, "kind": "stdout", "text": "database. History logging moved to new session 4\n"},
        {"cell": 2, "kind": "stderr", "text": "x.py:3: FutureWarning: old\n  y = f()\n"},
        {"cell": 2, "kind": "warning", "text": "DeprecationWarning('soon')"},
    ]
    assert [o.get("data", {}).get("text/plain") for o in cell.outputs] == ["42", "Warning: a word"]
    long = nbformat.v4.new_code_cell("y")
    long.outputs = [nbformat.v4.new_output("stream", name="stdout", text="z" * 5000)]
    nb.cells = [long]
    assert len(manifest.strip_stray_output(nb)[0]["text"]) == manifest.STRAY_TEXT_LIMIT + len("\n[...]")
