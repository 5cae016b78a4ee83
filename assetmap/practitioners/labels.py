"""Words for the practitioners' pages (and the embedded search): distances in miles and minutes' walk, the
filters in plain English, the page numbers to link."""

from __future__ import annotations

from markupsafe import Markup, escape

from .. import geo
from ..taxonomy import names
from ..vocabulary import ACCESSIBILITY, COST_BANDS, MODES, PARTS_OF_DAY, WALKING_PACES
from .params import Filters
from .queries import HIGHLIGHT


def miles_label(metres: float) -> str:
    miles = geo.miles(metres)
    if abs(miles - 0.25) < 1e-6:
        return "a quarter of a mile"
    if abs(miles - 0.5) < 1e-6:
        return "half a mile"
    if miles < 0.1:
        return "less than 0.1 miles"
    text = f"{miles:.1f}".rstrip("0").rstrip(".") if miles < 10 else f"{miles:.0f}"
    return f"{text} mile" if text == "1" else f"{text} miles"


def distance_label(
    metres: float | None, view: dict | None = None, ward_name: str | None = None, pace: str = "average"
) -> str:
    """'0.3 miles as the crow flies (about 7 minutes' walk)' at the chosen walking pace
    (``vocabulary.WALKING_PACES``; a straight line, so real routes are longer); a service with no place
    near by says which wards it covers, and a confidential place the reader may not locate only which ward
    it is in."""
    if metres is not None:
        speed = WALKING_PACES[pace].metres_per_minute if pace in WALKING_PACES.codes else geo.WALK_METRES_PER_MINUTE
        minutes = geo.walking_minutes(metres, speed)
        unit = "minute's" if minutes == 1 else "minutes'"
        return f"{miles_label(metres)} as the crow flies (about {minutes} {unit} walk)"
    place = (view or {}).get("place") or {}
    if place.get("hidden"):
        where = f" in {place['ward_name']} ward" if place.get("ward_name") else ""
        return f"Not shown: a confidential place{where}"
    wards = [a["ward_name"] for a in (view or {}).get("service_areas", []) if a["ward_name"]]
    how = ", ".join(m["name"].lower() for m in (view or {}).get("modes", []) if m["code"] != "in_person")
    prefix = f"No fixed place ({how})" if how else "No fixed place"
    if not wards:
        return prefix
    if len(wards) == 1:
        return f"{prefix}: covers {wards[0]}"
    if ward_name in wards:
        return f"{prefix}: covers {ward_name} and {len(wards) - 1} other ward{'s' if len(wards) > 2 else ''}"
    return f"{prefix}: covers {len(wards)} wards"


def _any_of(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def describe(f: Filters) -> str:
    """The search filters in plain English, for the results heading."""
    term_names = {tax: names(tax) for tax in ("category", "audience", "capability", "asset_type")}
    parts = []
    if f.q:
        parts.append(f"\u2018{f.q}\u2019")
    for tax, label in (("capability", ""), ("category", ""), ("audience", "for "), ("asset_type", "")):
        chosen = [term_names[tax].get(code, code).lower() for code in getattr(f, tax)]
        if chosen:
            parts.append(label + _any_of(chosen))
    if f.cost:
        parts.append(COST_BANDS.label(f.cost).lower())
    for code in f.access:
        parts.append(ACCESSIBILITY.label(code).lower())
    if f.open_day or f.open_part:
        days = [d.capitalize() for d in f.open_day]
        times = [PARTS_OF_DAY[c].code for c in f.open_part]
        parts.append(
            "open "
            + " ".join(
                x for x in ((f"on {_any_of(days)}" if days else ""), (f"in the {_any_of(times)}" if times else "")) if x
            )
        )
    if f.this_week:
        parts.append("on this week")
    if f.mode:
        parts.append(_any_of([MODES.label(m).lower() for m in f.mode]))
    return "; ".join(parts)


def page_window(page: int, pages: int) -> list[int | None]:
    """Page numbers to link: first, last and neighbours of the current one; None marks a gap."""
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    out: list[int | None] = []
    for prev, p in zip([None, *shown], shown):
        if prev is not None and p - prev > 1:
            out.append(None)
        out.append(p)
    return out


def marked(text: str | None) -> Markup:
    """Text from ``ts_headline`` with its matching words in ``<mark>`` (everything else escaped)."""
    start, stop = HIGHLIGHT
    safe = str(escape(text or ""))
    return Markup(safe.replace(start, "<mark>").replace(stop, "</mark>"))


def why_matched(hit) -> dict:
    """Why a hit matched the words: its name and a piece of its description with the words marked, and the
    ideas it is about through its categories, audiences or what matters (``{"name", "snippet", "about"}``)."""
    start = HIGHLIGHT[0]
    text_ideas = {c.label for c in hit.in_text}
    return {
        "name": marked(hit.name_marked) if hit.name_marked and start in hit.name_marked else None,
        "snippet": marked(hit.snippet_marked) if hit.snippet_marked and start in hit.snippet_marked else None,
        "about": [c.label for c in hit.in_terms if c.label not in text_ideas],
        "words": hit.matched,
    }


def tag_label(name: str, value: str) -> str:
    """A chosen filter as its removable tag reads ('Monday', 'Up to £3', 'Step-free access')."""
    if name in ("category", "audience", "capability", "asset_type"):
        return names(name).get(value, value)
    if name == "open_day":
        return value.capitalize()
    if name == "open_part":
        return PARTS_OF_DAY.label(value)
    if name == "mode":
        return MODES.label(value)
    if name == "access":
        return ACCESSIBILITY.label(value)
    if name == "cost":
        return COST_BANDS.label(value)
    if name == "this_week":
        return "On this week"
    return value


def qr_svg(url: str, title: str) -> Markup:
    """A QR code for ``url`` as inline SVG (``segno``: pure Python, no image library), titled for screen readers."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, title=title, svgclass="am-qr")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
