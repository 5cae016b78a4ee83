"""The shortlist and the sheet (issue 14): add and remove without a reload (JSON for the page's script, and
back to the same result without it), several connections recorded at once with their searches' areas, the
Easy Read sheet, QR codes, and the practitioner's name and team printed but never stored.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from assetmap.db import session
from assetmap.models import ConnectionLog
from tests.factories import BIRMINGHAM_POSTCODE, YORK_POSTCODE
from tests.test_practitioners_connections import html, practitioner, search  # noqa: F401 (the fixture)
from tests.upkeep_helpers import LADYWOOD, make_asset


def test_shortlist_buttons_answer_json_for_the_script_and_return_to_the_result_without_it(practitioner):  # noqa: F811
    client = practitioner
    a = make_asset(name="Chess club")
    resp = client.post("/shortlist/add", data={"asset_id": str(a.id)}, headers={"Accept": "application/json"})
    assert resp.status_code == 200
    assert resp.get_json() == {"in_list": True, "count": 1, "message": "Chess club added to your shortlist."}
    resp = client.post("/shortlist/remove", data={"asset_id": str(a.id)}, headers={"Accept": "application/json"})
    assert resp.get_json()["in_list"] is False and resp.get_json()["count"] == 0
    sid = search(client, BIRMINGHAM_POSTCODE)
    page = html(client.get(f"/search/results/{sid}"))
    assert f'id="r-{a.id}"' in page and "practitioners_shortlist.js" in page
    back = f"/search/results/{sid}#r-{a.id}"
    assert f'name="next" value="{back}"' in page
    resp = client.post("/shortlist/add", data={"asset_id": str(a.id), "next": back})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#r-{a.id}")


def test_record_connections_records_several_at_once_each_with_its_searchs_area(practitioner):  # noqa: F811
    client = practitioner
    a, b, c = make_asset(name="Chess"), make_asset(name="Choir"), make_asset(name="Walk")
    sid = search(client, BIRMINGHAM_POSTCODE)
    for asset in (a, b):
        client.post("/shortlist/add", data={"asset_id": str(asset.id), "from": sid})
    client.post("/shortlist/add", data={"asset_id": str(c.id)})
    search(client, YORK_POSTCODE)
    page = html(client.get("/shortlist"))
    assert "Record connections" in page
    resp = client.post(
        "/shortlist/connections", data={"asset_id": [str(a.id), str(b.id), str(c.id)], "capability": "enjoyment"}
    )
    assert resp.status_code == 303
    assert "3 connections recorded" in html(client.get(resp.headers["Location"]))
    rows = {r.service_id: r for r in session.execute(select(ConnectionLog)).scalars()}
    assert rows[a.id].ward_code == LADYWOOD and rows[b.id].ward_code == LADYWOOD
    assert rows[a.id].lsoa_code and rows[a.id].lsoa_code.startswith("E01")
    assert rows[c.id].ward_code is None and rows[a.id].capability_code == "enjoyment"


def test_record_connections_refuses_listings_not_on_the_shortlist_and_records_nothing(practitioner):  # noqa: F811
    client = practitioner
    a = make_asset(name="Chess")
    client.post("/shortlist/add", data={"asset_id": str(a.id)})
    resp = client.post("/shortlist/connections", data={"asset_id": [str(a.id), str(uuid.uuid4())]})
    assert resp.status_code == 400
    assert client.post("/shortlist/connections", data={}).status_code == 400
    assert session.execute(select(func.count()).select_from(ConnectionLog)).scalar_one() == 0


def test_the_sheet_has_qr_codes_easy_read_and_a_name_printed_but_never_stored(practitioner, caplog):  # noqa: F811
    client = practitioner
    a = make_asset(name="Chess club", description="Chess for all. Boards provided. Tea after.")
    client.post("/shortlist/add", data={"asset_id": str(a.id)})
    page = html(client.get("/shortlist/sheet"))
    assert page.count('<svg role="img"') == 1 and "QR code: open the page about Chess club" in page
    easy = html(client.get("/shortlist/sheet?easy=1"))
    assert "am-sheet--easy" in easy and "What it is: Chess for all." in easy and "Phone first" in easy
    signed = html(client.post("/shortlist/sheet", data={"practitioner": "Sam Okafor", "team": "Ladywood Link Team"}))
    assert "From Sam Okafor, Ladywood Link Team" in signed
    assert "Sam Okafor" not in caplog.text
    cookie = client.get_cookie("session")
    assert cookie is None or "Okafor" not in cookie.value
    changes = session.execute(text("SELECT count(*) FROM asset_change WHERE changes::text LIKE '%Okafor%'"))
    assert changes.scalar_one() == 0


def test_every_page_reached_from_the_shortlist_leads_back_to_it(practitioner, app, tmp_path):  # noqa: F811
    from tests.mail_helpers import mail_config

    client = practitioner
    a = make_asset(name="Chess club")
    sid = search(client, BIRMINGHAM_POSTCODE)
    client.post("/shortlist/add", data={"asset_id": str(a.id), "from": sid})
    back = 'href="/shortlist" class="govuk-back-link">Back to your shortlist</a>'
    shortlist = html(client.get("/shortlist"))
    assert f"/assets/{a.id}?via=shortlist&amp;from={sid}" in client.get("/shortlist").get_data(as_text=True)
    assert 'href="/shortlist/send"' in shortlist  # send it to the person
    asset = html(client.get(f"/assets/{a.id}?via=shortlist&from={sid}"))
    assert back in asset and 'name="via" value="shortlist"' in asset
    assert back not in html(client.get(f"/assets/{a.id}?from={sid}"))  # from the results: back to the results
    assert "Back to results" in html(client.get(f"/assets/{a.id}?from={sid}"))
    resp = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "via": "shortlist"})
    done = html(client.get(resp.headers["Location"]))
    assert '<a class="govuk-link" href="/shortlist">Back to your shortlist</a>' in done
    again = html(client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "via": "shortlist"}))
    assert "You have already recorded a connection" in again and 'href="/shortlist">Back to your shortlist' in again
    for page in ("/shortlist/sheet", "/shortlist/sheet?easy=1", "/shortlist/sheet?large=1", "/shortlist/send"):
        assert "Back to your shortlist</a>" in html(client.get(page)), page
    with mail_config(app, MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        sent = client.post("/shortlist/send", data={"how": "email", "email": "jo@example.net"})
    assert back in html(client.get(sent.headers["Location"]))
    client.post("/shortlist/remove", data={"asset_id": str(a.id)})
    assert "Back to your shortlist" not in html(client.get(resp.headers["Location"]))  # no longer from it
