"""UK postcodes: normalisation, validation and look-up.

No well-kept PyPI library does this offline (the candidates are unmaintained API clients or
validators last released 2015–2021), so the format check is the published UK postcode
pattern; whether a postcode exists is answered by the loaded Code-Point Open / ONSPD table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from .db import session
from .errors import NotFound, ValidationError
from .geo import lat, lon
from .models import Postcode

# Outward code: A9, A9A, A99, AA9, AA9A, AA99; inward code: 9AA without C, I, K, M, O, V.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?|[A-Z]{1,2}[0-9]{2})([0-9][ABD-HJLNP-UW-Z]{2})$")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b-]+")


@dataclass(frozen=True)
class PostcodePoint:
    postcode: str
    lon: float
    lat: float
    ward_code: str | None
    lsoa_code: str | None
    lad_code: str | None


def normalise(raw: str | None, field: str = "postcode") -> str:
    """'b11ay', ' B1  1AY ', 'B1\u00a01AY' -> 'B1 1AY'; anything else raises ValidationError."""
    if raw is None or not str(raw).strip():
        raise ValidationError("Enter a postcode", field=field)
    compact = _SPACES.sub("", str(raw)).upper()
    if len(compact) > 8:
        raise ValidationError("Enter a real postcode, like B1 1AY", field=field)
    m = _POSTCODE.match(compact)
    if not m:
        raise ValidationError("Enter a real postcode, like B1 1AY", field=field)
    return f"{m.group(1)} {m.group(2)}"


def is_valid(raw: str | None) -> bool:
    try:
        normalise(raw)
        return True
    except ValidationError:
        return False


def lookup(raw: str, field: str = "postcode") -> PostcodePoint:
    """Find a postcode's centroid; ValidationError if malformed, NotFound if unknown."""
    pc = normalise(raw, field)
    row = session.execute(
        select(
            Postcode.postcode,
            lon(Postcode.geom),
            lat(Postcode.geom),
            Postcode.ward_code,
            Postcode.lsoa_code,
            Postcode.lad_code,
        ).where(Postcode.postcode == pc)
    ).one_or_none()
    if row is None:
        raise NotFound(
            f"We could not find the postcode {pc}. Check it is correct, or try a nearby postcode. "
            "This service covers the council areas it has been set up for.",
            field=field,
        )
    return PostcodePoint(*row)
