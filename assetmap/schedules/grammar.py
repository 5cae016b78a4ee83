"""The readable text form of a session, for the CSV/xlsx template, history lines and exports.

One session per item (items are separated by ``;`` in a spreadsheet cell), case and extra spaces ignored::

    [every N weeks|months]  WHEN  [from DATE]  HH:MM-HH:MM  [from DATE] [until DATE] [term time only]
                                                             [not on bank holidays] [(a note)]

WHEN is one of

* days of the week: ``mon``, ``mon,wed,fri`` (``monday``, ``mo`` and ``mon and wed`` are read too);
* days of the month by position: ``1st mon``, ``last fri``, ``2nd last fri``, ``1st,3rd wed``,
  ``1st mon,last fri`` (``1st`` to ``5th``, ``last``);
* dates of the month: ``15th of the month``, ``1st,15th of the month``, ``last day of the month``;
* one date: ``on 2026-03-14`` (a one-off).

``from DATE`` *before* the times is the date of the first session: an interval counts from it
(``every 2 weeks thu from 2026-01-08 14:00-15:30``). ``from``/``until`` *after* the times is the period the
session runs in, such as a season (``sat 10:00-12:00 from 2026-04-01 until 2026-09-30``). Dates are
YYYY-MM-DD (DD/MM/YYYY is read too). ``fortnightly thu from 2026-01-08`` means every 2 weeks.

A listing's temporary closure is an item of its own: ``closed from 2026-03-01 to 2026-03-15``.

``render_session`` writes the one canonical form of a session, and ``parse_session(render_session(s)) == s``
for every session a feed note does not hold (``tests/unit/test_schedule_grammar.py``). A session that cannot be
read raises ``ValueError`` naming the part that is wrong and what was expected there.
"""

from __future__ import annotations

import datetime as dt
import re

from ..vocabulary import DAYS, day_code
from .rules import Closure, Session, ordinal, split_byday

EXAMPLES = "'mon 10:00-12:00', '1st mon 10:00-12:00' or 'every 2 weeks thu from 2026-01-08 14:00-15:30'"
_TIMES = re.compile(r"(?<![\d:])(\d{1,2})[:.](\d{2})\s*(?:-|–|to)\s*(\d{1,2})[:.](\d{2})(?![\d:])")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_WEEK_ORDINALS = {
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
}
_TERM_TIME = ("term time only", "term-time only", "term time", "term-time", "in term time", "during term time")
_BANK = ("not on bank holidays", "not bank holidays", "except bank holidays", "no bank holidays")
_MONTH_WORDS = ("of the month", "of each month", "of every month", "of month")


def _date(text: str, where: str) -> dt.date:
    m = _ISO.match(text) or _UK.match(text)
    try:
        if m and m.re is _ISO:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        raise ValueError(f"{where}, '{text}' is not a date that exists") from None
    raise ValueError(f"{where}, expected a date like 2026-01-08 but found '{text}'")


def _split_notes(text: str) -> tuple[str, str | None, str | None]:
    """'mon 10:00-12:00 (In the hall) (notes: bring lunch)' -> ('mon 10:00-12:00', 'In the hall', 'bring lunch')."""
    description = notes = None
    for _ in range(2):
        stripped = text.rstrip()
        if not stripped.endswith(")"):
            break
        depth, i = 0, len(stripped) - 1
        while i >= 0:
            depth += {")": 1, "(": -1}.get(stripped[i], 0)
            if depth == 0:
                break
            i -= 1
        if i < 0:
            raise ValueError("a note in brackets is not closed: expected '(' before the note")
        inner, text = stripped[i + 1 : -1].strip(), stripped[:i]
        if inner.lower().startswith("notes:"):
            notes = inner[6:].strip() or None
        else:
            description = inner or None
    return text, description, notes


def _words(text: str) -> str:
    text = re.sub(r"\s*,\s*", ",", " ".join(text.lower().split()))
    return re.sub(r"\s+and\s+", ",", text)


def _week_ordinal(word: str) -> int | None:
    """'1st' -> 1, 'last' -> -1, '2nd last' -> -2; None if it is not one."""
    if word == "last":
        return -1
    if word.endswith(" last") and word[:-5] in _WEEK_ORDINALS:
        return -_WEEK_ORDINALS[word[:-5]]
    return _WEEK_ORDINALS.get(word)


