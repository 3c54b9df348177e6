"""Making Data Count variation and assurance icons as small inline SVG.

NHS England's *Making Data Count* summarises each SPC chart with two icons: **variation** (what the
latest point says: common cause, or special cause improvement / concern / neutral, high or low) and
**assurance** (will the process meet its target: consistently pass, consistently fail, hit and miss).
MDC codes them by colour (blue improvement, orange concern, grey common cause, purple neutral).
Here every icon also carries a letter and a shape so it reads in grey-scale and for people who do
not see the colours: H/L with an up/down arrow for special cause, P/F/? for assurance, and a text
alternative (``role="img"``, ``<title>``, ``aria-label``).

The SVG has no ``id`` attributes, so the same icon can appear many times in one HTML page.
"""
from __future__ import annotations

from html import escape

from thanalysis.errors import StatsInputError

# Colours with at least 4.5:1 contrast against white text (WCAG AA), after Okabe & Ito's palette.
IMPROVEMENT_BLUE = "#0072B2"
CONCERN_ORANGE = "#B45309"
COMMON_CAUSE_GREY = "#595959"
NEUTRAL_PURPLE = "#6A3D9A"
NO_TARGET_GREY = "#8A8A8A"

_VARIATION_COLOURS = {
    "common_cause": COMMON_CAUSE_GREY,
    "special_cause_improvement": IMPROVEMENT_BLUE,
    "special_cause_concern": CONCERN_ORANGE,
    "special_cause_neutral": NEUTRAL_PURPLE,
}

_VARIATION_WORDS = {
    "common_cause": "Common cause variation: no significant change",
    "special_cause_improvement": "Special cause variation: improvement",
    "special_cause_concern": "Special cause variation: concern",
    "special_cause_neutral": "Special cause variation: neither improvement nor concern",
}

_ASSURANCE = {
    # assurance: (colour, letter, title)
    "consistent_pass": (IMPROVEMENT_BLUE, "P", "Assurance: the target will consistently be met"),
    "consistent_fail": (CONCERN_ORANGE, "F", "Assurance: the target will consistently be missed without change"),
    "inconsistent": (COMMON_CAUSE_GREY, "?", "Assurance: hit and miss - the target may or may not be met"),
    "no_target": (NO_TARGET_GREY, "\u2013", "No target set, so no assurance"),
    "not_applicable": (NO_TARGET_GREY, "\u2013", "Assurance not applicable (no direction of improvement)"),
}

_SIDE_WORDS = {"high": "higher values", "low": "lower values"}


def _normalise_variation(point_type: str, improvement_direction: str, side: str | None) -> tuple[str, str | None]:
    """Map a point type (with or without a _high/_low suffix) to (family, side)."""
    if not isinstance(point_type, str):
        raise StatsInputError(f"variation_icon: point_type must be text, got {point_type!r}")
    family = point_type
    for suffix in ("_high", "_low"):
        if point_type.endswith(suffix) and point_type.startswith("special_cause_neutral"):
            family, side = "special_cause_neutral", suffix[1:]
    if family not in _VARIATION_COLOURS:
        raise StatsInputError(
            f"variation_icon: unknown point_type {point_type!r}; expected one of "
            "common_cause, special_cause_improvement, special_cause_concern, "
            "special_cause_neutral_high, special_cause_neutral_low"
        )
    if improvement_direction not in ("increase", "decrease", "neutral"):
        raise StatsInputError(
            f"variation_icon: improvement_direction {improvement_direction!r}; expected increase, decrease or neutral"
        )
    if family == "common_cause":
        return family, None
    if side in ("", None):
        # improvement when higher is better is a high point, and so on (Making Data Count)
        if family == "special_cause_neutral" or improvement_direction == "neutral":
            raise StatsInputError("variation_icon: give side='high' or 'low' for a neutral special cause point")
        up = (family == "special_cause_improvement") == (improvement_direction == "increase")
        side = "high" if up else "low"
    if side not in ("high", "low"):
        raise StatsInputError(f"variation_icon: side must be 'high' or 'low', got {side!r}")
    return family, side


def _svg(label: str, body: str, size: int) -> str:
    text = escape(label, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="{size}" height="{size}" '
        f'role="img" aria-label="{text}" class="spc-icon" focusable="false">'
        f"<title>{text}</title>{body}</svg>"
    )


