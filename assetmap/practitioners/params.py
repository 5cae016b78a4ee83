"""Search input, validated at the edge: one parser for the HTML form and the JSON API.

``parse_filters`` turns a mapping (form fields or a JSON body) into ``Filters`` or raises
``SearchInvalid`` carrying every problem as (field, message) pairs, worded for a person.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field

from .. import parsing
from ..errors import ValidationError
from ..geo import METRES_PER_MILE
from ..vocabulary import ACCESSIBILITY, COST_BANDS, DAYS, MODES, PARTS_OF_DAY, SORT_ORDERS, WALKING_PACES

#: distance choices on the form, in miles (the API takes any radius_m up to the largest)
DISTANCE_MILES = ("0.25", "0.5", "1", "2", "3", "5", "10")
DEFAULT_MILES = "1"
DEFAULT_RADIUS_M = METRES_PER_MILE
MAX_RADIUS_M = 10 * METRES_PER_MILE
MIN_RADIUS_M = 1.0

#: the days a session may fall on, as the form and the API write them ('monday')
OPEN_DAYS = tuple(d.word for d in DAYS)
TAXONOMY_FIELDS = ("category", "audience", "capability", "asset_type")
#: fields that take several values (a list in the API, repeated in a form; one value still accepted)
LIST_FIELDS = (*TAXONOMY_FIELDS, "open_day", "open_part", "mode", "access")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 500
MAX_Q = 200

API_KEYS = {
    "postcode",
    "lat",
    "lon",
    "radius_m",
    "q",
    "free",
    "wheelchair",
    "cost",
    "this_week",
    "sort",
    "as_typed",
    "pace",
    "page",
    "per_page",
    *LIST_FIELDS,
}
TRUE = {"yes", "true", "on", "1"}
FALSE = {"no", "false", "off", "0", ""}


class SearchInvalid(ValidationError):
    """One or more search fields are wrong; ``errors`` lists (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__(
            errors[0][1], field=errors[0][0], extra={"errors": [{"field": f, "message": m} for f, m in errors]}
        )


@dataclass(frozen=True)
class Filters:
    """What the person is looking for. Holds nothing that identifies them.

    Within a list any value will do (a session on Monday *or* Tuesday, arts *or* learning), except the
    accessibility features, which a place must all have; the lists combine with *and*."""

    radius_m: float = DEFAULT_RADIUS_M
    q: str = ""
    category: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    capability: tuple[str, ...] = ()
    asset_type: tuple[str, ...] = ()
    #: days a session falls on ('monday'), parts of the day it overlaps ('morning'), ways to take part
    open_day: tuple[str, ...] = ()
    open_part: tuple[str, ...] = ()
    mode: tuple[str, ...] = ()
    #: accessibility features the place must all have
    access: tuple[str, ...] = ()
    #: a cost band (``vocabulary.COST_BANDS``)
    cost: str | None = None
    #: a session in the next seven days
    this_week: bool = False
    sort: str = "best"
    pace: str = "average"
    #: the words exactly as typed: no spelling correction
    as_typed: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict) -> Filters:
        """From ``to_dict`` (a search kept in the session); single values kept by older versions become lists."""
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__ and k != "extra"}
        for name in LIST_FIELDS:
            value = known.get(name)
            known[name] = (value,) if isinstance(value, str) else tuple(value or ())
        if d.get("free") and not known.get("cost"):
            known["cost"] = "free"
        if d.get("wheelchair") is True and "wheelchair" not in known["access"]:
            known["access"] = (*known["access"], "wheelchair")
        return cls(**known)

    def replace(self, **changes) -> Filters:
        return dataclasses.replace(self, **changes)

    @property
    def miles(self) -> float:
        return self.radius_m / METRES_PER_MILE

    @property
    def free(self) -> bool:
        return self.cost == "free"

    @property
    def wheelchair(self) -> bool:
        return "wheelchair" in self.access

    def has_filters(self) -> bool:
        return bool(self.q or self.chosen())

    def chosen(self) -> list[tuple[str, str]]:
        """(field, value) of every filter chosen, words aside: what the removable tags show."""
        out = [(name, v) for name in LIST_FIELDS for v in getattr(self, name)]
        if self.cost:
            out.append(("cost", self.cost))
        if self.this_week:
            out.append(("this_week", "yes"))
        return out

    def without(self, name: str, value: str) -> Filters:
        """These filters with one chosen value taken away (a removed tag)."""
        if name in LIST_FIELDS:
            return self.replace(**{name: tuple(v for v in getattr(self, name) if v != value)})
        if name == "cost":
            return self.replace(cost=None)
        if name == "this_week":
            return self.replace(this_week=False)
        if name == "q":
            return self.replace(q="", as_typed=False)
        return self


def _choice(raw, name: str, allowed, errors: list, label: str) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or raw not in allowed:
        errors.append((name, f"Choose {label} from the list"))
        return None
    return raw


def _many(raw, name: str, allowed, errors: list, label: str) -> tuple[str, ...]:
    """One value or a list of values, each from ``allowed`` (in the order given, each once)."""
    if raw is None or raw == "" or raw == []:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        errors.append((name, f"{label} must be a value or a list of values"))
        return ()
    items = [i for i in dict.fromkeys(i.strip() for i in items) if i]
    bad = [i for i in items if i not in allowed]
    if bad:
        errors.append((name, f"Unknown {label.lower()}: {', '.join(bad[:3])[:100]}. Choose from the list"))
        return ()
    return tuple(items)


