"""Shared by the ORUK tests: schema checks against the published ORUK 3.0 files, and a tiny feed server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

from assetmap.config import PROJECT_ROOT
from assetmap.opendata import schemas

#: the published standard, the source of truth (the app ships a vendored copy of these files)
STANDARD = PROJECT_ROOT.parent / "shared" / "standards" / "oruk-3.0"
SCHEMA_DIR = STANDARD / "schema" if (STANDARD / "schema").is_dir() else schemas.SPEC_DIR
FIXTURES = Path(__file__).parent / "fixtures" / "oruk"


def assert_valid(name: str, instance) -> None:
    """``instance`` conforms to ORUK 3.0 schema ``name`` (formats checked: uuid, email, uri, date-time)."""
    found = schemas.problems(name, instance, folder=SCHEMA_DIR, limit=10)
    assert not found, f"not a valid ORUK {name}: {found}"
    _no_nulls(instance)


def assert_valid_service(service: dict) -> None:
    """A full service, including our HSDS 3.0 ``phones`` (not in the UK service schema)."""
    assert_valid("service", service)
    for phone in service.get("phones", []):
        assert_valid("phone", phone)


def _no_nulls(node, path="") -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            assert v is not None, f"{path}/{k} is null"
            _no_nulls(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _no_nulls(v, f"{path}/{i}")


def fixture_services() -> list[dict]:
    return json.loads((FIXTURES / "services.json").read_text(encoding="utf-8"))


class FeedApp:
    """A minimal ORUK 3.0 publisher: /oruk/services pages (at most ``page_cap`` a page) and full records."""

    def __init__(self, services: list[dict], page_cap: int = 2, broken: set[str] = frozenset()):
        self.services, self.page_cap, self.broken = services, page_cap, set(broken)
        self.requests: list[str] = []

    def __call__(self, environ, start_response):
        path, query = environ["PATH_INFO"], parse_qs(environ.get("QUERY_STRING", ""))
        self.requests.append(path)
        if path == "/oruk/services":
            per_page = min(int(query.get("per_page", ["50"])[0]), self.page_cap)
            page = int(query.get("page", ["1"])[0])
            items = self.services[(page - 1) * per_page : page * per_page]
            total_pages = -(-len(self.services) // per_page)
            body = {
                "total_items": len(self.services),
                "total_pages": total_pages,
                "page_number": page,
                "size": len(items),
                "first_page": page == 1,
                "last_page": page >= total_pages,
                "empty": not items,
                "contents": [{k: v for k, v in s.items() if not isinstance(v, list)} for s in items],
            }
            return self._json(start_response, "200 OK", body)
        if path.startswith("/oruk/services/"):
            sid = path.rsplit("/", 1)[1]
            if sid in self.broken:
                return self._json(start_response, "500 INTERNAL SERVER ERROR", {"error": "boom"})
            found = next((s for s in self.services if s.get("id") == sid), None)
            if found is not None:
                return self._json(start_response, "200 OK", found)
        return self._json(start_response, "404 NOT FOUND", {"error": "not found"})

    @staticmethod
    def _json(start_response, status: str, body) -> list[bytes]:
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


def fixture_services_v1() -> list[dict]:
    return json.loads((FIXTURES / "services_v1.json").read_text(encoding="utf-8"))


class FeedAppV1(FeedApp):
    """An ORUK version 1 publisher: Spring-style pages (``content``, ``totalElements``, ``totalPages``,
    ``number``, ``first``, ``last``), counting pages from 1, or from 0 as Spring does by default."""

    def __init__(self, services: list[dict], page_cap: int = 2, from_zero: bool = False):
        super().__init__(services, page_cap)
        self.from_zero = from_zero
        self.pages: list[int] = []

    def __call__(self, environ, start_response):
        path, query = environ["PATH_INFO"], parse_qs(environ.get("QUERY_STRING", ""))
        if path != "/oruk/services":
            return super().__call__(environ, start_response)
        self.requests.append(path)
        per_page = min(int(query.get("per_page", ["50"])[0]), self.page_cap)
        number = int(query.get("page", ["0" if self.from_zero else "1"])[0])
        self.pages.append(number)
        index = number if self.from_zero else number - 1
        items = self.services[index * per_page : (index + 1) * per_page] if index >= 0 else []
        total_pages = -(-len(self.services) // per_page)
        body = {
            "totalElements": len(self.services),
            "totalPages": total_pages,
            "number": number,
            "size": per_page,
            "numberOfElements": len(items),
            "first": index == 0,
            "last": index >= total_pages - 1,
            "content": [{"id": s["id"], "name": s["name"]} for s in items],
        }
        return self._json(start_response, "200 OK", body)


# one live-server helper for every test that needs a real HTTP server
from tests.browser import live_server as serve  # noqa: E402,F401
