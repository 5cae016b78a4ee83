"""Use cases of the practitioners' journey. Each owns its transaction (commit, or roll back and re-raise).

Nothing here stores a postcode, a name or free text about the person: the connection log and the
"nothing suitable" signal keep taxonomy codes, the ward and LSOA of the search area and a date.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from .. import geo, parsing, postcodes
from ..db import session, transaction
from ..directory import access
from ..directory.read import now_london
from ..errors import NotFound, ValidationError
from ..models import ConnectionLog, UnmetNeed
from ..taxonomy import term_codes, terms_matching
from ..vocabulary import FOLLOWUP_ANSWERS
from .params import TAXONOMY_FIELDS, Filters
from .queries import Origin

#: the 404 of an asset a practitioner can no longer read
ASSET_GONE = "We could not find that asset. It may have been removed."
#: follow-up references avoid look-alike characters (0/O, 1/I/L) so they survive being written down
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def parse_filters_fresh(parse):
    """``parse(vocabulary)`` -> (filters, errors), tried again with freshly read terms if a term code was
    refused: a term the admin added in another worker is known at once, not after the cache expires."""
    filters, errors = parse(term_codes())
    if any(field in TAXONOMY_FIELDS for field, _message in errors):
        filters, errors = parse(term_codes(refresh=True))
    return filters, errors


def resolve_origin(
    postcode: str | None = None,
    point: tuple[float, float] | None = None,
    field_prefix: str = "",
    with_areas: bool = True,
) -> Origin:
    """The search point from a postcode (ValidationError if malformed, NotFound if unknown) or a lon/lat.

    ``with_areas`` looks up its ward, LSOA and constituency now (pages keep them with the search);
    without, the search query finds the ward itself.
    """
    if postcode is not None:
        pc = postcodes.lookup(postcode, field=field_prefix + "postcode")
        lon, lat = pc.lon, pc.lat
    elif point is not None:
        lon, lat = parsing.lon_lat(*point, field=field_prefix + "lat")
    else:
        raise ValidationError("Enter a postcode", field=field_prefix + "postcode")
    if not with_areas:
        return Origin(lon=lon, lat=lat, areas_known=False)
    ward, lsoa, con = geo.areas_at(lon, lat)
    return Origin(lon=lon, lat=lat, ward_code=ward, lsoa_code=lsoa, constituency_code=con)


def new_followup_ref() -> str:
    raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_ref(raw: str | None) -> str:
    compact = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(compact) != 8 or any(ch not in REF_ALPHABET for ch in compact):
        raise ValidationError("Enter the reference you were given, like ABCD-EF23", field="reference")
    return f"{compact[:4]}-{compact[4:]}"


def check_capability(capability: str | None) -> str:
    """The 'what matters' code a connection is recorded for (ValidationError if missing or unknown)."""
    if not capability:
        raise ValidationError("Choose what matters to the person that this asset helps with", field="capability")
    if capability not in term_codes()["capability"]:
        raise ValidationError("Choose what matters from the list", field="capability")
    return capability


def record_connection(
    asset_id: uuid.UUID, capability: str | None, origin: Origin | None, user, want_followup: bool
) -> ConnectionLog:
    """'I connected someone to this asset': asset, date, capability, the search area's ward and LSOA."""
    check_capability(capability)
    with transaction():
        service = access.readable_service(user, asset_id, missing=ASSET_GONE)
        row = ConnectionLog(
            id=uuid.uuid4(),
            service_id=service.id,
            logged_on=now_london().date(),
            capability_code=capability,
            ward_code=origin.ward_code if origin else None,
            lsoa_code=origin.lsoa_code if origin else None,
            followup_ref=new_followup_ref() if want_followup else None,
        )
        session.add(row)
        session.flush()
    return row


