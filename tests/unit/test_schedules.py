"""assetmap.schedules: the grammar of the template's text form, ORUK objects, and the days sessions really happen on.

Dates are checked against a calendar, not against the code: 2026's bank holidays in England and Wales are 1 Jan,
3 and 6 Apr, 4 and 25 May, 31 Aug, 25 and 28 Dec (Boxing Day falls on a Saturday; the ``holidays`` library
lists the 26th too, so a Saturday group "not on bank holidays" does not meet on it), and 1 January 2027 is a Friday; the clocks go forward on
29 March 2026 and back on 25 October 2026.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.schedules import Closure, Session, Terms, next_session, occurrences, parse_item, render_session
from assetmap.schedules.calendar import _rule_days, is_bank_holiday
from assetmap.schedules.grammar import ScheduleError, render_closure
from assetmap.schedules.oruk import from_oruk, to_oruk
from assetmap.schedules.rules import split_byday

LONDON = ZoneInfo("Europe/London")
D = dt.date


def days(text: str, start: D, end: D, **kw) -> list[D]:
    return [o.day for o in occurrences(parse_item(text), start, end, **kw)]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the grammar


@pytest.mark.parametrize(
    "text,fields",
    [
        ("mon 10:00-12:00", {"freq": "WEEKLY", "byday": ("MO",), "interval": None}),
        ("Monday and Wednesday 9.30 - 11.00", {"byday": ("MO", "WE"), "opens_at": dt.time(9, 30)}),
        ("mo,we,fr 10:00-12:00", {"byday": ("MO", "WE", "FR")}),
        ("1st mon 10:00-12:00", {"freq": "MONTHLY", "byday": ("1MO",)}),
        ("last fri 18:00-20:00", {"freq": "MONTHLY", "byday": ("-1FR",)}),
        ("2nd last fri 18:00-20:00", {"freq": "MONTHLY", "byday": ("-2FR",)}),
        ("1st,3rd wed 10:00-12:00", {"freq": "MONTHLY", "byday": ("1WE", "3WE")}),
        ("1st mon,last fri 10:00-12:00", {"byday": ("1MO", "-1FR")}),
        ("15th of the month 10:00-11:00", {"freq": "MONTHLY", "bymonthday": (15,), "byday": ()}),
        ("last day of the month 10:00-11:00", {"bymonthday": (-1,)}),
        (
            "every 2 weeks thu from 2026-01-08 14:00-15:30",
            {"freq": "WEEKLY", "interval": 2, "byday": ("TH",), "dtstart": D(2026, 1, 8)},
        ),
        ("fortnightly thu from 08/01/2026 14:00-15:30", {"interval": 2, "dtstart": D(2026, 1, 8)}),
        (
            "every 3 months 1st mon from 2026-01-05 10:00-12:00",
            {"freq": "MONTHLY", "interval": 3, "byday": ("1MO",), "dtstart": D(2026, 1, 5)},
        ),
        ("on 2026-03-14 10:00-16:00", {"freq": None, "dtstart": D(2026, 3, 14), "byday": ()}),
        (
            "sat 10:00-12:00 from 2026-04-01 until 2026-09-30",
            {"valid_from": D(2026, 4, 1), "valid_to": D(2026, 9, 30), "dtstart": None},
        ),
        ("tue 13:00-15:00 term time only", {"term_time": True, "skip_bank_holidays": False}),
        ("mon 10:00-12:00 not on bank holidays", {"skip_bank_holidays": True}),
        ("mon 10:00-12:00 (In the small hall)", {"description": "In the small hall"}),
    ],
)
def test_the_text_form_reads_each_kind_of_session(text, fields):
    s = parse_item(text)
    assert isinstance(s, Session)
    assert {k: getattr(s, k) for k in fields} == fields


@pytest.mark.parametrize(
    "text",
    [
        "mon 10:00-12:00",
        "mon,wed,fri 09:30-11:00",
        "1st mon 10:00-12:00",
        "last fri 18:00-20:00",
        "1st mon,last fri 10:00-12:00 not on bank holidays",
        "1st,3rd wed 10:00-12:00 term time only",
        "15th of the month 10:00-11:00",
        "every 2 weeks thu from 2026-01-08 14:00-15:30",
        "every 3 months 1st mon from 2026-01-05 10:00-12:00",
        "on 2026-03-14 10:00-16:00 (Fun day)",
        "sat 10:00-12:00 from 2026-04-01 until 2026-09-30",
        "tue 13:00-15:00 term time only not on bank holidays (Bring a packed lunch)",
    ],
)
def test_what_is_written_reads_back_the_same(text):
    s = parse_item(text)
    assert render_session(s) == text  # type: ignore[arg-type]
    assert parse_item(render_session(s)) == s  # type: ignore[arg-type]


def test_a_closure_is_an_item_of_its_own():
    c = parse_item("closed from 2026-03-01 to 2026-03-15")
    assert c == Closure(D(2026, 3, 1), D(2026, 3, 15))
    assert render_closure(c) == "closed from 2026-03-01 to 2026-03-15"  # type: ignore[arg-type]
    assert c.label() == "Temporarily closed from 1 March 2026 to 15 March 2026"


@pytest.mark.parametrize(
    "text,detail",
    [
        ("", "it is empty"),
        ("funday 10:00-11:00", "'funday' is not a day: expected mon, tue, wed, thu, fri, sat or sun"),
        ("mon", "no times: expected when it starts and ends, like 10:00-12:00, after the day"),
        ("mon 12:00-10:00", "it ends before it starts (a session starts and ends on the same day)"),
        ("mon 24:00-25:00", "'24:00-25:00' has a time that does not exist (times are 00:00 to 23:59)"),
        ("every 2 weeks thu 14:00-15:00", "every 2 weeks needs the date of one session, to know which weeks"),
        (
            "every 2 weeks thu from 2026-01-09 14:00-15:00",
            "its first session, 2026-01-09, is a Friday, not one of its days",
        ),
        ("on 2026-02-30 10:00-11:00", None),
        ("closed from 2026-03-15 to 2026-03-01", None),
    ],
)
def test_what_cannot_be_read_says_what_was_expected(text, detail):
    with pytest.raises(ScheduleError) as exc:
        parse_item(text)
    if detail:
        assert exc.value.detail == detail
    assert "Write a session like 'mon 10:00-12:00'" in str(exc.value)


@pytest.mark.parametrize(
    "text,label",
    [
        ("mon,wed 10:00-12:00", "Monday and Wednesday 10:00 to 12:00"),
        ("1st mon 10:00-12:00", "First Monday of the month 10:00 to 12:00"),
        ("last fri 18:00-20:00 not on bank holidays", "Last Friday of the month 18:00 to 20:00; not on bank holidays"),
        ("1st,3rd wed 10:00-12:00", "First and third Wednesday of the month 10:00 to 12:00"),
        (
            "every 2 weeks thu from 2026-01-08 14:00-15:30 term time only",
            "Every other Thursday 14:00 to 15:30; starting 8 January 2026; term time only",
        ),
        ("on 2026-03-14 10:00-16:00", "Once, on Saturday 14 March 2026, 10:00 to 16:00"),
    ],
)
def test_pages_word_each_session_as_a_sentence(text, label):
    assert parse_item(text).label() == label


# --------------------------------------------------------------------------- ORUK objects


@pytest.mark.parametrize(
    "obj",
    [
        {"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "10:00", "closes_at": "12:00"},
        {"freq": "WEEKLY", "interval": 1, "byday": "SU", "opens_at": "09:00", "closes_at": "10:30"},
        {"freq": "MONTHLY", "byday": "1MO,-1FR", "opens_at": "10:00", "closes_at": "12:00"},
        {"freq": "MONTHLY", "bymonthday": "15,-1", "opens_at": "10:00", "closes_at": "12:00"},
        {
            "freq": "WEEKLY",
            "interval": 2,
            "byday": "TH",
            "dtstart": "2026-01-08",
            "opens_at": "14:00",
            "closes_at": "15:30",
            "notes": "Term time only. Not on bank holidays. Bring a cup.",
        },
        {"dtstart": "2026-03-14", "opens_at": "10:00", "closes_at": "16:00", "description": "Fun day"},
        {
            "freq": "WEEKLY",
            "byday": "SA",
            "valid_from": "2026-04-01",
            "valid_to": "2026-09-30",
            "opens_at": "10:00",
            "closes_at": "12:00",
        },
        # a feed's own words that merely start like ours are kept as they are
        {"freq": "WEEKLY", "byday": "MO", "opens_at": "10:00", "closes_at": "11:00", "notes": "Term time only.Really"},
    ],
)
def test_an_oruk_schedule_goes_out_as_it_came_in(obj):
    assert to_oruk(from_oruk(obj)) == obj


def test_oruk_notes_carry_term_time_and_bank_holidays():
    s = from_oruk(
        {"freq": "WEEKLY", "byday": "MO", "opens_at": "10:00", "closes_at": "11:00", "notes": "Term time only."}
    )
    assert (s.term_time, s.skip_bank_holidays, s.notes) == (True, False, None)
    assert to_oruk(parse_item("mon 10:00-11:00 term time only not on bank holidays"))["notes"] == (  # type: ignore[arg-type]
        "Term time only. Not on bank holidays."
    )


@pytest.mark.parametrize(
    "obj,message",
    [
        ({"freq": "YEARLY", "byday": "MO", "opens_at": "10:00", "closes_at": "11:00"}, "'YEARLY' is not a frequency"),
        ({"freq": "WEEKLY", "byday": "MO", "count": 3, "opens_at": "10:00", "closes_at": "11:00"}, "uses count"),
        ({"freq": "WEEKLY", "byday": "7MO", "opens_at": "10:00", "closes_at": "11:00"}, "'7MO' is not a day"),
        ({"freq": "MONTHLY", "byday": "MO", "opens_at": "10:00", "closes_at": "11:00"}, "which of the month's days"),
        ({"freq": "WEEKLY", "byday": "MO", "bymonthday": "2", "opens_at": "10:00", "closes_at": "11:00"}, "weekly"),
        ({"freq": "MONTHLY", "bymonthday": "32", "opens_at": "10:00", "closes_at": "11:00"}, "from 1 to 31"),
        ({"byday": "MO", "opens_at": "ten", "closes_at": "11:00"}, "opens_at must be a time"),
        ({"byday": "MO", "opens_at": "10:00", "closes_at": "11:00", "interval": "x"}, "interval must be a whole"),
        ({"opens_at": "10:00", "closes_at": "11:00"}, "a one-off session needs its date"),
    ],
)
def test_an_oruk_schedule_we_cannot_hold_is_refused_with_why(obj, message):
    with pytest.raises(ValueError, match=message):
        from_oruk(obj)


# --------------------------------------------------------------------------- the days sessions happen on


def test_bank_holidays_are_england_and_wales_including_substitute_days():
    assert [d for d in (D(2026, 1, 1) + dt.timedelta(days=n) for n in range(365)) if is_bank_holiday(d)] == [
        D(2026, 1, 1),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 5, 4),
        D(2026, 5, 25),
        D(2026, 8, 31),
        D(2026, 12, 25),
        D(2026, 12, 26),  # Boxing Day itself, a Saturday, as the library lists it
        D(2026, 12, 28),  # and its substitute Monday
    ]
    assert not is_bank_holiday(D(2026, 3, 17))  # St Patrick's Day: Northern Ireland only
    assert not is_bank_holiday(D(2026, 8, 3))  # Scotland's summer bank holiday


@pytest.mark.parametrize(
    "text,start,end,expected",
    [
        # first Monday: April's and May's are bank holidays, skipped only when the session says so
        (
            "1st mon 10:00-12:00",
            D(2026, 3, 1),
            D(2026, 6, 30),
            [D(2026, 3, 2), D(2026, 4, 6), D(2026, 5, 4), D(2026, 6, 1)],
        ),
        ("1st mon 10:00-12:00 not on bank holidays", D(2026, 3, 1), D(2026, 6, 30), [D(2026, 3, 2), D(2026, 6, 1)]),
        # the last Friday, in months of 28, 30 and 31 days; Good Friday is one in April 2026
        (
            "last fri 10:00-12:00",
            D(2026, 1, 1),
            D(2026, 4, 30),
            [D(2026, 1, 30), D(2026, 2, 27), D(2026, 3, 27), D(2026, 4, 24)],
        ),
        ("2nd last fri 10:00-12:00", D(2026, 1, 1), D(2026, 2, 28), [D(2026, 1, 23), D(2026, 2, 20)]),
        ("1st mon,last fri 10:00-12:00", D(2026, 1, 1), D(2026, 1, 31), [D(2026, 1, 5), D(2026, 1, 30)]),
        # a fifth Thursday happens only in some months
        ("5th thu 10:00-12:00", D(2026, 1, 1), D(2026, 4, 30), [D(2026, 1, 29), D(2026, 4, 30)]),
        # month ends: the 31st only in months that have one; "last day" in every month, 28 February included
        (
            "31st of the month 10:00-11:00",
            D(2026, 1, 1),
            D(2026, 5, 31),
            [D(2026, 1, 31), D(2026, 3, 31), D(2026, 5, 31)],
        ),
        (
            "last day of the month 10:00-11:00",
            D(2026, 1, 1),
            D(2026, 4, 30),
            [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)],
        ),
        ("last day of the month 10:00-11:00", D(2028, 2, 1), D(2028, 2, 29), [D(2028, 2, 29)]),
        # fortnightly: counted from the anchor, whenever the window starts
        (
            "every 2 weeks thu from 2026-01-08 14:00-15:30",
            D(2026, 1, 1),
            D(2026, 2, 10),
            [D(2026, 1, 8), D(2026, 1, 22), D(2026, 2, 5)],
        ),
        ("every 2 weeks thu from 2026-01-08 14:00-15:30", D(2026, 1, 9), D(2026, 1, 31), [D(2026, 1, 22)]),
        (
            "every 2 weeks thu from 2026-01-08 14:00-15:30",
            D(2026, 11, 1),
            D(2026, 11, 30),
            [D(2026, 11, 12), D(2026, 11, 26)],
        ),
        (
            "every 3 weeks mon,wed from 2026-01-05 10:00-11:00",
            D(2026, 1, 1),
            D(2026, 1, 31),
            [D(2026, 1, 5), D(2026, 1, 7), D(2026, 1, 26), D(2026, 1, 28)],
        ),
        (
            "every 2 months 1st mon from 2026-01-05 10:00-11:00",
            D(2026, 1, 1),
            D(2026, 6, 30),
            [D(2026, 1, 5), D(2026, 3, 2), D(2026, 5, 4)],
        ),
        # a one-off, and a season
        ("on 2026-03-14 10:00-16:00", D(2026, 1, 1), D(2026, 12, 31), [D(2026, 3, 14)]),
        ("on 2026-03-14 10:00-16:00", D(2026, 3, 15), D(2026, 12, 31), []),
        (
            "sat 10:00-12:00 from 2026-09-19 until 2026-10-03",
            D(2026, 9, 1),
            D(2026, 10, 31),
            [D(2026, 9, 19), D(2026, 9, 26), D(2026, 10, 3)],
        ),
        # Christmas week: Boxing Day's substitute Monday
        ("mon,fri 10:00-11:00 not on bank holidays", D(2026, 12, 21), D(2026, 12, 31), [D(2026, 12, 21)]),
    ],
)
def test_a_session_happens_on_the_days_a_calendar_says(text, start, end, expected):
    assert days(text, start, end) == expected


def _days_walked_from_dtstart(s: Session, start: D, end: D) -> list[D]:
    """The reference: the rule as it is written, walked from its own dtstart over the whole window."""
    from dateutil import rrule

    if s.freq is None:
        return [s.dtstart] if s.dtstart is not None and start <= s.dtstart <= end else []
    if s.dtstart is not None:
        anchor = s.dtstart
    elif s.freq == "MONTHLY":
        anchor = start.replace(day=1)
    else:
        anchor = start - dt.timedelta(days=start.weekday())
    kwargs: dict = {"interval": s.every, "dtstart": dt.datetime.combine(anchor, dt.time())}
    if s.byday:
        kwargs["byweekday"] = [
            getattr(rrule, day)(n) if n is not None else getattr(rrule, day) for n, day in map(split_byday, s.byday)
        ]
    if s.bymonthday:
        kwargs["bymonthday"] = list(s.bymonthday)
    rule = rrule.rrule(rrule.WEEKLY if s.freq == "WEEKLY" else rrule.MONTHLY, **kwargs)
    window = (dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()))
    return [when.date() for when in rule.between(*window, inc=True)]


@st.composite
def rules_and_windows(draw):
    freq = draw(st.sampled_from(["WEEKLY", "MONTHLY"]))
    dtstart = draw(st.none() | st.dates(D(2019, 1, 1), D(2028, 12, 31)))
    interval = draw(st.integers(1, 4)) if dtstart is not None else None
    codes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    if freq == "WEEKLY":
        byday = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True))
        if interval and interval > 1 and codes[dtstart.weekday()] not in byday:
            byday.append(codes[dtstart.weekday()])
        monthdays: list[int] = []
    elif draw(st.booleans()):
        byday = draw(
            st.lists(
                st.sampled_from([f"{n}{c}" for n in (1, 2, 3, 4, -1) for c in codes]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        monthdays = []
    else:
        byday, monthdays = (
            [],
            draw(st.lists(st.sampled_from([1, 15, 28, 29, 30, 31, -1]), min_size=1, max_size=2, unique=True)),
        )
    start = draw(st.dates(D(2020, 1, 1), D(2029, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(0, 400)))
    session = Session(
        dt.time(10),
        dt.time(11),
        freq=freq,
        interval=interval,
        byday=tuple(byday),
        bymonthday=tuple(monthdays),
        dtstart=dtstart,
    )
    return session, start, end


@settings(max_examples=400, deadline=None)
@given(rules_and_windows())
def test_the_rule_gives_the_same_days_from_any_start_as_walked_from_its_first_day(case):
    """``_rule_days`` moves a rule's first day on to just before the window and reads one day at a time; the
    days are those of the rule walked from its own first day (every 2 weeks, the 31st, the last Friday)."""
    session, start, end = case
    assert list(_rule_days(session, start, end)) == _days_walked_from_dtstart(session, start, end)


def test_a_closure_and_school_holidays_take_days_away():
    closure = Closure(D(2026, 3, 1), D(2026, 3, 15))
    assert days("mon 10:00-11:00", D(2026, 2, 23), D(2026, 3, 23), closure=closure) == [
        D(2026, 2, 23),
        D(2026, 3, 16),
        D(2026, 3, 23),
    ]
    terms = Terms.of([(D(2026, 1, 5), D(2026, 2, 13)), (D(2026, 2, 23), D(2026, 3, 27))])
    got = list(occurrences(parse_item("mon 10:00-11:00 term time only"), D(2026, 2, 9), D(2026, 3, 30), terms=terms))  # type: ignore[arg-type]
    assert [(o.day, o.uncertain) for o in got] == [
        (D(2026, 2, 9), False),
        (D(2026, 2, 23), False),  # half term (16 February) skipped
        (D(2026, 3, 2), False),
        (D(2026, 3, 9), False),
        (D(2026, 3, 16), False),
        (D(2026, 3, 23), False),
        (D(2026, 3, 30), True),  # after the terms held: shown, but not known to be term time
    ]


@pytest.mark.parametrize(
    "day,hour_utc",
    [
        (D(2026, 3, 28), 10),  # Saturday before the clocks go forward: GMT
        (D(2026, 3, 29), 9),  # the Sunday they go forward: 10:00 BST
        (D(2026, 10, 24), 9),
        (D(2026, 10, 25), 10),  # the Sunday they go back: 10:00 GMT
    ],
)
def test_a_session_keeps_its_wall_clock_time_across_clock_changes(day, hour_utc):
    [o] = list(occurrences(parse_item("sat,sun 10:00-11:00"), day, day))  # type: ignore[arg-type]
    assert o.starts.astimezone(dt.UTC).hour == hour_utc and (o.starts.hour, o.starts.minute) == (10, 0)
    assert o.ends - o.starts == dt.timedelta(hours=1)


def test_a_time_the_clocks_skip_is_read_with_the_offset_before_the_change():
    [o] = list(occurrences(parse_item("sun 01:30-03:00"), D(2026, 3, 29), D(2026, 3, 29)))  # type: ignore[arg-type]
    assert (o.starts.hour, o.starts.minute, o.starts.utcoffset()) == (2, 30, dt.timedelta(hours=1))


MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    "items,now,label",
    [
        (["mon 10:00-12:00"], MONDAY_9AM, "Today, 10:00 to 12:00"),
        (["mon 10:00-12:00"], MONDAY_9AM.replace(hour=11), "Now, until 12:00"),
        (["mon 10:00-12:00", "wed 14:00-15:00"], MONDAY_9AM.replace(hour=13), "Wednesday 25 November, 14:00 to 15:00"),
        (["1st mon 10:00-12:00"], MONDAY_9AM, "Monday 7 December, 10:00 to 12:00"),
        (["last fri 10:00-12:00"], MONDAY_9AM, "Friday 27 November, 10:00 to 12:00"),
        (["every 2 weeks tue from 2026-11-17 10:00-12:00"], MONDAY_9AM, "Tuesday 1 December, 10:00 to 12:00"),
        # Christmas Day and New Year's Day are Fridays: the next is the second Friday of 2027
        (
            ["fri 10:00-12:00 not on bank holidays"],
            dt.datetime(2026, 12, 19, tzinfo=LONDON),
            "Friday 8 January 2027, 10:00 to 12:00",
        ),
        (["fri 10:00-12:00"], dt.datetime(2026, 12, 19, tzinfo=LONDON), "Friday 25 December, 10:00 to 12:00"),
        (["on 2027-03-14 10:00-16:00"], MONDAY_9AM, "Sunday 14 March 2027, 10:00 to 16:00"),
        (["on 2026-03-14 10:00-16:00"], MONDAY_9AM, None),
        # a season that has not started
        (["sat 10:00-12:00 from 2027-04-03 until 2027-09-25"], MONDAY_9AM, "Saturday 3 April 2027, 10:00 to 12:00"),
    ],
)
def test_the_next_session_allows_for_every_rule(items, now, label):
    found = next_session([parse_item(t) for t in items], now)  # type: ignore[misc]
    assert (found["label"] if found else None) == label


def test_the_next_session_skips_a_temporary_closure():
    found = next_session([parse_item("mon 10:00-12:00")], MONDAY_9AM, closure=Closure(D(2026, 11, 23), D(2026, 12, 6)))  # type: ignore[list-item]
    assert found["label"] == "Monday 7 December, 10:00 to 12:00"
    assert (
        next_session([parse_item("mon 10:00-12:00")], MONDAY_9AM, closure=Closure(D(2026, 1, 1), D(2028, 1, 1))) is None
    )  # type: ignore[list-item]
