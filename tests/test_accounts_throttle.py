"""Failed sign-ins counted in the database (``accounts/throttle.py``): per account and per client address,
the same for an email with no account, holding across separately created apps (standing for gunicorn
workers), and never storing an email or an address."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from html import unescape

import pytest
from sqlalchemy import delete, select, text

from assetmap import create_app
from assetmap.accounts import throttle
from assetmap.db import session
from assetmap.models import SignInThrottle, User
from tests.factories import login
from tests.upkeep_helpers import make_user

PASSWORD = "correct horse battery"
COOLING = "Too many attempts. Try again in 10 minutes."


def html(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def sign_in(client, email, password="wrong password!", address="192.0.2.10"):
    return client.post("/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_five_failures_cool_the_account_off_even_for_the_right_password(client, db):
    user = make_user("practitioner")
    for _ in range(4):
        resp = sign_in(client, user.email)
        assert resp.status_code == 400 and "Enter a correct email address and password" in html(resp)
    fifth = sign_in(client, user.email)
    assert fifth.status_code == 429 and COOLING in html(fifth)
    right = sign_in(client, user.email, PASSWORD)
    assert right.status_code == 429 and COOLING in html(right) and "/sign-in" not in right.headers.get("Location", "")
    assert 590 <= int(right.headers["Retry-After"]) <= 601
    page = html(right)
    assert '<a href="#email">Too many attempts. Try again in 10 minutes.</a>' in page  # the error summary


def test_an_email_with_no_account_gets_exactly_the_same_answers(client, db):
    user = make_user("practitioner")
    nobody = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
    real = [sign_in(client, user.email, address="192.0.2.20") for _ in range(6)]
    fake = [sign_in(client, nobody, address="192.0.2.21") for _ in range(6)]
    assert [r.status_code for r in real] == [r.status_code for r in fake] == [400] * 4 + [429] * 2

    def body(resp, email):
        return re.sub(r'(nonce|value)="[^"]*"', "", html(resp)).replace(email, "EMAIL")

    assert body(real[-1], user.email) == body(fake[-1], nobody)


def test_a_correct_password_clears_the_accounts_count(client, db):
    user = make_user("practitioner")
    for _ in range(4):
        sign_in(client, user.email)
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    client.post("/sign-out")
    for _ in range(4):
        assert sign_in(client, user.email).status_code == 400
    assert sign_in(client, user.email, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_cooled_off(client, db):
    user = make_user("practitioner")
    statuses = [
        sign_in(client, f"guess-{i}@example.org", address="198.51.100.7").status_code
        for i in range(throttle.ADDRESS_LIMIT)
    ]
    assert statuses[:-1] == [400] * (throttle.ADDRESS_LIMIT - 1) and statuses[-1] == 429
    assert sign_in(client, user.email, PASSWORD, address="198.51.100.7").status_code == 429
    assert sign_in(client, user.email, PASSWORD, address="198.51.100.8").status_code == 302


def test_an_ipv6_client_is_counted_by_its_64(app_ctx):
    one, same, other = (throttle.address_key(a) for a in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1"))
    assert one == same != other
    assert throttle.address_key("::ffff:192.0.2.1") == throttle.address_key("192.0.2.1")
    assert throttle.address_key(None) == throttle.address_key("not an address")


def test_the_cooling_off_ends_and_the_count_starts_again(app_ctx, db):
    email, address = "someone@example.org", "203.0.113.5"
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    for i in range(4):
        assert throttle.failed(email, address, now=start + dt.timedelta(minutes=i)) is None
    locked = throttle.failed(email, address, now=start + dt.timedelta(minutes=4))
    assert locked is not None and locked.message == COOLING
    during = throttle.locked(email, address, now=start + dt.timedelta(minutes=13, seconds=30))
    assert during is not None and during.message == "Too many attempts. Try again in 1 minute."
    # a try while cooling off neither counts nor extends it
    assert throttle.failed(email, address, now=start + dt.timedelta(minutes=13, seconds=40)) is None
    after = start + dt.timedelta(minutes=14, seconds=1)
    assert throttle.locked(email, address, now=after) is None
    assert all(throttle.failed(email, address, now=after + dt.timedelta(seconds=i)) is None for i in range(4))


def test_failures_spread_beyond_the_window_never_cool_off(app_ctx, db):
    email, address = "slow@example.org", "203.0.113.6"
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    for i in range(12):  # one every 4 minutes: at most 4 in any fixed 15-minute window
        assert throttle.failed(email, address, now=start + dt.timedelta(minutes=4 * i)) is None, i


def test_nothing_stored_names_the_email_or_the_address(client, db):
    email, address = f"private-{uuid.uuid4().hex[:6]}@example.org", "192.0.2.99"
    for _ in range(3):
        sign_in(client, email, address=address)
    rows = session.execute(text("SELECT * FROM signin_throttle")).mappings().all()
    assert {r["scope"] for r in rows} == {"account", "address"}
    dump = " ".join(str(v) for r in rows for v in r.values())
    assert email not in dump and email.split("@")[0] not in dump and address not in dump
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["key_hash"]) for r in rows)
    columns = {c.name for c in SignInThrottle.__table__.columns}
    assert columns == {"key_hash", "scope", "window_start", "failures", "locked_until", "expires_at"}


def test_expired_rows_are_deleted(app_ctx, db):
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    throttle.failed("old@example.org", "203.0.113.7", now=start)
    throttle.failed("new@example.org", "203.0.113.8", now=start + dt.timedelta(hours=1))
    keys = set(session.execute(select(SignInThrottle.key_hash)).scalars())
    assert throttle.account_key("old@example.org") not in keys
    assert throttle.account_key("new@example.org") in keys


def test_setting_a_password_from_a_link_ends_the_cooling_off(client, app, db):
    from assetmap.accounts import usecases

    person = make_user("practitioner")
    for _ in range(5):
        sign_in(client, person.email)
    assert sign_in(client, person.email, PASSWORD).status_code == 429
    with app.test_request_context():
        token = usecases._link(person, "reset").split("t=", 1)[1]
    new_password = "a fresh long password"
    done = app.test_client().post(
        "/set-password", data={"t": token, "new_password": new_password, "confirm_password": new_password}
    )
    assert done.status_code == 302
    assert sign_in(client, person.email, new_password).status_code == 302


def test_guessing_the_current_password_on_the_account_page_is_counted(client, db):
    user = make_user("practitioner")
    login(client, user)
    form = {
        "current_password": "wrong guess here",
        "new_password": "a new password 123",
        "confirm_password": "a new password 123",
    }
    statuses = [client.post("/account/password", data=form).status_code for _ in range(6)]
    assert statuses == [400] * 4 + [429] * 2
    assert COOLING in html(client.post("/account/password", data={**form, "current_password": PASSWORD}))
    session.expire_all()
    assert session.get(User, user.id).password_hash == user.password_hash


# --------------------------------------------------------------------------- two workers


@pytest.mark.commits
def test_the_count_holds_across_two_app_instances_sharing_the_database(database_url):
    """Two apps created separately (as two gunicorn workers are): failures sent to either count together,
    and concurrent failures are all counted (none lost to a race)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "two-workers",
    }
    one, two = create_app(dict(config)), create_app(dict(config))
    tag = uuid.uuid4().hex[:8]
    email, address = f"worker-{tag}@example.org", f"192.0.2.{int(tag[:2], 16) % 200 + 1}"
    with one.app_context():
        user = make_user("practitioner", email=email)
        user_id = user.id
    try:
        clients = [one.test_client(), two.test_client()]
        statuses = [sign_in(clients[i % 2], email, address=address).status_code for i in range(5)]
        assert statuses == [400, 400, 400, 400, 429]
        for c in clients:  # both "workers" now refuse even the right password
            assert sign_in(c, email, PASSWORD, address=address).status_code == 429

        # concurrent failures from both: every one is counted
        for app in (one, two):
            app.config["SIGNIN_ACCOUNT_LIMIT"] = 1000
            app.config["SIGNIN_ADDRESS_LIMIT"] = 1000
        racer = f"racer-{tag}@example.org"

        def hammer(c):
            for _ in range(10):
                sign_in(c, racer, address="192.0.2.250")

        threads = [threading.Thread(target=hammer, args=(c,)) for c in clients * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        with one.app_context():
            failures = session.execute(
                select(SignInThrottle.failures).where(SignInThrottle.key_hash == throttle.account_key(racer))
            ).scalar_one()
            session.remove()
        assert failures == 40
    finally:
        with one.app_context():
            keys = [
                throttle.account_key(email),
                throttle.account_key(f"racer-{tag}@example.org"),
                throttle.address_key(address),
                throttle.address_key("192.0.2.250"),
            ]
            session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash.in_(keys)))
            session.execute(delete(User).where(User.id == user_id))
            session.commit()
            session.remove()
