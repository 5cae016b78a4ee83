"""Open Referral UK (3.0) service JSON -> rows in the asset CSV template's field names.

Accepts a single service, a list of services, or a paginated ORUK response (``{"contents": [...]}``).
Only what the asset template can hold is taken; every value is then validated by the same
``parse_record`` as any other import. Taxonomy terms are matched on AssetMap's own codes.
"""
from __future__ import annotations

from ..directory.records import DAY_CODES
from ..errors import ValidationError
from ..models import ACCESSIBILITY_KINDS

#: AssetMap taxonomy -> template field
TAXONOMY_FIELDS = {"category": "categories", "audience": "audiences", "capability": "capabilities",
                   "asset_type": "asset_type"}
ORUK_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}


def services_in(obj) -> list:
    """The list of service objects in an ORUK document."""
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict) and isinstance(obj.get("contents"), list):
        return obj["contents"]
    if isinstance(obj, dict) and "name" in obj:
        return [obj]
    raise ValidationError("This is not Open Referral UK JSON: expected a service, a list of services or "
                          "a page with \"contents\"")


def _first(items) -> dict:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _hhmm(value) -> str:
    return str(value or "")[:5]


def _sessions(schedules) -> list[str]:
    out = []
    for s in schedules if isinstance(schedules, list) else []:
        if not isinstance(s, dict) or (s.get("freq") or "WEEKLY").upper() != "WEEKLY":
            continue
        for day in str(s.get("byday") or "").replace(" ", "").split(","):
            day = ORUK_DAYS.get(day.upper()[-2:]) or (day.lower()[:3] if day.lower() in DAY_CODES else None)
            if day and s.get("opens_at") and s.get("closes_at"):
                out.append(f"{day} {_hhmm(s['opens_at'])}-{_hhmm(s['closes_at'])}")
    return out


def _terms(attributes, vocab: dict[str, set[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {f: [] for f in TAXONOMY_FIELDS.values()}
    for attr in attributes if isinstance(attributes, list) else []:
        term = attr.get("taxonomy_term") if isinstance(attr, dict) else None
        if not isinstance(term, dict) or not term.get("code"):
            continue
        code = str(term["code"])
        hint = term.get("taxonomy") or (term.get("taxonomy_detail") or {}).get("code") or term.get("vocabulary")
        taxonomies = [hint] if hint in TAXONOMY_FIELDS else list(TAXONOMY_FIELDS)
        for tax in taxonomies:
            if code in vocab.get(tax, set()):
                out[TAXONOMY_FIELDS[tax]].append(code)
                break
    return out


def _accessibility(items) -> list[str]:
    kinds = []
    for item in items if isinstance(items, list) else []:
        text = " ".join(str(item.get(k) or "") for k in ("description", "details")).lower() \
            if isinstance(item, dict) else ""
        kinds += [k for k in ACCESSIBILITY_KINDS if k in text.replace(" ", "-") and k not in kinds]
    return kinds


def service_row(svc: dict, vocab: dict[str, set[str]], ward_names: dict[str, str]) -> dict:
    """One ORUK service as a template row (unvalidated)."""
    if not isinstance(svc, dict):
        return {"name": None}
    loc = _first(svc.get("service_at_locations")).get("location") or {}
    addr = _first(loc.get("addresses") or loc.get("address") or loc.get("physical_addresses"))
    cost, phone, contact = _first(svc.get("cost_options")), _first(svc.get("phones")), _first(svc.get("contacts"))
    terms = _terms(svc.get("attributes"), vocab)
    has_place = bool(loc) and (loc.get("latitude") is not None or addr.get("postal_code"))
    by_name = {n.lower(): c for c, n in ward_names.items()}
    areas = []
    for area in svc.get("service_areas") or []:
        if isinstance(area, dict):
            key = str(area.get("name") or area.get("service_area") or "").strip()
            code = key if key in ward_names else by_name.get(key.lower())
            if code:
                areas.append(code)
    modes = ["in_person"] if has_place else (["online"] if svc.get("url") else []) + (["phone"] if phone else [])
    return {
        "source_id": str(svc.get("id") or "").strip() or None,
        "name": svc.get("name"),
        "organisation": (svc.get("organization") or svc.get("organisation") or {}).get("name")
        if isinstance(svc.get("organization") or svc.get("organisation"), dict) else None,
        "description": svc.get("description") or "",
        "categories": terms["categories"], "audiences": terms["audiences"],
        "capabilities": terms["capabilities"], "asset_type": (terms["asset_type"] or [None])[0],
        "modes": modes or ["online"],
        "address": ", ".join(str(addr[k]) for k in ("address_1", "address_2") if addr.get(k)) or None,
        "postcode": addr.get("postal_code"),
        "lat": loc.get("latitude"), "lon": loc.get("longitude"),
        "service_area_wards": areas,
        "schedule": _sessions(svc.get("schedules")),
        "cost_amount": cost.get("amount"),
        "cost_description": cost.get("amount_description") or cost.get("option"),
        "accessibility": _accessibility(loc.get("accessibility")),
        "how_to_get_there": loc.get("transportation"),
        "contact_name": contact.get("name"), "email": svc.get("email") or contact.get("email"),
        "phone": phone.get("number"), "url": svc.get("url"),
    }


def oruk_rows(obj, vocab: dict[str, set[str]], ward_names: dict[str, str]) -> list[dict]:
    return [service_row(s, vocab, ward_names) for s in services_in(obj)]
