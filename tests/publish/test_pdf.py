"""``thanalysis build --pdf`` (thanalysis.publish.pdf): a report page printed by headless Chromium to an A4 PDF
holding every chart and map (as tagged figures with their text alternatives), no local path, and a clear error
naming $THANALYSIS_CHROMIUM when there is no browser, before any report is built."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import papermill
import pytest

from tests.browser_util import chromium_path
from tests.fixtures_render import build_notebook, provenance  # noqa: F401 (a fixture)
from thanalysis.cli import main as cli_main
from thanalysis.errors import BuildError
from thanalysis.publish import executors, pdf, runner
from thanalysis.publish.html import render_report

from .conftest import nb_rel

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _need_chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = "Chromium not found (install chromium or set $THANALYSIS_CHROMIUM)"
        if IN_CI:
            pytest.fail(f"CI must run the PDF tests: {reason}")
        pytest.skip(reason)
    return path


def _pdf_string(token: bytes) -> str:
    """A PDF string object ``(literal)`` or ``<hex>`` as text (UTF-16 with a byte-order mark, else Latin-1)."""
    if token.startswith(b"<"):
        raw = bytes.fromhex(re.sub(rb"\s", b"", token[1:-1]).decode("ascii"))
    else:
        raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                     else _ESCAPES.get(m.group(1), m.group(1)), token[1:-1], flags=re.S)
    return raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")


def pdf_alt_texts(path: Path) -> list[str]:
    """The text alternatives of the figures in a tagged PDF (``/Alt`` of its structure elements)."""
    data = Path(path).read_bytes()
    return [_pdf_string(m.group(1)) for m in re.finditer(rb"/Alt\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)", data,
                                                           flags=re.S)]


def pdfinfo_pages(path: Path) -> int | None:
    """Pages as poppler's pdfinfo counts them, when it is installed."""
    if shutil.which("pdfinfo") is None:
        return None
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, flags=re.M).group(1))


@pytest.fixture
def page(tmp_path, provenance):
    """A rendered report page with a chart, a table and a map."""
    out = tmp_path / "site" / "borough" / "index.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test notebook's accessibility notes are test_html's business
        render_report(build_notebook(), out, provenance=provenance)
    return out


def test_report_prints_to_an_a4_pdf_with_every_chart_and_map(page, tmp_path):
    chromium = _need_chromium()
    target = page.parent / pdf.PDF_NAME
    pages = pdf.print_pdf(page, target, chromium=chromium)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000
    assert pages > 0 and pages == pdf.pdf_pages(target)
    if pdfinfo_pages(target) is not None:
        assert pdfinfo_pages(target) == pages
    # A4 portrait (595 x 842 points), from the page's own print styles
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
    # the chart and the map are in it, as figures with their text alternatives (the map as its printed
    # picture: the interactive frame does not print)
    alts = pdf_alt_texts(target)
    assert "Line rising from 1 to 3 between 2019 and 2021" in alts
    assert "Rate per 1,000 by area" in alts
    # no local path (Chromium's own header and footer, which show the file's address, are off)
    assert str(tmp_path).encode() not in data and b"file://" not in data
    assert not list(page.parent.glob(".*partial"))


def test_write_pdfs_prints_each_page_once(page, tmp_path):
    chromium = _need_chromium()
    site = page.parent.parent
    (site / "no-page").mkdir()
    said = []
    written = pdf.write_pdfs(site, ["borough", "no-page"], chromium=chromium, log=said.append)
    assert written == [page.parent / pdf.PDF_NAME] and said == [f"pdf: borough/{pdf.PDF_NAME} ({pdf.pdf_pages(written[0])} "
                                                              f"page{'s' if pdf.pdf_pages(written[0]) != 1 else ''})"]
    # an unchanged page is not printed again; a newer page is
    assert pdf.write_pdfs(site, ["borough"], chromium=chromium, log=None) == []
    os.utime(page, (page.stat().st_atime, written[0].stat().st_mtime + 5))
    assert pdf.write_pdfs(site, ["borough"], chromium=chromium, log=None) == written


def test_no_chromium_is_a_clear_error_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    with pytest.raises(BuildError, match=r"\$THANALYSIS_CHROMIUM is .*no-such-chromium.*not an executable"):
        pdf.find_chromium()
    monkeypatch.delenv(pdf.CHROMIUM_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError) as err:
        pdf.find_chromium()
    assert "THANALYSIS_CHROMIUM" in str(err.value) and "apt-get install chromium" in str(err.value)


def test_a_browser_that_fails_leaves_no_pdf_and_says_why(page, tmp_path):
    fake = tmp_path / "broken-chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display: sandbox says no' >&2\nexit 3\n")
    fake.chmod(0o755)
    target = page.parent / pdf.PDF_NAME
    with pytest.raises(BuildError) as err:
        pdf.print_pdf(page, target, chromium=fake)
    assert "exit code 3" in str(err.value) and "sandbox says no" in str(err.value)
    assert not target.exists() and not list(page.parent.glob(".*partial"))


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


def test_build_pdf_without_chromium_stops_before_any_kernel(monkeypatch, write_plan, tmp_path, fake_store,
                                                            fallback_renderer, capsys):
    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    monkeypatch.setattr(executors, "run_job", _no_kernel)
    monkeypatch.setattr(runner, "run_job", _no_kernel)
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "missing"))
    site = tmp_path / "site"
    code = cli_main(["build", "--plan", str(write_plan([{"name": "ok", "notebook": nb_rel("ok")}])),
                     "--out", str(site), "--no-progress", "--pdf"])
    assert code == 2 and "THANALYSIS_CHROMIUM" in capsys.readouterr().err
    assert not site.exists()


@pytest.mark.slow
def test_build_pdf_writes_a_pdf_per_report(monkeypatch, write_plan, tmp_path, fake_store, fallback_renderer,
                                           fixed_library, capsys):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, _need_chromium())
    site = tmp_path / "site"
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}, {"name": "t", "notebook": nb_rel("table"),
                                                                    "parameters": {"factor": 2}}])
    assert cli_main(["build", "--plan", str(plan), "--out", str(site), "--no-progress", "--pdf", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    for name in ("ok", "t"):
        assert pdf.pdf_pages(site / name / pdf.PDF_NAME) > 0
        assert f"pdf: {name}/{pdf.PDF_NAME}" in out
    assert not (site / pdf.PDF_NAME).exists()  # the site index is not a report
