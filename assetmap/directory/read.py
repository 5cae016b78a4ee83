"""The read model: an asset as a plain dict for pages, sheets and exports.

``asset_views`` loads a batch of assets in a fixed number of queries and turns each into a dict
holding what a practitioner needs to make an introduction: what, who for, when (its sessions, any
temporary closure, and the next session: ``assetmap.schedules``), where (address, ward and constituency names), cost, accessibility, contact,
who looks after the listing and when it was last checked. Confidential places lose their
point *and* address unless ``access.shows_point`` says the reader may see them, and then keep
nothing finer than their ward: the constituency is the ward's (seven wards are split between two
constituencies, so the point's could say which side of the line it is) and there is no LSOA.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..db import session
from ..models import (
    Attribute,
    Constituency,
    Location,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    TermDate,
    Ward,
)
from ..schedules import Terms, next_session
from ..schedules.calendar import NO_TERMS
from ..schedules.rows import closure_of, session_of
from ..schedules.rules import long_date
from ..taxonomy import TAXONOMY_CODES
from ..vocabulary import ACCESSIBILITY, DAYS, MODES, ORGANISER_METHODS
from . import access

LONDON = ZoneInfo("Europe/London")
#: a listing not checked for longer than this is flagged and ranks below fresh ones at equal distance
STALE_AFTER_MONTHS = 12

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def now_london() -> dt.datetime:
    return dt.datetime.now(LONDON)


def one_line(text: str | None, limit: int = 140) -> str:
    """The first sentence of a description, cut at a word boundary if still too long."""
    text = " ".join((text or "").split())
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(0, months)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped: 31 March less one month is 28/29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def stale_cutoff(today: dt.date) -> dt.date:
    """A listing last checked before this date (STALE_AFTER_MONTHS ago) is stale."""
    return months_before(today, STALE_AFTER_MONTHS)


def checked_by(method: str | None) -> str | None:
    """Who checked: "organiser" (the group itself said so) or "council" (a coordinator visited, phoned,
    emailed); None for a check that names no method."""
    if not method:
        return None
    return "organiser" if method in ORGANISER_METHODS else "council"


def last_checked(
    verified: dt.date | None, today: dt.date, method: str | None = None, unconfirmed: bool = False
) -> dict:
    """{"date", "months", "label", "stale", "by", "by_label", "unconfirmed"}: 'Checked 3 months ago' and
    'Checked by the organiser on 3 March 2026'; never checked counts as stale. ``unconfirmed``: its reminders
    ran their course with no check ("not confirmed for over a year")."""
    by = checked_by(method) if verified else None
    if verified is None:
        return {
            "date": None,
            "months": None,
            "label": "Never checked",
            "stale": True,
            "by": None,
            "by_label": "Never checked",
            "unconfirmed": unconfirmed,
        }
    months = months_between(verified, today)
    if months == 0:
        label = "Checked this month"
    elif months == 1:
        label = "Checked 1 month ago"
    else:
        label = f"Checked {months} months ago"
    on = f"{verified.day} {verified:%B %Y}"
    by_label = f"Checked by the {by} on {on}" if by else f"Checked on {on}"
    return {
        "date": verified,
        "months": months,
        "label": label,
        "stale": verified < stale_cutoff(today),
        "by": by,
        "by_label": by_label,
        "unconfirmed": unconfirmed,
    }


def _fmt_time(t: dt.time) -> str:
    return f"{t:%H:%M}"


def schedule_view(service: Service, now: dt.datetime, terms: Terms = NO_TERMS) -> dict:
    """{"schedule", "closure", "next_session"}: what a page says about when, for one listing."""
    sessions = [session_of(row) for row in service.schedules]
    closure = closure_of(service)
    return {
        "schedule": [
            {
                "label": s.label(),
                "kind": s.kind,
                "days": [DAYS.label(d) for d in s.weekdays],
                "opens_at": _fmt_time(s.opens_at),
                "closes_at": _fmt_time(s.closes_at),
                "description": s.description,
                "notes": s.notes,
            }
            for s in sorted(sessions, key=lambda s: s.sort_key())
        ],
        # a closure that has ended is history: pages say nothing of it
        "closure": (
            {
                "label": closure.label(),
                "now": closure.starts <= now.date(),
                "starts": closure.starts,
                "ends": closure.ends,
                "until": long_date(closure.ends),
            }
            if closure is not None and closure.ends >= now.date()
            else None
        ),
        "next_session": next_session(sessions, now, closure=closure, terms=terms),
    }


def _school_terms(services: list[Service], ward_las: dict[str, str]) -> dict[uuid.UUID, Terms]:
    """Each listing's council's school terms, for those with a term-time session (one query for the batch)."""

    def council(s: Service) -> str | None:
        loc = s.locations[0].location if s.locations else None
        if loc is not None and loc.lad_code:
            return loc.lad_code
        return next((ward_las[a.ward_code] for a in s.service_areas if a.ward_code in ward_las), None)

    wanted = {s.id: council(s) for s in services if any(row.term_time for row in s.schedules)}
    codes = {c for c in wanted.values() if c}
    if not codes:
        return {}
    periods: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for lad, starts, ends in session.execute(
        select(TermDate.lad_code, TermDate.starts, TermDate.ends).where(TermDate.lad_code.in_(codes))
    ):
        periods.setdefault(lad, []).append((starts, ends))
    return {sid: Terms.of(periods.get(code or "", [])) for sid, code in wanted.items()}


def pounds(amount: Decimal) -> str:
    """'£3.50'; whole pounds without pence ('£4')."""
    return f"£{amount:.0f}" if amount == amount.to_integral_value() else f"£{amount:.2f}"


def cost_view(service: Service) -> dict:
    if not service.cost_options:
        return {"free": False, "known": False, "label": "Cost not known"}
    c = service.cost_options[0]
    free = c.amount is not None and c.amount == 0
    if c.amount_description:
        label = c.amount_description
    elif free:
        label = "Free"
    elif c.amount is not None:
        label = pounds(c.amount) + (f" ({c.option.lower()})" if c.option else "")
    else:
        label = "Cost not known"
    return {"free": free, "known": c.amount is not None, "amount": c.amount, "label": label}


def _terms(service_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, list[dict]]]:
    """Each service's taxonomy terms by taxonomy, in display order, read as plain rows."""
    rows = session.execute(
        select(Attribute.service_id, Taxonomy.code, TaxonomyTerm.code, TaxonomyTerm.name)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
        .where(Attribute.service_id.in_(service_ids))
        .order_by(Attribute.service_id, TaxonomyTerm.term_order, TaxonomyTerm.code)
    ).all()
    out: dict[uuid.UUID, dict[str, list[dict]]] = {}
    for service_id, tax_code, code, name in rows:
        by_tax = out.setdefault(service_id, _no_terms())
        by_tax.setdefault(tax_code, []).append({"code": code, "name": name})
    return out


