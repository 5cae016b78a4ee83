"""Organisers keep their own listings true (issue 13): the organiser contact (kept apart, never published),
reminders on each council's cadence sent by the job through a real SMTP server on loopback, the three answers
reached with no account through a signed one-time link (and every bad link refused with a clear 4xx that
changes nothing), the steward accepting a proposed update in whole or in part, "not confirmed for over a
year" and its place in the search ranking, the coordinators' digest and its routing, the cadence settings,
the freshness page and unsubscribing."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from html import unescape

import pytest
from sqlalchemy import func, select

from assetmap.db import session
from assetmap.directory import organisers
from assetmap.directory.read import months_before
from assetmap.directory.store import service_snapshot as store_snapshot
from assetmap.errors import ValidationError
from assetmap.models import AssetChange, OrganiserContact, OrganiserReminder, ProposedUpdate, Service, User
from assetmap.upkeep import digest, reminders
from tests.factories import BIRMINGHAM_LONLAT, login
from tests.mail_helpers import html_of, link_in, loopback_mail, text_of
from tests.upkeep_helpers import ACOMB, LADYWOOD, LADYWOOD_CONSTITUENCY, fresh, make_asset, make_user

ORGANISER = "pat.lunchclub@example.org"
TODAY = dt.date.today()
NOW = dt.datetime.now(dt.UTC)


def page(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def with_organiser(months_ago: int = 11, email: str = ORGANISER, **kw) -> Service:
    """A listing last checked a day more than ``months_ago`` months ago, with an organiser who agreed by phone."""
    checked = months_before(TODAY, months_ago) - dt.timedelta(days=1)
    kw.setdefault("name", f"Lunch club {uuid.uuid4().hex[:6]}")
    service = make_asset(last_verified=checked.isoformat(), verification_method="phoned", **kw)
    organisers.set_contact(
        service.id, organisers.ContactInput("Pat Organiser", email, TODAY - dt.timedelta(days=400), "phone")
    )
    session.commit()
    return service


def reminders_for(service_id) -> list[OrganiserReminder]:
    session.expire_all()
    return list(
        session.execute(
            select(OrganiserReminder)
            .where(OrganiserReminder.service_id == service_id)
            .order_by(OrganiserReminder.round)
        ).scalars()
    )


@pytest.fixture
def mailbox(app, app_ctx, db, tmp_path):
    with loopback_mail(app, tmp_path) as deliver:
        yield deliver


def reminded(service, deliver) -> object:
    """Run the reminders job now and return the one email that arrived for ``service``."""
    reminders.run(NOW)
    got = [m for m in deliver() if service.name in m["Subject"]]
    assert len(got) == 1, [m["Subject"] for m in got]
    return got[0]


def token_of(msg, service, action: str) -> str:
    return link_in(msg, f"/listings/{service.id}/check{action}").split("t=", 1)[1]


# --------------------------------------------------------------------------- the contact, never published


def test_the_organiser_contact_is_sealed_and_never_published(client, app_ctx, db):
    service = with_organiser(name="Sealed lunch club", lon=BIRMINGHAM_LONLAT[0], lat=BIRMINGHAM_LONLAT[1])
    row = session.get(OrganiserContact, service.id)
    assert ORGANISER.encode() not in bytes(row.sealed) and row.email_hash != ORGANISER
    assert organisers.contact_of(service.id).email == ORGANISER
    login(client, make_user("practitioner"))
    for url in (
        f"/assets/{service.id}",
        f"/oruk/services/{service.id}",
        "/oruk/services?per_page=200",
        "/ogc/collections/assets/items?limit=1000",
        f"/assets/{service.id}/history",
    ):
        resp = client.get(url)
        assert ORGANISER not in resp.get_data(as_text=True) and "Pat Organiser" not in resp.get_data(as_text=True), url
    history = session.execute(select(AssetChange.changes).where(AssetChange.service_id == service.id)).scalars().all()
    assert ORGANISER not in str(history)


def test_a_coordinator_adds_changes_and_removes_the_organiser_on_the_asset_form(client, app_ctx, db):
    service = make_asset(name="Form club")
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    form = page(client.get(f"/assets/{service.id}/edit"))
    assert 'name="organiser_email"' in form and "never published" in form
    base = {k: v for k, v in _form_fields(form).items() if not k.startswith("organiser_")}
    bad = client.post(f"/assets/{service.id}/edit", data={**base, "organiser_email": "pat@example.org"})
    assert bad.status_code == 400 and 'href="#organiser_consent_method"' in page(bad)
    assert organisers.contact_of(service.id) is None  # nothing half-written
    ok = client.post(
        f"/assets/{service.id}/edit",
        data={
            **base,
            "organiser_name": "Pat",
            "organiser_email": "Pat@Example.org",
            "organiser_consent_method": "email",
        },
    )
    assert ok.status_code == 302, page(ok)[:3000]
    stored = organisers.contact_of(service.id)
    assert (stored.email, stored.consent_method, stored.consent_on) == ("pat@example.org", "email", TODAY)
    form = page(client.get(f"/assets/{service.id}/edit"))
    assert 'value="pat@example.org"' in form
    fields = _form_fields(form)
    cleared = {**fields, "organiser_name": "", "organiser_email": "", "organiser_consent_on": ""}
    cleared.pop("organiser_consent_method", None)
    assert client.post(f"/assets/{service.id}/edit", data=cleared).status_code == 302
    assert organisers.contact_of(service.id) is None


def _form_fields(html: str) -> dict:
    """The asset form's inputs as the browser would post them (checked radios and boxes, selected options)."""
    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name[1] in ("csrf_token", "form_token"):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind[1] in ("radio", "checkbox"):
            if "checked" in tag:
                data.setdefault(name[1], []).append(value[1] if value else "on")
            continue
        data[name[1]] = value[1] if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen[1] if chosen else ""
    return data


