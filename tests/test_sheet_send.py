"""Sending the sheet to the person (issue 14): by email through a real SMTP server on loopback, by text message
through the loopback GOV.UK Notify; the address or number used once and found nowhere afterwards (every table of
the test database, every log record, the session cookie, every page and redirect); bad input and a broken
transport answered plainly on the same page with nothing sent or kept; a reload never sends twice."""

from __future__ import annotations

import hashlib
import logging
import re
from html import unescape
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, text

from assetmap.db import session
from assetmap.mail import sealing
from assetmap.models import MailOutbox, MailRecipient, SubmissionReceipt
from assetmap.once import new_token
from tests.factories import login
from tests.mail_helpers import (
    NOTIFY_SMS_TEMPLATE,
    SMTP_PASSWORD,
    SMTP_USER,
    free_port,
    mail_config,
    notify_config,
    notify_server,
    smtp_server,
    text_of,
)
from tests.upkeep_helpers import ACOMB, LADYWOOD, build_strict_app, limits_on, make_asset, make_user

ADDRESS = "Jo.Person+sheet@example.net"
PHONE_TYPED = "07700 900 123"
PHONE = "+447700900123"


def html(resp) -> str:
    return unescape(resp.get_data(as_text=True))


@pytest.fixture
def practitioner(client, db):
    login(client, make_user("practitioner"))
    return client


@pytest.fixture
def listed(practitioner):
    """Two listings on the practitioner's shortlist: a public one and a practitioners-only one."""
    chess = make_asset(
        name="Chess club", description="Chess for all. Boards provided.", phone="0121 496 0000", address="1 Broad St"
    )
    quiet = make_asset(name="Quiet carers' circle", visibility="practitioners", email="circle@example.org")
    for a in (chess, quiet):
        practitioner.post("/shortlist/add", data={"asset_id": str(a.id)})
    return chess, quiet


@pytest.fixture
def smtp(app, tmp_path):
    with smtp_server(tmp_path, "starttls") as (port, box, ca):
        url = f"smtp://{SMTP_USER}:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{port}"
        with mail_config(
            app, SMTP_URL=url, SMTP_CA_FILE=ca, MAIL_FROM="AssetMap <assetmap@example.gov.uk>", NOTIFY_API_KEY=""
        ):
            yield box


@pytest.fixture
def notify(app):
    with notify_server() as (base, stub), mail_config(app, **notify_config(base)):
        yield stub


def send(client, token=None, **form):
    return client.post("/shortlist/send", data={"form_token": token or new_token(), **form})


def counts() -> tuple[int, int, int]:
    return tuple(
        session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in (MailOutbox, MailRecipient, SubmissionReceipt)
    )


# --------------------------------------------------------------------------- email and text message


def test_the_sheet_arrives_by_email_at_the_smtp_server_with_the_listings_and_who_sent_it(practitioner, listed, smtp):
    chess, quiet = listed
    page = html(practitioner.get("/shortlist/send"))
    assert "What they will get" in page and "Chess club" in page and "Back to your shortlist" in page
    resp = send(practitioner, how="email", email=ADDRESS, practitioner="Sam Okafor", team="Ladywood Link Team")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/shortlist/send/done")
    (got,) = smtp.received
    msg = got["message"]
    assert got["to"] == [ADDRESS] and got["tls"] and got["authenticated"]
    assert msg["Subject"] == "Places and groups you might like, from Sam Okafor"
    body = text_of(msg)
    assert "Sam Okafor (Ladywood Link Team) sent you these places and groups" in body
    assert "Chess club" in body and "Phone: 0121 496 0000" in body and "Where: 1 Broad St" in body
    assert "When: " in body and "Cost: Free" in body
    assert re.search(rf"More about it: http://\S+/assets/{chess.id}\b", body)  # public: a link anyone can open
    assert "Quiet carers' circle" in body and "Email: circle@example.org" in body
    assert f"/assets/{quiet.id}" not in body  # practitioners only: no link the person could not open
    assert "We have not kept your email address" in body
    assert "Chess club" in msg.get_body(("html",)).get_content()
    done = html(practitioner.get(resp.headers["Location"]))
    assert "Sheet sent" in done and "By email, with 2 listings" in done and "Back to your shortlist" in done
    assert ADDRESS not in done and ADDRESS.lower() not in done