def _days(phrase: str) -> tuple[str, ...]:
    """'mon,wed' -> ('MO', 'WE'); '1st,3rd wed' -> ('1WE', '3WE'); '1st mon,last fri' -> ('1MO', '-1FR')."""
    out: list[str] = []
    pending: list[int] = []
    for item in phrase.split(","):
        words = item.split()
        if not words:
            raise ValueError("a day is missing between two commas")
        day = day_code(words[-1])
        position = " ".join(words[:-1]) if day else item
        if day is None:
            n = _week_ordinal(position)
            if n is None:
                raise ValueError(f"'{item}' is not a day: expected mon, tue, wed, thu, fri, sat or sun")
            pending.append(n)
            continue
        n = _week_ordinal(position) if position else None
        if position and n is None:
            raise ValueError(f"'{position}' is not which of the month's days: expected 1st, 2nd, 3rd, 4th, 5th or last")
        numbers = [*pending, n] if n is not None else pending
        if pending and n is None:
            raise ValueError(f"'{item}' needs its position too, like '1st,3rd wed'")
        out.extend([f"{k}{day}" for k in numbers] if numbers else [day])
        pending = []
    if pending:
        raise ValueError(f"'{phrase}' names which of the month's days but not the day: expected like '1st mon'")
    return tuple(out)


def _month_days(phrase: str) -> tuple[int, ...]:
    """'15th' -> (15,); '1st,15th' -> (1, 15); 'last day' -> (-1,)."""
    out = []
    for item in phrase.split(","):
        item = item.strip().removeprefix("the ").removesuffix(" day").strip()
        if item == "last":
            out.append(-1)
            continue
        if item.endswith(" last") and _ORDINAL.match(item[:-5]):
            out.append(-int(_ORDINAL.match(item[:-5])[1]))  # type: ignore[index]
            continue
        m = _ORDINAL.match(item)
        if not m or not 1 <= int(m[1]) <= 31:
            raise ValueError(f"'{item}' is not a day of the month: expected 1st to 31st, or last")
        out.append(int(m[1]))
    return tuple(out)


def _interval(words: list[str]) -> tuple[str | None, int | None, list[str]]:
    """Strip 'every N weeks' / 'every other week' / 'fortnightly' / 'every N months' off the front."""
    if words[:1] == ["fortnightly"]:
        return "WEEKLY", 2, words[1:]
    if words[:1] != ["every"]:
        return None, None, words
    if len(words) >= 3 and words[2] in ("week", "weeks", "month", "months"):
        n = 2 if words[1] == "other" else int(words[1]) if words[1].isdigit() else None
        if n is None:
            raise ValueError(f"'every {words[1]} {words[2]}': expected a number, like 'every 2 weeks'")
        return ("WEEKLY" if words[2].startswith("week") else "MONTHLY"), n, words[3:]
    if len(words) >= 2 and words[1] == "other":
        return "WEEKLY", 2, words[2:]
    return None, None, words[1:]  # 'every mon' is every week


def _before(text: str) -> dict:
    """The part before the times: interval, which days or dates, and the first session."""
    words = _words(text).split()
    if not words:
        raise ValueError("the day is missing: expected a day before the times, like 'mon 10:00-12:00'")
    freq, interval, words = _interval(words)
    dtstart = None
    for keyword in ("from", "starting"):
        if keyword in words:
            at = words.index(keyword)
            if at + 2 != len(words):
                raise ValueError(f"after '{keyword}', expected one date and then the times")
            dtstart, words = _date(words[-1], f"after '{keyword}'"), words[:at]
    if words[:1] == ["on"] or (len(words) == 1 and (_ISO.match(words[0]) or _UK.match(words[0]))):
        if freq or dtstart or len(words) > 2:
            raise ValueError("a one-off session has one date, like 'on 2026-03-14 10:00-12:00'")
        return {"freq": None, "dtstart": _date(words[-1], "for a one-off session")}
    phrase = " ".join(words)
    for ending in _MONTH_WORDS:
        if phrase.endswith(ending):
            return {
                "freq": "MONTHLY",
                "interval": _check_unit(freq, interval, "MONTHLY", phrase),
                "bymonthday": _month_days(phrase[: -len(ending)].strip()),
                "dtstart": dtstart,
            }
    if not phrase:
        raise ValueError("the day is missing: expected a day before the times, like 'mon 10:00-12:00'")
    byday = _days(phrase)
    monthly = any(split_byday(b)[0] is not None for b in byday)
    kind = "MONTHLY" if monthly else "WEEKLY"
    return {"freq": kind, "interval": _check_unit(freq, interval, kind, phrase), "byday": byday, "dtstart": dtstart}


def _check_unit(freq: str | None, interval: int | None, kind: str, phrase: str) -> int | None:
    if freq is not None and freq != kind:
        unit = "months" if kind == "MONTHLY" else "weeks"
        raise ValueError(f"'{phrase}' happens in {unit}, so write 'every N {unit}'")
    return interval


