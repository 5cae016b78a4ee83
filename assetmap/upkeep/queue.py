"""The review queue: a coordinator's assets due for a check, most overdue first (read-only queries)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..db import session
from ..directory import access
from ..models import Location, Service, ServiceArea, ServiceAtLocation, Ward
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