def test_an_import_carries_the_organiser_and_refuses_a_bad_one_naming_the_row(app_ctx, db):
    from assetmap.upkeep.usecases import imports
    from tests.factories import asset_fields
    from tests.test_import_assets import csv_bytes
    from tests.upkeep_helpers import actor

    admin = actor(make_user("admin"))
    good = asset_fields(
        organiser_name="Sam",
        organiser_email="sam@example.org",
        organiser_consent_on="2026-01-05",
        organiser_consent_method="form",
    )
    bad = asset_fields(organiser_email="sam@example.org", organiser_consent_method="telepathy")
    plan, _ = imports.plan_import(admin, "rows.csv", csv_bytes([good, bad]))
    assert [(e.row, e.field) for e in plan.errors] == [(3, "organiser_consent_method")]
    with pytest.raises(ValidationError):
        imports.apply_import(admin, "rows.csv", csv_bytes([good, bad]))
    assert session.execute(select(func.count()).select_from(OrganiserContact)).scalar_one() == 0
    imports.apply_import(admin, "rows.csv", csv_bytes([good]))
    again, _ = imports.plan_import(admin, "rows.csv", csv_bytes([good]))
    assert again.contacts == {}  # re-importing the same contact changes nothing
    service = session.execute(select(Service).where(Service.source_id == good["source_id"])).scalar_one()
    got = organisers.contact_of(service.id)
    assert (got.name, got.email, got.consent_on, got.consent_method) == (
        "Sam",
        "sam@example.org",
        dt.date(2026, 1, 5),
        "form",
    )


# --------------------------------------------------------------------------- reminders on the cadence


def test_reminders_go_at_11_12_and_13_months_once_each_and_then_the_listing_is_unconfirmed(mailbox):
    early = with_organiser(months_ago=10)
    due = with_organiser(months_ago=11)
    msg = reminded(due, mailbox)
    assert reminders_for(early.id) == []
    assert [r.round for r in reminders_for(due.id)] == [1]
    reminders.run(NOW)  # again: nothing twice
    assert mailbox() == [] and len(reminders_for(due.id)) == 1
    assert msg["To"] == ORGANISER and msg["List-Unsubscribe"]
    body = text_of(msg)
    assert "Is this still right?" in msg["Subject"] and due.name in body and "Dear Pat Organiser" in body
    for action in ("/still-right", "/changes", "/stopped", "/contact"):
        assert token_of(msg, due, action)
    assert "<a" in html_of(msg) and "Still right" in html_of(msg)

    # a month on: the second; two more months: the third (only the latest due, never two at once)
    later = with_organiser(months_ago=13, email="late@example.org")
    reminders.run(NOW)
    assert [r.round for r in reminders_for(later.id)] == [3]
    assert fresh(Service, later.id).unconfirmed_since is None  # 14 days' grace after the third
    reminders.run(NOW + dt.timedelta(days=15))
    assert fresh(Service, later.id).unconfirmed_since == (NOW + dt.timedelta(days=15)).date()
    assert fresh(Service, due.id).unconfirmed_since is None


