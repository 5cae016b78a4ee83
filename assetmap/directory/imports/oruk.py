"""Open Referral UK services -> rows in our asset template: the mapping every ORUK import reads with.

Used by ``assetmap import oruk`` (another publisher's feed, ``usecases.import_feed``) and by a coordinator's
upload of ORUK JSON (``oruk_rows``, through ``read``); version 1 services are renamed to the 3.0 names
first (``feed.upgrade_v1``), so both versions map by the same rules.

One ORUK service becomes one asset per place (a service run at three libraries becomes three
assets, so each place can be found); a service with no place becomes one asset covering the wards
named in its service areas. What cannot be mapped is reported, never guessed silently:

* taxonomy terms we do not know are left out and listed; a service with no category we know gets
  ``information-and-advice``;
* schedules are read by ``schedules.oruk`` (weekly, every N weeks, monthly by day or date, one-off, seasonal,
  term time and bank holidays in its notes), so they export again unchanged; one we cannot hold (``count``,
  ``byweekno``, a rule RFC 5545 forbids) is left out, counted and the first reason given; a temporary closure
  stated in the service's ``alert`` in our words comes back as the listing's closure;
* an optional value our validation refuses (a malformed email, a future "assured" date) is left
  out with a note, while a service with no name or no usable place is skipped with the reason.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from ... import parsing
from ...errors import ValidationError
from ...postcodes import is_valid as postcode_is_valid
from ...schedules.grammar import render_closure
from ...schedules.oruk import closure_in_alert, from_oruk, to_oruk
from ...taxonomy import TAXONOMY_BASE, Catalogue, catalogue
from ...vocabulary import ACCESSIBILITY
from ..records import ILLUSTRATIVE_ALERT, RecordInvalid, parse_record
from .feed import upgrade_v1

DEFAULT_CATEGORY = "information-and-advice"
MAX_DESCRIPTION = 5000
MAX_NAME = 200
_WARD_CODE = re.compile(r"\bE05\d{6}\b")
#: optional template fields: if our validation refuses the value, leave it out and say so
DROPPABLE = {
    "organisation",
    "description",
    "audiences",
    "capabilities",
    "asset_type",
    "address",
    "schedule",
    "cost_amount",
    "cost_description",
    "accessibility",
    "how_to_get_there",
    "contact_name",
    "email",
    "phone",
    "url",
    "charity_number",
    "last_verified",
    "verification_method",
}


class Skip(Exception):
    """This service cannot become an asset; the message says why."""


@dataclass
class Mapped:
    """The asset rows one feed service maps to, with notes on what was left out or assumed."""

    feed_id: str | None
    name: str
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unmapped_terms: list[str] = field(default_factory=list)
    defaulted_category: bool = False


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def _text(value) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    return value or None


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _number(value) -> float | None:
    """A feed's number (or numeric text), or None if it has none we can use (NaN, huge, not a number)."""
    try:
        return parsing.number(value, "number", default=None)
    except ValidationError:
        return None


class TermIndex:
    """Finds our taxonomy term for a foreign attribute: by id, by our URI, or by code or name."""

    def __init__(self, cat: Catalogue):
        self.by_id = {term.id: (tax.code, term.code) for tax in cat.taxonomies for term in tax.terms}
        self.by_uri = {f"{tax.uri}/{term.code}": (tax.code, term.code) for tax in cat.taxonomies for term in tax.terms}
        self.by_slug: dict[str, set[tuple[str, str]]] = {}
        self.taxonomies = {tax.code for tax in cat.taxonomies}
        for tax in cat.taxonomies:
            for term in tax.terms:
                for key in {slug(term.code), slug(term.name)}:
                    self.by_slug.setdefault(key, set()).add((tax.code, term.code))

    def find(self, attr: dict) -> tuple[str, str] | None:
        term = _object(attr.get("taxonomy_term"))
        for raw_id in (attr.get("taxonomy_term_id"), term.get("id")):
            try:
                hit = self.by_id.get(uuid.UUID(str(raw_id)))
            except ValueError:
                hit = None
            if hit:
                return hit
        uri = term.get("term_uri")
        if isinstance(uri, str) and uri.startswith(TAXONOMY_BASE) and uri.rstrip("/") in self.by_uri:
            return self.by_uri[uri.rstrip("/")]
        hint = {slug(x) for x in (attr.get("link_type"), term.get("taxonomy")) if isinstance(x, str)}
        hint = {h.replace("-", "_") for h in hint} & self.taxonomies
        for label in (term.get("code"), term.get("term"), term.get("name")):
            if not isinstance(label, str):
                continue
            matches = self.by_slug.get(slug(label), set())
            if hint:
                matches = {m for m in matches if m[0] in hint}
            if len(matches) == 1:
                return next(iter(matches))
        return None

    @staticmethod
    def label(attr: dict) -> str:
        term = _object(attr.get("taxonomy_term"))
        for x in (term.get("name"), term.get("term"), term.get("code"), attr.get("taxonomy_term_id")):
            if isinstance(x, str) and x.strip():
                return x.strip()
        return "(unnamed term)"


