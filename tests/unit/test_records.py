"""parse_record, the one validator of an asset (forms, the JSON API, imports, demo data), case by case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assetmap.directory.records import RecordInvalid, parse_record, split_list
from assetmap.schedules import parse_session, render_session

VOCAB = {
    "category": {"social-groups", "learning", "physical-activity"},
    "audience": {"all-adults", "older-people"},
    "capability": {"enjoyment", "independence"},
    "asset_type": {"association", "physical-space"},
}
WARDS = {"E05011151", "E05011152"}
PLACE = {"lat": 52.475425, "lon": -1.900211}
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def parse(**fields):
    raw = {"name": "Knit and Natter", "categories": "social-groups", **PLACE, **fields}
    return parse_record({k: v for k, v in raw.items() if v is not ...}, VOCAB, WARDS, resolve_postcode=False)


@pytest.mark.parametrize(
    "fields,attribute,value",
    [
        ({}, "modes", ["in_person"]),
        ({}, "visibility", "public"),
        ({}, "illustrative", False),
        ({"name": "  Knit and\tNatter  "}, "name", "Knit and Natter"),
        ({"categories": "social-groups; learning ;social-groups"}, "categories", ["social-groups", "learning"]),
        ({"categories": ["learning", " social-groups "]}, "categories", ["learning", "social-groups"]),
        ({"audiences": "older-people", "capabilities": "enjoyment"}, "audiences", ["older-people"]),
        ({"asset_type": "association"}, "asset_type", "association"),
        ({"postcode": "b11ay"}, "postcode", "B1 1AY"),
        ({"lat": "52.5", "lon": "-1.9"}, "lat", 52.5),
        ({"cost_amount": "£3.5"}, "cost_amount", Decimal("3.50")),
        ({"cost_amount": 0}, "cost_amount", Decimal("0.00")),
        ({"cost_amount": ""}, "cost_amount", None),
        ({"accessibility": "bsl;wheelchair"}, "accessibility", ["bsl", "wheelchair"]),
        ({"email": " hello@example.org "}, "email", "hello@example.org"),
        ({"phone": "0121 496 0000"}, "phone", "0121 496 0000"),
        ({"url": "https://example.org/"}, "url", "https://example.org/"),
        ({"visibility": "confidential"}, "visibility", "confidential"),
        ({"last_verified": "2026-01-31"}, "verification_method", "self-reported"),
        ({"last_verified": "2026-01-31", "verification_method": "phoned"}, "verification_method", "phoned"),
        ({"illustrative": "Yes"}, "illustrative", True),
        ({"illustrative": True}, "illustrative", True),
        ({"description": "Line one\nLine two"}, "description", "Line one\nLine two"),
        (
            {"modes": "online", "lat": ..., "lon": ..., "service_area_wards": "E05011151"},
            "service_area_wards",
            ["E05011151"],
        ),
        (
            {"modes": ["phone", "online"], "lat": ..., "lon": ..., "service_area_wards": ["E05011152"]},
            "modes",
            ["phone", "online"],
        ),
    ],
)
def test_a_valid_field_is_cleaned(fields, attribute, value):
    assert getattr(parse(**fields), attribute) == value


def test_sessions_are_read_in_any_day_spelling_and_labelled():
    rec = parse(schedule="Mon 10:00-12:00; thursday 14:00 - 15:30;tu 9:00-10:00")
    assert [(s.byday, render_session(s), s.label()) for s in rec.schedule] == [
        (("MO",), "mon 10:00-12:00", "Monday 10:00 to 12:00"),
        (("TH",), "thu 14:00-15:30", "Thursday 14:00 to 15:30"),
        (("TU",), "tue 09:00-10:00", "Tuesday 09:00 to 10:00"),
    ]


SESSION_EXAMPLES = (
    "Write a session like 'mon 10:00-12:00', '1st mon 10:00-12:00' or 'every 2 weeks thu from 2026-01-08 14:00-15:30'"
)
PLACE_MISSING = (
    "Enter the postcode or the map position of the place, or choose online or phone if there is no fixed place"
)


@pytest.mark.parametrize(
    "fields,errors",
    [
        ({"name": ""}, [("name", "Enter the name of the asset")]),
        (
            {"name": "x" * 201},
            [("name", "Name must be 200 characters or fewer"), ("name", "Enter the name of the asset")],
        ),
        ({"categories": ""}, [("categories", "Select at least one category")]),
        ({"categories": "learning;nope"}, [("categories", "Unknown category: nope")]),
        ({"categories": 5}, [("categories", "Categories must be a list of codes")]),
        ({"audiences": ["all-adults", 3]}, [("audiences", "Audiences must be a list of codes")]),
        ({"asset_type": "castle"}, [("asset_type", "Unknown asset type: castle")]),
        ({"modes": "in_person;post"}, [("modes", "Unknown way of taking part: post. Use in_person, online or phone")]),
        ({"lat": ..., "lon": ...}, [("postcode", PLACE_MISSING)]),
        ({"lon": ...}, [("lon", "Give both latitude and longitude, or neither")]),
        ({"postcode": "B1"}, [("postcode", "Enter a real postcode, like B1 1AY")]),
        (
            {"modes": "online", "lat": ..., "lon": ...},
            [("service_area_wards", "Choose at least one ward this service covers")],
        ),
        (
            {"service_area_wards": "E05011151;E05999999;W05000001"},
            [("service_area_wards", "Unknown ward code: E05999999, W05000001")],
        ),
        (
            {"schedule": "mon 12:00-10:00"},
            [
                (
                    "schedule",
                    "Schedule: 'mon 12:00-10:00' could not be read: it ends before it starts "
                    f"(a session starts and ends on the same day). {SESSION_EXAMPLES}",
                )
            ],
        ),
        (
            {"schedule": "funday 10:00-11:00"},
            [
                (
                    "schedule",
                    "Schedule: 'funday 10:00-11:00' could not be read: 'funday' is not a day: "
                    f"expected mon, tue, wed, thu, fri, sat or sun. {SESSION_EXAMPLES}",
                )
            ],
        ),
        (
            {"schedule": "mon 24:00-25:00"},
            [
                (
                    "schedule",
                    "Schedule: 'mon 24:00-25:00' could not be read: '24:00-25:00' has a time that does not "
                    f"exist (times are 00:00 to 23:59). {SESSION_EXAMPLES}",
                )
            ],
        ),
        (
            {
                "schedule": ";".join(f"mon {h:02d}:00-{h:02d}:30" for h in range(24))
                + ";"
                + ";".join(f"tue {h:02d}:00-{h:02d}:30" for h in range(24))
                + ";wed 10:00-11:00;wed 12:00-13:00;wed 14:00-15:00"
            },
            [("schedule", "A schedule can have at most 50 sessions")],
        ),
        ({"cost_amount": "-1"}, [("cost_amount", "Cost must be an amount in pounds, like 3.50, or 0 if free")]),
        ({"cost_amount": "lots"}, [("cost_amount", "Cost must be an amount in pounds, like 3.50, or 0 if free")]),
        ({"cost_amount": True}, [("cost_amount", "Cost must be an amount in pounds, like 3.50, or 0 if free")]),
        ({"cost_amount": "NaN"}, [("cost_amount", "Cost must be an amount in pounds, like 3.50, or 0 if free")]),
        ({"accessibility": "lift;bsl"}, [("accessibility", "Unknown accessibility feature: lift")]),
        ({"email": "not an email"}, [("email", "Enter an email address in the correct format, like name@example.org")]),
        ({"phone": "call us"}, [("phone", "Enter a phone number, like 0121 496 0000")]),
        ({"url": "example.org"}, [("url", "Enter a web address starting with https:// or http://")]),
        ({"visibility": "secret"}, [("visibility", "Visibility must be public, practitioners or confidential")]),
        ({"last_verified": TOMORROW}, [("last_verified", "The date it was last checked must be today or in the past")]),
        ({"last_verified": "31/01/2026"}, [("last_verified", "Enter the date it was last checked as YYYY-MM-DD")]),
        (
            {"verification_method": "guessed"},
            [
                (
                    "verification_method",
                    "How it was checked must be visited, phoned, emailed, self-reported or organiser",
                )
            ],
        ),
        ({"illustrative": "maybe"}, [("illustrative", "Illustrative must be yes or no")]),
    ],
)
def test_each_problem_is_reported_against_its_field(fields, errors):
    with pytest.raises(RecordInvalid) as caught:
        parse(**fields)
    assert caught.value.errors == errors


def test_every_problem_is_reported_at_once_and_the_first_leads():
    with pytest.raises(RecordInvalid) as caught:
        parse(name="", categories="nope", visibility="secret", phone="x")
    assert [f for f, _ in caught.value.errors] == ["name", "categories", "phone", "visibility"]
    assert caught.value.field == "name" and caught.value.message == "Enter the name of the asset"


def test_something_other_than_an_object_is_refused():
    with pytest.raises(RecordInvalid) as caught:
        parse_record(["name"], VOCAB)
    assert caught.value.errors == [("", "Send the asset as a JSON object")]


@pytest.mark.parametrize(
    "raw,items",
    [(None, []), ("a; b;;a", ["a", "b"]), (["b", " a", ""], ["b", "a"]), ((), [])],
)
def test_lists_come_as_text_or_lists_without_blanks_or_repeats(raw, items):
    assert split_list(raw) == items


@pytest.mark.parametrize("raw", [5, {"a": 1}, ["a", 2]])
def test_a_list_of_something_else_is_a_type_error(raw):
    with pytest.raises(TypeError):
        split_list(raw)


@pytest.mark.parametrize(
    "text,opens,closes",
    [("sun 7:30-9:05", dt.time(7, 30), dt.time(9, 5)), ("  SA 23:00 - 23:59 ", dt.time(23), dt.time(23, 59))],
)
def test_a_session_is_a_day_and_two_times(text, opens, closes):
    s = parse_session(text)
    assert (s.opens_at, s.closes_at) == (opens, closes)
