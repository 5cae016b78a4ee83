"""``marker_point.keys`` (migrations 0025, 0026): a test asked of the keys means exactly what it meant of the columns.

The near view's walk and the map's counts ask a row's words, terms, days, ways of taking part and cost band of one
text-search document, so its GiST index can test them as it walks (``filters.keys_match``). Each such test must keep
the meaning of the test it replaced: ``terms && codes``, ``days && codes``, ``modes && codes``, ``min_cost <= the
band's amount``, and "the text holds one of the ideas, or the terms one they name". These tests compare the two forms on drawn values, on the rows the
triggers keep as listings change, and through a search.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from assetmap.accounts.auth import Anonymous
from assetmap.db import session
from assetmap.directory import store
from assetmap.directory.records import parse_record
from assetmap.models import MarkerPoint
from assetmap.practitioners import queries
from assetmap.practitioners.params import Filters
from assetmap.vocabulary import COST_BANDS
from tests.factories import BIRMINGHAM_LONLAT, make_asset

TERMS = [f"{t}:{c}" for t in ("category", "audience", "capability", "asset_type") for c in ("mo", "walking", "x-y")]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU", "mo"]
MODES = ["in_person", "online", "phone", "mo"]
WORDS = ["walking", "carers", "mo", "day", "category", "lunch", "club", "garden", "yoga", "mode", "online"]

#: each test of a row's own columns, and the same test asked of its keys
SAME = text(
    """
    SELECT :terms && :codes AS terms_cols, k @@ marker_keys_query('', :codes) AS terms_keys,
           :days && :codes AS days_cols, k @@ marker_keys_query('day:', :codes) AS days_keys,
           :modes && :codes AS modes_cols, k @@ marker_keys_query('mode:', :codes) AS modes_keys,
           coalesce(tsv @@ q, false) OR :terms && :codes AS idea_cols,
           k @@ (q || marker_keys_query('', :codes)) AS idea_keys,
           coalesce(tsv @@ q, false) AS text_cols, k @@ q AS text_keys,
           coalesce(CAST(:min_cost AS numeric) <= :up_to, false) AS cost_cols,
           k @@ marker_keys_query('cost:', ARRAY[CAST(:band AS text)]) AS cost_keys,
           coalesce(tsv @@ to_tsquery('simple', :prefixes), false) AS prefix_cols,
           k @@ marker_keys_beginnings(:prefixes) AS beginnings_keys
    FROM (SELECT to_tsvector('english', :text) AS tsv, to_tsquery('english', :query) AS q) AS t,
         LATERAL (SELECT marker_keys(CASE WHEN :text = '' THEN NULL ELSE t.tsv END, :terms, :days, :modes,
                                   CAST(:min_cost AS numeric)) AS k) AS m
    """
)

lists = st.lists

#: least costs on and either side of each band's amount
COSTS = [Decimal(str(band.up_to + step)) for band in COST_BANDS for step in (-0.01, 0, 0.01) if band.up_to + step >= 0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    terms=lists(st.sampled_from(TERMS), max_size=4),
    days=lists(st.sampled_from(DAYS), max_size=3),
    modes=lists(st.sampled_from(MODES), max_size=2),
    codes=lists(st.sampled_from(TERMS + DAYS + MODES), min_size=1, max_size=3),
    words=lists(st.sampled_from(WORDS), max_size=6),
    query=lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    joiner=st.sampled_from([" | ", " & ", " <-> "]),
    prefixes=lists(st.text("gardenéÉ", min_size=2, max_size=9), min_size=1, max_size=3),
    min_cost=st.one_of(st.none(), st.sampled_from(COSTS), st.decimals(0, 99999, places=2)),
    band=st.sampled_from(COST_BANDS.codes),
)
def test_a_test_of_the_keys_means_what_the_test_of_the_columns_meant(
    db, terms, days, modes, codes, words, query, joiner, prefixes, min_cost, band
):
    row = session.execute(
        SAME,
        {
            "terms": terms,
            "days": days,
            "modes": modes,
            "codes": codes,
            "text": " ".join([*words, *prefixes[1:]]) + "ing",
            "query": joiner.join(query),
            "prefixes": " | ".join(f"{p}:*" for p in prefixes),
            "min_cost": min_cost,
            "band": band,
            "up_to": COST_BANDS[band].up_to,
        },
    ).one()
    for kind in ("terms", "days", "modes", "idea", "text", "cost"):
        assert getattr(row, f"{kind}_keys") == getattr(row, f"{kind}_cols"), (kind, row)
    # the beginnings the walk's index tests pass wherever the prefixes do (only then is the row read)
    assert row.beginnings_keys or not row.prefix_cols, row


def _keys_of(service) -> set[str]:
    keys = session.execute(
        select(text("tsvector_to_array(keys)")).select_from(MarkerPoint).where(MarkerPoint.service_id == service.id)
    ).scalar_one()
    return set(keys)


def _riverside_walk(modes: str):
    """A walking group by the river, on Tuesdays, of the physical-activity category, taking part by ``modes``."""
    return make_asset(
        name="Riverside walking group",
        description="A gentle walk by the river",
        categories="physical-activity",
        modes=modes,
        schedule="tue 10:00-12:00",
    )


def test_the_keys_follow_the_listing_as_it_changes(db, app_ctx):
    service = _riverside_walk("in_person")
    keys = _keys_of(service)
    assert {"=category:physical-activity", "=day:TU", "=mode:in_person", "walk", "river"} <= keys
    assert {"=cost:free", "=cost:up-to-3", "=cost:up-to-5"} <= keys  # the factory's listings are free
    assert not any(k.startswith("=day:MO") for k in keys)
    changed = {
        **store.as_input(store.service_snapshot(service)),
        "description": "A gentle stroll by the canal",
        "categories": "green-spaces",
        "modes": "online",
        "schedule": "fri 10:00-12:00",
        "cost_amount": "4.50",
        "cost_description": "Per walk",
    }
    store.update_asset(service, parse_record(changed, store.vocabulary(), store.known_wards()), expected_version=1)
    session.flush()
    keys = _keys_of(service)
    assert {"=category:green-spaces", "=day:FR", "=mode:online", "canal", "stroll", "=cost:up-to-5"} <= keys
    assert not keys & {"=category:physical-activity", "=day:TU", "=mode:in_person", "river"}
    assert not keys & {"=cost:free", "=cost:up-to-3"}


@pytest.mark.parametrize(
    "body",
    [
        {"q": "walking"},
        {"q": "walking", "category": ("physical-activity",)},
        {"category": ("physical-activity",)},
        {"open_day": ("tuesday",)},
        {"q": "river", "open_day": ("tuesday",)},
        {"mode": ("online",)},
        {"cost": "up-to-3"},
        {"q": "walking", "cost": "free"},
    ],
)
def test_a_search_finds_by_the_keys_what_the_columns_hold(db, app_ctx, body):
    lon, lat = BIRMINGHAM_LONLAT
    walk = _riverside_walk("online")
    other = make_asset(
        name="Lunch club",
        description="A hot meal",
        categories="social-groups",
        schedule="fri 12:00-13:00",
        cost_amount="3.50",
        cost_description="Per meal",
    )
    f = Filters(radius_m=2000, **body)
    page = queries.search(queries.Origin(lon, lat, areas_known=False), f, Anonymous())
    ids = {h.id for h in page.hits}
    assert walk.id in ids and other.id not in ids, (body, [h.name for h in page.hits])
