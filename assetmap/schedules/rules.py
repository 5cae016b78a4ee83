"""A session's rule and a listing's closure: the one validated shape every source is turned into.

The fields are Open Referral UK 3.0's schedule fields (RFC 5545 recurrence rules), so a feed's schedules are
held as they came and published unchanged; two more say what ORUK can only say in its free-text ``notes``:
``term_time`` (only in school terms) and ``skip_bank_holidays``. The kinds of session a group can have:

=================  ===========================================  ===========================================
kind               fields                                       example (the template's text form)
=================  ===========================================  ===========================================
weekly             WEEKLY, byday MO,WE                          ``mon,wed 10:00-12:00``
every N weeks      WEEKLY, interval N, byday, dtstart (anchor)  ``every 2 weeks thu from 2026-01-08 …``
monthly, by day    MONTHLY, byday 1MO / -1FR / 1WE,3WE          ``1st mon …``, ``last fri …``
monthly, by date   MONTHLY, bymonthday 15 / -1                  ``15th of the month …``
once               no freq, dtstart (the day)                   ``on 2026-03-14 …``
=================  ===========================================  ===========================================

Any of them may have ``valid_from``/``valid_to`` (a season, or a group that starts or stops), and monthly
ones an interval too (``every 3 months 1st mon from 2026-01-05 …``). A one-off is RFC 5545's event with a
DTSTART and no RRULE. What a rule cannot be is refused with a plain message (``ValueError``), whatever it came
from: RFC 5545 forbids BYMONTHDAY with WEEKLY, an interval needs ``dtstart`` to say which weeks or months,
a session ends after it starts on the same day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..vocabulary import DAYS, FREQUENCIES

_BYDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
MAX_INTERVAL = {"WEEKLY": 52, "MONTHLY": 12}
#: the longest description or notes a session keeps (ORUK's examples are about 100 characters)
MAX_TEXT = 500


def split_byday(item: str) -> tuple[int | None, str]:
    """'-1FR' -> (-1, 'FR'); 'MO' -> (None, 'MO'); ValueError for anything else."""
    m = _BYDAY.match(item)
    if not m:
        raise ValueError(f"'{item}' is not a day like MO, or a day of the month like 1MO or -1FR")
    return (int(m[1]) if m[1] else None), m[2]


def ordinal(n: int) -> str:
    """1 -> '1st', 22 -> '22nd', -1 -> 'last', -2 -> '2nd last'."""
    if n < 0:
        return "last" if n == -1 else f"{ordinal(-n)} last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ordinal_word(n: int) -> str:
    """1 -> 'first', -1 -> 'last', -2 -> 'second to last' (positions of a weekday in a month)."""
    if n < 0:
        return "last" if n == -1 else f"{ORDINAL_WORDS[-n]} to last"
    return ORDINAL_WORDS[n]


def long_date(day: dt.date) -> str:
    """'1 April 2026'."""
    return f"{day.day} {day:%B %Y}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _text(value: str | None, what: str) -> str | None:
    value = " ".join(value.split()) if isinstance(value, str) else None
    if value and len(value) > MAX_TEXT:
        raise ValueError(f"the {what} is longer than {MAX_TEXT} characters")
    return value or None


@dataclass(frozen=True)
class Session:
    """One recurring (or one-off) session of a group, in UK local time. Creating one checks it."""

    opens_at: dt.time
    closes_at: dt.time
    #: WEEKLY or MONTHLY; None for a one-off on ``dtstart``
    freq: str | None = "WEEKLY"
    #: every how many weeks or months; None when the source gave none (RFC 5545: 1)
    interval: int | None = None
    #: RFC 5545 BYDAY items: 'MO' (weekly) or '1MO', '-1FR' (monthly)
    byday: tuple[str, ...] = ()
    #: RFC 5545 BYMONTHDAY: 15, or -1 for the last day of the month (monthly)
    bymonthday: tuple[int, ...] = ()
    #: the first session (the anchor of an interval, the day of a one-off)
    dtstart: dt.date | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    term_time: bool = False
    skip_bank_holidays: bool = False
    #: the publisher's words about the session (ORUK ``description``)
    description: str | None = None
    #: other notes from a feed, kept so they are published again (ORUK ``notes``, less what is said above)
    notes: str | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "byday", tuple(self.byday))
        object.__setattr__(self, "bymonthday", tuple(self.bymonthday))
        object.__setattr__(self, "description", _text(self.description, "description"))
        object.__setattr__(self, "notes", _text(self.notes, "notes"))
        self._check()

    def _check(self) -> None:  # noqa: C901 - one line per rule, in the order a person would fix them
        if self.closes_at <= self.opens_at:
            raise ValueError("it ends before it starts (a session starts and ends on the same day)")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(f"it runs until {self.valid_to} but only from {self.valid_from}")
        if self.freq is None:
            if self.dtstart is None:
                raise ValueError("a one-off session needs its date")
            if self.byday or self.bymonthday or self.interval not in (None, 1):
                raise ValueError("a one-off session has a date, not days or an interval")
            return
        if self.freq not in FREQUENCIES:
            raise ValueError(f"'{self.freq}' is not a frequency we hold ({FREQUENCIES.either()})")
        if self.interval is not None and not 1 <= self.interval <= MAX_INTERVAL[self.freq]:
            unit = "weeks" if self.freq == "WEEKLY" else "months"
            raise ValueError(
                f"every {self.interval} {unit} is not an interval we hold (1 to {MAX_INTERVAL[self.freq]})"
            )
        if self.every > 1 and self.dtstart is None:
            unit = "weeks" if self.freq == "WEEKLY" else "months"
            raise ValueError(f"every {self.every} {unit} needs the date of one session, to know which {unit}")
        days = [split_byday(b) for b in self.byday]
        if len(set(self.byday)) != len(self.byday) or len(set(self.bymonthday)) != len(self.bymonthday):
            raise ValueError("a day is given twice")
        if self.freq == "WEEKLY":
            if self.bymonthday:
                raise ValueError("a weekly session cannot also be on days of the month")
            if not days:
                raise ValueError("a weekly session needs its days")
            if any(n is not None for n, _ in days):
                raise ValueError("'1st' or 'last' make a session monthly, not weekly")
            if self.every > 1 and self.dtstart is not None and DAYS.codes[self.dtstart.weekday()] not in self.byday:
                day = DAYS.label(DAYS.codes[self.dtstart.weekday()])
                raise ValueError(f"its first session, {self.dtstart}, is a {day}, not one of its days")
            return
        if days and self.bymonthday:
            raise ValueError("a monthly session is on days of the week (1st mon) or dates (15th), not both")
        if not days and not self.bymonthday:
            raise ValueError("a monthly session needs which day (like 1st mon or last fri) or date (15th)")
        if any(n is None for n, _ in days):
            raise ValueError("a monthly session needs which of the month's days: 1st, 2nd, 3rd, 4th, 5th or last")
        if any(not (1 <= abs(d) <= 31) for d in self.bymonthday):
            raise ValueError("a day of the month is from 1 to 31 (or -1, the last)")

    # ----------------------------------------------------------------- what kind of session it is

    @property
    def every(self) -> int:
        return self.interval or 1

    @property
    def kind(self) -> str:
        """'once', 'weekly', 'monthly_day' or 'monthly_date'."""
        if self.freq is None:
            return "once"
        if self.freq == "WEEKLY":
            return "weekly"
        return "monthly_day" if self.byday else "monthly_date"

    @property
    def weekdays(self) -> tuple[str, ...]:
        """The weekday codes it falls on ('MO', …), in the week's order; none for dates of the month."""
        if self.freq is None:
            return (DAYS.codes[self.dtstart.weekday()],) if self.dtstart else ()
        return tuple(DAYS.in_order(split_byday(b)[1] for b in self.byday))

    def sort_key(self) -> tuple:
        """Sessions in the order pages list them: by first weekday, then time, then the rule."""
        first = DAYS.position(self.weekdays[0]) if self.weekdays else len(DAYS)
        return (self.dtstart if self.freq is None else dt.date.min, first, self.opens_at, self.closes_at, repr(self))

    @property
    def first_day_order(self) -> int:
        """0 (Monday) to 6 for the first weekday it falls on; 7 for dates of the month (for sorting in SQL)."""
        return DAYS.position(self.weekdays[0]) if self.weekdays else len(DAYS)

    def label(self) -> str:
        """'First Monday of the month, 10:00 to 12:00; not on bank holidays': how every page words it."""
        return session_label(self)