def _after(text: str) -> dict:
    """The part after the times: the period it runs in, term time, bank holidays."""
    out: dict = {}
    rest = " ".join(text.lower().replace(",", " ").split())
    while rest:
        for phrase in _TERM_TIME:
            if rest.startswith(phrase):
                out["term_time"], rest = True, rest[len(phrase) :].strip()
                break
        else:
            for phrase in _BANK:
                if rest.startswith(phrase):
                    out["skip_bank_holidays"], rest = True, rest[len(phrase) :].strip()
                    break
            else:
                word, _, rest = rest.partition(" ")
                key = {"from": "valid_from", "until": "valid_to", "to": "valid_to"}.get(word)
                if key is None:
                    raise ValueError(
                        f"'{word}' after the times is not understood: expected 'from YYYY-MM-DD', "
                        "'until YYYY-MM-DD', 'term time only' or 'not on bank holidays'"
                    )
                date_text, _, rest = rest.partition(" ")
                out[key] = _date(date_text, f"after '{word}'")
    return out


class ScheduleError(ValueError):
    """A session that cannot be read: the message names the text, ``detail`` only what is wrong with it."""

    def __init__(self, text: str, detail: str):
        self.detail = detail
        super().__init__(f"'{text}' could not be read: {detail}. Write a session like {EXAMPLES}")


def parse_session(text: str) -> Session:
    """A session from its text form; ValueError saying what is wrong and what was expected."""
    item = parse_item(text)
    if isinstance(item, Closure):
        raise ValueError(f"'{text}' is a closure, not a session")
    return item


def parse_item(text: str) -> Session | Closure:
    """A session, or a listing's closure ('closed from 2026-03-01 to 2026-03-15')."""
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError("", "it is empty")
    try:
        return _parse(text.strip())
    except ValueError as exc:
        raise ScheduleError(text.strip(), str(exc)) from None


def _parse(text: str) -> Session | Closure:
    words = _words(text).split()
    if words[:1] == ["closed"]:
        body = [w for w in words[1:] if w not in ("from", "temporarily")]
        if len(body) != 3 or body[1] not in ("to", "until"):
            raise ValueError("a closure is written 'closed from YYYY-MM-DD to YYYY-MM-DD'")
        return Closure(_date(body[0], "for the closure"), _date(body[2], "for the closure"))
    text, description, notes = _split_notes(text)
    found = list(_TIMES.finditer(text))
    if not found:
        raise ValueError("no times: expected when it starts and ends, like 10:00-12:00, after the day")
    if len(found) > 1:
        raise ValueError("two sets of times: write each session as an item of its own, separated by ';'")
    m = found[0]
    try:
        opens, closes = dt.time(int(m[1]), int(m[2])), dt.time(int(m[3]), int(m[4]))
    except ValueError:
        raise ValueError(f"'{m[0]}' has a time that does not exist (times are 00:00 to 23:59)") from None
    fields = {**_before(text[: m.start()]), **_after(text[m.end() :])}
    return Session(opens_at=opens, closes_at=closes, description=description, notes=notes, **fields)


# --------------------------------------------------------------------------- writing


def _render_days(s: Session) -> str:
    if s.kind == "once":
        assert s.dtstart is not None
        return f"on {s.dtstart.isoformat()}"
    if s.kind == "monthly_date":
        if s.bymonthday == (-1,):
            return "last day of the month"
        return ",".join(ordinal(d) for d in s.bymonthday) + " of the month"
    groups: list[tuple[list[int | None], str]] = []
    for item in s.byday:
        n, day = split_byday(item)
        if groups and groups[-1][1] == day and n is not None:
            groups[-1][0].append(n)
        else:
            groups.append(([n], day))
    return ",".join(
        (",".join(ordinal(n) for n in ns if n is not None) + " " if ns[0] is not None else "") + DAYS[day].short
        for ns, day in groups
    )


def _safe(text: str) -> str:
    """A note as the text form can carry it: no ';' (it separates sessions), brackets balanced."""
    text = text.replace(";", ",")
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            break
    return text if depth == 0 else text.replace("(", "[").replace(")", "]")


def render_session(s: Session) -> str:
    """The one canonical text form, e.g. 'every 2 weeks thu from 2026-01-08 14:00-15:30 term time only'."""
    parts = []
    if s.every > 1:
        parts.append(f"every {s.every} {'weeks' if s.freq == 'WEEKLY' else 'months'}")
    parts.append(_render_days(s))
    if s.freq is not None and s.dtstart is not None:
        parts.append(f"from {s.dtstart.isoformat()}")
    parts.append(f"{s.opens_at:%H:%M}-{s.closes_at:%H:%M}")
    if s.valid_from:
        parts.append(f"from {s.valid_from.isoformat()}")
    if s.valid_to:
        parts.append(f"until {s.valid_to.isoformat()}")
    if s.term_time:
        parts.append("term time only")
    if s.skip_bank_holidays:
        parts.append("not on bank holidays")
    if s.description:
        parts.append(f"({_safe(s.description)})")
    if s.notes:
        parts.append(f"(notes: {_safe(s.notes)})")
    return " ".join(parts)


def render_closure(c: Closure) -> str:
    return f"closed from {c.starts.isoformat()} to {c.ends.isoformat()}"


def render_item(item: Session | Closure) -> str:
    return render_closure(item) if isinstance(item, Closure) else render_session(item)
