"""The three ways a message leaves: GOV.UK Notify, SMTP, or an ``.eml`` file in the outbox folder.

Each transport takes an ``Outgoing`` message and returns the provider's id for it (or None), or raises
``Permanent`` (this message will never go: SMTP 5xx, Notify 400) or ``Transient`` (try again later: a
timeout, a 4xx reply, Notify 429/5xx, a TLS or sign-in problem on our side). Errors carry a short ``code``
(class and status) for the outbox row and the logs: never the server's text, which often quotes the address.

SMTP is stdlib ``smtplib``: ``smtp://`` insists on STARTTLS before any password is sent, ``smtps://`` is TLS
from the first byte, both verify the server's certificate (``SMTP_CA_FILE`` adds a council's own CA).
Notify goes through the official ``notifications-python-client`` with one generic template per channel whose
whole content is personalisation: ``((subject))`` and ``((body))`` for email, ``((body))`` for text messages.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from .settings import MailSettings, Notify, Smtp


class DeliveryError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code[:80]


class Permanent(DeliveryError):
    """This message will never be delivered; counts as a hard failure for its recipient."""


class Transient(DeliveryError):
    """Try again later."""


@dataclass(frozen=True)
class Outgoing:
    id: str
    kind: str  # email | sms
    to: str
    template: str
    text: str
    subject: str = ""
    html: str | None = None
    unsubscribe_url: str | None = None
    email: EmailMessage | None = None  # the MIME message (SMTP and the outbox send it as it is)


# --------------------------------------------------------------------------- SMTP


def _smtp_code(exc: smtplib.SMTPResponseException) -> str:
    return f"{type(exc).__name__} {exc.smtp_code}"


def _tls_context(cfg: Smtp) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cfg.ca_file) if cfg.ca_file else ssl.create_default_context()


class SmtpTransport:
    name = "smtp"

    def __init__(self, cfg: Smtp):
        self.cfg = cfg

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        if cfg.tls == "implicit":
            return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=_tls_context(cfg))
        conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        conn.ehlo()
        if cfg.tls == "starttls":
            if not conn.has_extn("starttls"):
                conn.close()
                raise Transient("StartTlsNotOffered")  # never send a password or a message in clear
            conn.starttls(context=_tls_context(cfg))
            conn.ehlo()
        return conn

    def send(self, message: Outgoing) -> str | None:
        if message.kind != "email" or message.email is None:
            raise Permanent("SmsNotSupportedBySmtp")
        try:
            with self._connect() as conn:
                if self.cfg.username:
                    conn.login(self.cfg.username, self.cfg.password or "")
                conn.send_message(message.email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(500 <= c < 600 for c in codes):
                raise Permanent(f"SMTPRecipientsRefused {codes[0]}") from None
            raise Transient(f"SMTPRecipientsRefused {codes[0] if codes else ''}".strip()) from None
        except smtplib.SMTPDataError as exc:
            raise (Permanent if 500 <= exc.smtp_code < 600 else Transient)(_smtp_code(exc)) from None
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as exc:
            raise Transient(_smtp_code(exc)) from None  # our configuration, not the recipient
        except smtplib.SMTPResponseException as exc:
            raise Transient(_smtp_code(exc)) from None
        except DeliveryError:
            raise
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, TLS, disconnected
            raise Transient(type(exc).__name__) from None
        return None


# --------------------------------------------------------------------------- GOV.UK Notify


class NotifyTransport:
    name = "notify"

    def __init__(self, cfg: Notify, timeout: int = 30):
        from notifications_python_client.notifications import NotificationsAPIClient

        self.cfg = cfg
        self.client = NotificationsAPIClient(cfg.api_key, base_url=cfg.base_url, timeout=timeout)

    def send(self, message: Outgoing) -> str | None:
        from notifications_python_client.errors import APIError

        cfg = self.cfg
        try:
            if message.kind == "email":
                if not cfg.email_template:
                    raise Permanent("NotifyEmailTemplateNotSet")
                response = self.client.send_email_notification(
                    email_address=message.to,
                    template_id=cfg.email_template,
                    personalisation={"subject": message.subject, "body": message.text},
                    reference=message.id,
                    one_click_unsubscribe_url=message.unsubscribe_url,
                )
            else:
                if not cfg.sms_template:
                    raise Permanent("NotifySmsTemplateNotSet")
                response = self.client.send_sms_notification(
                    phone_number=message.to,
                    template_id=cfg.sms_template,
                    personalisation={"body": message.text},
                    reference=message.id,
                )
        except APIError as exc:
            status = exc.status_code
            # 400: Notify refused this message (a bad address, a team-only key); 403 (our key or clock),
            # 429 (limits) and 5xx are worth another try
            raise (Permanent if status == 400 else Transient)(f"Notify {status}") from None
        except DeliveryError:
            raise
        except Exception as exc:  # the client wraps connection errors; anything else is retried too
            raise Transient(type(exc).__name__) from None
        return str(response.get("id"))[:64] if isinstance(response, dict) and response.get("id") else None


# --------------------------------------------------------------------------- the outbox folder


class OutboxTransport:
    """Writes each message as an ``.eml`` file (text messages too, as a one-part message with
    ``X-AssetMap-Kind: sms``), for development and for trying the service without a mail server."""

    name = "outbox"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def send(self, message: Outgoing) -> str | None:
        if message.kind == "email" and message.email is not None:
            data = message.email
        else:
            data = EmailMessage()
            data["To"] = message.to
            data["Subject"] = "Text message"
            data["X-AssetMap-Kind"] = "sms"
            data["X-AssetMap-Template"] = message.template
            data["Date"] = dt.datetime.now(dt.UTC)
            data.set_content(message.text)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{message.id}.eml"
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.as_bytes())
            os.replace(tmp, self.folder / name)  # appears whole or not at all
        except OSError as exc:
            raise Transient(type(exc).__name__) from None
        return name


def transport_for(kind: str, settings: MailSettings):
    """The transport that carries ``kind`` (email or sms) under these settings, or None."""
    how = settings.email if kind == "email" else settings.sms
    if how == "notify":
        return NotifyTransport(settings.notify, timeout=settings.smtp.timeout if settings.smtp else 30)
    if how == "smtp":
        return SmtpTransport(settings.smtp)
    if how == "outbox":
        return OutboxTransport(settings.outbox_dir)
    return None
