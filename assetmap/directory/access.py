"""Who may read and edit which assets, enforced in the data layer for pages and the API alike.

* Public visitors read published public assets only (not archived).
* Practitioners, commissioners, coordinators and admins read every live asset, including
  "practitioners only" and confidential ones; a confidential asset's point and address are
  never sent to anyone but the coordinators who may edit it.
* Coordinators edit assets in the wards assigned to them (a constituency assignment covers all
  its wards); admins edit everything; practitioners and commissioners edit nothing.
"""

from __future__ import annotations

import logging

from flask import has_request_context, request
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from ..db import session
from ..errors import Forbidden, Merged, NotFound
from ..geo import point, ward_at
from ..models import Location, Service, ServiceArea, ServiceAtLocation, User, UserArea, Ward
from ..vocabulary import ROLES, VISIBILITY

#: every role is held by someone signed in
SIGNED_IN_ROLES = ROLES.codes


def role_of(user) -> str | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def readable_filter(user, include_archived: bool = False) -> ColumnElement:
    """A WHERE clause on Service limiting rows to what ``user`` may read."""
    live = Service.archived_at.is_(None) if not include_archived else Service.id.is_not(None)
    if role_of(user) in SIGNED_IN_ROLES:
        return live
    return and_(live, Service.visibility == "public")


def readable_visibilities(user) -> tuple[str, ...]:
    """The visibilities of the live listings ``user`` may read: ``readable_filter`` said of a row that is not
    archived (so it can be tested on ``marker_point.visibility``, whose rows never are)."""
    if role_of(user) in SIGNED_IN_ROLES:
        return VISIBILITY.codes
    return ("public",)


def editable_wards(user) -> set[str] | None:
    """Ward codes the user may edit in; None means every ward (admin); empty set means none."""
    role = role_of(user)
    if role == "admin":
        return None
    if role != "coordinator":
        return set()
    return assigned_wards(user.id)


def assigned_wards(user_id) -> set[str]:
    """Every ward a user's assignments cover (a constituency covers all its wards)."""
    areas = session.execute(select(UserArea.area_type, UserArea.area_code).where(UserArea.user_id == user_id)).all()
    wards = {code for kind, code in areas if kind == "ward"}
    cons = [code for kind, code in areas if kind == "constituency"]
    if cons:
        wards |= set(session.execute(select(Ward.code).where(Ward.constituency_code.in_(cons))).scalars())
    return wards


def service_wards(service_id) -> set[str]:
    """The wards an asset belongs to: its location's ward, or its service-area wards."""
    loc = (
        session.execute(
            select(Location.ward_code)
            .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
            .where(ServiceAtLocation.service_id == service_id)
        )
        .scalars()
        .all()
    )
    areas = session.execute(select(ServiceArea.ward_code).where(ServiceArea.service_id == service_id)).scalars().all()
    return {w for w in [*loc, *areas] if w}


def editable_filter(user) -> ColumnElement:
    """A WHERE clause on Service limiting rows to what ``user`` may edit."""
    wards = editable_wards(user)
    if wards is None:
        return Service.id.is_not(None)
    if not wards:
        return Service.id.is_(None)
    return in_wards(wards)


def in_wards(wards) -> ColumnElement:
    """A WHERE clause on Service: its place, or one of its service-area wards, is in ``wards``.

    ``wards`` is a collection of codes, or an expanding bind parameter (in a statement shared by users).
    """
    wards = wards if isinstance(wards, BindParameter) else sorted(wards)
    # correlated on Service alone, so it also works in a query that joins places itself (the search)
    in_place = (
        exists()
        .where(
            ServiceAtLocation.service_id == Service.id,
            ServiceAtLocation.location_id == Location.id,
            Location.ward_code.in_(wards),
        )
        .correlate(Service)
    )
    in_area = exists().where(ServiceArea.service_id == Service.id, ServiceArea.ward_code.in_(wards)).correlate(Service)
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
    return place_visible(role_of(user), editable_wards(user), service.visibility, service_wards(service.id))


def place_visible(role: str | None, editable: set[str] | None, visibility: str, wards: set[str]) -> bool:
    """``shows_point`` for many listings at once: ``editable`` is ``editable_wards(user)`` (None: every ward),
    ``wards`` the listing's own (``service_wards``)."""
    if visibility != "confidential":
        return True
    if role not in ("admin", "coordinator"):
        return False
    return editable is None or bool(editable & wards)


def user_by_id(user_id) -> User | None:
    return session.get(User, user_id)


# --------------------------------------------------------------------------- enforcement

log = logging.getLogger("assetmap.authz")


def deny(
    user, action: str, asset_id=None, status: int = 403, message: str | None = None, field: str | None = None, **detail
):
    """Log a refused action (who, what, which asset; never form contents) and raise 403 or 404.

    ``field`` marks a refusal about an input (a place outside the user's wards), so a form can show
    it next to that input instead of losing what was typed.
    """
    log.warning(
        "denied",
        extra={
            "action": action,
            "status": status,
            "asset_id": str(asset_id) if asset_id else None,
            "user_id": str(user.id) if role_of(user) else None,
            "role": role_of(user) or "public",
            "path": request.path if has_request_context() else None,
            **detail,
        },
    )
    if status == 404:
        raise NotFound(message or "That asset does not exist or you cannot see it.")
    raise Forbidden(message or "You can only change assets in the wards you look after.", field=field)


