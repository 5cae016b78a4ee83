"""Likely duplicates: candidates found in PostgreSQL through its indexes, scored in Python (``matching``).

Whenever a listing is added (the form, the API, an import row, a community suggestion) or looked at (the edit
page, ``assetmap duplicates report``), the listings it may duplicate are found in two steps:

1. **Candidates**, in one statement for many listings at once (a LATERAL join over the listings looked for, so
   an import of 2,000 rows is four round trips, not 2,000): for each, the listings with the nearest names by
   trigram distance (``<->``, an index-ordered scan of ``service_name_trgm_gist``), those placed within ``NEAR_M`` (the
   ``location_geog_gist`` index) and those with the same phone number, email address, web address or charity
   number (the expression indexes of migration 0010, whose ``match_*_key`` functions are the one definition of
   "the same"), at most ``PER_WAY`` each. Every way is an index look-up: the whole table is never read for a
   listing (``tests/test_duplicates.py`` checks the plan).
2. **Scoring** each pair in Python (``matching.compare``); pairs at or over the threshold are shown, best first,
   with their reasons.

Who is asking matters (``Viewer``): a confidential place (a refuge) is evidence only for those who may see it
placed (``access.place_visible``). For anyone else it is neither looked for by its place nor scored on it, and a
refuge being looked for (the report) looks for nothing by its place: a warning can never say, or let one
infer, where a refuge is. Pairs a coordinator said are not duplicates (``not_duplicate``) are not raised again,
and merged or archived listings are never candidates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from sqlalchemy import ARRAY, Float, Integer, Text, bindparam, func, literal, select, true, union_all
from sqlalchemy.dialects.postgresql import insert

from ..db import session
from ..geo import distance_m, lat, lon, point, within_m
from ..models import (
    Attribute,
    Location,
    NotDuplicate,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    Ward,
)
from . import access
from .matching import Listing, Score, compare
from .records import AssetRecord

#: how far apart two places may be and still be looked at as one (a pin moved, a postcode's centroid)
NEAR_M = 500.0
#: candidates each way (alike names, near places, each contact) for one listing
PER_WAY = 12
#: listings looked for in one statement
BATCH = 500
#: matches shown for one listing
MAX_SHOWN = 5


@dataclass(frozen=True)
class Viewer:
    """Who the finder works for: which listings they read, and which confidential places they may see."""

    role: str | None
    #: wards they may edit in (None: every ward): a confidential place there is theirs to see
    editable: frozenset[str] | None

    @classmethod
    def of(cls, user) -> Viewer:
        wards = access.editable_wards(user)
        return cls(access.role_of(user), None if wards is None else frozenset(wards))

    @property
    def reads_all(self) -> bool:
        return self.role in access.SIGNED_IN_ROLES or self.role == REPORT

    def sees_place(self, visibility: str, wards: set[str]) -> bool:
        return access.place_visible(self.role, None if self.editable is None else set(self.editable), visibility, wards)


#: the command line's report: every listing by name, a confidential one never by its place (a report travels)
REPORT = "report"
REPORT_VIEWER = Viewer(REPORT, frozenset())


@dataclass(frozen=True)
class Probe:
    """A listing to look for: one being added (contacts as typed: the database turns them into keys), or one
    already held (``id``; its own pair with itself, and pairs decided before, are left out)."""

    name: str
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    charity: str | None = None
    categories: frozenset[str] = frozenset()
    id: uuid.UUID | None = None

    @classmethod
    def of_record(cls, rec: AssetRecord, service_id: uuid.UUID | None = None) -> Probe:
        return cls(
            name=rec.name,
            description=rec.description or "",
            lon=rec.lon,
            lat=rec.lat,
            phone=rec.phone,
            email=rec.email,
            url=rec.url,
            charity=rec.charity_number,
            categories=frozenset(rec.categories),
            id=service_id,
        )


@dataclass(frozen=True)
class Side:
    """One listing of a pair, as a page names it."""

    id: uuid.UUID
    name: str
    ward: str | None


@dataclass(frozen=True)
class Match:
    other: Side
    score: Score


@dataclass(frozen=True)
class Pair:
    a: Side
    b: Side
    score: Score


@dataclass(frozen=True)
class _Held:
    side: Side
    listing: Listing
    visibility: str
    wards: frozenset[str]


# --------------------------------------------------------------------------- the statements


def _probe_table():
    arrays = {
        "i": Integer,
        "name": Text,
        "lon": Float,
        "lat": Float,
        "phone": Text,
        "email": Text,
        "url": Text,
        "charity": Text,
    }
    return (
        func.unnest(*(bindparam(f"p_{k}", type_=ARRAY(t)) for k, t in arrays.items()))
        .table_valued(*arrays)
        .render_derived(name="probe")
    )


def _ways(probe) -> dict:
    """For one probe row: the subquery of each way a candidate is found, each answered by an index."""
    live = Service.archived_at.is_(None)
    origin = point(probe.c.lon, probe.c.lat)
    return {
        # the nearest names by trigram distance: an index-ordered (KNN) scan of service_name_trgm_gist, which
        # stops after PER_WAY; a `%` filter on the GIN index is priced above a sequential scan by the planner
        "name": select(Service.id.label("id"))
        .where(live)
        .order_by(Service.name.op("<->", return_type=Float)(probe.c.name))
        .limit(PER_WAY),
        "place": select(ServiceAtLocation.service_id.label("id"))
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(live, within_m(Location.geom, origin, NEAR_M))
        .order_by(distance_m(Location.geom, origin), ServiceAtLocation.service_id)
        .limit(PER_WAY),
        "phone": select(Phone.service_id.label("id"))
        .join(Service, Service.id == Phone.service_id)
        .where(live, func.match_phone_key(Phone.number) == func.match_phone_key(probe.c.phone))
        .limit(PER_WAY),
        "email": select(Service.id.label("id"))
        .where(live, func.match_email_key(Service.email) == func.match_email_key(probe.c.email))
        .limit(PER_WAY),
        "website": select(Service.id.label("id"))
        .where(live, func.match_web_key(Service.url) == func.match_web_key(probe.c.url))
        .limit(PER_WAY),
        "charity": select(Service.id.label("id")).where(live, Service.charity_number == probe.c.charity).limit(PER_WAY),
    }


def candidates_statement():
    """(probe number, way, service id) for every candidate of every probe: one statement, index look-ups only."""
    parts = []
    for way, sub in _ways(probe := _probe_table()).items():
        found = sub.lateral(f"by_{way}")
        parts.append(select(probe.c.i, literal(way).label("way"), found.c.id).select_from(probe.join(found, true())))
    return union_all(*parts)


def _keys_statement():
    probe = _probe_table()
    return select(
        probe.c.i,
        func.match_phone_key(probe.c.phone),
        func.match_email_key(probe.c.email),
        func.match_web_key(probe.c.url),
    )


def probe_params(probes: list[Probe]) -> dict:
    return {
        "p_i": list(range(len(probes))),
        "p_name": [p.name for p in probes],
        "p_lon": [p.lon for p in probes],
        "p_lat": [p.lat for p in probes],
        "p_phone": [p.phone for p in probes],
        "p_email": [p.email for p in probes],
        "p_url": [p.url for p in probes],
        "p_charity": [p.charity for p in probes],
    }


def _held(ids) -> dict[uuid.UUID, _Held]:
    """What the scoring needs of each held listing, in a few queries."""
    ids = sorted(ids)
    out: dict[uuid.UUID, _Held] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = session.execute(
            select(
                Service.id,
                Service.name,
                Service.description,
                Service.visibility,
                func.match_email_key(Service.email),
                func.match_web_key(Service.url),
                Service.charity_number,
                lon(Location.geom),
                lat(Location.geom),
                Location.ward_code,
                Ward.name,
            )
            .outerjoin(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
            .outerjoin(Location, Location.id == ServiceAtLocation.location_id)
            .outerjoin(Ward, Ward.code == Location.ward_code)
            .where(Service.id.in_(chunk))
            .order_by(Service.id, Location.id)
        ).all()
        phones: dict[uuid.UUID, set[str]] = {}
        for sid, key in session.execute(
            select(Phone.service_id, func.match_phone_key(Phone.number)).where(Phone.service_id.in_(chunk))
        ).all():
            if key:
                phones.setdefault(sid, set()).add(key)
        categories: dict[uuid.UUID, set[str]] = {}
        for sid, code in session.execute(
            select(Attribute.service_id, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
            .where(Taxonomy.code == "category", Attribute.service_id.in_(chunk))
        ).all():
            categories.setdefault(sid, set()).add(code)
        areas: dict[uuid.UUID, list[tuple[str, str]]] = {}
        for sid, area_code, area_name in session.execute(
            select(ServiceArea.service_id, ServiceArea.ward_code, Ward.name)
            .join(Ward, Ward.code == ServiceArea.ward_code)
            .where(ServiceArea.service_id.in_(chunk))
            .order_by(ServiceArea.service_id, Ward.name)
        ).all():
            if area_code:
                areas.setdefault(sid, []).append((area_code, area_name or area_code))
        for sid, name, description, visibility, email, web, charity, x, y, ward, ward_name in rows:
            if sid in out:
                continue  # one place is compared (a listing has one; an old import may have more)
            served = areas.get(sid, [])
            wards = {ward} if ward else set()
            wards |= {code for code, _ in served}
            label = ward_name or (served[0][1] if len(served) == 1 else f"{len(served)} wards" if served else None)
            out[sid] = _Held(
                Side(sid, name, label),
                Listing(
                    name=name,
                    description=description or "",
                    point=(x, y) if x is not None else None,
                    phones=frozenset(phones.get(sid, ())),
                    email=email,
                    website=web,
                    charity=charity,
                    categories=frozenset(categories.get(sid, ())),
                    id=sid,
                ),
                visibility,
                frozenset(wards),
            )
    return out


def _decided(ids: set[uuid.UUID]) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """Pairs said not to be duplicates that involve any of ``ids`` (each as (smaller id, larger id))."""
    if not ids:
        return set()
    rows = session.execute(
        select(NotDuplicate.service_a_id, NotDuplicate.service_b_id).where(
            NotDuplicate.service_a_id.in_(sorted(ids)) | NotDuplicate.service_b_id.in_(sorted(ids))
        )
    ).all()
    return {(a, b) for a, b in rows}


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A pair as ``not_duplicate`` keeps it (PostgreSQL orders uuids as Python does: by their bytes)."""
    return (a, b) if a.bytes < b.bytes else (b, a)