def test_the_second_reminder_comes_a_month_after_the_first(mailbox):
    service = with_organiser(months_ago=11)
    reminded(service, mailbox)
    reminders.run(NOW + dt.timedelta(days=10))  # within the cadence's month: nothing
    assert [r.round for r in reminders_for(service.id)] == [1]
    reminders.run(NOW + dt.timedelta(days=32))
    assert [r.round for r in reminders_for(service.id)] == [1, 2]


def test_no_reminder_to_a_bounced_unsubscribed_or_archived_one_or_while_a_proposal_waits(mailbox, client):
    bounced = with_organiser(email="gone@example.org")
    session.get(OrganiserContact, bounced.id).bounced_at = NOW
    quitter = with_organiser(email="quit@example.org")
    session.commit()
    from assetmap.mail import optout

    client.post("/unsubscribe", data={"t": optout.unsubscribe_url("reminders", "quit@example.org").split("t=")[1]})
    reminders.run(NOW)
    assert mailbox() == []
    assert reminders_for(bounced.id) == [] and reminders_for(quitter.id) == []


def test_a_hard_bounce_marks_the_contact_for_the_steward(app, app_ctx, db, tmp_path):
    from assetmap.mail import delivery

    service = with_organiser(email="nobody@example.org")
    from tests.mail_helpers import mail_config, smtp_server

    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        box.refuse["nobody@example.org"] = "550 5.1.1 No such user"
        from urllib.parse import quote

        from tests.mail_helpers import SMTP_PASSWORD, SMTP_USER

        url = f"smtp://{SMTP_USER}:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{port}"
        with mail_config(app, SMTP_URL=url, SMTP_CA_FILE=ca, MAIL_FROM="a@example.gov.uk", NOTIFY_API_KEY=""):
            reminders.run(NOW)
            for n in range(4):
                delivery.deliver_due(NOW + dt.timedelta(days=n + 1))
    assert fresh(OrganiserContact, service.id).bounced_at is not None


# --------------------------------------------------------------------------- the three answers


def test_still_right_records_a_check_by_the_organiser_and_works_once(client, mailbox, caplog):
    caplog.set_level(logging.INFO)
    service = with_organiser()
    msg = reminded(service, mailbox)
    token = token_of(msg, service, "/still-right")
    view = client.get(link_in(msg, f"/listings/{service.id}/check/still-right"))
    assert view.status_code == 200 and service.name in page(view)
    assert fresh(Service, service.id).verification_method == "phoned"  # a GET (a mail scanner) changes nothing
    done = client.post(f"/listings/{service.id}/check/still-right", data={"t": token})
    assert done.status_code == 302
    row = fresh(Service, service.id)
    assert (row.last_verified_on, row.verification_method) == (TODAY, "organiser")
    again = client.post(f"/listings/{service.id}/check/still-right", data={"t": token})
    assert again.status_code == 409 and "already been used" in page(again)
    public = page(client.get(f"/assets/{service.id}"))
    assert f"Checked by the organiser on {TODAY.day} {TODAY:%B %Y}" in public
    leaks = [
        r.__dict__
        for r in caplog.records
        if r.name.startswith("assetmap") and (token in str(r.__dict__) or ORGANISER in str(r.__dict__))
    ]
    assert leaks == []


def test_tampered_expired_and_other_listings_links_are_clear_4xx_pages_that_change_nothing(client, mailbox):
    service = with_organiser()
    other = with_organiser(email="other@example.org")
    msg = reminded(service, mailbox)
    token = token_of(msg, service, "/still-right")
    url = f"/listings/{service.id}/check/still-right"
    cases = [
        (url, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), 404, "not complete or has been changed"),
        (url, "", 404, "not complete"),
        (url, "x" * 5000, 404, "not complete"),
        (f"/listings/{other.id}/check/still-right", token, 403, "for a different listing"),
    ]
    for target, t, status, words in cases:
        resp = client.post(target, data={"t": t})
        assert resp.status_code == status and words in page(resp), (target, status)
        assert client.get(target + "?t=" + t).status_code == status
    reminder = reminders_for(service.id)[0]
    reminder.expires_at = NOW - dt.timedelta(minutes=1)
    session.commit()
    resp = client.post(url, data={"t": token})
    assert resp.status_code == 410 and "expired" in page(resp)
    for s in (service, other):
        assert fresh(Service, s.id).verification_method == "phoned"
    assert session.execute(select(func.count()).select_from(ProposedUpdate)).scalar_one() == 0


