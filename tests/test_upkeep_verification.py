"""Verification is always a conscious act: no page pre-selects how an asset was checked, and "Still
accurate" without a method is refused on the same page (GOV.UK error summary) and records nothing."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from assetmap.db import session
from assetmap.models import AssetChange, Service
from tests.factories import login
from tests.upkeep_helpers import LADYWOOD, fresh, make_asset, make_user


def html(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def verify_selects(page: str) -> list[str]:
    return re.findall(r'<select[^>]*name="method"[^>]*>(.*?)</select>', page, re.S)


def checks(asset_id) -> int:
    session.expire_all()
    return session.execute(
        select(func.count())
        .select_from(AssetChange)
        .where(AssetChange.service_id == asset_id, AssetChange.action == "verify")
    ).scalar_one()


@pytest.fixture
def coordinator(client, db):
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    return client


def test_the_review_queue_pre_selects_no_method(coordinator):
    make_asset(name="Never checked", last_verified="", verification_method="")
    make_asset(name="Phoned long ago", last_verified="2024-01-01", verification_method="phoned")
    selects = verify_selects(html(coordinator.get("/review")))
    assert len(selects) >= 2
    for options in selects:
        assert "selected" not in options
        assert re.match(r'\s*<option value="">Choose how you checked</option>', options)


def test_the_asset_page_pre_selects_no_method(coordinator):
    a = make_asset(last_verified="2024-01-01", verification_method="visited")
    selects = verify_selects(html(coordinator.get(f"/assets/{a.id}/edit")))
    assert len(selects) == 1 and "selected" not in selects[0]
    assert '<option value="">Choose how you checked</option>' in selects[0]


def test_the_new_asset_form_pre_selects_no_answer_to_have_you_checked(coordinator):
    page = html(coordinator.get("/assets/new"))
    radios = re.findall(r'<input[^>]*name="verification_method"[^>]*>', page)
    assert len(radios) == 5 and not any("checked" in r for r in radios)


def test_not_yet_on_a_new_asset_records_no_check(coordinator):
    from tests.test_upkeep_assets import form_data

    assert (
        coordinator.post(
            "/assets/new", data=form_data(name="Unchecked club", verification_method="not-yet")
        ).status_code
        == 302
    )
    service = session.execute(select(Service).where(Service.name == "Unchecked club")).scalar_one()
    assert service.last_verified_on is None and service.verification_method is None


def test_still_accurate_without_a_method_from_the_queue_is_a_400_on_the_queue(coordinator):
    a = make_asset(name="Lunch club", last_verified="2024-01-01", verification_method="phoned")
    before = fresh(Service, a.id).last_verified_on
    resp = coordinator.post(f"/assets/{a.id}/verify", data={"method": "", "next": "/review?page=1"})
    page = html(resp)
    assert resp.status_code == 400
    assert "<title>Error: Review queue" in page
    assert f'<a href="#method-{a.id}">Choose how you checked it before marking it as still accurate</a>' in page
    assert f'id="method-{a.id}-error"' in page and "govuk-select--error" in page
    assert fresh(Service, a.id).last_verified_on == before and checks(a.id) == 0


def test_still_accurate_without_a_method_from_the_asset_page_is_a_400_on_that_page(coordinator):
    a = make_asset(name="Lunch club", last_verified="2024-01-01", verification_method="phoned")
    resp = coordinator.post(f"/assets/{a.id}/verify", data={})
    page = html(resp)
    assert resp.status_code == 400 and "Change Lunch club" in page
    assert '<a href="#verify-method">Choose how you checked it before marking it as still accurate</a>' in page
    assert 'id="verify-method-error"' in page
    assert checks(a.id) == 0


def test_an_unknown_method_is_refused_the_same_way(coordinator):
    a = make_asset()
    assert coordinator.post(f"/assets/{a.id}/verify", data={"method": "guessed", "next": "/review"}).status_code == 400
    assert checks(a.id) == 0


def test_a_chosen_method_records_the_check(coordinator):
    a = make_asset(last_verified="2024-01-01", verification_method="visited")
    resp = coordinator.post(f"/assets/{a.id}/verify", data={"method": "emailed", "next": "/review"})
    assert resp.status_code == 302
    assert fresh(Service, a.id).verification_method == "emailed" and checks(a.id) == 1


def test_an_asset_outside_my_wards_is_refused_before_the_method_is_looked_at(client, db):
    login(client, make_user("coordinator", wards=["E05010311"]))
    a = make_asset()
    assert client.post(f"/assets/{a.id}/verify", data={"next": "/review"}).status_code == 403
