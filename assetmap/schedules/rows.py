"""Between a ``Session`` and its ``schedule`` row (and a listing's ``Closure`` and its service's columns)."""

from __future__ import annotations

from ..models import Schedule, Service
from .grammar import render_closure, render_session
from .rules import Closure, Session


def session_of(row: Schedule) -> Session:
    """The row's session (rows are written only from checked sessions, so this does not fail)."""
    return Session(
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        freq=row.freq,
        interval=row.interval,
        byday=tuple(row.byday.split(",")) if row.byday else (),
        bymonthday=tuple(int(d) for d in row.bymonthday.split(",")) if row.bymonthday else (),
        dtstart=row.dtstart,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        term_time=bool(row.term_time),
        skip_bank_holidays=bool(row.skip_bank_holidays),
        description=row.description,
        notes=row.notes,
    )


def row_values(s: Session) -> dict:
    """The ``schedule`` columns for a session."""
    return {
        "freq": s.freq,
        "interval": s.interval,
        "byday": ",".join(s.byday) or None,
        "bymonthday": ",".join(str(d) for d in s.bymonthday) or None,
        "byday_order": s.first_day_order,
        "dtstart": s.dtstart,
        "opens_at": s.opens_at,
        "closes_at": s.closes_at,
        "description": s.description,
        "notes": s.notes,
        "valid_from": s.valid_from,
        "valid_to": s.valid_to,
        "term_time": s.term_time,
        "skip_bank_holidays": s.skip_bank_holidays,
    }


def closure_of(service: Service) -> Closure | None:
    if service.closed_from is None or service.closed_to is None:
        return None
    return Closure(service.closed_from, service.closed_to)


def schedule_texts(sessions: list[Session], closure: Closure | None) -> list[str]:
    """The schedule as a snapshot, an export and the template hold it: sessions in page order, then the closure."""
    out = [render_session(s) for s in sorted(sessions, key=Session.sort_key)]
    return out + ([render_closure(closure)] if closure else [])
