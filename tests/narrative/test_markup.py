"""Tests of thanalysis.narrative.markup: text from data stays text in HTML and in Markdown, whatever it holds."""
from __future__ import annotations

from bs4 import BeautifulSoup

from tests.payloads import PAYLOADS, markdown_html, markup_problems
from thanalysis.narrative import markup

#: Text that would make Markdown structure or a link if it were not escaped, and text that must not change.
MARKDOWN_SYNTAX = ["# Heading", "1. item", "12) item", "- item", "+ item", "  - item", "> quote", "a | b | c", "~~struck~~", "**bold**",
                   "__bold__", "x_y_z", "[^1] note", "![pic](data:image/png;base64,AA==)",
                   "https://example.org and www.example.org", "<https://example.org>", "mail@example.org",
                   "http://example.org/a_b?c=1&d=2", "a ~ b ~~ c", "ward 4. (East) - north: 2+2",
                   "St Katharine's & Wapping", "&lt;not an entity&gt;", "a &copy; b", "back\\slash \\*",
                   "{braces} (brackets) 50% = 1/2", "---", "<!-- comment -->", "Line one\nline two"]


def test_html_text_leaves_nothing_to_parse():
    for text in PAYLOADS + tuple(MARKDOWN_SYNTAX):
        escaped = markup.html_text(text)
        assert markup_problems(f"<p>{escaped}</p>", [text]) == []
        soup = BeautifulSoup(f'<p title="{escaped}">{escaped}</p>', "html.parser")
        assert soup.p["title"] == text and soup.p.get_text() == text and len(soup.find_all(True)) == 1


def test_md_text_reads_as_written_on_the_page():
    for text in PAYLOADS + tuple(MARKDOWN_SYNTAX):
        page = markdown_html(markup.md_text(text))
        soup = BeautifulSoup(page, "html.parser")
        assert [el.name for el in soup.find_all(True)] == ["p"], (text, page)
        assert soup.p.get_text() == " ".join(text.split()), (text, page)
        assert markup_problems(page) == []


def test_md_text_inside_markdown_the_narrative_writes():
    # bold around an escaped name, and the rest of its sentence after it, as the summaries write them
    name, rest = PAYLOADS[3], f" (2021): higher in {PAYLOADS[1]}."
    page = markdown_html(f"Lead.\n\n- **{markup.md_text(name)}**{markup.md_text(rest)}\n"
                         f"- {markup.md_text(PAYLOADS[2])}")
    soup = BeautifulSoup(page, "html.parser")
    items = soup.find_all("li")
    assert [li.get_text() for li in items] == [name + rest, PAYLOADS[2]]
    assert items[0].strong.get_text() == name
    assert markup_problems(str(soup.ul).replace("<strong>", "").replace("</strong>", ""), [name + rest]) == []


def test_lists_of_sentences_escape_each():
    sentences = list(PAYLOADS)
    for made in (markup.paragraphs_html(sentences), markup.bullets_html(sentences),
                 markdown_html(markup.bullets_markdown(sentences))):
        soup = BeautifulSoup(made, "html.parser")
        blocks = soup.find_all("li") or soup.find_all("p")
        assert [b.get_text() for b in blocks] == sentences
        assert markup_problems(made, sentences) == []
    assert markup.bullets_html(["a", "b"]) == "<ul><li>a</li><li>b</li></ul>"
    assert markup.paragraphs_html(["a & b"]) == "<p>a &amp; b</p>"
    assert markup.bullets_markdown(["a", "b"]) == "- a\n- b"
