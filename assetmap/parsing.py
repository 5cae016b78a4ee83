"""One parsing layer at the edge: every number, text, email, coordinate and JSON body that a form, the JSON
API, a query string, a CLI option or an import file brings in is checked here, and only here.

Why one module: the parsers it replaced each had a gap that turned a hostile input into a 500 (issue 11):
``str.isdigit()`` accepts '²', which ``int()`` refuses; ``float(10**400)`` raises OverflowError;
``json.loads`` recurses once per bracket (RecursionError tens of thousands deep) and gives up on numbers over
4,300 digits; a JSON escape such as ``"\\ud800"`` (a lone surrogate) parses but cannot be encoded for the
database or a page; ``float("NaN")`` is a float; and a backtracking email pattern that ran before the length
limit took over 5 s on a 40,000-character address at sign-in.

So every function here bounds its input's size first, then checks it in linear time (no pattern with nested
or overlapping repeats ever sees unbounded input), and fails only with ``ValidationError`` (a 400 naming the
field, in plain English) or ``TooLarge`` (413). Nothing else escapes: a caller never needs another except.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Request, current_app

from .errors import TooLarge, ValidationError
from .geo import GB_LAT_MAX, GB_LAT_MIN, GB_LON_MAX, GB_LON_MIN

_MISSING = object()

#: longest number written as text we read; longer ones are refused before any conversion
MAX_NUMBER_CHARS = 100
#: |value| beyond this is "too large" for any quantity the service holds; keeps float() from overflowing
MAX_MAGNITUDE = 1e15
#: JSON documents: deepest nesting read (GeoJSON polygons need 4; ORUK services about 6)
MAX_JSON_DEPTH = 64
#: a JSON request body (an asset, a search) is a few KB; imports have their own, larger limit
MAX_JSON_BODY_BYTES = 1024 * 1024
#: the largest version number of a record (a PostgreSQL integer)
MAX_VERSION = 2**31 - 1
#: a sign-in or account form is a few hundred characters: 16 KB leaves room for percent-encoding
SMALL_FORM_BYTES = 16 * 1024
#: RFC 5321: an address is at most 254 characters
MAX_EMAIL = 254

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)
#: Unicode category Cc: C0 controls, DEL and C1 controls
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_NOT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SINGLE_LINE_SPACE = re.compile(r"\r\n|[\t\n\r\u00a0]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: characters never in an address we accept (whitespace and controls are checked separately)
_EMAIL_REFUSED = frozenset('<>"()[]\\,;:')


def _label(field: str, label: str | None) -> str:
    return label or field.replace("_", " ").capitalize()


def collect(errors: list, parse: Callable, *args, **kwargs):
    """Run a parser, appending (field, message) to ``errors`` instead of raising; None on failure.

    For parsers that report every problem in a form at once (search, asset records).
    """
    try:
        return parse(*args, **kwargs)
    except ValidationError as exc:
        errors.append((exc.field or "", exc.message))
        return None


# --------------------------------------------------------------------------- numbers


def integer(raw, field: str, *, low: int, high: int, label: str | None = None, default=_MISSING) -> int:
    """A whole number from an int or a string of ASCII digits (optional sign), within [low, high].

    ``default`` is returned when ``raw`` is None; a blank string is not a number. bool and float are refused.
    """
    name = _label(field, label)
    if raw is None and default is not _MISSING:
        return default
    if isinstance(raw, str):
        value = raw.strip()
        if len(value) > MAX_NUMBER_CHARS or not _INTEGER.fullmatch(value):
            if len(value) > MAX_NUMBER_CHARS and value.lstrip("+-").isascii() and value.lstrip("+-").isdigit():
                raise ValidationError(f"{name} must be between {low} and {high}", field=field)
            raise ValidationError(f"{name} must be a whole number", field=field)
        raw = int(value)
    elif not isinstance(raw, int) or isinstance(raw, bool):
        raise ValidationError(f"{name} must be a whole number", field=field)
    if not low <= raw <= high:
        raise ValidationError(f"{name} must be between {low} and {high}", field=field)
    return raw


def number(
    raw,
    field: str,
    *,
    low: float | None = None,
    high: float | None = None,
    label: str | None = None,
    default=_MISSING,
    range_message: str | None = None,
) -> float:
    """A finite number from an int, a float or ASCII decimal text (``1.5``, ``-2e3``), within [low, high].

    NaN, Infinity, bool, non-ASCII digits and anything beyond ``MAX_MAGNITUDE`` are refused; a huge int is
    compared as an int, so it never reaches ``float()`` to overflow. ``default`` is returned for None or
    blank text.
    """
    name = _label(field, label)
    if default is not _MISSING and (raw is None or (isinstance(raw, str) and not raw.strip())):
        return default
    not_a_number = ValidationError(f"{name} must be a number", field=field)
    if isinstance(raw, str):
        text_ = raw.strip()
        if len(text_) > MAX_NUMBER_CHARS or not _DECIMAL.fullmatch(text_):
            raise not_a_number
        raw = float(text_)  # may be inf for 1e999: refused below
    elif isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise not_a_number
    if isinstance(raw, float) and not math.isfinite(raw):
        raise not_a_number
    lo = -MAX_MAGNITUDE if low is None else low
    hi = MAX_MAGNITUDE if high is None else high
    if not lo <= raw <= hi:  # int/float comparison is exact in Python: no overflow
        if low is None and high is None:
            raise ValidationError(f"{name} is too large", field=field)
        raise ValidationError(range_message or f"{name} must be between {lo:g} and {hi:g}", field=field)
    return float(raw)


def lon_lat(raw_lon, raw_lat, *, field: str = "lat") -> tuple[float, float]:
    """A point as (lon, lat): two finite numbers inside Great Britain (the database's own bounds).

    A pair that would be in Great Britain the other way round is called out as swapped.
    """
    lon = number(raw_lon, "lon", label="Longitude")
    lat = number(raw_lat, "lat", label="Latitude")
    if not (GB_LAT_MIN <= lat <= GB_LAT_MAX and GB_LON_MIN <= lon <= GB_LON_MAX):
        if GB_LAT_MIN <= lon <= GB_LAT_MAX and GB_LON_MIN <= lat <= GB_LON_MAX:
            raise ValidationError(
                "That point is outside Great Britain: latitude and longitude look swapped.", field=field
            )
        raise ValidationError("That point is outside Great Britain.", field=field)
    return lon, lat


def point_or_none(raw_lon, raw_lat) -> tuple[float, float] | None:
    """(lon, lat) if both make a point in Great Britain, else None: for drawing, never for saving."""
    try:
        return lon_lat(raw_lon, raw_lat)
    except ValidationError:
        return None


# --------------------------------------------------------------------------- text


def text(
    raw,
    field: str,
    *,
    max_len: int,
    label: str | None = None,
    multiline: bool = False,
    required: str | None = None,
    controls: str = "strip",
    numbers: bool = False,
) -> str | None:
    """Text a person typed or a file carried: at most ``max_len`` characters as given, stripped; None when empty.

    Length is checked before anything else looks at it. Lone surrogates are refused (they cannot be stored
    or shown). Control characters are removed (``controls="strip"``) or refused (``"refuse"``); in
    single-line text tabs, line breaks and non-breaking spaces become spaces; multi-line text keeps its
    tabs and line breaks as they are. ``numbers=True`` takes a JSON or spreadsheet number as its text.
    """
    name = _label(field, label)
    too_long = ValidationError(f"{name} must be {max_len} characters or fewer", field=field)
    if raw is None:
        value = ""
    elif numbers and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, int) and raw.bit_length() > 4 * max_len:
            raise too_long  # str() of a huge int is refused by Python itself (4,300 digits)
        value = str(raw)
    elif isinstance(raw, str):
        value = raw
    else:
        raise ValidationError(f"{name} must be text", field=field)
    if len(value) > max_len:  # as given, before any pattern looks at it
        raise too_long
    if _SURROGATE.search(value):
        raise ValidationError(
            f"{name} contains a character that cannot be stored. Type it again, or paste it as plain text.", field=field
        )
    if controls == "refuse" and _CONTROL_NOT_LAYOUT.search(value):
        raise ValidationError(f"{name} must not contain control characters", field=field)
    if multiline:
        value = _CONTROL_NOT_LAYOUT.sub("", value).replace("\u00a0", " ")
    else:
        value = _CONTROL.sub("", _SINGLE_LINE_SPACE.sub(" ", value))
    value = value.strip()
    if not value:
        if required:
            raise ValidationError(required, field=field)
        return None
    return value


def uuid_value(raw, field: str, *, label: str | None = None) -> uuid.UUID:
    """An identifier (a UUID, in any of its usual spellings) from a form or query string."""
    name = _label(field, label)
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 45:
        raise ValidationError(f"{name} is missing or is not an identifier", field=field)
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise ValidationError(f"{name} is missing or is not an identifier", field=field) from None


def email(raw, field: str = "email", *, label: str = "Email address", required: str | None = None) -> str | None:
    """An email address as typed (stripped; callers lower-case where they match accounts); None when empty.

    The length bound comes first, then a single linear pass: one ``@``, something before it, a domain with
    a dot inside it, no spaces, controls or ``<>"()[]\\,;:``. Shape only: whether it exists is not knowable.
    """
    value = text(raw, field, max_len=MAX_EMAIL, label=label, required=required, controls="refuse")
    if value is None:
        return None
    local, at, domain = value.partition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or "@" in domain
        or len(labels) < 2
        or not all(labels)
        or len(labels[-1]) < 2
        or any(ch.isspace() or ch in _EMAIL_REFUSED for ch in value)
    ):
        raise ValidationError("Enter an email address in the correct format, like name@example.org", field=field)
    return value


#: a UK mobile number as people write it, once spaces, hyphens and a "(0)" are taken out: 07…, +447…, 00447…
_UK_MOBILE = re.compile(r"(?:0|(?:\+44|0044)0?)(7[0-9]{9})", re.ASCII)
_PHONE_LAYOUT = re.compile(r"[ \t\u00a0.-]|\(0\)")
#: a number as typed is short: room for spacing, but not for a pasted paragraph
MAX_PHONE = 30


def uk_mobile(raw, field: str = "phone", *, label: str = "Mobile number", required: str | None = None) -> str | None:
    """A UK mobile number (07…, +44 7…, 0044 7…; spaces, hyphens, dots and "(0)" allowed) as ``+447…``;
    None when empty. Mobiles only: a text message cannot go to a landline."""
    value = text(raw, field, max_len=MAX_PHONE, label=label, required=required, controls="refuse")
    if value is None:
        return None
    m = _UK_MOBILE.fullmatch(_PHONE_LAYOUT.sub("", value))
    if m is None:
        raise ValidationError("Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982", field=field)
    return "+44" + m.group(1)


def web_address(raw, field: str = "url", *, max_len: int = 500, label: str | None = None) -> str | None:
    """An http(s) address with a host, as typed; None when empty. ``urlsplit``'s own refusals (a broken
    IPv6 host, a port out of range) are the same plain 400 as any other address we cannot use."""
    value = text(raw, field, max_len=max_len, label=label, controls="refuse")
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.netloc) and (parts.port or 0) >= 0
    except ValueError:
        ok = False
    if not ok or any(ch.isspace() for ch in value):
        raise ValidationError("Enter a web address starting with https:// or http://", field=field)
    return value


# --------------------------------------------------------------------------- JSON


class JsonInvalid(ValidationError, ValueError):
    """A JSON document that is malformed, too deep, or holds numbers or text we cannot use.

    Also a ValueError, so Flask's ``get_json(silent=True)`` still answers None for it.
    """


#: a JSON string, or an unterminated one running to the end: an unrolled loop that cannot fail once it has
#: started, so the engine never backtracks and never retries inside a string (linear time)
class JsonSyntaxError(JsonInvalid):
    """The text is not JSON at all (as opposed to JSON we refuse)."""


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def too_deep(text_: str, max_depth: int) -> bool:
    """Whether ``[`` and ``{`` outside strings nest deeper than ``max_depth``: one linear pass, no recursion."""
    depth = 0
    for ch in _NOT_BRACKET.sub("", _STRING.sub("", text_)):
        if ch in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _surrogate_at(value) -> str | None:
    """The top-level key under which a lone surrogate is ("" if not under a key); None if there is none."""
    stack = [(value, None)]
    while stack:
        item, key = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return key or ""
        elif isinstance(item, dict):
            for k, v in item.items():
                if _SURROGATE.search(k):
                    return key or ""
                stack.append((v, key if key is not None else k))
        elif isinstance(item, list):
            stack.extend((v, key) for v in item)
    return None


def load_json(
    data: bytes | str,
    *,
    max_bytes: int | None = None,
    what: str = "The body",
    field: str = "body",
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Parse a JSON document safely: size, then nesting depth, then numbers and text as they are read.

    Refuses (with ``what`` as the subject of the message): more than ``max_bytes`` (TooLarge, 413); text
    that is not UTF-8; nesting deeper than ``max_depth`` (checked before parsing, so the parser never
    recurses that far); numbers over ``MAX_NUMBER_CHARS`` characters or too large for a float; NaN and
    Infinity; strings holding a lone surrogate.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLarge(f"{what} is larger than {max_bytes / 1048576:.0f} MB", field=field)
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonInvalid(
                f"{what} is not valid JSON: byte {exc.start + 1} is not UTF-8 text", field=field
            ) from None
    if too_deep(data, max_depth):
        raise JsonInvalid(f"{what} is nested more than {max_depth} levels deep", field=field)

    def parse_int(s: str) -> int:
        if len(s) > MAX_NUMBER_CHARS:
            raise JsonInvalid(f"{what} has a number longer than {MAX_NUMBER_CHARS} digits", field=field)
        return int(s)

    def parse_float(s: str) -> float:
        value = float(s) if len(s) <= MAX_NUMBER_CHARS else math.inf
        if not math.isfinite(value):
            raise JsonInvalid(f"{what} has a number that is too large", field=field)
        return value

    def parse_constant(s: str):
        raise JsonInvalid(f"{what} has {s}, which is not a number", field=field)

    try:
        value = json.loads(data, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}", field=field
        ) from None
    except RecursionError:  # not reachable after the depth check; kept so no input can become a 500
        raise JsonInvalid(f"{what} is nested too deeply", field=field) from None
    if _SURROGATE_ESCAPE.search(data) or _SURROGATE.search(data):
        where = _surrogate_at(value)
        if where is not None:
            raise JsonInvalid(
                f"{what} has text that is not valid Unicode (a lone surrogate such as \\ud800)", field=where or field
            )
    return value


def json_object(value, message: str = "Send a JSON object", field: str = "body") -> dict:
    """``value`` if it is a JSON object (a dict), else a ValidationError with ``message``."""
    if not isinstance(value, dict):
        raise ValidationError(message, field=field)
    return value


class _RequestJSON:
    """What ``Request.get_json()`` parses with: ``load_json`` with the request body limit."""

    @staticmethod
    def loads(data, **_kw):
        return load_json(data, max_bytes=MAX_JSON_BODY_BYTES)

    dumps = staticmethod(json.dumps)


def body_limit(max_bytes: int):
    """View decorator: the view reads at most ``max_bytes`` of request body (413 beyond, or smaller than the
    app's ``MAX_CONTENT_LENGTH``), enforced before the body is read: before CSRF, the form or any pattern.

    Sign-in measured (bench/signin.py): a 10 MB form took ~80 ms just to read and decode; 16 KB, ~1 ms.
    """

    def mark(view):
        view.max_body_bytes = max_bytes
        return view

    return mark


class EdgeRequest(Request):
    """Flask's request, whose ``get_json()`` goes through ``load_json`` (its errors reach the person as they
    are), and whose body limit is the view's own (``body_limit``) where that is smaller than the app's."""

    @property
    def max_content_length(self) -> int | None:
        limit = Request.max_content_length.fget(self)
        view = current_app.view_functions.get(self.url_rule.endpoint) if current_app and self.url_rule else None
        own = getattr(view, "max_body_bytes", None)
        return own if own is not None and (limit is None or own < limit) else limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)

    @property
    def json_module(self):
        return _RequestJSON

    @json_module.setter
    def json_module(self, _provider) -> None:
        """Flask sets ``app.json`` on every request; a request body is always read with ``load_json``."""

    def on_json_loading_failed(self, e):
        if isinstance(e, ValidationError):
            raise e
        return super().on_json_loading_failed(e)


def init_app(app) -> None:
    app.request_class = EdgeRequest
