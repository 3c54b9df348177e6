"""Text from data made safe where it becomes markup: HTML (:func:`html_text`) and Markdown (:func:`md_text`).

Names in the data (areas, wards, localities, indicators, metrics, categories) are text, never markup: a borough
called ``Tower Hamlets <svg onload=alert(1)>`` must read as exactly that, and run nothing. The sentence
builders of the narrative modules return plain text (it also goes to ``summary.json`` and to alt text); a
function that puts text into HTML or Markdown passes every piece of it through one of these, at the point where
the markup is made:

- :func:`html_text` for HTML (``<``, ``>``, ``&`` and both quotes become character references);
- :func:`md_text` for Markdown, which passes raw HTML through when the page is rendered: the HTML characters are
  escaped, and so is every mark that makes Markdown (emphasis, code, links, headings, tables, web addresses, a
  list marker at its start), and line breaks become spaces, so a name cannot start a block of its own; other
  punctuation, e.g. brackets and full stops, is left as it is, so the Markdown reads as the sentence;
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

#: Marks that make Markdown wherever they stand (code, emphasis, links, images and footnotes, strikethrough,
#: tables, headings, the escape itself); each is written with a backslash, which CommonMark reads as the mark.
#: ``<``, ``>`` and ``&`` (raw HTML, autolinks, block quotes, entities) are HTML-escaped instead.
_MARKDOWN_MARKS = re.compile(r"([\\`*_\[\]~|#])")
#: The ``:`` of an address (the page's Markdown links bare ``http://`` and ``https://`` addresses).
_ADDRESS = re.compile(r"(?<=[A-Za-z]):(?=//)")
#: A list marker (``-``, ``+``, ``1.``, ``1)``) at the start of a text, which makes a list where the text begins a
#: line or a list item.
_LEADING_BULLET = re.compile(r"^(\s*)([-+])")
_LEADING_NUMBER = re.compile(r"^(\s*\d{1,9})([.)])")
_WHITESPACE = re.compile(r"\s+")


def html_text(value) -> str:
    """``value`` as text inside HTML (an element's content or a quoted attribute): nothing in it is markup."""
    return html.escape(str(value), quote=True)


def md_text(value) -> str:
    """``value`` as text inside Markdown: shown exactly as written (whitespace runs read as one space), with no
    HTML, emphasis, link, heading, list or table made from it."""
    text = _MARKDOWN_MARKS.sub(r"\\\1", html.escape(_WHITESPACE.sub(" ", str(value)), quote=False))
    text = _ADDRESS.sub(r"\\:", text)
    return _LEADING_NUMBER.sub(r"\1\\\2", _LEADING_BULLET.sub(r"\1\\\2", text))


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
