"""An asset as validated input: one parser for forms, the JSON API, CSV/GeoJSON imports and demo data.

``parse_record`` takes a flat mapping using the asset CSV template's field names (lists may be
given as lists or as ";"-separated strings) and returns an ``AssetRecord`` or raises
``RecordInvalid`` carrying every problem as (field, message) pairs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .. import parsing, postcodes
from ..errors import ValidationError
from ..schedules import Closure, Session, parse_item
from ..schedules.oruk import from_oruk
from ..vocabulary import ACCESSIBILITY, MODES, VERIFICATION_METHODS, VISIBILITY

#: The asset CSV template, in column order (see README "Importing assets").
TEMPLATE_FIELDS = [
    "source_id",
    "name",
    "organisation",
    "description",
    "categories",
    "audiences",
    "capabilities",
    "asset_type",
    "modes",
    "address",
    "postcode",
    "lat",
    "lon",
    "service_area_wards",
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
    "visibility",
    "last_verified",
    "verification_method",
    "illustrative",
]
#: the Open Referral UK ``alert`` of an illustrative (invented) listing: published, and recognised on import
ILLUSTRATIVE_ALERT = (
    "Illustrative listing: invented to demonstrate AssetMap, with a real postcode location. It is not a real service."
)
#: the template column each taxonomy's term codes go in
TERM_FIELDS = {
    "category": "categories",
    "audience": "audiences",
    "capability": "capabilities",
    "asset_type": "asset_type",
}
LIST_FIELDS = ("categories", "audiences", "capabilities", "modes", "service_area_wards", "accessibility", "schedule")
MAX_TEXT = {
    "name": 200,
    "organisation": 200,
    "description": 5000,
    "address": 300,
    "how_to_get_there": 1000,
    "contact_name": 200,
    "email": 254,
    "phone": 40,
    "url": 500,
    "charity_number": 20,
    "cost_description": 300,
    "source_id": 200,
}
DEFAULT_MAX_TEXT = 200
#: fields whose line breaks are kept
MULTILINE = ("description", "how_to_get_there", "address", "cost_description")
COORDINATE_LABELS = {"lat": "Latitude", "lon": "Longitude"}

#: the most sessions one listing may have
MAX_SESSIONS = 50
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
_WARD = re.compile(r"^E05[0-9]{6}$")
#: England and Wales (a linked charity adds "-1"), Scotland (SC…), Northern Ireland (NIC…); the database's
#: CHECK ``service_charity_number_format`` holds the same
_CHARITY = re.compile(r"^([0-9]{6,8}(-[0-9]{1,2})?|SC[0-9]{6}|NIC[0-9]{6})$")
TRUE = {"yes", "y", "true", "1", "on"}
FALSE = {"no", "n", "false", "0", "off", ""}


class RecordInvalid(ValidationError):
    """One or more fields are wrong; ``errors`` lists (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        first_field, first_msg = errors[0]
        super().__init__(
            first_msg, field=first_field, extra={"errors": [{"field": f, "message": m} for f, m in errors]}
        )


@dataclass
class AssetRecord:
    name: str
    description: str = ""
    organisation: str | None = None
    categories: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    asset_type: str | None = None
    modes: list[str] = field(default_factory=lambda: ["in_person"])
    address: str | None = None
    postcode: str | None = None
    lon: float | None = None
    lat: float | None = None
    service_area_wards: list[str] = field(default_factory=list)
    schedule: list[Session] = field(default_factory=list)
    #: temporarily closed (given in the schedule as 'closed from … to …')
    closure: Closure | None = None
    cost_amount: Decimal | None = None
    cost_description: str | None = None
    accessibility: list[str] = field(default_factory=list)
    how_to_get_there: str | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    charity_number: str | None = None
    visibility: str = "public"
    last_verified: dt.date | None = None
    verification_method: str | None = None
    illustrative: bool = False
    source_id: str | None = None

    @property
    def has_place(self) -> bool:
        return self.lon is not None and self.lat is not None


def _text(raw, name: str, errors: list) -> str | None:
    return parsing.collect(
        errors,
        parsing.text,
        raw,
        name,
        max_len=MAX_TEXT.get(name, DEFAULT_MAX_TEXT),
        multiline=name in MULTILINE,
        numbers=True,
    )


def split_list(raw) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        items = raw
    elif isinstance(raw, str):
        items = raw.split(";")
    else:
        raise TypeError
    out = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


def normalise_charity_number(text: str) -> str | None:
    """'sc 012345' -> 'SC012345', '1123456 - 1' -> '1123456-1'; None if it is not a charity number."""
    value = re.sub(r"\s+", "", text).upper()
    return value if _CHARITY.match(value) else None


def schedule_item(item) -> Session | Closure:
    """One schedule item: the text form ('1st mon 10:00-12:00', 'closed from … to …'), an ORUK-shaped schedule
    object (feeds, the JSON API), or one already read; ValueError saying what is wrong."""
    if isinstance(item, (Session, Closure)):
        return item
    if isinstance(item, dict):
        return from_oruk(item)
    return parse_item(item)


def _schedule(raw, rec: AssetRecord, errors: list) -> None:
    """The schedule field: a list (or ';'-separated text) of sessions and at most one closure."""
    if isinstance(raw, (list, tuple)):
        items = [i for i in raw if not (isinstance(i, str) and not i.strip())]
    else:
        try:
            items = split_list(raw)
        except TypeError:
            errors.append(("schedule", "Schedule must be a list of sessions like 'mon 10:00-12:00'"))
            return
    for n, item in enumerate(items, start=1):
        if not isinstance(item, (str, dict, Session, Closure)):
            errors.append(("schedule", f"Schedule: session {n} must be text like 'mon 10:00-12:00' or an object"))
            continue
        try:
            read = schedule_item(item)
        except ValueError as exc:
            errors.append(
                ("schedule", f"Schedule: {exc}" if isinstance(item, str) else f"Schedule: session {n}: {exc}")
            )
            continue
        if isinstance(read, Closure):
            if rec.closure is not None and rec.closure != read:
                errors.append(("schedule", "Schedule: give one temporary closure ('closed from … to …'), not two"))
            rec.closure = read
        elif read not in rec.schedule:
            rec.schedule.append(read)
    if len(rec.schedule) > MAX_SESSIONS:
        errors.append(("schedule", f"A schedule can have at most {MAX_SESSIONS} sessions"))


def _bool(raw, name: str, errors: list) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    if isinstance(raw, str) and raw.strip().lower() in TRUE | FALSE:
        return raw.strip().lower() in TRUE
    errors.append((name, f"{name.capitalize()} must be yes or no"))
    return False


def _coordinate(raw, name: str, errors: list) -> float | None:
    return parsing.collect(errors, parsing.number, raw, name, label=COORDINATE_LABELS[name], default=None)


def parse_record(  # noqa: C901 - complexity 39
    raw: dict,
    vocab: dict[str, set[str]],
    known_wards: set[str] | None = None,
    resolve_postcode=True,
) -> AssetRecord:
    """Validate a flat mapping into an AssetRecord; ``vocab`` holds the allowed taxonomy codes."""
    errors: list[tuple[str, str]] = []
    if not isinstance(raw, dict):
        raise RecordInvalid([("", "Send the asset as a JSON object")])
    g = {k: raw.get(k) for k in TEMPLATE_FIELDS}

    name = _text(g["name"], "name", errors)
    if not name:
        errors.append(("name", "Enter the name of the asset"))
    rec = AssetRecord(name=name or "")
    rec.description = _text(g["description"], "description", errors) or ""
    rec.organisation = _text(g["organisation"], "organisation", errors)
    rec.source_id = _text(g["source_id"], "source_id", errors)

    for fname, taxonomy in (("categories", "category"), ("audiences", "audience"), ("capabilities", "capability")):
        try:
            codes = split_list(g[fname])
        except TypeError:
            errors.append((fname, f"{fname.capitalize()} must be a list of codes"))
            continue
        bad = [c for c in codes if c not in vocab.get(taxonomy, set())]
        if bad:
            errors.append((fname, f"Unknown {taxonomy.replace('_', ' ')}: {', '.join(bad[:5])}"))
        setattr(rec, fname, [c for c in codes if c not in bad])
    if not rec.categories and not any(f == "categories" for f, _ in errors):
        errors.append(("categories", "Select at least one category"))

    asset_type = _text(g["asset_type"], "asset_type", errors)
    if asset_type and asset_type not in vocab.get("asset_type", set()):
        errors.append(("asset_type", f"Unknown asset type: {asset_type}"))
    rec.asset_type = asset_type

    try:
        modes = split_list(g["modes"]) or ["in_person"]
    except TypeError:
        modes = ["in_person"]
        errors.append(("modes", "Modes must be a list"))
    bad = [m for m in modes if m not in MODES]
    if bad:
        errors.append(("modes", f"Unknown way of taking part: {', '.join(bad)}. Use {MODES.either()}"))
    rec.modes = [m for m in modes if m in MODES] or ["in_person"]

    rec.address = _text(g["address"], "address", errors)
    rec.how_to_get_there = _text(g["how_to_get_there"], "how_to_get_there", errors)
    lon_, lat_ = _coordinate(g["lon"], "lon", errors), _coordinate(g["lat"], "lat", errors)
    pc_raw = _text(g["postcode"], "postcode", errors)
    if pc_raw:
        try:
            rec.postcode = postcodes.normalise(pc_raw)
        except ValidationError as exc:
            errors.append(("postcode", exc.message))
    if (lon_ is None) != (lat_ is None):
        errors.append(("lat" if lat_ is None else "lon", "Give both latitude and longitude, or neither"))
    elif lon_ is not None:
        rec.lon, rec.lat = parsing.collect(errors, parsing.lon_lat, lon_, lat_) or (None, None)
    elif rec.postcode and resolve_postcode:
        try:
            pt = postcodes.lookup(rec.postcode)
            rec.lon, rec.lat = pt.lon, pt.lat
        except ValidationError as exc:
            errors.append(("postcode", exc.message))
        except Exception as exc:  # NotFound
            errors.append(("postcode", getattr(exc, "message", str(exc))))

    try:
        wards = split_list(g["service_area_wards"])
    except TypeError:
        wards = []
        errors.append(("service_area_wards", "Service area wards must be a list of ward codes"))
    bad = [w for w in wards if not _WARD.match(w) or (known_wards is not None and w not in known_wards)]
    if bad:
        errors.append(("service_area_wards", f"Unknown ward code: {', '.join(bad[:5])}"))
    rec.service_area_wards = [w for w in wards if w not in bad]
    if "in_person" in rec.modes and not rec.has_place and not any(f in ("lat", "lon", "postcode") for f, _ in errors):
        errors.append(
            (
                "postcode",
                "Enter the postcode or the map position of the place, "
                "or choose online or phone if there is no fixed place",
            )
        )
    if not rec.has_place and not rec.service_area_wards and "in_person" not in rec.modes:
        errors.append(("service_area_wards", "Choose at least one ward this service covers"))

    _schedule(g["schedule"], rec, errors)

    amount = g["cost_amount"]
    if amount is not None and str(amount).strip() != "" and not isinstance(amount, bool):
        try:
            value = Decimal(str(amount).strip().lstrip("£"))
            if not value.is_finite() or value < 0 or value >= 100000:
                raise InvalidOperation
            rec.cost_amount = value.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors.append(("cost_amount", "Cost must be an amount in pounds, like 3.50, or 0 if free"))
    elif isinstance(amount, bool):
        errors.append(("cost_amount", "Cost must be an amount in pounds, like 3.50, or 0 if free"))
    rec.cost_description = _text(g["cost_description"], "cost_description", errors)

    try:
        access = split_list(g["accessibility"])
    except TypeError:
        access = []
        errors.append(("accessibility", "Accessibility must be a list"))
    bad = [a for a in access if a not in ACCESSIBILITY]
    if bad:
        errors.append(("accessibility", f"Unknown accessibility feature: {', '.join(bad)}"))
    rec.accessibility = [a for a in access if a in ACCESSIBILITY]

    rec.contact_name = _text(g["contact_name"], "contact_name", errors)
    rec.email = parsing.collect(errors, parsing.email, g["email"], "email", label="Email")
    phone = _text(g["phone"], "phone", errors)
    if phone and not _PHONE.match(phone):
        errors.append(("phone", "Enter a phone number, like 0121 496 0000"))
    rec.phone = phone
    rec.url = parsing.collect(errors, parsing.web_address, g["url"], "url", max_len=MAX_TEXT["url"], label="Website")
    charity = _text(g["charity_number"], "charity_number", errors)
    if charity:
        rec.charity_number = normalise_charity_number(charity)
        if rec.charity_number is None:
            errors.append(("charity_number", "Enter a registered charity number, like 1123456, SC012345 or NIC100001"))

    visibility = _text(g["visibility"], "visibility", errors) or "public"
    if visibility not in VISIBILITY:
        errors.append(("visibility", f"Visibility must be {VISIBILITY.either()}"))
    rec.visibility = visibility

    verified = _text(g["last_verified"], "last_verified", errors)
    if verified:
        try:
            rec.last_verified = dt.date.fromisoformat(verified)
            if rec.last_verified > dt.date.today():
                errors.append(("last_verified", "The date it was last checked must be today or in the past"))
        except ValueError:
            errors.append(("last_verified", "Enter the date it was last checked as YYYY-MM-DD"))
    method = _text(g["verification_method"], "verification_method", errors)
    if method and method not in VERIFICATION_METHODS:
        errors.append(("verification_method", f"How it was checked must be {VERIFICATION_METHODS.either()}"))
    rec.verification_method = method
    if rec.last_verified and not method:
        rec.verification_method = "self-reported"
    rec.illustrative = _bool(g["illustrative"], "illustrative", errors)

    if errors:
        raise RecordInvalid(errors)
    return rec