def test_something_has_changed_is_validated_like_the_coordinators_form_and_waits_for_the_steward(client, mailbox):
    service = with_organiser(name="Tuesday lunch club")
    msg = reminded(service, mailbox)
    token = token_of(msg, service, "/changes")
    form = page(client.get(f"/listings/{service.id}/check/changes?t={token}"))
    assert 'value="Tuesday lunch club"' in form  # pre-filled
    fields = _form_fields(form)
    bad = client.post(f"/listings/{service.id}/check/changes", data={**fields, "name": "", "url": "not a web address"})
    assert bad.status_code == 400 and 'href="#name"' in page(bad)
    unchanged = client.post(f"/listings/{service.id}/check/changes", data=fields)
    assert unchanged.status_code == 400 and "not changed anything" in page(unchanged)
    assert reminders_for(service.id)[0].used_at is None  # the link still works after a refusal
    sent = client.post(
        f"/listings/{service.id}/check/changes",
        data={**fields, "name": "Wednesday lunch club", "phone": "0121 496 0000", "note": "We moved to Wednesdays"},
    )
    assert sent.status_code == 302
    assert fresh(Service, service.id).name == "Tuesday lunch club"  # nothing changes until a steward accepts
    proposal = session.execute(select(ProposedUpdate).where(ProposedUpdate.service_id == service.id)).scalar_one()
    assert proposal.kind == "change" and set(proposal.fields) == {"name", "phone"}
    assert client.post(f"/listings/{service.id}/check/changes", data={**fields, "name": "Again"}).status_code == 409

    # the steward: the queue shows it with its age; the page shows field by field; accept the name only
    steward = client.application.test_client()
    login(steward, make_user("coordinator", wards=[LADYWOOD]))
    queue = page(steward.get("/review"))
    assert "Wednesday lunch club" in queue or "Tuesday lunch club" in queue
    review = page(steward.get(f"/review/proposals/{proposal.id}"))
    assert "Wednesday lunch club" in review and "0121 496 0000" in review and "We moved to Wednesdays" in review
    version = fresh(Service, service.id).version
    none = steward.post(f"/review/proposals/{proposal.id}", data={"decision": "accept", "version": version})
    assert none.status_code == 400 and "at least one" in page(none)
    ok = steward.post(
        f"/review/proposals/{proposal.id}", data={"decision": "accept", "fields": ["name"], "version": version}
    )
    assert ok.status_code == 302
    row = fresh(Service, service.id)
    assert row.name == "Wednesday lunch club" and "0121 496 0000" not in str(store_snapshot(row))
    assert row.verification_method == "organiser"
    assert fresh(ProposedUpdate, proposal.id).status == "partly"
    again = steward.post(
        f"/review/proposals/{proposal.id}", data={"decision": "accept", "fields": ["phone"], "version": row.version}
    )
    assert (
        again.status_code == 409
        and "already been dealt with" in page(again)
        and "0121 496 0000" not in str(store_snapshot(fresh(Service, service.id)))
    )


def test_another_coordinator_cannot_see_or_accept_a_proposal(client, mailbox):
    service = with_organiser()
    msg = reminded(service, mailbox)
    client.post(f"/listings/{service.id}/check/stopped", data={"t": token_of(msg, service, "/stopped")})
    proposal = session.execute(select(ProposedUpdate).where(ProposedUpdate.service_id == service.id)).scalar_one()
    outsider = client.application.test_client()
    login(outsider, make_user("coordinator", wards=[ACOMB]))
    assert outsider.get(f"/review/proposals/{proposal.id}").status_code == 403
    assert outsider.post(f"/review/proposals/{proposal.id}", data={"decision": "accept"}).status_code == 403
    assert fresh(Service, service.id).archived_at is None


def test_no_longer_running_is_a_proposal_the_steward_confirms(client, mailbox):
    service = with_organiser()
    msg = reminded(service, mailbox)
    token = token_of(msg, service, "/stopped")
    assert client.get(f"/listings/{service.id}/check/stopped?t={token}").status_code == 200
    assert (
        client.post(f"/listings/{service.id}/check/stopped", data={"t": token, "note": "Ended in May"}).status_code
        == 302
    )
    assert fresh(Service, service.id).archived_at is None
    proposal = session.execute(select(ProposedUpdate).where(ProposedUpdate.service_id == service.id)).scalar_one()
    assert (proposal.kind, proposal.note) == ("closure", "Ended in May")
    steward = client.application.test_client()
    login(steward, make_user("coordinator", wards=[LADYWOOD]))
    resp = steward.post(
        f"/review/proposals/{proposal.id}", data={"decision": "accept", "version": fresh(Service, service.id).version}
    )
    assert resp.status_code == 302 and fresh(Service, service.id).archived_at is not None


