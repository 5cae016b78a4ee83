"""The admin's terms page: a council adds, renames and removes its own categories and other terms."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from assetmap.db import session
from assetmap.models import Taxonomy, TaxonomyTerm
from assetmap.taxonomy import stable_id
from assetmap.upkeep.usecases.terms import code_for
from tests.factories import login
from tests.upkeep_helpers import LADYWOOD, make_asset, make_user


@pytest.fixture
def admin(db, client):
    user = make_user("admin")
    login(client, user)
    yield user
    from assetmap import taxonomy

    taxonomy.term_codes(refresh=True)  # forget terms this test added (its transaction is rolled back)


def term(code, taxonomy="category"):
    return session.execute(
        select(TaxonomyTerm).join(Taxonomy).where(Taxonomy.code == taxonomy, TaxonomyTerm.code == code)
    ).scalar_one_or_none()


def version(taxonomy="category"):
    session.expire_all()
    return session.execute(select(Taxonomy.version).where(Taxonomy.code == taxonomy)).scalar_one()


def n_terms():
    return session.execute(select(func.count()).select_from(TaxonomyTerm)).scalar_one()


def test_the_terms_page_lists_every_list_with_how_many_assets_use_each_term(client, admin):
    make_asset(name="Tagged lunch", categories=["community-meals-and-food"])
    html = client.get("/admin/terms").get_data(as_text=True)
    for heading in ("Categories", "Who it is for", "What it can help with", "Asset types"):
        assert heading in html
    assert "community-meals-and-food" in html and 'href="/admin/terms"' in html  # in the menu


def test_an_added_term_can_be_used_at_once_everywhere(client, admin):
    before = version()
    resp = client.post(
        "/admin/terms/category/new",
        data={
            "name": "Dementia-friendly  activities",
            "description": "Groups trained to welcome people with dementia.",
        },
    )
    assert resp.status_code == 302
    added = term("dementia-friendly-activities")
    added_id = added.id
    assert added.name == "Dementia-friendly activities"
    assert added_id == stable_id("category", "dementia-friendly-activities")  # the same id in every installation
    assert int(version()) == int(before) + 1
    # the search form offers it and a search by it is accepted (no waiting for a cache)
    assert "Dementia-friendly activities" in client.get("/search").get_data(as_text=True)
    asset = make_asset(name="Memory cafe", categories=["dementia-friendly-activities"])
    found = client.post(
        "/api/search", json={"postcode": "B1 1BA", "category": ["dementia-friendly-activities"], "radius_m": 16000}
    )
    assert found.status_code == 200, found.get_json()
    assert [f["properties"]["name"] for f in found.get_json()["features"]] == [asset.name]
    # and the open data lists it with its stable id
    listed = client.get("/oruk/taxonomy_terms?per_page=200").get_json()["contents"]
    assert str(added_id) in {t["id"] for t in listed}


def test_a_term_keeps_its_code_when_renamed(client, admin):
    target = term("learning")
    resp = client.post(
        f"/admin/terms/category/{target.id}",
        data={"name": "Learning and courses", "description": "Classes of every kind."},
    )
    assert resp.status_code == 302
    session.expire_all()
    renamed = session.get(TaxonomyTerm, target.id)
    assert (renamed.code, renamed.name, renamed.description) == (
        "learning",
        "Learning and courses",
        "Classes of every kind.",
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": ""}, "Enter a name"),
        ({"name": "x" * 81}, "80 characters or fewer"),
        ({"name": "!!!"}, "letters or numbers"),
        ({"name": "Learning"}, "already a category"),
        ({"name": "LEARNING"}, "already a category"),
        ({"name": "Fine", "description": "d" * 301}, "300 characters or fewer"),
        ({"name": "Bad\x07bell"}, "control characters"),
        ({"name": "Fine", "description": "bad\x00"}, "control characters"),
    ],
)
def test_bad_terms_are_refused_with_a_message_and_nothing_saved(client, admin, data, message):
    before, ver = n_terms(), version()
    resp = client.post("/admin/terms/category/new", data=data)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert n_terms() == before and version() == ver


def test_a_term_in_use_cannot_be_removed_and_an_unused_one_can(client, admin):
    make_asset(name="Choir", categories=["arts-and-music"])
    used = term("arts-and-music")
    page = client.get(f"/admin/terms/category/{used.id}").get_data(as_text=True)
    assert "To remove it, move it to another category first" in page and "Remove “" not in page
    before = n_terms()
    resp = client.post(f"/admin/terms/category/{used.id}/remove")
    assert resp.status_code == 409 and "1 asset is tagged" in resp.get_data(as_text=True)
    assert n_terms() == before

    client.post("/admin/terms/audience/new", data={"name": "Veterans"})
    spare = term("veterans", "audience")
    assert client.post(f"/admin/terms/audience/{spare.id}/remove").status_code == 302
    assert term("veterans", "audience") is None and n_terms() == before


def test_only_admins_reach_the_terms_pages(client, db):
    coordinator = make_user("coordinator", wards=[LADYWOOD])
    login(client, coordinator)
    before = n_terms()
    assert client.get("/admin/terms").status_code == 403
    assert client.post("/admin/terms/category/new", data={"name": "Sneaky"}).status_code == 403
    assert n_terms() == before


def test_unknown_lists_and_terms_are_404(client, admin):
    assert client.get("/admin/terms/mode/new").status_code == 404
    assert client.get(f"/admin/terms/category/{uuid.uuid4()}").status_code == 404
    audience_term = term("older-people", "audience")
    assert client.get(f"/admin/terms/category/{audience_term.id}").status_code == 404  # wrong list


def test_codes_are_made_from_names():
    assert code_for("Arts & crafts") == "arts-and-crafts"
    assert code_for("  Café culture ") == "cafe-culture"
    assert code_for("!!!") == ""


def test_a_posted_code_id_or_order_is_ignored(client, admin):
    before = n_terms()
    resp = client.post(
        "/admin/terms/category/new",
        data={"name": "Gardening", "code": "learning", "id": str(uuid.uuid4()), "term_order": "-1"},
    )
    assert resp.status_code == 302 and n_terms() == before + 1
    added = term("gardening")
    assert added.id == stable_id("category", "gardening") and added.term_order > 0
    assert term("learning").name == "Learning"


def test_the_import_page_lists_the_codes_including_a_council_s_own(client, admin):
    client.post("/admin/terms/category/new", data={"name": "Dementia-friendly"})
    page = client.get("/import").get_data(as_text=True)
    assert "<code>dementia-friendly</code>" in page and "<code>older-people</code>" in page
    assert "Column <code>capabilities</code>" in page


def test_a_term_in_use_is_merged_into_another_with_history_then_removed(client, admin):
    from assetmap.models import AssetChange, Service

    both = make_asset(name="Choir and lunch", categories=["arts-and-music", "community-meals-and-food"])
    only = make_asset(name="Ukulele club", categories=["arts-and-music"], visibility="confidential")
    old = term("arts-and-music")
    old_id, target_id = old.id, term("social-groups").id
    both_id, only_id = both.id, only.id
    versions = {both_id: both.version, only_id: only.version}
    point = session.execute(
        text(
            "SELECT ST_AsText(l.geom) FROM location l JOIN service_at_location s "
            "ON s.location_id = l.id WHERE s.service_id = :id"
        ),
        {"id": only_id},
    ).scalar()
    resp = client.post(f"/admin/terms/category/{old_id}/merge", data={"into": str(target_id)})
    assert resp.status_code == 302
    session.expire_all()
    assert term("arts-and-music") is None
    from assetmap.directory.store import service_snapshot

    for asset_id, expected in ((both_id, ["community-meals-and-food", "social-groups"]), (only_id, ["social-groups"])):
        fresh = session.get(Service, asset_id)
        assert service_snapshot(fresh)["categories"] == expected
        assert fresh.version == versions[asset_id] + 1
        change = (
            session.execute(
                select(AssetChange).where(AssetChange.service_id == asset_id).order_by(AssetChange.version.desc())
            )
            .scalars()
            .first()
        )
        assert "merged into “Social groups and clubs”" in change.note
    # a confidential asset keeps its place and its visibility
    assert session.get(Service, only_id).visibility == "confidential"
    assert (
        session.execute(
            text(
                "SELECT ST_AsText(l.geom) FROM location l JOIN service_at_location s "
                "ON s.location_id = l.id WHERE s.service_id = :id"
            ),
            {"id": only_id},
        ).scalar()
        == point
    )


@pytest.mark.parametrize(
    "into",
    ["", "not-a-uuid", "same", "other-list", str(uuid.uuid4())],
    ids=["empty", "not-a-uuid", "same", "other-list", "unknown-id"],
)  # same ids in every xdist worker
def test_a_merge_into_nothing_or_the_wrong_list_is_refused(client, admin, into):
    make_asset(name="Choir", categories=["arts-and-music"])
    old = term("arts-and-music")
    into = {"same": str(old.id), "other-list": str(term("older-people", "audience").id)}.get(into, into)
    before = n_terms()
    resp = client.post(f"/admin/terms/category/{old.id}/merge", data={"into": into})
    assert resp.status_code == 400 and "Choose another category" in resp.get_data(as_text=True)
    assert n_terms() == before and term("arts-and-music") is not None


def test_an_asset_type_is_merged_too(client, admin):
    from assetmap.directory.store import service_snapshot
    from assetmap.models import Service

    asset_id = make_asset(name="Friends of the park", asset_type="association").id
    old, target = term("association", "asset_type"), term("voluntary-organisation", "asset_type")
    resp = client.post(f"/admin/terms/asset_type/{old.id}/merge", data={"into": str(target.id)})
    assert resp.status_code == 302
    session.expire_all()
    assert service_snapshot(session.get(Service, asset_id))["asset_type"] == "voluntary-organisation"
    assert term("association", "asset_type") is None
