"""Who may read and edit which assets, enforced in the data layer for pages and the API alike.

* Public visitors read published public assets only (not archived).
* Practitioners, commissioners, coordinators and admins read every live asset, including
  "practitioners only" and confidential ones; a confidential asset's point and address are
  never sent to anyone but the coordinators who may edit it.
* Coordinators edit assets in the wards assigned to them (a constituency assignment covers all
  its wards); admins edit everything; practitioners and commissioners edit nothing.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..db import session
from ..models import Location, Service, ServiceArea, ServiceAtLocation, User, UserArea, Ward

SIGNED_IN_ROLES = ("admin", "coordinator", "practitioner", "commissioner")


def role_of(user) -> str | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def readable_filter(user, include_archived: bool = False) -> ColumnElement:
    """A WHERE clause on Service limiting rows to what ``user`` may read."""
    live = Service.archived_at.is_(None) if not include_archived else Service.id.is_not(None)
    if role_of(user) in SIGNED_IN_ROLES:
        return live
    return and_(live, Service.visibility == "public")


def editable_wards(user) -> set[str] | None:
    """Ward codes the user may edit in; None means every ward (admin); empty set means none."""
    role = role_of(user)
    if role == "admin":
        return None
    if role != "coordinator":
        return set()
    areas = session.execute(select(UserArea.area_type, UserArea.area_code)
                            .where(UserArea.user_id == user.id)).all()
    wards = {code for kind, code in areas if kind == "ward"}
    cons = [code for kind, code in areas if kind == "constituency"]
    if cons:
        wards |= set(session.execute(select(Ward.code).where(Ward.constituency_code.in_(cons))).scalars())
    return wards


def service_wards(service_id) -> set[str]:
    """The wards an asset belongs to: its location's ward, or its service-area wards."""
    loc = session.execute(select(Location.ward_code).join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
                          .where(ServiceAtLocation.service_id == service_id)).scalars().all()
    areas = session.execute(select(ServiceArea.ward_code).where(ServiceArea.service_id == service_id)).scalars().all()
    return {w for w in [*loc, *areas] if w}


def editable_filter(user) -> ColumnElement:
    """A WHERE clause on Service limiting rows to what ``user`` may edit."""
    wards = editable_wards(user)
    if wards is None:
        return Service.id.is_not(None)
    if not wards:
        return Service.id.is_(None)
    in_place = exists().where(ServiceAtLocation.service_id == Service.id,
                              ServiceAtLocation.location_id == Location.id, Location.ward_code.in_(wards))
    in_area = exists().where(ServiceArea.service_id == Service.id, ServiceArea.ward_code.in_(wards))
    return or_(in_place, in_area)


def can_edit(user, service: Service) -> bool:
    wards = editable_wards(user)
    if wards is None:
        return True
    return bool(wards) and bool(service_wards(service.id) & wards)


def can_edit_wards(user, ward_codes: set[str]) -> bool:
    """May the user place an asset in (all of) these wards?"""
    wards = editable_wards(user)
    if wards is None:
        return True
    return bool(ward_codes) and ward_codes <= wards


def shows_point(user, service: Service) -> bool:
    """Confidential locations never expose their point, except to those who can edit them."""
    if service.visibility != "confidential":
        return True
    return role_of(user) in ("admin", "coordinator") and can_edit(user, service)


def user_by_id(user_id) -> User | None:
    return session.get(User, user_id)