def variation_label(point_type: str, improvement_direction: str = "increase", side: str | None = None) -> str:
    """The plain-English text alternative for a variation icon."""
    family, side = _normalise_variation(point_type, improvement_direction, side)
    words = _VARIATION_WORDS[family]
    return words if side is None else f"{words} ({_SIDE_WORDS[side]})"


def variation_icon(
    point_type: str, improvement_direction: str = "increase", side: str | None = None, *, size: int = 40
) -> str:
    """Inline SVG for the variation of the latest point.

    ``point_type`` is a value of ``spc()``'s ``point_type`` column (``special_cause_neutral`` without a
    suffix is accepted with ``side``). ``side`` ("high"/"low") is inferred for improvement/concern
    from the improvement direction when not given.
    """
    family, side = _normalise_variation(point_type, improvement_direction, side)
    colour = _VARIATION_COLOURS[family]
    ring = f'<circle cx="20" cy="20" r="18" fill="{colour}" stroke="#1a1a1a" stroke-width="1"/>'
    if family == "common_cause":
        # a level wiggle of grey dots: "nothing unusual"
        mark = (
            '<polyline points="7,22 13,17 19,23 25,17 31,22" fill="none" stroke="#ffffff" '
            'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    else:
        letter = "H" if side == "high" else "L"
        # an arrow (up for high, down for low) as a shape cue beside the letter
        arrow = (
            '<polygon points="29,9 35,17 23,17" fill="#ffffff"/>'
            if side == "high"
            else '<polygon points="29,31 35,23 23,23" fill="#ffffff"/>'
        )
        mark = (
            f'<text x="15" y="27" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
            f'font-size="19" font-weight="bold" fill="#ffffff">{letter}</text>{arrow}'
        )
    return _svg(variation_label(point_type, improvement_direction, side), ring + mark, size)


def assurance_icon(assurance: str, *, size: int = 40) -> str:
    """Inline SVG for the assurance type (consistent_pass, consistent_fail, inconsistent, no_target)."""
    if assurance is None:
        assurance = "no_target"
    if assurance not in _ASSURANCE:
        raise StatsInputError(
            f"assurance_icon: unknown assurance {assurance!r}; expected one of {', '.join(_ASSURANCE)}"
        )
    colour, letter, label = _ASSURANCE[assurance]
    # square-ish shape (rounded rectangle) so assurance never looks like a variation circle
    body = (
        f'<rect x="2" y="2" width="36" height="36" rx="7" fill="{colour}" stroke="#1a1a1a" stroke-width="1"/>'
        '<line x1="6" y1="31" x2="34" y2="31" stroke="#ffffff" stroke-width="2" stroke-dasharray="3 2"/>'
        f'<text x="20" y="26" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="20" font-weight="bold" fill="#ffffff">{escape(letter)}</text>'
    )
    return _svg(label, body, size)


def icon_legend_html(size: int = 28) -> str:
    """An HTML legend explaining every icon in plain English."""
    rows = [
        (variation_icon("common_cause", size=size), "Common cause: the latest value is within the normal range; nothing unusual."),
        (variation_icon("special_cause_improvement", "increase", "high", size=size), "Improvement, higher values (H): an unusual change in the good direction."),
        (variation_icon("special_cause_improvement", "decrease", "low", size=size), "Improvement, lower values (L): an unusual change in the good direction."),
        (variation_icon("special_cause_concern", "increase", "low", size=size), "Concern, lower values (L): an unusual change in the wrong direction."),
        (variation_icon("special_cause_concern", "decrease", "high", size=size), "Concern, higher values (H): an unusual change in the wrong direction."),
        (variation_icon("special_cause_neutral_high", "neutral", size=size), "Unusual high values where neither direction is better."),
        (variation_icon("special_cause_neutral_low", "neutral", size=size), "Unusual low values where neither direction is better."),
        (assurance_icon("consistent_pass", size=size), "P: the target sits outside the normal range on the good side, so it will be met every time."),
        (assurance_icon("consistent_fail", size=size), "F: the target sits outside the normal range on the wrong side, so it will be missed without a change to the process."),
        (assurance_icon("inconsistent", size=size), "?: the target sits inside the normal range, so it will be hit and miss."),
        (assurance_icon("no_target", size=size), "\u2013: no target set."),
    ]
    items = "".join(f'<li><span class="spc-icon-cell">{svg}</span> {escape(text)}</li>' for svg, text in rows)
    return (
        '<section class="spc-icon-legend" aria-label="How to read the SPC icons">'
        "<h3>How to read the icons</h3>"
        f'<ul style="list-style:none;padding-left:0">{items}</ul></section>'
    )
