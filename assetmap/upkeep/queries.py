"""What the coordinators' pages read: the review queue, an area's export rows, pick lists. Reads only.

The review queue is a coordinator's assets due for a check, most overdue first. An export is the area's
live assets the reader may read, as flat rows in the template's fields, with every confidential place's
address and point left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..db import session
from ..directory import access, store
from ..directory.imports.areas import constituency_list
from ..errors import ValidationError
from ..geo import lat, lon
from ..models import (
    Constituency,
    LocalAuthority,
    Location,
    Organisation,
    OrganiserContact,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Suggestion,
    Ward,
)
from .freshness import review_cutoff


@dataclass
class DuePage:
    assets: list[Service]
    wards: dict  # service id -> [ward names]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def due_assets(user, months: int, steward_only: bool = False, page: int = 1, per_page: int = 50) -> DuePage:
    """Live assets the user may edit that were never checked or not checked for ``months`` months."""
    cutoff = review_cutoff(months)
    where = [
        access.editable_filter(user),
        Service.archived_at.is_(None),
        or_(Service.last_verified_on.is_(None), Service.last_verified_on <= cutoff),
    ]
    if steward_only:
        where.append(Service.steward_id == user.id)
    total = session.execute(select(func.count()).select_from(Service).where(*where)).scalar_one()
    page = max(1, min(page, max(1, -(-total // per_page))))
    assets = list(
        session.execute(
            select(Service)
            .where(*where)
            .options(selectinload(Service.steward))
            .order_by(Service.last_verified_on.asc().nulls_first(), Service.name, Service.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    return DuePage(assets, ward_names_for([a.id for a in assets]), total, page, per_page)


def bounced_contacts(user) -> list[Service]:
    """Live listings the user may edit whose organiser's reminders bounced (the address needs correcting)."""
    return list(
        session.execute(
            select(Service)
            .join(OrganiserContact, OrganiserContact.service_id == Service.id)
            .where(
                OrganiserContact.bounced_at.is_not(None), Service.archived_at.is_(None), access.editable_filter(user)
            )
            .order_by(OrganiserContact.bounced_at)
        ).scalars()
    )


def ward_names_for(service_ids: list) -> dict:
    """{service id: [ward names]} from each asset's place or its service-area wards."""
    if not service_ids:
        return {}
    rows = session.execute(
        select(ServiceAtLocation.service_id, Ward.name)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Ward, Ward.code == Location.ward_code)
        .where(ServiceAtLocation.service_id.in_(service_ids))
        .union_all(
            select(ServiceArea.service_id, Ward.name)
            .join(Ward, Ward.code == ServiceArea.ward_code)
            .where(ServiceArea.service_id.in_(service_ids))
        )
    ).all()
    out: dict = {}
    for sid, name in rows:
        if name not in out.setdefault(sid, []):
            out[sid].append(name)
    return out


def services_by_id(ids) -> dict:
    """{id: Service} for these ids (archived too)."""
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Service).where(Service.id.in_(ids))).scalars()}


def organisation_names(limit: int = 2000) -> list[str]:
    """Organisation names, for the asset form's suggestions."""
    return list(
        session.execute(select(Organisation.name).distinct().order_by(Organisation.name).limit(limit)).scalars()
    )


# --------------------------------------------------------------------------- exports

LOCATION_FIELDS = ("address", "postcode", "lat", "lon", "how_to_get_there")
PATCH = "patch:mine"


def area_filter(area: str, user=None):
    """'ward:E05…', 'constituency:E14…', 'la:E08…', or 'patch:mine' (every ward assigned to ``user``)
    -> a WHERE clause on Service."""
    kind, _, code = (area or "").partition(":")
    if area == PATCH:
        wards = access.assigned_wards(user.id) if access.role_of(user) == "coordinator" else set()
    elif kind == "ward":
        wards = {code} if session.get(Ward, code) else set()
    elif kind == "constituency":
        wards = set(session.execute(select(Ward.code).where(Ward.constituency_code == code)).scalars())
    elif kind == "la":
        wards = set(session.execute(select(Ward.code).where(Ward.lad_code == code)).scalars())
    else:
        raise ValidationError("Choose an area to export", field="area")
    if not wards:
        raise ValidationError("Choose an area to export", field="area")
    return access.in_wards(wards)


def area_label(area: str) -> str:
    if area == PATCH:
        return "your patch"
    kind, _, code = area.partition(":")
    model = {"ward": Ward, "constituency": Constituency, "la": LocalAuthority}.get(kind)
    row = session.get(model, code) if model else None
    return row.name if row else code


def export_rows(user, area: str) -> list[dict]:
    """The area's live assets the user may read, as flat rows; confidential places are left out."""
    services = (
        session.execute(
            select(Service)
            .where(access.readable_filter(user), area_filter(area, user))
            .options(*store.snapshot_options())
            .order_by(Service.name, Service.id)
        )
        .unique()
        .scalars()
        .all()
    )
    snaps = store.snapshots(services)
    wards = ward_names_for([s.id for s in services])
    rows = []
    for s in services:
        snap = snaps[s.id]
        if s.visibility == "confidential":
            snap.update({k: None if k in ("lat", "lon") else "" for k in LOCATION_FIELDS})
        rows.append(
            {
                "asset_id": str(s.id),
                **snap,
                "source_id": s.source_id or "",
                "ward": "; ".join(sorted(wards.get(s.id, []))),
                "archived": "yes" if s.archived_at else "no",
            }
        )
    return rows


