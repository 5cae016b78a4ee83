"""Reading another publisher's Open Referral UK 3.0 feed: every page of /services, then each full record.

Also reads a file saved from a feed: a page of services (``contents``), a JSON array of services,
a single service, or newline-delimited JSON. Plain ``urllib`` (no extra dependency); every request
has a timeout and a size cap, and only http(s) addresses are fetched.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..errors import ValidationError

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
    source: str                       # "oruk:<host>" or "oruk:<file name>": what re-imports match on
    services: list = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)   # (service id, why)


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
    try:
        return json.loads(body)
    except ValueError:
        raise FeedError(f"{url} did not send JSON") from None


def base_url(url: str) -> str:
    """The API stub: 'https://x/oruk/services?page=2' -> 'https://x/oruk'."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith("/services"):
        path = path[: -len("/services")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def fetch(url: str, progress=None, per_page: int = PER_PAGE) -> Feed:
    """Every service id from the paged /services list, then each service's full record."""
    say = progress or (lambda _msg: None)
    base = base_url(url)
    feed = Feed(source_name(url))
    ids: list[str] = []
    page = 1
    while True:
        data = get_json(f"{base}/services?page={page}&per_page={per_page}")
        if not isinstance(data, dict) or not isinstance(data.get("contents"), list):
            raise FeedError(f"{base}/services is not an Open Referral UK list of services (no 'contents')")
        for item in data["contents"]:
            sid = item.get("id") if isinstance(item, dict) else None
            if isinstance(sid, (str, int)) and str(sid) not in ids:
                ids.append(str(sid))
        total_pages = data.get("total_pages")
        say(f"  page {page}{f' of {total_pages}' if isinstance(total_pages, int) else ''}: {len(ids)} services so far")
        if (not data["contents"] or data.get("last_page") is True
                or (isinstance(total_pages, int) and page >= total_pages)):
            break
        page += 1
        if page > MAX_PAGES:
            raise FeedError(f"{base}/services has more than {MAX_PAGES} pages; stopping")
    for n, sid in enumerate(ids, start=1):
        try:
            feed.services.append(get_json(f"{base}/services/{quote(sid, safe='')}"))
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
    text = p.read_text(encoding="utf-8-sig")
    feed = Feed(source_name(str(p)))
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            raise FeedError(f"{p.name} is not JSON or newline-delimited JSON") from None
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        feed.services = data["contents"]
    elif isinstance(data, list):
        feed.services = data
    elif isinstance(data, dict) and "id" in data and "name" in data:
        feed.services = [data]
    else:
        raise FeedError(f"{p.name} holds no Open Referral UK services (expected 'contents', a list, or a service)")
    return feed


def load(location: str, progress=None) -> Feed:
    """A feed from an http(s) address or a file."""
    if is_url(location):
        return fetch(location, progress)
    return read_file(location)
