"""The words pages put on numbers and dates: distances, "checked N months ago", the next session, costs, the
first sentence of a description. Pure functions, checked against a table of cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assetmap.directory.read import (
    LONDON,
    cost_view,
    last_checked,
    months_before,
    months_between,
    one_line,
    pounds,
    stale_cutoff,
)
from assetmap.geo import METRES_PER_MILE
from assetmap.models import CostOption, Service
from assetmap.practitioners.labels import distance_label, miles_label
from assetmap.schedules import Session, next_session
from assetmap.upkeep.freshness import checked_label, is_overdue, is_stale

MILE = METRES_PER_MILE
MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "metres,label",
    [
        (0.25 * MILE, "a quarter of a mile"),
        (0.5 * MILE, "half a mile"),
        (100, "less than 0.1 miles"),
        (MILE, "1 mile"),
        (1.04 * MILE, "1 mile"),
        (1.5 * MILE, "1.5 miles"),
        (2.96 * MILE, "3 miles"),
        (9.94 * MILE, "9.9 miles"),
        (12.4 * MILE, "12 miles"),
    ],
)
def test_miles_are_said_as_people_say_them(metres, label):
    assert miles_label(metres) == label


PLACE = {"place": {"hidden": False}}


@pytest.mark.parametrize(
    "metres,view,ward,label",
    [
        (0.5 * MILE, None, None, "half a mile as the crow flies (about 11 minutes' walk)"),
        (40, None, None, "less than 0.1 miles as the crow flies (about 1 minute's walk)"),
        (
            None,
            {"place": {"hidden": True, "ward_name": "Ladywood"}},
            None,
            "Not shown: a confidential place in Ladywood ward",
        ),
        (None, {"place": {"hidden": True}}, None, "Not shown: a confidential place"),
        (None, {**PLACE, "modes": [{"code": "online", "name": "Online"}]}, None, "No fixed place (online)"),
        (
            None,
            {**PLACE, "modes": [{"code": "phone", "name": "By phone"}], "service_areas": [{"ward_name": "Nechells"}]},
            None,
            "No fixed place (by phone): covers Nechells",
        ),
        (
            None,
            {**PLACE, "service_areas": [{"ward_name": "Nechells"}, {"ward_name": "Ladywood"}, {"ward_name": "Aston"}]},
            "Ladywood",
            "No fixed place: covers Ladywood and 2 other wards",
        ),
        (
            None,
            {**PLACE, "service_areas": [{"ward_name": "Nechells"}, {"ward_name": "Ladywood"}]},
            "Ladywood",
            "No fixed place: covers Ladywood and 1 other ward",
        ),
        (
            None,
            {**PLACE, "service_areas": [{"ward_name": "Nechells"}, {"ward_name": "Aston"}]},
            "Ladywood",
            "No fixed place: covers 2 wards",
        ),
    ],
)
def test_distance_or_why_there_is_none(metres, view, ward, label):
    assert distance_label(metres, view, ward) == label


@pytest.mark.parametrize(
    "verified,label,stale",
    [
        (dt.date(2026, 11, 2), "Checked this month", False),
        (dt.date(2026, 10, 23), "Checked 1 month ago", False),
        (dt.date(2025, 11, 23), "Checked 12 months ago", False),
        (dt.date(2025, 11, 22), "Checked 12 months ago", True),
        (dt.date(2025, 10, 22), "Checked 13 months ago", True),
        (None, "Never checked", True),
    ],
)
def test_last_checked_in_months_with_a_stale_flag_after_a_year(verified, label, stale):
    got = last_checked(verified, TODAY)
    assert (got["label"], got["stale"]) == (label, stale)


@pytest.mark.parametrize(
    "verified,label,stale",
    [
        (TODAY, "checked today", False),
        (TODAY - dt.timedelta(days=1), "checked yesterday", False),
        (TODAY - dt.timedelta(days=20), "checked 20 days ago", False),
        (dt.date(2026, 10, 23), "checked 1 month ago", False),
        (dt.date(2025, 11, 23), "checked 12 months ago", False),
        (dt.date(2025, 10, 23), "checked 13 months ago", True),
        (dt.date(2024, 10, 1), "checked 2 years ago", True),
        (None, "never checked", True),
    ],
)
def test_the_coordinators_freshness_label(verified, label, stale):
    assert (checked_label(verified, TODAY), is_stale(verified, TODAY)) == (label, stale)


@pytest.mark.parametrize(
    "verified,months,overdue",
    [(None, 6, True), (dt.date(2026, 5, 23), 6, True), (dt.date(2026, 5, 24), 6, False), (TODAY, 0, True)],
)
def test_due_for_review_after_the_chosen_number_of_months(verified, months, overdue):
    assert is_overdue(verified, months, TODAY) is overdue


@pytest.mark.parametrize(
    "day,months,before",
    [
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 3, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),
        (dt.date(2026, 11, 21), 0, dt.date(2026, 11, 21)),
        (dt.date(2026, 12, 31), 6, dt.date(2026, 6, 30)),
    ],
)
def test_months_before_clamps_to_the_end_of_a_shorter_month(day, months, before):
    assert months_before(day, months) == before


def test_stale_means_last_checked_more_than_a_year_ago():
    cutoff = stale_cutoff(TODAY)
    assert cutoff == dt.date(2025, 11, 23)
    assert last_checked(cutoff, TODAY)["stale"] is False
    assert last_checked(cutoff - dt.timedelta(days=1), TODAY)["stale"] is True
    assert stale_cutoff(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert months_between(dt.date(2025, 11, 24), TODAY) == 11
    assert months_between(TODAY, dt.date(2025, 1, 1)) == 0


def sessions(*specs):
    out = []
    for day, opens, closes, *valid in specs:
        out.append(
            Session(
                byday=(day,),
                opens_at=dt.time.fromisoformat(opens),
                closes_at=dt.time.fromisoformat(closes),
                valid_to=valid[0] if valid else None,
            )
        )
    return out


@pytest.mark.parametrize(
    "now,expected",
    [
        (MONDAY_9AM, "Today, 10:00 to 12:00"),
        (MONDAY_9AM.replace(hour=11), "Now, until 12:00"),
        (MONDAY_9AM.replace(hour=13), "Wednesday 25 November, 14:00 to 15:00"),
        (MONDAY_9AM - dt.timedelta(hours=12), "Tomorrow, 10:00 to 12:00"),
        (MONDAY_9AM + dt.timedelta(days=2, hours=7), "Monday 30 November, 10:00 to 12:00"),
    ],
)
def test_next_session_is_the_next_or_current_weekly_session(now, expected):
    sched = sessions(("MO", "10:00", "12:00"), ("WE", "14:00", "15:00"))
    assert next_session(sched, now)["label"] == expected


def test_next_session_skips_sessions_that_have_ended_for_good():
    sched = sessions(("MO", "10:00", "12:00", dt.date(2026, 11, 1)), ("FR", "10:00", "11:00"))
    assert next_session(sched, MONDAY_9AM)["label"] == "Friday 27 November, 10:00 to 11:00"
    assert next_session([], MONDAY_9AM) is None


def test_one_line_takes_the_first_sentence_and_cuts_long_ones_at_a_word():
    assert one_line("A friendly group. Tea after.") == "A friendly group."
    assert one_line("  Spaces\n\nfolded!  Then more.") == "Spaces folded!"
    long = "word " * 60
    cut = one_line(long, limit=50)
    assert cut.endswith("…") and len(cut) <= 51 and "  " not in cut
    assert one_line(None) == ""


@pytest.mark.parametrize(
    "amount,label",
    [(Decimal("3.50"), "£3.50"), (Decimal("4.00"), "£4"), (Decimal("0.75"), "£0.75"), (Decimal("120"), "£120")],
)
def test_pounds_drop_pence_only_from_whole_pounds(amount, label):
    assert pounds(amount) == label


@pytest.mark.parametrize(
    "options,free,known,label",
    [
        ([], False, False, "Cost not known"),
        ([CostOption(amount=Decimal("0"))], True, True, "Free"),
        ([CostOption(amount=Decimal("3.50"), option="Per session")], False, True, "£3.50 (per session)"),
        ([CostOption(amount=Decimal("4.00"))], False, True, "£4"),
        (
            [CostOption(amount=Decimal("0"), amount_description="Free, donations welcome")],
            True,
            True,
            "Free, donations welcome",
        ),
        ([CostOption(amount=None)], False, False, "Cost not known"),
        ([CostOption(amount=None, amount_description="Pay as you feel")], False, False, "Pay as you feel"),
    ],
)
def test_the_cost_says_free_an_amount_or_what_the_group_wrote(options, free, known, label):
    got = cost_view(Service(cost_options=options))
    assert (got["free"], got["known"], got["label"]) == (free, known, label)


def test_walking_minutes_follow_the_pace_chosen():
    assert distance_label(0.5 * MILE, pace="slower") == "half a mile as the crow flies (about 15 minutes' walk)"
    assert distance_label(0.5 * MILE, pace="walking-aid") == "half a mile as the crow flies (about 30 minutes' walk)"
