"""Submit once (``assetmap/once.py``): reloading a confirmation or sending a form again never records twice.

Each recording form is sent twice with the same one-time token, as a browser does on reload, on back and
submit again, or as a replayed request: the second is recognised, sent to the first one's result with a
message, and nothing is recorded again. Also: the claim is rolled back with a refused form, two claims at
once record once, old receipts are deleted, and receipts hold no personal data.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, func, select, text

from assetmap.db import session
from assetmap.models import (
    ApiToken,
    AssetChange,
    ConnectionLog,
    Service,
    SubmissionReceipt,
    Suggestion,
    TaxonomyTerm,
    UnmetNeed,
    User,
)
from assetmap.once import KEEP_HOURS, Repeated, _key, new_token, once
from tests.factories import BIRMINGHAM_POSTCODE, login
from tests.upkeep_helpers import LADYWOOD, fresh, make_asset, make_user


def html(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def count(model, *where) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def banner(client, path: str) -> str:
    """The page a repeat was sent to, with its notice."""
    return html(client.get(path))


def results_sid(client) -> str:
    resp = client.post("/search", data={"postcode": BIRMINGHAM_POSTCODE, "distance": "1"})
    assert resp.status_code == 303
    return resp.headers["Location"].rsplit("/", 1)[1]


@pytest.fixture
def practitioner_client(client, db):
    login(client, make_user("practitioner"))
    return client


@pytest.fixture
def coordinator_client(client, db):
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    return client


# --------------------------------------------------------------------------- practitioners


def test_reloading_connection_recorded_records_one_connection(practitioner_client):
    client = practitioner_client
    a = make_asset(name="Walking group")
    sid, token = results_sid(client), new_token()
    form = {"capability": "enjoyment", "from": sid, "followup": "yes", "form_token": token}
    first = client.post(f"/assets/{a.id}/connections", data=form)
    assert first.status_code == 303
    done = first.headers["Location"]
    for _ in range(3):  # reloading the confirmation page is a GET: nothing is sent again
        page = client.get(done)
        assert page.status_code == 200 and "Connection recorded" in html(page)
    again = client.post(f"/assets/{a.id}/connections", data=form)  # the POST itself sent again
    assert again.status_code == 303 and again.headers["Location"] == done
    page = banner(client, done)
    assert "You have already recorded this connection." in page and "Connection recorded" in page
    assert count(ConnectionLog, ConnectionLog.service_id == a.id) == 1


def test_a_fresh_form_for_a_just_recorded_asset_asks_before_recording_another(practitioner_client):
    """The back button fetches the asset page anew (it is never cached), so its form has a new token."""
    client = practitioner_client
    a = make_asset(name="Lunch club")
    first = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment"})
    assert first.status_code == 303
    token = new_token()
    ask = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "form_token": token})
    page = html(ask)
    assert ask.status_code == 200 and "You have already recorded a connection to Lunch club" in page
    assert f'name="form_token" value="{token}"' in page and 'name="again" value="yes"' in page
    assert first.headers["Location"] in page  # "View the connection you recorded"
    assert count(ConnectionLog, ConnectionLog.service_id == a.id) == 1
    another = client.post(
        f"/assets/{a.id}/connections", data={"capability": "enjoyment", "form_token": token, "again": "yes"}
    )
    assert another.status_code == 303 and another.headers["Location"] != first.headers["Location"]
    assert count(ConnectionLog, ConnectionLog.service_id == a.id) == 2
    replay = client.post(
        f"/assets/{a.id}/connections", data={"capability": "enjoyment", "form_token": token, "again": "yes"}
    )
    assert replay.headers["Location"] == another.headers["Location"]
    assert count(ConnectionLog, ConnectionLog.service_id == a.id) == 2


def test_a_refused_connection_form_keeps_its_token_free(practitioner_client):
    client = practitioner_client
    a = make_asset()
    token = new_token()
    assert client.post(f"/assets/{a.id}/connections", data={"form_token": token}).status_code == 400
    ok = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "form_token": token})
    assert ok.status_code == 303 and ok.headers["Location"].startswith("/connections/")
    assert count(ConnectionLog, ConnectionLog.service_id == a.id) == 1


def test_the_connection_confirmation_shows_only_in_the_browser_that_recorded_it(practitioner_client, app):
    a = make_asset()
    done = practitioner_client.post(
        f"/assets/{a.id}/connections", data={"capability": "enjoyment", "followup": "yes"}
    ).headers["Location"]
    assert re.search(r'class="am-ref">[A-Z0-9]{4}-[A-Z0-9]{4}<', html(practitioner_client.get(done)))
    other = app.test_client()
    login(other, make_user("practitioner"))
    page = other.get(done)
    assert page.status_code == 404 and "no longer available" in html(page)
    assert "am-ref" not in html(page)


def test_nothing_suitable_sent_again_with_an_older_cookie_is_recognised(practitioner_client):
    client = practitioner_client
    sid, token = results_sid(client), new_token()
    with client.session_transaction() as sess:
        before = dict(sess)  # the cookie as it was before: a replayed request carries this one
    first = client.post(f"/search/results/{sid}/nothing-suitable", data={"form_token": token})
    assert first.status_code == 303
    with client.session_transaction() as sess:
        sess.clear()
        sess.update(before)
    again = client.post(f"/search/results/{sid}/nothing-suitable", data={"form_token": token})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "You have already recorded that nothing suitable was found" in banner(client, again.headers["Location"])
    assert count(UnmetNeed) == 1


def test_follow_up_sent_again_is_recognised(practitioner_client):
    client = practitioner_client
    a = make_asset(name="Book club")
    done = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "followup": "yes"})
    ref = session.execute(select(ConnectionLog.followup_ref).where(ConnectionLog.service_id == a.id)).scalar_one()
    form = {"reference": ref, "attended": "yes", "helped": "yes", "form_token": new_token()}
    assert done.status_code == 303
    first = client.post("/connections/follow-up", data=form)
    assert first.status_code == 303
    assert "Follow-up recorded for Book club" in banner(client, first.headers["Location"])
    again = client.post("/connections/follow-up", data=form)
    assert again.status_code == 303
    assert "You have already recorded this follow-up." in banner(client, again.headers["Location"])
    row = session.execute(select(ConnectionLog).where(ConnectionLog.service_id == a.id)).scalar_one()
    assert (row.followup_attended, row.followup_helped) == ("yes", "yes")


# --------------------------------------------------------------------------- community

SUGGESTION = {"name": "Knit and Natter", "description": "Knitting and chat, all welcome.", "postcode": "B1 1BA"}


def test_reloading_suggestion_sent_doubles_nothing(client, db):
    form = {**SUGGESTION, "form_token": new_token()}
    first = client.post("/suggest", data=form)
    assert first.status_code == 302 and first.headers["Location"] == "/suggest/sent"
    for _ in range(2):
        assert "Suggestion sent" in html(client.get("/suggest/sent"))
    again = client.post("/suggest", data=form)
    assert again.status_code == 303 and again.headers["Location"] == "/suggest/sent"
    assert "You have already sent this suggestion." in banner(client, "/suggest/sent")
    assert count(Suggestion, Suggestion.kind == "new_asset") == 1


def test_reloading_report_sent_doubles_nothing(client, db):
    a = make_asset()
    form = {"problem_type": "wrong_time", "details": "Wednesdays now", "form_token": new_token()}
    first = client.post(f"/assets/{a.id}/report", data=form)
    assert first.status_code == 302 and first.headers["Location"] == f"/assets/{a.id}/report/sent"
    assert "Report sent" in html(client.get(first.headers["Location"]))
    again = client.post(f"/assets/{a.id}/report", data=form)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "You have already sent this report." in banner(client, again.headers["Location"])
    assert count(Suggestion, Suggestion.service_id == a.id) == 1


def test_the_same_answers_from_a_fresh_copy_of_the_form_are_recognised(client, db):
    """Back, then submit: the browser fetched the form again, so it carries a new token but the same answers."""
    first = client.post("/suggest", data={**SUGGESTION, "form_token": new_token()})
    assert first.status_code == 302
    again = client.post("/suggest", data={**SUGGESTION, "form_token": new_token()})
    assert again.status_code == 303 and again.headers["Location"] == "/suggest/sent"
    assert "You have already sent this suggestion." in banner(client, "/suggest/sent")
    other = client.post("/suggest", data={**SUGGESTION, "name": "Another group", "form_token": new_token()})
    assert other.status_code == 302
    assert count(Suggestion, Suggestion.kind == "new_asset") == 2
    with client.session_transaction() as sess:
        remembered = json.dumps(sess.get("am_sent"))
    assert "Knit" not in remembered and "B1 1BA" not in remembered


def test_the_same_check_from_a_fresh_review_queue_is_recognised(coordinator_client):
    a = make_asset(last_verified="2025-01-01", verification_method="visited")
    for _ in range(2):
        resp = coordinator_client.post(
            f"/assets/{a.id}/verify", data={"method": "phoned", "next": "/review", "form_token": new_token()}
        )
    assert resp.status_code == 303
    assert count(AssetChange, AssetChange.service_id == a.id, AssetChange.action == "verify") == 1


def test_a_form_without_its_token_records_nothing(app, db):
    plain = FlaskClient(app, use_cookies=True)  # sends exactly what it is given
    resp = plain.post("/suggest", data=SUGGESTION)
    assert resp.status_code == 400 and "This form is out of date" in html(resp)
    resp = plain.post("/suggest", data={**SUGGESTION, "form_token": "not valid!"})
    assert resp.status_code == 400
    assert count(Suggestion) == 0


# --------------------------------------------------------------------------- coordinators


def test_still_accurate_sent_again_records_one_check(coordinator_client):
    client = coordinator_client
    a = make_asset(last_verified="2025-01-01", verification_method="visited")
    form = {"method": "phoned", "next": "/review", "form_token": new_token()}
    assert client.post(f"/assets/{a.id}/verify", data=form).status_code == 302
    again = client.post(f"/assets/{a.id}/verify", data=form)
    assert again.status_code == 303 and again.headers["Location"] == "/review"
    assert "You have already recorded this check." in banner(client, "/review")
    assert count(AssetChange, AssetChange.service_id == a.id, AssetChange.action == "verify") == 1


def test_add_asset_sent_twice_adds_one_asset(coordinator_client):
    from tests.test_upkeep_assets import form_data

    form = form_data(name="Double click club", form_token=new_token())
    first = coordinator_client.post("/assets/new", data=form)
    assert first.status_code == 302
    again = coordinator_client.post("/assets/new", data=form)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "You have already added this asset." in banner(coordinator_client, again.headers["Location"])
    assert count(Service, Service.name == "Double click club") == 1


def test_saving_an_edit_again_is_recognised_not_a_conflict(coordinator_client):
    from tests.test_upkeep_assets import edit_data

    a = make_asset(name="Old name")
    version = a.version
    form = edit_data(coordinator_client, a, name="New name", form_token=new_token())
    assert coordinator_client.post(f"/assets/{a.id}/edit", data=form).status_code == 302
    again = coordinator_client.post(f"/assets/{a.id}/edit", data=form)
    assert again.status_code == 303
    assert "You have already saved these changes." in banner(coordinator_client, again.headers["Location"])
    assert fresh(Service, a.id).version == version + 1


def test_archive_and_restore_version_sent_again_are_recognised(coordinator_client):
    client = coordinator_client
    a = make_asset()
    form = {"version": str(a.version), "form_token": new_token()}
    assert client.post(f"/assets/{a.id}/archive", data=form).status_code == 302
    assert client.post(f"/assets/{a.id}/archive", data=form).status_code == 303
    restore = {"form_token": new_token()}
    assert client.post(f"/assets/{a.id}/unarchive", data=restore).status_code == 302
    assert client.post(f"/assets/{a.id}/unarchive", data=restore).status_code == 303
    assert count(AssetChange, AssetChange.service_id == a.id, AssetChange.action == "archive") == 1
    assert count(AssetChange, AssetChange.service_id == a.id, AssetChange.action == "unarchive") == 1


def test_applying_an_import_again_imports_nothing_more(coordinator_client, app, tmp_path, monkeypatch):
    from tests.test_import_assets import ROW, csv_bytes, upload

    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path))
    page = upload(coordinator_client, csv_bytes([ROW])).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    assert coordinator_client.post("/import/apply", data={"token": token}).status_code == 302
    again = coordinator_client.post("/import/apply", data={"token": token})
    assert again.status_code == 303 and again.headers["Location"] == "/review"
    assert "You have already applied this import." in banner(coordinator_client, "/review")
    assert count(Service, Service.source == "import", Service.source_id == ROW["source_id"]) == 1


def test_resolving_a_suggestion_again_is_recognised(coordinator_client):
    client = coordinator_client
    client.post("/suggest", data=SUGGESTION)
    row = session.execute(select(Suggestion)).scalars().one()
    form = {"status": "rejected", "form_token": new_token()}
    assert client.post(f"/review/suggestions/{row.id}/resolve", data=form).status_code == 302
    again = client.post(f"/review/suggestions/{row.id}/resolve", data=form)
    assert again.status_code == 303
    assert "You have already dealt with this suggestion." in banner(client, "/review")


# --------------------------------------------------------------------------- administrators and accounts


def _queued(template: str) -> int:
    from assetmap.models import MailOutbox

    return session.execute(
        select(func.count()).select_from(MailOutbox).where(MailOutbox.template == template)
    ).scalar_one()


def test_creating_a_user_twice_creates_one_invites_once_and_says_so(client, db):
    login(client, make_user("admin"))
    form = {"email": "new.person@example.org", "role": "practitioner", "name": "New", "form_token": new_token()}
    first = client.post("/admin/users/new", data=form)
    uid = session.execute(select(User.id).where(User.email == "new.person@example.org")).scalar_one()
    assert first.status_code == 302 and first.headers["Location"] == f"/admin/users/{uid}"
    again = client.post("/admin/users/new", data=form)
    assert again.status_code == 303 and again.headers["Location"] == f"/admin/users/{uid}"
    assert "You have already created this account" in banner(client, again.headers["Location"])
    assert _queued("invitation") == 1


def test_sending_a_password_link_again_sends_one(client, db):
    login(client, make_user("admin"))
    person = make_user("practitioner")
    form = {"form_token": new_token()}
    hash_before = fresh(User, person.id).password_hash
    first = client.post(f"/admin/users/{person.id}/reset-password", data=form)
    assert first.status_code == 302
    again = client.post(f"/admin/users/{person.id}/reset-password", data=form)
    assert again.status_code == 303
    assert "You have already sent a link" in banner(client, again.headers["Location"])
    assert _queued("password_reset") == 1
    assert fresh(User, person.id).password_hash == hash_before  # nobody's password changes until they choose one


def test_an_api_token_form_sent_again_issues_one_token(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    login(client, user)
    form = {"token_name": "sync", "form_token": new_token()}
    first = client.post("/account/tokens", data=form)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    again = client.post("/account/tokens", data=form)
    assert again.status_code == 303 and "You have already created this token." in banner(client, "/account")
    assert count(ApiToken, ApiToken.user_id == user.id) == 1


def test_adding_a_term_twice_adds_one(client, db):
    login(client, make_user("admin"))
    form = {"name": "Sea swimming", "description": "", "form_token": new_token()}
    assert client.post("/admin/terms/category/new", data=form).status_code == 302
    again = client.post("/admin/terms/category/new", data=form)
    assert again.status_code == 303 and "You have already added this term." in banner(client, "/admin/terms")
    assert count(TaxonomyTerm, TaxonomyTerm.name == "Sea swimming") == 1


# --------------------------------------------------------------------------- the JSON API's Idempotency-Key


def api_headers(client, user, key=None) -> dict:
    from assetmap.accounts.store import issue_token

    token = issue_token(user, "test")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def api_asset(**overrides) -> dict:
    return {
        "name": "API club",
        "description": "Made through the API.",
        "categories": ["social-groups"],
        "modes": ["in_person"],
        "postcode": "B1 1BA",
        "visibility": "public",
        **overrides,
    }


def test_the_same_idempotency_key_and_body_returns_the_first_asset(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    headers = api_headers(client, user, key=str(uuid.uuid4()))
    first = client.post("/api/assets", json=api_asset(), headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/assets", json=dict(reversed(list(api_asset().items()))), headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Service, Service.name == "API club") == 1


def test_the_same_idempotency_key_with_another_body_is_refused(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    headers = api_headers(client, user, key="key-1")
    assert client.post("/api/assets", json=api_asset(), headers=headers).status_code == 201
    other = client.post("/api/assets", json=api_asset(name="Another club"), headers=headers)
    assert other.status_code == 422 and "different request body" in other.get_json()["error"]
    assert count(Service, Service.name == "Another club") == 0


def test_without_a_key_each_post_adds_an_asset_and_a_refused_post_keeps_its_key_free(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    plain = api_headers(client, user)
    assert client.post("/api/assets", json=api_asset(), headers=plain).status_code == 201
    assert client.post("/api/assets", json=api_asset(), headers=plain).status_code == 201
    assert count(Service, Service.name == "API club") == 2
    keyed = {**plain, "Idempotency-Key": "retry-me"}
    assert client.post("/api/assets", json=api_asset(name=""), headers=keyed).status_code == 400
    assert client.post("/api/assets", json=api_asset(name=""), headers=keyed).status_code == 400
    assert client.post("/api/assets", json=api_asset(name="Fixed"), headers=keyed).status_code == 201


def test_a_malformed_idempotency_key_is_a_400(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    headers = api_headers(client, user, key="x" * 256)
    resp = client.post("/api/assets", json=api_asset(), headers=headers)
    assert resp.status_code == 400 and "Idempotency-Key" in resp.get_json()["error"]
    assert count(Service, Service.name == "API club") == 0


def test_one_users_key_means_nothing_for_another(client, app, db):
    a, b = make_user("coordinator", wards=[LADYWOOD]), make_user("coordinator", wards=[LADYWOOD])
    assert client.post("/api/assets", json=api_asset(), headers=api_headers(client, a, key="shared")).status_code == 201
    other = app.test_client()
    resp = other.post("/api/assets", json=api_asset(), headers=api_headers(other, b, key="shared"))
    assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers
    assert count(Service, Service.name == "API club") == 2


# --------------------------------------------------------------------------- the receipts themselves


def test_receipts_hold_no_personal_data(client, db):
    token = new_token()
    before = set(session.execute(select(SubmissionReceipt.key_hash)).scalars())
    client.post("/suggest", data={**SUGGESTION, "suggester_email": "me@example.org", "form_token": token})
    columns = {c.name for c in SubmissionReceipt.__table__.columns}
    assert columns == {"key_hash", "kind", "created_at", "redirect_to", "body_hash"}
    rows = [
        r
        for r in session.execute(text("SELECT * FROM submission_receipt")).mappings().all()
        if r["key_hash"] not in before
    ]
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0].values())
    assert token not in stored and "example.org" not in stored and "B1 1BA" not in stored.upper()
    assert re.fullmatch(r"[0-9a-f]{64}", rows[0]["key_hash"])
    assert rows[0]["kind"] == "suggestion" and rows[0]["redirect_to"] == "/suggest/sent"


def test_receipts_older_than_a_day_are_deleted(app, db):
    session.execute(
        text(
            "INSERT INTO submission_receipt (key_hash, kind, created_at, redirect_to) VALUES "
            "(:k1, 'suggestion', now() - make_interval(hours => :h), '/'), "
            "(:k2, 'suggestion', now() - make_interval(hours => :h2), '/')"
        ),
        {"k1": "a" * 64, "k2": "b" * 64, "h": KEEP_HOURS + 1, "h2": KEEP_HOURS - 1},
    )
    session.commit()
    with app.test_request_context("/"):
        with once("suggestion", new_token(), "/"):
            pass
    kept = set(session.execute(select(SubmissionReceipt.key_hash)).scalars())
    assert "a" * 64 not in kept and "b" * 64 in kept


@pytest.mark.commits
def test_two_requests_with_one_token_at_once_record_once(app):
    """A double click, or two workers: the second claim waits for the first to commit, then is a repeat."""
    token, claimed, release = new_token(), threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def first():
        with app.test_request_context("/"):
            try:
                with once("suggestion", token, "/first") as claim:
                    claimed.set()
                    release.wait(10)
                    claim.send_to("/suggest/sent")
                outcomes["first"] = "recorded"
            finally:
                session.remove()

    def second():
        claimed.wait(10)
        with app.test_request_context("/"):
            try:
                with once("suggestion", token, "/second"):
                    outcomes["second"] = "recorded"
            except Repeated as exc:
                outcomes["second"] = exc.url
            finally:
                session.remove()

    def waiting_on_a_lock() -> bool:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO submission_receipt%'"
                    )
                ).scalar()
            )

    engine = create_engine(app.config["SQLALCHEMY_URL"])
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    try:
        for t in threads:
            t.start()
        claimed.wait(10)
        deadline = time.monotonic() + 10
        while not waiting_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_on_a_lock() and "second" not in outcomes  # the second waits on the first's row
        release.set()
        for t in threads:
            t.join(15)
        assert outcomes == {"first": "recorded", "second": "/suggest/sent"}
    finally:
        release.set()
        engine.dispose()
        with app.test_request_context("/"):
            session.execute(delete(SubmissionReceipt).where(SubmissionReceipt.key_hash == _key("suggestion", token)))
            session.commit()
            session.remove()
