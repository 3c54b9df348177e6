"""Turn an executed notebook into ONE self-contained, accessible HTML page.

What the reader gets: the narrative and the outputs (tables, charts, maps), never the code, prompts, stderr,
warnings or tracebacks; a title (the notebook's first H1), the build date, a contents list from the H2
headings, and a closing Provenance section (data statement, sources with checksums, parameters, package
version, git commit, build time, notebook).

What the page never does: load anything from the network at view time (no CDN scripts, stylesheets, MathJax,
require.js, tiles), or show an absolute local path, a user's home folder or an obvious secret. Both are
checked on the finished page and a build that breaks them fails with :class:`~thanalysis.errors.BuildError`.

Accessibility (WCAG 2.1 AA): ``lang="en"``, one ``h1``, headings in order (skipped levels are closed up and
reported), header/nav/main/footer landmarks, a skip link, alt text on every image (a descriptive fallback plus
an :class:`AccessibilityWarning` when a notebook forgot one), table captions and header scopes, tables that scroll
sideways in a focusable region named by their caption, titled iframes, visible focus.

Print (board papers are PDFs): maps print as their static picture in place of the interactive frame, and
figures, table rows and table headers are not cut by a page break (the print styles in ``report.css``;
:mod:`thanalysis.publish.pdf` writes the PDF). The same notebook and provenance always give the same bytes.
Its Content-Security-Policy lets only its own scripts run (:mod:`thanalysis.publish.csp`).
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import html as _html
import os
import re
import tempfile
import warnings
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import mistune
from bs4 import BeautifulSoup, Comment
from jinja2 import Environment
from markupsafe import Markup

from thanalysis.config import DATA_ROOT_ENV, OUTPUT_DIR_ENV, project_root
from thanalysis.errors import BuildError
from thanalysis.figures.leaflet import external_resources, leaflet_host_html, share_leaflet
from thanalysis.publish.csp import content_security_policy

REQUIRED_PROVENANCE = ("data_statement", "sources", "parameters", "package_version", "git_commit", "built_at", "notebook")
#: Output tags that mean "do not publish this cell's output" (Jupyter Book / nbconvert conventions).
HIDE_OUTPUT_TAGS = {"remove-output", "remove_output", "hide-output", "remove-cell", "remove_cell"}
#: MIME types we publish, best first.
MIME_ORDER = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain")
#: Lines that are Python warnings ("file.py:12: FutureWarning: ...", "UserWarning: ...").
_WARNING_LINE = re.compile(r"^\s*(?:\S+:\d+:\s*)?(?:[A-Z]\w*)?Warning\b.*$")
#: Plain-text reprs that carry nothing for a reader (<Figure size ...>, <folium.Map at 0x...>).
_NOISE_REPR = re.compile(r"^\s*<[^<>]*(?:\bat 0x[0-9a-fA-F]+|Figure size [^>]*|object)>\s*$")
_SECRET = re.compile(
    r"(?i)\b(?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)\b"
    r"\s*[:=]\s*['\"]?[A-Za-z0-9_\-/+.]{8,}"
    r"|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[baprs]-[A-Za-z0-9-]{10,}\b"
)
_ABSOLUTE_PATH_VALUE = re.compile(r"^(?:/|~|[A-Za-z]:[\\/]|\\\\)")
#: Stands in the page for its Content-Security-Policy until the finished page's scripts are known.
_CSP_PENDING = "th-content-security-policy-pending"


class AccessibilityWarning(UserWarning):
    """Something in the notebook was not accessible and was fixed up with a fallback (alt text, heading level...)."""


_MARKDOWN = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "footnotes", "url"])


# --------------------------------------------------------------------------------------------------
# notebook → HTML fragment
# --------------------------------------------------------------------------------------------------
def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _strip_warnings(text: str) -> str:
    """Drop Python warning lines (and the indented source line Python prints after them)."""
    kept, after_warning = [], False
    for line in text.splitlines(keepends=True):
        if _WARNING_LINE.match(line):
            after_warning = True
            continue
        if after_warning and line.startswith((" ", "\t")) and line.strip():
            continue
        after_warning = False
        kept.append(line)
    return "".join(kept)


def _raise_on_errors(nb) -> None:
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "error":
                raise BuildError(
                    f"Notebook cell {index + 1} failed ({output.get('ename', 'Error')}: "
                    f"{_text(output.get('evalue', ''))[:300]}). A notebook with errors is not published; "
                    "fix the cell and rebuild (the executed notebook is kept for debugging)."
                )


def _markdown_cell(cell) -> str:
    source = _text(cell.get("source", ""))
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime, data in bundle.items():
            if mime.startswith("image/"):
                source = source.replace(f"attachment:{name}", f"data:{mime};base64,{_text(data).strip()}")
                break
    return _MARKDOWN(source)


def _output_html(output) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stderr":
            return ""
        text = _strip_warnings(_text(output.get("text", "")))
        return f'<pre class="th-output">{_html.escape(text.rstrip())}</pre>' if text.strip() else ""
    if kind not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {}) or {}
    meta = output.get("metadata", {}) or {}
    for mime in MIME_ORDER:
        if mime not in data:
            continue
        value = _text(data[mime])
        if mime == "text/html":
            return f'<div class="th-output-html">{value}</div>'
        if mime.startswith("image/"):
            alt = ""
            if isinstance(meta.get(mime), Mapping):
                alt = str(meta[mime].get("alt", ""))
            payload = (base64.b64encode(value.encode("utf-8")).decode("ascii") if mime == "image/svg+xml"
                       else value.strip().replace("\n", ""))
            alt_attr = f' alt="{_html.escape(alt, quote=True)}"' if alt else ""
            return f'<figure class="th-figure"><img{alt_attr} src="data:{mime};base64,{payload}"></figure>'
        if mime == "text/markdown":
            return _MARKDOWN(value)
        if mime == "text/plain":
            if _NOISE_REPR.match(value):
                return ""
            text = _strip_warnings(value)
            return f'<pre class="th-output">{_html.escape(text.rstrip())}</pre>' if text.strip() else ""
    return ""


def notebook_fragment(nb) -> str:
    """The publishable HTML of the notebook's cells: markdown and outputs only, no code."""
    _raise_on_errors(nb)
    parts: list[str] = []
    for cell in nb.get("cells", []):
        kind = cell.get("cell_type")
        tags = set((cell.get("metadata") or {}).get("tags", []) or [])
        if tags & {"remove-cell", "remove_cell"}:
            continue
        if kind == "markdown":
            parts.append(_markdown_cell(cell))
        elif kind == "raw":
            fmt = (cell.get("metadata") or {}).get("format") or (cell.get("metadata") or {}).get("raw_mimetype")
            if fmt in ("text/html", "html"):
                parts.append(_text(cell.get("source", "")))
        elif kind == "code":
            if tags & HIDE_OUTPUT_TAGS or tags & {"parameters", "injected-parameters"}:
                continue
            for output in cell.get("outputs", []) or []:
                rendered = _output_html(output)
                if rendered:
                    parts.append(rendered)
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------------
# accessibility and self-containment fixes on the fragment
# --------------------------------------------------------------------------------------------------
def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def _note(notes: list[str], message: str) -> None:
    notes.append(message)
    warnings.warn(message, AccessibilityWarning, stacklevel=3)


