"""Community suggestions and problem reports: anyone may send one; coordinators of the ward review it.

A suggester's email is only kept while the suggestion is open (so a coordinator can ask a
question) and is cleared when it is resolved.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import and_, or_, select

from ... import parsing, postcodes
from ...db import session, transaction
from ...directory import access
from ...directory.records import RecordInvalid
from ...errors import Conflict, NotFound, ValidationError
from ...geo import point
from ...models import Service, Suggestion, Ward
from ...vocabulary import PROBLEM_TYPES

LIMITS = {
    "postcode": 40,
    "ward": 20,
    "problem_type": 40,
    "name": 200,
    "description": 2000,
    "when": 300,
    "website": 500,
    "group_contact": 300,
    "suggester_name": 200,
    "suggester_email": 254,
    "details": 2000,
}
MULTILINE = ("description", "details")


def _text(fields: dict, name: str, errors: list, required: str | None = None) -> str | None:
    return parsing.collect(
        errors,
        parsing.text,
        fields.get(name),
        name,
        max_len=LIMITS[name],
        multiline=name in MULTILINE,
        required=required,
    )


def _suggester(fields: dict, errors: list) -> tuple[str | None, str | None]:
    name = _text(fields, "suggester_name", errors)
    email = parsing.collect(
        errors, parsing.email, fields.get("suggester_email"), "suggester_email", label="Suggester email"
    )
    return name, email


def suggest_asset(fields: dict) -> Suggestion:
    """A member of the public suggests a new asset; it goes to the coordinators of its ward."""
    errors: list[tuple[str, str]] = []
    name = _text(fields, "name", errors, "Enter the name of the group, place or service")
    description = _text(fields, "description", errors, "Tell us what happens there")
    when = _text(fields, "when", errors)
    website = parsing.collect(
        errors, parsing.web_address, fields.get("website"), "website", max_len=LIMITS["website"], label="Website"
    )
    group_contact = _text(fields, "group_contact", errors)
    suggester_name, suggester_email = _suggester(fields, errors)
    raw_postcode = _text(fields, "postcode", errors) or ""
    ward = _text(fields, "ward", errors)
    lon_lat, postcode = None, None
    if raw_postcode:
        try:
            pt = postcodes.lookup(raw_postcode)
            lon_lat, postcode = (pt.lon, pt.lat), pt.postcode
            ward = next(iter(access.wards_at(pt.lon, pt.lat)), None) or pt.ward_code
        except (ValidationError, NotFound) as exc:
            errors.append(("postcode", exc.message))
    elif ward:
        if session.get(Ward, ward) is None:
            errors.append(("ward", "Choose the area from the list"))
    else:
        errors.append(("postcode", "Enter the postcode of the place, or choose the area if it has no fixed place"))
    if errors:
        raise RecordInvalid(errors)
    proposed = {
        "name": name,
        "description": description,
        "when": when or "",
        "website": website or "",
        "group_contact": group_contact or "",
        "postcode": postcode or "",
        "ward": ward or "",
    }
    with transaction():
        row = Suggestion(
            id=uuid.uuid4(),
            kind="new_asset",
            proposed=proposed,
            ward_code=ward,
            details=description,
            suggester_name=suggester_name,
            suggester_email=suggester_email,
            geom=point(*lon_lat) if lon_lat else None,
        )
        session.add(row)
    return row


def report_problem(user, service_id, fields: dict) -> Suggestion:
    """Anyone who can see a listing may report a problem with it."""
    service = access.readable_service(user, service_id)
    errors: list[tuple[str, str]] = []
    kind = _text(fields, "problem_type", errors) or ""
    if kind not in PROBLEM_TYPES:
        errors.append(("problem_type", "Choose what is wrong"))
    details = _text(fields, "details", errors, "Tell us what is wrong" if kind == "other" else None)
    suggester_name, suggester_email = _suggester(fields, errors)
    if errors:
        raise RecordInvalid(errors)
    wards = sorted(access.service_wards(service.id))
    with transaction():
        row = Suggestion(
            id=uuid.uuid4(),
            kind="problem",
            service_id=service.id,
            problem_type=kind,
            details=details or "",
            ward_code=wards[0] if wards else None,
            suggester_name=suggester_name,
            suggester_email=suggester_email,
        )
        session.add(row)
    return row


def in_scope(user):
    """A WHERE clause on Suggestion: those the user may review."""
    wards = access.editable_wards(user)
    if wards is None:
        return Suggestion.id.is_not(None)
    if not wards:
        return Suggestion.id.is_(None)
    editable = select(Service.id).where(access.editable_filter(user))
    return or_(
        and_(Suggestion.kind == "new_asset", Suggestion.ward_code.in_(wards)),
        and_(Suggestion.kind == "problem", Suggestion.service_id.in_(editable)),
    )


def open_for(user) -> list[Suggestion]:
    """Open suggestions and problem reports for the user's areas, oldest first."""
    return list(
        session.execute(
            select(Suggestion)
            .where(Suggestion.status == "open", in_scope(user))
            .order_by(Suggestion.created_at, Suggestion.id)
        ).scalars()
    )


