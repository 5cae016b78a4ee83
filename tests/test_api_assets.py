"""The assets JSON API: bearer tokens, validation, ward scope, versions and mass-assignment."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from assetmap.accounts.store import issue_token, revoke_token
from assetmap.db import session
from assetmap.models import ApiToken, AssetChange, Service
from tests.factories import YORK_POSTCODE
from tests.upkeep_helpers import ACOMB, LADYWOOD, build_strict_app, fresh, make_asset, make_user

NEW_ASSET = {
    "name": "API Walking Group",
    "description": "A walk and a chat.",
    "categories": ["physical-activity"],
    "audiences": ["older-people"],
    "capabilities": ["enjoyment"],
    "asset_type": "association",
    "postcode": "B1 1BA",
    "schedule": ["wed 10:00-11:00", {"byday": "FR", "opens_at": "14:00", "closes_at": "15:30"}],
    "cost": {"amount": 2, "description": "£2 including tea"},
    "contact": {"name": "Jo", "email": "jo@example.org", "phone": "0121 496 0001"},
    "visibility": "public",
}


def bearer(user) -> dict:
    token = issue_token(user, "test")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def coordinator(db):
    return make_user("coordinator", wards=[LADYWOOD])


@pytest.fixture
def auth(coordinator):
    return bearer(coordinator)


def test_post_creates_an_asset_with_the_same_validation_as_the_form(client, auth, coordinator):
    resp = client.post("/api/assets", json=NEW_ASSET, headers=auth)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["version"] == 1 and body["wards"] == [LADYWOOD]
    assert body["schedule"] == ["wed 10:00-11:00", "fri 14:00-15:30"]
    assert body["cost_amount"] == "2" and body["contact_name"] == "Jo" and body["phone"] == "0121 496 0001"
    assert resp.headers["Location"].endswith(f"/api/assets/{body['id']}")
    service = fresh(Service, body["id"])
    assert service.steward_id == coordinator.id


def test_post_with_invalid_fields_lists_every_error_and_writes_nothing(client, auth):
    before = session.execute(select(Service.id)).all()
    resp = client.post(
        "/api/assets", json={**NEW_ASSET, "name": "", "categories": ["nope"], "url": "ftp://x"}, headers=auth
    )
    assert resp.status_code == 400
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert fields >= {"name", "categories", "url"}
    assert session.execute(select(Service.id)).all() == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("steward_id", "00000000-0000-0000-0000-000000000000"),
        ("role", "admin"),
        ("ward_code", ACOMB),
        ("archived", False),
        ("id", "00000000-0000-0000-0000-000000000000"),
        ("source_id", "x"),
        ("version", 7),
    ],
)
def test_post_refuses_protected_fields(client, auth, field, value):
    resp = client.post("/api/assets", json={**NEW_ASSET, field: value}, headers=auth)
    assert resp.status_code == 400
    assert resp.get_json()["field"] == field
    assert session.execute(select(Service).where(Service.name == NEW_ASSET["name"])).first() is None


def test_post_refuses_unknown_fields_and_non_json(client, auth):
    assert client.post("/api/assets", json={**NEW_ASSET, "colour": "red"}, headers=auth).status_code == 400
    assert client.post("/api/assets", data="name=x", headers=auth).status_code == 415
    resp = client.post("/api/assets", data="{not json", headers={**auth, "Content-Type": "application/json"})
    assert resp.status_code == 400 and "error" in resp.get_json()


def test_post_outside_the_coordinators_wards_is_forbidden_and_logged(client, auth, caplog):
    caplog.set_level(logging.WARNING, logger="assetmap")
    resp = client.post("/api/assets", json={**NEW_ASSET, "postcode": YORK_POSTCODE}, headers=auth)
    assert resp.status_code == 403 and resp.get_json()["field"] == "postcode"
    assert any(r.getMessage() == "denied" and r.action == "create" for r in caplog.records)
    resp = client.post(
        "/api/assets",
        json={**NEW_ASSET, "postcode": None, "modes": ["phone"], "service_area_wards": [LADYWOOD, ACOMB]},
        headers=auth,
    )
    assert resp.status_code == 403 and resp.get_json()["field"] == "service_area_wards", resp.get_json()


def test_patch_merges_over_the_stored_asset_and_needs_the_version(client, auth):
    sid = make_asset(name="Before", description="Unchanged description").id
    assert client.patch(f"/api/assets/{sid}", json={"name": "After"}, headers=auth).status_code == 400
    resp = client.patch(f"/api/assets/{sid}", json={"name": "After", "version": 1}, headers=auth)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["name"] == "After" and body["description"] == "Unchanged description"
    assert body["version"] == 2 and body["changed"] == ["name"]


def test_patch_with_a_stale_version_is_409_with_both_versions(client, auth):
    sid = make_asset(name="Start").id
    assert client.patch(f"/api/assets/{sid}", json={"name": "First", "version": 1}, headers=auth).status_code == 200
    resp = client.patch(f"/api/assets/{sid}", json={"name": "Second", "version": 1}, headers=auth)
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["field"] == "version" and body["current_version"] == 2 and body["your_version"] == 1
    assert body["current"]["name"] == "First" and body["yours"]["name"] == "Second"
    assert fresh(Service, sid).name == "First"


def test_patch_refuses_mass_assignment_of_protected_fields(client, auth):
    sid = make_asset().id
    for field, value in (("steward_id", None), ("archived_at", None), ("ward", ACOMB), ("role", "admin")):
        resp = client.patch(f"/api/assets/{sid}", json={field: value, "version": 1}, headers=auth)
        assert resp.status_code == 400 and resp.get_json()["field"] == field
    assert fresh(Service, sid).version == 1


def test_patch_of_another_wards_asset_by_id_tampering_is_403_and_logged(client, auth, caplog):
    sid = make_asset(postcode=YORK_POSTCODE, lon=None, lat=None, name="York asset").id
    caplog.set_level(logging.WARNING, logger="assetmap")
    resp = client.patch(f"/api/assets/{sid}", json={"name": "Mine now", "version": 1}, headers=auth)
    assert resp.status_code == 403
    assert client.delete(f"/api/assets/{sid}", headers=auth).status_code == 403
    assert fresh(Service, sid).name == "York asset" and fresh(Service, sid).archived_at is None
    denied = [r for r in caplog.records if r.getMessage() == "denied"]
    assert {(r.action, r.asset_id) for r in denied} >= {("edit", str(sid)), ("archive", str(sid))}


def test_patch_moving_an_asset_into_another_ward_is_refused(client, auth):
    sid = make_asset().id
    resp = client.patch(f"/api/assets/{sid}", json={"postcode": YORK_POSTCODE, "version": 1}, headers=auth)
    assert resp.status_code == 403
    assert fresh(Service, sid).version == 1


def test_unknown_asset_is_404(client, auth):
    resp = client.patch("/api/assets/00000000-0000-0000-0000-000000000000", json={"version": 1}, headers=auth)
    assert resp.status_code == 404 and "error" in resp.get_json()


def test_delete_archives_and_keeps_history(client, auth):
    sid = make_asset().id
    assert client.delete(f"/api/assets/{sid}?version=9", headers=auth).status_code == 409
    resp = client.delete(f"/api/assets/{sid}", headers=auth)
    assert resp.status_code == 200 and resp.get_json() == {"id": str(sid), "archived": True, "version": 2}
    assert fresh(Service, sid).archived_at is not None
    assert (
        session.execute(
            select(AssetChange.action).where(AssetChange.service_id == sid, AssetChange.version == 2)
        ).scalar_one()
        == "archive"
    )


def test_no_token_is_401_and_a_revoked_token_stops_working(client, coordinator):
    assert client.post("/api/assets", json=NEW_ASSET).status_code == 401
    assert (
        client.post("/api/assets", json=NEW_ASSET, headers={"Authorization": "Bearer am_nonsense"}).status_code == 401
    )
    headers = bearer(coordinator)
    token_id = session.execute(select(ApiToken.id).where(ApiToken.user_id == coordinator.id)).scalar_one()
    revoke_token(token_id, coordinator)
    session.commit()
    assert client.post("/api/assets", json=NEW_ASSET, headers=headers).status_code == 401


def test_tokens_are_stored_hashed_and_only_for_coordinators_and_admins(db, coordinator):
    headers = bearer(coordinator)
    token = headers["Authorization"].split()[1]
    stored = session.execute(select(ApiToken.token_hash).where(ApiToken.user_id == coordinator.id)).scalar_one()
    assert token not in stored and len(stored) == 64
    from assetmap.errors import ValidationError

    with pytest.raises(ValidationError):
        issue_token(make_user("practitioner"), "x")


def test_a_deactivated_users_token_stops_working(client, coordinator):
    headers = bearer(coordinator)
    row = fresh(type(coordinator), coordinator.id)
    row.active = False
    session.commit()
    assert client.post("/api/assets", json=NEW_ASSET, headers=headers).status_code == 401


def test_confidential_point_is_not_returned_to_a_coordinator_of_another_ward(client):
    sid = make_asset(visibility="confidential", name="Refuge").id
    outsider = make_user("coordinator", wards=[ACOMB])
    body = client.get(f"/api/assets/{sid}", headers=bearer(outsider)).get_json()
    assert body["lat"] is None and body["lon"] is None and body["postcode"] == "" and body["address"] == ""
    assert body["wards"] == [LADYWOOD]
    owner = make_user("coordinator", wards=[LADYWOOD])
    body = client.get(f"/api/assets/{sid}", headers=bearer(owner)).get_json()
    assert body["lat"] is not None


# --------------------------------------------------------------------------- CSRF only for bearer requests


@pytest.fixture(scope="module")
def csrf_app(app):
    return build_strict_app(app, csrf=True)


def _csrf_token(html: str) -> str:
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_bearer_requests_need_no_csrf_token_but_session_requests_do(csrf_app, coordinator, db):
    client = csrf_app.test_client()
    assert client.post("/api/assets", json=NEW_ASSET, headers=bearer(coordinator)).status_code == 201
    token = _csrf_token(client.get("/sign-in").get_data(as_text=True))
    assert (
        client.post(
            "/sign-in", data={"email": coordinator.email, "password": "correct horse battery", "csrf_token": token}
        ).status_code
        == 302
    )
    # a browser session (cookie) without the CSRF token is refused, even for JSON
    resp = client.post("/api/assets", json={**NEW_ASSET, "name": "Via cookie"})
    assert resp.status_code == 400 and "expired" in resp.get_json()["error"]
    assert session.execute(select(Service).where(Service.name == "Via cookie")).first() is None
    token = _csrf_token(client.get("/account").get_data(as_text=True))  # the session's new token
    resp = client.post("/api/assets", json={**NEW_ASSET, "name": "Via cookie"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 201


def test_a_token_s_last_use_is_saved_by_read_only_requests_at_most_once_a_minute(client, coordinator):
    import datetime as dt

    token = issue_token(coordinator, "read only")
    asset = make_asset(name="Read by a token", steward_id=coordinator.id)
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    row_id = session.execute(select(ApiToken.id).where(ApiToken.name == "read only")).scalar_one()
    assert fresh(ApiToken, row_id).last_used_at is None

    assert client.get(f"/api/assets/{asset.id}", headers=headers).status_code == 200  # reads, writes nothing else
    used = fresh(ApiToken, row_id).last_used_at
    assert used is not None and abs(dt.datetime.now(dt.UTC) - used) < dt.timedelta(minutes=1)

    assert client.get(f"/api/assets/{asset.id}", headers=headers).status_code == 200
    assert fresh(ApiToken, row_id).last_used_at == used  # within the minute: not written again

    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    session.execute(ApiToken.__table__.update().where(ApiToken.id == row_id).values(last_used_at=long_ago))
    session.commit()
    refused = client.get("/api/assets/00000000-0000-0000-0000-000000000000", headers=headers)
    assert refused.status_code == 404 and fresh(ApiToken, row_id).last_used_at == long_ago  # a refusal writes nothing
    assert client.get(f"/api/assets/{asset.id}", headers=headers).status_code == 200
    assert fresh(ApiToken, row_id).last_used_at > long_ago
