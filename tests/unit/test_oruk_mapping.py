"""The ORUK mapper (directory/imports/oruk.py): another publisher's ORUK 3.0 service -> our asset rows, case by case.

The catalogue of our terms is built in memory the way ``taxonomy.catalogue`` builds it from the database."""

from __future__ import annotations

import pytest

from assetmap.directory.imports.oruk import Skip, TermIndex, accessibility_kinds, map_service, sessions
from assetmap.directory.records import ILLUSTRATIVE_ALERT
from assetmap.taxonomy import TAXONOMY_BASE, Catalogue, TaxonomyView, TermView, mode_taxonomy, stable_id


def _taxonomy(code: str, terms: list[tuple[str, str]]) -> TaxonomyView:
    uri = f"{TAXONOMY_BASE}/{code}"
    return TaxonomyView(
        stable_id(code), code, code, "", uri, "1", [TermView(stable_id(code, c), c, n, "") for c, n in terms]
    )


TAXONOMIES = [
    _taxonomy(
        "category",
        [
            ("social-groups", "Social groups"),
            ("learning", "Learning"),
            ("information-and-advice", "Information and advice"),
        ],
    ),
    _taxonomy("audience", [("older-people", "Older people")]),
    _taxonomy("capability", [("enjoyment", "Enjoyment and pleasure")]),
    _taxonomy("asset_type", [("association", "Association or informal group")]),
    mode_taxonomy(),
]
INDEX = TermIndex(Catalogue(TAXONOMIES, {t.id: (tax, t) for tax in TAXONOMIES for t in tax.terms}))
VOCAB = {tax.code: {t.code for t in tax.terms} for tax in TAXONOMIES}
WARDS = {"E05011151", "E05011152"}
NAMES = {"E05011151": "Ladywood", "E05011152": "Nechells"}
LIBRARY = {"id": "loc-1", "name": "Central Library", "latitude": 52.4797, "longitude": -1.9086}


def service(**fields):
    svc = {
        "id": "svc-1",
        "name": "Knit and Natter",
        "attributes": [{"taxonomy_term_id": str(stable_id("category", "social-groups"))}],
        "service_at_locations": [{"location": dict(LIBRARY)}],
    }
    svc.update(fields)
    return {k: v for k, v in svc.items() if v is not None}


def mapped(svc, **kw):
    return map_service(svc, INDEX, VOCAB, WARDS, ward_names=NAMES, **kw)


@pytest.mark.parametrize(
    "svc,reason",
    [
        (["not", "a", "service"], "it is not a JSON object"),
        (service(id=None), "it has no id, so a re-import could not find it again"),
        (service(name="  "), "it has no name"),
        (service(status="defunct"), "its status is defunct"),
        (service(status="Inactive"), "its status is inactive"),
        (
            service(service_at_locations=[{"location": {"id": "x", "name": "Somewhere"}}]),
            "it has no location we can place (no coordinates or known postcode) and no service area naming a ward we hold",
        ),
        (service(service_at_locations=None, email="not an email", modes=None, url="https://example.org"), None),
    ],
)
def test_a_service_that_cannot_become_an_asset_is_skipped_with_the_reason(svc, reason):
    if reason is None:  # the last row is a control: no place, but a ward named by a service area would rescue it
        with pytest.raises(Skip):
            mapped(svc)
        svc["service_areas"] = [{"name": "Ladywood"}]
        assert mapped(svc).rows[0]["service_area_wards"] == ["E05011151"]
        return
    with pytest.raises(Skip) as caught:
        mapped(svc)
    assert str(caught.value) == reason


def test_a_coordinators_upload_needs_no_id():
    assert mapped(service(id=None), require_id=False, validate=False).rows[0]["source_id"] is None


def test_one_place_becomes_one_in_person_asset():
    out = mapped(service(description="A friendly group.", organization={"name": "Library Friends"}))
    [row] = out.rows
    assert (row["name"], row["source_id"], row["modes"], row["lat"], row["lon"]) == (
        "Knit and Natter",
        "svc-1",
        ["in_person"],
        52.4797,
        -1.9086,
    )
    assert (row["organisation"], row["categories"], row["visibility"], row["illustrative"]) == (
        "Library Friends",
        ["social-groups"],
        "public",
        "no",
    )
    assert out.notes == [] and out.unmapped_terms == [] and not out.defaulted_category


