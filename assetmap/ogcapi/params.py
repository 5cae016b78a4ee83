"""Query parameters of the OGC API, checked at the edge: a bad value is a 400 naming the parameter.

Numbers go through the shared parsing layer (``assetmap.parsing``). Following OGC API - Features
Part 1: a ``limit`` above the maximum is served at the maximum rather than refused (/req/core/fc-limit-response-1),
a parameter the API does not define is refused (/req/core/query-param-unknown), and a four- or six-number
``bbox`` is WGS 84 longitude/latitude (a six-number box's heights are ignored: our data is 2D).
"""

from __future__ import annotations

from .. import parsing
from ..errors import ValidationError

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000
FORMATS = ("json", "geojson")
ITEMS_PARAMS = ("limit", "offset", "bbox", "f")


def only(args, allowed: tuple[str, ...]) -> None:
    """Refuse a query parameter the API definition does not list."""
    unknown = sorted(k for k in args if k not in allowed)
    if unknown:
        listed = ", ".join(allowed) if allowed else "none"
        raise ValidationError(f"Unknown query parameter {unknown[0]}: this resource takes {listed}", field=unknown[0])


def fmt(args) -> None:
    value = (args.get("f") or "json").strip().lower()
    if value not in FORMATS:
        raise ValidationError("f must be json (GeoJSON for items): no other format is offered", field="f")


def _whole(args, name: str, default: int, low: int, high: int = 10**12) -> int:
    return parsing.integer(args.get(name), name, low=low, high=high, label=name, default=default)


def limit(args) -> int:
    return min(_whole(args, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)


def offset(args) -> int:
    return _whole(args, "offset", 0, 0, MAX_OFFSET)


BBOX_MESSAGE = (
    "bbox must be four numbers: minimum longitude, minimum latitude, maximum longitude, "
    "maximum latitude (WGS 84), like -1.95,52.45,-1.85,52.50"
)


def bbox(args) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in degrees, or None; west > east is a box across the antimeridian."""
    raw = args.get("bbox")
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise ValidationError(BBOX_MESSAGE, field="bbox")
    try:
        numbers = [parsing.number(p, "bbox") for p in parts]
    except ValidationError:
        raise ValidationError(BBOX_MESSAGE, field="bbox") from None
    west, south, east, north = numbers if len(numbers) == 4 else (numbers[0], numbers[1], numbers[3], numbers[4])
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise ValidationError(
            "bbox longitudes must be between -180 and 180 and latitudes between -90 and 90", field="bbox"
        )
    if south > north:
        raise ValidationError(
            "bbox: the minimum latitude (second number) must not be above the maximum (fourth)", field="bbox"
        )
    return west, south, east, north