def test_the_organiser_changes_or_removes_their_own_details(client, mailbox):
    service = with_organiser()
    msg = reminded(service, mailbox)
    token = token_of(msg, service, "/contact")
    url = f"/listings/{service.id}/check/contact"
    assert ORGANISER in page(client.get(f"{url}?t={token}"))
    bad = client.post(url, data={"t": token, "choice": "change", "organiser_email": "not-an-address"})
    assert bad.status_code == 400 and organisers.contact_of(service.id).email == ORGANISER
    ok = client.post(
        url, data={"t": token, "choice": "change", "organiser_name": "Pat", "organiser_email": "pat@new.example.org"}
    )
    assert ok.status_code == 302
    got = organisers.contact_of(service.id)
    assert (got.email, got.consent_method, got.consent_on) == ("pat@new.example.org", "link", TODAY)

    other = with_organiser(email="leaving@example.org")
    msg = reminded(other, mailbox)
    resp = client.post(
        f"/listings/{other.id}/check/contact", data={"t": token_of(msg, other, "/contact"), "choice": "remove"}
    )
    assert resp.status_code == 302 and organisers.contact_of(other.id) is None


def test_a_coordinator_sends_a_link_now(client, mailbox):
    service = with_organiser(months_ago=2)
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    assert client.post(f"/assets/{service.id}/organiser-link").status_code == 302
    (msg,) = mailbox()
    assert msg["To"] == ORGANISER and [r.round for r in reminders_for(service.id)] == [0]
    bare = make_asset()
    resp = client.post(f"/assets/{bare.id}/organiser-link")
    assert resp.status_code == 302 and mailbox() == []


# --------------------------------------------------------------------------- unconfirmed, and the ranking


def test_unconfirmed_listings_rank_below_stale_ones_below_fresh_at_equal_distance(client, app_ctx, db):
    spot = {"lon": BIRMINGHAM_LONLAT[0], "lat": round(BIRMINGHAM_LONLAT[1] + 0.004, 6)}
    make_asset(name="Aardvark (unconfirmed)", last_verified="2024-01-10", **spot)
    make_asset(name="Bee (stale)", last_verified="2024-01-10", **spot)
    make_asset(name="Cat (fresh)", last_verified=TODAY.isoformat(), **spot)
    gone = session.execute(select(Service).where(Service.name == "Aardvark (unconfirmed)")).scalar_one()
    gone.unconfirmed_since = TODAY
    session.commit()
    body = client.post(
        "/api/search", json={"lat": BIRMINGHAM_LONLAT[1], "lon": BIRMINGHAM_LONLAT[0], "radius_m": 1000}
    ).get_json()
    names = [f["properties"]["name"] for f in body["features"] if f["properties"]["name"].endswith(")")]
    assert names == ["Cat (fresh)", "Bee (stale)", "Aardvark (unconfirmed)"]
    login(client, make_user("practitioner"))
    assert "not confirmed for over a year" in page(client.get(f"/assets/{gone.id}")).lower()


def test_a_check_lifts_unconfirmed(client, app_ctx, db):
    service = with_organiser(months_ago=14)
    service.unconfirmed_since = TODAY
    session.commit()
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    client.post(f"/assets/{service.id}/verify", data={"method": "phoned"})
    assert fresh(Service, service.id).unconfirmed_since is None


# --------------------------------------------------------------------------- the digest