def export_areas(mine: set[str] | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The export page's choices: a coordinator's patch (``mine``: their wards), councils, constituencies, then
    their wards (or every ward)."""
    groups = []
    if mine:
        groups.append(("Your patch", [(PATCH, f"All the wards you look after ({len(mine)})")]))
    councils = session.execute(select(LocalAuthority.code, LocalAuthority.name).order_by(LocalAuthority.name)).all()
    groups.append(("Councils", [(f"la:{c}", n) for c, n in councils]))
    groups.append(("Constituencies", [(f"constituency:{a.code}", a.name) for a in constituency_list()]))
    wards_q = select(Ward.code, Ward.name).order_by(Ward.name)
    if mine:
        wards_q = wards_q.where(Ward.code.in_(sorted(mine)))
    groups.append(("Your wards" if mine else "Wards", [(f"ward:{c}", n) for c, n in session.execute(wards_q).all()]))
    return groups


def suggestion_point(suggestion_id) -> tuple[float, float] | None:
    """(lon, lat) of a suggested place, if it was given a postcode."""
    row = session.execute(
        select(lon(Suggestion.geom), lat(Suggestion.geom)).where(Suggestion.id == suggestion_id)
    ).first()
    return (row[0], row[1]) if row is not None and row[0] is not None else None


def constituencies() -> list[tuple[str, str, str]]:
    """(code, name, council name) of every constituency with wards held, for choosing where to look."""
    rows = session.execute(
        select(Constituency.code, Constituency.name, LocalAuthority.name)
        .join(Ward, Ward.constituency_code == Constituency.code)
        .join(LocalAuthority, LocalAuthority.code == Ward.lad_code)
        .distinct()
        .order_by(LocalAuthority.name, Constituency.name)
    ).all()
    return [tuple(r) for r in rows]


# --------------------------------------------------------------------------- freshness


@dataclass
class FreshRow:
    code: str | None
    name: str
    listings: int
    confirmed: int
    by_organiser: int
    unconfirmed: int

    @property
    def share(self) -> float:
        return self.confirmed / self.listings if self.listings else 0.0


def _fresh_counts(group_cols, cutoff, lad_code: str | None, wards_only: set[str] | None):
    from sqlalchemy import case

    from ..vocabulary import ORGANISER_METHODS  # the pages' "checked by the organiser" rule

    place_ward = (
        select(ServiceAtLocation.service_id.label("sid"), Location.ward_code.label("ward"))
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Location.ward_code.is_not(None))
    )
    area_ward = select(ServiceArea.service_id.label("sid"), ServiceArea.ward_code.label("ward")).where(
        ServiceArea.ward_code.is_not(None)
    )
    wards = place_ward.union(area_ward).subquery("w")
    confirmed = Service.last_verified_on >= cutoff
    stmt = (
        select(
            *group_cols,
            func.count(func.distinct(Service.id)).label("listings"),
            func.count(func.distinct(case((confirmed, Service.id)))).label("confirmed"),
            func.count(
                func.distinct(
                    case((confirmed & Service.verification_method.in_(sorted(ORGANISER_METHODS)), Service.id))
                )
            ).label("by_organiser"),
            func.count(func.distinct(case((Service.unconfirmed_since.is_not(None), Service.id)))).label("unconfirmed"),
        )
        .select_from(Service)
        .join(wards, wards.c.sid == Service.id)
        .join(Ward, Ward.code == wards.c.ward)
        .where(Service.archived_at.is_(None))
    )
    if lad_code:
        stmt = stmt.where(Ward.lad_code == lad_code)
    if wards_only is not None:
        stmt = stmt.where(Ward.code.in_(sorted(wards_only)))
    return stmt


def freshness_by_ward(cutoff, lad_code: str | None = None, wards_only: set[str] | None = None) -> list[FreshRow]:
    """Per ward: live listings, how many were confirmed since ``cutoff`` (and by their organiser), how many
    are unconfirmed after their reminders; a listing counts in each ward it is in or covers."""
    stmt = _fresh_counts([Ward.code, Ward.name], cutoff, lad_code, wards_only).group_by(Ward.code, Ward.name)
    rows = session.execute(stmt.order_by(Ward.name)).all()
    return [FreshRow(r.code, r.name, r.listings, r.confirmed, r.by_organiser, r.unconfirmed) for r in rows]


def freshness_by_steward(cutoff, lad_code: str | None = None, wards_only: set[str] | None = None) -> list[FreshRow]:
    """Per steward (and "no steward"), the same counts."""
    from ..models import User

    stmt = (
        _fresh_counts([Service.steward_id, func.min(User.name).label("sname")], cutoff, lad_code, wards_only)
        .outerjoin(User, User.id == Service.steward_id)
        .group_by(Service.steward_id)
    )
    rows = session.execute(stmt).all()
    out = [
        FreshRow(
            str(r.steward_id) if r.steward_id else None,
            r.sname or "No steward",
            r.listings,
            r.confirmed,
            r.by_organiser,
            r.unconfirmed,
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (r.code is None, r.name))


def councils() -> list[tuple[str, str]]:
    return [
        tuple(r)
        for r in session.execute(select(LocalAuthority.code, LocalAuthority.name).order_by(LocalAuthority.name))
    ]