def for_review(user, suggestion_id) -> Suggestion:
    """An open suggestion the user may act on: 404 if unknown, 403 (logged) if not in their area."""
    try:
        sid = uuid.UUID(str(suggestion_id))
    except ValueError:
        raise NotFound("That suggestion does not exist.") from None
    row = session.get(Suggestion, sid)
    if row is None:
        raise NotFound("That suggestion does not exist.")
    if access.role_of(user) not in ("admin", "coordinator"):
        access.deny(user, "review-suggestion", row.service_id)
    allowed = session.execute(select(Suggestion.id).where(Suggestion.id == row.id, in_scope(user))).first()
    if not allowed:
        access.deny(
            user, "review-suggestion", row.service_id, message="This suggestion is for an area you do not look after."
        )
    return row


def for_asset(user, suggestion_id, service_id=None) -> Suggestion | None:
    """The open suggestion a save answers: a new-asset suggestion, or a problem report about this asset."""
    if not suggestion_id:
        return None
    row = for_review(user, suggestion_id)
    require_open(row)
    expected = "new_asset" if service_id is None else "problem"
    if row.kind != expected or (service_id is not None and row.service_id != service_id):
        raise ValidationError("That suggestion is not about this asset", field="suggestion")
    return row


def require_open(row: Suggestion) -> None:
    if row.status != "open":
        raise Conflict("This suggestion has already been dealt with.")


def resolve_row(user, row: Suggestion, status: str) -> None:
    """Close a suggestion; the suggester's email is no longer needed and is removed."""
    require_open(row)
    row.status = status
    row.resolved_by_id = user.id
    row.resolved_at = dt.datetime.now(dt.UTC)
    row.suggester_email = None


def resolve(user, suggestion_id, status: str) -> Suggestion:
    if status not in ("accepted", "rejected"):
        raise ValidationError("Choose accept or reject", field="status")
    with transaction():
        row = for_review(user, suggestion_id)
        resolve_row(user, row, status)
    return row


def source_note(row: Suggestion) -> str:
    """The history note naming where a change came from."""
    who = row.suggester_name or "a member of the public"
    if row.kind == "new_asset":
        return f"Suggested by {who} on {row.created_at:%d %B %Y}"
    return f"After a problem report from {who} ({PROBLEM_TYPES.label(row.problem_type, 'other').lower()})"


def prefill(row: Suggestion) -> dict:
    """Template fields for the new-asset form from a suggestion."""
    p = row.proposed or {}
    fields = {
        "name": p.get("name", ""),
        "description": p.get("description", ""),
        "url": p.get("website", ""),
        "postcode": p.get("postcode", ""),
        "modes": ["in_person"] if p.get("postcode") else [],
    }
    if not p.get("postcode") and p.get("ward"):
        fields["service_area_wards"] = [p["ward"]]
    return fields
