"""The asset form's "When" part: each session as GOV.UK radios, checkboxes and date inputs, and back.

A coordinator picks how often a session happens (every week; every few weeks; once a month on a set day,
like the first Monday; once a month on a date; once only), then its days or date, its times and, under
"More about this session", term time, bank holidays, the period it runs in and a note. What the form cannot
lay out in those fields (the first Monday *and* the last Friday, every 3 months, the second to last Friday)
is shown, and can be changed, as the template's text form (``schedules.grammar``), so opening and saving the
form never loses a rule a feed or a file gave. Without JavaScript every choice's fields are shown at once,
each labelled; "Add another session" sends the form back with one more empty session and saves nothing.

Each session becomes one text item for ``parse_record`` (which checks it once more, with every other source);
the closure becomes the item ``closed from … to …``.
"""

from __future__ import annotations

import datetime as dt
import re

from ..schedules import Closure, Session, parse_item
from ..schedules.grammar import ScheduleError, render_session
from ..schedules.rules import split_byday
from ..vocabulary import DAYS

#: the choices of "How often", in the form's order
HOW = (
    ("weekly", "Every week"),
    ("every", "Every few weeks", "For example every other Thursday"),
    ("monthly_day", "Once a month on a set day", "For example the first Monday, or the last Friday"),
    ("monthly_date", "Once a month on a date", "For example the 15th"),
    ("once", "Once only, on one date"),
    ("text", "Write it out", "For patterns the choices above cannot say"),
)
POSITIONS = (("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last"))
MAX_ROWS = 50
_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?$")
EMPTY_DATE = {"day": "", "month": "", "year": ""}


def empty_row() -> dict:
    return {
        "how": "",
        "weekly_days": [],
        "every_weeks": "2",
        "every_days": [],
        "every_date": dict(EMPTY_DATE),
        "positions": [],
        "monthly_day": "",
        "monthdays": "",
        "once_date": dict(EMPTY_DATE),
        "text": "",
        "opens": "",
        "closes": "",
        "valid_from": dict(EMPTY_DATE),
        "valid_to": dict(EMPTY_DATE),
        "term_time": False,
        "skip_bank_holidays": False,
        "note": "",
        "notes": "",
        "held": False,
        "remove": False,
    }


def _date_parts(day: dt.date | None) -> dict:
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)} if day else dict(EMPTY_DATE)


def row_of(s: Session) -> dict:
    """A stored session as the form's fields."""
    row = {
        **empty_row(),
        "opens": f"{s.opens_at:%H:%M}",
        "closes": f"{s.closes_at:%H:%M}",
        "valid_from": _date_parts(s.valid_from),
        "valid_to": _date_parts(s.valid_to),
        "term_time": s.term_time,
        "skip_bank_holidays": s.skip_bank_holidays,
        "note": s.description or "",
        "notes": s.notes or "",
        "held": True,
    }
    days = [split_byday(b) for b in s.byday]
    if s.kind == "weekly" and s.every == 1 and s.dtstart is None:
        row.update(how="weekly", weekly_days=list(s.weekdays))
    elif s.kind == "weekly" and s.every > 1:
        row.update(
            how="every", every_weeks=str(s.every), every_days=list(s.weekdays), every_date=_date_parts(s.dtstart)
        )
    elif (
        s.kind == "monthly_day"
        and s.every == 1
        and s.dtstart is None
        and len({d for _, d in days}) == 1
        and all(n in (1, 2, 3, 4, -1) for n, _ in days)
    ):
        row.update(how="monthly_day", positions=[str(n) for n, _ in days], monthly_day=days[0][1])
    elif s.kind == "monthly_date" and s.every == 1 and s.dtstart is None:
        row.update(how="monthly_date", monthdays=", ".join("last" if d == -1 else str(d) for d in s.bymonthday))
    elif s.kind == "once":
        row.update(how="once", once_date=_date_parts(s.dtstart))
    else:
        # the whole session as text, qualifiers included; the other fields stay empty so nothing is said twice
        row.update(
            how="text",
            text=render_session(s),
            opens="",
            closes="",
            valid_from=dict(EMPTY_DATE),
            valid_to=dict(EMPTY_DATE),
            term_time=False,
            skip_bank_holidays=False,
            note="",
            notes="",
        )
    return row


def rows_of(schedule: list[str]) -> tuple[list[dict], dict]:
    """A snapshot's schedule items -> (session rows, the closure's fields)."""
    rows, closure = [], {"from": dict(EMPTY_DATE), "to": dict(EMPTY_DATE)}
    for text in schedule or []:
        try:
            item = parse_item(text)
        except ValueError:
            rows.append({**empty_row(), "how": "text", "text": text, "held": True})
            continue
        if isinstance(item, Closure):
            closure = {"from": _date_parts(item.starts), "to": _date_parts(item.ends)}
        else:
            rows.append(row_of(item))
    return rows, closure


