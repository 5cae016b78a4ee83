"""Translating between the asset form, the JSON API and the asset template's field names.

Validation itself happens once, in ``directory.records.parse_record``; this module only moves
values between shapes and turns (field, message) pairs into ids the error summary can link to.
"""

from __future__ import annotations

from ..directory.records import TEMPLATE_FIELDS
from ..directory.store import as_input
from ..errors import ValidationError
from ..vocabulary import CONSENT_METHODS, day_code
from . import schedule_form

#: fields the asset form edits (verification is its own action; source ids are not editable)
FORM_FIELDS = [
    f for f in TEMPLATE_FIELDS if f not in ("source_id", "last_verified", "verification_method", "illustrative")
]
LIST_FORM_FIELDS = ("categories", "audiences", "capabilities", "modes", "service_area_wards", "accessibility")
PLACE_FIELDS = ("address", "postcode", "lat", "lon", "how_to_get_there", "accessibility")

FIELD_LABELS = {
    "name": "Name",
    "organisation": "Organisation",
    "description": "Description",
    "categories": "Categories",
    "audiences": "Who it is for",
    "capabilities": "What matters",
    "asset_type": "Asset type",
    "modes": "How people take part",
    "address": "Address",
    "postcode": "Postcode",
    "lat": "Latitude",
    "lon": "Longitude",
    "service_area_wards": "Wards it covers",
    "schedule": "When",
    "cost_amount": "Cost (£)",
    "cost_description": "About the cost",
    "accessibility": "Accessibility",
    "how_to_get_there": "How to get there",
    "contact_name": "Contact name",
    "email": "Email",
    "phone": "Phone",
    "url": "Website",
    "charity_number": "Charity number",
    "visibility": "Who can see it",
    "last_verified": "Last checked",
    "verification_method": "How it was checked",
    "illustrative": "Illustrative",
    "archived": "Archived",
    "steward": "Steward",
    "organiser_name": "Organiser's name (never published; reminders only)",
    "organiser_email": "Organiser's email address (never published; reminders only)",
    "organiser_consent_on": "When the organiser agreed to be emailed (YYYY-MM-DD; today if empty)",
    "organiser_consent_method": "How they agreed: " + ", ".join(CONSENT_METHODS.codes),
}


# --------------------------------------------------------------------------- the HTML form


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def form_fields(form) -> tuple[dict, list[tuple[str, str]]]:
    """The asset form -> template fields to merge over the stored asset, plus form-only errors.

    When the postcode changed but the pin did not move, the old pin is dropped so the new postcode
    places the asset; when "in person" is not ticked the place is removed.
    """
    errors: list[tuple[str, str]] = []
    out: dict = {}
    for name in FORM_FIELDS:
        if name in LIST_FORM_FIELDS:
            out[name] = [v for v in form.getlist(name) if v.strip()]
        elif name != "schedule":
            out[name] = _clean(form.get(name))
    out["schedule"], schedule_errors = schedule_form.schedule_items(
        schedule_form.posted_rows(form), schedule_form.posted_closure(form)
    )
    errors += schedule_errors
    if "in_person" not in out["modes"]:
        for name in PLACE_FIELDS:
            out[name] = [] if name == "accessibility" else None
    else:
        moved = (out["lat"], out["lon"]) != (_clean(form.get("original_lat")), _clean(form.get("original_lon")))
        new_postcode = (out["postcode"] or "").upper().replace(" ", "") != (
            form.get("original_postcode") or ""
        ).upper().replace(" ", "")
        if new_postcode and not moved:
            out["lat"] = out["lon"] = None
    return out, errors


def error_id(field: str, index: int = 0) -> str:
    """The id of the input an error summary link should focus."""
    if field == "schedule":
        return "schedule-0-how"
    if field == "version":
        return ""
    return field or ""


#: the order fields appear on the asset form, so the error summary reads top to bottom
FORM_ORDER = [
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
    "how_to_get_there",
    "accessibility",
    "service_area_wards",
    "schedule",
    "closed",
    "cost_amount",
    "cost_description",
    "contact_name",
    "email",
    "phone",
    "url",
    "charity_number",
    "organiser_name",
    "organiser_email",
    "organiser_consent_method",
    "organiser_consent_on",
    "visibility",
    "verification_method",
    "steward_id",
]


def _position(error_field: str) -> tuple[int, int]:
    if error_field.startswith("schedule-"):
        return FORM_ORDER.index("schedule"), int(error_field.split("-")[1])
    if error_field.startswith("closed-"):
        return FORM_ORDER.index("closed"), 0
    return (FORM_ORDER.index(error_field) if error_field in FORM_ORDER else len(FORM_ORDER)), 0


