"""The embedded search: a postcode (and optionally a category and distance) -> the nearest public listings.

Always as an anonymous visitor, whoever's browser it is: a page inside another site must never show a
practitioners-only or confidential listing, even to someone signed in to AssetMap in the same browser.
Nothing is stored: the postcode is looked up, searched around and forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import AnonymousUserMixin

from ..directory.read import asset_views
from ..errors import ValidationError
from ..practitioners import usecases
from ..practitioners.params import miles_to_metres, parse_filters
from ..practitioners.query import ResultPage
from ..practitioners.query import search as run_search

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
    filters, filter_errors = usecases.parse_filters_fresh(
        lambda vocab: parse_filters({"category": category or None}, vocab, strict=False, radius_m=radius)
    )
    errors += filter_errors
    if not postcode.strip():
        errors.insert(0, ("postcode", "Enter a postcode"))
    if errors:
        raise ValidationError(errors[0][1], field=errors[0][0])
    origin = usecases.resolve_origin(postcode.strip())
    result = run_search(origin, filters, ANONYMOUS, "near", 1, PER_PAGE)
    views = {v["id"]: v for v in asset_views([h.id for h in result.hits], ANONYMOUS)}
    return Found(result, [{"hit": h, "view": views[h.id]} for h in result.hits if h.id in views], filters.radius_m)
