"""Dump what the service answers for the demo data to a folder, so two versions of the code can be compared.

Why: a restructuring (moving modules, one transaction helper, spatial SQL into geo.py) must not change what
anyone sees. Run this against a database onboarded with the demo data (``assetmap onboard data``) before the
change and after it, then ``diff -r BEFORE AFTER``: the folders must be identical.

    .venv/bin/python scripts/snapshot_behaviour.py OUT [--database-url URL] [--only directory]

What it writes (one file per request, under a readable name):

* ``oruk/``: every page of every Open Referral UK list (services brief, full and minimal,
  service_at_locations, organizations, taxonomies, taxonomy_terms) and every item of each;
* ``ogc/``: every page of the OGC API collections (assets, wards, constituencies, LSOAs) and the documents;
* ``search/``: ``POST /api/search`` for many origins (postcodes and points), filters and pages, as the public,
  a practitioner, a ward coordinator and an admin; the results pages (list and map markers) for the
  nearby, ward and constituency views as the public and a practitioner; a sample of asset pages;
* ``exports/``: CSV, GeoJSON and Excel exports of wards, a constituency, both councils and a coordinator's
  patch, as a coordinator, an admin and a commissioner; the commissioners' gap tables;
* ``directory.json``: every asset as its template snapshot with its place's areas, keyed by (source, source_id),
  with no database ids, so a database onboarded afresh by the new code can be compared with the old one.

Normalised, because they change on every request whatever the code: the CSP nonce, one-time form and CSRF tokens,
folium's random element ids, the saved search's random id (in URLs), the OGC API's ``timeStamp`` of each
response, and the creation and modification
times inside an Excel file (docProps/core.xml). Nothing else: dates such as "checked 3 months ago" or an
export's file name depend on today, so run both snapshots on the same day.

It writes to the database only what signing in writes (the accounts it signs in with are created once,
``snapshot-…@example.test``, with the sign-in time and throttle rows), never an asset.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "snapshot-password-1234"  # noqa: S105 - a throwaway account in a demo database
#: (role, wards, constituencies): the demo coordinator's wards (Ladywood, Acomb) and the NNS lead's constituency
USERS = {
    "practitioner": ("practitioner", [], []),
    "coordinator": ("coordinator", ["E05011151", "E05010311"], []),
    "nns": ("coordinator", [], ["E14001097"]),
    "commissioner": ("commissioner", [], []),
    "admin": ("admin", [], []),
}
POSTCODES = [
    "B1 1BA",  # central Birmingham
    "B27 7PU",
    "B30 2LZ",
    "B42 1SF",
    "B33 8AP",
    "YO24 4LH",  # Acomb, a coordinator's ward
    "YO1 7HH",  # central York
    "YO26 6AG",
    "YO24 4HW",
    "YO10 5BL",
]
POINTS = [(-1.9026, 52.4796), (-1.0815, 53.9590), (-1.9931, 52.4305), (-1.1305, 53.9577)]
FILTERS = [
    {},
    {"radius_m": 400},
    {"radius_m": 16000},
    {"q": "walking group"},
    {"q": "lunch club for older people", "radius_m": 8000},
    {"category": ["social-groups"]},
    {"category": ["mental-wellbeing", "peer-support"], "radius_m": 5000},
    {"audience": ["older-people"], "free": True},
    {"capability": ["enjoyment"], "wheelchair": True},
    {"asset_type": ["voluntary-organisation"]},
    {"open_day": "tuesday", "open_part": "morning", "radius_m": 8000},
    {"mode": "online", "radius_m": 16000},
    {"mode": "phone"},
    {"q": "zumba", "radius_m": 16000},
]
FORM_FILTERS = [
    {"distance": "1"},
    {"distance": "5", "category": "social-groups"},
    {"distance": "10", "q": "support group", "free": "yes"},
    {"distance": "2", "audience": "older-people", "open_day": "wednesday"},
    {"distance": "0.5", "mode": "in_person", "wheelchair": "yes"},
]
EXPORT_AREAS = ["ward:E05011151", "ward:E05010311", "constituency:E14001097", "la:E08000025", "la:E06000014"]

_NONCE = re.compile(r'nonce(=|-)"?[A-Za-z0-9_-]{16,32}')
_FORM_TOKEN = re.compile(r'(name="(?:form_token|csrf_token)" value=")[A-Za-z0-9_.-]+(")')
_FOLIUM_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_OGC_TIME = re.compile(r'("timeStamp": ")[^"]+(")')
_XLSX_TIME = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")


def normalise(text: str, sid: str | None = None) -> str:
    text = _NONCE.sub(r"nonce\1NONCE", text)
    text = _FORM_TOKEN.sub(r"\1FORM-TOKEN\2", text)
    text = _FOLIUM_ID.sub("FOLIUM-ID", text)
    if sid:
        text = text.replace(sid, "SEARCH-ID")
    return text


class Snapshot:
    def __init__(self, out: Path, app):
        self.out, self.app = out, app
        self.count = 0

    def write(self, rel: str, body) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body if isinstance(body, str) else json.dumps(body, indent=1, sort_keys=True, default=str))
        self.count += 1

    def record(self, rel: str, resp, sid: str | None = None) -> None:
        """A response as status, content type and body (JSON pretty-printed, HTML normalised)."""
        ctype = resp.headers.get("Content-Type", "")
        head = f"{resp.status_code} {ctype}\n"
        disposition = resp.headers.get("Content-Disposition")
        if disposition:
            head += f"Content-Disposition: {disposition}\n"
        if "json" in ctype:
            body = json.dumps(resp.get_json(), indent=1, sort_keys=True)
            body = _OGC_TIME.sub(r"\1TIME\2", body)
            self.write(rel + ".json", head + (body.replace(sid, "SEARCH-ID") if sid else body))
        elif "spreadsheetml" in ctype:
            self.write(rel + ".xlsx.txt", head + xlsx_text(resp.get_data()))
        else:
            self.write(rel + ".txt", head + normalise(resp.get_data(as_text=True), sid))


def xlsx_text(data: bytes) -> str:
    """Every file inside the workbook, as text, with the creation and modification times taken out."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            body = z.read(name).decode("utf-8", "replace")
            parts.append(f"--- {name}\n" + _XLSX_TIME.sub(r"\1TIME\2", body))
    return "\n".join(parts)


