"""Which transport delivers mail, read from the config once and checked when the app starts.

Why checked at start: a mistyped ``SMTP_URL`` or a Notify key pasted without its service id would
otherwise be found only when the first reminder failed, at night, in the job runner. A bad setting stops
``create_app`` with a message naming the variable (never echoing a password or a key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

#: scheme -> (default port, how TLS is used)
SMTP_SCHEMES = {"smtp": (587, "starttls"), "smtps": (465, "implicit"), "smtp+insecure": (25, "none")}
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NOTIFY_KEY = re.compile(rf"^.+-({_UUID})-({_UUID})$")


class MailConfigError(RuntimeError):
    """A mail setting that cannot work; the message names the variable."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    tls: str  # starttls | implicit | none
    username: str | None
    password: str | None
    ca_file: str | None
    timeout: int


@dataclass(frozen=True)
class Notify:
    api_key: str
    service_id: str
    email_template: str | None
    sms_template: str | None
    base_url: str


@dataclass(frozen=True)
class MailSettings:
    email: str  # notify | smtp | outbox
    sms: str | None  # notify | outbox | None (no way to send a text message)
    sender: str
    smtp: Smtp | None
    notify: Notify | None
    outbox_dir: str


def parse_smtp_url(url: str, ca_file: str = "", timeout: int = 30) -> Smtp:
    """``smtp://user:pass@host:587`` (STARTTLS, required), ``smtps://…:465`` (implicit TLS), or
    ``smtp+insecure://host:25`` (no TLS: a relay on the same machine or network only)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise MailConfigError("SMTP_URL is not a valid address: use smtp://user:password@host:587") from None
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise MailConfigError(
            "SMTP_URL must start smtp:// (STARTTLS), smtps:// (TLS) or smtp+insecure:// "
            "and name a host, like smtp://user:password@smtp.example.gov.uk:587"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise MailConfigError("SMTP_URL takes a scheme, credentials, a host and a port only")
    default_port, tls = SMTP_SCHEMES[parts.scheme]
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if tls == "none" and user:
        raise MailConfigError(
            "SMTP_URL: smtp+insecure:// would send the password unencrypted; use smtp:// (STARTTLS) or smtps://"
        )
    return Smtp(parts.hostname, port or default_port, tls, user, password, ca_file or None, timeout)


def parse_notify_key(key: str) -> str:
    """The service id inside a Notify API key (``{key name}-{service id}-{secret}``)."""
    m = _NOTIFY_KEY.match(key.strip())
    if not m:
        raise MailConfigError(
            "NOTIFY_API_KEY is not a GOV.UK Notify API key: copy the whole key from "
            "Notify's API integration page (its name, the service id and the secret)"
        )
    return m.group(1)


def _template_id(config: dict, name: str) -> str | None:
    value = (config.get(name) or "").strip()
    if value and not re.fullmatch(_UUID, value):
        raise MailConfigError(f"{name} must be a Notify template id (a UUID, from the template's page)")
    return value or None


def read(config: dict) -> MailSettings:
    """The mail settings from a Flask config mapping; MailConfigError if they cannot work."""
    notify = smtp = None
    if config.get("NOTIFY_API_KEY"):
        key = config["NOTIFY_API_KEY"].strip()
        notify = Notify(
            key,
            parse_notify_key(key),
            _template_id(config, "NOTIFY_TEMPLATE_EMAIL"),
            _template_id(config, "NOTIFY_TEMPLATE_SMS"),
            (config.get("NOTIFY_BASE_URL") or "https://api.notifications.service.gov.uk").rstrip("/"),
        )
        if not (notify.email_template or notify.sms_template):
            raise MailConfigError(
                "NOTIFY_API_KEY is set: set NOTIFY_TEMPLATE_EMAIL and/or NOTIFY_TEMPLATE_SMS to "
                "the ids of the generic templates (see the README)"
            )
    if config.get("SMTP_URL"):
        smtp = parse_smtp_url(
            config["SMTP_URL"], config.get("SMTP_CA_FILE") or "", int(config.get("SMTP_TIMEOUT") or 30)
        )
    sender = (config.get("MAIL_FROM") or "").strip()
    if smtp and not sender:
        raise MailConfigError("SMTP_URL is set: set MAIL_FROM too, like 'AssetMap <assetmap@example.gov.uk>'")
    if sender and ("\n" in sender or "\r" in sender or "@" not in parseaddr(sender)[1]):
        raise MailConfigError("MAIL_FROM must be an address, like 'AssetMap <assetmap@example.gov.uk>'")
    if notify and notify.email_template:
        email = "notify"
    elif smtp:
        email = "smtp"
    elif notify:
        raise MailConfigError(
            "NOTIFY_API_KEY has no email template and SMTP_URL is not set: emails could not "
            "be sent. Set NOTIFY_TEMPLATE_EMAIL or SMTP_URL"
        )
    else:
        email = "outbox"
    sms = "notify" if notify and notify.sms_template else ("outbox" if email == "outbox" else None)
    return MailSettings(
        email=email,
        sms=sms,
        sender=sender or "AssetMap <assetmap@localhost>",
        smtp=smtp,
        notify=notify,
        outbox_dir=str(config.get("MAIL_OUTBOX_DIR") or "var/outbox"),
    )
