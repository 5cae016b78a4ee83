"""Real servers on loopback for the mail tests: an SMTP server (aiosmtpd) with STARTTLS, implicit TLS and
sign-in, and an HTTP server that checks each request against GOV.UK Notify's documented API.

No mocks: the code under test opens real sockets, speaks real SMTP and TLS (with a certificate made here
with ``cryptography``) and sends real HTTP through the official Notify client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import uuid
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SMTP_USER, SMTP_PASSWORD = "assetmap", "s3cret pass/word"
NOTIFY_SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
NOTIFY_SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
NOTIFY_KEY = f"assetmap_test-{NOTIFY_SERVICE_ID}-{NOTIFY_SECRET}"
NOTIFY_EMAIL_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
NOTIFY_SMS_TEMPLATE = "ceb50d92-100d-4b8b-b559-14fa3b091cd0"


@contextlib.contextmanager
def mail_config(app, **overrides):
    """Run with these config values (and the mail settings read again from them), restored afterwards."""
    saved = {k: app.config.get(k) for k in overrides}
    app.config.update(overrides)
    app.extensions.pop("assetmap.mail", None)
    try:
        yield
    finally:
        app.config.update(saved)
        app.extensions.pop("assetmap.mail", None)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, signed by its own key (so it is its own CA file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AssetMap test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what arrives and refuses the recipients it is told to."""

    def __init__(self):
        self.received: list = []  # (envelope sender, recipients, parsed message, session info)
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. '550 5.1.1 No such user'

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": msg,
                "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
                "authenticated": bool(session.authenticated),
            }
        )
        return "250 Message accepted for delivery"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        getattr(auth_data, "login", None) == SMTP_USER.encode()
        and getattr(auth_data, "password", None) == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@contextlib.contextmanager
def smtp_server(folder: Path, mode: str = "starttls", auth: bool = True):
    """An SMTP server on loopback: ``starttls`` (offers STARTTLS, sign-in only after it), ``implicit`` (TLS from
    the first byte) or ``plain`` (no TLS at all). Yields (port, mailbox, ca_file)."""
    cert, key = self_signed(folder)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    mailbox = Mailbox()
    # (aiosmtpd counts only STARTTLS as TLS for auth_require_tls; an implicit-TLS connection is TLS throughout)
    # (and offers AUTH PLAIN only, so a wrong password is one refusal, not PLAIN's and then LOGIN's)
    kwargs = (
        {"authenticator": _authenticator, "auth_require_tls": mode != "implicit", "auth_exclude_mechanism": ["LOGIN"]}
        if auth
        else {}
    )
    if mode == "starttls":
        kwargs.update(tls_context=server_ctx, require_starttls=True)
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, ssl_context=server_ctx if mode == "implicit" else None, **kwargs
    )
    controller.start()
    try:
        yield port, mailbox, str(cert)
    finally:
        controller.stop()


# --------------------------------------------------------------------------- GOV.UK Notify, as documented

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: the request bodies Notify documents for POST /v2/notifications/{email,sms}: required and optional keys
DOCUMENTED = {
    "email": (
        {"email_address", "template_id"},
        {"personalisation", "reference", "email_reply_to_id", "one_click_unsubscribe_url"},
    ),
    "sms": ({"phone_number", "template_id"}, {"personalisation", "reference", "sms_sender_id"}),
}


def _check_headers(headers) -> list[str]:
    problems = []
    if headers.get("Content-Type") != "application/json":
        problems.append(f"Content-Type {headers.get('Content-Type')!r}")
    if not (headers.get("User-Agent") or "").startswith("NOTIFY-API-PYTHON-CLIENT/"):
        problems.append("User-Agent is not the official client's")
    return problems


def _check_jwt(authorization: str, service_id: str, secret: str) -> list[str]:
    """Notify's authorisation header: a JWT (HS256, typ JWT) signed with the key's secret, iss = service id,
    iat within 30 seconds of Notify's clock."""
    if not authorization.startswith("Bearer "):
        return ["no Bearer token"]
    token = authorization[len("Bearer ") :]
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_iat": False})
    except jwt.PyJWTError as exc:
        return [f"JWT does not verify with the key's secret: {type(exc).__name__}"]
    problems = []
    if header.get("alg") != "HS256" or header.get("typ") != "JWT":
        problems.append(f"JWT header {header}")
    if claims.get("iss") != service_id:
        problems.append("JWT iss is not the service id")
    if not isinstance(claims.get("iat"), int) or abs(time.time() - claims["iat"]) > 30:
        problems.append("JWT iat is not within 30 seconds of now")
    return problems