def _no_terms() -> dict[str, list[dict]]:
    return {code: [] for code in TAXONOMY_CODES}


def _area_names(locations: list[Location], services: list[Service]) -> tuple[dict, dict, dict, dict]:
    """(ward names, constituency names, each ward's constituency, each ward's council) for these places and
    service areas."""
    ward_codes = {loc.ward_code for loc in locations if loc.ward_code}
    ward_codes |= {a.ward_code for s in services for a in s.service_areas if a.ward_code}
    rows = (
        session.execute(
            select(Ward.code, Ward.name, Ward.constituency_code, Ward.lad_code).where(Ward.code.in_(ward_codes))
        ).all()
        if ward_codes
        else []
    )
    wards = {code: name for code, name, _con, _la in rows}
    ward_cons = {code: con for code, _name, con, _la in rows}
    ward_las = {code: la for code, _name, _con, la in rows}
    con_codes = {loc.constituency_code for loc in locations if loc.constituency_code}
    con_codes |= {c for c in ward_cons.values() if c}
    cons = (
        dict(
            session.execute(select(Constituency.code, Constituency.name).where(Constituency.code.in_(con_codes))).all()
        )
        if con_codes
        else {}
    )
    return wards, cons, ward_cons, ward_las


def _load(ids: list[uuid.UUID], user, include_archived: bool) -> list[Service]:
    stmt = (
        select(Service)
        .where(Service.id.in_(ids), access.readable_filter(user, include_archived))
        .options(
            selectinload(Service.schedules),
            selectinload(Service.cost_options),
            selectinload(Service.contacts),
            selectinload(Service.phones),
            selectinload(Service.service_areas),
            # many-to-one: joined into the same statement rather than a query each
            joinedload(Service.organisation),
            joinedload(Service.steward),
            selectinload(Service.locations).joinedload(ServiceAtLocation.location).selectinload(Location.accessibility),
        )
    )
    return list(session.execute(stmt).scalars())