# --------------------------------------------------------------------------- reading the posted form


def _get_date(form, name: str) -> dict:
    return {part: (form.get(f"{name}-{part}") or "").strip() for part in ("day", "month", "year")}


def posted_rows(form) -> list[dict]:
    """The sessions as typed (kept so the form can be shown again with its errors)."""
    rows = []
    for i in range(MAX_ROWS + 1):
        p = f"schedule-{i}-"
        if f"{p}row" not in form:
            break
        rows.append(
            {
                "how": (form.get(f"{p}how") or "").strip(),
                "weekly_days": [d for d in form.getlist(f"{p}weekly-days") if d in DAYS],
                "every_weeks": (form.get(f"{p}every-weeks") or "").strip(),
                "every_days": [d for d in form.getlist(f"{p}every-days") if d in DAYS],
                "every_date": _get_date(form, f"{p}every-date"),
                "positions": [n for n in form.getlist(f"{p}positions") if n in dict(POSITIONS)],
                "monthly_day": (form.get(f"{p}monthly-day") or "").strip(),
                "monthdays": (form.get(f"{p}monthdays") or "").strip(),
                "once_date": _get_date(form, f"{p}once-date"),
                "text": (form.get(f"{p}text") or "").strip(),
                "opens": (form.get(f"{p}opens") or "").strip(),
                "closes": (form.get(f"{p}closes") or "").strip(),
                "valid_from": _get_date(form, f"{p}valid-from"),
                "valid_to": _get_date(form, f"{p}valid-to"),
                "term_time": bool(form.get(f"{p}term-time")),
                "skip_bank_holidays": bool(form.get(f"{p}bank-holidays")),
                "note": (form.get(f"{p}note") or "").strip(),
                "notes": (form.get(f"{p}notes") or "").strip(),
                "held": form.get(f"{p}row") == "held",
                "remove": bool(form.get(f"{p}remove")),
            }
        )
    return rows


def posted_closure(form) -> dict:
    return {"from": _get_date(form, "closed-from"), "to": _get_date(form, "closed-to")}


def _is_empty(row: dict) -> bool:
    dates = [row[k] for k in ("every_date", "once_date", "valid_from", "valid_to")]
    return not (
        row["how"]
        or row["weekly_days"]
        or row["every_days"]
        or row["positions"]
        or row["monthly_day"]
        or row["monthdays"]
        or row["text"]
        or row["opens"]
        or row["closes"]
        or row["note"]
        or any(any(d.values()) for d in dates)
    )


class _Wrong(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


def _date(parts: dict, field: str, what: str, required: bool) -> dt.date | None:
    if not any(parts.values()):
        if required:
            raise _Wrong(f"{field}-day", f"enter {what}")
        return None
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except (ValueError, KeyError):
        missing = [p for p in ("day", "month", "year") if not parts.get(p)]
        where = f"{field}-{missing[0]}" if missing else f"{field}-day"
        raise _Wrong(where, f"{what} must be a real date, like 8 1 2026") from None


def _time(text: str, field: str, what: str) -> str:
    m = _TIME.match(text.replace(" ", ""))
    if not m or int(m[1]) > 23 or int(m[2] or 0) > 59:
        raise _Wrong(field, f"enter when it {what} in 24-hour time, like 10:00 or 13:30")
    return f"{int(m[1]):02d}:{m[2] or '00'}"


def _monthdays(text: str, field: str) -> str:
    out = []
    for item in re.split(r"\s*(?:,|\band\b)\s*", text.lower()):
        item = item.strip().removesuffix("st").removesuffix("nd").removesuffix("rd").removesuffix("th")
        if item in ("last", "la"):
            out.append("last")
        elif item.isdigit() and 1 <= int(item) <= 31:
            n = int(item)
            out.append(f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}")
        elif item:
            raise _Wrong(field, "enter the date of the month as a number from 1 to 31, or 'last'")
    if not out:
        raise _Wrong(field, "enter the date of the month, like 15")
    return ",".join(out) + " of the month"


def _short(codes: list[str]) -> str:
    return ",".join(DAYS[c].short for c in DAYS.in_order(codes))


def _pattern(row: dict, p: str) -> str:
    """The 'when' part of the row's text: 'mon,wed', 'every 2 weeks thu from 2026-01-08', '1st,3rd wed', …"""
    how = row["how"]
    if how == "weekly":
        if not row["weekly_days"]:
            raise _Wrong(f"{p}weekly-days", "choose the days it meets")
        return _short(row["weekly_days"])
    if how == "every":
        weeks = row["every_weeks"]
        if not weeks.isdigit() or not 2 <= int(weeks) <= 52:
            raise _Wrong(f"{p}every-weeks", "enter every how many weeks it meets, a number from 2 to 52")
        if not row["every_days"]:
            raise _Wrong(f"{p}every-days", "choose the days it meets")
        first = _date(row["every_date"], f"{p}every-date", "the date of one session", required=True)
        return f"every {int(weeks)} weeks {_short(row['every_days'])} from {first.isoformat()}"  # type: ignore[union-attr]
    if how == "monthly_day":
        if not row["positions"]:
            raise _Wrong(f"{p}positions", "choose which of the month's days: first, second, third, fourth or last")
        if row["monthly_day"] not in DAYS:
            raise _Wrong(f"{p}monthly-day", "choose the day of the week")
        order = [n for n, _ in POSITIONS if n in row["positions"]]
        words = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "-1": "last"}
        return f"{','.join(words[n] for n in order)} {DAYS[row['monthly_day']].short}"
    if how == "monthly_date":
        return _monthdays(row["monthdays"], f"{p}monthdays")
    if how == "once":
        day = _date(row["once_date"], f"{p}once-date", "the date", required=True)
        return f"on {day.isoformat()}"  # type: ignore[union-attr]
    raise _Wrong(f"{p}how", "choose how often it happens")


