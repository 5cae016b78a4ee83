"""The open data API's kept totals (``open_data_total``, migration 0016) and its pages read by ids.

Property-based (Hypothesis): each example writes a few listings through the real write path, with drawn
visibility, then applies a drawn sequence of changes (the map's kept-count test's: visibility,
archiving, status, links added and removed, places and services deleted, ...). After it, each kept total
equals a live ``count(*)`` of what an anonymous visitor may read (``readable_filter(None)``), and the
API's unfiltered lists of services and of services at locations, walked page by page to the end, hold
exactly those rows in the order of the statements that paged them before (``ORDER BY name, id``, ``OFFSET``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from assetmap.db import session
from assetmap.models import Location, Service, ServiceAtLocation
from assetmap.opendata import oruk, queries
from assetmap.opendata.queries import ServiceFilter, public
from tests.factories import make_asset
from tests.test_markers import CHANGES, VISIBILITY, apply, lats, lons

EXAMPLES = int(os.environ.get("OPEN_DATA_EXAMPLES", "25"))


def live_services() -> list:
    """Every public service's id, in the API's order, by the statement the API paged before."""
    return list(session.execute(select(Service.id).where(public()).order_by(Service.name, Service.id)).scalars())


def live_links() -> list:
    """Every public service's link to a place, in the API's order, by the statement that paged them before."""
    return list(
        session.execute(
            select(ServiceAtLocation.id)
            .join(Service, Service.id == ServiceAtLocation.service_id)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(public())
            .order_by(Service.name, ServiceAtLocation.id)
        ).scalars()
    )


def kept_totals_are_exact() -> None:
    assert queries.kept_total("services") == len(live_services())
    assert queries.kept_total("service_at_locations") == len(live_links())


def walk(lister, per_page: int) -> tuple[list, set]:
    """Every page of an unfiltered list, first to last: (ids, totals seen)."""
    ids, totals, page = [], set(), 1
    while True:
        found = lister(ServiceFilter(), oruk.catalogue(), page, per_page)
        totals.add(found.total)
        if not found.items:
            return ids, totals
        ids += [s.id for s in found.items]
        page += 1


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)
@given(data=st.data())
def test_kept_totals_equal_a_live_count_after_any_changes(app, db, data):
    with app.test_request_context():
        outer = session.begin_nested()
        try:
            kept_totals_are_exact()
            names = st.sampled_from(["Hall", "Club", "Garden", "Choir"])  # equal names: the id breaks the tie
            for _ in range(data.draw(st.integers(1, 6), label="listings")):
                make_asset(
                    name=data.draw(names, label="name"),
                    lon=data.draw(lons, label="lon"),
                    lat=data.draw(lats, label="lat"),
                    visibility=data.draw(st.sampled_from(VISIBILITY), label="visibility"),
                )
            kept_totals_are_exact()
            for change in data.draw(st.lists(CHANGES, max_size=10), label="changes"):
                apply(change)
                kept_totals_are_exact()
            session.flush()
            per_page = data.draw(st.integers(1, 4), label="per page")
            ids, totals = walk(queries.list_services, per_page)
            assert ids == live_services() and totals == {len(ids)}
            ids, totals = walk(queries.list_service_at_locations, per_page)
            assert ids == live_links() and totals == {len(ids)}
        finally:
            outer.rollback()


def test_a_confidential_or_practitioners_only_listing_is_never_counted_or_listed(app, db, client):
    with app.test_request_context():
        before = queries.kept_total("services"), queries.kept_total("service_at_locations")
        hall = make_asset(name="Aardvark Hall", visibility="public", lon=-1.9, lat=52.48)
        refuge = make_asset(name="Aardvark Refuge", visibility="confidential", lon=-1.9, lat=52.48)
        club = make_asset(name="Aardvark Club", visibility="practitioners", lon=-1.9, lat=52.48)
        session.flush()
        assert (queries.kept_total("services"), queries.kept_total("service_at_locations")) == (
            before[0] + 1,
            before[1] + 1,
        )
        body = client.get("/oruk/services?per_page=200").get_json()
        listed = {item["id"] for item in body["contents"]}
        assert str(hall.id) in listed and not {str(refuge.id), str(club.id)} & listed
        assert body["total_items"] == before[0] + 1
        session.execute(text("UPDATE service SET visibility = 'public' WHERE id = :id"), {"id": refuge.id})
        assert queries.kept_total("services") == before[0] + 2
        session.execute(text("UPDATE service SET visibility = 'confidential' WHERE id = :id"), {"id": refuge.id})
        session.execute(text("DELETE FROM service WHERE id = :id"), {"id": hall.id})
        assert (queries.kept_total("services"), queries.kept_total("service_at_locations")) == before
        kept_totals_are_exact()


def test_an_edit_that_changes_no_total_does_not_write_the_counter(app, db):
    """So ordinary edits (a name, a description) never wait on each other for the counter row."""
    with app.test_request_context():
        hall = make_asset(name="Hall", visibility="public", lon=-1.9, lat=52.48)
        session.flush()
        where = "SELECT ctid::text FROM open_data_total WHERE kind = 'services'"
        first = session.execute(text(where)).scalar_one()
        session.execute(text("UPDATE service SET name = 'Village Hall' WHERE id = :id"), {"id": hall.id})
        assert session.execute(text(where)).scalar_one() == first
        session.execute(text("UPDATE service SET archived_at = now() WHERE id = :id"), {"id": hall.id})
        assert session.execute(text(where)).scalar_one() != first


def test_emptying_the_directory_recounts_the_totals(app, db):
    with app.test_request_context():
        make_asset(name="Hall", lon=-1.9, lat=52.48)
        session.flush()
        session.execute(text("TRUNCATE service_at_location"))
        assert queries.kept_total("service_at_locations") == 0
        kept_totals_are_exact()
        session.execute(text("TRUNCATE service CASCADE"))
        assert queries.kept_total("services") == 0
        kept_totals_are_exact()


def test_a_filtered_list_is_counted_and_paged_like_the_unfiltered_one(app, db):
    with app.test_request_context():
        for name in ("Bee Club", "Bee Hall", "Art Club", "Bee Garden"):
            make_asset(name=name, lon=-1.9, lat=52.48)
        session.flush()
        f = ServiceFilter(search="Bee")
        first = queries.list_services(f, oruk.catalogue(), 1, 2)
        second = queries.list_services(f, oruk.catalogue(), 2, 2)
        names = [s.name for s in first.items + second.items]
        assert names == ["Bee Club", "Bee Garden", "Bee Hall"] and first.total == second.total == 3


def _plan(stmt, off: tuple[str, ...] = ("seqscan",)) -> str:
    """The plan of ``stmt`` with the planner's methods ``off`` discouraged: on a test database's few rows the
    planner's choice between near-equal plans follows statistics other tests leave behind (ANALYZE's row
    counts outlive their rolled-back transactions), so a test asks what the indexes *can* serve."""
    compiled = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    for method in off:
        session.execute(text(f"SET LOCAL enable_{method} = off"))
    rows = session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
    for method in off:
        session.execute(text(f"SET LOCAL enable_{method} TO DEFAULT"))
    return "\n".join(rows)


def test_a_page_of_services_is_read_from_the_public_name_index_and_modified_after_from_its_own(app, db):
    """The plans the API relies on: the partial indexes' condition is what ``public()`` asks, so a page's
    ids come from an index-only scan in the list's order (no sort), and ``modified_after`` has an index."""
    import datetime as dt

    with app.test_request_context():
        make_asset(name="Hall", lon=-1.9, lat=52.48)
        session.flush()
        session.execute(text("ANALYZE service"))
        # with sorting discouraged, a plan still holding a Sort means no index gives the list's order
        page = _plan(queries.service_ids(ServiceFilter(), oruk.catalogue()).limit(20).offset(40), ("seqscan", "sort"))
        assert "Index Only Scan using service_public_name_idx" in page and "Sort" not in page
        since = ServiceFilter(modified_after=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        counted = _plan(
            select(func.count()).select_from(queries.service_ids(since, oruk.catalogue()).order_by(None).subquery())
        )
        assert "service_public_updated_idx" in counted


def test_a_listing_unpublished_or_deleted_after_its_id_was_read_is_left_out_of_the_page(app, db):
    """A page's ids and its rows are two statements (two snapshots): the rows are read still public."""
    with app.test_request_context():
        hall = make_asset(name="Hall", visibility="public", lon=-1.9, lat=52.48)
        club = make_asset(name="Club", visibility="public", lon=-1.9, lat=52.48)
        pond = make_asset(name="Pond", visibility="public", lon=-1.9, lat=52.48)
        session.flush()
        ids = [hall.id, club.id, pond.id]
        links = [sal.id for s in (hall, club, pond) for sal in s.locations]
        session.execute(text("UPDATE service SET visibility = 'confidential' WHERE id = :id"), {"id": club.id})
        session.execute(text("DELETE FROM service WHERE id = :id"), {"id": pond.id})
        session.expire_all()
        assert [s.id for s in queries.services_by_id(ids, full=True)] == [hall.id]
        assert [sal.service_id for sal in queries.links_by_id(links, full=True)] == [hall.id]