@dataclass(frozen=True)
class Closure:
    """A listing temporarily closed: no session happens from ``starts`` to ``ends`` (both included)."""

    starts: dt.date
    ends: dt.date

    def __post_init__(self) -> None:
        if self.ends < self.starts:
            raise ValueError(f"a closure ending on {self.ends} cannot start later, on {self.starts}")

    def covers(self, day: dt.date) -> bool:
        return self.starts <= day <= self.ends

    def label(self) -> str:
        return closure_label(self)


# --------------------------------------------------------------------------- words for pages


def _times(s: Session) -> str:
    return f"{s.opens_at:%H:%M} to {s.closes_at:%H:%M}"


def _monthly_days(s: Session) -> str:
    """'first Monday and last Friday' / 'first and third Wednesday'."""
    groups: list[tuple[list[int], str]] = []
    for item in s.byday:
        n, day = split_byday(item)
        if groups and groups[-1][1] == day:
            groups[-1][0].append(n or 1)
        else:
            groups.append(([n or 1], day))
    return _and([f"{_and([ordinal_word(n) for n in ns])} {DAYS.label(day)}" for ns, day in groups])


def _when(s: Session) -> str:
    if s.kind == "once":
        assert s.dtstart is not None
        return f"Once, on {DAYS.label(DAYS.codes[s.dtstart.weekday()])} {long_date(s.dtstart)},"
    if s.kind == "weekly":
        days = _and([DAYS.label(d) for d in s.weekdays])
        if s.every == 1:
            return days
        return f"Every other {days}" if s.every == 2 else f"Every {s.every} weeks on {days}"
    if s.kind == "monthly_day":
        what = _monthly_days(s)
    else:
        dates = [("last day" if d == -1 else ordinal(d)) for d in s.bymonthday]
        what = _and(dates)
    what = what[0].upper() + what[1:]
    return f"{what} of the month" if s.every == 1 else f"{what} of every {ordinal(s.every)} month"


def session_label(s: Session) -> str:
    """The session as a sentence, e.g. 'Every other Thursday 14:00 to 15:30; from 8 January 2026'."""
    out = f"{_when(s)} {_times(s)}"
    extra = []
    if s.freq is not None and s.dtstart is not None and (s.every > 1 or s.valid_from is None):
        extra.append(f"starting {long_date(s.dtstart)}")
    if s.valid_from and s.valid_to:
        extra.append(f"from {long_date(s.valid_from)} to {long_date(s.valid_to)}")
    elif s.valid_from:
        extra.append(f"from {long_date(s.valid_from)}")
    elif s.valid_to:
        extra.append(f"until {long_date(s.valid_to)}")
    if s.term_time:
        extra.append("term time only")
    if s.skip_bank_holidays:
        extra.append("not on bank holidays")
    return "; ".join([out, *extra])


def closure_label(c: Closure) -> str:
    return f"Temporarily closed from {long_date(c.starts)} to {long_date(c.ends)}"