def ensure_users() -> dict[str, str]:
    """The accounts the snapshot signs in with (created once): {label: email}."""
    import uuid

    from sqlalchemy import select

    from assetmap.accounts.auth import hash_password
    from assetmap.db import session
    from assetmap.models import Constituency, User, UserArea, Ward

    emails = {}
    for label, (role, wards, cons) in USERS.items():
        email = f"snapshot-{label}@example.test"
        emails[label] = email
        if session.execute(select(User.id).where(User.email == email)).first():
            continue
        user = User(
            id=uuid.uuid4(), email=email, role=role, name=f"Snapshot {label}", password_hash=hash_password(PASSWORD)
        )
        session.add(user)
        session.flush()
        for code in wards:
            if session.get(Ward, code):
                session.add(UserArea(id=uuid.uuid4(), user_id=user.id, area_type="ward", area_code=code))
        for code in cons:
            if session.get(Constituency, code):
                session.add(UserArea(id=uuid.uuid4(), user_id=user.id, area_type="constituency", area_code=code))
    session.commit()
    return emails


def client_for(app, email: str | None):
    client = app.test_client()
    if email:
        resp = client.post("/sign-in", data={"email": email, "password": PASSWORD})
        if resp.status_code != 302:
            raise SystemExit(f"could not sign in as {email}: {resp.status_code}")
    return client


# --------------------------------------------------------------------------- the parts


