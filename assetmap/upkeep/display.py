"""Readable values for history diffs and conflict pages: names instead of codes, word-level text diffs."""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation

from markupsafe import Markup, escape

from ..directory.read import pounds
from ..schedules import Closure, parse_item, render_closure, render_session
from ..taxonomy import all_terms
from ..vocabulary import ACCESSIBILITY, MODES, VERIFICATION_METHODS, VISIBILITY
from .fields import FIELD_LABELS

#: long free text gets a word-level diff; everything else is shown whole
TEXT_FIELDS = ("description", "how_to_get_there", "cost_description", "address")
ORDER = list(FIELD_LABELS)


class Names:
    """Code -> name look-ups, loaded once per page (``terms``, {taxonomy: {code: name}}, when already known)."""

    def __init__(self, ward_names: dict | None = None, terms: dict[str, dict[str, str]] | None = None):
        if terms is None:
            terms = {tax: {t.code: t.name for t in ts} for tax, ts in all_terms().items()}
        self.terms = terms
        self.wards = ward_names or {}

    def value(self, field: str, value) -> str:
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, list):
            return "; ".join(self.value(field, v) for v in value)
        value = str(value)
        by_field = {
            "categories": self.terms.get("category", {}),
            "audiences": self.terms.get("audience", {}),
            "capabilities": self.terms.get("capability", {}),
            "asset_type": self.terms.get("asset_type", {}),
            "modes": MODES.labels,
            "visibility": VISIBILITY.labels,
            "verification_method": VERIFICATION_METHODS.labels,
            "accessibility": ACCESSIBILITY.labels,
            "service_area_wards": self.wards,
        }
        if field in by_field:
            return by_field[field].get(value, value)
        if field == "schedule":
            return schedule_label(value)
        if field == "archived":
            return {"yes": "Yes", "no": "No"}.get(value, value)
        if field == "cost_amount":
            try:
                amount = Decimal(value)
            except InvalidOperation:
                return value
            return "Free" if amount == 0 else pounds(amount)
        return value


def schedule_label(text: str) -> str:
    """A schedule item of a snapshot as the pages word it ('1st mon 10:00-12:00' -> 'First Monday of the month,
    10:00 to 12:00'); an item that no longer reads is shown as it was written."""
    try:
        return parse_item(text).label()
    except ValueError:
        return text


def canonical_item(text) -> str:
    """A schedule item in the one form ``render_session`` writes ('mo 10:00-12:00' and 'Monday 10:00-12:00' are
    'mon 10:00-12:00'), so the same session written another way is no change; an item that does not read is
    compared as written."""
    try:
        item = parse_item(text)
    except ValueError:
        return str(text)
    return render_closure(item) if isinstance(item, Closure) else render_session(item)


def word_diff(old: str, new: str) -> tuple[Markup, Markup]:
    """Old and new text with removed words in <del> and added words in <ins> (not colour alone)."""
    a, b = re.findall(r"\S+|\s+", old or ""), re.findall(r"\S+|\s+", new or "")
    before, after = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            before.append(old_part)
            after.append(new_part)
            continue
        if old_part:
            before.append(
                Markup(f'<del class="am-del"><span class="govuk-visually-hidden">removed: </span>{old_part}</del>')
            )
        if new_part:
            after.append(
                Markup(f'<ins class="am-ins"><span class="govuk-visually-hidden">added: </span>{new_part}</ins>')
            )
    return Markup("").join(before), Markup("").join(after)


def list_diff(field: str, old: list, new: list, names: Names) -> tuple[Markup, Markup]:
    """Both lists by name, with the items taken out in <del> and the items put in as <ins>."""

    def render(items, others, tag, word):
        parts = []
        for item in items:
            label = escape(names.value(field, item))
            parts.append(
                Markup(f'<{tag} class="am-{tag}"><span class="govuk-visually-hidden">{word}: </span>{label}</{tag}>')
                if item not in others
                else label
            )
        return Markup("; ").join(parts)

    return render(old, new, "del", "removed"), render(new, old, "ins", "added")