def _codes(raw, name: str, vocab: set[str], errors: list) -> tuple[str, ...]:
    if raw is None or raw == "" or raw == []:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        errors.append((name, f"{name.replace('_', ' ').capitalize()} must be a code or a list of codes"))
        return ()
    items = [i for i in dict.fromkeys(i.strip() for i in items) if i]
    bad = [i for i in items if i not in vocab]
    if bad:
        errors.append((name, f"Unknown {name.replace('_', ' ')}: {', '.join(bad[:3])[:100]}"))
        return ()
    return tuple(items)


def _flag(raw, name: str, errors: list, strict: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    if not strict and isinstance(raw, str) and raw.strip().lower() in TRUE | FALSE:
        return raw.strip().lower() in TRUE
    errors.append((name, f"{name.replace('_', ' ').capitalize()} must be true or false"))
    return False


def clean_text(raw, name: str, errors: list, limit: int = MAX_Q) -> str:
    """Search words: bounded text with runs of spaces collapsed ("" when empty or refused)."""
    value = parsing.collect(errors, parsing.text, raw, name, max_len=limit, label="Words")
    return " ".join(value.split()) if value else ""


def parse_filters(raw: dict, vocab: dict[str, set[str]], *, strict: bool, radius_m=None) -> tuple[Filters, list]:
    """Validate the filter fields of ``raw``; returns (filters, errors). ``strict`` = JSON types.

    ``free`` and ``wheelchair`` (true/false) are still read: the cost band "free" and the feature."""
    errors: list[tuple[str, str]] = []
    radius = DEFAULT_RADIUS_M
    if radius_m is not None:
        value = parsing.collect(
            errors,
            parsing.number,
            radius_m,
            "radius_m",
            low=MIN_RADIUS_M,
            high=MAX_RADIUS_M,
            label="Distance",
            default=None,
            range_message=f"Distance must be between {MIN_RADIUS_M:.0f} and {MAX_RADIUS_M:.0f} metres (10 miles)",
        )
        if value is not None:
            radius = value
    terms = {name: _codes(raw.get(name), name, vocab.get(name, set()), errors) for name in TAXONOMY_FIELDS}
    access = _many(raw.get("access"), "access", ACCESSIBILITY.codes, errors, "Accessibility")
    if _flag(raw.get("wheelchair"), "wheelchair", errors, strict) and "wheelchair" not in access:
        access = (*access, "wheelchair")
    cost = _choice(raw.get("cost"), "cost", COST_BANDS.codes, errors, "a cost")
    if _flag(raw.get("free"), "free", errors, strict):
        cost = "free"
    filters = Filters(
        radius_m=radius,
        q=clean_text(raw.get("q"), "q", errors),
        open_day=_many(raw.get("open_day"), "open_day", OPEN_DAYS, errors, "Day"),
        open_part=_many(raw.get("open_part"), "open_part", PARTS_OF_DAY.codes, errors, "Part of the day"),
        mode=_many(raw.get("mode"), "mode", MODES.codes, errors, "How they take part"),
        access=tuple(a for a in ACCESSIBILITY.codes if a in access),
        cost=cost,
        this_week=_flag(raw.get("this_week"), "this_week", errors, strict),
        sort=_choice(raw.get("sort"), "sort", SORT_ORDERS.codes, errors, "an order") or "best",
        pace=_choice(raw.get("pace"), "pace", WALKING_PACES.codes, errors, "a walking pace") or "average",
        as_typed=_flag(raw.get("as_typed"), "as_typed", errors, strict),
        **terms,
    )
    return filters, errors


def miles_to_metres(raw, errors: list) -> float:
    """The form's distance choice (miles) in metres."""
    if raw in (None, ""):
        return DEFAULT_RADIUS_M
    if raw not in DISTANCE_MILES:
        errors.append(("distance", "Choose a distance from the list"))
        return DEFAULT_RADIUS_M
    return float(raw) * METRES_PER_MILE


def parse_paging(raw: dict, errors: list, per_page_default: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    page = _whole(raw.get("page"), "page", errors, MAX_PAGE, 1, "Page")
    per_page = _whole(raw.get("per_page"), "per_page", errors, MAX_PER_PAGE, per_page_default, "Results per page")
    return page, per_page


def _whole(raw, name: str, errors: list, high: int, default: int, label: str) -> int:
    """A whole number from 1 to ``high``; missing or blank is the default (so is a refused one, noted)."""
    value = parsing.collect(
        errors, parsing.integer, None if raw == "" else raw, name, low=1, high=high, label=label, default=default
    )
    return default if value is None else value


def parse_point(raw_lat, raw_lon, errors: list) -> tuple[float, float] | None:
    """(lon, lat) from two numbers, or None if neither was given."""
    lat = parsing.collect(errors, parsing.number, raw_lat, "lat", label="Latitude", default=None)
    lon = parsing.collect(errors, parsing.number, raw_lon, "lon", label="Longitude", default=None)
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        errors.append(("lat" if lat is None else "lon", "Give both latitude and longitude"))
        return None
    return lon, lat