def sessions(schedules: list[dict]) -> tuple[list[dict], list[str]]:
    """The schedules we can hold, as ORUK schedule fields (what ``parse_record`` reads); and why each of the
    others was left out."""
    out: list[dict] = []
    left_out: list[str] = []
    for s in schedules:
        try:
            held = to_oruk(from_oruk(s))
        except ValueError as exc:
            left_out.append(str(exc))
            continue
        if held not in out:
            out.append(held)
    return out, left_out


def _left_out(reasons: list[str], where: str = "") -> str:
    return f"{len(reasons)} {where}schedule(s) we cannot hold were left out (the first: {reasons[0]})"


def accessibility_kinds(items: list[dict]) -> list[str]:
    kinds: list[str] = []
    for item in items:
        code = _text(item.get("accessibility"))
        if code is not None and code in ACCESSIBILITY:
            kinds.append(code)
            continue
        text = " ".join(_text(item.get(k)) or "" for k in ("accessibility", "description", "details")).lower()
        kinds.extend(f.code for f in ACCESSIBILITY if any(clue in text for clue in f.clues))
    return ACCESSIBILITY.in_order(kinds)


def _place(sal: dict) -> dict | None:
    """A location we can put on the map: a point, or a postcode we can look up."""
    loc = _object(sal.get("location"))
    if loc.get("location_type") == "virtual":
        return None
    addresses = sorted(_list(loc.get("addresses")), key=lambda a: a.get("address_type") != "physical")
    addr = addresses[0] if addresses else {}
    postcode = _text(addr.get("postal_code"))
    lat, lon = _number(loc.get("latitude")), _number(loc.get("longitude"))
    if (lat is None or lon is None) and not (postcode and postcode_is_valid(postcode)):
        return None
    address = ", ".join(x for x in (_text(addr.get("address_1")), _text(addr.get("address_2"))) if x)
    return {
        "id": _text(loc.get("id")) or _text(sal.get("id")),
        "name": _text(loc.get("name")),
        "lat": lat,
        "lon": lon,
        "postcode": postcode if postcode and postcode_is_valid(postcode) else None,
        "address": address or None,
        "how_to_get_there": _text(loc.get("transportation")),
        "accessibility": accessibility_kinds(_list(loc.get("accessibility"))),
        "schedules": _list(sal.get("schedules")),
    }


#: org-id.guide schemes of the UK's charity registers (England and Wales, Scotland, Northern Ireland)
CHARITY_SCHEMES = ("GB-CHC", "GB-SC", "GB-NIC")


def _charity_number(org: dict) -> str | None:
    """The organisation's charity number, from its ``organization_identifiers`` (the first in a charity register)."""
    for ident in _list(org.get("organization_identifiers")):
        if str(ident.get("identifier_scheme") or "").strip().upper() in CHARITY_SCHEMES:
            number = _text(ident.get("identifier"))
            if number:
                return number
    return None


def _first_phone(svc: dict) -> str | None:
    for phone in [*_list(svc.get("phones")), *(p for c in _list(svc.get("contacts")) for p in _list(c.get("phones")))]:
        number = _text(phone.get("number"))
        if number:
            return number
    return None


def _wards(areas: list[dict], known_wards: set[str], ward_names: dict[str, str] | None = None) -> tuple[list[str], int]:
    """Ward codes named by service areas: a GSS code anywhere in the area, or a ward's exact name
    (when ``ward_names`` is given and only one ward has that name)."""
    by_name: dict[str, list[str]] = {}
    for code, name in (ward_names or {}).items():
        by_name.setdefault(name.casefold(), []).append(code)
    wards: list[str] = []
    unplaced = 0
    for area in areas:
        text = " ".join(_text(area.get(k)) or "" for k in ("uri", "name", "service_area", "description"))
        found = [c for c in _WARD_CODE.findall(text) if c in known_wards]
        if not found:
            named = by_name.get((_text(area.get("name")) or _text(area.get("service_area")) or "").casefold(), [])
            found = named if len(named) == 1 else []
        if found:
            wards.extend(found)
        else:
            unplaced += 1
    return list(dict.fromkeys(wards)), unplaced


