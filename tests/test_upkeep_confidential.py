"""A confidential location (a refuge) never leaves the server except to the coordinators who may edit it."""

from __future__ import annotations

import pytest

from assetmap.accounts.store import issue_token
from assetmap.db import session
from tests.factories import login
from tests.upkeep_helpers import ACOMB, LADYWOOD, make_asset, make_user

SECRETS = ("52.4754", "1.9002", "Secret Refuge Road", "Take the side door")


@pytest.fixture
def refuge(db):
    return make_asset(
        name="Women's Refuge Drop-in",
        visibility="confidential",
        address="12 Secret Refuge Road",
        how_to_get_there="Take the side door",
    ).id


def leaked(body: str) -> list[str]:
    return [s for s in SECRETS if s in body]


def pages(app, asset_id) -> list[str]:
    paths = [
        f"/assets/{asset_id}/report",
        f"/api/assets/{asset_id}",
        f"/assets/{asset_id}/edit",
        f"/assets/{asset_id}/history",
    ]
    with app.test_request_context():
        from flask import url_for

        from assetmap.web import has_endpoint

        if has_endpoint("practitioners.asset"):
            paths.append(url_for("practitioners.asset", asset_id=asset_id))
        if has_endpoint("opendata.service"):
            paths.append(url_for("opendata.service", service_id=asset_id))
    return paths


@pytest.mark.parametrize("who", ["public", "practitioner", "commissioner", "other-coordinator"])
def test_no_page_or_api_shows_the_point_or_address_to_anyone_else(app, client, refuge, who):
    headers = {}
    if who != "public":
        user = make_user("coordinator", wards=[ACOMB]) if who == "other-coordinator" else make_user(who)
        login(client, user)
        if who == "other-coordinator":
            headers = {"Authorization": f"Bearer {issue_token(user, 't')}"}
            session.commit()
    for path in pages(app, refuge):
        resp = client.get(path, headers=headers if path.startswith("/api/") else {})
        assert resp.status_code in (200, 302, 401, 403, 404), path
        assert leaked(resp.get_data(as_text=True)) == [], f"{who} saw the place at {path}"


def test_signed_in_staff_see_the_ward_on_the_report_page(client, refuge):
    login(client, make_user("practitioner"))
    html = client.get(f"/assets/{refuge}/report").get_data(as_text=True)
    assert "Ladywood" in html and not leaked(html)


def test_the_coordinator_who_looks_after_it_sees_and_edits_the_place(client, refuge):
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    html = client.get(f"/assets/{refuge}/edit").get_data(as_text=True)
    assert "Secret Refuge Road" in html and "52.475425" in html
