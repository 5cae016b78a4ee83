"""Shared by the hostile-input suites: a fingerprint of everything requests can write, and a small world
(a coordinator with a token, a live and an archived asset) committed into the test's outer transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from assetmap.accounts.store import issue_token
from assetmap.db import session
from tests.factories import BIRMINGHAM_LONLAT, login, make_asset, make_user

#: every table a request can write to: each is fingerprinted row by row
WRITABLE = (
    "service",
    "location",
    "organisation",
    "service_at_location",
    "attribute",
    "schedule",
    "cost_option",
    "contact",
    "phone",
    "accessibility",
    "service_area",
    "asset_change",
    "suggestion",
    "connection_log",
    "unmet_need",
    "app_user",
    "user_area",
    "api_token",
    "taxonomy",
    "taxonomy_term",
    "submission_receipt",
)
#: not fingerprinted: signin_throttle, where every failed sign-in is counted on purpose (accounts/throttle.py)
#: reference data, large and never written by requests: counted only
REFERENCE = ("ward", "lsoa", "postcode")
TABLES = WRITABLE + REFERENCE
_FINGERPRINT = text(
    "SELECT "
    + ", ".join(
        [f"(SELECT count(*) FROM {t}) AS {t}" for t in TABLES]
        + [
            f"(SELECT md5(coalesce(string_agg(md5(r::text), ',' ORDER BY md5(r::text)), '')) FROM {t} r) AS {t}_digest"
            for t in WRITABLE
        ]
    )
)


def fingerprint() -> dict:
    """Row counts of every table, and a digest of every row of the writable ones (one round trip).

    Each row is digested whole (``r::text`` writes NULLs as empty fields), so a change to any column,
    nullable or not, changes the fingerprint; concatenating columns with ``||`` would turn a row with
    one NULL into NULL and hide it. The session is removed first, as the end of every request removes it
    in the app (a test's own app context keeps it open): what a request did not commit is not written.
    """
    session.remove()
    return dict(session.execute(_FINGERPRINT).mappings().one())


@pytest.fixture
def world(app_ctx, db):
    coordinator = make_user("coordinator", wards=["E05011151"])
    token = issue_token(coordinator, "hostile")
    live = make_asset(name="Hostile test lunch club", steward_id=coordinator.id)
    archived = make_asset(name="Hostile test archived group")
    session.execute(text("UPDATE service SET archived_at = now() WHERE id = :id"), {"id": archived.id})
    session.commit()  # into the test's outer transaction, so a request's rollback cannot undo the set-up
    return {"token": token, "asset": live, "archived": archived, "coordinator": coordinator}


@pytest.fixture
def signed_in(client, world):
    """The client, signed in as the world's coordinator (signing in writes last_login_at: done before any
    fingerprint is taken)."""
    login(client, world["coordinator"])
    return client


def auth(world):
    return {"Authorization": f"Bearer {world['token']}"}


def good_asset(**overrides):
    body = {
        "name": "A new group",
        "categories": ["social-groups"],
        "lat": BIRMINGHAM_LONLAT[1],
        "lon": BIRMINGHAM_LONLAT[0],
        "modes": ["in_person"],
    }
    body.update(overrides)
    return body
