"""Leaflet for pages that must work offline: the installed Leaflet inlined, one copy shared per page, network check.

- :func:`leaflet_assets` reads Leaflet's JS and CSS from the installed ``xstatic-leaflet`` package (icon images
  become ``data:`` URIs, source-map links go), and :func:`leaflet_head` puts them in a map document's head.
- A report page with several maps would carry Leaflet once per map frame. :func:`share_leaflet` takes the
  inlined copy out of a map document (the frame then asks its parent page for it with ``postMessage``) and
  :func:`leaflet_host_html` is the page's single copy that answers those requests (used by ``publish/html.py``).
- :func:`external_resources` lists what in a document would load over the network: maps and pages refuse it.
"""
from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

from xstatic.pkg import leaflet as xleaflet

_LEAFLET_CSS_ID = "th-leaflet-css"
_LEAFLET_JS_ID = "th-leaflet-js"
#: The type that keeps a map frame's own scripts from running until Leaflet is in the frame.
MAP_SCRIPT_TYPE = "text/x-th-map"
LEAFLET_JS_ID = _LEAFLET_JS_ID
_LEAFLET_BLOCK = re.compile(
    rf'<style id="{_LEAFLET_CSS_ID}">(?P<css>.*?)</style>\s*<script id="{_LEAFLET_JS_ID}">(?P<js>.*?)</script>\s*',
    re.DOTALL)
#: Message types between a report page and its map frames.
_REQUEST, _REPLY = "thLeafletRequest", "thLeaflet"

_EXTERNAL_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """(javascript, css) of the installed Leaflet, ready to inline: images as data URIs, no source-map links."""
    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    # A sourceMappingURL makes developer tools fetch a file that is not there.
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", css)

    def inline_image(match: re.Match) -> str:
        image = base / match.group(1)
        if not image.is_file():
            return "none"
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[^)]+\.png)\)", inline_image, css)
    return js, css


def leaflet_head() -> str:
    """Leaflet's CSS and JS as the ``<style>`` and ``<script>`` a map document's head carries (ids that
    :func:`share_leaflet` finds again)."""
    js, css = leaflet_assets()
    return f'<style id="{_LEAFLET_CSS_ID}">{css}</style>\n<script id="{_LEAFLET_JS_ID}">{js}</script>\n'


def external_resources(document: str) -> list[str]:
    """Tags in ``document`` that would load something over the network (scripts, stylesheets, CSS imports)."""
    found = [m.group(0) for m in _EXTERNAL_TAG.finditer(document)]
    found += re.findall(r"@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]+;", document, flags=re.IGNORECASE)
    found += re.findall(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", document, flags=re.IGNORECASE)
    found += re.findall(r"<(?:img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>",
                        document, flags=re.IGNORECASE)
    return found


# In the map frame: ask the page for Leaflet, run it, then run the map's own scripts in order.
_FRAME_LOADER = """<script>
(function () {
  var started = false;
  function inject(code) {
    var script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
  }
  function start(d) {
    if (started) { return; }
    started = true;
    var style = document.createElement("style");
    style.textContent = d.css;
    document.head.insertBefore(style, document.head.firstChild);
    inject(d.js);
    var run = function () {
      var parts = document.querySelectorAll('script[type="text/x-th-map"]');
      for (var i = 0; i < parts.length; i++) { inject(parts[i].textContent); }
    };
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
  }
  window.addEventListener("message", function (e) {
    if (e.source === window.parent && e.data && e.data.%(reply)s) { start(e.data.%(reply)s); }
  });
  window.parent.postMessage({%(request)s: true}, "*");
})();
</script>
""" % {"reply": _REPLY, "request": _REQUEST}

# In the page: hold Leaflet once and hand it to any of the page's own frames that asks.
_PAGE_HOST = """<script type="text/plain" id="%(css_id)s">%(css)s</script>
<script type="text/plain" id="%(js_id)s">%(js)s</script>
<script>
window.addEventListener("message", function (e) {
  if (!e.data || !e.data.%(request)s) { return; }
  var frames = document.getElementsByTagName("iframe");
  for (var i = 0; i < frames.length; i++) {
    if (frames[i].contentWindow === e.source) {
      e.source.postMessage({%(reply)s: {css: document.getElementById("%(css_id)s").textContent,
                                        js: document.getElementById("%(js_id)s").textContent}}, "*");
      return;
    }
  }
});
</script>
"""


def share_leaflet(document: str) -> tuple[str, str, str] | None:
    """Take the inlined Leaflet out of a map document made by :func:`thanalysis.figures.maps.map_html`.

    Returns ``(document, css, js)``: the document now asks its parent page for Leaflet (``postMessage``, which
    works in a sandboxed ``srcdoc`` frame opened from a file) and runs its own scripts once Leaflet has loaded.
    The page must carry :func:`leaflet_host_html` with the same ``css`` and ``js``. None when ``document`` holds
    no inlined Leaflet (or holds text that cannot sit safely inside a page's script element).
    """
    m = _LEAFLET_BLOCK.search(document)
    if m is None:
        return None
    css, js = m.group("css"), m.group("js")
    if re.search(r"</script|<!--", css + js, flags=re.IGNORECASE):
        return None
    rest = re.sub(r"<script>", f'<script type="{MAP_SCRIPT_TYPE}">', document[m.end():])
    return document[:m.start()] + _FRAME_LOADER + rest, css, js


def leaflet_host_html(css: str, js: str) -> str:
    """The page's single copy of Leaflet and the script that hands it to its map frames (see :func:`share_leaflet`)."""
    return _PAGE_HOST % {"css_id": _LEAFLET_CSS_ID, "js_id": _LEAFLET_JS_ID, "css": css, "js": js,
                         "request": _REQUEST, "reply": _REPLY}