# --------------------------------------------------------------------------- finding


def find(viewer: Viewer, probes: list[Probe], limit: int | None = MAX_SHOWN) -> list[list[Match]]:
    """For each probe, the listings it likely duplicates, best first (at most ``limit``)."""
    out: list[list[Match]] = [[] for _ in probes]
    for start in range(0, len(probes), BATCH):
        chunk = probes[start : start + BATCH]
        params = probe_params(chunk)
        keys = {i: (phone, email, web) for i, phone, email, web in session.execute(_keys_statement(), params).all()}
        found: dict[int, dict[uuid.UUID, set[str]]] = {}
        for i, way, sid in session.execute(candidates_statement(), params).all():
            found.setdefault(i, {}).setdefault(sid, set()).add(way)
        held = _held({sid for ways in found.values() for sid in ways})
        decided = _decided({p.id for p in chunk if p.id is not None})
        for i, probe in enumerate(chunk):
            phone, email, web = keys.get(i, (None, None, None))
            mine = Listing(
                name=probe.name,
                description=probe.description,
                point=(probe.lon, probe.lat) if probe.lon is not None and probe.lat is not None else None,
                phones=frozenset([phone] if phone else []),
                email=email,
                website=web,
                charity=probe.charity,
                categories=probe.categories,
                id=probe.id,
            )
            matches = []
            for sid, ways in found.get(i, {}).items():
                other = held.get(sid)
                if other is None or sid == probe.id:
                    continue
                if probe.id is not None and ordered(probe.id, sid) in decided:
                    continue
                if not viewer.reads_all and other.visibility != "public":
                    continue
                placed = viewer.sees_place(other.visibility, set(other.wards))
                if ways == {"place"} and not placed:
                    continue  # found only by where it is, which this viewer may not know
                score = compare(mine, other.listing if placed else replace(other.listing, point=None))
                if score.likely:
                    matches.append(Match(other.side, score))
            matches.sort(key=lambda m: (-m.score.total, m.other.name, str(m.other.id)))
            out[start + i] = matches[:limit] if limit is not None else matches
    return out


