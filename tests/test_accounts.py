"""Accounts: sign-in and its logs, sessions and timeouts, CSRF, rate limits, the users CLI, admin and account pages."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select

from assetmap.accounts.cli import users as users_cli
from assetmap.db import session
from assetmap.models import ApiToken, User
from tests.factories import login
from tests.mail_helpers import link_in, loopback_mail
from tests.upkeep_helpers import ACOMB, LADYWOOD, LADYWOOD_CONSTITUENCY, build_strict_app, fresh, limits_on, make_user

PASSWORD = "correct horse battery"


def records(caplog, message):
    return [r for r in caplog.records if r.getMessage() == message]


# --------------------------------------------------------------------------- signing in


def test_sign_in_success_and_failure_are_logged_without_passwords(client, db, caplog):
    user = make_user("practitioner")
    caplog.set_level(logging.INFO, logger="assetmap")
    resp = client.post("/sign-in", data={"email": user.email, "password": "wrong password here"})
    assert resp.status_code == 400 and "Enter a correct email address and password" in resp.get_data(as_text=True)
    assert login(client, user).status_code == 302
    failed, ok = records(caplog, "sign-in failed"), records(caplog, "sign-in")
    assert len(failed) == 1 and len(ok) == 1 and ok[0].user_id == str(user.id)
    logged = " ".join(str(r.__dict__) for r in caplog.records)
    assert PASSWORD not in logged and "wrong password here" not in logged


def test_sign_in_sends_each_role_to_its_home(client, db):
    resp = login(client, make_user("coordinator", wards=[LADYWOOD]))
    assert resp.headers["Location"].endswith("/review")


def test_sign_in_follows_only_local_next_links(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    resp = client.post("/sign-in?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert resp.headers["Location"].endswith("/review")
    client.post("/sign-out")
    resp = client.post("/sign-in?next=/account", data={"email": user.email, "password": PASSWORD})
    assert resp.headers["Location"].endswith("/account")


def test_session_is_regenerated_at_sign_in(client, db):
    user = make_user("practitioner")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, user)
    with client.session_transaction() as s:
        assert "planted" not in s and s["sid"] and s["_user_id"] == str(user.id)


@pytest.mark.parametrize("key,age", [("seen_at", dt.timedelta(minutes=31)), ("login_at", dt.timedelta(hours=9))])
def test_idle_and_absolute_timeouts_sign_people_out(client, db, key, age):
    login(client, make_user("admin"))
    assert client.get("/account").status_code == 200
    with client.session_transaction() as s:
        s[key] = (dt.datetime.now(dt.UTC) - age).timestamp()
    resp = client.get("/account")
    assert resp.status_code == 302 and "/sign-in" in resp.headers["Location"]
    assert "signed out because you had not used the service" in client.get("/sign-in").get_data(as_text=True)


def test_a_deactivated_account_cannot_sign_in(client, db):
    user = make_user("practitioner")
    fresh(User, user.id).active = False
    session.commit()
    assert login(client, user).status_code == 400


# --------------------------------------------------------------------------- CSRF and rate limits (own app)


@pytest.fixture(scope="module")
def strict_app(app):
    return build_strict_app(app, csrf=True)


def test_every_form_needs_the_csrf_token(strict_app, db):
    client = strict_app.test_client()
    user = make_user("admin")
    assert client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 400
    assert client.post("/suggest", data={"name": "x"}).status_code == 400
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/sign-in").get_data(as_text=True))[1]
    assert (
        client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    assert client.post("/account/tokens", data={"token_name": "x"}).status_code == 400
    assert client.post("/sign-out").status_code == 400


def test_sign_in_is_rate_limited(strict_app, db):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    try:
        with limits_on():
            client = strict_app.test_client()
            # a new email each time, so this is the per-worker limiter, not the per-account count
            statuses = [
                client.post("/sign-in", data={"email": f"x{i}@example.org", "password": "nope"}).status_code
                for i in range(11)
            ]
    finally:
        strict_app.config["WTF_CSRF_ENABLED"] = True
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


# --------------------------------------------------------------------------- CLI


def test_cli_creates_a_coordinator_with_wards_and_a_constituency(runner, db):
    result = runner.invoke(
        users_cli,
        [
            "create",
            "Lead@Example.org",
            "--role",
            "coordinator",
            "--ward",
            ACOMB,
            "--constituency",
            LADYWOOD_CONSTITUENCY,
            "--password",
            PASSWORD,
        ],
    )
    assert result.exit_code == 0, result.output
    user = session.execute(select(User).where(User.email == "lead@example.org")).scalar_one()
    assert {(a.area_type, a.area_code) for a in user.areas} == {
        ("ward", ACOMB),
        ("constituency", LADYWOOD_CONSTITUENCY),
    }
    assert user.password_hash.startswith("$argon2")


def test_cli_refuses_unknown_areas_short_passwords_and_duplicates(runner, db):
    bad = runner.invoke(
        users_cli, ["create", "a@example.org", "--role", "coordinator", "--ward", "E05999999", "--password", PASSWORD]
    )
    assert bad.exit_code != 0 and "Unknown ward or constituency code: E05999999" in bad.output
    short = runner.invoke(users_cli, ["create", "b@example.org", "--role", "admin", "--password", "short"])
    assert short.exit_code != 0 and "12 characters" in short.output
    user = make_user("admin")
    dup = runner.invoke(users_cli, ["create", user.email, "--role", "admin", "--password", PASSWORD])
    assert dup.exit_code != 0 and "already an account" in dup.output


def test_cli_token_is_printed_once_and_stored_hashed(runner, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    result = runner.invoke(users_cli, ["token", user.email])
    assert result.exit_code == 0
    token = result.output.split()[0]
    assert token.startswith("am_")
    stored = session.execute(select(ApiToken.token_hash).where(ApiToken.user_id == user.id)).scalar_one()
    assert token not in stored
    assert runner.invoke(users_cli, ["token", make_user("practitioner").email]).exit_code != 0


def test_demo_accounts_are_created_once_and_never_in_production(runner, app, db, monkeypatch, tmp_path):
    monkeypatch.setattr("assetmap.config.VAR_DIR", tmp_path)  # never overwrite the real demo file
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    result = runner.invoke(users_cli, ["demo"])
    assert "no demo accounts" in result.output
    assert session.execute(select(User).where(User.is_demo.is_(True))).first() is None
    monkeypatch.setitem(app.config, "PRODUCTION", False)
    first = runner.invoke(users_cli, ["demo"])
    assert first.exit_code == 0 and first.output.count("password:") == 5
    roles = set(session.execute(select(User.role).where(User.is_demo.is_(True))).scalars())
    assert roles == {"admin", "coordinator", "practitioner", "commissioner"}
    again = runner.invoke(users_cli, ["demo"])
    assert "already exist" in again.output and "password:" not in again.output
    assert (tmp_path / "demo_accounts.txt").stat().st_mode & 0o077 == 0


# --------------------------------------------------------------------------- admin pages


def test_users_page_is_for_admins_only_and_refusals_are_logged(client, db, caplog):
    caplog.set_level(logging.WARNING, logger="assetmap")
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={}).status_code == 403
    assert len(records(caplog, "denied")) == 2


def test_admin_invites_a_coordinator_who_chooses_a_password_from_the_email(client, db, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="assetmap")
    app = client.application
    login(client, make_user("admin"))
    assert client.get("/admin/users").status_code == 200
    with loopback_mail(app, tmp_path) as deliver:
        resp = client.post(
            "/admin/users/new",
            data={
                "email": "newlead@example.org",
                "name": "New Lead",
                "role": "coordinator",
                "wards": [LADYWOOD, ACOMB],
            },
        )
        assert resp.status_code == 302
        page = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert "has been invited" in page and "shown only once" not in page  # no password on any page
        (msg,) = deliver()
    assert msg["To"] == "newlead@example.org" and "invited" in msg["Subject"]
    assert msg["List-Unsubscribe"]
    link = link_in(msg, "/set-password")
    user = session.execute(select(User).where(User.email == "newlead@example.org")).scalar_one()
    assert sorted(a.area_code for a in user.areas) == sorted([LADYWOOD, ACOMB])
    other = app.test_client()
    assert other.get(link).status_code == 200
    token = link.split("t=", 1)[1]
    mismatch = other.post(
        "/set-password", data={"t": token, "new_password": "a long new pass 1", "confirm_password": "x"}
    )
    assert mismatch.status_code == 400 and "do not match" in mismatch.get_data(as_text=True)
    done = other.post(
        "/set-password", data={"t": token, "new_password": "a long new pass 1", "confirm_password": "a long new pass 1"}
    )
    assert done.status_code == 302
    assert (
        other.post("/sign-in", data={"email": "newlead@example.org", "password": "a long new pass 1"}).status_code
        == 302
    )
    again = app.test_client().post(
        "/set-password", data={"t": token, "new_password": "another pass 22", "confirm_password": "another pass 22"}
    )
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)
    logged = " ".join(str(r.__dict__) for r in caplog.records)
    assert token not in logged and "newlead@example.org" not in logged.replace("'email': 'newlead@example.org'", "")


def test_a_tampered_or_expired_set_password_link_is_a_clear_4xx_and_changes_nothing(client, db, monkeypatch):
    import time

    from itsdangerous.timed import TimestampSigner

    from assetmap.accounts import usecases as account_usecases

    user = make_user("practitioner")
    with client.application.test_request_context():
        token = account_usecases._link(user, "reset").split("t=", 1)[1]
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 2 * 3600)
        old = account_usecases._link(user, "reset").split("t=", 1)[1]
        monkeypatch.undo()
    before = fresh(User, user.id).password_hash
    bad = client.post(
        "/set-password", data={"t": token[:-3] + "abc", "new_password": "p" * 12, "confirm_password": "p" * 12}
    )
    assert bad.status_code == 404 and "not complete or has been changed" in bad.get_data(as_text=True)
    gone = client.post("/set-password", data={"t": old, "new_password": "p" * 12, "confirm_password": "p" * 12})
    assert gone.status_code == 410 and "expired" in gone.get_data(as_text=True)
    assert client.get("/set-password").status_code == 404
    assert fresh(User, user.id).password_hash == before


def test_forgot_password_says_the_same_either_way_and_is_throttled(client, db, tmp_path):
    user = make_user("coordinator", wards=[LADYWOOD])
    with loopback_mail(client.application, tmp_path) as deliver:
        known = client.post("/forgot-password", data={"email": user.email.upper()})
        unknown = client.post("/forgot-password", data={"email": "nobody-here@example.org"})
        assert known.status_code == unknown.status_code == 200
        strip = lambda r: re.sub(r'(nonce|value)="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
        assert strip(known) == strip(unknown)
        (msg,) = deliver()
        assert msg["To"] == user.email
        for _ in range(5):
            assert client.post("/forgot-password", data={"email": user.email}).status_code == 200
        assert len(deliver()) == account_usecases_links_per_hour() - 1  # at most three an hour to one address
    bad = client.post("/forgot-password", data={"email": "not an address"})
    assert bad.status_code == 400 and 'href="#email"' in bad.get_data(as_text=True)


def account_usecases_links_per_hour() -> int:
    from assetmap.accounts.usecases import LINKS_PER_HOUR

    return LINKS_PER_HOUR


def test_admin_form_errors_link_to_fields(client, db):
    login(client, make_user("admin"))
    html = client.post("/admin/users/new", data={"email": "bad", "role": "coordinator"}).get_data(as_text=True)
    assert 'href="#email"' in html
    html = client.post(
        "/admin/users/new", data={"email": "ok@example.org", "role": "practitioner", "wards": [LADYWOOD]}
    ).get_data(as_text=True)
    assert session.execute(select(User).where(User.email == "ok@example.org")).scalar_one().areas == []


def test_admin_changes_role_and_areas_and_can_switch_an_account_off(client, db):
    target = make_user("coordinator", wards=[LADYWOOD])
    login(client, make_user("admin"))
    resp = client.post(
        f"/admin/users/{target.id}",
        data={"role": "coordinator", "name": "Renamed", "constituencies": [LADYWOOD_CONSTITUENCY], "active": "no"},
    )
    assert resp.status_code == 302
    row = fresh(User, target.id)
    assert row.active is False and row.name == "Renamed"
    assert [(a.area_type, a.area_code) for a in row.areas] == [("constituency", LADYWOOD_CONSTITUENCY)]
    assert (
        client.application.test_client()
        .post("/sign-in", data={"email": target.email, "password": PASSWORD})
        .status_code
        == 400
    )


def test_the_last_admin_cannot_be_demoted(client, db):
    for u in session.execute(select(User).where(User.role == "admin")).scalars():
        u.active = False
    admin = make_user("admin")
    login(client, admin)
    resp = client.post(f"/admin/users/{admin.id}", data={"role": "practitioner", "active": "yes"})
    assert resp.status_code == 400 and "at least one active administrator" in resp.get_data(as_text=True)
    assert fresh(User, admin.id).role == "admin"


def test_an_admin_sends_a_reset_link_and_setting_the_password_ends_the_persons_sessions(client, db, tmp_path):
    target = make_user("practitioner")
    theirs = client.application.test_client()
    login(theirs, target)
    assert theirs.get("/account").status_code == 200
    login(client, make_user("admin"))
    with loopback_mail(client.application, tmp_path) as deliver:
        resp = client.post(f"/admin/users/{target.id}/reset-password")
        assert resp.status_code == 302 and "shown only once" not in client.get(resp.headers["Location"]).get_data(
            as_text=True
        )
        (msg,) = deliver()
    assert theirs.get("/account").status_code == 200  # their password works until they choose a new one
    token = link_in(msg, "/set-password").split("t=", 1)[1]
    done = client.application.test_client().post(
        "/set-password", data={"t": token, "new_password": "a brand new one", "confirm_password": "a brand new one"}
    )
    assert done.status_code == 302
    assert theirs.get("/account").status_code == 302  # signed out everywhere


# --------------------------------------------------------------------------- your account


def test_changing_your_password_checks_the_current_one_and_ends_other_sessions(client, db):
    user = make_user("commissioner")
    elsewhere = client.application.test_client()
    login(elsewhere, user)
    login(client, user)
    resp = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "new_password": "a new long password",
            "confirm_password": "a new long password",
        },
    )
    assert resp.status_code == 400 and 'href="#current_password"' in resp.get_data(as_text=True)
    resp = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a new long password",
            "confirm_password": "a new long password",
        },
    )
    assert resp.status_code == 302
    assert client.get("/account").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/account").status_code == 302  # the other session has ended


def test_account_page_issues_a_token_once_and_revokes_it(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    login(client, user)
    html = client.post("/account/tokens", data={"token_name": "sync"}).get_data(as_text=True)
    token = re.search(r"am_[A-Za-z0-9_-]+", html)[0]
    assert "shown only once" in html
    assert token not in client.get("/account").get_data(as_text=True)
    row = session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert fresh(ApiToken, row.id).revoked_at is not None
    anonymous = client.application.test_client()
    assert anonymous.post("/api/assets", json={}, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_you_cannot_revoke_someone_elses_token(client, db):
    owner = make_user("coordinator", wards=[LADYWOOD])
    from assetmap.accounts.store import issue_token

    issue_token(owner, "theirs")
    session.commit()
    token_id = session.execute(select(ApiToken.id).where(ApiToken.user_id == owner.id)).scalar_one()
    login(client, make_user("admin"))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert fresh(ApiToken, token_id).revoked_at is None


def test_practitioners_have_no_tokens_section(client, db):
    login(client, make_user("practitioner"))
    html = client.get("/account").get_data(as_text=True)
    assert "API tokens" not in html and "Change your password" in html
    assert client.post("/account/tokens", data={"token_name": "x"}).status_code == 403
