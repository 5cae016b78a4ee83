"""Mail as a real component: emails (text with an HTML alternative) and text messages built from Jinja
templates, queued in the database in the caller's transaction and delivered by the job runner through
GOV.UK Notify, SMTP or, by default, ``.eml`` files in ``var/outbox/`` that admins read in the app.

The API other areas call (details in each function's docstring and in the README, *Mail*):

* ``queue_email(to, template, context, *, ref, once_key, unsubscribe_url, send_after) -> uuid``
* ``queue_sms(to, template, context, *, ref, once_key, send_after) -> uuid``; ``sms_available()``
* ``on_hard_bounce(handler)``: ``handler(HardBounce)`` on each permanent failure; ``is_unreachable(kind,
  address)``, ``mark_reachable(kind, address)``
* ``external_url(endpoint, **values)`` for absolute links in messages (``PUBLIC_URL``)
* ``send_now(kind, to, template, context) -> transport name``: one message sent in the request and nothing
  stored, not even a hash of ``to`` (``direct.py``; for a member of the public's address); ``NotSent`` on failure
"""

from __future__ import annotations

import logging

from .compose import external_url
from .delivery import HardBounce, deliver_due, on_hard_bounce
from .direct import NotSent, send_now
from .outbox import SmsUnavailable, is_unreachable, mark_reachable, queue_email, queue_sms, sms_available
from .settings import MailConfigError

__all__ = [
    "HardBounce",
    "MailConfigError",
    "NotSent",
    "SmsUnavailable",
    "deliver_due",
    "external_url",
    "is_unreachable",
    "mark_reachable",
    "on_hard_bounce",
    "queue_email",
    "queue_sms",
    "send_now",
    "sms_available",
    "init_app",
]


def init_app(app) -> None:
    from . import cli, jobs, settings, views  # noqa: F401 - jobs registers the mail jobs on import

    # a setting that cannot work stops the app here, not the first reminder at night
    app.extensions["assetmap.mail"] = chosen = settings.read(app.config)
    if app.config.get("PRODUCTION") and chosen.email == "outbox":
        logging.getLogger("assetmap.mail").warning(
            "no mail service set up: messages are written to MAIL_OUTBOX_DIR, not sent (set SMTP_URL or NOTIFY_API_KEY)"
        )
    # Notify's client logs a refused request with Notify's message; keep third-party text out of our logs
    logging.getLogger("notifications_python_client").setLevel(logging.ERROR)
    if not app.config.get("PRODUCTION"):
        app.register_blueprint(views.bp)  # the outbox reader exists outside production only
    app.cli.add_command(cli.mail)
