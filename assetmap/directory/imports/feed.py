"""Reading another publisher's Open Referral UK feed: every page of /services, then each full record.

Also reads a file saved from a feed: a page of services (``contents``), a JSON array of services,
a single service, or newline-delimited JSON. Plain ``urllib`` (no extra dependency); every request
has a timeout and a size cap, and only http(s) addresses are fetched.

ORUK version 1 feeds are read too, because many live council feeds still publish it: their pages are
Spring-style (``content``, ``totalElements``, ``totalPages``, ``last``) and their services use the
HSDS 1 names (``regular_schedules``, ``physical_addresses``, ``service_taxonomys``,
``accessibility_for_disabilities``). ``upgrade_v1`` renames those to the 3.0 names the mapping reads,
so a version 1 service is mapped by exactly the same rules as a 3.0 one.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from ... import parsing
from ...errors import ValidationError
from ...vocabulary import DAYS

PER_PAGE = 100
MAX_PAGES = 2_000
MAX_BYTES = 20 * 1024 * 1024
MAX_FILE_BYTES = 200 * 1024 * 1024
TIMEOUT_S = 30
USER_AGENT = "AssetMap ORUK importer (+https://assetmap.org.uk)"


class FeedError(ValidationError):
    """The feed could not be read; the message says what happened."""


@dataclass
class Feed:
    source: str  # "oruk:<host>" or "oruk:<file name>": what re-imports match on
    services: list = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)  # (service id, why)


def source_name(location: str) -> str:
    if is_url(location):
        return "oruk:" + urlsplit(location).netloc.lower()
    return "oruk:" + Path(location).name


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def get_json(url: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES):
    """GET a JSON document; FeedError with a plain reason on any failure."""
    if not is_url(url):
        raise FeedError(f"Only http and https addresses can be fetched, not {url}")
    req = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
            body = resp.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FeedError(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FeedError(f"Could not reach {url}: {reason}") from None
    if len(body) > max_bytes:
        raise FeedError(f"{url} sent more than {max_bytes // (1024 * 1024)} MB")
    return _json(body, url)


def _json(data, what: str):
    """A feed's JSON through the edge's parser (depth, numbers and text bounded); FeedError if unusable."""
    try:
        return parsing.load_json(data, what=what, field="location")
    except parsing.JsonSyntaxError:
        raise FeedError(f"{what} did not send JSON") from None
    except ValidationError as exc:
        raise FeedError(exc.message) from None


def base_url(url: str) -> str:
    """The API stub: 'https://x/oruk/services?page=2' -> 'https://x/oruk'."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith("/services"):
        path = path[: -len("/services")]
    return f"{parts.scheme}://{parts.netloc}{path}"


@dataclass
class Page:
    """One page of a /services list, in either version's shape."""

    items: list
    total_pages: int | None
    last: bool
    #: a version 1 (Spring) feed counting pages from 0: asked for page 1, it says it is not the first
    from_zero: bool = False


def read_page(data) -> Page | None:
    """ORUK 3.0 (``contents``, ``total_pages``, ``last_page``) or version 1 (``content``, ``totalPages``,
    ``last``); None when it is neither."""
    if not isinstance(data, dict):
        return None
    for items, total, last in (("contents", "total_pages", "last_page"), ("content", "totalPages", "last")):
        if isinstance(data.get(items), list):
            pages = data.get(total)
            return Page(
                data[items],
                pages if isinstance(pages, int) and not isinstance(pages, bool) else None,
                data.get(last) is True,
                items == "content" and data.get("first") is False,
            )
    return None


def fetch(url: str, progress=None, per_page: int = PER_PAGE) -> Feed:
    """Every service id from the paged /services list, then each service's full record."""
    say = progress or (lambda _msg: None)
    base = base_url(url)
    feed = Feed(source_name(url))
    ids: list[str] = []
    page, first = 1, 1
    while True:
        found = read_page(get_json(f"{base}/services?page={page}&per_page={per_page}"))
        if found is None:
            raise FeedError(
                f"{base}/services is not an Open Referral UK list of services (no 'contents', "
                "nor version 1's 'content')"
            )
        if page == 1 == first and found.from_zero:
            page = first = 0  # read page 0 first, then carry on
            continue
        for item in found.items:
            sid = item.get("id") if isinstance(item, dict) else None
            if isinstance(sid, (str, int)) and str(sid) not in ids:
                ids.append(str(sid))
        total_pages = found.total_pages
        say(f"  page {page}{f' of {total_pages}' if total_pages is not None else ''}: {len(ids)} services so far")
        if not found.items or found.last or (total_pages is not None and page - first + 1 >= total_pages):
            break
        page += 1
        if page > MAX_PAGES:
            raise FeedError(f"{base}/services has more than {MAX_PAGES} pages; stopping")
    for n, sid in enumerate(ids, start=1):
        try:
            feed.services.append(upgrade_v1(get_json(f"{base}/services/{quote(sid, safe='')}")))
        except FeedError as exc:
            feed.unavailable.append((sid, exc.message))
        if n % 50 == 0 or n == len(ids):
            say(f"  fetched {n} of {len(ids)} full service records")
    return feed


