"""Words for the practitioners' pages (and the embedded search): distances in miles and minutes' walk, the
filters in plain English, the page numbers to link."""

from __future__ import annotations

from .. import geo
from ..taxonomy import names
from ..vocabulary import MODES
from .params import Filters


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


def distance_label(metres: float | None, view: dict | None = None, ward_name: str | None = None) -> str:
    """'0.3 miles (about 7 minutes' walk)'; a service with no place near by says which wards it covers,
    and a confidential place the reader may not locate only which ward it is in."""
    if metres is not None:
        minutes = geo.walking_minutes(metres)
        unit = "minute's" if minutes == 1 else "minutes'"
        return f"{miles_label(metres)} (about {minutes} {unit} walk)"
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


def describe(f: Filters) -> str:
    """The search filters in plain English, for the results heading."""
    term_names = {tax: names(tax) for tax in ("category", "audience", "capability", "asset_type")}
    parts = []
    if f.q:
        parts.append(f"\u2018{f.q}\u2019")
    for tax, label in (("capability", ""), ("category", ""), ("audience", "for "), ("asset_type", "")):
        for code in getattr(f, tax):
            parts.append(label + term_names[tax].get(code, code).lower())
    if f.free:
        parts.append("free")
    if f.wheelchair:
        parts.append("wheelchair accessible")
    if f.open_day or f.open_part:
        parts.append(
            "open "
            + " ".join(
                x
                for x in (
                    f"on {f.open_day.capitalize()}" if f.open_day else "",
                    f"in the {f.open_part}" if f.open_part else "",
                )
                if x
            )
        )
    if f.mode:
        parts.append(MODES.label(f.mode).lower())
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