def test_the_digest_goes_to_the_wards_coordinator_else_the_constituency_lead_else_admins_once_a_day(client, mailbox):
    ward_lead = make_user("coordinator", wards=[LADYWOOD])
    service = with_organiser()
    msg = reminded(service, mailbox)
    client.post(f"/listings/{service.id}/check/stopped", data={"t": token_of(msg, service, "/stopped")})
    changed = with_organiser(email="changed@example.org")
    msg = reminded(changed, mailbox)
    token = token_of(msg, changed, "/changes")
    form = _form_fields(page(client.get(f"/listings/{changed.id}/check/changes?t={token}")))
    assert (
        client.post(f"/listings/{changed.id}/check/changes", data={**form, "name": "Renamed club"}).status_code == 302
    )
    assert digest.send_digests(NOW).startswith("1 digests")
    got = {m["To"]: m for m in mailbox()}
    assert ward_lead.email in got
    body = text_of(got[ward_lead.email])
    assert service.name in body and "Organisers say it has stopped" in body and got[ward_lead.email]["List-Unsubscribe"]
    assert changed.name in body and "Changes proposed by organisers" in body
    digest.send_digests(NOW + dt.timedelta(minutes=5))  # nothing new: nothing twice
    assert ward_lead.email not in {m["To"] for m in mailbox()}

    # routing without sending: no ward coordinator -> the constituency's; neither -> the admins
    con_lead = make_user("coordinator", constituencies=[LADYWOOD_CONSTITUENCY])
    item = digest.Item("proposal", "x", NOW, "upkeep.review_queue", (), frozenset({LADYWOOD}))
    assert ward_lead.id in digest.recipients([item]) and con_lead.id not in digest.recipients([item])
    ward_lead_row = session.get(User, ward_lead.id)
    ward_lead_row.active = False
    session.commit()
    assert set(digest.recipients([item])) == {con_lead.id}
    con_lead_row = session.get(User, con_lead.id)
    con_lead_row.active = False
    session.commit()
    admins = set(session.execute(select(User.id).where(User.role == "admin", User.active.is_(True))).scalars())
    assert set(digest.recipients([item])) == admins


def test_the_digest_can_be_turned_off_and_on(client, mailbox):
    lead = make_user("coordinator", wards=[LADYWOOD])
    login(client, lead)
    assert client.post("/account/digest", data={}).status_code == 302
    with_organiser(months_ago=15).unconfirmed_since = TODAY
    session.commit()
    digest.send_digests(NOW)
    assert lead.email not in {m["To"] for m in mailbox()}
    client.post("/account/digest", data={"digest": "on"})
    digest.send_digests(NOW + dt.timedelta(days=1))
    assert lead.email in {m["To"] for m in mailbox()}


# --------------------------------------------------------------------------- settings, freshness, unsubscribe


def test_a_coordinator_sets_their_councils_cadence_and_not_anothers(client, app_ctx, db):
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    assert client.get("/settings/reminders").status_code == 200
    form = {"first_months": "10", "second_months": "11", "third_months": "12", "grace_days": "7"}
    assert client.post("/settings/reminders", data={**form, "lad_code": "E08000025"}).status_code == 302
    assert reminders.cadences()["E08000025"] == reminders.Cadence(10, 11, 12, 7)
    bad = client.post("/settings/reminders", data={**form, "third_months": "9", "lad_code": "E08000025"})
    assert bad.status_code == 400 and "must come after" in page(bad)
    assert client.post("/settings/reminders", data={**form, "lad_code": "E06000014"}).status_code == 403  # York
    assert (
        client.post("/settings/reminders", data={**form, "first_months": "x", "lad_code": "E08000025"}).status_code
        == 400
    )
    assert reminders.cadences()["E08000025"] == reminders.Cadence(10, 11, 12, 7)


def test_the_council_cadence_moves_the_first_reminder(mailbox):
    from assetmap.upkeep.reminders import Cadence, set_cadence

    set_cadence("E08000025", Cadence(9, 10, 11, 14), None, NOW)
    service = with_organiser(months_ago=9)
    reminders.run(NOW)
    assert [r.round for r in reminders_for(service.id)] == [1]


def test_the_freshness_page_shows_the_share_confirmed_by_ward_and_steward(client, app_ctx, db):
    lead = make_user("coordinator", wards=[LADYWOOD])
    make_asset(name="Fresh one", last_verified=TODAY.isoformat(), verification_method="organiser", steward_id=lead.id)
    make_asset(name="Old one", last_verified="2023-01-01", steward_id=lead.id)
    login(client, lead)
    html = page(client.get("/freshness?council=E08000025"))
    assert "Ladywood" in html and "50%" in html
    login(client, make_user("practitioner"))
    assert client.get("/freshness").status_code == 403


def test_unsubscribe_works_from_the_link_and_one_click_and_refuses_a_bad_one(client, app_ctx, db):
    from assetmap.mail import optout

    token = optout.unsubscribe_url("reminders", ORGANISER).split("t=", 1)[1]
    assert client.get(f"/unsubscribe?t={token}").status_code == 200
    assert not optout.opted_out("reminders", ORGANISER)
    assert client.post("/unsubscribe", data={"t": token}).status_code == 200
    assert client.post("/unsubscribe", data={"t": token}).status_code == 200  # again is harmless
    assert optout.opted_out("reminders", ORGANISER)
    assert client.post("/unsubscribe", data={"t": token[:-2] + "zz"}).status_code == 404