def _view(
    service: Service,
    terms: dict,
    user,
    wards: dict,
    cons: dict,
    ward_cons: dict,
    now: dt.datetime,
    school: Terms = NO_TERMS,
) -> dict:
    loc = service.locations[0].location if service.locations else None
    show_place = access.shows_point(user, service)
    # a hidden place keeps only what its ward says: the ward's constituency, no LSOA
    con_code = (loc.constituency_code if show_place else ward_cons.get(loc.ward_code)) if loc else None
    lon = lat = None
    if loc is not None and loc.geom is not None and show_place:
        pt = to_shape(loc.geom)
        lon, lat = round(pt.x, 6), round(pt.y, 6)
    contact = service.contacts[0] if service.contacts else None
    access_kinds = sorted((a.kind for a in loc.accessibility), key=ACCESSIBILITY.position) if loc else []
    return {
        "id": service.id,
        "name": service.name,
        "summary": one_line(service.description),
        "description": service.description or "",
        "organisation": service.organisation.name if service.organisation else None,
        "categories": terms["category"],
        "audiences": terms["audience"],
        "capabilities": terms["capability"],
        "asset_type": (terms["asset_type"] or [None])[0],
        "modes": [{"code": m, "name": MODES.label(m)} for m in service.modes or []],
        **schedule_view(service, now, school),
        "cost": cost_view(service),
        "accessibility": [{"code": k, "name": ACCESSIBILITY.label(k)} for k in access_kinds],
        "last_checked": {
            **last_checked(
                service.last_verified_on, now.date(), service.verification_method, service.unconfirmed_since is not None
            ),
            "method": service.verification_method,
        },
        "place": {
            "has_place": loc is not None,
            "hidden": loc is not None and not show_place,
            "address": (loc.address_1 if show_place else None) if loc else None,
            "postcode": (loc.postcode if show_place else None) if loc else None,
            "how_to_get_there": (loc.transportation if show_place else None) if loc else None,
            "lon": lon,
            "lat": lat,
            "ward_code": loc.ward_code if loc else None,
            "ward_name": wards.get(loc.ward_code) if loc else None,
            "constituency_code": con_code,
            "constituency_name": cons.get(con_code),
            "lsoa_code": (loc.lsoa_code if show_place else None) if loc else None,
        },
        "service_areas": [
            {"ward_code": a.ward_code, "ward_name": wards.get(a.ward_code, a.name)}
            for a in service.service_areas
            if a.ward_code
        ],
        "contact": {
            "name": contact.name if contact else None,
            "email": service.email or (contact.email if contact else None),
            "phone": service.phones[0].number if service.phones else None,
            "url": service.url,
        },
        "steward": (service.steward.name or None) if service.steward else None,
        "visibility": service.visibility,
        "status": service.status,
        "archived": service.archived_at is not None,
        "illustrative": service.illustrative,
        "version": service.version,
    }


def asset_views(ids, user, now: dt.datetime | None = None, include_archived: bool = False) -> list[dict]:
    """Views of the readable assets among ``ids``, in the order given (unreadable ids are dropped)."""
    ids = [i if isinstance(i, uuid.UUID) else uuid.UUID(str(i)) for i in ids]
    if not ids:
        return []
    services = _load(ids, user, include_archived)
    locations = [sal.location for s in services for sal in s.locations]
    wards, cons, ward_cons, ward_las = _area_names(locations, services)
    now = now or now_london()
    terms = _terms([s.id for s in services]) if services else {}
    school = _school_terms(services, ward_las)
    by_id = {
        s.id: _view(s, terms.get(s.id) or _no_terms(), user, wards, cons, ward_cons, now, school.get(s.id, NO_TERMS))
        for s in services
    }
    return [by_id[i] for i in ids if i in by_id]


def asset_view(asset_id, user, now: dt.datetime | None = None, include_archived: bool = False) -> dict | None:
    """One asset's view, or None if it does not exist or ``user`` may not read it. A listing merged into another
    raises ``Merged`` (its address is sent to the survivor's) when ``user`` may read the survivor."""
    views = asset_views([asset_id], user, now, include_archived)
    if views:
        return views[0]
    held = session.get(Service, asset_id if isinstance(asset_id, uuid.UUID) else uuid.UUID(str(asset_id)))
    if held is not None and held.merged_into_id is not None:
        access.follow_merge(user, held)
    return None
