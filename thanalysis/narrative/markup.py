"""Text from data made safe where it becomes markup: HTML (:func:`html_text`) and Markdown (:func:`md_text`).

Names in the data (areas, wards, localities, indicators, metrics, categories) are text, never markup: a borough
called ``Tower Hamlets <svg onload=alert(1)>`` must read as exactly that, and run nothing. The sentence
builders of the narrative modules return plain text (it also goes to ``summary.json`` and to alt text); a
function that puts text into HTML or Markdown passes every piece of it through one of these, at the point where
the markup is made:

- :func:`html_text` for HTML (``<``, ``>``, ``&`` and both quotes become character references);
- :func:`md_text` for Markdown, which passes raw HTML through when the page is rendered: the HTML characters are
  escaped and so is every ASCII punctuation mark with a meaning in Markdown (emphasis, links, headings, lists,
  tables, autolinks), and line breaks become spaces, so a name cannot start a block of its own;
- :func:`paragraphs_html`, :func:`bullets_html` and :func:`bullets_markdown` for lists of plain sentences.

The rule the narrative modules follow: a function whose name ends in ``_html`` or ``_markdown`` returns markup in
which every name is escaped; every other function returns plain text, which the notebook shows with
:func:`thanalysis.notebook.paragraph` or hands to a function that escapes it (a caption, alt text, a table cell,
a map title). ``tests/test_notebook.py`` checks that the notebooks display nothing else as HTML or Markdown.

Imports nothing from the rest of the package (layer: beside ``figures``, which escape with :func:`html.escape`).
"""
from __future__ import annotations

import html
import re
from typing import Iterable

#: ASCII punctuation that means something in Markdown (CommonMark, and the table, strikethrough, footnote and
#: autolink plugins the report pages use); each is written with a backslash, which CommonMark reads as the mark
#: itself. ``<``, ``>`` and ``&`` are HTML-escaped instead.
_MARKDOWN_MARKS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_WHITESPACE = re.compile(r"\s+")


def html_text(value) -> str:
    """``value`` as text inside HTML (an element's content or a quoted attribute): nothing in it is markup."""
    return html.escape(str(value), quote=True)


def md_text(value) -> str:
    """``value`` as text inside Markdown: shown exactly as written (whitespace runs read as one space), with no
    HTML, emphasis, link, heading, list or table made from it."""
    text = _WHITESPACE.sub(" ", str(value))
    return _MARKDOWN_MARKS.sub(r"\\\1", html.escape(text, quote=False))


def paragraphs_html(sentences: Iterable[str]) -> str:
    """Plain sentences (or paragraphs) as ``<p>`` elements, each escaped."""
    return "".join(f"<p>{html_text(s)}</p>" for s in sentences)


def bullets_html(sentences: Iterable[str]) -> str:
    """Plain sentences as a bulleted list, each escaped."""
    return "<ul>" + "".join(f"<li>{html_text(s)}</li>" for s in sentences) + "</ul>"


def bullets_markdown(sentences: Iterable[str]) -> str:
    """Plain sentences as Markdown bullets, each escaped."""
    return "\n".join(f"- {md_text(s)}" for s in sentences)


__all__ = ["html_text", "md_text", "paragraphs_html", "bullets_html", "bullets_markdown"]