def _check_body(kind: str, raw: bytes) -> list[str]:
    try:
        body = json.loads(raw)
    except ValueError:
        return ["body is not JSON"]
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    required, optional = DOCUMENTED[kind]
    problems = []
    if missing := required - body.keys():
        problems.append(f"missing {sorted(missing)}")
    if extra := body.keys() - required - optional:
        problems.append(f"undocumented {sorted(extra)}")
    if not _UUID.match(str(body.get("template_id", ""))):
        problems.append("template_id is not a UUID")
    pers = body.get("personalisation", {})
    if not isinstance(pers, dict) or not all(isinstance(v, str) for v in pers.values()):
        problems.append("personalisation is not an object of strings")
    if "reference" in body and not isinstance(body["reference"], str):
        problems.append("reference is not a string")
    return problems


def check_notify_request(method: str, path: str, headers, raw: bytes, service_id: str, secret: str) -> list[str]:
    """Everything wrong with this request by Notify's documented API (an empty list: it is right)."""
    kind = {"/v2/notifications/email": "email", "/v2/notifications/sms": "sms"}.get(path)
    if method != "POST" or kind is None:
        return [f"unexpected {method} {path}"]
    return (
        _check_headers(headers)
        + _check_jwt(headers.get("Authorization") or "", service_id, secret)
        + _check_body(kind, raw)
    )


class NotifyStub:
    """What the loopback Notify saw, and how it should answer (``status``: 201, or an error status)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.problems: list[str] = []
        self.status = 201


def notify_config(base_url: str) -> dict:
    """The settings that send email and text messages through the loopback Notify at ``base_url``."""
    return dict(
        NOTIFY_API_KEY=NOTIFY_KEY,
        NOTIFY_TEMPLATE_EMAIL=NOTIFY_EMAIL_TEMPLATE,
        NOTIFY_TEMPLATE_SMS=NOTIFY_SMS_TEMPLATE,
        NOTIFY_BASE_URL=base_url,
        SMTP_URL="",
    )


@contextlib.contextmanager
def notify_server(service_id: str = NOTIFY_SERVICE_ID, secret: str = NOTIFY_SECRET):
    """An HTTP server on loopback that answers as Notify does and records every request and any problem."""
    stub = NotifyStub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            problems = check_notify_request("POST", self.path, self.headers, raw, service_id, secret)
            stub.problems += problems
            body = json.loads(raw) if not problems else {}
            stub.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if problems or stub.status == 400:
                status = 400
                answer = {
                    "status_code": 400,
                    "errors": [
                        {"error": "BadRequestError", "message": "; ".join(problems) or "Not a valid email address"}
                    ],
                }
            elif stub.status != 201:
                status = stub.status
                answer = {"status_code": status, "errors": [{"error": "Exception", "message": "Internal server error"}]}
            else:
                status, nid = 201, str(uuid.uuid4())
                kind = "email" if self.path.endswith("/email") else "sms"
                content = (
                    {
                        "subject": body["personalisation"]["subject"],
                        "body": body["personalisation"]["body"],
                        "from_email": "assetmap@notifications.service.gov.uk",
                    }
                    if kind == "email"
                    else {"body": body["personalisation"]["body"], "from_number": "AssetMap"}
                )
                answer = {
                    "id": nid,
                    "reference": body.get("reference"),
                    "content": content,
                    "uri": f"https://api.notifications.service.gov.uk/v2/notifications/{nid}",
                    "template": {
                        "id": body["template_id"],
                        "version": 1,
                        "uri": f"https://api.notifications.service.gov.uk/v2/template/{body['template_id']}",
                    },
                }
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def loopback_mail(app, folder: Path):
    """The app sending through a real SMTP server on loopback (STARTTLS, signed in). Yields ``deliver``:
    it runs the mail delivery the job runner runs and returns the messages that arrived since the last call."""
    from urllib.parse import quote

    from assetmap.mail import delivery

    with smtp_server(folder, "starttls") as (port, box, ca):
        url = f"smtp://{SMTP_USER}:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{port}"
        with mail_config(
            app, SMTP_URL=url, SMTP_CA_FILE=ca, MAIL_FROM="AssetMap <assetmap@example.gov.uk>", NOTIFY_API_KEY=""
        ):
            seen = [0]

            def deliver(now: dt.datetime | None = None) -> list:
                with app.app_context():
                    delivery.deliver_due(now or dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
                new = box.received[seen[0] :]
                seen[0] = len(box.received)
                return [m["message"] for m in new]

            yield deliver


def text_of(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def html_of(msg) -> str:
    return msg.get_body(("html",)).get_content()


def link_in(msg, path: str) -> str:
    """The first link in the plain-text body whose path starts with ``path``, as a path and query."""
    from urllib.parse import urlsplit

    for url in re.findall(r"https?://\S+", text_of(msg)):
        parts = urlsplit(url)
        if parts.path.startswith(path):
            return parts.path + ("?" + parts.query if parts.query else "")
    raise AssertionError(f"no link to {path} in: {text_of(msg)}")
