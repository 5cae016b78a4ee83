"""Query parameters of the open data API, checked at the edge: a bad value is a 400 saying which and why.

A typed parameter that is present must be valid: ``per_page=`` (empty) is refused, not taken as the default.
"""

from __future__ import annotations

import datetime as dt
import uuid

from .. import parsing, postcodes
from ..errors import ValidationError
from .queries import Near, ServiceFilter

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000
MAX_PROXIMITY_M = 100_000
MAX_SEARCH = 200
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def integer(args, name: str, default: int, low: int, high: int) -> int:
    return parsing.integer(args.get(name), name, low=low, high=high, label=name, default=default)


def paging(args) -> tuple[int, int]:
    return (integer(args, "page", 1, 1, MAX_PAGE), integer(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE))


def boolean(args, name: str) -> bool:
    raw = args.get(name)
    if raw is None:
        return False
    raw = raw.strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise ValidationError(f"{name} must be true or false", field=name)


def an_id(args, name: str) -> uuid.UUID | None:
    raw = args.get(name)
    if raw is None:
        return None
    return parse_id(raw.strip(), name)


def parse_id(raw: str, name: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError(f"{name} must be an id like 3f7b145d-84af-42d7-8fae-eaca714b02b2", field=name) from None


def text(args, name: str = "search") -> str | None:
    return parsing.text(args.get(name), name, max_len=MAX_SEARCH, label=name)


def moment(args, name: str = "modified_after") -> dt.datetime | None:
    """An ISO 8601 date-time (or a date, meaning its midnight); without a zone it is UTC."""
    raw = args.get(name)
    if raw is None:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(f"{name} must be a date and time like 2025-03-15T10:30:00Z", field=name) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def fmt(args) -> None:
    value = args.get("format", "json").strip().lower()
    if value != "json":
        raise ValidationError("format must be json (this API does not stream ndjson)", field="format")


def near(args) -> Near | None:
    """postcode (+ proximity in metres): the postcode's centroid; a postcode is never stored or logged."""
    raw_pc = (args.get("postcode") or "").strip()
    if not raw_pc:
        if "proximity" in args:
            raise ValidationError("proximity needs a postcode to measure from", field="proximity")
        return None
    metres = integer(args, "proximity", 0, 1, MAX_PROXIMITY_M) if "proximity" in args else None
    found = postcodes.lookup(raw_pc)
    return Near(found.lon, found.lat, metres)


def service_filter(args) -> ServiceFilter:
    fmt(args)
    return ServiceFilter(
        search=text(args),
        taxonomy_term_id=an_id(args, "taxonomy_term_id"),
        taxonomy_id=an_id(args, "taxonomy_id"),
        organization_id=an_id(args, "organization_id"),
        modified_after=moment(args),
        near=near(args),
    )