def oruk(snap: Snapshot, client) -> None:
    lists = {
        "services": {},
        "services_full": {"full": "true"},
        "services_minimal": {"minimal": "true"},
        "service_at_locations": {},
        "organizations": {},
        "organizations_full": {"full": "true", "full_service": "true"},
        "taxonomies": {},
        "taxonomy_terms": {},
    }
    ids: dict[str, list[str]] = {}
    for name, args in lists.items():
        endpoint = name.split("_full")[0].split("_minimal")[0]
        page = 1
        while True:
            resp = client.get(f"/oruk/{endpoint}?" + urlencode({**args, "page": page, "per_page": 100}))
            snap.record(f"oruk/{name}/page-{page:03d}", resp)
            body = resp.get_json()
            if not args:
                ids.setdefault(endpoint, []).extend(item["id"] for item in body["contents"])
            if body.get("last_page") or not body["contents"]:
                break
            page += 1
    snap.record("oruk/api_details", client.get("/oruk/"))
    snap.record("oruk/services_default_page", client.get("/oruk/services"))
    for endpoint, found in ids.items():
        for item_id in found:
            snap.record(f"oruk/{endpoint}/{item_id}", client.get(f"/oruk/{endpoint}/{item_id}"))
    snap.record("openapi", client.get("/openapi.json"))


def ogc(snap: Snapshot, client) -> None:
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections"):
        snap.record("ogc/" + (path.strip("/").replace("/", "_") or "landing"), client.get(path + "?f=json"))
    for collection in ("assets", "wards", "constituencies", "lsoas"):
        snap.record(f"ogc/{collection}", client.get(f"/ogc/collections/{collection}?f=json"))
        offset = 0
        while True:
            resp = client.get(f"/ogc/collections/{collection}/items?limit=1000&offset={offset}")
            snap.record(f"ogc/{collection}/items-{offset:05d}", resp)
            body = resp.get_json()
            if offset + body["numberReturned"] >= body["numberMatched"] or not body["numberReturned"]:
                break
            offset += 1000


def api_searches(snap: Snapshot, clients: dict) -> None:
    origins = [{"postcode": p} for p in POSTCODES] + [{"lon": lon, "lat": lat} for lon, lat in POINTS]
    for who in ("public", "practitioner", "coordinator", "admin"):
        client = clients[who]
        for i, origin in enumerate(origins):
            for j, filters in enumerate(FILTERS):
                for page in (1, 2) if j in (0, 2, 5) else (1,):
                    body = {**origin, **filters, "page": page, "per_page": 25}
                    resp = client.post("/api/search", json=body)
                    snap.record(f"search/api/{who}/o{i:02d}-f{j:02d}-p{page}", resp)
    bad = [
        {},
        {"postcode": "not a postcode"},
        {"postcode": "ZZ9 9ZZ"},
        {"lat": 91, "lon": 0},
        {"postcode": "B1 1BA", "category": ["nope"]},
    ]
    for k, body in enumerate(bad):
        snap.record(f"search/api/invalid-{k}", clients["public"].post("/api/search", json=body))


def result_pages(snap: Snapshot, clients: dict) -> None:
    origins = [{"postcode": p} for p in POSTCODES[::2]] + [
        {"lon": str(lon), "lat": str(lat)} for lon, lat in POINTS[:2]
    ]
    for who in ("public", "practitioner", "coordinator"):
        client = clients[who]
        for i, origin in enumerate(origins):
            for j, filters in enumerate(FORM_FILTERS):
                resp = client.post("/search", data={**origin, **filters})
                if resp.status_code != 303:
                    snap.record(f"search/pages/{who}/o{i:02d}-f{j:02d}-refused", resp)
                    continue
                sid = resp.headers["Location"].rsplit("/", 1)[-1]
                for scope in ("near", "ward", "constituency"):
                    page = client.get(f"/search/results/{sid}?scope={scope}")
                    snap.record(f"search/pages/{who}/o{i:02d}-f{j:02d}-{scope}", page, sid)
                    if scope == "near" and j in (0, 1):
                        snap.record(
                            f"search/pages/{who}/o{i:02d}-f{j:02d}-{scope}-p2",
                            client.get(f"/search/results/{sid}?scope={scope}&page=2"),
                            sid,
                        )
                    lon, lat = origin.get("lon"), origin.get("lat")
                    if lon is None:
                        continue
                    feats = client.get(f"/search/results/{sid}/features.json?scope={scope}&lon={lon}&lat={lat}&r=3000")
                    snap.record(f"search/pages/{who}/o{i:02d}-f{j:02d}-{scope}-features", feats, sid)