def _as_probe(viewer: Viewer, h: _Held) -> Probe:
    """A listing already held, as a probe; a place the viewer may not see is left out (nothing is looked for by it)."""
    placed = h.listing.point if h.listing.point is not None and viewer.sees_place(h.visibility, set(h.wards)) else None
    return Probe(
        name=h.listing.name,
        description=h.listing.description,
        lon=placed[0] if placed else None,
        lat=placed[1] if placed else None,
        # already keys: the database's functions give a key back unchanged
        phone=min(h.listing.phones) if h.listing.phones else None,
        email=h.listing.email,
        url=h.listing.website,
        charity=h.listing.charity,
        categories=h.listing.categories,
        id=h.side.id,
    )


def of_new_rows(viewer: Viewer, rows: list[tuple[int, AssetRecord]]) -> dict[int, list[Match]]:
    """An import's rows to be created (row number, record) -> the listings each likely duplicates (rows with none
    are left out). Rows in one file are not compared with each other: the file's own ids keep them apart."""
    found = find(viewer, [Probe.of_record(rec) for _, rec in rows])
    return {n: matches for (n, _), matches in zip(rows, found) if matches}


def says(m: Match) -> str:
    """A match in one line, for the command line's reports."""
    why = "; ".join(r.says for r in m.score.alike)
    but = "; ".join(r.says for r in m.score.differ)
    return f"{m.other.name} ({m.other.ward or 'no ward'}) [{m.other.id}]: {why}" + (f"; but {but}" if but else "")


