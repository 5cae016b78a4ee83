"""Unsubscribing: every email carries a link that stops that kind of email to that address.

An opt-out is kept as an HMAC of the address (the one the queue counts recipients by) and the purpose
(``vocabulary.OPTOUT_PURPOSES``): reminders to organisers, the coordinators' digest, account emails. The
link is signed for the purpose and the HMAC, never expires and may be used any number of times (an
unsubscribe that stopped working would be no unsubscribe); RFC 8058's one-click POST lands on the same
use case. Whoever sends such an email checks ``opted_out`` first.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from .. import signed
from ..db import session, transaction
from ..models import EmailOptout
from ..vocabulary import OPTOUT_PURPOSES
from .compose import external_url
from .sealing import recipient_hash

PURPOSE = "unsubscribe"
INVALID = "This unsubscribe link is not complete or has been changed. Copy the whole link from the email."


def opted_out(purpose: str, address: str, after: dt.datetime | None = None) -> bool:
    """Whether ``address`` unsubscribed from ``purpose`` (only counting opt-outs later than ``after``)."""
    q = select(EmailOptout.created_at).where(
        EmailOptout.recipient_hash == recipient_hash("email", address), EmailOptout.purpose == purpose
    )
    when = session.execute(q).scalar_one_or_none()
    return when is not None and (after is None or when > after)


def opted_out_hashes(purpose: str) -> dict[str, dt.datetime]:
    """{recipient HMAC: when} of everyone who unsubscribed from ``purpose`` (for a job checking many)."""
    return dict(
        session.execute(
            select(EmailOptout.recipient_hash, EmailOptout.created_at).where(EmailOptout.purpose == purpose)
        ).all()
    )


def unsubscribe_url(purpose: str, address: str) -> str:
    """The link to put in an email to ``address`` about ``purpose`` (``mail.queue_email(unsubscribe_url=…)``)."""
    if purpose not in OPTOUT_PURPOSES:
        raise ValueError(purpose)
    token = signed.sign(PURPOSE, {"p": purpose, "h": recipient_hash("email", address)})
    return external_url("web.unsubscribe", t=token)


def read_token(token) -> str:
    """The purpose a valid unsubscribe token is for; LinkInvalid (404) otherwise."""
    payload = signed.unsign(PURPOSE, token, None, INVALID, INVALID)
    if payload.get("p") not in OPTOUT_PURPOSES or not isinstance(payload.get("h"), str):
        raise signed.LinkInvalid(INVALID)
    return payload["p"]


def unsubscribe(token, now: dt.datetime | None = None) -> str:
    """Record the opt-out a valid token names (again is harmless); returns its purpose."""
    payload = signed.unsign(PURPOSE, token, None, INVALID, INVALID)
    purpose, digest = payload.get("p"), payload.get("h")
    if purpose not in OPTOUT_PURPOSES or not isinstance(digest, str) or len(digest) != 64:
        raise signed.LinkInvalid(INVALID)
    with transaction():
        session.execute(
            insert(EmailOptout)
            .values(recipient_hash=digest, purpose=purpose, created_at=now or dt.datetime.now(dt.UTC))
            .on_conflict_do_nothing()
        )
    return purpose


def opt_in(purpose: str, address: str) -> None:
    """Start sending ``purpose`` to ``address`` again (the person asked to); the caller commits."""
    session.execute(
        delete(EmailOptout).where(
            EmailOptout.recipient_hash == recipient_hash("email", address), EmailOptout.purpose == purpose
        )
    )