def _row_text(row: dict, p: str) -> str:
    if row["how"] == "text":
        if not row["text"]:
            raise _Wrong(f"{p}text", "write the session, like '1st mon,last fri 10:00-12:00'")
        return row["text"]
    pattern = _pattern(row, p)
    if not row["opens"] or not row["closes"]:
        field = f"{p}opens" if not row["opens"] else f"{p}closes"
        raise _Wrong(field, "enter the start and end times, like 10:00 and 12:00")
    parts = [pattern, f"{_time(row['opens'], f'{p}opens', 'starts')}-{_time(row['closes'], f'{p}closes', 'ends')}"]
    starts = _date(row["valid_from"], f"{p}valid-from", "the first day of the period", required=False)
    ends = _date(row["valid_to"], f"{p}valid-to", "the last day of the period", required=False)
    parts += [f"from {starts.isoformat()}"] if starts else []
    parts += [f"until {ends.isoformat()}"] if ends else []
    parts += ["term time only"] if row["term_time"] else []
    parts += ["not on bank holidays"] if row["skip_bank_holidays"] else []
    parts += [f"({row['note'].replace('(', '[').replace(')', ']')})"] if row["note"] else []
    parts += [f"(notes: {row['notes'].replace('(', '[').replace(')', ']')})"] if row["notes"] else []
    return " ".join(parts)


def schedule_items(rows: list[dict], closure: dict) -> tuple[list[str], list[tuple[str, str]]]:
    """The posted sessions and closure -> schedule items for ``parse_record``, and (field id, message) errors."""
    items: list[str] = []
    errors: list[tuple[str, str]] = []
    for i, row in enumerate(rows):
        if row["remove"] or _is_empty(row):
            continue
        p = f"schedule-{i}-"
        try:
            text = _row_text(row, p)
            parse_item(text)
        except _Wrong as exc:
            errors.append((exc.field, f"Session {i + 1}: {exc.message}"))
            continue
        except ScheduleError as exc:
            field = f"{p}text" if row["how"] == "text" else f"{p}how"
            errors.append((field, f"Session {i + 1}: {exc.detail}"))
            continue
        items.append(text)
    try:
        starts = _date(
            closure["from"], "closed-from", "the first day it is closed", required=any(closure["to"].values())
        )
        ends = _date(closure["to"], "closed-to", "the last day it is closed", required=starts is not None)
        if starts and ends:
            items.append(f"closed from {starts.isoformat()} to {ends.isoformat()}")
            if ends < starts:
                errors.append(("closed-to-day", "The last day it is closed must be on or after the first"))
    except _Wrong as exc:
        errors.append((exc.field, exc.message[0].upper() + exc.message[1:]))
    return items, errors


def padded(rows: list[dict], spare: int = 1) -> list[dict]:
    """The sessions so far (empty ones dropped) and ``spare`` empty ones to fill in."""
    kept = [r for r in rows if r.get("held") or not _is_empty(r)]
    return (kept + [empty_row() for _ in range(spare)])[: MAX_ROWS + 1]
