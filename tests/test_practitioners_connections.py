"""Recording connections: the shortlist keeps the search each asset came from, so a connection recorded
from it keeps that search's ward and LSOA; a follow-up answer is never silently replaced."""

from __future__ import annotations

import json
from html import unescape

import pytest
from sqlalchemy import select

from assetmap.db import session
from assetmap.models import ConnectionLog
from assetmap.once import new_token
from tests.factories import BIRMINGHAM_POSTCODE, YORK_POSTCODE, login
from tests.upkeep_helpers import LADYWOOD, make_asset, make_user


def html(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def search(client, postcode) -> str:
    resp = client.post("/search", data={"postcode": postcode, "distance": "1"})
    assert resp.status_code == 303
    return resp.headers["Location"].rsplit("/", 1)[1]


def connection(asset_id) -> ConnectionLog:
    session.expire_all()
    return session.execute(select(ConnectionLog).where(ConnectionLog.service_id == asset_id)).scalar_one()


@pytest.fixture
def practitioner(client, db):
    login(client, make_user("practitioner"))
    return client


# --------------------------------------------------------------------------- the shortlist keeps the search


def test_a_connection_recorded_from_the_shortlist_keeps_the_wards_and_lsoa_of_its_search(practitioner):
    client = practitioner
    a = make_asset(name="Chess club")
    sid = search(client, BIRMINGHAM_POSTCODE)
    search(client, YORK_POSTCODE)  # a later search elsewhere must not be the one used
    assert client.post("/shortlist/add", data={"asset_id": str(a.id), "from": sid}).status_code == 303
    shortlist = html(client.get("/shortlist"))
    assert f"/assets/{a.id}?via=shortlist&from={sid}" in shortlist
    asset_page = html(client.get(f"/assets/{a.id}"))  # reached from the sheet, say, with no ?from=
    assert f'name="from" value="{sid}"' in asset_page
    resp = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment"})
    assert resp.status_code == 303
    row = connection(a.id)
    assert row.ward_code == LADYWOOD and row.lsoa_code and row.lsoa_code.startswith("E01")
    assert "the ward and small area of your search" in html(client.get(resp.headers["Location"]))


def test_the_shortlist_keeps_only_the_search_id_never_its_point(practitioner):
    client = practitioner
    a = make_asset()
    sid = search(client, BIRMINGHAM_POSTCODE)
    client.post("/shortlist/add", data={"asset_id": str(a.id), "from": sid})
    with client.session_transaction() as sess:
        assert sess["am_shortlist_from"] == {str(a.id): sid}
        kept = json.dumps({k: v for k, v in sess.items() if k != "am_searches"})
    for leak in ("52.4", "-1.9", LADYWOOD, "E01", "B1 1BA"):
        assert leak not in kept


def test_an_asset_shortlisted_without_a_search_records_no_area_and_removal_forgets_the_search(practitioner):
    client = practitioner
    a, b = make_asset(name="One"), make_asset(name="Two")
    sid = search(client, BIRMINGHAM_POSTCODE)
    client.post("/shortlist/add", data={"asset_id": str(a.id)})
    client.post("/shortlist/add", data={"asset_id": str(b.id), "from": sid})
    client.post("/shortlist/remove", data={"asset_id": str(b.id)})
    client.post("/shortlist/add", data={"asset_id": str(b.id)})
    client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment"})
    client.post(f"/assets/{b.id}/connections", data={"capability": "enjoyment"})
    assert (connection(a.id).ward_code, connection(a.id).lsoa_code) == (None, None)
    assert (connection(b.id).ward_code, connection(b.id).lsoa_code) == (None, None)


def test_a_search_id_from_another_browser_is_not_kept(practitioner, app):
    a = make_asset()
    other = app.test_client()
    login(other, make_user("practitioner"))
    foreign = search(other, YORK_POSTCODE)
    practitioner.post("/shortlist/add", data={"asset_id": str(a.id), "from": foreign})
    with practitioner.session_transaction() as sess:
        assert not sess.get("am_shortlist_from")
    practitioner.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment"})
    assert connection(a.id).ward_code is None


def test_the_search_named_on_the_form_wins_over_the_shortlists(practitioner):
    client = practitioner
    a = make_asset()
    birmingham = search(client, BIRMINGHAM_POSTCODE)
    york = search(client, YORK_POSTCODE)
    client.post("/shortlist/add", data={"asset_id": str(a.id), "from": birmingham})
    client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "from": york})
    assert connection(a.id).ward_code != LADYWOOD and connection(a.id).ward_code is not None


