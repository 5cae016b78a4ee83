"""Schedules through the doors people use: the asset form, the asset page, the token API and the search's day
filter, on real PostGIS. (The grammar and the calendar are tested in tests/unit/test_schedules.py; an ORUK feed's
round trip in tests/test_oruk_import.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assetmap.db import session
from assetmap.directory.store import service_snapshot
from assetmap.models import Schedule, Service, Ward
from tests.test_api_assets import bearer
from tests.test_search import make_asset as committed_asset
from tests.test_search import names, near, offset
from tests.test_upkeep_assets import edit_data, form_data, session_fields
from tests.upkeep_helpers import LADYWOOD, fresh, make_asset, make_user

COMPLEX = (
    "1st mon,last fri 10:00-12:00 not on bank holidays;every 2 weeks thu from 2026-01-08 14:00-15:30 term time only;"
    "sat 10:00-12:00 from 2026-04-01 until 2026-09-30;closed from 2030-03-01 to 2030-03-15"
)


@pytest.fixture
def coordinator(db):
    return make_user("coordinator", wards=[LADYWOOD])


@pytest.fixture
def signed_in(client, coordinator):
    from tests.factories import login

    login(client, coordinator)
    return client


def test_the_form_saves_every_kind_of_session_and_a_closure(signed_in, db):
    data = form_data(
        name="Every kind of club",
        **session_fields(0, "monthly_day", positions=["1", "-1"], monthly_day="MO", opens="10:00", closes="12:00"),
        **session_fields(
            1,
            "every",
            every_weeks="2",
            every_days=["TH"],
            every_date_day="8",
            every_date_month="1",
            every_date_year="2026",
            opens="14:00",
            closes="15:30",
            term_time="yes",
        ),
        **session_fields(2, "monthly_date", monthdays="15th, last", opens="9", closes="10:00"),
        **session_fields(
            3,
            "once",
            once_date_day="14",
            once_date_month="3",
            once_date_year="2026",
            opens="10:00",
            closes="16:00",
            note="Fun day",
        ),
        **session_fields(4, "text", text="2nd last fri 18:00-20:00"),
        **session_fields(
            5,
            "weekly",
            weekly_days=["SA"],
            opens="10:00",
            closes="12:00",
            valid_from_day="1",
            valid_from_month="4",
            valid_from_year="2026",
            valid_to_day="30",
            valid_to_month="9",
            valid_to_year="2026",
            bank_holidays="yes",
        ),
        **{"closed-from-day": "1", "closed-from-month": "3", "closed-from-year": "2030"},
        **{"closed-to-day": "15", "closed-to-month": "3", "closed-to-year": "2030"},
    )
    resp = signed_in.post("/assets/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    service = session.execute(select(Service).where(Service.name == "Every kind of club")).scalar_one()
    # in page order: by first weekday, then dates of the month, then one-offs; the closure last
    assert service_snapshot(service)["schedule"] == [
        "1st,last mon 10:00-12:00",
        "every 2 weeks thu from 2026-01-08 14:00-15:30 term time only",
        "2nd last fri 18:00-20:00",
        "sat 10:00-12:00 from 2026-04-01 until 2026-09-30 not on bank holidays",
        "15th,last of the month 09:00-10:00",
        "on 2026-03-14 10:00-16:00 (Fun day)",
        "closed from 2030-03-01 to 2030-03-15",
    ]


def test_add_another_session_shows_the_form_again_and_saves_nothing(signed_in, db):
    before = session.execute(select(func.count()).select_from(Service)).scalar_one()
    resp = signed_in.post("/assets/new", data=form_data(add_session="yes"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'name="schedule-2-how"' in html and 'name="schedule-3-how"' not in html
    assert 'value="TU" checked' in html  # what was typed is kept
    assert session.execute(select(func.count()).select_from(Service)).scalar_one() == before


@pytest.mark.parametrize(
    "fields,anchor,message",
    [
        (
            session_fields(0, "every", every_weeks="2", every_days=["TH"], opens="10:00", closes="11:00"),
            "schedule-0-every-date-day",
            "Session 1: enter the date of one session",
        ),
        (
            session_fields(0, "monthly_day", monthly_day="MO", opens="10:00", closes="11:00"),
            "schedule-0-positions",
            "Session 1: choose which of the month",
        ),
        (
            session_fields(0, "text", text="every 2 weeks thu 10:00-11:00"),
            "schedule-0-text",
            "Session 1: every 2 weeks needs the date of one session, to know which weeks",
        ),
        (session_fields(0, "", opens="10:00", closes="11:00"), "schedule-0-how", "Session 1: choose how often"),
        (
            {"closed-from-day": "1", "closed-from-month": "3", "closed-from-year": "2030"},
            "closed-to-day",
            "Enter the last day it is closed",
        ),
    ],
)
def test_a_session_the_form_cannot_read_is_an_error_linked_to_its_field(signed_in, db, fields, anchor, message):
    base = form_data()
    for key in [k for k in base if k.startswith("schedule-0-")]:
        del base[key]
    resp = signed_in.post("/assets/new", data={**base, **fields})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    assert message in html.replace("&#39;", "'").replace("’", "'")


def test_editing_an_asset_keeps_a_rule_the_choices_cannot_lay_out(signed_in, db, coordinator):
    service = make_asset(name="Complex club", schedule=COMPLEX, steward_id=coordinator.id)
    page = signed_in.get(f"/assets/{service.id}/edit").get_data(as_text=True)
    assert 'value="1st mon,last fri 10:00-12:00 not on bank holidays"' in page  # shown as text
    before = service_snapshot(service)["schedule"]
    data = edit_data(signed_in, service, name="Complex club (renamed)")
    assert signed_in.post(f"/assets/{service.id}/edit", data=data).status_code == 302
    assert service_snapshot(fresh(Service, service.id))["schedule"] == before


def test_the_asset_page_says_each_session_the_next_one_and_a_closure(client, db):
    service = make_asset(name="Complex club", schedule=COMPLEX)
    session.commit()
    html = client.get(f"/assets/{service.id}").get_data(as_text=True)
    for said in (
        "First Monday and last Friday of the month 10:00 to 12:00; not on bank holidays",
        "Every other Thursday 14:00 to 15:30; starting 8 January 2026; term time only",
        "Saturday 10:00 to 12:00; from 1 April 2026 to 30 September 2026",
        "Temporarily closed from 1 March 2030 to 15 March 2030",
        "Next session:",
    ):
        assert said in html, said
    # while it is closed, the next-session line says until when
    closed = make_asset(name="Closed club", schedule="mon 10:00-11:00;closed from 2026-01-01 to 2030-01-31")
    html = client.get(f"/assets/{closed.id}").get_data(as_text=True)
    assert "No sessions coming up (closed until 31 January 2030)" in html


def test_the_token_api_takes_oruk_objects_and_text_and_answers_a_bad_one_with_400(client, db):
    user = make_user("coordinator", wards=[LADYWOOD])
    auth = bearer(user)
    body = {
        "name": "API club",
        "categories": ["social-groups"],
        "postcode": "B1 1BA",
        "schedule": [
            {"freq": "MONTHLY", "byday": "-1FR", "opens_at": "18:00", "closes_at": "20:00"},
            {
                "freq": "WEEKLY",
                "interval": 2,
                "byday": "TH",
                "dtstart": "2026-01-08",
                "opens_at": "14:00",
                "closes_at": "15:30",
                "notes": "Term time only.",
            },
            "15th of the month 09:00-10:00",
            "closed from 2030-03-01 to 2030-03-15",
        ],
    }
    resp = client.post("/api/assets", json=body, headers=auth)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["schedule"] == [
        "every 2 weeks thu from 2026-01-08 14:00-15:30 term time only",
        "last fri 18:00-20:00",
        "15th of the month 09:00-10:00",
        "closed from 2030-03-01 to 2030-03-15",
    ]
    count = session.execute(select(func.count()).select_from(Schedule)).scalar_one()
    bad = {
        **body,
        "name": "Bad club",
        "schedule": [{"freq": "MONTHLY", "byday": "MO", "opens_at": "1", "closes_at": "2"}],
    }
    resp = client.post("/api/assets", json=bad, headers=auth)
    assert resp.status_code == 400
    assert (
        "session 1" in str(resp.get_json())
        and session.execute(select(func.count()).select_from(Schedule)).scalar_one() == count
    )


def test_open_on_a_day_counts_monthly_fortnightly_and_one_off_sessions_on_that_weekday(client, db):
    committed_asset(name="Last Friday", schedule="last fri 18:00-20:00", **offset(100))
    committed_asset(name="Fortnightly Friday", schedule="every 2 weeks fri from 2026-01-09 10:00-11:00", **offset(120))
    committed_asset(name="Friday fun day", schedule="on 2030-03-15 10:00-16:00", **offset(140))  # a Friday
    committed_asset(name="Past Friday", schedule="on 2026-01-02 10:00-16:00", **offset(160))
    committed_asset(name="Ended", schedule="fri 10:00-11:00 until 2026-01-31", **offset(180))
    committed_asset(name="The 15th", schedule="15th of the month 10:00-11:00", **offset(200))
    committed_asset(name="Mondays", schedule="1st mon 10:00-11:00", **offset(220))
    assert names(near(client, open_day="friday")) == ["Last Friday", "Fortnightly Friday", "Friday fun day"]
    assert names(near(client, open_day="friday", open_part="evening")) == ["Last Friday"]
    assert names(near(client, open_part="morning")) == ["Fortnightly Friday", "Friday fun day", "The 15th", "Mondays"]


def test_term_dates_load_per_council_and_term_time_sessions_skip_the_holidays(app_ctx, db, tmp_path):
    import datetime as dt

    from assetmap.directory.read import LONDON, asset_views
    from assetmap.errors import ValidationError
    from assetmap.loaders.term_dates import load_term_dates
    from assetmap.models import TermDate

    birmingham = session.execute(select(Ward.lad_code).where(Ward.code == LADYWOOD)).scalar_one()
    path = tmp_path / "terms.csv"
    path.write_text(
        f"lad_code,starts,ends,name\n{birmingham},2026-09-02,2026-11-27,Autumn 1\n{birmingham},2026-12-07,2026-12-18,Autumn 2\n"
    )
    assert load_term_dates(path) == "2 terms for 1 council(s)"
    assert load_term_dates(path) == "2 terms for 1 council(s)"  # again: replaced, not doubled
    assert session.execute(select(func.count()).select_from(TermDate)).scalar_one() == 2
    service = make_asset(name="Toddlers", schedule="tue 10:00-11:00 term time only")
    wednesday = dt.datetime(2026, 11, 25, 9, tzinfo=LONDON)
    [view] = asset_views([service.id], None, now=wednesday)
    assert view["next_session"]["label"] == "Tuesday 8 December, 10:00 to 11:00"  # 1 December is in the holiday
    [view] = asset_views([service.id], None, now=dt.datetime(2026, 12, 19, 9, tzinfo=LONDON))
    assert view["next_session"]["label"] == (
        "Tuesday 22 December, 10:00 to 11:00 (term time only: check the school holidays)"
    )  # after the terms held: not known, so said

    bad = tmp_path / "bad.csv"
    bad.write_text(f"lad_code,starts,ends\n{birmingham},2027-01-05,2027-03-27\n{birmingham},2027-04-13,13/04/2027\n")
    with pytest.raises(ValidationError, match="Row 3: ends must be a date like 2026-09-03, not '13/04/2027'"):
        load_term_dates(bad)
    (tmp_path / "nope.csv").write_text("lad_code,starts,ends\nE99999999,2027-01-05,2027-03-27\n")
    with pytest.raises(ValidationError, match="Row 2: 'E99999999' is not a council we hold"):
        load_term_dates(tmp_path / "nope.csv")