def in_form_order(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(errors, key=lambda e: _position(e[0] or ""))


def record_errors(exc) -> list[tuple[str, str]]:
    """(id, message) pairs from a RecordInvalid or any ValidationError, in the form's order."""
    pairs = getattr(exc, "errors", None) or [(exc.field or "", exc.message)]
    return in_form_order([(error_id(f), m) for f, m in pairs])


def form_values(snapshot: dict) -> dict:
    """A stored snapshot -> values the form template shows."""
    values = as_input(snapshot)
    values["schedule_rows"], values["closure"] = schedule_form.rows_of(values.get("schedule") or [])
    return values


def posted_values(form, fields: dict) -> dict:
    """What the person typed, to show the form again after an error or conflict."""
    values = {k: (v if v is not None else "") for k, v in fields.items()}
    for name in ("lat", "lon", "postcode", "address", "how_to_get_there"):
        values[name] = form.get(name, "")
    values["schedule_rows"] = schedule_form.posted_rows(form)
    values["closure"] = schedule_form.posted_closure(form)
    return values


def padded_schedule(rows: list[dict], spare: int = 1) -> list[dict]:
    """The sessions typed so far and ``spare`` empty ones (one more after "Add another session")."""
    return schedule_form.padded(rows, spare)


# --------------------------------------------------------------------------- the JSON API

#: fields a client may never set: they belong to the service, not to the asset's description
REFUSED_API_FIELDS = {
    "id",
    "role",
    "ward",
    "ward_code",
    "wards",
    "ward_name",
    "constituency",
    "constituency_code",
    "archived",
    "archived_at",
    "steward",
    "steward_id",
    "steward_email",
    "source",
    "source_id",
    "created_at",
    "updated_at",
    "changed_by",
    "organisation_id",
    "service_id",
    "location_id",
    "user_id",
    "status",
}
API_FIELDS = set(TEMPLATE_FIELDS) - {"source_id"} | {"cost", "contact", "version"}


def api_fields(body, patch: bool) -> tuple[dict, int | None]:  # noqa: C901 - complexity 16
    """A JSON body -> template fields and the version it carries; refuses unknown or protected keys."""
    if not isinstance(body, dict):
        raise ValidationError("Send the asset as a JSON object")
    refused = sorted(k for k in body if k in REFUSED_API_FIELDS)
    if refused:
        raise ValidationError(
            f"These fields cannot be set through the API: {', '.join(refused)}",
            field=refused[0],
            extra={"refused": refused},
        )
    unknown = sorted(k for k in body if k not in API_FIELDS)
    if unknown:
        raise ValidationError(
            f"Unknown fields: {', '.join(unknown[:10])}", field=unknown[0], extra={"unknown": unknown}
        )
    version = body.get("version")
    if patch:
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValidationError(
                "Send the version you read (an integer) so changes cannot overwrite someone else's", field="version"
            )
    elif "version" in body:
        raise ValidationError("A new asset has no version yet: leave out version", field="version")
    out = {k: v for k, v in body.items() if k in TEMPLATE_FIELDS}
    if "cost" in body:
        cost = body["cost"]
        if isinstance(cost, dict):
            out.setdefault("cost_amount", cost.get("amount"))
            out.setdefault("cost_description", cost.get("description"))
        elif cost is None or isinstance(cost, (int, float, str)) and not isinstance(cost, bool):
            out.setdefault("cost_amount", cost)
        else:
            raise ValidationError('cost must be an amount or {"amount", "description"}', field="cost")
    if "contact" in body:
        contact = body["contact"]
        if isinstance(contact, dict):
            for key, name in (("name", "contact_name"), ("email", "email"), ("phone", "phone")):
                if key in contact:
                    out.setdefault(name, contact[key])
        elif contact is None or isinstance(contact, str):
            out.setdefault("contact_name", contact)
        else:
            raise ValidationError('contact must be a name or {"name", "email", "phone"}', field="contact")
    if isinstance(out.get("schedule"), list):
        out["schedule"] = [_api_session(s) for s in out["schedule"]]
    return out, version


def _api_session(item):
    """A session as the API takes it: the text form ('1st mon 10:00-12:00') or an ORUK schedule object
    ({"freq": "MONTHLY", "byday": "1MO", "opens_at": "10:00", "closes_at": "12:00"}; ``day`` is read as
    ``byday``, as the API always has). ``parse_record`` reads both."""
    if isinstance(item, dict) and "day" in item and "byday" not in item:
        item = {**{k: v for k, v in item.items() if k != "day"}, "byday": day_code(str(item["day"])) or item["day"]}
    return item


def merge(current: dict, fields: dict, source_id: str | None = None) -> dict:
    """Given fields over the stored snapshot; a new postcode without a new point re-places the asset."""
    raw = {**as_input(current), **fields, "source_id": source_id}
    if (
        "postcode" in fields
        and (fields["postcode"] or "") != (current.get("postcode") or "")
        and "lat" not in fields
        and "lon" not in fields
    ):
        raw["lat"] = raw["lon"] = None
    return raw


# --------------------------------------------------------------------------- the organiser's form

#: what an organiser may change through their link (the rest - categories, who may see it, wards, the exact
#: pin - is the steward's); the place's fields only for a listing with a place the public may see
ORGANISER_FORM_FIELDS = [
    "name",
    "organisation",
    "description",
    "address",
    "postcode",
    "how_to_get_there",
    "accessibility",
    "schedule",
    "cost_amount",
    "cost_description",
    "contact_name",
    "email",
    "phone",
    "url",
]
ORGANISER_PLACE_FIELDS = ("address", "postcode", "how_to_get_there", "accessibility")


def organiser_form_fields(form, with_place: bool) -> tuple[dict, list[tuple[str, str]]]:
    """The organiser's form -> the fields it may change, read by the coordinator's form reader (so the same
    rules apply) and then cut down to ``ORGANISER_FORM_FIELDS``."""
    from werkzeug.datastructures import MultiDict

    as_coordinator = MultiDict(form)
    as_coordinator.setlist("modes", ["in_person"])  # keeps the place fields as typed; they are cut below
    out, errors = form_fields(as_coordinator)
    allowed = [f for f in ORGANISER_FORM_FIELDS if with_place or f not in ORGANISER_PLACE_FIELDS]
    return {k: out[k] for k in allowed if k in out}, errors
