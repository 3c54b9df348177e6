"""``thanalysis build --pdf``: each report's page printed to ``<report>/report.pdf`` by headless Chromium.

Board and committee papers are PDFs. The PDF is the report page as Chromium prints it, with the page's print
styles (``templates/report.css``): A4, maps as their static pictures (:mod:`thanalysis.figures.static_maps`),
no chart, figure, table row or table header cut by a page break, no browser header or footer (which would show
the local file path), page numbers from the page's own ``@page`` rules.

It needs a Chromium (or Chrome) binary and nothing else: ``$THANALYSIS_CHROMIUM``, else ``chromium``,
``chromium-browser`` or ``google-chrome`` on the PATH. Without one, ``--pdf`` stops before the build starts with
a :class:`~thanalysis.errors.BuildError` saying how to get one. Printing loads only the local page: it runs
offline, in a throw-away browser profile.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

from thanalysis.errors import BuildError

#: Environment variable naming the Chromium binary (also used by the browser tests).
CHROMIUM_ENV = "THANALYSIS_CHROMIUM"
PDF_NAME = "report.pdf"
#: Seconds Chromium may take to print one report.
PRINT_TIMEOUT = 180
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = ["--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-sync",
          "--disable-background-networking", "--disable-component-update", "--disable-extensions",
          "--no-pdf-header-footer", "--hide-scrollbars", "--run-all-compositor-stages-before-draw"]
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def find_chromium() -> Path:
    """The Chromium binary ``--pdf`` prints with; :class:`BuildError` (saying how to get one) if there is none."""
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise BuildError(f"${CHROMIUM_ENV} is {named!r}, which is not an executable file. --pdf prints each report "
                         f"with headless Chromium: set ${CHROMIUM_ENV} to the chromium (or chrome) binary, or "
                         "unset it to use the one on the PATH.")
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise BuildError(f"--pdf prints each report with headless Chromium, and none was found (looked for "
                     f"${CHROMIUM_ENV} and {', '.join(_CANDIDATES)} on the PATH). Install it (Debian/Ubuntu: "
                     f"apt-get install chromium) or set ${CHROMIUM_ENV}=/path/to/chromium; or build without --pdf.")


def pdf_pages(path: str | os.PathLike) -> int:
    """How many pages the PDF at ``path`` has (its page objects; 0 if it is not a PDF)."""
    data = Path(path).read_bytes()
    return len(_PAGE.findall(data)) if data.startswith(b"%PDF-") else 0


def print_pdf(html_file: str | os.PathLike, pdf_file: str | os.PathLike, *, chromium: str | os.PathLike | None = None,
              timeout: int = PRINT_TIMEOUT) -> int:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium; return the number of pages.

    The PDF is written beside its final name and renamed into place, so a failed print leaves no broken file.
    """
    html_file, pdf_file = Path(html_file).resolve(), Path(pdf_file)
    binary = str(chromium or find_chromium())
    flags = list(_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to start its sandbox as root (containers, CI)
    partial = pdf_file.with_name(f".{pdf_file.name}.partial")
    with tempfile.TemporaryDirectory(prefix="thanalysis-pdf-") as profile:
        command = [binary, *flags, f"--user-data-dir={profile}", f"--print-to-pdf={partial}", html_file.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            partial.unlink(missing_ok=True)
            raise BuildError(f"Chromium took more than {timeout} s to print {html_file.parent.name}/{html_file.name}"
                             " to PDF; try again, or build without --pdf.") from None
        except OSError as exc:
            raise BuildError(f"Could not start Chromium ({binary}) to print the PDFs: {exc}. Set ${CHROMIUM_ENV} to "
                             "a working chromium binary, or build without --pdf.") from None
    pages = pdf_pages(partial) if partial.is_file() else 0
    if done.returncode != 0 or pages == 0:
        partial.unlink(missing_ok=True)
        said = "\n    ".join(line for line in (done.stderr or "").splitlines()[-5:] if line.strip())
        raise BuildError(f"Chromium ({binary}) did not print {html_file.parent.name}/{html_file.name} to PDF "
                         f"(exit code {done.returncode}).\n    {said}\nCheck that ${CHROMIUM_ENV} names a working "
                         "chromium, or build without --pdf.")
    os.replace(partial, pdf_file)
    return pages


def write_pdfs(site_dir: str | os.PathLike, reports: Iterable, *, chromium: str | os.PathLike | None = None,
               log: Callable[[str], None] | None = print, jobs: int = 2) -> list[Path]:
    """Write ``<report>/report.pdf`` for every report of the built site ``site_dir`` that has a page.

    ``reports``: report names, or the build's results (anything with a ``name``). A PDF newer than its page is
    kept (an unchanged report is not printed again). ``jobs`` reports print at once. Returns the PDFs written,
    in the order of ``reports``; the first failure is raised once the others have finished.
    """
    site_dir = Path(site_dir)
    binary = chromium or find_chromium()
    todo = []
    for report in reports:
        name = str(getattr(report, "name", report))
        page, pdf = site_dir / name / "index.html", site_dir / name / PDF_NAME
        if page.is_file() and not (pdf.is_file() and pdf.stat().st_mtime >= page.stat().st_mtime):
            todo.append((name, page, pdf))
    written = []
    # two browsers at a time: each waits on its own start-up and layout
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
        printing = [pool.submit(print_pdf, page, pdf, chromium=binary) for _, page, pdf in todo]
        for (name, _, pdf), job in zip(todo, printing):
            pages = job.result()
            written.append(pdf)
            if log is not None:
                log(f"pdf: {name}/{PDF_NAME} ({pages} page{'s' if pages != 1 else ''})")
    return written


__all__ = ["CHROMIUM_ENV", "PDF_NAME", "find_chromium", "pdf_pages", "print_pdf", "write_pdfs"]