def follow_merge(user, service: Service, readable=None) -> None:
    """A listing merged into another is not itself read or changed: raise ``Merged`` (the handler sends a read
    to the survivor) when ``user`` may read the survivor, else 404 as for any listing they cannot see."""
    if service.merged_into_id is None:
        return
    survivor = session.execute(
        select(Service).where(Service.id == service.merged_into_id, readable_filter(user))
    ).scalar_one_or_none()
    if survivor is None:
        raise NotFound("That asset does not exist or you cannot see it.")
    raise Merged(service.id, survivor.id, survivor.name)


def readable_service(user, service_id, include_archived: bool = False, missing: str | None = None) -> Service:
    """The asset if ``user`` may read it; 404 otherwise (an unreadable asset is not admitted to exist, and the
    refusal is logged). ``missing`` words the 404 for the page that asked. A merged listing leads to the
    listing it was merged into (``follow_merge``)."""
    service = session.execute(
        select(Service).where(Service.id == service_id, readable_filter(user, include_archived))
    ).scalar_one_or_none()
    if service is None:
        message = missing or "That asset does not exist or you cannot see it."
        held = session.get(Service, service_id)
        if held is not None:
            follow_merge(user, held)
            deny(user, "read", service_id, status=404, message=message)
        raise NotFound(message)
    follow_merge(user, service)
    return service


def editable_service(user, service_id, action: str = "edit", lock: bool = False, merged: bool = False) -> Service:
    """The asset (archived too) if ``user`` may edit it: 404 if unknown, 403 (logged) if not theirs.

    ``lock`` takes a row lock (SELECT … FOR UPDATE) so two saves cannot both pass the version check. A
    listing merged into another leads there (``follow_merge``) unless ``merged`` (its history stays readable).
    """
    stmt = select(Service).where(Service.id == service_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    service = session.execute(stmt).scalar_one_or_none()
    if service is None:
        raise NotFound("That asset does not exist or you cannot see it.")
    if role_of(user) not in ("admin", "coordinator"):
        deny(user, action, service_id)
    if not can_edit(user, service):
        deny(user, action, service_id)
    if not merged:
        follow_merge(user, service)
    return service


def wards_at(lon: float, lat: float) -> set[str]:
    """The ward a point falls in, by the location trigger's own rule (``geo.ward_at``)."""
    code = session.execute(select(ward_at(point(lon, lat)))).scalar_one()
    return {code} if code else set()


def record_wards(rec) -> set[str]:
    """The wards a validated record would belong to: its point's ward and its service-area wards."""
    wards = set(rec.service_area_wards)
    if rec.has_place:
        wards |= wards_at(rec.lon, rec.lat)
    return wards


def scope_problem(user, new_wards: set[str], old_wards: set[str] = frozenset()) -> str | None:
    """Why ``user`` may not put an asset in ``new_wards`` (None if they may).

    A coordinator may keep wards an asset already had, but may only add wards they look after, and
    the asset must stay in at least one of their wards.
    """
    mine = editable_wards(user)
    if mine is None:
        return None
    if not mine:
        return "Your account cannot add or change assets."
    if not new_wards:
        return "That place is outside the wards you look after."
    outside = (new_wards - set(old_wards)) - mine
    if outside:
        names = ", ".join(ward_names(outside).values())
        return f"You can only add assets in the wards you look after; {names} is not one of them."
    if not new_wards & mine:
        return "The asset would no longer be in any ward you look after."
    return None


def require_scope(
    user,
    new_wards: set[str],
    old_wards: set[str] = frozenset(),
    action: str = "edit",
    asset_id=None,
    area_wards=frozenset(),
) -> None:
    """Refuse (403, logged) a place or service area outside the user's wards.

    ``area_wards`` are the record's service-area wards, so the refusal names the input at fault.
    """
    problem = scope_problem(user, new_wards, old_wards)
    if problem:
        added = new_wards - set(old_wards)
        field = "service_area_wards" if added and added <= set(area_wards) else "postcode"
        deny(user, action, asset_id, message=problem, field=field, wards=sorted(added))


def ward_names(codes) -> dict[str, str]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    found = dict(session.execute(select(Ward.code, Ward.name).where(Ward.code.in_(codes))).all())
    return {c: found.get(c, c) for c in codes}


def wards_by_council(codes=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(council name, [(ward code, ward name), …]), …] for pick lists; ``codes`` limits the wards."""
    from ..models import LocalAuthority

    councils = dict(session.execute(select(LocalAuthority.code, LocalAuthority.name)).all())
    q = select(Ward.code, Ward.name, Ward.lad_code).order_by(Ward.lad_code, Ward.name)
    if codes is not None:
        q = q.where(Ward.code.in_(sorted(codes)))
    groups: dict[str, list] = {}
    for code, name, lad in session.execute(q).all():
        groups.setdefault(councils.get(lad, lad), []).append((code, name))
    return list(groups.items())
