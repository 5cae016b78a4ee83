"""The three-way merge of a stale save (upkeep/display.three_way), the field merge under it (fields.merge),
and the names history and conflict pages show (display.Names): no database, the look-ups given."""

from __future__ import annotations

import pytest

from assetmap.upkeep.display import Names, three_way
from assetmap.upkeep.fields import merge

NAMES = Names({"E05011151": "Ladywood"}, terms={"category": {"learning": "Learning", "social-groups": "Social groups"}})
BASE = {
    "name": "Knit and Natter",
    "description": "A friendly group.",
    "categories": ["social-groups", "learning"],
    "modes": ["in_person"],
    "schedule": ["mo 10:00-12:00"],
    "lat": 52.4754251,
    "postcode": "B1 1BA",
    "phone": "0121 496 0000",
    "last_verified": "2026-01-01",
}


def case(theirs=None, yours=None):
    """(base, current, yours): what they opened, what is saved now, what they sent."""
    return BASE, {**BASE, **(theirs or {})}, {**BASE, **(yours or {})}


@pytest.mark.parametrize(
    "theirs,yours,merged,rows",
    [
        # nobody else saved anything: yours stands, nothing to show
        ({}, {"name": "Knit Club"}, {"name": "Knit Club"}, []),
        # only they changed a field: it takes their value
        (
            {"phone": "0121 496 0001"},
            {},
            {"phone": "0121 496 0001"},
            [("Phone", "0121 496 0000", "0121 496 0001", None, False)],
        ),
        # only you changed it: yours stands, and is not shown
        (
            {"phone": "0121 496 0001"},
            {"name": "Knit Club"},
            {"name": "Knit Club", "phone": "0121 496 0001"},
            [("Phone", "0121 496 0000", "0121 496 0001", None, False)],
        ),
        # both changed it differently: yours stands, flagged
        (
            {"name": "Natter"},
            {"name": "Knit Club"},
            {"name": "Knit Club"},
            [("Name", "Knit and Natter", "Natter", "Knit Club", True)],
        ),
        # both made the same change: no conflict to flag
        (
            {"name": "Knit Club"},
            {"name": "Knit Club"},
            {"name": "Knit Club"},
            [("Name", "Knit and Natter", "Knit Club", "Knit Club", False)],
        ),
        # codes are shown by name
        (
            {"categories": ["learning"]},
            {},
            {"categories": ["learning"]},
            [("Categories", "Social groups; Learning", "Learning", None, False)],
        ),
        # the same thing written another way is no change: list order, day spelling, the 6th decimal place
        ({"categories": ["learning", "social-groups"], "schedule": ["mon 10:00-12:00"], "lat": 52.4754259}, {}, {}, []),
        # checking it is its own action, never merged
        ({"last_verified": "2026-02-02"}, {}, {}, []),
    ],
)
def test_a_stale_save_keeps_yours_and_takes_only_what_others_changed(theirs, yours, merged, rows):
    base, current, mine = case(theirs, yours)
    got, shown = three_way(base, current, mine, NAMES)
    assert {k: v for k, v in got.items() if got[k] != BASE.get(k)} == merged
    assert [(r["label"], r["before"], r["theirs"], r["yours"], r["both"]) for r in shown] == rows


def test_a_field_you_did_not_send_is_left_to_the_store():
    base, current, mine = case({"phone": "0121 496 0001"})
    del mine["phone"]
    got, shown = three_way(base, current, mine, NAMES)
    assert "phone" not in got and shown == []


def test_an_empty_side_reads_empty():
    base, current, mine = case({"phone": ""}, {})
    _, shown = three_way(base, current, mine, NAMES)
    assert shown[0]["theirs"] == "(empty)"


@pytest.mark.parametrize(
    "field,value,name",
    [
        ("modes", ["in_person", "phone"], "In person; By phone"),
        ("visibility", "practitioners", "Practitioners only"),
        ("verification_method", "self-reported", "Self-reported by the group"),
        ("accessibility", ["wheelchair", "large-print"], "Wheelchair accessible; Large print"),
        ("service_area_wards", ["E05011151", "E05999999"], "Ladywood; E05999999"),
        ("categories", ["learning", "retired-term"], "Learning; retired-term"),
        ("schedule", ["mo 10:00-12:00", "tue 14:00-15:30"], "Monday 10:00 to 12:00; Tuesday 14:00 to 15:30"),
        ("schedule", ["xx 10:00-12:00"], "xx 10:00-12:00"),
        (
            "schedule",
            ["1st mon,last fri 10:00-12:00 not on bank holidays", "closed from 2026-03-01 to 2026-03-15"],
            "First Monday and last Friday of the month 10:00 to 12:00; not on bank holidays; "
            "Temporarily closed from 1 March 2026 to 15 March 2026",
        ),
        ("cost_amount", "0", "Free"),
        ("cost_amount", "4.00", "£4"),
        ("cost_amount", "3.5", "£3.50"),
        ("cost_amount", "a lot", "a lot"),
        ("archived", "yes", "Yes"),
        ("name", None, ""),
        ("name", [], ""),
    ],
)
def test_values_are_shown_by_name(field, value, name):
    assert NAMES.value(field, value) == name


@pytest.mark.parametrize(
    "fields,point",
    [
        ({"name": "Knit Club"}, (52.47, -1.9)),  # untouched place keeps its point
        ({"postcode": "B1 1BA"}, (52.47, -1.9)),  # the same postcode keeps it too
        ({"postcode": "B15 2TT"}, (None, None)),  # a new postcode re-places the asset
        ({"postcode": "B15 2TT", "lat": 52.45, "lon": -1.93}, (52.45, -1.93)),  # unless a new point came with it
    ],
)
def test_merging_fields_over_the_stored_asset(fields, point):
    current = {
        "name": "Knit and Natter",
        "postcode": "B1 1BA",
        "lat": 52.47,
        "lon": -1.9,
        "schedule": ["mo 10:00-12:00"],
    }
    raw = merge(current, fields, source_id="feed-7")
    assert (raw["lat"], raw["lon"]) == point
    # snapshots written before migration 0010 say 'mo': the grammar reads them as they are
    assert raw["source_id"] == "feed-7" and raw["schedule"] == ["mo 10:00-12:00"]
    assert raw["name"] == fields.get("name", "Knit and Natter")
