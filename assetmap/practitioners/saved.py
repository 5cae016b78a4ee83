"""What the browser session holds for a practitioner: recent searches, the shortlist, recent connections.

A search is kept under an opaque random id so result URLs carry no postcode, and it keeps only
the resolved point, its area codes and the filters - never the postcode string. The point and
its area codes are encrypted (Fernet, with a key derived from SECRET_KEY), so even someone who
reads the cookie on a shared machine cannot see where the search was. The shortlist is a list of
asset ids, with the id of the search each was added from: a connection recorded from the shortlist
then keeps that search's ward and LSOA (the point itself stays sealed). The connections recorded in
this browser are kept as ids for a few hours, so their confirmation page can be reloaded here and
nowhere else, and so recording the same asset again straight away asks first. All of it lives in
the session cookie: nothing is stored on the server, and signing out (which clears the session)
forgets it. When the sheet is sent to the person, only how (email or text), how many listings and when are kept
here, for its confirmation page: never the address or number.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask import session as cookie_session

from ..errors import NotFound
from .params import Filters
from .queries import Origin

SEARCHES_KEY = "am_searches"
SHORTLIST_KEY = "am_shortlist"
SHORTLIST_FROM_KEY = "am_shortlist_from"
CONNECTIONS_KEY = "am_connections"
MAX_CONNECTIONS = 10
#: recording a connection to the same asset again within this time asks "is this someone else?" first
RECENT_CONNECTION_SECONDS = 15 * 60
MAX_SEARCHES = 5
SEARCH_TTL_SECONDS = 8 * 3600
MAX_SHORTLIST = 30
SID_RE = re.compile(r"^[A-Za-z0-9_-]{16}$")


@dataclass
class SavedSearch:
    sid: str
    origin: Origin
    filters: Filters
    created: float
    unmet_recorded: bool = False
    #: "postcode" or "point": how the search point was given (not the postcode itself)
    via: str = "postcode"


def _fernet() -> Fernet:
    key = hashlib.sha256(b"assetmap-saved-search|" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(origin: list) -> str:
    return _fernet().encrypt(json.dumps(origin).encode()).decode()


def _unseal(token) -> list | None:
    try:
        return json.loads(_fernet().decrypt(token.encode(), ttl=SEARCH_TTL_SECONDS))
    except (InvalidToken, AttributeError, ValueError):
        return None


def _searches() -> dict:
    now = time.time()
    kept = cookie_session.get(SEARCHES_KEY) or {}
    return {k: v for k, v in kept.items() if isinstance(v, dict) and now - v.get("t", 0) < SEARCH_TTL_SECONDS}


def save_search(origin: Origin, filters: Filters, via: str = "postcode") -> str:
    """Keep a search in the session; returns its opaque id."""
    sid = secrets.token_urlsafe(12)
    kept = _searches()
    for old in sorted(kept, key=lambda k: kept[k]["t"])[: max(0, len(kept) - MAX_SEARCHES + 1)]:
        kept.pop(old)
    kept[sid] = {
        "o": _seal(
            [round(origin.lon, 6), round(origin.lat, 6), origin.ward_code, origin.lsoa_code, origin.constituency_code]
        ),
        "f": filters.to_dict(),
        "t": time.time(),
        "v": via,
    }
    cookie_session[SEARCHES_KEY] = kept
    return sid


def load_search(sid: str) -> SavedSearch:
    """The saved search ``sid``; NotFound if it expired or belongs to another browser."""
    entry = _searches().get(sid) if sid and SID_RE.match(sid) else None
    opened = _unseal(entry.get("o")) if entry is not None else None
    if opened is None:
        raise NotFound("This search has expired or was made in another browser. Start a new search.")
    lon, lat, ward, lsoa, con = opened
    return SavedSearch(
        sid=sid,
        origin=Origin(lon, lat, ward, lsoa, con),
        filters=Filters.from_dict(entry["f"]),
        created=entry["t"],
        unmet_recorded=bool(entry.get("u")),
        via="point" if entry.get("v") == "point" else "postcode",
    )


def find_search(sid: str | None) -> SavedSearch | None:
    try:
        return load_search(sid) if sid else None
    except NotFound:
        return None


def mark_unmet_recorded(sid: str) -> None:
    kept = _searches()
    if sid in kept:
        kept[sid]["u"] = True
        cookie_session[SEARCHES_KEY] = kept


# --------------------------------------------------------------------------- shortlist


def shortlist() -> list[uuid.UUID]:
    out = []
    for raw in cookie_session.get(SHORTLIST_KEY) or []:
        try:
            out.append(uuid.UUID(raw))
        except (ValueError, TypeError, AttributeError):
            continue
    return out


def _shortlist_from() -> dict:
    kept = cookie_session.get(SHORTLIST_FROM_KEY)
    return kept if isinstance(kept, dict) else {}


def add_to_shortlist(asset_id: uuid.UUID, from_sid: str | None = None) -> bool:
    """Add an asset, remembering the saved search it was found in (if any); False if the list is full."""
    ids = shortlist()
    if asset_id not in ids:
        if len(ids) >= MAX_SHORTLIST:
            return False
        cookie_session[SHORTLIST_KEY] = [str(i) for i in [*ids, asset_id]]
    if from_sid and SID_RE.match(from_sid) and from_sid in _searches():
        cookie_session[SHORTLIST_FROM_KEY] = {**_shortlist_from(), str(asset_id): from_sid}
    return True


def shortlist_search(asset_id: uuid.UUID) -> SavedSearch | None:
    """The search a shortlisted asset was added from, while that search is still kept."""
    if asset_id not in shortlist():
        return None
    return find_search(_shortlist_from().get(str(asset_id)))


def remove_from_shortlist(asset_id: uuid.UUID) -> None:
    cookie_session[SHORTLIST_KEY] = [str(i) for i in shortlist() if i != asset_id]
    kept = _shortlist_from()
    if str(asset_id) in kept:
        cookie_session[SHORTLIST_FROM_KEY] = {k: v for k, v in kept.items() if k != str(asset_id)}


def clear_shortlist() -> None:
    cookie_session.pop(SHORTLIST_KEY, None)
    cookie_session.pop(SHORTLIST_FROM_KEY, None)


# --------------------------------------------------------------------------- connections recorded here


@dataclass
class RecordedHere:
    connection_id: uuid.UUID
    asset_id: uuid.UUID
    at: float
    sid: str | None


def _connections() -> dict:
    kept = cookie_session.get(CONNECTIONS_KEY)
    return kept if isinstance(kept, dict) else {}


def _recorded() -> list[RecordedHere]:
    """The connections this browser recorded in the last SEARCH_TTL_SECONDS, newest first."""
    now, out = time.time(), []
    for key, entry in _connections().items():
        try:
            asset_id, at, sid = entry
            row = RecordedHere(uuid.UUID(key), uuid.UUID(asset_id), float(at), sid)
        except (ValueError, TypeError, AttributeError):
            continue
        if now - row.at < SEARCH_TTL_SECONDS:
            out.append(row)
    return sorted(out, key=lambda r: r.at, reverse=True)


def remember_connection(connection_id: uuid.UUID, asset_id: uuid.UUID, sid: str | None) -> None:
    """Note that this browser recorded ``connection_id`` (to ``asset_id``, from search ``sid``)."""
    kept = [r for r in _recorded() if r.connection_id != connection_id][: MAX_CONNECTIONS - 1]
    cookie_session[CONNECTIONS_KEY] = {
        str(r.connection_id): [str(r.asset_id), r.at, r.sid]
        for r in [RecordedHere(connection_id, asset_id, time.time(), sid), *kept]
    }


def recorded_here(connection_id: uuid.UUID) -> RecordedHere | None:
    """The connection, if this browser recorded it in the last few hours."""
    return next((r for r in _recorded() if r.connection_id == connection_id), None)


def recent_connection(asset_id: uuid.UUID) -> RecordedHere | None:
    """The latest connection to ``asset_id`` this browser recorded in the last RECENT_CONNECTION_SECONDS."""
    now = time.time()
    return next((r for r in _recorded() if r.asset_id == asset_id and now - r.at < RECENT_CONNECTION_SECONDS), None)


# --------------------------------------------------------------------------- the sheet sent from here

SHEET_SENT_KEY = "am_sheet_sent"


@dataclass
class SheetSent:
    """How the sheet was last sent from this browser: the channel, how many listings and when. Never to whom."""

    how: str
    count: int
    at: float


def remember_sheet_sent(how: str, count: int) -> None:
    cookie_session[SHEET_SENT_KEY] = [how, int(count), time.time()]


def sheet_sent() -> SheetSent | None:
    """The last sheet sent from this browser in the last few hours, if any."""
    try:
        how, count, at = cookie_session.get(SHEET_SENT_KEY)
        sent = SheetSent(str(how), int(count), float(at))
    except (TypeError, ValueError):
        return None
    return sent if time.time() - sent.at < SEARCH_TTL_SECONDS else None