# --------------------------------------------------------------------------- follow-ups


@pytest.fixture
def reference(practitioner):
    a = make_asset(name="Tuesday Walking Group")
    practitioner.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "followup": "yes"})
    return connection(a.id).followup_ref


def answer(client, ref, attended, helped, **extra):
    return client.post(
        "/connections/follow-up", data={"reference": ref, "attended": attended, "helped": helped, **extra}
    )


def answers(ref) -> tuple:
    session.expire_all()
    row = session.execute(select(ConnectionLog).where(ConnectionLog.followup_ref == ref)).scalar_one()
    return row.followup_attended, row.followup_helped


def test_a_different_second_answer_asks_to_confirm_and_names_the_listing(practitioner, reference):
    assert answer(practitioner, reference, "yes", "yes").status_code == 303
    token = new_token()
    resp = answer(practitioner, reference, "no", "not_known", form_token=token)
    page = html(resp)
    assert resp.status_code == 200
    assert "Change the follow-up for Tuesday Walking Group?" in page
    assert "Recorded before" in page and "Your new answer" in page
    assert f'name="form_token" value="{token}"' in page and 'name="confirm" value="yes"' in page
    assert answers(reference) == ("yes", "yes")  # nothing changed until confirmed


def test_a_confirmed_change_is_recorded_once(practitioner, reference):
    answer(practitioner, reference, "yes", "yes")
    token = new_token()
    resp = answer(practitioner, reference, "no", "not_known", form_token=token, confirm="yes")
    assert resp.status_code == 303
    assert "Follow-up for Tuesday Walking Group changed" in html(practitioner.get(resp.headers["Location"]))
    assert answers(reference) == ("no", "not_known")
    replay = answer(practitioner, reference, "no", "not_known", form_token=token, confirm="yes")
    assert replay.status_code == 303
    assert "You have already recorded this follow-up." in html(practitioner.get(replay.headers["Location"]))


def test_the_same_answers_again_change_nothing_and_say_so(practitioner, reference):
    answer(practitioner, reference, "yes", "no")
    resp = answer(practitioner, reference, "yes", "no")
    assert resp.status_code == 303
    assert "You had already recorded these answers for Tuesday Walking Group" in html(
        practitioner.get(resp.headers["Location"])
    )
    assert answers(reference) == ("yes", "no")


def test_a_first_answer_needs_no_confirmation(practitioner, reference):
    resp = answer(practitioner, reference, "no", "no")
    assert resp.status_code == 303
    assert "Follow-up recorded for Tuesday Walking Group" in html(practitioner.get(resp.headers["Location"]))
    assert answers(reference) == ("no", "no")


def test_the_areas_kept_are_those_of_the_search_point(practitioner):
    from assetmap import postcodes
    from assetmap.geo import areas_at

    a = make_asset(name="York club")
    sid = search(practitioner, YORK_POSTCODE)
    practitioner.post("/shortlist/add", data={"asset_id": str(a.id), "from": sid})
    practitioner.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment"})
    pc = postcodes.lookup(YORK_POSTCODE)
    ward, lsoa, _ = areas_at(pc.lon, pc.lat)
    row = connection(a.id)
    assert (row.ward_code, row.lsoa_code) == (ward, lsoa) and ward != LADYWOOD