def change_rows(changes: dict, names: Names) -> list[dict]:
    """One row per changed field: label, before and after (safe HTML)."""
    rows = []
    for field in sorted(changes, key=lambda f: ORDER.index(f) if f in ORDER else len(ORDER)):
        old, new = changes[field]
        if field in TEXT_FIELDS and old and new:
            before, after = word_diff(str(old), str(new))
        elif isinstance(old, list) and isinstance(new, list) and old and new:
            before, after = list_diff(field, old, new, names)
        else:
            before, after = escape(names.value(field, old)), escape(names.value(field, new))
        rows.append(
            {
                "field": field,
                "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
                "before": before or Markup('<span class="am-empty">(empty)</span>'),
                "after": after or Markup('<span class="am-empty">(empty)</span>'),
            }
        )
    return rows


def _comparable(field: str, value) -> str:
    if field == "schedule" and isinstance(value, list):
        value = [canonical_item(v) for v in value]
    if isinstance(value, list):
        return ";".join(sorted(str(v).strip().lower() for v in value if str(v).strip()))
    if field in ("lat", "lon") and value not in (None, ""):
        try:
            return f"{float(value):.5f}"
        except ValueError:
            return str(value)
    return "" if value is None else str(value).strip()


def three_way(base: dict, current: dict, yours: dict, names: Names) -> tuple[dict, list[dict]]:
    """Merge an editor's stale save with what was saved since they opened the form.

    ``base`` is the version they opened, ``current`` what is saved now, ``yours`` what they sent.
    Fields only the other person changed take the saved value; fields only you changed keep yours;
    fields both changed keep yours and are flagged. Returns (merged fields, rows to show).
    """
    merged, rows = dict(yours), []
    for field in ORDER:
        if field not in yours or field in ("last_verified", "verification_method", "illustrative"):
            continue
        b, c, y = (_comparable(field, v.get(field)) for v in (base, current, yours))
        if c == b:
            continue  # nobody else touched it
        if y == b:
            merged[field] = current.get(field)
        rows.append(
            {
                "label": FIELD_LABELS[field],
                "before": names.value(field, base.get(field)) or "(empty)",
                "theirs": names.value(field, current.get(field)) or "(empty)",
                "yours": names.value(field, yours[field]) or "(empty)" if y != b else None,
                "both": y != b and y != c,
            }
        )
    return merged, rows


def proposal_rows(row, service) -> list[dict]:
    """One row per field an organiser proposed to change: what it says now, what they propose (word- or
    list-level difference from now), and whether someone changed it since the organiser saw it."""
    from ..directory.access import ward_names
    from ..directory.store import service_snapshot

    current = service_snapshot(service)
    fields = [f for f in ORDER if f in row.fields and f not in ("lat", "lon")]
    wards = set(current.get("service_area_wards") or []) | set(row.fields.get("service_area_wards") or [])
    names = Names(ward_names(wards))
    out = []
    for field in fields:
        now, proposed, seen = current.get(field), row.fields[field], row.base.get(field)
        if field in TEXT_FIELDS and now and proposed:
            before, after = word_diff(str(now), str(proposed))
        elif isinstance(now, list) and isinstance(proposed, list) and now and proposed:
            before, after = list_diff(field, now, proposed, names)
        else:
            before, after = escape(names.value(field, now)), escape(names.value(field, proposed))
        out.append(
            {
                "field": field,
                "label": FIELD_LABELS.get(field, field),
                "now": before or Markup('<span class="am-empty">(empty)</span>'),
                "proposed": after or Markup('<span class="am-empty">(empty)</span>'),
                "changed_since": _comparable(field, now) != _comparable(field, seen),
                "seen": names.value(field, seen) or "(empty)",
                "same_now": _comparable(field, now) == _comparable(field, proposed),
            }
        )
    return out