def test_a_service_at_two_places_becomes_two_assets_named_by_place():
    second = {"id": "loc-2", "name": "Bloomsbury Library", "latitude": 52.49, "longitude": -1.88}
    out = mapped(service(service_at_locations=[{"location": dict(LIBRARY)}, {"location": second}]))
    assert [(r["name"], r["source_id"]) for r in out.rows] == [
        ("Knit and Natter (Central Library)", "svc-1"),
        ("Knit and Natter (Bloomsbury Library)", "svc-1@loc-2"),
    ]
    assert out.notes == ["offered at 2 places: one asset for each"]


@pytest.mark.parametrize(
    "attributes,categories,others,unmapped",
    [
        # by id, by our term URI, by code or name with the taxonomy as a hint
        ([{"taxonomy_term_id": str(stable_id("category", "learning"))}], ["learning"], {}, []),
        ([{"taxonomy_term": {"term_uri": f"{TAXONOMY_BASE}/category/learning"}}], ["learning"], {}, []),
        (
            [{"link_type": "audience", "taxonomy_term": {"name": "Older people"}}],
            ["information-and-advice"],
            {"audiences": ["older-people"]},
            [],
        ),
        ([{"taxonomy_term": {"code": "association"}}], ["information-and-advice"], {"asset_type": "association"}, []),
        (
            [{"taxonomy_term": {"term": "online", "taxonomy": "mode"}}],
            ["information-and-advice"],
            {"modes": ["online"]},
            [],
        ),
        # a term we do not know is listed, and with no category we know the default is used
        ([{"taxonomy_term": {"name": "Bingo"}}], ["information-and-advice"], {}, ["Bingo"]),
        ([{}], ["information-and-advice"], {}, ["(unnamed term)"]),
    ],
)
def test_terms_are_found_by_id_uri_code_or_name(attributes, categories, others, unmapped):
    out = mapped(service(attributes=attributes), validate=False)
    row = out.rows[0]
    assert row["categories"] == categories
    assert {k: row[k] for k in others} == others
    assert out.unmapped_terms == unmapped
    assert out.defaulted_category == (categories == ["information-and-advice"])