def test_the_sheet_goes_by_text_message_through_notify_with_the_number(practitioner, listed, notify):
    chess, _ = listed
    assert "By text message" in html(practitioner.get("/shortlist/send"))
    resp = send(practitioner, how="sms", phone=PHONE_TYPED, practitioner="Sam")
    assert resp.status_code == 303
    assert notify.problems == []
    (req,) = notify.requests
    assert req["path"] == "/v2/notifications/sms"
    assert req["body"]["phone_number"] == PHONE and req["body"]["template_id"] == NOTIFY_SMS_TEMPLATE
    sms = req["body"]["personalisation"]["body"]
    assert sms.startswith("AssetMap: places you might like, from Sam.")
    assert "Chess club, phone 0121 496 0000 http" in sms and f"/assets/{chess.id}" in sms
    assert "Quiet carers' circle, email circle@example.org" in sms and len(sms) <= 900
    assert "By text message, with 2 listings" in html(practitioner.get("/shortlist/send/done"))


def test_a_long_shortlist_is_cut_to_fit_one_text_message_and_says_how_many_more(practitioner, notify):
    for i in range(12):
        a = make_asset(name=f"A group with a long and descriptive name number {i:02d}", phone="0121 496 0000")
        practitioner.post("/shortlist/add", data={"asset_id": str(a.id)})
    assert send(practitioner, how="sms", phone=PHONE_TYPED).status_code == 303
    sms = notify.requests[0]["body"]["personalisation"]["body"]
    sent = len(re.findall(r"number \d\d, phone", sms))
    assert 0 < sent < 12 and len(sms) <= 900
    assert f"And {12 - sent} more on the sheet" in sms
    assert f"with {sent} listings" in html(practitioner.get("/shortlist/send/done"))


def test_email_through_notify_uses_the_email_template(practitioner, listed, notify):
    assert send(practitioner, how="email", email=ADDRESS).status_code == 303
    (req,) = notify.requests
    assert req["path"] == "/v2/notifications/email" and req["body"]["email_address"] == ADDRESS
    assert "one_click_unsubscribe_url" not in req["body"]  # a one-off message: nothing to unsubscribe from
    assert "Chess club" in req["body"]["personalisation"]["body"]


def test_the_embedded_default_writes_the_message_to_the_outbox_folder(app, practitioner, listed, tmp_path):
    with mail_config(app, MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        assert send(practitioner, how="sms", phone=PHONE_TYPED).status_code == 303
        assert send(practitioner, how="email", email=ADDRESS).status_code == 303
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2 and any("Chess club" in f.read_text() for f in files)


# --------------------------------------------------------------------------- kept nowhere


def _needles() -> list[str]:
    """The address and number in every spelling, and the obvious hashes of each."""
    spellings = [ADDRESS, ADDRESS.lower(), PHONE, PHONE_TYPED, "07700900123", "7700900123", "447700900123"]
    out = {s.lower() for s in spellings}
    for s in spellings:
        for algo in ("sha256", "sha1", "md5"):
            out.add(hashlib.new(algo, s.encode()).hexdigest())
    out |= {sealing.recipient_hash("email", ADDRESS), sealing.recipient_hash("sms", PHONE)}
    return sorted(out)


def _tables_holding(needles: list[str]) -> tuple[int, list[str]]:
    """(tables searched, tables where any needle occurs in any row as JSON text, lower-cased)."""
    tables = session.execute(
        text(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema', "
            "'tiger', 'tiger_data', 'topology')"
        )
    ).scalars()
    patterns = ["%" + n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for n in needles]
    searched, found = 0, []
    for table in tables:
        searched += 1
        hit = session.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM {table} t WHERE lower(row_to_json(t)::text) LIKE ANY(:p))"),
            {"p": patterns},
        ).scalar_one()
        if hit:
            found.append(table)
    return searched, found


