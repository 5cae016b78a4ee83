"""Readable values for history diffs and conflict pages: names instead of codes, word-level text diffs."""
from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation

from markupsafe import Markup, escape

from ..directory.records import DAY_NAMES
from ..taxonomy import all_terms
from .fields import ACCESSIBILITY_LABELS, FIELD_LABELS, METHOD_LABELS, MODE_LABELS, VISIBILITY_LABELS

ACTION_LABELS = {"create": "Added", "update": "Changed", "import": "Imported", "archive": "Archived",
                 "unarchive": "Restored from the archive", "verify": "Checked: still accurate",
                 "restore": "Restored an earlier version", "steward": "Steward changed"}
#: long free text gets a word-level diff; everything else is shown whole
TEXT_FIELDS = ("description", "how_to_get_there", "cost_description", "address")
ORDER = list(FIELD_LABELS)


class Names:
    """Code -> name look-ups, loaded once per page."""

    def __init__(self, ward_names: dict | None = None):
        terms = all_terms()
        self.terms = {tax: {t.code: t.name for t in ts} for tax, ts in terms.items()}
        self.wards = ward_names or {}

    def value(self, field: str, value) -> str:
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, list):
            return "; ".join(self.value(field, v) for v in value)
        value = str(value)
        by_field = {"categories": self.terms.get("category", {}), "audiences": self.terms.get("audience", {}),
                    "capabilities": self.terms.get("capability", {}),
                    "asset_type": self.terms.get("asset_type", {}), "modes": MODE_LABELS,
                    "visibility": VISIBILITY_LABELS, "verification_method": METHOD_LABELS,
                    "accessibility": ACCESSIBILITY_LABELS, "service_area_wards": self.wards}
        if field in by_field:
            return by_field[field].get(value, value)
        if field == "schedule":
            m = re.match(r"^([a-z]{2})[a-z]* (\d\d:\d\d)-(\d\d:\d\d)$", value)
            return f"{DAY_NAMES[m[1].upper()]} {m[2]} to {m[3]}" if m and m[1].upper() in DAY_NAMES else value
        if field == "cost_amount":
            try:
                amount = Decimal(value)
            except InvalidOperation:
                return value
            return "Free" if amount == 0 else f"£{amount:.0f}" if amount == amount.to_integral() else f"£{amount:.2f}"
        return value


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
            before.append(Markup('<del class="am-del"><span class="govuk-visually-hidden">removed: </span>'
                                 f'{old_part}</del>'))
        if new_part:
            after.append(Markup('<ins class="am-ins"><span class="govuk-visually-hidden">added: </span>'
                                f'{new_part}</ins>'))
    return Markup("").join(before), Markup("").join(after)


def change_rows(changes: dict, names: Names) -> list[dict]:
    """One row per changed field: label, before and after (safe HTML)."""
    rows = []
    for field in sorted(changes, key=lambda f: ORDER.index(f) if f in ORDER else len(ORDER)):
        old, new = changes[field]
        if field in TEXT_FIELDS and old and new:
            before, after = word_diff(str(old), str(new))
        else:
            before, after = escape(names.value(field, old)), escape(names.value(field, new))
        rows.append({"field": field, "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
                     "before": before or Markup('<span class="am-empty">(empty)</span>'),
                     "after": after or Markup('<span class="am-empty">(empty)</span>')})
    return rows


def _comparable(field: str, value) -> str:
    if isinstance(value, list):
        return ";".join(sorted(str(v).strip().lower() for v in value if str(v).strip()))
    if field in ("lat", "lon") and value not in (None, ""):
        try:
            return f"{float(value):.5f}"
        except ValueError:
            return str(value)
    return "" if value is None else str(value).strip()


def conflict_rows(yours: dict, current: dict, names: Names) -> list[dict]:
    """Fields where what you submitted differs from what is now stored."""
    rows = []
    for field in ORDER:
        if field not in yours or field in ("last_verified", "verification_method", "illustrative"):
            continue
        if _comparable(field, yours[field]) != _comparable(field, current.get(field)):
            rows.append({"label": FIELD_LABELS[field], "yours": names.value(field, yours[field]) or "(empty)",
                         "current": names.value(field, current.get(field)) or "(empty)"})
    return rows
