"""Sending the connection sheet to the person (issue 14): by email, or by text message through GOV.UK Notify.

Why a send in the request (``mail.send_now``) and not the mail queue: the queue keeps a keyed hash of every
recipient for weeks, and this recipient is a member of the public a practitioner is helping. Their address or
number is checked at the edge, handed to the transport once and forgotten: no table, log line, session, flash
message or URL holds it, and a failure is shown on the same page (the sheet is still there to print).

What is sent is what the sheet says, in plain words, with two differences that only ever take away: a
confidential place (a refuge) is never located in a message - no address, postcode, directions or ward, even
when the sender may see them - and a link to a listing is given only when anyone can open it (a public one).
A text message is short: each listing's name, phone number and link, as many as fit in ``SMS_MAX`` characters
(GOV.UK Notify sends up to 918), then how many more were on the sheet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from .. import mail
from ..directory.read import asset_views
from ..errors import ValidationError
from ..mail import compose

HOW = {"email": "By email", "sms": "By text message"}
#: GOV.UK Notify's longest text message is 918 characters (6 parts); leave room for the service's prefix
SMS_MAX = 900
HIDDEN_PLACE = "The address is given when you make contact"


@dataclass(frozen=True)
class From:
    """The practitioner's name and team as typed on the page: printed in the message, never stored."""

    name: str = ""
    team: str = ""


def when_text(a: dict) -> str:
    """The next session in words, as the sheet's ``when`` macro says it."""
    if a["next_session"]:
        return a["next_session"]["label"]
    if a["schedule"]:
        closure = a["closure"]
        return "No sessions coming up" + (f" (closed until {closure['until']})" if closure and closure["now"] else "")
    return "Ask for times"


def where_text(a: dict) -> str:
    """Where, as the sheet's ``where`` macro says it, for a message: a hidden place says only how to find out."""
    place = a["place"]
    if place["hidden"]:
        return HIDDEN_PLACE
    if place["has_place"]:
        words = ", ".join(p for p in (place["address"], place["postcode"]) if p)
        return words or f"In {place['ward_name'] or 'the'} ward"
    if a["service_areas"]:
        modes = ", ".join(m["name"] for m in a["modes"]).lower()
        areas = a["service_areas"]
        wards = f"{len(areas)} wards" if len(areas) > 3 else ", ".join(w["ward_name"] for w in areas)
        return f"No fixed place: {modes}, for {wards}"
    return "No fixed place"


def for_message(a: dict) -> dict:
    """One listing as a message to a member of the public may give it."""
    place = dict(a["place"])
    if a["visibility"] == "confidential" or place["hidden"]:
        place.update(
            hidden=True,
            address=None,
            postcode=None,
            how_to_get_there=None,
            lon=None,
            lat=None,
            lsoa_code=None,
            ward_code=None,
            ward_name=None,
            constituency_code=None,
            constituency_name=None,
        )
    shown = {**a, "place": place}
    return {
        **shown,
        "when": when_text(shown),
        "where": where_text(shown),
        "link": mail.external_url("practitioners.asset", asset_id=a["id"]) if a["visibility"] == "public" else None,
    }


def listings(asset_ids: list[uuid.UUID], user) -> list[dict]:
    """The shortlisted listings this user may read, as a message gives them (the send page shows the same)."""
    return [for_message(a) for a in asset_views(asset_ids, user)]


def _sms_context(items: list[dict], who: From) -> dict:
    """The longest start of the list whose text message fits in SMS_MAX characters."""
    for keep in range(len(items), 0, -1):
        context = {"listings": items[:keep], "more": len(items) - keep, "who": who}
        if len(compose.render_sms("sheet", context)) <= SMS_MAX:
            return context
    return {"listings": [], "more": len(items), "who": who}


def send_sheet(how: str, to: str, asset_ids: list[uuid.UUID], user, who: From) -> int:
    """Send the sheet of these listings to ``to`` (already checked at the edge) now; the number of listings sent.

    ValidationError if there is nothing to send; mail.NotSent / mail.SmsUnavailable if it did not go."""
    items = listings(asset_ids, user)
    if not items:
        raise ValidationError("Your shortlist is empty: add something to it before you send the sheet", field="how")
    if how == "sms":
        context = _sms_context(items, who)
        mail.send_now("sms", to, "sheet", context)
        return len(context["listings"])
    mail.send_now("email", to, "sheet", {"listings": items, "who": who})
    return len(items)
