"""Messages built from Jinja templates: a plain-text email with an HTML alternative, or a text message.

An email template is a pair in ``templates/mail/``: ``NAME.txt`` (extends ``mail/layout.txt``; its
``subject`` block is the subject) and ``NAME.html`` (extends ``mail/layout.html``, a plain GOV.UK-style
layout with inline styles, as mail clients ignore style sheets). A text message is ``NAME.sms.txt``. Both
layouts end with a footer saying why the person got the message and, when the sender passes one, an
unsubscribe link; the email then also carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post``
(RFC 8058 one-click), so the unsubscribe URL must accept a POST as well as show a page.

Links in messages are absolute: ``external_url`` builds them from ``PUBLIC_URL`` (needed when the job
runner, outside any request, queues a reminder), or from the request's own address in development.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, has_request_context, url_for

_SPACE = re.compile(r"\s+")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str | None


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a message: under PUBLIC_URL when set, else this request's host (development)."""
    base = current_app.config.get("PUBLIC_URL") or ""
    if base:
        with current_app.test_request_context(base_url=base):
            return url_for(endpoint, _external=True, **values)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url="http://127.0.0.1:5000"):
        return url_for(endpoint, _external=True, **values)


def checked_name(template: str) -> str:
    if not isinstance(template, str) or not _NAME.match(template):
        raise ValueError(f"not a message template name: {template!r}")
    return template


def _render_block(template, block: str, context: dict) -> str:
    ctx = template.new_context(context)
    return "".join(template.blocks[block](ctx)) if block in template.blocks else ""


def _context(context: dict | None, unsubscribe_url: str | None) -> dict:
    base = {
        "service_name": "AssetMap",
        "unsubscribe_url": unsubscribe_url,
        "public_url": current_app.config.get("PUBLIC_URL") or "",
    }
    base.update(context or {})
    return base


def render_email(template: str, context: dict | None = None, unsubscribe_url: str | None = None) -> Composed:
    """Subject, text and HTML of the email template ``template``."""
    env = current_app.jinja_env
    name = checked_name(template)
    values = _context(context, unsubscribe_url)
    text_t = env.get_template(f"mail/{name}.txt")
    subject = _SPACE.sub(" ", _render_block(text_t, "subject", values)).strip()
    if not subject:
        raise ValueError(f"mail/{name}.txt has no subject block")
    text = text_t.render(values).strip() + "\n"
    html = env.get_template(f"mail/{name}.html").render({**values, "subject": subject})
    return Composed(subject[:200], text, html)


def render_sms(template: str, context: dict | None = None) -> str:
    text = current_app.jinja_env.get_template(f"mail/{checked_name(template)}.sms.txt").render(_context(context, None))
    return text.strip()


def mime_message(
    composed: Composed, to: str, sender: str, template: str, unsubscribe_url: str | None = None
) -> EmailMessage:
    """The email as sent by SMTP and written to the outbox: text first, HTML as the alternative."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = composed.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to this
    msg["X-AssetMap-Template"] = template
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(composed.text)
    if composed.html:
        msg.add_alternative(composed.html, subtype="html")
    return msg
