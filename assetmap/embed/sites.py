"""The allowed parent sites: parsing an origin an admin types, and reading and changing the list."""

from __future__ import annotations

import ipaddress
import re
import uuid
from urllib.parse import urlsplit

from sqlalchemy import select

from ..db import session
from ..errors import NotFound, ValidationError
from ..loaders import transaction
from ..models import EmbedSite

MAX_SITES = 50
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
MESSAGE = (
    "Enter the web site's address, like https://www.example.gov.uk (https, the host name, and a port "
    "if it has one; no page path)"
)


def parse_origin(raw: str | None) -> str:
    """A web origin as CSP ``frame-ancestors`` takes it: ``https://host[:port]``, lower case.

    ``https://*.example.gov.uk`` allows every subdomain; plain http only for this computer (localhost)."""
    text = (raw or "").strip().lower().rstrip("/")
    if not text:
        raise ValidationError("Enter the address of the web site", field="origin")
    if len(text) > 300 or any(c.isspace() or c in "'\";,\\" for c in text):
        raise ValidationError(MESSAGE, field="origin")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(MESSAGE, field="origin") from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValidationError(MESSAGE, field="origin")
    if not _valid_host(host):
        raise ValidationError(MESSAGE, field="origin")
    shown_host = f"[{host}]" if ":" in host else host
    if parts.scheme == "http" and shown_host not in LOOPBACK:
        raise ValidationError(
            "The site must use https:// (plain http is allowed only for localhost, to try it out)", field="origin"
        )
    return f"{parts.scheme}://{shown_host}{f':{port}' if port else ''}"


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.split(".")
    if labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2:
            return False  # *.uk would allow a whole country
    return host == "localhost" or (len(labels) >= 2 and all(_LABEL.match(lab) for lab in labels))


def allowed_origins() -> list[str]:
    return list(session.execute(select(EmbedSite.origin).order_by(EmbedSite.origin)).scalars())


def sites() -> list[EmbedSite]:
    return list(session.execute(select(EmbedSite).order_by(EmbedSite.origin)).scalars())


def add_site(raw: str | None, actor_id=None) -> str:
    """Allow a site (adding one already allowed changes nothing); returns its origin."""
    origin = parse_origin(raw)
    with transaction():
        if session.execute(select(EmbedSite.id).where(EmbedSite.origin == origin)).first():
            return origin
        if len(allowed_origins()) >= MAX_SITES:
            raise ValidationError(f"At most {MAX_SITES} sites can be allowed: remove one first", field="origin")
        session.add(EmbedSite(origin=origin, added_by_id=actor_id))
    return origin


def remove_site(site_id: uuid.UUID) -> str:
    with transaction():
        site = session.get(EmbedSite, site_id)
        if site is None:
            raise NotFound("That site is not on the list (it may have been removed already).")
        origin = site.origin
        session.delete(site)
    return origin
