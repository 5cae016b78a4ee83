"""The days a session really happens on, and the next one from a moment, in UK local time.

Occurrences come from python-dateutil's ``rrule`` (RFC 5545: ``MO(+1)`` is the first Monday, ``FR(-1)`` the
last Friday; a 31st is skipped in a month without one; an interval counts weeks or months from ``dtstart``),
then lose the days the group does not meet: outside ``valid_from``/``valid_to``, bank holidays in England and
Wales (the ``holidays`` library, which knows the moved and one-off ones, such as 28 December 2026 for Boxing
Day and 8 May 2023 for the coronation) for sessions marked "not on bank holidays", school holidays for "term
time only" sessions, and a listing's temporary closure.

Times are wall-clock times in Europe/London on the day, so a 10:00 session is at 10:00 on both sides of a
clock change. A time that does not exist (01:30 on the last Sunday of March) is read as RFC 5545 reads it,
with the offset before the change (02:30 BST); one that happens twice (01:30 on the last Sunday of October)
is the first (BST).

Term dates are held per council (``term_date``, loaded by ``assetmap load term-dates``). A day outside the
periods held is not known to be in term or not: the session is shown on it, marked ``uncertain``, and pages say
"term time only" beside it rather than guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil import rrule
from dateutil.relativedelta import relativedelta

from ..vocabulary import DAYS
from .rules import Closure, Session, split_byday

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
#: how far ahead the next session is looked for (a yearly-ish session, a season that starts in spring)
HORIZON_DAYS = 400
_RR_DAYS = {d.code: getattr(rrule, d.code) for d in DAYS}


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year))


def is_bank_holiday(day: dt.date) -> bool:
    """A bank holiday in England and Wales (their lists are the same)."""
    return day in _bank_holidays(day.year)


@dataclass(frozen=True)
class Terms:
    """A council's school terms: the periods (first day, last day) children are in school."""

    periods: tuple[tuple[dt.date, dt.date], ...] = ()

    def in_term(self, day: dt.date) -> bool | None:
        """True in a term, False in a holiday between terms held, None outside the dates held."""
        if not self.periods or day < self.periods[0][0] or day > self.periods[-1][1]:
            return None
        return any(start <= day <= end for start, end in self.periods)

    @classmethod
    def of(cls, periods: Iterable[tuple[dt.date, dt.date]]) -> Terms:
        return cls(tuple(sorted(periods)))


NO_TERMS = Terms()


@dataclass(frozen=True)
class Occurrence:
    session: Session
    day: dt.date
    starts: dt.datetime
    ends: dt.datetime
    #: a term-time session on a day whose term dates are not held
    uncertain: bool = False


def local(day: dt.date, time: dt.time) -> dt.datetime:
    """``time`` on ``day`` in London; a time the clocks skip is moved on by the change (RFC 5545)."""
    naive = dt.datetime.combine(day, time, LONDON)
    return naive.astimezone(UTC).astimezone(LONDON)


def _anchor(s: Session, start: dt.date) -> dt.date:
    """The rule's first day, moved on by whole intervals to the last one not after ``start``: the rule gives
    the same days from ``start`` on, and is not walked from a ``dtstart`` years back each time."""
    if s.dtstart is None:
        return start.replace(day=1) if s.freq == "MONTHLY" else start - dt.timedelta(days=start.weekday())
    anchor = s.dtstart
    if anchor >= start:
        return anchor
    if s.freq == "WEEKLY":
        step = 7 * s.every
        return anchor + dt.timedelta(days=(start - anchor).days // step * step)
    months = ((start.year - anchor.year) * 12 + start.month - anchor.month) // s.every * s.every
    moved = anchor + relativedelta(months=months)
    return moved if moved <= start else anchor + relativedelta(months=months - s.every)


@lru_cache(maxsize=4096)
def _rule(freq: str, every: int, anchor: dt.date, byday: tuple[str, ...], monthdays: tuple[int, ...]) -> rrule.rrule:
    kwargs: dict = {"interval": every, "dtstart": dt.datetime.combine(anchor, dt.time())}
    if byday:
        kwargs["byweekday"] = [
            _RR_DAYS[day](n) if n is not None else _RR_DAYS[day] for n, day in (split_byday(b) for b in byday)
        ]
    if monthdays:
        kwargs["bymonthday"] = list(monthdays)
    return rrule.rrule(rrule.WEEKLY if freq == "WEEKLY" else rrule.MONTHLY, **kwargs)


def _rule_days(s: Session, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The days the rule itself gives from ``start`` to ``end`` (before bank holidays, terms, closures), one
    at a time: the next session reads one or two, not the 400 days ahead."""
    if s.freq is None:
        if s.dtstart is not None and start <= s.dtstart <= end:
            yield s.dtstart
        return
    # a monthly rule always has its days or dates (``Session`` checks), so moving its first day to another
    # date of the month cannot change them
    rule = _rule(s.freq, s.every, _anchor(s, start), s.byday, s.bymonthday)
    last = dt.datetime.combine(end, dt.time())
    for when in rule.xafter(dt.datetime.combine(start, dt.time()), inc=True):
        if when > last:
            return
        yield when.date()


def occurrences(
    s: Session,
    start: dt.date,
    end: dt.date,
    *,
    closure: Closure | None = None,
    terms: Terms = NO_TERMS,
) -> Iterator[Occurrence]:
    """Every time ``s`` happens on the days from ``start`` to ``end`` (both included), in order."""
    start = max(start, s.valid_from) if s.valid_from else start
    end = min(end, s.valid_to) if s.valid_to else end
    if end < start:
        return
    for day in _rule_days(s, start, end):
        if s.skip_bank_holidays and is_bank_holiday(day):
            continue
        if closure is not None and closure.covers(day):
            continue
        in_term = terms.in_term(day) if s.term_time else True
        if in_term is False:
            continue
        yield Occurrence(s, day, local(day, s.opens_at), local(day, s.closes_at), uncertain=in_term is None)


def _when(o: Occurrence, now: dt.datetime) -> str:
    today = now.date()
    if o.day == today:
        return "Now" if o.starts <= now else "Today"
    if o.day == today + dt.timedelta(days=1):
        return "Tomorrow"
    year = f" {o.day.year}" if o.day.year != today.year else ""
    return f"{DAYS.label(DAYS.codes[o.day.weekday()])} {o.day.day} {o.day:%B}{year}"


def next_session(
    sessions: Iterable[Session],
    now: dt.datetime,
    *,
    closure: Closure | None = None,
    terms: Terms = NO_TERMS,
    horizon_days: int = HORIZON_DAYS,
) -> dict | None:
    """The session on now or next: {"start", "end", "label", "uncertain", "session"}; None if there is none
    within ``horizon_days``. ``now`` is an aware datetime (any zone)."""
    now = now.astimezone(LONDON)
    today = now.date()
    best: Occurrence | None = None
    for s in sessions:
        end = today + dt.timedelta(days=horizon_days)
        if best is not None:
            end = min(end, best.day)
        for o in occurrences(s, today, end, closure=closure, terms=terms):
            if o.ends > now:
                if best is None or (o.starts, o.ends) < (best.starts, best.ends):
                    best = o
                break
    if best is None:
        return None
    when = _when(best, now)
    times = f"until {best.ends:%H:%M}" if when == "Now" else f"{best.starts:%H:%M} to {best.ends:%H:%M}"
    label = f"{when}, {times}" + (" (term time only: check the school holidays)" if best.uncertain else "")
    return {
        "start": best.starts,
        "end": best.ends,
        "label": label,
        "uncertain": best.uncertain,
        "session": best.session,
    }