def map_service(  # noqa: C901 - complexity 19
    svc,
    index: TermIndex,
    vocab: dict,
    known_wards: set[str],
    *,
    ward_names: dict | None = None,
    require_id: bool = True,
    validate: bool = True,
) -> Mapped:
    """The asset rows for one ORUK service; raises Skip when it cannot become an asset.

    A feed import (the defaults) needs each service's id to find it again, and leaves out optional
    values our validation refuses, with a note. A coordinator's upload (``require_id=False,
    validate=False``) takes the rows as they are, so the import report shows every error to correct.
    """
    if not isinstance(svc, dict):
        raise Skip("it is not a JSON object")
    feed_id = _text(svc.get("id"))
    name = _text(svc.get("name"))
    if not feed_id and require_id:
        raise Skip("it has no id, so a re-import could not find it again")
    if not name:
        raise Skip("it has no name")
    out = Mapped(feed_id, name)
    status = (_text(svc.get("status")) or "active").lower()
    if status in ("inactive", "defunct"):
        raise Skip(f"its status is {status}")

    terms: dict[str, list[str]] = {}
    for attr in _list(svc.get("attributes")):
        hit = index.find(attr)
        if hit:
            terms.setdefault(hit[0], []).append(hit[1])
        else:
            out.unmapped_terms.append(index.label(attr))
    categories = list(dict.fromkeys(terms.get("category", [])))
    if not categories:
        categories, out.defaulted_category = [DEFAULT_CATEGORY], True

    places = [p for p in (_place(sal) for sal in _list(svc.get("service_at_locations"))) if p]
    wards, unplaced_areas = _wards(_list(svc.get("service_areas")), known_wards, ward_names)
    if unplaced_areas:
        out.notes.append(f"{unplaced_areas} service area(s) name no ward we hold")
    all_sessions, left_out = sessions(_list(svc.get("schedules")))
    if left_out:
        out.notes.append(_left_out(left_out))
    closure = closure_in_alert(svc.get("alert"))
    if closure is not None:
        all_sessions = [*all_sessions, render_closure(closure)]  # type: ignore[list-item]

    modes = list(dict.fromkeys(terms.get("mode", [])))
    url, phone = _text(svc.get("url")), _first_phone(svc)
    if not modes:
        modes = ["in_person"] if places else [m for m, has in (("online", url), ("phone", phone)) if has] or ["online"]
    if not places and "in_person" in modes:
        modes = [m for m in modes if m != "in_person"] or ["online"]
        out.notes.append("no location we can place, so it is listed as not in person")
    if not places and not wards:
        raise Skip(
            "it has no location we can place (no coordinates or known postcode) and no service area "
            "naming a ward we hold"
        )

    costs = _list(svc.get("cost_options"))
    cost = next((c for c in costs if _number(c.get("amount")) is not None or _text(c.get("amount_description"))), {})
    contacts = _list(svc.get("contacts"))
    org = _object(svc.get("organization"))
    description = _text(svc.get("description")) or ""
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1].rstrip() + "…"
        out.notes.append("description shortened to 5,000 characters")
    assured = _text(svc.get("assured_date"))
    base = {
        "name": name,
        "organisation": _text(org.get("name")),
        "description": description,
        "categories": categories,
        "audiences": list(dict.fromkeys(terms.get("audience", []))),
        "capabilities": list(dict.fromkeys(terms.get("capability", []))),
        "asset_type": next(iter(terms.get("asset_type") or []), None),
        "modes": modes,
        "service_area_wards": wards,
        "cost_amount": _number(cost.get("amount")),
        "cost_description": _text(cost.get("amount_description")) or _text(cost.get("option")),
        "contact_name": next((_text(c.get("name")) for c in contacts if _text(c.get("name"))), None),
        "email": _text(svc.get("email"))
        or next((_text(c.get("email")) for c in contacts if _text(c.get("email"))), None),
        "phone": phone,
        "url": url,
        "charity_number": _charity_number(org),
        "visibility": "public",
        "last_verified": assured[:10] if assured else None,
        "illustrative": "yes" if (_text(svc.get("alert")) or "").startswith(ILLUSTRATIVE_ALERT) else "no",
    }
    if len(places) > 1:
        out.notes.append(f"offered at {len(places)} places: one asset for each")
    each: list[dict | None] = [*places] or [None]
    for n, place in enumerate(each):
        row = dict(base, source_id=feed_id if n == 0 or not feed_id else f"{feed_id}@{place['id'] or n}")
        if place:
            label = place["name"] or place["postcode"] or f"place {n + 1}"
            if len(places) > 1 and label != name and len(f"{name} ({label})") <= MAX_NAME:
                row["name"] = f"{name} ({label})"
            row.update(
                lat=place["lat"],
                lon=place["lon"],
                postcode=place["postcode"],
                address=place["address"],
                how_to_get_there=place["how_to_get_there"],
                accessibility=place["accessibility"],
            )
            extra, extra_left_out = sessions(place["schedules"])
            row["schedule"] = all_sessions + [e for e in extra if e not in all_sessions]
            if extra_left_out:
                out.notes.append(_left_out(extra_left_out, "place "))
        else:
            row["schedule"] = all_sessions
        out.rows.append(validated(row, vocab, known_wards, out.notes) if validate else row)
    return out


