"""Sessions as Open Referral UK 3.0 schedule objects, both ways, so a feed's schedules round-trip unchanged.

Every field ORUK names for a schedule's timing is held as it came: ``freq``, ``interval`` (absent stays
absent), ``byday`` with ordinals (``1MO``, ``-1FR``), ``bymonthday``, ``dtstart``, ``valid_from``, ``valid_to``,
``opens_at``, ``closes_at``, ``description`` and ``notes``. What ORUK has no field for is said in ``notes``, in
fixed sentences a consumer can read and our import reads back: "Term time only." and "Not on bank holidays."
A feed's own notes are kept after them. The only things written differently from how a feed wrote them:
times are published as HH:MM (the spec's format; ``10:00:00`` and ``10:00:00Z`` are read as 10:00 UK time),
lists without spaces (``TH,FR``), and a schedule with days but no ``freq`` is published as WEEKLY.

Not held (a schedule using them is left out on import, and counted): RFC 5545 parts ORUK 3.0 does not
list (``count``, ``until``, ``byweekno``, ``byyearday``), MONTHLY ``byday`` without a position (every Monday
of the month is a weekly session), and rules RFC 5545 forbids (``bymonthday`` with WEEKLY).
"""

from __future__ import annotations

import datetime as dt
import re

from .rules import Closure, Session

#: what ORUK's free-text ``notes`` say for the two things it has no field for, in this order
FLAG_NOTES = (("term_time", "Term time only."), ("skip_bank_holidays", "Not on bank holidays."))
#: schedule fields a publisher may use that we cannot hold: a schedule with any of them is left out
NOT_HELD = ("count", "until", "byweekno", "byyearday", "bymonth", "bysetpos")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)


def _hhmm(value, name: str) -> dt.time:
    m = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ValueError(f"{name} must be a time like 10:00, not {value!r}")
    return dt.time(int(m[1]), int(m[2]))


def _day(value, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"{name} must be a date like 2026-01-08, not {value!r}") from None


def _interval(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"interval must be a whole number, not {value!r}") from None
    if isinstance(value, bool) or number != int(number):
        raise ValueError(f"interval must be a whole number, not {value!r}")
    return int(number)


def _items(value, name: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be comma-separated text, like 'MO,WE'")
    return [v.strip().upper() for v in value.split(",") if v.strip()]


def split_notes(notes) -> tuple[bool, bool, str | None]:
    """ORUK notes -> (term time only, not on bank holidays, the rest). Our sentences are read only when
    writing them back gives the same text, so any feed's notes are published again exactly as they came."""
    text = " ".join(notes.split()) if isinstance(notes, str) else ""
    rest, flags = text, {}
    for key, sentence in FLAG_NOTES:
        flags[key] = rest == sentence or rest.startswith(sentence + " ")
        if flags[key]:
            rest = rest[len(sentence) :].strip()
    if join_notes(flags["term_time"], flags["skip_bank_holidays"], rest or None) != (text or None):
        return False, False, text or None
    return flags["term_time"], flags["skip_bank_holidays"], rest or None


def join_notes(term_time: bool, skip_bank_holidays: bool, rest: str | None) -> str | None:
    flags = {"term_time": term_time, "skip_bank_holidays": skip_bank_holidays}
    said = [sentence for key, sentence in FLAG_NOTES if flags[key]]
    return " ".join([*said, *([rest] if rest else [])]) or None


def from_oruk(item: dict) -> Session:
    """An ORUK schedule object -> a Session; ValueError (naming the field) if we cannot hold it."""
    if not isinstance(item, dict):
        raise ValueError("a schedule must be an object")
    used = [k for k in NOT_HELD if item.get(k) not in (None, "", [])]
    if used:
        raise ValueError(f"it uses {', '.join(used)}, which this directory does not hold")
    byday = _items(item.get("byday"), "byday")
    freq = item.get("freq")
    freq = freq.strip().upper() if isinstance(freq, str) and freq.strip() else None
    if freq is None and byday:
        freq = "WEEKLY"  # days with no frequency: the old feeds' weekly sessions
    bymonthday = []
    for d in _items(item.get("bymonthday"), "bymonthday"):
        try:
            bymonthday.append(int(d))
        except ValueError:
            raise ValueError(f"bymonthday must be days of the month like 15 or -1, not {d!r}") from None
    term_time, skip_bank_holidays, notes = split_notes(item.get("notes"))
    for key in ("term_time", "skip_bank_holidays"):
        if item.get(key) not in (None, True, False):
            raise ValueError(f"{key} must be true or false")
    description = item.get("description")
    return Session(
        opens_at=_hhmm(item.get("opens_at"), "opens_at"),
        closes_at=_hhmm(item.get("closes_at"), "closes_at"),
        freq=freq,
        interval=_interval(item.get("interval")),
        byday=tuple(byday),
        bymonthday=tuple(bymonthday),
        dtstart=_day(item.get("dtstart"), "dtstart"),
        valid_from=_day(item.get("valid_from"), "valid_from"),
        valid_to=_day(item.get("valid_to"), "valid_to"),
        term_time=term_time or item.get("term_time") is True,
        skip_bank_holidays=skip_bank_holidays or item.get("skip_bank_holidays") is True,
        description=description if isinstance(description, str) else None,
        notes=notes,
    )


def to_oruk(s: Session) -> dict:
    """A Session as ORUK schedule fields (without ``id`` and ``service_id``); absent values are left out."""
    out = {
        "freq": s.freq,
        "interval": s.interval,
        "byday": ",".join(s.byday) or None,
        "bymonthday": ",".join(str(d) for d in s.bymonthday) or None,
        "dtstart": s.dtstart.isoformat() if s.dtstart else None,
        "valid_from": s.valid_from.isoformat() if s.valid_from else None,
        "valid_to": s.valid_to.isoformat() if s.valid_to else None,
        "opens_at": f"{s.opens_at:%H:%M}",
        "closes_at": f"{s.closes_at:%H:%M}",
        "description": s.description,
        "notes": join_notes(s.term_time, s.skip_bank_holidays, s.notes),
    }
    return {k: v for k, v in out.items() if v is not None}


# --------------------------------------------------------------------------- a closure, in the service's alert

_CLOSURE_ALERT = re.compile(r"\bTemporarily closed from (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\.")


def closure_alert(c: Closure) -> str:
    """How a temporary closure is published: ORUK has no field for it, and ``alert`` is for short-term news."""
    return f"Temporarily closed from {c.starts.isoformat()} to {c.ends.isoformat()}."


def closure_in_alert(alert) -> Closure | None:
    """The closure an ORUK ``alert`` states in our words, if it does (and its dates make sense)."""
    m = _CLOSURE_ALERT.search(alert) if isinstance(alert, str) else None
    try:
        return Closure(dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])) if m else None
    except ValueError:
        return None