def asset_pages(snap: Snapshot, clients: dict, ids: list[str]) -> None:
    for who in ("public", "practitioner", "coordinator"):
        for asset_id in ids:
            snap.record(f"assets/{who}/{asset_id}", clients[who].get(f"/assets/{asset_id}"))


def exports(snap: Snapshot, clients: dict) -> None:
    for who in ("coordinator", "nns", "admin", "commissioner"):
        client = clients[who]
        areas = [*EXPORT_AREAS, *(["patch:mine"] if who in ("coordinator", "nns") else [])]
        for area in areas:
            for fmt in ("csv", "geojson", "xlsx"):
                resp = client.get("/export?" + urlencode({"area": area, "format": fmt}))
                snap.record(f"exports/{who}/{area.replace(':', '-')}.{fmt}", resp)
    for k, args in enumerate(
        [
            {"geography": "ward"},
            {"geography": "constituency", "category": "social-groups"},
            {"geography": "lsoa", "la": "E06000014", "audience": "older-people"},
            {"geography": "ward", "la": "all", "verified": "yes", "measure": "walk"},
        ]
    ):
        for fmt in ("csv", "geojson"):
            snap.record(
                f"exports/coverage/gaps-{k}.{fmt}",
                clients["commissioner"].get(f"/coverage/gaps.{fmt}?{urlencode(args)}"),
            )


def directory(snap: Snapshot) -> None:
    """Every asset's content, keyed by where it came from, with no database ids."""
    from sqlalchemy import select

    from assetmap.db import session
    from assetmap.directory.store import service_snapshot, snapshot_options
    from assetmap.models import AssetChange, Location, Service, ServiceAtLocation

    out = {}
    services = session.execute(select(Service).options(*snapshot_options())).unique().scalars().all()
    areas = {
        sid: [w, c, ls, la]
        for sid, w, c, ls, la in session.execute(
            select(
                ServiceAtLocation.service_id,
                Location.ward_code,
                Location.constituency_code,
                Location.lsoa_code,
                Location.lad_code,
            ).join(Location, Location.id == ServiceAtLocation.location_id)
        )
    }
    changes = dict(
        session.execute(select(AssetChange.service_id, AssetChange.version).order_by(AssetChange.version)).all()
    )
    for s in services:
        out[f"{s.source}|{s.source_id}"] = {
            **service_snapshot(s),
            "areas": areas.get(s.id),
            "status": s.status,
            "archived": s.archived_at is not None,
            "version": s.version,
            "history": changes.get(s.id),
        }
    snap.write("directory.json", out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--only", choices=["directory"], help="only the id-free directory dump")
    args = parser.parse_args()

    from assetmap import create_app, embedded

    url = args.database_url or embedded.default_url(log=lambda *a: None)
    app = create_app(
        {
            "SQLALCHEMY_URL": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "snapshot-secret-key",
            "SERVER_NAME": "assetmap.test",
        }
    )
    args.out.mkdir(parents=True, exist_ok=True)
    snap = Snapshot(args.out, app)
    with app.app_context():
        directory(snap)
        if args.only == "directory":
            print(f"wrote {snap.count} files to {args.out}")
            return
        emails = ensure_users()
        from sqlalchemy import select

        from assetmap.db import session
        from assetmap.models import Service

        sample = [
            str(i)
            for i in session.execute(select(Service.id).order_by(Service.source, Service.source_id))
            .scalars()
            .all()[::23]
        ]
    clients = {"public": app.test_client(), **{label: client_for(app, email) for label, email in emails.items()}}
    oruk(snap, clients["public"])
    ogc(snap, clients["public"])
    api_searches(snap, clients)
    result_pages(snap, clients)
    asset_pages(snap, clients, sample)
    exports(snap, clients)
    print(f"wrote {snap.count} files to {args.out}")


if __name__ == "__main__":
    main()
