"""Mail (assetmap/mail): messages from templates, queued in the database, delivered by the job runner through
a real SMTP server on loopback (STARTTLS, implicit TLS, sign-in), GOV.UK Notify's documented API on a
loopback HTTP server, or .eml files; retries, permanent failures, unreachable recipients and privacy."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select, text

from assetmap import mail
from assetmap.errors import ValidationError
from assetmap.mail import delivery, sealing
from assetmap.mail import settings as mail_settings
from assetmap.models import MailOutbox, MailRecipient
from tests.mail_helpers import (
    NOTIFY_EMAIL_TEMPLATE,
    NOTIFY_KEY,
    NOTIFY_SERVICE_ID,
    NOTIFY_SMS_TEMPLATE,
    SMTP_PASSWORD,
    SMTP_USER,
    mail_config,
    notify_config,
    notify_server,
    smtp_server,
)

ADDRESS = "organiser.lunch-club@example.org"
PHONE = "07700 900982"
NOW = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # later than any row queued in a test


def row(db, msg_id) -> MailOutbox:
    return db.execute(
        select(MailOutbox).where(MailOutbox.id == msg_id).execution_options(populate_existing=True)
    ).scalar_one()


def smtp_url(port, scheme="smtp", auth=True):
    from urllib.parse import quote

    cred = f"{SMTP_USER}:{quote(SMTP_PASSWORD, safe='')}@" if auth else ""
    return f"{scheme}://{cred}127.0.0.1:{port}"


@pytest.fixture
def outbox_dir(app, tmp_path):
    folder = tmp_path / "outbox"
    with mail_config(app, MAIL_OUTBOX_DIR=str(folder), SMTP_URL="", NOTIFY_API_KEY=""):
        yield folder


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    "config, message",
    [
        ({"SMTP_URL": "smtp://host:587"}, "MAIL_FROM"),
        ({"SMTP_URL": "http://host", "MAIL_FROM": "a@b.org"}, "smtp://"),
        ({"SMTP_URL": "smtp+insecure://u:p@host", "MAIL_FROM": "a@b.org"}, "unencrypted"),
        ({"SMTP_URL": "smtp://host:99999", "MAIL_FROM": "a@b.org"}, "not a valid address"),
        ({"NOTIFY_API_KEY": "not-a-key"}, "not a GOV.UK Notify API key"),
        ({"NOTIFY_API_KEY": NOTIFY_KEY}, "NOTIFY_TEMPLATE_EMAIL"),
        ({"NOTIFY_API_KEY": NOTIFY_KEY, "NOTIFY_TEMPLATE_EMAIL": "123"}, "UUID"),
        ({"NOTIFY_API_KEY": NOTIFY_KEY, "NOTIFY_TEMPLATE_SMS": NOTIFY_SMS_TEMPLATE}, "emails could not be sent"),
        ({"MAIL_FROM": "no address"}, "MAIL_FROM"),
    ],
)
def test_a_mail_setting_that_cannot_work_is_refused_naming_the_variable(config, message):
    with pytest.raises(mail_settings.MailConfigError, match=message) as err:
        mail_settings.read(config)
    assert "p@host" not in str(err.value) and NOTIFY_KEY not in str(err.value)


def test_create_app_stops_on_a_bad_mail_setting(database_url, rebind_session):
    from assetmap import create_app

    with pytest.raises(mail_settings.MailConfigError, match="NOTIFY_API_KEY"):
        create_app({"SQLALCHEMY_URL": database_url, "SECRET_KEY": "k", "NOTIFY_API_KEY": "nope"})


def test_transports_are_chosen_notify_then_smtp_then_the_outbox():
    smtp = {"SMTP_URL": "smtps://u:p%40ss@mail.example.gov.uk", "MAIL_FROM": "AssetMap <a@example.gov.uk>"}
    notify = {
        "NOTIFY_API_KEY": NOTIFY_KEY,
        "NOTIFY_TEMPLATE_EMAIL": NOTIFY_EMAIL_TEMPLATE,
        "NOTIFY_TEMPLATE_SMS": NOTIFY_SMS_TEMPLATE,
    }
    assert (mail_settings.read({}).email, mail_settings.read({}).sms) == ("outbox", "outbox")
    s = mail_settings.read(smtp)
    assert (s.email, s.sms, s.smtp.port, s.smtp.tls, s.smtp.password) == ("smtp", None, 465, "implicit", "p@ss")
    s = mail_settings.read({**smtp, **notify})
    assert (s.email, s.sms, s.notify.service_id) == ("notify", "notify", NOTIFY_SERVICE_ID)
    assert (
        mail_settings.read({**smtp, "NOTIFY_API_KEY": NOTIFY_KEY, "NOTIFY_TEMPLATE_SMS": NOTIFY_SMS_TEMPLATE}).email
        == "smtp"
    )


# --------------------------------------------------------------------------- queueing


def test_queueing_keeps_no_address_or_body_in_clear_and_delivery_erases_them(app_ctx, db, outbox_dir):
    msg_id = mail.queue_email(ADDRESS, "test_message", ref="service:1234")
    raw = db.execute(text("SELECT row_to_json(m)::text FROM mail_outbox m WHERE id = :i"), {"i": msg_id}).scalar_one()
    assert ADDRESS not in raw and "organiser" not in raw.lower() and "test message from" not in raw.lower()
    queued = row(db, msg_id)
    assert (queued.status, queued.template, queued.ref, queued.attempts) == (
        "queued",
        "test_message",
        "service:1234",
        0,
    )
    assert queued.recipient_hash == sealing.recipient_hash("email", " Organiser.Lunch-Club@EXAMPLE.org ")
    assert sealing.unseal(queued.sealed)["to"] == ADDRESS
    report = delivery.deliver_due(NOW + dt.timedelta(days=1))
    assert report.summary() == "1 sent"
    sent = row(db, msg_id)
    assert (sent.status, sent.sealed, sent.attempts) == ("sent", None, 1)
    assert sent.sent_at is not None and sent.template == "test_message" and sent.ref == "service:1234"


def test_the_database_refuses_a_finished_message_that_keeps_its_seal(app_ctx, db, outbox_dir):
    from sqlalchemy.exc import IntegrityError

    msg_id = mail.queue_email(ADDRESS, "test_message")
    with pytest.raises(IntegrityError, match="mail_outbox_sealed_while_queued"):
        with db.begin_nested():
            db.execute(text("UPDATE mail_outbox SET status = 'sent' WHERE id = :i"), {"i": msg_id})


def test_a_message_is_queued_in_the_callers_transaction_and_goes_only_if_it_commits(app_ctx, db, outbox_dir):
    with db.begin_nested() as sp:
        mail.queue_email(ADDRESS, "test_message")
        sp.rollback()
    assert delivery.deliver_due(NOW + dt.timedelta(days=1)).summary() == "nothing due"
    assert not outbox_dir.exists() or list(outbox_dir.glob("*.eml")) == []


def test_the_same_once_key_queues_one_message(app_ctx, db, outbox_dir):
    first = mail.queue_email(ADDRESS, "test_message", once_key="reminder-1:service:abc:2026-11")
    again = mail.queue_email(ADDRESS, "test_message", once_key="reminder-1:service:abc:2026-11")
    assert first == again
    assert (
        db.execute(text("SELECT count(*) FROM mail_outbox WHERE once_key LIKE 'reminder-1:service:abc%'")).scalar_one()
        == 1
    )


@pytest.mark.parametrize(
    "address",
    [
        "",
        "no-at-sign",
        "a@b",
        "two@@example.org",
        "a b@example.org",
        "x@example.org\r\nBcc: victim@example.org",
        "x" * 250 + "@example.org",
        None,
        42,
    ],
)
def test_a_malformed_email_address_is_a_400_and_queues_nothing(app_ctx, db, outbox_dir, address):
    before = db.execute(text("SELECT count(*) FROM mail_outbox")).scalar_one()
    with pytest.raises(ValidationError) as err:
        mail.queue_email(address, "test_message")
    assert err.value.status == 400 and "email address" in err.value.message.lower()
    assert db.execute(text("SELECT count(*) FROM mail_outbox")).scalar_one() == before


@pytest.mark.parametrize("number", ["", "12", "0770090098212345678", "07700 900982; DROP", "+44 (0)7700 9OO 982"])
def test_a_malformed_phone_number_is_a_400(app_ctx, db, outbox_dir, number):
    with pytest.raises(ValidationError, match="mobile phone number"):
        mail.queue_sms(number, "test_message")


@pytest.mark.parametrize("bad", [{"ref": "has space"}, {"ref": "x" * 121}, {"once_key": ""}])
def test_refs_and_once_keys_are_short_single_words(app_ctx, db, outbox_dir, bad):
    with pytest.raises(ValueError):
        mail.queue_email(ADDRESS, "test_message", **bad)


def test_an_unknown_or_path_like_template_name_is_refused(app_ctx, db, outbox_dir):
    with pytest.raises(ValueError):
        mail.queue_email(ADDRESS, "../base")


# --------------------------------------------------------------------------- the embedded default: .eml files


def test_the_outbox_default_writes_one_eml_with_text_html_and_unsubscribe_headers(app_ctx, db, outbox_dir):
    mail.queue_email(ADDRESS, "test_message", unsubscribe_url="https://assetmap.example.gov.uk/u/abc")
    mail.queue_sms(PHONE, "test_message")
    assert delivery.deliver_due(NOW + dt.timedelta(days=1)).summary() == "2 sent"
    assert delivery.deliver_due(NOW + dt.timedelta(days=1)).summary() == "nothing due"  # nothing twice
    from assetmap.mail import reader

    messages, total = reader.listing(outbox_dir)
    assert total == 2
    email = next(m for m in messages if m.kind == "email")
    sms = next(m for m in messages if m.kind == "sms")
    headers = dict(email.headers)
    assert (email.to, email.subject, email.template) == (ADDRESS, "Test message from AssetMap", "test_message")
    assert headers["List-Unsubscribe"] == "<https://assetmap.example.gov.uk/u/abc>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert "If you can read it, the service can send you email." in email.text
    assert "To stop getting these emails: https://assetmap.example.gov.uk/u/abc" in email.text
    assert '<html lang="en-GB">' in email.html and 'href="https://assetmap.example.gov.uk/u/abc"' in email.html
    assert (sms.to, sms.template) == ("+447700900982", "test_message")
    assert sms.text.startswith("AssetMap: this is a test message.")


# --------------------------------------------------------------------------- SMTP on loopback


def test_smtp_with_starttls_and_sign_in_delivers_text_and_html(app, app_ctx, db, tmp_path):
    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        with mail_config(
            app,
            SMTP_URL=smtp_url(port),
            SMTP_CA_FILE=ca,
            MAIL_FROM="AssetMap <assetmap@example.gov.uk>",
            NOTIFY_API_KEY="",
        ):
            msg_id = mail.queue_email(ADDRESS, "test_message", unsubscribe_url="https://example.gov.uk/u/1")
            assert delivery.deliver_due(NOW + dt.timedelta(days=1)).summary() == "1 sent"
    assert len(box.received) == 1
    got = box.received[0]
    assert got["tls"] and got["authenticated"]
    assert (got["from"], got["to"]) == ("assetmap@example.gov.uk", [ADDRESS])
    msg = got["message"]
    assert (msg["From"], msg["To"], msg["Subject"]) == (
        "AssetMap <assetmap@example.gov.uk>",
        ADDRESS,
        "Test message from AssetMap",
    )
    assert msg["List-Unsubscribe"] == "<https://example.gov.uk/u/1>" and msg["Message-ID"].endswith("@example.gov.uk>")
    assert msg.get_content_type() == "multipart/alternative"
    assert "the service can send you email" in msg.get_body(("plain",)).get_content()
    assert "<h1" in msg.get_body(("html",)).get_content()
    assert row(db, msg_id).status == "sent"


def test_smtps_implicit_tls_delivers(app, app_ctx, db, tmp_path):
    with smtp_server(tmp_path, "implicit") as (port, box, ca):
        with mail_config(
            app,
            SMTP_URL=smtp_url(port, "smtps"),
            SMTP_CA_FILE=ca,
            MAIL_FROM="assetmap@example.gov.uk",
            NOTIFY_API_KEY="",
        ):
            mail.queue_email(ADDRESS, "test_message")
            assert delivery.deliver_due(NOW + dt.timedelta(days=1)).summary() == "1 sent"
    assert len(box.received) == 1 and box.received[0]["tls"] and box.received[0]["authenticated"]


def test_smtp_never_sends_the_password_or_the_message_without_starttls(app, app_ctx, db, tmp_path):
    with smtp_server(tmp_path, "plain", auth=False) as (port, box, ca):
        with mail_config(
            app, SMTP_URL=smtp_url(port), SMTP_CA_FILE=ca, MAIL_FROM="assetmap@example.gov.uk", NOTIFY_API_KEY=""
        ):
            msg_id = mail.queue_email(ADDRESS, "test_message")
            assert delivery.deliver_due(NOW).summary() == "1 retry"
    assert box.received == []
    r = row(db, msg_id)
    assert (r.status, r.last_error, r.attempts) == ("queued", "StartTlsNotOffered", 1)


def test_an_untrusted_certificate_is_retried_with_exponential_back_off(app, app_ctx, db, tmp_path):
    with smtp_server(tmp_path, "starttls") as (port, box, _ca):
        with mail_config(
            app,
            SMTP_URL=smtp_url(port),
            SMTP_CA_FILE="",
            MAIL_FROM="assetmap@example.gov.uk",
            NOTIFY_API_KEY="",
            MAIL_RETRY_SECONDS=60,
        ):
            msg_id = mail.queue_email(ADDRESS, "test_message")
            waits = []
            now = NOW
            for _ in range(3):
                assert delivery.deliver_due(now).summary() == "1 retry"
                r = row(db, msg_id)
                waits.append((r.next_attempt_at - now).total_seconds())
                assert delivery.deliver_due(r.next_attempt_at - dt.timedelta(seconds=1)).summary() == "nothing due"
                now = r.next_attempt_at
    assert waits == [60, 120, 240]
    assert (r.last_error, r.attempts, r.status) == ("SSLCertVerificationError", 3, "queued")
    assert box.received == []


def test_a_wrong_password_is_retried_and_never_counted_against_the_recipient(app, app_ctx, db, tmp_path):
    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        with mail_config(
            app,
            SMTP_URL=f"smtp://{SMTP_USER}:wrong@127.0.0.1:{port}",
            SMTP_CA_FILE=ca,
            MAIL_FROM="assetmap@example.gov.uk",
            NOTIFY_API_KEY="",
        ):
            msg_id = mail.queue_email(ADDRESS, "test_message")
            assert delivery.deliver_due(NOW).summary() == "1 retry"
    assert row(db, msg_id).last_error == "SMTPAuthenticationError 535"
    assert row(db, msg_id).status == "queued" and box.received == []
    assert db.get(MailRecipient, sealing.recipient_hash("email", ADDRESS)) is None


def test_a_4xx_reply_is_retried_until_max_attempts_then_failed_and_erased(app, app_ctx, db, tmp_path):
    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        box.refuse[ADDRESS] = "451 4.3.0 Mailbox busy, try later"
        with mail_config(
            app,
            SMTP_URL=smtp_url(port),
            SMTP_CA_FILE=ca,
            MAIL_FROM="assetmap@example.gov.uk",
            NOTIFY_API_KEY="",
            MAIL_MAX_ATTEMPTS=3,
        ):
            msg_id = mail.queue_email(ADDRESS, "test_message")
            outcomes = [delivery.deliver_due(NOW + dt.timedelta(days=d)).summary() for d in range(4)]
    assert outcomes == ["1 retry", "1 retry", "1 failed", "nothing due"]
    r = row(db, msg_id)
    assert (r.status, r.attempts, r.sealed, r.last_error) == ("failed", 3, None, "SMTPRecipientsRefused 451")
    assert db.get(MailRecipient, sealing.recipient_hash("email", ADDRESS)) is None  # not a hard failure


def test_repeated_hard_failures_mark_the_recipient_unreachable_and_call_the_hook(app, app_ctx, db, tmp_path):
    seen = []

    @mail.on_hard_bounce
    def remember(bounce):
        seen.append(bounce)
        db.execute(text("SELECT 1"))

    @mail.on_hard_bounce
    def broken(bounce):
        db.execute(text("SELECT no_such_column FROM mail_outbox"))  # its savepoint rolls back alone

    try:
        with smtp_server(tmp_path, "starttls") as (port, box, ca):
            box.refuse[ADDRESS] = "550 5.1.1 No such user here"
            with mail_config(
                app,
                SMTP_URL=smtp_url(port),
                SMTP_CA_FILE=ca,
                MAIL_FROM="assetmap@example.gov.uk",
                NOTIFY_API_KEY="",
                MAIL_UNREACHABLE_AFTER=2,
            ):
                ids = [
                    mail.queue_email(
                        ADDRESS, "test_message", ref=f"service:{n}", send_after=NOW - dt.timedelta(seconds=10 - n)
                    )
                    for n in range(3)
                ]
                other = mail.queue_email("someone.else@example.org", "test_message")
                assert delivery.deliver_due(NOW).summary() == "1 sent, 2 failed, 1 suppressed"
                results = [row(db, i) for i in ids]
                assert not mail.is_unreachable("email", "someone.else@example.org")
                assert row(db, other).status == "sent"
    finally:
        from assetmap.mail.delivery import _bounce_handlers

        _bounce_handlers.remove(remember)
        _bounce_handlers.remove(broken)
    assert [(r.status, r.last_error) for r in results] == [
        ("failed", "SMTPRecipientsRefused 550"),
        ("failed", "SMTPRecipientsRefused 550"),
        ("suppressed", "RecipientUnreachable"),
    ]
    assert all(r.sealed is None for r in results)
    assert [(b.kind, b.ref, b.error, b.failures, b.unreachable) for b in seen] == [
        ("email", "service:0", "SMTPRecipientsRefused 550", 1, False),
        ("email", "service:1", "SMTPRecipientsRefused 550", 2, True),
    ]
    assert mail.is_unreachable("email", ADDRESS.upper())
    assert [m["to"] for m in box.received] == [["someone.else@example.org"]]
    mail.mark_reachable("email", ADDRESS)
    assert not mail.is_unreachable("email", ADDRESS)


def test_a_delivery_resets_the_recipients_count(app, app_ctx, db, tmp_path):
    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        with mail_config(
            app,
            SMTP_URL=smtp_url(port),
            SMTP_CA_FILE=ca,
            MAIL_FROM="assetmap@example.gov.uk",
            NOTIFY_API_KEY="",
            MAIL_UNREACHABLE_AFTER=2,
        ):
            box.refuse[ADDRESS] = "550 5.1.1 No such user here"
            mail.queue_email(ADDRESS, "test_message")
            delivery.deliver_due(NOW)
            del box.refuse[ADDRESS]
            mail.queue_email(ADDRESS, "test_message")
            delivery.deliver_due(NOW + dt.timedelta(seconds=1))
    rec = db.get(MailRecipient, sealing.recipient_hash("email", ADDRESS))
    assert (rec.hard_failures, rec.unreachable_since) == (0, None)


# --------------------------------------------------------------------------- GOV.UK Notify (loopback, documented API)


def test_notify_gets_the_documented_email_request(app, app_ctx, db):
    with notify_server() as (base, stub), mail_config(app, **notify_config(base)):
        msg_id = mail.queue_email(ADDRESS, "test_message", unsubscribe_url="https://assetmap.example.gov.uk/u/x")
        assert delivery.deliver_due(NOW + dt.timedelta(days=1)).summary() == "1 sent"
    assert stub.problems == []
    (req,) = stub.requests
    assert req["path"] == "/v2/notifications/email"
    assert req["body"] == {
        "email_address": ADDRESS,
        "template_id": NOTIFY_EMAIL_TEMPLATE,
        "reference": str(msg_id),
        "one_click_unsubscribe_url": "https://assetmap.example.gov.uk/u/x",
        "personalisation": {"subject": "Test message from AssetMap", "body": req["body"]["personalisation"]["body"]},
    }
    assert "the service can send you email" in req["body"]["personalisation"]["body"]
    r = row(db, msg_id)
    assert r.status == "sent" and len(r.provider_ref) == 36


def test_notify_gets_the_documented_sms_request(app, app_ctx, db):
    with notify_server() as (base, stub), mail_config(app, **notify_config(base)):
        assert mail.sms_available()
        msg_id = mail.queue_sms(PHONE, "test_message", ref="service:1")
        assert delivery.deliver_due(NOW + dt.timedelta(days=1)).summary() == "1 sent"
    assert stub.problems == []
    (req,) = stub.requests
    assert req["path"] == "/v2/notifications/sms"
    assert req["body"] == {
        "phone_number": "+447700900982",
        "template_id": NOTIFY_SMS_TEMPLATE,
        "reference": str(msg_id),
        "personalisation": {
            "body": "AssetMap: this is a test message. If you can read it, the service can send you text messages."
        },
    }


def test_the_loopback_notify_refuses_a_request_signed_with_another_secret(app, app_ctx, db):
    other_key = f"assetmap_test-{NOTIFY_SERVICE_ID}-00000000-0000-4000-8000-000000000000"
    with notify_server() as (base, stub), mail_config(app, **{**notify_config(base), "NOTIFY_API_KEY": other_key}):
        msg_id = mail.queue_email(ADDRESS, "test_message")
        delivery.deliver_due(NOW + dt.timedelta(days=1))
    assert stub.problems == ["JWT does not verify with the key's secret: InvalidSignatureError"]
    assert row(db, msg_id).status == "failed"  # the checker answers 400, as Notify would answer 403


@pytest.mark.parametrize(
    "status, outcome, error",
    [
        (400, "failed", "Notify 400"),
        (403, "queued", "Notify 403"),
        (429, "queued", "Notify 429"),
        (500, "queued", "Notify 500"),
    ],
)
def test_notify_400_is_permanent_and_other_errors_are_retried(app, app_ctx, db, status, outcome, error):
    with notify_server() as (base, stub), mail_config(app, **notify_config(base)):
        stub.status = status
        msg_id = mail.queue_email(ADDRESS, "test_message")
        delivery.deliver_due(NOW + dt.timedelta(days=1))
    r = row(db, msg_id)
    assert (r.status, r.last_error) == (outcome, error)
    counted = db.get(MailRecipient, sealing.recipient_hash("email", ADDRESS))
    assert (counted is not None) == (status == 400)


def test_notify_unreachable_is_retried(app, app_ctx, db):
    from tests.mail_helpers import free_port

    with mail_config(app, **notify_config(f"http://127.0.0.1:{free_port()}")):
        msg_id = mail.queue_email(ADDRESS, "test_message")
        delivery.deliver_due(NOW + dt.timedelta(days=1))
    assert (row(db, msg_id).status, row(db, msg_id).last_error) == ("queued", "Notify 503")


def test_sms_is_unavailable_with_smtp_only(app, app_ctx, db):
    with mail_config(app, SMTP_URL="smtp://127.0.0.1:1", MAIL_FROM="a@example.gov.uk", NOTIFY_API_KEY=""):
        assert not mail.sms_available()
        with pytest.raises(mail.SmsUnavailable) as err:
            mail.queue_sms(PHONE, "test_message")
    assert err.value.status == 503


# --------------------------------------------------------------------------- privacy in logs


def test_no_address_phone_number_or_body_reaches_any_log(app, app_ctx, db, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        box.refuse[ADDRESS] = "550 5.1.1 <organiser.lunch-club@example.org>: no such user"
        with mail_config(
            app, SMTP_URL=smtp_url(port), SMTP_CA_FILE=ca, MAIL_FROM="assetmap@example.gov.uk", NOTIFY_API_KEY=""
        ):
            mail.queue_email(ADDRESS, "test_message")
            delivery.deliver_due(NOW)
    with notify_server() as (base, stub), mail_config(app, **notify_config(base)):
        stub.status = 400
        mail.queue_sms(PHONE, "test_message")
        mail.queue_email(ADDRESS, "test_message")
        delivery.deliver_due(NOW + dt.timedelta(days=1))
    # every record but the loopback SMTP server's own ("mail.log", aiosmtpd's) and asyncio's
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name not in ("mail.log", "asyncio"))
    assert "hard failure" in logged  # the failures were logged ...
    for secret in ("organiser.lunch-club", "7700900982", "7700 900982", "can send you", SMTP_PASSWORD, NOTIFY_KEY):
        assert secret not in logged  # ... without the address, the number, the message or a credential


# --------------------------------------------------------------------------- the admin's outbox reader


def test_the_outbox_reader_is_for_admins_and_shows_text_and_html(app, client, db, outbox_dir):
    from tests.factories import login
    from tests.upkeep_helpers import make_user

    with app.app_context():
        mail.queue_email(ADDRESS, "test_message")
        delivery.deliver_due(NOW + dt.timedelta(days=1))
        admin, coordinator = make_user("admin"), make_user("coordinator")  # committed to the test's savepoint
    login(client, coordinator)
    assert client.get("/admin/outbox").status_code == 403
    client.post("/sign-out")
    login(client, admin)
    page = client.get("/admin/outbox")
    assert page.status_code == 200 and ADDRESS in page.text and "Test message from AssetMap" in page.text
    (name,) = [p.name for p in outbox_dir.glob("*.eml")]
    one = client.get(f"/admin/outbox/{name}")
    assert one.status_code == 200 and "You do not need to do anything." in one.text
    html = client.get(f"/admin/outbox/{name}/html")
    assert html.status_code == 200 and html.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<h1" in html.text
    for bad in ("../secret_key", "20261120T090000-x.eml", "..%2Fsecret_key"):
        assert client.get(f"/admin/outbox/{bad}").status_code == 404


def test_the_outbox_reader_does_not_exist_in_production(database_url, rebind_session):
    from assetmap import create_app

    prod = create_app({"SQLALCHEMY_URL": database_url, "SECRET_KEY": "k", "PRODUCTION": True})
    assert "mail.outbox_list" not in prod.view_functions


def test_send_test_command_sends_now_and_says_how(app, runner, db, outbox_dir):
    result = runner.invoke(args=["mail", "send-test", "admin@example.org"])
    assert result.exit_code == 0, result.output
    (written,) = [p.name for p in outbox_dir.glob("*.eml")]
    assert result.output.strip() == f"Sent through outbox ({written})."
    bad = runner.invoke(args=["mail", "send-test", "not an address"])
    assert bad.exit_code != 0 and "Enter an email address in the correct format" in bad.output


def test_send_test_command_reports_a_refusal(app, runner, db, tmp_path):
    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        box.refuse["nobody@example.org"] = "550 5.1.1 No such user"
        with mail_config(
            app, SMTP_URL=smtp_url(port), SMTP_CA_FILE=ca, MAIL_FROM="assetmap@example.gov.uk", NOTIFY_API_KEY=""
        ):
            result = runner.invoke(args=["mail", "send-test", "nobody@example.org"])
    assert result.exit_code == 1 and result.output.strip() == "Failed: SMTPRecipientsRefused 550."


def _signed(secret=None, iss=NOTIFY_SERVICE_ID, iat_offset=0):
    import time

    import jwt

    from tests.mail_helpers import NOTIFY_SECRET

    return "Bearer " + jwt.encode(
        {"iss": iss, "iat": int(time.time()) + iat_offset},
        secret or NOTIFY_SECRET,
        algorithm="HS256",
        headers={"typ": "JWT"},
    )


@pytest.mark.parametrize(
    "change, problem",
    [
        ({}, None),
        ({"path": "/v2/notifications/letter"}, "unexpected POST"),
        ({"auth": "Bearer not-a-jwt"}, "JWT does not verify"),
        ({"token": {"iss": "00000000-0000-4000-8000-000000000000"}}, "iss is not the service id"),
        ({"token": {"iat_offset": -60}}, "iat is not within 30 seconds"),
        ({"tamper": True}, "JWT does not verify"),  # signature changed
        ({"content_type": "text/plain"}, "Content-Type"),
        ({"body": {"email": "a@example.org", "template_id": NOTIFY_EMAIL_TEMPLATE}}, "missing ['email_address']"),
        (
            {"body": {"email_address": "a@example.org", "template_id": NOTIFY_EMAIL_TEMPLATE, "subject": "x"}},
            "undocumented ['subject']",
        ),
        ({"body": {"email_address": "a@example.org", "template_id": "template-1"}}, "template_id is not a UUID"),
        (
            {
                "body": {
                    "email_address": "a@example.org",
                    "template_id": NOTIFY_EMAIL_TEMPLATE,
                    "personalisation": {"n": 1},
                }
            },
            "personalisation is not an object of strings",
        ),
    ],
)
def test_the_loopback_notify_checker_catches_what_notify_would_refuse(change, problem):
    """The checker the Notify tests rely on can fail: each departure from the documented request is named."""
    import json

    from tests.mail_helpers import NOTIFY_SECRET, check_notify_request

    auth = change.get("auth") or _signed(**change.get("token", {}))  # signed now: iat is checked against the clock
    if change.get("tamper"):
        auth = auth[:-3] + ("abc" if not auth.endswith("abc") else "xyz")
    headers = {
        "Content-Type": change.get("content_type", "application/json"),
        "User-Agent": "NOTIFY-API-PYTHON-CLIENT/13.0.0",
        "Authorization": auth,
    }
    body = change.get("body", {"email_address": "a@example.org", "template_id": NOTIFY_EMAIL_TEMPLATE})
    problems = check_notify_request(
        "POST",
        change.get("path", "/v2/notifications/email"),
        headers,
        json.dumps(body).encode(),
        NOTIFY_SERVICE_ID,
        NOTIFY_SECRET,
    )
    assert problems == [] if problem is None else any(problem in p for p in problems), problems