def read_file(path: str | Path) -> Feed:
    """Services from a saved feed file."""
    p = Path(path)
    if not p.is_file():
        raise FeedError(f"{p} is not a file (give a feed address starting with https:// or a saved JSON file)")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise FeedError(f"{p.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    raw = p.read_bytes()
    feed = Feed(source_name(str(p)))
    try:
        data = parsing.load_json(raw, what=p.name, field="location")
    except parsing.JsonSyntaxError:  # UTF-8 (load_json checked), but not one document: try one per line
        try:
            data = [
                parsing.load_json(line, what=p.name, field="location")
                for line in raw.decode("utf-8-sig").splitlines()
                if line.strip()
            ]
        except parsing.JsonSyntaxError:
            raise FeedError(f"{p.name} is not JSON or newline-delimited JSON") from None
        except ValidationError as exc:
            raise FeedError(exc.message) from None
    except ValidationError as exc:
        raise FeedError(exc.message) from None
    page = read_page(data)
    if page is not None:
        feed.services = page.items
    elif isinstance(data, list):
        feed.services = data
    elif isinstance(data, dict) and "id" in data and "name" in data:
        feed.services = [data]
    else:
        raise FeedError(
            f"{p.name} holds no Open Referral UK services (expected 'contents', version 1's "
            "'content', a list, or a service)"
        )
    feed.services = [upgrade_v1(s) for s in feed.services]
    return feed


def load(location: str, progress=None) -> Feed:
    """A feed from an http(s) address or a file."""
    if is_url(location):
        try:
            urlsplit(location).port  # noqa: B018 - a broken host or port is refused here, not deep in the fetch
        except ValueError:
            raise FeedError(f"{location} is not a web address that can be fetched") from None
        return fetch(location, progress)
    return read_file(location)


# --------------------------------------------------------------------------- ORUK version 1 services


def _v1_byday(schedule: dict) -> str | None:
    """A version 1 schedule's day: its RFC 5545 ``byday`` if it has one, else ``weekday`` (a day's name,
    or 1 to 7 counting from Monday as ISO 8601 does)."""
    if isinstance(schedule.get("byday"), str) and schedule["byday"].strip():
        return schedule["byday"]
    day = schedule.get("weekday")
    if isinstance(day, str):
        return next((d.code for d in DAYS if day.strip().lower()[:3] == d.short), None)
    if isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= len(DAYS):
        return DAYS.codes[day - 1]
    return None


def _v1_schedules(items) -> list[dict]:
    out = []
    for s in items if isinstance(items, list) else []:
        if isinstance(s, dict):
            byday = _v1_byday(s)
            out.append({**s, "byday": byday} if byday else s)
    return out


def _v1_location(loc: dict) -> dict:
    out = dict(loc)
    if "addresses" not in out and isinstance(loc.get("physical_addresses"), list):
        out["addresses"] = [{**a, "address_type": "physical"} for a in loc["physical_addresses"] if isinstance(a, dict)]
    if "accessibility" not in out and isinstance(loc.get("accessibility_for_disabilities"), list):
        out["accessibility"] = loc["accessibility_for_disabilities"]
    return out


def upgrade_v1(svc):
    """An ORUK version 1 service with the 3.0 names added beside its own (a 3.0 service is returned as it is)."""
    if not isinstance(svc, dict):
        return svc
    out = dict(svc)
    if "schedules" not in out and "regular_schedules" in svc:
        out["schedules"] = _v1_schedules(svc["regular_schedules"])
    if "attributes" not in out and isinstance(svc.get("service_taxonomys"), list):
        out["attributes"] = [
            {
                "taxonomy_term_id": t["taxonomy"].get("id"),
                "taxonomy_term": {
                    "id": t["taxonomy"].get("id"),
                    "name": t["taxonomy"].get("name"),
                    "taxonomy": t["taxonomy"].get("vocabulary"),
                },
            }
            for t in svc["service_taxonomys"]
            if isinstance(t, dict) and isinstance(t.get("taxonomy"), dict)
        ]
    sals = []
    for sal in svc.get("service_at_locations") or []:
        if isinstance(sal, dict) and isinstance(sal.get("location"), dict):
            sal = {**sal, "location": _v1_location(sal["location"])}
            if "schedules" not in sal and "regular_schedules" in sal:
                sal["schedules"] = _v1_schedules(sal["regular_schedules"])
        sals.append(sal)
    if sals:
        out["service_at_locations"] = sals
    return out
