"""Filters with several values (issue 14): in JSON (lists, single values still accepted) and in the form
(GOV.UK checkboxes); each accessibility feature on its own; cost bands; "on this week"; removable tags;
"Change search" near the same place with no postcode anywhere; honest distances and counts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.directory.read import now_london
from tests.factories import BIRMINGHAM_POSTCODE
from tests.test_practitioners import html, results_url
from tests.test_search import make_asset, names, near, offset


def test_days_parts_and_modes_take_lists_and_any_value_will_do(client, db):
    make_asset(name="Monday morning", schedule="mon 09:30-11:00", **offset(100))
    make_asset(name="Tuesday evening", schedule="tue 18:00-20:00", **offset(150))
    make_asset(name="Saturday morning", schedule="sat 10:00-11:00", **offset(200))
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"]
    assert names(near(client, open_day=weekdays)) == ["Monday morning", "Tuesday evening"]
    assert names(near(client, open_part=["morning", "evening"], open_day=["tuesday", "saturday"])) == [
        "Tuesday evening",
        "Saturday morning",
    ]
    assert names(near(client, open_day="saturday")) == ["Saturday morning"]


def test_each_accessibility_feature_is_its_own_filter_and_all_chosen_are_needed(client, db):
    make_asset(name="Step-free only", accessibility="step-free", **offset(100))
    make_asset(name="Step-free with a loop", accessibility="step-free;hearing-loop", **offset(150))
    make_asset(name="Nothing listed", accessibility="", **offset(200))
    assert names(near(client, access="step-free")) == ["Step-free only", "Step-free with a loop"]
    assert names(near(client, access=["step-free", "hearing-loop"])) == ["Step-free with a loop"]
    assert names(near(client, access=["quiet-space"])) == []


@pytest.mark.parametrize(
    ("band", "expected"),
    [("free", ["Free"]), ("up-to-3", ["Free", "£2.50"]), ("up-to-5", ["Free", "£2.50", "£5"])],
)
def test_cost_bands(client, db, band, expected):
    make_asset(name="Free", cost_amount="0", **offset(100))
    make_asset(name="£2.50", cost_amount="2.50", cost_description="£2.50", **offset(150))
    make_asset(name="£5", cost_amount="5", cost_description="£5", **offset(200))
    make_asset(name="£8", cost_amount="8", cost_description="£8", **offset(250))
    assert names(near(client, cost=band)) == expected


def test_on_this_week_leaves_out_sessions_that_have_ended_or_not_started(client, db):
    today = now_london().date()
    make_asset(name="Running", schedule="mon 10:00-11:00", **offset(100))
    ended = make_asset(name="Ended", schedule="mon 10:00-11:00", **offset(150))
    later = make_asset(name="Starts next month", schedule="mon 10:00-11:00", **offset(200))
    from assetmap.db import session

    ended.schedules[0].valid_to = today - dt.timedelta(days=1)
    later.schedules[0].valid_from = today + dt.timedelta(days=30)
    session.commit()
    assert names(near(client, this_week=True)) == ["Running"]


def test_bad_list_values_are_400_naming_the_field(client, db):
    for body, field in (
        ({"open_day": ["monday", "someday"]}, "open_day"),
        ({"access": [1]}, "access"),
        ({"cost": "cheap"}, "cost"),
        ({"sort": "random"}, "sort"),
        ({"this_week": "maybe"}, "this_week"),
    ):
        resp = near(client, **body)
        assert resp.status_code == 400 and resp.get_json()["field"] == field, body


def test_the_form_takes_several_values_as_checkboxes(client, db):
    make_asset(name="Arts", categories="arts-and-music", **offset(100))
    make_asset(name="Walks", categories="physical-activity", **offset(150))
    make_asset(name="Learning", categories="learning", **offset(200))
    loc = results_url(client, postcode=BIRMINGHAM_POSTCODE, category=["arts-and-music", "physical-activity"])
    page = html(client.get(loc))
    assert "Arts" in page and "Walks" in page and ">Learning<" not in page
    assert "Your filters" in page


def test_a_removed_tag_keeps_the_place_and_the_other_filters(client, db):
    make_asset(name="Arts", categories="arts-and-music", schedule="mon 10:00-11:00", **offset(100))
    make_asset(name="Walks", categories="physical-activity", schedule="tue 10:00-11:00", **offset(150))
    loc = results_url(client, postcode=BIRMINGHAM_POSTCODE, category="arts-and-music", open_day="monday")
    page = html(client.get(loc))
    link = [part.split('"')[0] for part in page.split('href="') if "remove=category" in part.split('"')[0]][0]
    assert BIRMINGHAM_POSTCODE.replace(" ", "") not in link.upper()
    again = client.get(link)
    assert again.status_code == 303
    page = html(client.get(again.headers["Location"]))
    assert "Arts" in page and "Walks" not in page  # still Monday only, near the same place
    assert client.get(link.replace("remove=category", "remove=audience")).status_code == 400


def test_change_search_near_the_same_place_needs_no_postcode_and_shows_none(client, db):
    make_asset(name="Choir", categories="arts-and-music", **offset(100))
    loc = results_url(client, postcode=BIRMINGHAM_POSTCODE, q="choir")
    sid = loc.rsplit("/", 1)[1]
    form = html(client.get(f"/search?from={sid}"))
    assert "Near the same place as before (postcode not shown)" in form
    assert "Search somewhere else" in form
    assert BIRMINGHAM_POSTCODE not in form and "52.47" not in form
    resp = client.post("/search", data={"same_place": sid, "q": "choir", "distance": "0.5"})
    assert resp.status_code == 303
    page = html(client.get(resp.headers["Location"]))
    assert "Choir" in page and "half a mile" in page


def test_counts_split_places_from_phone_and_online_services(client, db):
    make_asset(name="Hall", **offset(100))
    make_asset(name="Phone friends", modes="phone", lat="", lon="", service_area_wards="E05011151")
    page = html(client.get(results_url(client, postcode=BIRMINGHAM_POSTCODE, distance="0.25")))
    assert "1 place within a quarter of a mile" in page
    assert "1 phone, online or visiting service for this area" in page


def test_walking_minutes_follow_the_chosen_pace_as_the_crow_flies(client, db):
    make_asset(name="Hall", **offset(750))
    average = html(client.get(results_url(client, postcode=BIRMINGHAM_POSTCODE)))
    slow = html(client.get(results_url(client, postcode=BIRMINGHAM_POSTCODE, pace="walking-aid")))
    assert "as the crow flies" in average
    minutes = lambda page: int(page.split("as the crow flies (about ")[1].split(" ")[0])  # noqa: E731
    assert minutes(slow) > 2 * minutes(average)
