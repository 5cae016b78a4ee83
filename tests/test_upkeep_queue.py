"""The review queue and community suggestions / problem reports."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select

from assetmap.db import session
from assetmap.models import AssetChange, Service, Suggestion
from assetmap.upkeep.freshness import checked_label, is_stale, months_since, review_cutoff
from tests.factories import YORK_POSTCODE, login
from tests.upkeep_helpers import ACOMB, LADYWOOD, build_strict_app, fresh, limits_on, make_asset, make_user


def days_ago(n: int) -> str:
    return (dt.date.today() - dt.timedelta(days=n)).isoformat()


@pytest.fixture
def coordinator(db):
    return make_user("coordinator", wards=[LADYWOOD])


def queue_names(html: str) -> list[str]:
    section = html.split('id="due"', 1)[1]
    return re.findall(r'/edit">([^<]+)</a>', section)


def test_queue_lists_overdue_assets_in_my_wards_most_overdue_first(client, coordinator):
    make_asset(name="Q fresh", last_verified=days_ago(10))
    make_asset(name="Q seven months", last_verified=days_ago(215))
    make_asset(name="Q two years", last_verified=days_ago(730))
    make_asset(name="Q never checked", last_verified="", verification_method="")
    make_asset(name="Q York overdue", postcode=YORK_POSTCODE, lon=None, lat=None, last_verified=days_ago(400))
    archived = make_asset(name="Q archived", last_verified=days_ago(900))
    archived.archived_at = dt.datetime.now(dt.UTC)
    session.commit()
    login(client, coordinator)
    html = client.get("/review").get_data(as_text=True)
    names = [n for n in queue_names(html) if n.startswith("Q ")]
    assert names == ["Q never checked", "Q two years", "Q seven months"]
    assert "Possibly out of date" in html


def test_queue_period_is_configurable(client, coordinator, app):
    make_asset(name="Q four months", last_verified=days_ago(125))
    login(client, coordinator)
    assert "Q four months" not in queue_names(client.get("/review").get_data(as_text=True))
    app.config["REVIEW_AFTER_MONTHS"] = 3
    try:
        assert "Q four months" in queue_names(client.get("/review").get_data(as_text=True))
    finally:
        app.config["REVIEW_AFTER_MONTHS"] = 6


def test_queue_can_show_only_assets_i_steward(client, coordinator):
    other = make_user("coordinator", wards=[LADYWOOD])
    make_asset(name="Q mine", last_verified=days_ago(400), steward_id=coordinator.id)
    make_asset(name="Q theirs", last_verified=days_ago(500), steward_id=other.id)
    login(client, coordinator)
    names = queue_names(client.get("/review?mine=yes").get_data(as_text=True))
    assert "Q mine" in names and "Q theirs" not in names


def test_one_click_from_the_queue_re_verifies_and_returns_to_the_queue(client, coordinator):
    sid = make_asset(name="Q to check", last_verified=days_ago(400)).id
    login(client, coordinator)
    resp = client.post(f"/assets/{sid}/verify", data={"method": "phoned", "next": "/review?page=1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/review?page=1")
    assert "Q to check" not in queue_names(client.get("/review").get_data(as_text=True))
    assert fresh(Service, sid).last_verified_on == dt.date.today()


def test_queue_is_for_coordinators_and_admins_only(client, db):
    login(client, make_user("practitioner"))
    assert client.get("/review").status_code == 403


def test_freshness_labels_and_thresholds():
    today = dt.date(2026, 11, 21)
    assert checked_label(None) == "never checked"
    assert checked_label(today, today) == "checked today"
    assert checked_label(dt.date(2026, 11, 11), today) == "checked 10 days ago"
    assert checked_label(dt.date(2026, 8, 21), today) == "checked 3 months ago"
    assert checked_label(dt.date(2026, 10, 22), today) == "checked 30 days ago"
    assert checked_label(dt.date(2023, 1, 1), today) == "checked 3 years ago"
    assert months_since(dt.date(2025, 11, 21), today) == 12 and not is_stale(dt.date(2025, 11, 21), today)
    assert is_stale(dt.date(2025, 10, 20), today) and is_stale(None, today)
    assert review_cutoff(6, dt.date(2026, 8, 31)) == dt.date(2026, 2, 28)


# --------------------------------------------------------------------------- suggestions

SUGGESTION = {
    "name": "Knit and Natter",
    "description": "Knitting and chat, all welcome.",
    "postcode": "B1 1BA",
    "when": "Thursdays 2pm",
    "website": "",
    "group_contact": "",
    "suggester_name": "Pat",
    "suggester_email": "pat@example.org",
    "ward": "",
}


def test_anyone_can_suggest_an_asset_and_it_reaches_that_wards_coordinators(client, coordinator):
    resp = client.post("/suggest", data=SUGGESTION, follow_redirects=True)
    assert resp.status_code == 200 and "Suggestion sent" in resp.get_data(as_text=True)
    row = session.execute(
        select(Suggestion).where(Suggestion.proposed["name"].astext == "Knit and Natter")
    ).scalar_one()
    assert row.kind == "new_asset" and row.ward_code == LADYWOOD and row.status == "open"
    login(client, coordinator)
    assert "Knit and Natter" in client.get("/review").get_data(as_text=True)
    york = make_user("coordinator", wards=[ACOMB])
    client.post("/sign-out")
    login(client, york)
    assert "Knit and Natter" not in client.get("/review").get_data(as_text=True)
    assert client.get(f"/review/suggestions/{row.id}").status_code == 403


def test_suggestion_without_a_place_names_the_area(client, db):
    resp = client.post("/suggest", data={**SUGGESTION, "postcode": "", "ward": ACOMB, "name": "Phone friends"})
    assert resp.status_code == 302
    row = session.execute(select(Suggestion).where(Suggestion.proposed["name"].astext == "Phone friends")).scalar_one()
    assert row.ward_code == ACOMB and row.geom is None


def test_suggestion_errors_are_shown_and_nothing_is_stored(client, db):
    before = session.execute(select(Suggestion.id)).all()
    resp = client.post("/suggest", data={**SUGGESTION, "name": "", "postcode": "ZZ9 9ZZ", "suggester_email": "nope"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for anchor in ('href="#name"', 'href="#postcode"', 'href="#suggester_email"'):
        assert anchor in html
    assert session.execute(select(Suggestion.id)).all() == before


def test_honeypot_submissions_are_thanked_but_not_stored(client, db, caplog):
    caplog.set_level(logging.WARNING, logger="assetmap")
    resp = client.post("/suggest", data={**SUGGESTION, "name": "Spam", "website_url": "http://spam.example"})
    assert resp.status_code == 302
    assert session.execute(select(Suggestion).where(Suggestion.proposed["name"].astext == "Spam")).first() is None
    assert any(r.getMessage() == "honeypot filled" for r in caplog.records)


def test_accepting_a_suggestion_creates_the_asset_with_the_suggester_as_source(client, coordinator):
    client.post("/suggest", data=SUGGESTION)
    row = session.execute(
        select(Suggestion).where(Suggestion.proposed["name"].astext == "Knit and Natter")
    ).scalar_one()
    login(client, coordinator)
    page = client.get(f"/assets/new?suggestion={row.id}").get_data(as_text=True)
    assert 'value="Knit and Natter"' in page and "From a community suggestion" in page
    from tests.test_upkeep_assets import form_data

    resp = client.post("/assets/new", data=form_data(name="Knit and Natter", suggestion=str(row.id)))
    assert resp.status_code == 302
    service = session.execute(select(Service).where(Service.name == "Knit and Natter")).scalar_one()
    assert service.source == "suggestion" and service.source_id == str(row.id)
    note = session.execute(select(AssetChange.note).where(AssetChange.service_id == service.id)).scalar_one()
    assert note.startswith("Suggested by Pat")
    row = fresh(Suggestion, row.id)
    assert row.status == "accepted" and row.resolved_by_id == coordinator.id
    assert row.suggester_email is None  # no longer needed once dealt with
    # it cannot be accepted twice
    assert client.post("/assets/new", data=form_data(name="Again", suggestion=str(row.id))).status_code == 409


def test_turning_down_a_suggestion(client, coordinator):
    client.post("/suggest", data=SUGGESTION)
    row = session.execute(select(Suggestion)).scalars().all()[-1]
    login(client, coordinator)
    resp = client.post(f"/review/suggestions/{row.id}/resolve", data={"status": "rejected"})
    assert resp.status_code == 302
    assert fresh(Suggestion, row.id).status == "rejected"


def test_anyone_can_report_a_problem_and_fixing_the_listing_closes_it(client, coordinator):
    service = make_asset(name="Lunch Club")
    sid = service.id
    resp = client.post(
        f"/assets/{sid}/report",
        data={"problem_type": "wrong_time", "details": "It is Wednesdays now"},
        follow_redirects=True,
    )
    assert resp.status_code == 200 and "Report sent" in resp.get_data(as_text=True)
    report = session.execute(select(Suggestion).where(Suggestion.service_id == sid)).scalar_one()
    assert report.kind == "problem" and report.ward_code == LADYWOOD
    login(client, coordinator)
    assert "The days or times are wrong" in client.get("/review").get_data(as_text=True)
    page = client.get(f"/assets/{sid}/edit?suggestion={report.id}").get_data(as_text=True)
    assert "It is Wednesdays now" in page
    from tests.test_upkeep_assets import edit_data, session_fields

    data = edit_data(
        client,
        fresh(Service, sid),
        **session_fields(0, "weekly", held=True, weekly_days=["WE"], opens="10:00", closes="12:00"),
        suggestion=str(report.id),
    )
    assert client.post(f"/assets/{sid}/edit", data=data).status_code == 302
    assert fresh(Suggestion, report.id).status == "accepted"
    note = session.execute(
        select(AssetChange.note).where(AssetChange.service_id == sid, AssetChange.version == 2)
    ).scalar_one()
    assert note.startswith("After a problem report")


def test_a_problem_report_needs_a_reason_and_details_for_other(client, db):
    sid = make_asset().id
    assert client.post(f"/assets/{sid}/report", data={}).status_code == 400
    html = client.post(f"/assets/{sid}/report", data={"problem_type": "other"}).get_data(as_text=True)
    assert 'href="#details"' in html


def test_problem_reports_only_for_listings_the_visitor_can_see(client, db):
    sid = make_asset(visibility="practitioners").id
    assert client.get(f"/assets/{sid}/report").status_code == 404
    assert client.post(f"/assets/{sid}/report", data={"problem_type": "closed"}).status_code == 404
    assert client.get("/assets/00000000-0000-0000-0000-000000000000/report").status_code == 404


def test_archiving_from_a_closed_report_resolves_it(client, coordinator):
    sid = make_asset().id
    client.post(f"/assets/{sid}/report", data={"problem_type": "closed"})
    report = session.execute(select(Suggestion).where(Suggestion.service_id == sid)).scalar_one()
    login(client, coordinator)
    resp = client.post(f"/assets/{sid}/archive", data={"version": "1", "suggestion": str(report.id)})
    assert resp.status_code == 302
    assert fresh(Service, sid).archived_at is not None and fresh(Suggestion, report.id).status == "accepted"


@pytest.fixture(scope="module")
def limited_app(app):
    return build_strict_app(app, csrf=False)


def test_suggestions_are_rate_limited(limited_app, db):
    client = limited_app.test_client()
    with limits_on():
        statuses = [
            client.post("/suggest", data={**SUGGESTION, "name": f"Spam {i}", "website_url": "x"}).status_code
            for i in range(7)
        ]
    assert statuses[:5] == [302] * 5 and statuses[5:] == [429, 429]


def test_a_suggestion_only_closes_through_the_asset_it_is_about(client, coordinator):
    one, other = make_asset(name="One").id, make_asset(name="Other").id
    client.post(f"/assets/{one}/report", data={"problem_type": "closed"})
    report = session.execute(select(Suggestion).where(Suggestion.service_id == one)).scalar_one()
    login(client, coordinator)
    assert client.post(f"/assets/{other}/archive", data={"suggestion": str(report.id)}).status_code == 400
    assert client.get(f"/assets/new?suggestion={report.id}").status_code == 400
    assert fresh(Suggestion, report.id).status == "open" and fresh(Service, other).archived_at is None


def test_queue_pages_through_many_overdue_assets(app_ctx, db):
    from assetmap.accounts.auth import SessionUser
    from assetmap.upkeep.queries import due_assets

    user = make_user("coordinator", wards=[LADYWOOD])
    for i in range(5):
        make_asset(name=f"P{i}", last_verified=days_ago(400 + i))
    first, second = (due_assets(SessionUser(user), 6, page=p, per_page=3) for p in (1, 2))
    assert first.total == second.total >= 5 and first.pages == second.pages
    names = [a.name for a in first.assets + second.assets if a.name.startswith("P")]
    assert (
        names == ["P4", "P3", "P2", "P1", "P0"][: len(names)]
        and len({a.id for a in first.assets} & {a.id for a in second.assets}) == 0
    )


def test_a_constituency_lead_sees_suggestions_from_all_its_wards(client, db):
    nns = make_user("coordinator", constituencies=["E14001096"])
    client.post("/suggest", data=SUGGESTION)
    login(client, nns)
    assert "Knit and Natter" in client.get("/review").get_data(as_text=True)