def record_connections(chosen: list[tuple[uuid.UUID, Origin | None]], capability: str | None, user) -> int:
    """Several connections at once (from the shortlist), each with the ward and LSOA of the search its listing
    was found in; all or none. Returns how many were recorded."""
    check_capability(capability)
    if not chosen:
        raise ValidationError("Choose at least one listing you connected the person to", field="asset_id")
    with transaction():
        for asset_id, origin in chosen:
            service = access.readable_service(user, asset_id, missing=ASSET_GONE)
            session.add(
                ConnectionLog(
                    id=uuid.uuid4(),
                    service_id=service.id,
                    logged_on=now_london().date(),
                    capability_code=capability,
                    ward_code=origin.ward_code if origin else None,
                    lsoa_code=origin.lsoa_code if origin else None,
                    followup_ref=None,
                )
            )
        session.flush()
    return len(chosen)


def find_connection(connection_id: uuid.UUID) -> ConnectionLog:
    row = session.get(ConnectionLog, connection_id)
    if row is None:
        raise NotFound("We could not find that connection.")
    return row


@dataclass
class FollowupResult:
    row: ConnectionLog
    #: "recorded" (first answers), "changed" (confirmed new answers) or "unchanged" (the same answers again)
    outcome: str
    previous: tuple[str | None, str | None]


class FollowupChange(Exception):
    """The connection already has different answers: the person must confirm the change first."""

    def __init__(self, row: ConnectionLog, attended: str, helped: str):
        super().__init__("follow-up answers differ")
        self.service_id, self.ref, self.recorded_on = row.service_id, row.followup_ref, row.followup_on
        self.previous = (row.followup_attended, row.followup_helped)
        self.new = (attended, helped)


def record_followup(ref: str, attended: str | None, helped: str | None, confirm_change: bool = False) -> FollowupResult:
    """Answer 'did they go?' and 'did it help?' for the connection holding ``ref``.

    Answers already recorded are never silently replaced: different ones raise FollowupChange unless
    ``confirm_change``; the same ones again change nothing.
    """
    ref = normalise_ref(ref)
    if attended not in FOLLOWUP_ANSWERS:
        raise ValidationError("Choose whether they went", field="attended")
    if helped not in FOLLOWUP_ANSWERS:
        raise ValidationError("Choose whether it helped", field="helped")
    with transaction():
        row = session.execute(
            select(ConnectionLog).where(ConnectionLog.followup_ref == ref).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(
                "We could not find a connection with that reference. Check it and try again.", field="reference"
            )
        previous = (row.followup_attended, row.followup_helped)
        if previous == (attended, helped):
            return FollowupResult(row, "unchanged", previous)
        answered = previous != (None, None)
        if answered and not confirm_change:
            raise FollowupChange(row, attended, helped)
        row.followup_attended, row.followup_helped = attended, helped
        row.followup_on = now_london().date()
    return FollowupResult(row, "changed" if answered else "recorded", previous)


def signal_terms(filters: Filters) -> tuple[dict[str, list[str]], bool]:
    """What a 'nothing suitable' signal was about: the terms chosen; with none chosen, the terms the free
    text names (``taxonomy.terms_matching``), if any. (terms by taxonomy, matched from text?)

    The free text itself is never kept. A signal about nothing counts for nothing on the coverage pages."""
    chosen = {
        "category": list(filters.category),
        "audience": list(filters.audience),
        "capability": list(filters.capability),
    }
    if any(chosen.values()) or not filters.q:
        return chosen, False
    matched = terms_matching(filters.q)
    return {k: matched.get(k, []) for k in chosen}, bool(matched)


def record_unmet_need(filters: Filters, origin: Origin) -> UnmetNeed:
    """'Nothing suitable found': the category, audience and capability searched for, in the search area."""
    terms, from_text = signal_terms(filters)
    with transaction():
        row = UnmetNeed(
            id=uuid.uuid4(),
            recorded_on=now_london().date(),
            category_codes=terms["category"],
            audience_codes=terms["audience"],
            capability_codes=terms["capability"],
            terms_matched=from_text,
            ward_code=origin.ward_code,
            lsoa_code=origin.lsoa_code,
        )
        session.add(row)
        session.flush()
    return row
