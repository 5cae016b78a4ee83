"""Asset upkeep through the pages: add, edit, scope, conflicts, archive, verify, history and restore."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import func, select

from assetmap.db import session
from assetmap.models import AssetChange, Service
from assetmap.upkeep import schedule_form
from tests.factories import BIRMINGHAM_LONLAT, YORK_POSTCODE, login
from tests.upkeep_helpers import ACOMB, LADYWOOD, actor, fresh, make_asset, make_user

LADYWOOD_POSTCODE = "B1 1BA"


def form_data(**overrides) -> dict:
    """A complete asset form as a browser would post it."""
    data = {
        "name": "Ladywood Lunch Club",
        "organisation": "Ladywood Neighbours",
        "description": "Hot lunch and company.",
        "categories": ["community-meals-and-food", "social-groups"],
        "audiences": ["older-people"],
        "capabilities": ["love-friendship-support"],
        "asset_type": "association",
        "modes": ["in_person"],
        "address": "Community Hall, 1 Test Street",
        "postcode": LADYWOOD_POSTCODE,
        "lat": "",
        "lon": "",
        "original_postcode": "",
        "original_lat": "",
        "original_lon": "",
        "how_to_get_there": "Bus 9",
        "accessibility": ["step-free"],
        **session_fields(0, "weekly", weekly_days=["TU"], opens="12:00", closes="14:00"),
        **session_fields(1, ""),
        "cost_amount": "3.50",
        "cost_description": "£3.50 for two courses",
        "contact_name": "Sam",
        "email": "lunch@example.org",
        "phone": "0121 496 0000",
        "url": "https://example.org/lunch",
        "visibility": "public",
        "verification_method": "visited",
    }
    data.update(overrides)
    return data


def session_fields(i: int, how: str, *, held: bool = False, **fields) -> dict:
    """One session of the asset form as posted: 'how' and the fields it needs (names as the page has them)."""
    p = f"schedule-{i}-"
    out = {f"{p}row": "held" if held else "new", f"{p}how": how} if how else {f"{p}row": "new"}
    for name, value in fields.items():
        out[p + name.replace("_", "-")] = value
    return out


def row_fields(i: int, row: dict) -> dict:
    """A form row (``schedule_form.row_of``) as the fields the page posts for it."""
    fields: dict = {}
    for name, value in row.items():
        if name in ("how", "held", "remove"):
            continue
        if isinstance(value, dict):
            fields.update({f"{name}_{part}": v for part, v in value.items()})
        elif isinstance(value, bool):
            if value:
                fields["bank_holidays" if name == "skip_bank_holidays" else name] = "yes"
        else:
            fields[name] = value
    return session_fields(i, row["how"], held=row["held"], **fields)


def edit_data(client, service, **overrides) -> dict:
    """The edit form as the page renders it for ``service`` (so hidden fields are real), then changed."""
    from assetmap.directory.store import service_snapshot

    snap = service_snapshot(service)
    data = form_data(**{k: v for k, v in snap.items() if k in form_data() and k != "schedule"})
    data.update(
        {
            "version": str(service.version),
            "original_postcode": snap["postcode"],
            "original_lat": str(snap["lat"]) if snap["lat"] is not None else "",
            "original_lon": str(snap["lon"]) if snap["lon"] is not None else "",
            "lat": str(snap["lat"]) if snap["lat"] is not None else "",
            "lon": str(snap["lon"]) if snap["lon"] is not None else "",
        }
    )
    for key in [k for k in data if k.startswith("schedule-")]:
        del data[key]
    rows, closure = schedule_form.rows_of(snap["schedule"])
    for i, row in enumerate(rows):
        data.update(row_fields(i, row))
    for end, parts in (("closed-from", closure["from"]), ("closed-to", closure["to"])):
        data.update({f"{end}-{part}": value for part, value in parts.items()})
    data.pop("verification_method", None)
    data.update(overrides)
    return data


@pytest.fixture
def coordinator(db):
    return make_user("coordinator", wards=[LADYWOOD])


@pytest.fixture
def signed_in(client, coordinator):
    assert login(client, coordinator).status_code == 302
    return client


def test_coordinator_adds_an_asset_in_their_ward_and_becomes_its_steward(signed_in, coordinator, db):
    resp = signed_in.post("/assets/new", data=form_data())
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    service = db.execute(select(Service).where(Service.name == "Ladywood Lunch Club")).scalar_one()
    assert service.steward_id == coordinator.id
    assert service.last_verified_on == dt.date.today() and service.verification_method == "visited"
    from assetmap.directory.access import service_wards

    assert service_wards(service.id) == {LADYWOOD}
    change = db.execute(select(AssetChange).where(AssetChange.service_id == service.id)).scalar_one()
    assert change.version == 1 and change.changed_by_id == coordinator.id and change.action == "create"


def test_asset_form_with_errors_lists_each_with_a_link_and_keeps_what_was_typed(signed_in, db):
    before = db.execute(select(func.count()).select_from(Service)).scalar_one()
    resp = signed_in.post(
        "/assets/new",
        data=form_data(
            name="",
            categories=[],
            email="not-an-email",
            **session_fields(1, "weekly", weekly_days=["WE"], opens="10:00"),
        ),
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "<title>Error: Add an asset" in html
    for anchor in ('href="#name"', 'href="#categories"', 'href="#email"', 'href="#schedule-1-closes"'):
        assert anchor in html
    assert 'value="Community Hall, 1 Test Street"' in html and "not-an-email" in html
    assert db.execute(select(func.count()).select_from(Service)).scalar_one() == before


def test_coordinator_cannot_place_an_asset_outside_their_wards_and_keeps_their_input(signed_in, db, caplog):
    caplog.set_level(logging.WARNING, logger="assetmap")
    resp = signed_in.post("/assets/new", data=form_data(postcode=YORK_POSTCODE, name="Sneaky York Club"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "Sneaky York Club" in html and 'href="#postcode"' in html and "wards you look after" in html
    assert db.execute(select(Service).where(Service.name == "Sneaky York Club")).first() is None
    assert any(r.getMessage() == "denied" and r.action == "create" for r in caplog.records)


def test_editing_another_wards_asset_by_changing_the_id_is_refused_and_logged(signed_in, db, caplog):
    york = make_asset(postcode=YORK_POSTCODE, lon=None, lat=None, name="Acomb Walkers")
    caplog.set_level(logging.WARNING, logger="assetmap")
    assert signed_in.get(f"/assets/{york.id}/edit").status_code == 403
    resp = signed_in.post(f"/assets/{york.id}/edit", data=edit_data(signed_in, york, name="Hijacked"))
    assert resp.status_code == 403
    for path in (f"/assets/{york.id}/history",):
        assert signed_in.get(path).status_code == 403
    for path in (f"/assets/{york.id}/archive", f"/assets/{york.id}/verify", f"/assets/{york.id}/history/1/restore"):
        assert signed_in.post(path, data={"method": "phoned", "version": "1"}).status_code == 403
    session.expire_all()
    york = session.get(Service, york.id)
    assert york.name == "Acomb Walkers" and york.archived_at is None and york.version == 1
    denied = [r for r in caplog.records if r.getMessage() == "denied"]
    assert {r.action for r in denied} >= {"edit", "history", "archive", "verify", "restore-version"}
    assert all(r.asset_id == str(york.id) for r in denied)
    assert all("password" not in str(r.__dict__) for r in denied)


def test_moving_an_asset_out_of_the_coordinators_wards_is_refused(signed_in, coordinator, db):
    service = make_asset(name="Stays here")
    resp = signed_in.post(
        f"/assets/{service.id}/edit", data=edit_data(signed_in, service, postcode=YORK_POSTCODE, lat="", lon="")
    )
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(Service, service.id).version == 1


@pytest.mark.parametrize("role", ["practitioner", "commissioner"])
def test_practitioners_and_commissioners_edit_nothing(client, db, role):
    service = make_asset()
    login(client, make_user(role))
    assert client.get("/assets/new").status_code == 403
    assert client.post("/assets/new", data=form_data()).status_code == 403
    assert client.get(f"/assets/{service.id}/edit").status_code == 403
    assert client.post(f"/assets/{service.id}/archive").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    service = make_asset()
    resp = client.get(f"/assets/{service.id}/edit")
    assert resp.status_code == 302 and "/sign-in" in resp.headers["Location"]


def test_constituency_assignment_covers_all_its_wards(client, db):
    nns = make_user("coordinator", constituencies=["E14001096"])  # Birmingham Ladywood constituency
    service = make_asset()
    login(client, nns)
    assert client.get(f"/assets/{service.id}/edit").status_code == 200


def test_admin_edits_anywhere(client, db):
    york = make_asset(postcode=YORK_POSTCODE, lon=None, lat=None)
    login(client, make_user("admin"))
    resp = client.post(f"/assets/{york.id}/edit", data=edit_data(client, york, name="Renamed by admin"))
    assert resp.status_code == 302
    assert session.get(Service, york.id).name == "Renamed by admin"


def test_edit_records_who_which_fields_and_old_and_new_values(signed_in, coordinator, db):
    service = make_asset(name="Old name", description="Meets weekly.")
    resp = signed_in.post(
        f"/assets/{service.id}/edit",
        data=edit_data(signed_in, service, name="New name", description="Meets every week."),
    )
    assert resp.status_code == 302
    change = db.execute(
        select(AssetChange).where(AssetChange.service_id == service.id, AssetChange.version == 2)
    ).scalar_one()
    assert change.changed_by_id == coordinator.id
    assert change.changes["name"] == ["Old name", "New name"]
    assert change.changes["description"] == ["Meets weekly.", "Meets every week."]
    assert set(change.changes) == {"name", "description"}


def test_saving_an_unchanged_form_records_nothing(signed_in, db):
    service = make_asset()
    assert signed_in.post(f"/assets/{service.id}/edit", data=edit_data(signed_in, service)).status_code == 302
    assert session.get(Service, service.id).version == 1


def test_changing_the_postcode_without_moving_the_pin_re_places_the_asset(signed_in, db):
    service = make_asset()  # at B1 1BA's point
    resp = signed_in.post(f"/assets/{service.id}/edit", data=edit_data(signed_in, service, postcode="B1 2ND"))
    assert resp.status_code == 302
    from assetmap.directory.store import service_snapshot
    from assetmap.postcodes import lookup

    snap = service_snapshot(session.get(Service, service.id))
    pt = lookup("B1 2ND")
    assert (snap["lat"], snap["lon"]) == (round(pt.lat, 6), round(pt.lon, 6))


def test_a_moved_pin_wins_over_the_postcode(signed_in, db):
    service = make_asset()
    lon, lat = BIRMINGHAM_LONLAT
    resp = signed_in.post(
        f"/assets/{service.id}/edit", data=edit_data(signed_in, service, lat=f"{lat + 0.001:.6f}", lon=f"{lon:.6f}")
    )
    assert resp.status_code == 302
    from assetmap.directory.store import service_snapshot

    assert service_snapshot(session.get(Service, service.id))["lat"] == round(lat + 0.001, 6)


def test_no_fixed_place_removes_the_place_and_needs_wards(signed_in, db):
    service = make_asset()
    resp = signed_in.post(
        f"/assets/{service.id}/edit", data=edit_data(signed_in, service, modes=["phone"], service_area_wards=[])
    )
    assert resp.status_code == 400 and 'href="#service_area_wards"' in resp.get_data(as_text=True)
    resp = signed_in.post(
        f"/assets/{service.id}/edit", data=edit_data(signed_in, service, modes=["phone"], service_area_wards=[LADYWOOD])
    )
    assert resp.status_code == 302
    from assetmap.directory.store import service_snapshot

    snap = service_snapshot(session.get(Service, service.id))
    assert snap["lat"] is None and snap["modes"] == ["phone"] and snap["service_area_wards"] == [LADYWOOD]


def test_saving_over_a_newer_version_shows_both_and_saves_nothing(signed_in, db):
    service = make_asset(name="Original", cost_description="Free", phone="0121 496 0000")
    sid = service.id
    stale = edit_data(signed_in, service, name="Mine", description="My description")
    other = make_user("admin")
    from assetmap.upkeep.usecases.assets import edit_asset

    edit_asset(actor(other), sid, {"name": "Theirs", "cost_description": "Free, donations welcome"}, 1)
    resp = signed_in.post(f"/assets/{sid}/edit", data=stale)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Someone else changed this asset" in html
    assert "Mine" in html and "Theirs" in html and "You both changed this" in html
    assert 'name="version" value="2"' in html  # saving again from the conflict page is deliberate
    # the form keeps what I typed, and takes their change to a field I did not touch
    assert 'value="Mine"' in html and ">My description</textarea>" in html
    assert 'id="cost_description" name="cost_description" type="text" value="Free, donations welcome"' in html
    assert fresh(Service, sid).name == "Theirs"
    # saving the merged form keeps both people's work
    merged = {**stale, "version": "2", "cost_description": "Free, donations welcome"}
    assert signed_in.post(f"/assets/{sid}/edit", data=merged).status_code == 302
    saved = fresh(Service, sid)
    assert saved.name == "Mine" and saved.description == "My description"
    assert saved.cost_options[0].amount_description == "Free, donations welcome"


def test_one_click_still_accurate_re_verifies(signed_in, db):
    service = make_asset(last_verified="2025-01-01", verification_method="phoned")
    resp = signed_in.post(f"/assets/{service.id}/verify", data={"method": "visited", "next": "/review"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/review")
    session.expire_all()
    service = session.get(Service, service.id)
    assert service.last_verified_on == dt.date.today() and service.verification_method == "visited"
    change = db.execute(
        select(AssetChange).where(AssetChange.service_id == service.id, AssetChange.version == 2)
    ).scalar_one()
    assert change.action == "verify" and change.changes["last_verified"] == ["2025-01-01", dt.date.today().isoformat()]


def test_verify_refuses_an_unknown_method_and_an_outside_redirect(signed_in, db):
    service = make_asset()
    assert signed_in.post(f"/assets/{service.id}/verify", data={"method": "guessed"}).status_code == 400
    resp = signed_in.post(f"/assets/{service.id}/verify", data={"method": "phoned", "next": "//evil.example"})
    assert resp.headers["Location"].endswith(f"/assets/{service.id}/edit")


def test_archive_hides_and_restore_brings_back_with_history(signed_in, db):
    from assetmap.accounts.auth import Anonymous
    from assetmap.directory.access import readable_filter

    service = make_asset()
    assert signed_in.post(f"/assets/{service.id}/archive", data={"version": "1"}).status_code == 302
    visible = select(Service.id).where(Service.id == service.id, readable_filter(Anonymous()))
    assert db.execute(visible).first() is None
    assert session.get(Service, service.id).archived_at is not None
    page = signed_in.get(f"/assets/{service.id}/edit").get_data(as_text=True)
    assert "This asset is archived" in page and "Restore from the archive" in page
    assert signed_in.post(f"/assets/{service.id}/unarchive").status_code == 302
    assert db.execute(visible).first() is not None
    actions = (
        db.execute(select(AssetChange.action).where(AssetChange.service_id == service.id).order_by(AssetChange.version))
        .scalars()
        .all()
    )
    assert actions == ["create", "archive", "unarchive"]


def test_archiving_with_a_stale_version_is_a_conflict(signed_in, db):
    sid = make_asset().id
    from assetmap.upkeep.usecases.assets import verify_asset

    verify_asset(actor(make_user("admin")), sid, "phoned")
    assert signed_in.post(f"/assets/{sid}/archive", data={"version": "1"}).status_code == 409
    assert fresh(Service, sid).archived_at is None


def test_history_shows_a_readable_diff_and_restores_a_version(signed_in, db):
    service = make_asset(name="First name", description="Meets on Mondays in the hall.")
    signed_in.post(
        f"/assets/{service.id}/edit",
        data=edit_data(
            signed_in,
            service,
            name="Second name",
            description="Meets on Tuesdays in the hall.",
            categories=["physical-activity"],
        ),
    )
    page = signed_in.get(f"/assets/{service.id}/history")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Version 2: Changed" in html and "Version 1: Added" in html
    assert "First name" in html and "Second name" in html
    assert "Physical activity" in html and "Social groups and clubs" in html  # names, not codes
    assert '<del class="am-del"><span class="govuk-visually-hidden">removed: </span>Mondays</del>' in html
    assert '<ins class="am-ins"><span class="govuk-visually-hidden">added: </span>Tuesdays</ins>' in html
    resp = signed_in.post(f"/assets/{service.id}/history/1/restore", data={"version": "2"})
    assert resp.status_code == 302
    session.expire_all()
    restored = session.get(Service, service.id)
    assert restored.name == "First name" and restored.version == 3
    last = db.execute(
        select(AssetChange).where(AssetChange.service_id == service.id, AssetChange.version == 3)
    ).scalar_one()
    assert last.action == "restore" and last.note == "Restored version 1"
    assert "Version 3: Restored an earlier version" in signed_in.get(f"/assets/{service.id}/history").get_data(
        as_text=True
    )


def test_restoring_with_a_stale_version_is_a_conflict_and_changes_nothing(signed_in, db):
    sid = make_asset(name="A").id
    from assetmap.upkeep.usecases.assets import edit_asset

    edit_asset(actor(make_user("admin")), sid, {"name": "B"}, 1)
    assert signed_in.post(f"/assets/{sid}/history/1/restore", data={"version": "1"}).status_code == 409
    assert fresh(Service, sid).name == "B"


def test_admin_chooses_a_steward_who_covers_the_ward(client, db):
    service = make_asset()
    steward = make_user("coordinator", wards=[LADYWOOD])
    outsider = make_user("coordinator", wards=[ACOMB])
    login(client, make_user("admin"))
    page = client.get(f"/assets/{service.id}/edit").get_data(as_text=True)
    assert str(steward.id) in page and str(outsider.id) not in page
    resp = client.post(
        f"/assets/{service.id}/edit", data={**edit_data(client, service), "steward_id": str(outsider.id)}
    )
    assert resp.status_code == 400 and "does not look after" in resp.get_data(as_text=True)
    resp = client.post(f"/assets/{service.id}/edit", data={**edit_data(client, service), "steward_id": str(steward.id)})
    assert resp.status_code == 302
    assert session.get(Service, service.id).steward_id == steward.id


def test_form_page_renders_the_draggable_pin_with_lat_lon_alternative(signed_in, db):
    service = make_asset()
    html = signed_in.get(f"/assets/{service.id}/edit").get_data(as_text=True)
    assert "draggable" in html and 'id="lat"' in html and 'id="lon"' in html
    assert "/static/js/upkeep_form.js" in html
    # every script, style and image is served locally (not "cdn" anywhere in the page: a random form token may hold it)
    assets = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert assets and not [a for a in assets if "//" in a or "cdn" in a.lower()]
    # no inline script without the CSP nonce, and the page is not pinned to the viewport height
    assert "L_NO_TOUCH" not in html and "html, body {" not in html


def test_an_impossible_session_time_is_flagged_on_its_own_line(signed_in, db):
    from tests.test_upkeep_assets import form_data as fd
    from tests.test_upkeep_assets import session_fields

    resp = signed_in.post(
        "/assets/new", data=fd(**session_fields(1, "weekly", weekly_days=["TH"], opens="14:00", closes="12:00"))
    )
    html = resp.get_data(as_text=True)
    assert (
        resp.status_code == 400 and 'href="#schedule-1-how"' in html and "Session 2: it ends before it starts" in html
    )


def test_error_summary_follows_the_order_of_the_form(signed_in, db):
    html = signed_in.post(
        "/assets/new", data=form_data(name="", email="bad", categories=[], **{"schedule-0-closes": ""})
    ).get_data(as_text=True)
    order = [html.index(f'href="#{f}"') for f in ("name", "categories", "schedule-0-closes", "email")]
    assert order == sorted(order)
