"""The Content-Security-Policy of a report page: which scripts may run (by hash), and that nothing else loads.

Names in the data are escaped where they become markup (:mod:`thanalysis.narrative.markup`); the policy is the
second line of defence: were one left unescaped, an event handler (``<svg onload=...>``), a ``javascript:`` link
or a ``<script>`` it brought would still not run. :func:`content_security_policy` reads the finished page and
allows, by SHA-256 hash, only the scripts in its head (put there by :mod:`thanalysis.publish.html`: the page's one
copy of Leaflet and the script that hands it to the map frames) and those of its map frames
(``iframe.th-map-frame``, made by :mod:`thanalysis.figures.maps`; a ``srcdoc`` document inherits its page's
policy), with ``'unsafe-eval'`` only when one of those evaluates code (a map frame runs the map's own scripts once
the page has handed it Leaflet). Scripts anywhere else in the body never run.

The policy goes in a ``<meta http-equiv="Content-Security-Policy">`` at the top of the head; the same page always
gives the same policy.
"""
from __future__ import annotations

import base64
import hashlib
import re

from bs4 import BeautifulSoup

from thanalysis.figures.leaflet import LEAFLET_JS_ID, MAP_SCRIPT_TYPE

#: ``type`` values of a script that a browser runs (any other type, e.g. ``text/plain``, is data).
_JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
#: Code that evaluates text, which needs ``'unsafe-eval'``.
_EVAL = re.compile(r"\beval\s*\)?\s*\(|\bnew\s+Function\s*\(")
#: Everything but scripts: inline styles (the pages and Leaflet use them), images and fonts as data.
_REST = ("style-src 'unsafe-inline'; img-src data:; font-src data:; frame-src 'none'; connect-src 'none'; "
         "base-uri 'none'; form-action 'none'")


def script_hash(text: str) -> str:
    """The CSP source that lets the inline script with this text run: ``'sha256-<base64 digest>'`` of its text as
    the browser sees it (after the HTML parser turns CR LF and CR into LF)."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(normalised.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _scripts(document) -> list[str]:
    return [script.string or "" for script in document.find_all("script")
            if script.get("src") is None and (script.get("type") or "").strip().lower() in _JS_TYPES]


def trusted_scripts(page: str) -> list[str]:
    """The text of every inline script the page may run: those in its head, then those of its map frames, then
    the code a map frame inserts as scripts of its own (the page's one copy of Leaflet and each frame's map)."""
    soup = BeautifulSoup(page, "html.parser")
    texts = _scripts(soup.head) if soup.head is not None else []
    inserted = [script.string or "" for script in soup.find_all("script", id=LEAFLET_JS_ID)]
    for frame in soup.find_all("iframe", class_="th-map-frame"):
        if frame.get("srcdoc"):
            inner = BeautifulSoup(frame["srcdoc"], "html.parser")
            texts += _scripts(inner)
            inserted += [script.string or "" for script in inner.find_all("script", type=MAP_SCRIPT_TYPE)]
    return texts + inserted


def content_security_policy(page: str) -> str:
    """The policy of the finished ``page``: ``default-src 'none'``, its :func:`trusted_scripts` by hash (``'none'``
    when it has none), inline styles, ``data:`` images and fonts, and no frames, connections, base or forms."""
    scripts = trusted_scripts(page)
    sources = list(dict.fromkeys(script_hash(text) for text in scripts))
    if any(_EVAL.search(text) for text in scripts):
        sources.append("'unsafe-eval'")
    script_src = " ".join(sources) or "'none'"
    return f"default-src 'none'; script-src {script_src}; {_REST}"


__all__ = ["content_security_policy", "script_hash", "trusted_scripts"]