def _section_of(element) -> str:
    heading = element.find_previous(re.compile(r"^h[1-6]$"))
    return heading.get_text(" ", strip=True) if heading else ""


def _is_external(url: str) -> bool:
    return bool(re.match(r"^\s*(?:https?:)?//", url or "", flags=re.IGNORECASE))


def _is_local_file(url: str) -> bool:
    url = (url or "").strip()
    return bool(url) and not re.match(r"^(?:data:|blob:|about:|#|javascript:|mailto:)", url, flags=re.IGNORECASE)


def _check_document(document: str, where: str) -> None:
    bad = external_resources(document)
    if bad:
        raise BuildError(f"{where} would load files from the internet, so the report would not work offline:\n  "
                         + "\n  ".join(b[:200] for b in bad[:5])
                         + "\nShow maps with thanalysis.figures.maps.show_map and charts with thanalysis.figures.charts.show_figure.")


def _fix_fragment(fragment: str, notes: list[str]) -> tuple[BeautifulSoup, str | None, list[tuple[str, str]]]:
    soup = BeautifulSoup(fragment, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()

    # network: strip CDN scripts and stylesheets (MathJax, require.js, widget managers ...)
    for tag in soup.find_all("script"):
        if tag.get("src") is not None:
            if _is_external(tag["src"]) or _is_local_file(tag["src"]):
                tag.decompose()
    for tag in soup.find_all("link"):
        if tag.get("href") is not None and (_is_external(tag["href"]) or _is_local_file(tag["href"])):
            tag.decompose()
    for tag in soup.find_all("style"):
        text = tag.string or ""
        cleaned = re.sub(r"@import\s+[^;]*;", "", text)
        if cleaned != text:
            tag.string = cleaned
    for tag in soup.find_all(["img", "source", "video", "audio", "embed"]):
        src = tag.get("src", "")
        if _is_external(src) or _is_local_file(src):
            raise BuildError(f"An output refers to {src[:120]!r}, which is not inside the page; embed images as "
                             "data (thanalysis.figures.charts.show_figure) so the report is one self-contained file.")
    for frame in soup.find_all("iframe"):
        src = frame.get("src", "")
        if frame.get("srcdoc") is not None:
            _check_document(frame["srcdoc"], "An embedded map or document (iframe)")
        elif src.startswith("data:text/html"):
            head, _, payload = src.partition(",")
            try:
                document = base64.b64decode(payload).decode("utf-8", "replace") if ";base64" in head else payload
            except (binascii.Error, ValueError):
                document = payload
            _check_document(document, "An embedded document (iframe data URL, e.g. a folium map shown directly)")
        elif src:
            raise BuildError(f"An iframe loads {src[:120]!r}; reports must be self-contained.")
        if not frame.get("title", "").strip():
            section = _section_of(frame)
            frame["title"] = f"Interactive map or chart: {section}" if section else "Interactive map or chart"
            _note(notes, f"An iframe had no title; used {frame['title']!r}. Show maps with show_map(m, title, ...).")

    # headings: one h1 (the title, moved to the page header), no skipped levels, stable unique ids.
    # A title a notebook sets from its results (report.title: "Inequalities in Tower Hamlets") wins over the
    # static H1 of its first markdown cell, which is there for people reading the notebook in JupyterLab.
    computed = soup.find(class_="th-report-title")
    if computed is not None:
        static = soup.find("h1")
        if static is not None and static is not computed and not static.has_attr("class"):
            static.decompose()
        for extra in soup.find_all(class_="th-report-title")[1:]:
            extra.decompose()
        soup.insert(0, computed.extract())
    headings = soup.find_all(re.compile(r"^h[1-6]$"))
    title, used_ids = None, {"main", "contents-heading", "provenance", "provenance-sources",
                             "provenance-parameters", "provenance-build", "title", "provenance-sources-caption",
                             "provenance-parameters-caption"}
    contents: list[tuple[str, str]] = []
    previous = 1
    for h in headings:
        for anchor in h.find_all("a", class_="anchor-link"):
            anchor.decompose()
        level = int(h.name[1])
        text = h.get_text(" ", strip=True)
        if level == 1 and title is None:
            title = text
            h.decompose()
            continue
        if level == 1:
            _note(notes, f"A second H1 ({text!r}) was made an H2: a page has one title.")
            level = 2
        if level > previous + 1:
            _note(notes, f"Heading {text!r} skipped from H{previous} to H{level}; shown as H{previous + 1}.")
            level = previous + 1
        h.name = f"h{level}"
        previous = level
        base = _slug(text)
        anchor, n = base, 2
        while anchor in used_ids:
            anchor, n = f"{base}-{n}", n + 1
        used_ids.add(anchor)
        h["id"] = anchor
        if level == 2:
            contents.append((anchor, text))

    # images: alt text on every one
    for img in soup.find_all("img"):
        if not (img.get("alt") or "").strip():
            section = _section_of(img)
            img["alt"] = f"Chart in the section '{section}' (no description was provided)" if section else \
                "Chart (no description was provided)"
            _note(notes, f"An image had no alt text; used {img['alt']!r}. Use charts.show_figure(fig, alt=...).")

    # tables: caption and header scopes
    for table in soup.find_all("table"):
        if table.find("caption") is None:
            section = _section_of(table)
            caption = soup.new_tag("caption")
            caption.string = f"Table: {section}" if section else "Table"
            table.insert(0, caption)
            _note(notes, f"A table had no caption; used {caption.string!r}. Use report.show_table(df, caption).")
        for th in table.find_all("th"):
            if not th.get("scope"):
                th["scope"] = "col" if th.find_parent("thead") is not None else "row"
        if table.get("border") is not None:
            del table["border"]
    _scrollable_tables(soup, used_ids)
    return soup, title, contents


def _scrollable_tables(soup: BeautifulSoup, used_ids: set[str]) -> None:
    """Put every table in a ``.th-table-wrap`` that scrolls sideways when the table is wider than the screen, and
    make that wrapper reachable and named (WCAG 2.1.1: a keyboard user must be able to scroll it): a focusable
    ``role="region"`` labelled by the table's caption."""
    for table in soup.find_all("table"):
        if table.find_parent("table") is not None:
            continue
        wrap = table.parent
        if wrap is None or wrap.name != "div" or "th-table-wrap" not in (wrap.get("class") or []):
            wrap = table.wrap(soup.new_tag("div", attrs={"class": "th-table-wrap"}))
        caption = table.find("caption")
        if not caption.get("id"):
            anchor, n = "table", 1
            while anchor in used_ids:
                anchor, n = f"table-{n}", n + 1
            caption["id"] = anchor
        used_ids.add(caption["id"])
        wrap["role"] = "region"
        wrap["tabindex"] = "0"
        wrap["aria-labelledby"] = caption["id"]


def _share_map_assets(soup: BeautifulSoup) -> str:
    """Carry Leaflet once in the page instead of once per map (a report with 14 maps held 14 copies, 2.3 MB).

    Each map frame made by :mod:`thanalysis.figures.maps` then asks the page for Leaflet when it opens. A frame whose
    Leaflet differs from the first one's (an output made with another version) keeps its own copy. Returns the
    markup for the page's head ("" when the page has no maps).
    """
    shared: tuple[str, str] | None = None
    for frame in soup.find_all("iframe", class_="th-map-frame"):
        document = frame.get("srcdoc")
        taken = share_leaflet(document) if document else None
        if taken is None:
            continue
        lighter, css, js = taken
        if shared is None:
            shared = (css, js)
        elif shared != (css, js):
            continue
        frame["srcdoc"] = lighter
    return leaflet_host_html(*shared) if shared else ""


# --------------------------------------------------------------------------------------------------
# provenance and the page
# --------------------------------------------------------------------------------------------------
def _parameter_text(value) -> str:
    if isinstance(value, str):
        return "(a local path, not published)" if _ABSOLUTE_PATH_VALUE.match(value) else repr(value)
    if isinstance(value, os.PathLike):
        return "(a local path, not published)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_parameter_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {_parameter_text(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    return repr(value)


def _sources(sources: Iterable) -> list[dict]:
    rows = []
    for s in sources or []:
        item = dict(s) if isinstance(s, Mapping) else dict(getattr(s, "__dict__", {}))
        path = str(item.get("path", ""))
        if _ABSOLUTE_PATH_VALUE.match(path):
            raise BuildError(f"Provenance source {item.get('dataset', '')!r} has an absolute path ({path}); "
                             "only paths relative to the data root may be published.")
        url = str(item.get("url", "") or "")
        rows.append({
            "dataset": str(item.get("dataset", "")),
            "path": path,
            "publisher": str(item.get("publisher", "") or ""),
            "licence": str(item.get("licence", "") or ""),
            "url": url if re.match(r"^https?://", url) else "",
            "url_text": re.sub(r"^https?://", "", url)[:60] + ("…" if len(re.sub(r"^https?://", "", url)) > 60 else ""),
            "sha_short": str(item.get("sha256", "") or "")[:12],
        })
    return sorted(rows, key=lambda r: (r["path"], r["dataset"]))


def _built_date(built_at: str) -> str:
    try:
        when = _dt.datetime.fromisoformat(str(built_at).replace("Z", "+00:00"))
    except ValueError:
        return str(built_at)
    return f"{when.day} {when.strftime('%B %Y')}"


def _forbidden_paths(out_path: Path, provenance: Mapping) -> list[str]:
    """Absolute local paths that must never appear in a published page."""
    candidates = [project_root(), Path.home(), out_path.resolve().parent]
    for env in (DATA_ROOT_ENV, OUTPUT_DIR_ENV):
        if os.environ.get(env):
            candidates.append(Path(os.environ[env]).expanduser())
    for key in ("data_root", "output_dir"):
        value = provenance.get(key) or (provenance.get("parameters") or {}).get(key)
        if isinstance(value, (str, os.PathLike)) and str(value):
            candidates.append(Path(value).expanduser())
    candidates.append(Path(tempfile.gettempdir()))
    paths = set()
    for c in candidates:
        for form in (str(c), str(Path(c).resolve()) if Path(c).exists() else str(c)):
            if len(form) > 4 and form not in ("/tmp", "/var/tmp") and form.count(os.sep) >= 1:
                paths.add(form)
    return sorted(paths, key=len, reverse=True)


def _verify_page(page: str, out_path: Path, provenance: Mapping) -> None:
    _check_document(page, "The report page")
    # Embedded images are base64 (letters, digits and '/'), which can spell "/tmp/x" or a home folder by
    # chance; only the readable text of the page is checked for paths and secrets.
    page = re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,", page)
    decoded = _html.unescape(page)
    for path in _forbidden_paths(out_path, provenance):
        pattern = re.compile(re.escape(path) + r"(?![A-Za-z0-9_.-])")
        if pattern.search(page) or pattern.search(decoded):
            raise BuildError(f"The report would publish a local path ({path}). Print paths relative to the data "
                             "root or project, never absolute ones.")
    for found in re.finditer(r"/tmp/[A-Za-z0-9_.-]+", decoded):
        raise BuildError(f"The report would publish a temporary local path ({found.group(0)}).")
    secret = _SECRET.search(decoded)
    if secret:
        raise BuildError(f"The report seems to contain a secret ({secret.group(0)[:12]}…); remove it from the notebook.")


def _environment() -> Environment:
    env = Environment(autoescape=True, keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False)
    return env


def _template_text(name: str) -> str:
    return resources.files("thanalysis.publish").joinpath("templates", name).read_text(encoding="utf-8")


def render_report(nb, out_path, *, provenance: Mapping) -> str:
    """Write ``out_path``: the executed notebook ``nb`` as one self-contained, accessible HTML page; return it.

    Raises :class:`BuildError` if the notebook holds an error output, the provenance is incomplete, or the
    page would load anything from the network or show a local path or secret. Fixes it made for accessibility
    (missing alt text, captions, heading levels) are reported as :class:`AccessibilityWarning`.
    """
    out_path = Path(out_path)
    missing = [k for k in REQUIRED_PROVENANCE if k not in provenance]
    if missing:
        raise BuildError(f"Provenance for {out_path.name} lacks: {', '.join(missing)}")
    notes: list[str] = []
    fragment = notebook_fragment(nb)
    soup, title, contents = _fix_fragment(fragment, notes)
    notebook_name = str(provenance["notebook"])
    if title is None:
        title = Path(notebook_name).stem.replace("_", " ").replace("-", " ").capitalize() or "Report"
        _note(notes, f"The notebook has no H1 heading; the title {title!r} was made from its file name.")
    contents.append(("provenance", "Provenance"))
    head_extra = _share_map_assets(soup)
    body = str(soup).strip()
    has_banner = soup.find(class_="th-banner") is not None
    parameters = provenance.get("parameters") or {}
    git_commit = str(provenance.get("git_commit") or "unknown")
    page = _environment().from_string(_template_text("report.html.j2")).render(
        csp=Markup(_CSP_PENDING),
        title=title,
        title_html=title,
        title_id="title",
        css=Markup(_template_text("report.css")),
        head_extra=Markup(head_extra),
        body=Markup(body),
        contents=contents,
        built_at=str(provenance["built_at"]),
        built_date=_built_date(provenance["built_at"]),
        subtitle=provenance.get("subtitle"),
        data_statement=str(provenance.get("data_statement") or ""),
        show_statement=not has_banner and bool(provenance.get("data_statement")),
        sources=_sources(provenance.get("sources")),
        parameters=[(str(k), _parameter_text(v)) for k, v in sorted(parameters.items(), key=lambda kv: str(kv[0]))],
        package_version=str(provenance.get("package_version") or ""),
        git_commit=git_commit,
        git_commit_short=git_commit[:12],
        notebook=notebook_name,
    )
    page = re.sub(r"[ \t]+\n", "\n", page)
    page = page.replace(_CSP_PENDING, content_security_policy(page), 1)
    _verify_page(page, out_path, provenance)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(page)
    return page