def test_the_address_and_number_are_in_no_table_log_cookie_page_or_redirect(
    app, app_ctx, practitioner, listed, smtp, caplog
):
    caplog.set_level(logging.DEBUG)
    before = counts()
    seen: list[str] = []

    def keep(resp):
        seen.append(resp.get_data(as_text=True))
        seen.append(" ".join(f"{k}: {v}" for k, v in resp.headers.items()))
        return resp

    keep(send(practitioner, how="email", email=ADDRESS, practitioner="Sam"))  # sent by SMTP
    keep(practitioner.get("/shortlist/send/done"))
    keep(send(practitioner, how="email", email=ADDRESS + ".", practitioner="Sam"))  # refused at the edge
    with mail_config(app, SMTP_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_FROM="a@example.gov.uk"):
        keep(send(practitioner, how="email", email=ADDRESS))  # the mail server is down
    with notify_server() as (base, stub), mail_config(app, **notify_config(base)):
        keep(send(practitioner, how="sms", phone=PHONE_TYPED))  # sent by Notify
        stub.status = 400
        keep(send(practitioner, how="sms", phone=PHONE_TYPED))  # refused by Notify
        stub.status = 500
        keep(send(practitioner, how="email", email=ADDRESS))  # Notify failing
    assert len(smtp.received) == 1 and len(stub.requests) == 3  # each send that passed the edge was tried
    needles = _needles()
    # the database: every row of every table, as JSON text
    searched, found = _tables_holding(needles)
    assert searched > 30 and found == []
    planted_searched, planted = _tables_holding(["chess club"])  # the same search finds what is there
    assert "public.service" in planted
    assert counts()[:2] == before[:2]  # nothing in the mail queue or the recipients' failure counts
    assert counts()[2] == before[2] + 2  # the two sends each left a receipt, and a receipt holds no recipient
    # the logs: every record's message and fields
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name not in ("mail.log", "asyncio"))
    assert "sent now" in logged and "not sent" in logged
    # the browser: the session cookie, every page and every redirect
    cookie = practitioner.get_cookie("session")
    with practitioner.session_transaction() as sess:
        kept = repr(dict(sess))
    for where in (logged, cookie.value if cookie else "", kept, *seen):
        low = where.lower()
        assert [n for n in needles if n in low] == []


# --------------------------------------------------------------------------- refused, failed, repeated


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"how": "email", "email": "jo.person@example"}, "email", "Enter an email address in the correct format"),
        ({"how": "email", "email": ""}, "email", "Enter the person's email address"),
        ({"how": "sms", "phone": "0121 496 0000"}, "phone", "Enter a UK mobile number"),
        ({"how": "pigeon"}, "how", "Choose how to send the sheet"),
        ({"how": "email", "email": ADDRESS, "practitioner": "x" * 81}, "practitioner", "80 characters or fewer"),
    ],
)
def test_bad_input_is_a_400_on_the_same_page_and_nothing_is_sent(practitioner, listed, notify, form, field, message):
    before = counts()
    resp = send(practitioner, **form)
    page = html(resp)
    assert resp.status_code == 400
    assert "There is a problem" in page and f'href="#{field}"' in page and message in page
    assert "What they will get" in page and "Chess club" in page  # the sheet is still there to print
    assert notify.requests == [] and counts() == before
    if form.get("email"):
        assert form["email"] not in page  # typed again, never shown back


def test_a_mail_server_that_does_not_answer_is_a_503_with_the_sheet_and_nothing_kept(app, practitioner, listed, smtp):
    before = counts()
    token = new_token()
    with mail_config(app, SMTP_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_FROM="a@example.gov.uk"):
        resp = send(practitioner, token, how="email", email=ADDRESS)
    page = html(resp)
    assert resp.status_code == 503
    assert "could not be sent just now" in page and "Nothing was kept" in page and "Chess club" in page
    assert 'href="#email"' in page and 'id="email"' in page  # email only: the error points at the address
    assert "Print the sheet instead" in page and ADDRESS not in page
    assert counts() == before  # not even the one-time token: the same form can be sent again
    assert send(practitioner, token, how="email", email=ADDRESS).status_code == 303
    assert len(smtp.received) == 1


def test_notify_refusing_the_number_is_a_400_naming_the_number(practitioner, listed, notify):
    notify.status = 400
    resp = send(practitioner, how="sms", phone=PHONE_TYPED)
    assert resp.status_code == 400
    assert "would not send to that mobile number" in html(resp) and 'href="#phone"' in html(resp)


