"""The embed room's use cases: the public search a framed page runs, and the admin's list of the sites
allowed to frame it (parsing an origin an admin types, reading and changing the list).

The search runs always as an anonymous visitor, whoever's browser it is: a page inside another site must never
show a practitioners-only or confidential listing, even to someone signed in to AssetMap in the same browser.
Nothing is stored: the postcode is looked up, searched around and forgotten.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from ..db import session, transaction
from ..directory.read import asset_views
from ..errors import NotFound, ValidationError
from ..models import EmbedSite
from ..practitioners.params import miles_to_metres, parse_filters
from ..practitioners.queries import ResultPage
from ..practitioners.queries import search as run_search
from ..practitioners.usecases import parse_filters_fresh, resolve_origin

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


# --------------------------------------------------------------------------- the public search

ANONYMOUS = AnonymousUserMixin()
PER_PAGE = 10


@dataclass
class Found:
    result: ResultPage
    items: list[dict]  #: [{"hit": Hit, "view": asset view}], nearest first
    radius_m: float


def public_search(postcode: str, category: str, distance: str) -> Found:
    """ValidationError (field named) for a bad choice or postcode; NotFound for an unknown postcode."""
    errors: list[tuple[str, str]] = []
    radius = miles_to_metres(distance, errors)
    filters, filter_errors = parse_filters_fresh(
        lambda vocab: parse_filters({"category": category or None}, vocab, strict=False, radius_m=radius)
    )
    errors += filter_errors
    if not postcode.strip():
        errors.insert(0, ("postcode", "Enter a postcode"))
    if errors:
        raise ValidationError(errors[0][1], field=errors[0][0])
    origin = resolve_origin(postcode.strip())
    result = run_search(origin, filters, ANONYMOUS, "near", 1, PER_PAGE)
    views = {v["id"]: v for v in asset_views([h.id for h in result.hits], ANONYMOUS)}
    return Found(result, [{"hit": h, "view": views[h.id]} for h in result.hits if h.id in views], filters.radius_m)