#: the command line and feed imports see every listing, and a confidential one never by its place
OPERATOR_VIEWER = Viewer("admin", frozenset())


def duplicates_of(viewer: Viewer, service_id: uuid.UUID, limit: int | None = MAX_SHOWN) -> list[Match]:
    """The likely duplicates of a listing already held."""
    held = _held([service_id])
    return find(viewer, [_as_probe(viewer, held[service_id])], limit)[0] if service_id in held else []


def compare_held(viewer: Viewer, a_id: uuid.UUID, b_id: uuid.UUID) -> Score:
    """How alike two held listings are, whatever the threshold (the merge page says why they look alike)."""
    held = _held([a_id, b_id])
    a, b = held[a_id], held[b_id]

    def seen(h: _Held) -> Listing:
        return h.listing if viewer.sees_place(h.visibility, set(h.wards)) else replace(h.listing, point=None)

    return compare(seen(a), seen(b))


def pairs(viewer: Viewer, service_ids) -> list[Pair]:
    """Every likely pair with at least one listing among ``service_ids``, best first, each once."""
    held = _held(service_ids)
    order = sorted(held, key=lambda s: (held[s].side.name, str(s)))
    probes = [_as_probe(viewer, held[sid]) for sid in order]
    best: dict[tuple[uuid.UUID, uuid.UUID], Pair] = {}
    for sid, matches in zip(order, find(viewer, probes, limit=None)):
        for m in matches:
            key = ordered(sid, m.other.id)
            if key not in best or best[key].score.total < m.score.total:
                best[key] = Pair(held[sid].side, m.other, m.score)
    return sorted(best.values(), key=lambda p: (-p.score.total, p.a.name, p.b.name))


def live_ids_in_wards(wards) -> list[uuid.UUID]:
    """Live listings placed in, or serving, any of ``wards``."""
    if not wards:
        return []
    return list(
        session.execute(select(Service.id).where(Service.archived_at.is_(None), access.in_wards(wards))).scalars()
    )


# --------------------------------------------------------------------------- decisions


def mark_not_duplicates(a: uuid.UUID, b: uuid.UUID, actor_id=None) -> bool:
    """Record that two listings are not the same (flushes; the caller commits). False if already recorded."""
    first, second = ordered(a, b)
    done = session.execute(
        insert(NotDuplicate)
        .values(service_a_id=first, service_b_id=second, decided_by_id=actor_id)
        .on_conflict_do_nothing()
        .returning(NotDuplicate.service_a_id)
    ).first()
    return done is not None