def test_a_reload_or_double_submit_does_not_send_twice(practitioner, listed, smtp):
    token = new_token()
    first = send(practitioner, token, how="email", email=ADDRESS)
    again = send(practitioner, token, how="email", email=ADDRESS)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"].endswith("/shortlist/send/done")
    assert "You have already sent this sheet. It was not sent again." in html(practitioner.get("/shortlist/send/done"))
    assert len(smtp.received) == 1


def test_texts_are_not_offered_or_accepted_without_notify(practitioner, listed, smtp):
    page = html(practitioner.get("/shortlist/send"))
    assert "By text message" not in page and 'name="how" value="email"' in page
    resp = send(practitioner, how="sms", phone=PHONE_TYPED)
    assert resp.status_code == 400 and smtp.received == []


def test_an_empty_shortlist_sends_nothing(practitioner, smtp):
    assert "Your shortlist is empty" in html(practitioner.get("/shortlist/send"))
    resp = send(practitioner, how="email", email=ADDRESS)
    assert resp.status_code == 400 and "Your shortlist is empty" in html(resp) and smtp.received == []


@pytest.mark.parametrize("who", [None, "commissioner"])
def test_only_staff_who_connect_people_may_send(client, db, who, smtp):
    if who:
        login(client, make_user(who))
    a = make_asset(name="Chess club")
    client.post("/shortlist/add", data={"asset_id": str(a.id)})
    assert "Send it to the person" not in html(client.get("/shortlist/sheet"))
    resp = send(client, how="email", email=ADDRESS)
    assert resp.status_code in (302, 303, 401, 403) and smtp.received == []


@pytest.fixture(scope="module")
def strict_app(app):
    """Built before each test's transaction (create_app binds the shared session), as tests/test_embed.py does."""
    return build_strict_app(app, csrf=False)


def test_sending_is_rate_limited_per_person(strict_app, db, smtp):
    client = strict_app.test_client()
    login(client, make_user("practitioner"))
    a = make_asset(name="Chess club")
    client.post("/shortlist/add", data={"asset_id": str(a.id)})
    with limits_on():
        statuses = [send(client, how="email", email="x").status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]


def test_the_done_page_needs_a_sheet_sent_from_this_browser(practitioner):
    assert practitioner.get("/shortlist/send/done").status_code == 404


# --------------------------------------------------------------------------- a confidential place


def test_a_refuges_place_is_never_in_the_message_even_when_the_sender_may_see_it(client, db, smtp):
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    refuge = make_asset(
        name="Women's Refuge Drop-in",
        visibility="confidential",
        address="12 Secret Refuge Road",
        how_to_get_there="Take the side door",
        phone="0121 496 0999",
    )
    client.post("/shortlist/add", data={"asset_id": str(refuge.id)})
    assert "Secret Refuge Road" in html(client.get("/shortlist/sheet"))  # the sheet shows it to this coordinator
    preview = html(client.get("/shortlist/send"))
    assert "Secret Refuge Road" not in preview and "The address is given when you make contact" in preview
    assert send(client, how="email", email=ADDRESS).status_code == 303
    msg = smtp.received[0]["message"]
    for part in (text_of(msg), unescape(msg.get_body(("html",)).get_content())):
        assert "Women's Refuge Drop-in" in part and "0121 496 0999" in part
        assert "The address is given when you make contact" in part
        for secret in ("Secret Refuge Road", "Take the side door", "Ladywood", "52.47", "1.90", f"/assets/{refuge.id}"):
            assert secret not in part, secret


def test_another_coordinators_sheet_and_message_say_only_how_to_find_out(client, db, smtp):
    login(client, make_user("coordinator", wards=[ACOMB]))
    refuge = make_asset(name="Women's Refuge Drop-in", visibility="confidential", address="12 Secret Refuge Road")
    client.post("/shortlist/add", data={"asset_id": str(refuge.id)})
    assert send(client, how="email", email=ADDRESS).status_code == 303
    body = text_of(smtp.received[0]["message"])
    assert "Secret Refuge Road" not in body and "Ladywood" not in body
