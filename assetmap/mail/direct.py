"""Sending one message now, in the request, for an address that must never be kept.

Why not the queue: ``outbox.queue_email`` keeps the address sealed until delivery and an HMAC of it for
MAIL_KEEP_DAYS (``mail_outbox.recipient_hash``, ``mail_recipient``), so that retries and hard bounces can be
counted. For an address that belongs to a member of the public a practitioner is helping (the connection sheet
sent "to the person"), even a keyed hash is a record that links them to the service. So this path writes
nothing: the message is composed, handed to the configured transport (GOV.UK Notify, SMTP, or the outbox
folder that stands in for a mail server by default) and forgotten. There is no retry: a failure is the caller's
to show (``NotSent``: 400 when the provider refused the address, 503 when it did not answer), and the person
can try again or print instead. Logs carry the template, the channel and the error's class only.
"""

from __future__ import annotations

import logging
import uuid

from ..errors import AppError
from . import compose
from .outbox import SmsUnavailable, settings
from .transports import DeliveryError, Outgoing, Permanent, transport_for

log = logging.getLogger("assetmap.mail")


class NotSent(AppError):
    """The message did not go; the message says why in plain words and nothing about the recipient."""

    status = 503
    title = "The message could not be sent"


def send_now(kind: str, to: str, template: str, context: dict | None = None) -> str:
    """Send ``templates/mail/{template}`` (email: ``.txt`` and ``.html``; sms: ``.sms.txt``) to ``to`` now.

    ``to`` must already be checked at the edge (``parsing.email`` / ``parsing.uk_mobile``). Returns the name of
    the transport that took it. Raises SmsUnavailable (503) if texts cannot be sent, NotSent (400 refused,
    503 not answering) if the transport failed. Nothing is stored and nothing about ``to`` is logged.
    """
    cfg = settings()
    transport = transport_for(kind, cfg)
    if transport is None:
        raise SmsUnavailable("Text messages cannot be sent from this service: it is not set up with GOV.UK Notify.")
    ref = str(uuid.uuid4())  # the provider's reference: random, tied to nothing
    if kind == "email":
        composed = compose.render_email(template, context)
        message = Outgoing(
            ref,
            "email",
            to,
            template,
            composed.text,
            composed.subject,
            composed.html,
            None,
            compose.mime_message(composed, to, cfg.sender, template),
        )
    else:
        message = Outgoing(ref, "sms", to, template, compose.render_sms(template, context))
    try:
        transport.send(message)
    except DeliveryError as exc:
        log.warning("not sent", extra={"detail": f"{kind} {template} via {transport.name}: {exc.code}"})
        what = "email address" if kind == "email" else "mobile number"
        if isinstance(exc, Permanent):
            raise NotSent(
                f"The {'mail' if kind == 'email' else 'text message'} service would not send to that {what}. "
                f"Check it with the person and type it again, or print the sheet instead.",
                field="email" if kind == "email" else "phone",
                status=400,
            ) from None
        raise NotSent(
            "The sheet could not be sent just now: the "
            f"{'mail' if kind == 'email' else 'text message'} service did not answer. Nothing was kept. "
            "Try again in a few minutes, or print the sheet instead.",
            field="how",
        ) from None
    except Exception as exc:  # a bug in a transport must still not become a 500 with the address in a trace
        log.error("not sent", extra={"detail": f"{kind} {template} via {transport.name}: {type(exc).__name__}"})
        raise NotSent(
            "The sheet could not be sent just now. Nothing was kept. Try again in a few minutes, or print it instead.",
            field="how",
        ) from None
    log.info("sent now", extra={"detail": f"{kind} {template} via {transport.name}"})
    return transport.name
