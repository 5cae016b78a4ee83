"""The directory read model used by the practitioners' pages (and the coordinators' pages).

Its pure label helpers (next session, last checked, months, one line, cost) are tested in tests/unit/test_labels.py."""

from __future__ import annotations

import uuid

from assetmap.directory.read import asset_view, asset_views
from assetmap.practitioners.words import required_words, words_of
from tests.factories import make_asset, make_user


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