def validated(row: dict, vocab: dict, known_wards: set[str], notes: list[str]) -> dict:
    """The row, with refused optional values left out (noted); Skip if something essential is wrong."""
    for _ in range(4):
        try:
            parse_record(row, vocab, known_wards)
            return row
        except RecordInvalid as exc:
            fatal = []
            for fname, message in exc.errors:
                if fname in DROPPABLE and row.get(fname) not in (None, "", []):
                    notes.append(f"{fname.replace('_', ' ')} left out: {message}")
                    row[fname] = None
                elif fname in ("lat", "lon") and row.get("postcode") and row.get("lat") is not None:
                    notes.append(f"coordinates left out ({message}); placed by postcode instead")
                    row["lat"] = row["lon"] = None
                elif fname == "postcode" and row.get("lat") is not None and row.get("postcode"):
                    notes.append(f"postcode left out: {message}")
                    row["postcode"] = None
                else:
                    fatal.append(message)
            if fatal:
                raise Skip("; ".join(dict.fromkeys(fatal))) from None
    raise Skip("its details could not be made valid")


# --------------------------------------------------------------------------- a coordinator's ORUK upload


def services_in(obj) -> list:
    """The list of service objects in an ORUK document."""
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict) and isinstance(obj.get("contents"), list):
        return obj["contents"]
    if isinstance(obj, dict) and isinstance(obj.get("content"), list):
        return obj["content"]
    if isinstance(obj, dict) and "name" in obj:
        return [obj]
    raise ValidationError(
        'This is not Open Referral UK JSON: expected a service, a list of services or a page with "contents"'
    )


def oruk_rows(
    obj, vocab: dict[str, set[str]], ward_names: dict[str, str]
) -> tuple[list[dict], list[int], list[tuple[int, str, str]], list[str]]:
    """A coordinator's upload: (rows, the number of the service each row came from, refused services as
    (number, field, message), notes). Unlike a feed, a service needs no id, and nothing is left out quietly:
    every row is validated later by the same ``parse_record`` as any other import, so the report lists each
    error to correct. A service that cannot become an asset at all is reported against its number."""
    index, known = TermIndex(catalogue()), set(ward_names)
    rows: list[dict] = []
    numbers: list[int] = []
    errors: list[tuple[int, str, str]] = []
    notes: list[str] = []
    for n, svc in enumerate(services_in(obj), start=1):
        try:
            m = map_service(
                upgrade_v1(svc), index, vocab, known, ward_names=ward_names, require_id=False, validate=False
            )
        except Skip as exc:
            errors.append((n, "service", f"This service cannot become an asset: {exc}"))
            continue
        rows.extend(m.rows)
        numbers.extend([n] * len(m.rows))
        notes.extend(f"Service {n} ({m.name}): {note}" for note in dict.fromkeys(m.notes))
        if m.unmapped_terms:
            notes.append(
                f"Service {n} ({m.name}): taxonomy terms we do not hold were left out: "
                + ", ".join(dict.fromkeys(m.unmapped_terms))
            )
        if m.defaulted_category:
            notes.append(f"Service {n} ({m.name}): no category we hold, so it is listed as information and advice")
    return rows, numbers, errors, notes