WEEKLY_MO_WE = {"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "10:00", "closes_at": "12:00"}


@pytest.mark.parametrize(
    "schedules,held,left_out",
    [
        ([{"byday": "MO,WE", "opens_at": "10:00:00", "closes_at": "12:00"}], [WEEKLY_MO_WE], []),
        (
            [{"freq": "weekly", "interval": 1, "byday": "su", "opens_at": "9:00+01:00", "closes_at": "10:30Z"}],
            [{"freq": "WEEKLY", "interval": 1, "byday": "SU", "opens_at": "09:00", "closes_at": "10:30"}],
            [],
        ),
        (
            [{"freq": "MONTHLY", "byday": "1MO,-1FR", "opens_at": "10:00", "closes_at": "12:00"}],
            [{"freq": "MONTHLY", "byday": "1MO,-1FR", "opens_at": "10:00", "closes_at": "12:00"}],
            [],
        ),
        (
            [
                {
                    "freq": "WEEKLY",
                    "interval": 2,
                    "byday": "TH",
                    "dtstart": "2026-01-08",
                    "opens_at": "14:00",
                    "closes_at": "15:30",
                    "notes": "Term time only. Not on bank holidays.",
                }
            ],
            [
                {
                    "freq": "WEEKLY",
                    "interval": 2,
                    "byday": "TH",
                    "dtstart": "2026-01-08",
                    "opens_at": "14:00",
                    "closes_at": "15:30",
                    "notes": "Term time only. Not on bank holidays.",
                }
            ],
            [],
        ),
        (
            [{"freq": "MONTHLY", "byday": "MO", "opens_at": "10:00", "closes_at": "12:00"}],
            [],
            ["a monthly session needs which of the month's days: 1st, 2nd, 3rd, 4th, 5th or last"],
        ),
        (
            [{"byday": "MO", "interval": 2, "opens_at": "10:00", "closes_at": "12:00"}],
            [],
            ["every 2 weeks needs the date of one session, to know which weeks"],
        ),
        (
            [{"byday": "XX", "opens_at": "10:00", "closes_at": "12:00"}],
            [],
            ["'XX' is not a day like MO, or a day of the month like 1MO or -1FR"],
        ),
        (
            [{"byday": "MO", "opens_at": "12:00", "closes_at": "10:00"}],
            [],
            ["it ends before it starts (a session starts and ends on the same day)"],
        ),
        (
            [{"byday": "MO", "opens_at": "25:00", "closes_at": "26:00"}],
            [],
            ["opens_at must be a time like 10:00, not '25:00'"],
        ),
        (
            [{"byday": "MO", "count": 5, "opens_at": "10:00", "closes_at": "11:00"}],
            [],
            ["it uses count, which this directory does not hold"],
        ),
        (
            [{"byday": "TU", "opens_at": "10:00", "closes_at": "11:00"}] * 2,
            [{"freq": "WEEKLY", "byday": "TU", "opens_at": "10:00", "closes_at": "11:00"}],
            [],
        ),
    ],
)
def test_schedules_are_held_as_oruk_gives_them_and_what_cannot_be_held_is_left_out_with_why(schedules, held, left_out):
    assert sessions(schedules) == (held, left_out)


@pytest.mark.parametrize(
    "items,kinds",
    [
        ([{"accessibility": "bsl"}, {"accessibility": "wheelchair"}], ["wheelchair", "bsl"]),
        ([{"description": "Level access throughout and a hearing loop at reception"}], ["step-free", "hearing-loop"]),
        ([{"details": "Changing Places toilet; large print menus"}], ["accessible-toilet", "large-print"]),
        ([{"accessibility": "lift"}], []),
        ([], []),
    ],
)
def test_accessibility_is_read_from_our_codes_or_from_words(items, kinds):
    assert accessibility_kinds(items) == kinds


@pytest.mark.parametrize(
    "fields,modes,note",
    [
        ({"url": "https://example.org"}, ["online"], None),
        ({"phones": [{"number": "0121 496 0000"}]}, ["phone"], None),
        ({"url": "https://example.org", "phones": [{"number": "0121 496 0000"}]}, ["online", "phone"], None),
        (
            {"attributes": [{"taxonomy_term": {"code": "in_person", "taxonomy": "mode"}}]},
            ["online"],
            "no location we can place, so it is listed as not in person",
        ),
    ],
)
def test_a_service_with_no_place_takes_part_online_or_by_phone(fields, modes, note):
    svc = service(
        service_at_locations=None,
        service_areas=[{"uri": "http://statistics.data.gov.uk/id/statistical-geography/E05011152"}],
        **fields,
    )
    out = mapped(svc, validate=False)
    assert (out.rows[0]["modes"], out.rows[0]["service_area_wards"]) == (modes, ["E05011152"])
    assert (note in out.notes) if note else out.notes == []


def test_what_our_validation_refuses_is_left_out_with_a_note():
    out = mapped(service(email="not an email", phones=[{"number": "call us"}], assured_date="2999-01-01T00:00:00Z"))
    row = out.rows[0]
    assert (row["email"], row["phone"], row["last_verified"]) == (None, None, None)
    assert out.notes == [
        "email left out: Enter an email address in the correct format, like name@example.org",
        "phone left out: Enter a phone number, like 0121 496 0000",
        "last verified left out: The date it was last checked must be today or in the past",
    ]


def test_long_descriptions_are_shortened_and_illustrative_listings_stay_marked():
    out = mapped(service(description="word " * 2000, alert=ILLUSTRATIVE_ALERT))
    row = out.rows[0]
    assert len(row["description"]) == 5000 and row["description"].endswith("…")
    assert row["illustrative"] == "yes"
    assert "description shortened to 5,000 characters" in out.notes


def test_cost_and_contacts_come_from_the_first_that_says_something():
    svc = service(
        cost_options=[{"option": "Membership"}, {"amount": 3.5, "amount_description": "£3.50 a session"}],
        contacts=[
            {"name": "  "},
            {"name": "Amira Khan", "email": "amira@example.org", "phones": [{"number": "0121 496 0001"}]},
        ],
    )
    row = mapped(svc).rows[0]
    assert (row["cost_amount"], row["cost_description"]) == (3.5, "£3.50 a session")
    assert (row["contact_name"], row["email"], row["phone"]) == ("Amira Khan", "amira@example.org", "0121 496 0001")
