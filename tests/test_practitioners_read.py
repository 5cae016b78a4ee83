"""The directory read model used by the practitioners' pages (and the coordinators' pages)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from assetmap.directory.read import (
    LONDON,
    asset_view,
    asset_views,
    last_checked,
    months_between,
    next_session,
    one_line,
    stale_cutoff,
)
from assetmap.models import Schedule
from assetmap.practitioners.query import required_words, words_of
from tests.factories import make_asset, make_user

MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


def sessions(*specs):
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    out = []
    for day, opens, closes, *valid in specs:
        out.append(
            Schedule(
                byday=day,
                byday_order=days.index(day),
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
    ],
)
def test_next_session_is_the_next_or_current_weekly_session(now, expected):
    sched = sessions(("MO", "10:00", "12:00"), ("WE", "14:00", "15:00"))
    assert next_session(sched, now)["label"] == expected


def test_next_session_skips_sessions_that_have_ended_for_good():
    sched = sessions(("MO", "10:00", "12:00", dt.date(2026, 11, 1)), ("FR", "10:00", "11:00"))
    assert next_session(sched, MONDAY_9AM)["label"] == "Friday 27 November, 10:00 to 11:00"
    assert next_session([], MONDAY_9AM) is None


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
    got = last_checked(verified, dt.date(2026, 11, 23))
    assert (got["label"], got["stale"]) == (label, stale)


def test_stale_means_last_checked_more_than_a_year_ago():
    today = dt.date(2026, 11, 23)
    cutoff = stale_cutoff(today)
    assert cutoff == dt.date(2025, 11, 23)
    assert last_checked(cutoff, today)["stale"] is False
    assert last_checked(cutoff - dt.timedelta(days=1), today)["stale"] is True
    assert stale_cutoff(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert months_between(dt.date(2025, 11, 24), today) == 11


def test_one_line_takes_the_first_sentence_and_cuts_long_ones_at_a_word():
    assert one_line("A friendly group. Tea after.") == "A friendly group."
    long = "word " * 60
    cut = one_line(long, limit=50)
    assert cut.endswith("…") and len(cut) <= 51 and "  " not in cut
    assert one_line(None) == ""


def test_words_drop_stop_words_and_generic_format_words_are_optional():
    assert words_of("The Zumba class, for me!") == ["zumba", "class"]
    assert required_words(["zumba", "class"]) == ["zumba"]
    assert required_words(["club"]) == ["club"]


def test_asset_views_keep_order_and_drop_what_the_reader_may_not_see(db, app_ctx):
    from assetmap.accounts.auth import Anonymous, SessionUser

    a = make_asset(name="A")
    b = make_asset(name="B", visibility="practitioners")
    c = make_asset(name="C")
    assert [v["name"] for v in asset_views([c.id, b.id, a.id, uuid.uuid4()], Anonymous())] == ["C", "A"]
    practitioner = SessionUser(make_user("practitioner"))
    assert [v["name"] for v in asset_views([c.id, b.id, a.id], practitioner)] == ["C", "B", "A"]


def test_asset_view_hides_a_confidential_place_from_those_who_cannot_edit_it(db, app_ctx):
    from assetmap.accounts.auth import SessionUser

    refuge = make_asset(
        name="Refuge",
        visibility="confidential",
        address="1 Hidden Lane",
        postcode="B1 1BA",
        how_to_get_there="Ring the bell",
    )
    practitioner = SessionUser(make_user("practitioner"))
    coordinator = SessionUser(make_user("coordinator", wards=["E05011151"]))
    seen = asset_view(refuge.id, practitioner)["place"]
    assert seen["hidden"] and seen["address"] is None and seen["lat"] is None and seen["how_to_get_there"] is None
    assert seen["ward_name"] == "Ladywood"
    editor = asset_view(refuge.id, coordinator)["place"]
    assert not editor["hidden"] and editor["address"] == "1 Hidden Lane" and editor["lat"] is not None


def test_asset_view_has_names_for_codes(db, app_ctx):
    from assetmap.accounts.auth import SessionUser

    a = make_asset(
        name="Everything",
        categories="learning",
        audiences="older-people",
        capabilities="independence",
        asset_type="public-institution",
        modes="in_person;online",
        accessibility="bsl;wheelchair",
        cost_amount="0",
        cost_description="",
    )
    v = asset_view(a.id, SessionUser(make_user("practitioner")))
    assert v["categories"] == [{"code": "learning", "name": "Learning"}]
    assert v["asset_type"]["name"] == "Public institution"
    assert [m["name"] for m in v["modes"]] == ["In person", "Online"]
    assert [b["name"] for b in v["accessibility"]] == ["Wheelchair accessible", "British Sign Language"]
    assert v["cost"]["free"] and v["cost"]["label"] == "Free"
    assert v["place"]["constituency_name"] == "Birmingham Ladywood"


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    from assetmap.directory.read import months_before

    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)
    assert months_before(dt.date(2026, 11, 21), 0) == dt.date(2026, 11, 21)
