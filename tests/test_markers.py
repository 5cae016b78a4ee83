"""The map's kept counts (``marker_point``, ``marker_cell``, migrations 0014-0015) and the clusters read from them.

Property-based (Hypothesis): each example writes a few listings near Birmingham through the real write
path, then applies a drawn sequence of changes (moves, visibility, archiving, status, links added and
removed, places and services deleted, a place's point taken away, a service's categories, audiences or
costs rewritten, a term's code changed). After it, the kept tables equal the same aggregates computed
from scratch (the points' filter columns too), no confidential, archived or inactive listing is in them,
and for drawn map views, search circles, scopes, roles and split thresholds the clusters read from the
kept counts equal the clusters counted live from the search's own statement, cell by cell, without
filters and with drawn category, audience and cost filters, and the points read from ``marker_point``
equal the search's own map points, in the same order.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from assetmap import geo
from assetmap.accounts.auth import Anonymous
from assetmap.db import session
from assetmap.directory.read import now_london
from assetmap.models import MarkerDot, MarkerPoint
from assetmap.practitioners import markers, queries
from assetmap.practitioners.params import Filters
from assetmap.vocabulary import ACCESSIBILITY, COST_BANDS, PARTS_OF_DAY
from tests.factories import make_asset, make_user

EXAMPLES = int(os.environ.get("MARKER_EXAMPLES", "25"))
#: a box over central Birmingham: several wards, two constituencies, and cells of every level
WEST, EAST, SOUTH, NORTH = -1.96, -1.84, 52.44, 52.52
VISIBILITY = ["public", "practitioners", "confidential"]

#: marker_point as it should be, from the directory's own tables
POINTS_FROM_SCRATCH = """
SELECT s.id, s.service_id, ST_AsEWKB(l.geom), v.visibility, coalesce(l.ward_code, ''), coalesce(l.constituency_code, ''),
       ARRAY(SELECT DISTINCT t.code || ':' || tt.code FROM attribute a JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id
             JOIN taxonomy t ON t.id = tt.taxonomy_id
             WHERE a.service_id = v.id AND t.code IN ('category', 'audience', 'capability', 'asset_type') ORDER BY 1),
       (SELECT min(amount) FROM cost_option c WHERE c.service_id = v.id),
       ARRAY(SELECT DISTINCT d FROM schedule c, unnest(string_to_array(regexp_replace(coalesce(c.byday,
             CASE WHEN c.freq IS NULL THEN left(to_char(c.dtstart, 'DY'), 2) END), '[-+0-9]', '', 'g'), ',')) d
             WHERE c.service_id = v.id ORDER BY 1),
       v.name, v.last_verified_on, v.unconfirmed_since,
       ARRAY(SELECT a.kind::text FROM accessibility a WHERE a.location_id = l.id ORDER BY 1),
       EXISTS (SELECT 1 FROM service_at_location o WHERE o.service_id = v.id AND o.location_id <> l.id)
FROM service_at_location s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
WHERE l.geom IS NOT NULL AND v.status = 'active' AND v.archived_at IS NULL AND v.visibility <> 'confidential'
ORDER BY 1"""
POINTS_KEPT = """
SELECT link_id, service_id, ST_AsEWKB(geom), visibility, ward_code, constituency_code, terms, min_cost, days,
       name, last_verified_on, unconfirmed_since, access, access_elsewhere, slots, slots_unsettled, slots_settled_on
FROM marker_point ORDER BY 1"""
#: marker_dot (migration 0022): marker_point's narrow copy
_DOT_COLUMNS = (
    "link_id, service_id, ST_AsEWKB(geom), visibility, ward_code, constituency_code, min_cost, modes, days, slots, "
    "slots_settled_on, slots_unsettled, access, access_elsewhere"
)
DOTS_KEPT = f"SELECT {_DOT_COLUMNS} FROM marker_dot ORDER BY 1"
DOTS_FROM_POINTS = f"SELECT {_DOT_COLUMNS} FROM marker_point ORDER BY 1"
SESSIONS = """
SELECT service_id, freq, byday, dtstart, valid_from, valid_to, opens_at, closes_at FROM schedule"""
CELLS_FROM_SCRATCH = """
SELECT lv, floor(ST_X(p.geom) * (1 << (lv - 1)))::int, floor(ST_Y(p.geom) * (1 << lv))::int, p.visibility,
       p.ward_code, p.constituency_code, count(*), sum(ST_X(p.geom)), sum(ST_Y(p.geom))
FROM marker_point p CROSS JOIN generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS lv GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"""
CELLS_KEPT = """
SELECT level, cx, cy, visibility, ward_code, constituency_code, n, sum_lon, sum_lat FROM marker_cell
WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6"""
BIT_CELLS_KEPT = """
SELECT level, cx, cy, bit, visibility, ward_code, constituency_code, n, sum_lon, sum_lat FROM marker_bit_cell
WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7"""
POINT_BITS = "SELECT ST_X(geom), ST_Y(geom), visibility, ward_code, constituency_code, slots, access FROM marker_point"


#: the bits of marker_point's slots and access (migration 0021): any settled session, then the weekdays, the
#: parts of the day, each weekday's parts; and the features, in the vocabularies' order
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PART_CODES = [part.code for part in PARTS_OF_DAY]
FEATURE_CODES = [feature.code for feature in ACCESSIBILITY]


def slot_bits(tokens) -> int:
    """``any``, ``d:MO``, ``p:morning``, ``MO:morning`` as marker_point.slots' bits."""
    bits = 0
    for token in tokens:
        kind, _, value = token.partition(":")
        if token == "any":
            bits |= 1
        elif kind == "d":
            bits |= 1 << (1 + DAY_CODES.index(value))
        elif kind == "p":
            bits |= 1 << (8 + PART_CODES.index(value))
        else:
            bits |= 1 << (11 + 3 * DAY_CODES.index(kind) + PART_CODES.index(value))
    return bits


def slots_from_scratch(today: dt.date) -> dict:
    """{service id: (slots, has other sessions)} as migration 0021 defines them, worked out here in Python: a
    settled session (recurring, no last day, begun by ``today``) offers ``any``, each weekday it falls on
    (``d:MO``), each part of the day it overlaps (``p:morning``) and each pair (``MO:morning``)."""
    found: dict = {}
    for sid, freq, byday, start, valid_from, valid_to, opens, closes in session.execute(text(SESSIONS)).all():
        slots, other = found.setdefault(sid, (set(), [False]))
        begun = max((d for d in (valid_from, start) if d is not None), default=today)
        if freq is None or valid_to is not None or begun > today:
            other[0] = True
            continue
        days = {code.lstrip("+-0123456789") for code in byday.split(",")} if byday else set()
        parts = {part.code for part in PARTS_OF_DAY if opens < part.ends and closes > part.starts}
        slots |= {"any", *(f"d:{d}" for d in days), *(f"p:{p}" for p in parts)}
        slots |= {f"{d}:{p}" for d in days for p in parts}
    return {sid: (slot_bits(slots), other[0]) for sid, (slots, other) in found.items()}


def kept_tables_are_exact() -> None:
    today = now_london().date()
    slots = slots_from_scratch(today)
    scratch = [
        (*r[:-2], sum(1 << FEATURE_CODES.index(k) for k in r[-2]), r[-1], *slots.get(r[1], (0, False)), today)
        for r in session.execute(text(POINTS_FROM_SCRATCH)).all()
    ]
    assert session.execute(text(POINTS_KEPT)).all() == scratch
    assert session.execute(text(DOTS_KEPT)).all() == session.execute(text(DOTS_FROM_POINTS)).all()
    scratch = session.execute(text(CELLS_FROM_SCRATCH), {"lo": markers.MIN_LEVEL, "hi": markers.MAX_LEVEL}).all()
    kept = session.execute(text(CELLS_KEPT)).all()
    assert [r[:7] for r in kept] == [r[:7] for r in scratch]
    for k, s in zip(kept, scratch):
        assert k[7] == pytest.approx(s[7], abs=1e-9) and k[8] == pytest.approx(s[8], abs=1e-9)
    bit_cells_are_exact()


def bit_cells_are_exact() -> None:
    """``marker_bit_cell`` (0024) equals the points' kept bits counted here from ``marker_point``: "this week"
    and the parts of the day (slot bits 0, 8-10), each feature k of the point's own place as 32 + k."""
    scratch: dict = defaultdict(lambda: [0, 0.0, 0.0])
    for lon, lat, *areas, slots, access in session.execute(text(POINT_BITS)).all():
        bits = [b for b in (0, 8, 9, 10) if slots >> b & 1] + [32 + k for k in range(7) if access >> k & 1]
        for level in range(markers.MIN_LEVEL, markers.BIT_MAX_LEVEL + 1):
            cell = (level, math.floor(lon * 2 ** (level - 1)), math.floor(lat * 2**level))
            for bit in bits:
                acc = scratch[(*cell, bit, *areas)]
                acc[0] += 1
                acc[1] += lon
                acc[2] += lat
    kept = session.execute(text(BIT_CELLS_KEPT)).all()
    assert [tuple(r[:8]) for r in kept] == sorted((*key, v[0]) for key, v in scratch.items())
    for row in kept:
        acc = scratch[tuple(row[:7])]
        assert row[8] == pytest.approx(acc[1], abs=1e-9) and row[9] == pytest.approx(acc[2], abs=1e-9)


def same_clusters(kept: list[dict], live: list[dict]) -> None:
    """Cell by cell: the same counts, the same listing where a cell holds one, the same mean position."""
    assert sum(c["count"] for c in kept) == sum(c["count"] for c in live)
    left = list(live)
    for c in kept:
        match = next(
            (
                x
                for x in left
                if x["count"] == c["count"]
                and x.get("id") == c.get("id")
                and abs(x["lon"] - c["lon"]) <= 2e-5
                and abs(x["lat"] - c["lat"]) <= 2e-5
            ),
            None,
        )
        assert match is not None, (c, live)
        left.remove(match)
        assert match.get("distance_m") == c.get("distance_m") and match.get("name") == c.get("name")
    assert not left


#: the listings' drawn texts and sessions, and the words searched for (a stem, a prefix, a synonym, a misspelling,
#: a word that names a category, a word no listing holds)
DESCRIPTIONS = [
    "A friendly weekly group for anyone who wants company.",
    "Gentle walking round the park, then tea.",
    "Singing for the brain: a choir for people living with dementia.",
    "Knit and natter in the library.",
]
SCHEDULES = ["mon 10:00-12:00", "fri 18:00-20:00", "", "mon 14:00-15:00"]
WORDS = ["walking", "walks", "choir", "dementia", "knitting", "natter", "singng", "befriending", "wibble"]

#: sessions written straight to ``schedule`` (freq, byday, dtstart, valid_from, valid_to, opens, closes): weekly,
#: monthly by weekday, a one-off (its date's weekday), one that ended, dates of the month (no weekday), one
#: with a last day to come, ones that begin in some years' time (their first date, their season), ones begun
#: (settled), and times in each part of the day and across two
_SOON = (dt.date.today() + dt.timedelta(days=3)).isoformat()
_LATER = (dt.date.today() + dt.timedelta(days=400)).isoformat()
SESSION_ROWS = [
    ("WEEKLY", "MO", None, None, None, "10:00", "12:00"),
    ("WEEKLY", "TU,FR", None, None, None, "18:00", "20:00"),
    ("MONTHLY", "1MO,-1FR", None, None, None, "11:30", "13:00"),
    (None, None, _SOON, None, None, "10:00", "12:00"),
    ("WEEKLY", "MO", None, None, "2020-01-01", "10:00", "12:00"),
    ("MONTHLY", None, None, None, None, "14:00", "15:00"),
    ("WEEKLY", "WE", None, None, _LATER, "12:00", "17:00"),
    ("WEEKLY", "MO", _LATER, None, None, "09:00", "10:00"),
    ("WEEKLY", "FR", None, _SOON, None, "19:00", "21:00"),
    ("WEEKLY", "TH", "2024-01-04", "2024-01-01", None, "16:30", "17:30"),
]

#: the codes the drawn filters and term changes use (the test vocabulary's first few of each taxonomy)
TERM_TAXONOMIES = ("category", "audience")
COSTS = [None, "0", "2.50", "3", "4.99", "12"]

lons = st.floats(WEST, EAST)
lats = st.floats(SOUTH, NORTH)
CHANGES = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 99), lons, lats),
    st.tuples(st.just("visibility"), st.integers(0, 99), st.sampled_from(VISIBILITY)),
    st.tuples(st.just("archive"), st.integers(0, 99), st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 99), st.sampled_from(["active", "inactive", "defunct"])),
    st.tuples(st.just("link"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("unlink"), st.integers(0, 99)),
    st.tuples(st.just("delete service"), st.integers(0, 99)),
    st.tuples(st.just("delete place"), st.integers(0, 99)),
    st.tuples(st.just("no point"), st.integers(0, 99)),
    st.tuples(st.just("terms"), st.integers(0, 99), st.sampled_from(TERM_TAXONOMIES), st.sets(st.integers(0, 3))),
    st.tuples(st.just("costs"), st.integers(0, 99), st.lists(st.sampled_from(COSTS), max_size=2)),
    st.tuples(st.just("recode term"), st.integers(0, 3), st.text("xyz", min_size=1, max_size=3)),
    st.tuples(st.just("sessions"), st.integers(0, 99), st.lists(st.sampled_from(SESSION_ROWS), max_size=2)),
    st.tuples(st.just("move sessions"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("features"), st.integers(0, 99), st.sets(st.sampled_from(["wheelchair", "hearing-loop"]))),
    st.tuples(st.just("rename"), st.integers(0, 99), st.sampled_from(["Lunch club", "Zumba"])),
    st.tuples(st.just("checked"), st.integers(0, 99), st.sampled_from(["2026-06-01", "2024-01-01", None])),
    st.tuples(st.just("unconfirmed"), st.integers(0, 99), st.sampled_from(["2026-05-01", None])),
)


def term_codes(taxonomy: str) -> list[str]:
    sql = (
        "SELECT tt.code FROM taxonomy_term tt JOIN taxonomy t ON t.id = tt.taxonomy_id WHERE t.code = :t "
        "ORDER BY tt.code LIMIT 4"
    )
    return session.execute(text(sql), {"t": taxonomy}).scalars().all()


def _pick(table: str, i: int):
    ids = session.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars().all()
    return ids[i % len(ids)] if ids else None


def _terms_or_costs(kind: str, i: int, rest) -> None:
    """A service's terms of one taxonomy, or its cost options, rewritten."""
    svc = _pick("service", i)
    if svc is None:
        return
    if kind == "terms":
        taxonomy, picked = rest
        codes = [c for j, c in enumerate(term_codes(taxonomy)) if j in picked]
        session.execute(
            text(
                "DELETE FROM attribute a USING taxonomy_term tt JOIN taxonomy t ON t.id = tt.taxonomy_id "
                "WHERE a.taxonomy_term_id = tt.id AND a.service_id = :s AND t.code = :t"
            ),
            {"s": svc, "t": taxonomy},
        )
        session.execute(
            text(
                "INSERT INTO attribute (id, service_id, taxonomy_term_id) SELECT gen_random_uuid(), :s, tt.id "
                "FROM taxonomy_term tt JOIN taxonomy t ON t.id = tt.taxonomy_id WHERE t.code = :t AND tt.code = ANY(:codes)"
            ),
            {"s": svc, "t": taxonomy, "codes": codes},
        )
    else:
        session.execute(text("DELETE FROM cost_option WHERE service_id = :s"), {"s": svc})
        for amount in rest[0]:
            session.execute(
                text(
                    "INSERT INTO cost_option (id, service_id, amount, currency) "
                    "VALUES (gen_random_uuid(), :s, CAST(:a AS numeric), 'GBP')"
                ),
                {"s": svc, "a": amount},
            )


def _sessions(kind: str, i: int, rest) -> None:
    """A service's sessions rewritten, or moved to another service."""
    svc = _pick("service", i)
    if svc is None:
        return
    if kind == "move sessions":
        other = _pick("service", rest[0])
        session.execute(text("UPDATE schedule SET service_id = :o WHERE service_id = :s"), {"s": svc, "o": other})
        return
    _write_sessions(svc, rest[0])


def _write_sessions(svc, rows) -> None:
    """A service's sessions replaced by ``rows`` (as ``SESSION_ROWS``)."""
    session.execute(text("DELETE FROM schedule WHERE service_id = :s"), {"s": svc})
    for freq, byday, start, begins, end, opens, closes in rows:
        session.execute(
            text(
                "INSERT INTO schedule (id, service_id, freq, byday, bymonthday, byday_order, dtstart, valid_from, "
                "valid_to, opens_at, closes_at) VALUES (gen_random_uuid(), :s, CAST(:f AS varchar), "
                "CAST(:b AS varchar), :m, 0, CAST(:d AS date), CAST(:v AS date), CAST(:e AS date), "
                "CAST(:o AS time), CAST(:c AS time))"
            ),
            {
                "s": svc,
                "f": freq,
                "b": byday,
                "m": "15" if freq == "MONTHLY" and byday is None else None,
                "d": start,
                "v": begins,
                "e": end,
                "o": opens,
                "c": closes,
            },
        )


def _features(i: int, kinds) -> None:
    """A place's accessibility features rewritten."""
    loc = _pick("location", i)
    if loc is None:
        return
    session.execute(text("DELETE FROM accessibility WHERE location_id = :l"), {"l": loc})
    _features_at(loc, kinds)


def apply(change) -> None:
    kind, i, *rest = change
    if kind in ("move", "delete place", "no point"):
        loc = _pick("location", i)
        if loc is None:
            return
        if kind == "move":
            sql = "UPDATE location SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) WHERE id = :id"
            session.execute(text(sql), {"id": loc, "lon": rest[0], "lat": rest[1]})
        elif kind == "no point":
            session.execute(text("UPDATE location SET geom = NULL WHERE id = :id"), {"id": loc})
        else:
            session.execute(text("DELETE FROM location WHERE id = :id"), {"id": loc})
    elif kind == "recode term":
        code = term_codes("category")[i]
        session.execute(
            text(
                "UPDATE taxonomy_term SET code = :new WHERE code = :old "
                "AND taxonomy_id = (SELECT id FROM taxonomy WHERE code = 'category')"
            ),
            {"old": code, "new": f"{code}-{rest[0]}"},
        )
    elif kind in ("terms", "costs"):
        _terms_or_costs(kind, i, rest)
    elif kind in ("sessions", "move sessions"):
        _sessions(kind, i, rest)
    elif kind == "features":
        _features(i, rest[0])
    elif kind == "unlink":
        link = _pick("service_at_location", i)
        if link is not None:
            session.execute(text("DELETE FROM service_at_location WHERE id = :id"), {"id": link})
    elif kind == "link":
        svc, loc = _pick("service", i), _pick("location", rest[0])
        if svc is not None and loc is not None:
            session.execute(
                text(
                    "INSERT INTO service_at_location (id, service_id, location_id) VALUES (gen_random_uuid(), :s, :l) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"s": svc, "l": loc},
            )
    else:
        svc = _pick("service", i)
        if svc is None:
            return
        sql = {
            "visibility": "UPDATE service SET visibility = :v WHERE id = :id",
            "archive": "UPDATE service SET archived_at = CASE WHEN :v THEN now() END WHERE id = :id",
            "status": "UPDATE service SET status = :v WHERE id = :id",
            "delete service": "DELETE FROM service WHERE id = :id",
            "rename": "UPDATE service SET name = :v WHERE id = :id",
            "checked": "UPDATE service SET last_verified_on = CAST(:v AS date) WHERE id = :id",
            "unconfirmed": "UPDATE service SET unconfirmed_since = CAST(:v AS date) WHERE id = :id",
        }[kind]
        session.execute(text(sql), {"id": svc, "v": rest[0] if rest else None})


def near_edge(data, centre: tuple[float, float], r: float) -> tuple[float, float]:
    """A point within 300 m of a circle's edge (either side), where a cell's corners decide."""
    bearing = data.draw(st.floats(0, 2 * math.pi), label="bearing")
    d = max(0.0, r + data.draw(st.floats(-300, 300), label="off the edge"))
    lat = centre[1] + d * math.cos(bearing) / 111_200
    lon = centre[0] + d * math.sin(bearing) / (111_200 * math.cos(math.radians(centre[1])))
    return min(max(lon, -8.6), 1.8), lat


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)
@given(data=st.data())
def test_kept_counts_equal_a_live_count_after_any_changes(app, db, data):
    with app.test_request_context():
        practitioner = make_user("practitioner")
        outer = session.begin_nested()
        try:
            views = []
            for _ in range(2):
                origin_pt = (data.draw(lons, label="origin lon"), data.draw(lats, label="origin lat"))
                view = (data.draw(lons, label="view lon"), data.draw(lats, label="view lat"))
                view_r = data.draw(st.floats(200, 20_000), label="view radius")
                radius = data.draw(st.floats(100, 16_000), label="search radius")
                views.append((origin_pt, (*view, view_r), radius))
            for j in range(data.draw(st.integers(2, 5), label="listings")):
                make_asset(
                    name=f"Listing {j}",
                    lon=data.draw(lons, label="lon"),
                    lat=data.draw(lats, label="lat"),
                    visibility=data.draw(st.sampled_from(VISIBILITY), label="visibility"),
                    categories=data.draw(st.sampled_from(term_codes("category")), label="category"),
                    cost_amount=data.draw(st.sampled_from(["", "0", "2.50", "4", "12"]), label="cost"),
                    description=data.draw(st.sampled_from(DESCRIPTIONS), label="description"),
                    modes=data.draw(st.sampled_from(["in_person", "online", "phone;online"]), label="modes"),
                    schedule=data.draw(st.sampled_from(SCHEDULES), label="schedule"),
                    accessibility=data.draw(
                        st.sampled_from(["", "wheelchair", "wheelchair;hearing-loop"]), label="access"
                    ),
                )
            # more places, many of them near the edges of the drawn views and search circles
            for j in range(data.draw(st.integers(0, 30), label="more places")):
                origin_pt, view, radius = views[j % 2]
                lon, lat = (
                    near_edge(data, view[:2], view[2])
                    if j % 3 == 0
                    else near_edge(data, origin_pt, radius)
                    if j % 3 == 1
                    else (data.draw(lons, label="lon"), data.draw(lats, label="lat"))
                )
                session.execute(
                    text(
                        "WITH l AS (INSERT INTO location (id, location_type, geom) VALUES (gen_random_uuid(), "
                        "'physical', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id) "
                        "INSERT INTO service_at_location (id, service_id, location_id) "
                        "SELECT gen_random_uuid(), :s, l.id FROM l"
                    ),
                    {"lon": lon, "lat": lat, "s": _pick("service", j)},
                )
            for change in data.draw(st.lists(CHANGES, max_size=10), label="changes"):
                apply(change)
            session.flush()
            kept_tables_are_exact()
            for origin_pt, view, radius in views:
                ward, _lsoa, con = geo.areas_at(*origin_pt)
                origin = queries.Origin(origin_pt[0], origin_pt[1], ward_code=ward, constituency_code=con)
                f = Filters(radius_m=radius)
                scope = data.draw(st.sampled_from(queries.SCOPES), label="scope")
                user = data.draw(st.sampled_from([Anonymous(), practitioner]), label="user")
                split = data.draw(st.sampled_from([0, 1, markers.LIVE_CELL_MAX]), label="split above")
                default, markers.LIVE_CELL_MAX = markers.LIVE_CELL_MAX, split
                try:
                    kept = markers.kept_clusters(origin, f, user, scope, view)
                finally:
                    markers.LIVE_CELL_MAX = default
                live = markers.live_clusters(origin, f, user, scope, view)
                same_clusters(kept, live)
                filtered = Filters(
                    radius_m=radius,
                    category=tuple(data.draw(st.sets(st.sampled_from(term_codes("category"))), label="categories")),
                    audience=tuple(data.draw(st.sets(st.sampled_from(term_codes("audience"))), label="audiences")),
                    cost=data.draw(st.sampled_from([None, *(b.code for b in COST_BANDS)]), label="cost"),
                )
                assert markers.point_filtered(filtered)
                kept = markers.kept_clusters(origin, filtered, user, scope, view)
                same_clusters(kept, markers.live_clusters(origin, filtered, user, scope, view))
                # words, ways to take part, days, parts of the day, this week and accessibility
                worded = Filters(
                    radius_m=radius,
                    q=data.draw(st.sampled_from(["", *WORDS]), label="words"),
                    mode=tuple(data.draw(st.sets(st.sampled_from(["online", "phone"]), max_size=1), label="modes")),
                    open_day=tuple(
                        data.draw(st.sets(st.sampled_from(["monday", "wednesday", "friday"]), max_size=2), label="day")
                    ),
                    open_part=tuple(
                        data.draw(
                            st.sets(st.sampled_from(["morning", "afternoon", "evening"]), max_size=2), label="part"
                        )
                    ),
                    this_week=data.draw(st.booleans(), label="this week"),
                    access=tuple(data.draw(st.sets(st.sampled_from(["wheelchair", "hearing-loop"])), label="access")),
                    category=filtered.category,
                )
                # each drawn kind alone too (all of them at once rarely leaves a result to count)
                alone = [
                    Filters(radius_m=radius, **{name: getattr(worded, name)})
                    for name in ("q", "mode", "open_day", "open_part", "this_week", "access")
                    if getattr(worded, name)
                ]
                for search in (worded, *alone):
                    assert markers.point_filtered(search)
                    kept = markers.kept_clusters(origin, search, user, scope, view)
                    same_clusters(kept, markers.live_clusters(origin, search, user, scope, view))
                for search in (f, filtered, worded, *alone):
                    live_points, _more = queries.map_features(origin, search, user, scope, view, limit=50)
                    assert markers.kept_points(origin, search, user, scope, view, 50) == live_points
        finally:
            outer.rollback()


def test_a_confidential_listing_is_in_no_kept_count_whoever_may_read_it(app, db):
    with app.test_request_context():
        refuge = make_asset(name="Refuge", visibility="confidential", lon=-1.9, lat=52.48)
        make_asset(name="Hall", visibility="public", lon=-1.9001, lat=52.4801)
        session.flush()
        ids = session.execute(text("SELECT service_id FROM marker_point")).scalars().all()
        assert refuge.id not in ids and len(ids) >= 1
        session.execute(text("UPDATE service SET visibility = 'public' WHERE id = :id"), {"id": refuge.id})
        assert refuge.id in session.execute(text("SELECT service_id FROM marker_point")).scalars().all()
        session.execute(text("UPDATE service SET visibility = 'confidential' WHERE id = :id"), {"id": refuge.id})
        assert refuge.id not in session.execute(text("SELECT service_id FROM marker_point")).scalars().all()
        kept_tables_are_exact()


def test_emptying_the_directory_empties_the_kept_counts(app, db):
    with app.test_request_context():
        make_asset(name="Hall", lon=-1.9, lat=52.48)
        session.flush()
        assert session.execute(text("SELECT count(*) FROM marker_cell")).scalar_one() > 0
        assert session.execute(text("SELECT count(*) FROM marker_dot")).scalar_one() == 1
        session.execute(text("TRUNCATE service_at_location"))
        assert session.execute(text("SELECT count(*) FROM marker_point")).scalar_one() == 0
        assert session.execute(text("SELECT count(*) FROM marker_cell")).scalar_one() == 0
        assert session.execute(text("SELECT count(*) FROM marker_dot")).scalar_one() == 0


def test_cells_in_a_row_from_a_circles_centre_go_from_inside_through_its_edge_to_outside():
    lon, lat, r, k = -1.9, 52.48, 5_000.0, 9
    x0, y0 = int(lon * 2 ** (k - 1)) - 1, int(lat * 2**k)  # floor: west of Greenwich
    row = list(markers._classify(k, [(x, y0) for x in range(x0, x0 + 40)], [(lon, lat, r)]))
    assert row[0] == 1 and row[-1] == -1 and 0 in row
    assert row == sorted(row, reverse=True)


def test_the_edge_cells_are_read_from_the_point_index_and_the_cells_by_their_key(app, db):
    """The plans the markers rely on: the live boxes by ``idx_marker_point_geom``, cells by their primary key."""
    with app.test_request_context():
        make_asset(name="Hall", lon=-1.9, lat=52.48)
        session.flush()
        session.execute(text("ANALYZE marker_point"))
        session.execute(text("ANALYZE marker_cell"))
        circles = [(-1.9, 52.48, 3000.0)]
        boxes = markers._boxes([(11, -974, 53744), (11, -973, 53744), (11, -970, 53745)])
        assert boxes["x0"] == [geo.cell_box(11, -974, 53744)[0], geo.cell_box(11, -970, 53745)[0]]
        stmt, values = markers._points_in(boxes, {}, ["public"], "near", None, circles)
        stmt = stmt.add_columns(text("1"))
        plan = _plan(stmt, values)
        assert "idx_marker_point_geom" in plan and "Seq Scan on marker_point" not in plan
        cells = _plan_sql(
            "SELECT sum(m.n) FROM unnest(ARRAY[1,2], ARRAY[3,4]) AS c(x, y) JOIN marker_cell m "
            "ON m.level = 9 AND m.cx = c.x AND m.cy = c.y WHERE m.visibility IN ('public')"
        )
        assert "marker_cell_pkey" in cells and "Seq Scan on marker_cell" not in cells


def test_a_filtered_view_is_read_as_one_box_by_bitmap_and_grouped_by_hashing(app, db):
    """A filtered view's count reads one box holding the view (no table of boxes, no exact edge tests) with
    index scans and sorts off for that statement alone (``markers._by_bitmap``), and the settings are back
    after it."""
    seen: list[tuple[str, str, str]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "current_setting" in statement:  # this listener's own question
            return
        row = (
            conn.exec_driver_sql("SELECT current_setting('enable_indexscan'), current_setting('enable_sort')").one()
            if "GROUP BY" in statement
            else ("", "")
        )
        seen.append((statement, *row, parameters))

    with app.test_request_context():
        for i in range(4):
            make_asset(name=f"Club {i}", lon=-1.9 + i * 0.001, lat=52.48)  # on Mondays
        session.flush()
        origin = queries.Origin(-1.9, 52.48)
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", grab)
        try:
            found = markers.kept_clusters(
                origin, Filters(radius_m=3000.0, open_day=("monday",)), Anonymous(), "near", (-1.9, 52.48, 3000.0)
            )
        finally:
            event.remove(engine, "before_cursor_execute", grab)
        assert sum(c["count"] for c in found) == 4
        counts = [s for s in seen if "GROUP BY" in s[0]]
        assert len(counts) == 1
        sql, indexscan, sort, params = counts[0]
        assert (indexscan, sort) == ("off", "off")
        assert "unnest" not in sql and "b.x0" not in sql
        assert params["slot_keys"] == [1, -1]  # a day: its bit and the rows only the lookup decides (0023)
        assert "set_config('enable_indexscan', 'off'" in seen[seen.index(counts[0]) - 1][0]
        assert "set_config('enable_indexscan', 'on'" in seen[seen.index(counts[0]) + 1][0]
        after = session.execute(text("SELECT current_setting('enable_indexscan'), current_setting('enable_sort')"))
        assert tuple(after.one()) == ("on", "on")
        # words and terms together: a table of boxes, the GiST index walked (their indexes ANDed cost more)
        ways = {
            name: markers._point_filters(origin, Filters(radius_m=3000.0, **extra), Anonymous(), "near")[2:4]
            for name, extra in {
                "day": {"open_day": ("monday",)},
                "category": {"category": ("social-groups",)},
                "words": {"q": "company"},
                "words and category": {"q": "company", "category": ("social-groups",)},
            }.items()
        }
        # "this week" alone asks for bit 0, which most points hold: no keys read
        week = markers._point_filters(origin, Filters(radius_m=3000.0, this_week=True), Anonymous(), "near")
        assert "slot_keys" not in week[1] and "marker_slot_keys" not in str(week[0])
        assert ways == {
            "day": (MarkerDot, True),
            "category": (MarkerPoint, True),
            "words": (MarkerPoint, True),
            "words and category": (MarkerPoint, False),
        }


def test_a_view_filtered_by_a_day_reads_only_the_points_that_may_be_on_it(app, db):
    """A view "on a Monday" with enough points for the planner to weigh (600: half on Mondays, half on Fridays)
    reads the points that may be on a Monday from the slots' keys and the date's indexes (migration 0023; at
    1,000,000 assets ANDed with the box's), and never works the keys out row by row; the count is exact."""
    seen: list = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "GROUP BY" in statement:
            seen.append((statement, parameters))

    with app.test_request_context():
        for name, when in (("Monday club", "mon 10:00-12:00"), ("Friday club", "fri 18:00-20:00")):
            listing = make_asset(name=name, lon=-1.9, lat=52.48, schedule=when)
            session.execute(
                text(
                    "WITH l AS (INSERT INTO location (id, location_type, geom) SELECT gen_random_uuid(), 'physical', "
                    "ST_SetSRID(ST_MakePoint(-1.9 + (i % 20) * 0.001, 52.48 + (i / 20) * 0.001), 4326) "
                    "FROM generate_series(0, 298) AS i RETURNING id) "
                    "INSERT INTO service_at_location (id, service_id, location_id) "
                    "SELECT gen_random_uuid(), :s, l.id FROM l"
                ),
                {"s": listing.id},
            )
        session.flush()
        session.execute(text("ANALYZE marker_dot"))
        origin, view = queries.Origin(-1.9, 52.48), (-1.9, 52.48, 5000.0)
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", grab)
        try:
            found = markers.kept_clusters(
                origin, Filters(radius_m=5000.0, open_day=("monday",)), Anonymous(), "near", view
            )
        finally:
            event.remove(engine, "before_cursor_execute", grab)
        assert sum(c["count"] for c in found) == 300
        (sql, params), *_ = seen
        with markers._by_bitmap(True):
            plan = "\n".join(session.connection().exec_driver_sql("EXPLAIN " + sql, params).scalars())
        assert "idx_marker_dot_slot_keys" in plan and "idx_marker_dot_settled" in plan, plan
        filters = [line for line in plan.splitlines() if "Filter:" in line]
        assert filters and not any("marker_slot_keys" in line for line in filters), plan  # never worked out per row


def _plan(stmt, values) -> str:
    bound = queries._bound(stmt, values)
    compiled = bound.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    return _plan_sql(str(compiled))


def _plan_sql(sql: str) -> str:
    session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = session.execute(text("EXPLAIN " + sql)).scalars().all()
    session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))
    return "\n".join(rows)


def test_every_filter_of_today_is_counted_from_the_points_and_a_filter_added_later_is_counted_live():
    import dataclasses

    from assetmap.practitioners.params import Filters as F

    assert markers.point_filtered(F()) and markers.point_filtered(F(sort="nearest", pace="slow"))
    assert markers.point_filtered(F(category=("arts",), audience=("carers",), asset_type=("x",), cost="free"))
    for other in (
        {"q": "choir"},
        {"open_day": ("monday",)},
        {"open_part": ("morning",)},
        {"this_week": True},
        {"mode": ("online",)},
        {"access": ("wheelchair",)},
    ):
        assert markers.point_filtered(F(category=("arts",), **other)), other
    Later = dataclasses.make_dataclass(
        "Later", [("parking", bool, dataclasses.field(default=False))], bases=(F,), frozen=True
    )
    assert markers.point_filtered(Later()) and not markers.point_filtered(Later(parking=True))


def test_the_kept_slots_and_features_decide_what_they_can_and_the_lookup_the_rest(app, db):
    """One listing for each way a row's kept sessions and features answer a filter: the markers' points (from
    ``marker_point``) and the search's results (its near view's candidates, from the same table) are exactly
    the listings expected, and the markers equal the search's own map points (its statement's lookups). A row
    nobody filled (migration 0021's defaults) is looked up. The view's clusters count the same listings, from
    ``marker_bit_cell`` for "this week", a part of the day and a feature (0024), less a row whose slots, worked
    out later, hold a bit its sessions do not offer today."""
    lon, lat = -1.9, 52.48
    with app.test_request_context():
        make = {}
        names = ["settled", "ended", "not begun", "one place", "two places", "neither", "unfilled", "settled later"]
        names.append("held")
        for j, name in enumerate(names):
            make[name] = make_asset(name=name, lon=lon + j * 0.001, lat=lat, schedule="", accessibility="").id
        mon_morning, tue_evening = ("WEEKLY", "MO", None, None, None, "10:00", "11:00"), SESSION_ROWS[1]
        _write_sessions(make["settled"], [mon_morning])
        _write_sessions(make["ended"], [SESSION_ROWS[4], tue_evening])  # Monday ended; Tuesday and Friday evenings
        _write_sessions(make["not begun"], [SESSION_ROWS[7]])  # Mondays from next year
        _write_sessions(make["unfilled"], [mon_morning])
        _write_sessions(make["settled later"], [mon_morning])
        _write_sessions(make["held"], [SESSION_ROWS[7]])  # Mondays from next year
        places = {r[0]: r[1] for r in session.execute(text("SELECT service_id, location_id FROM service_at_location"))}
        _features_at(places[make["one place"]], ["wheelchair", "hearing-loop"])
        _features_at(places[make["unfilled"]], ["wheelchair"])
        # "two places": its mapped place has no features; another place, with no point, has them
        session.execute(
            text(
                "WITH l AS (INSERT INTO location (id, location_type) VALUES (gen_random_uuid(), 'physical') RETURNING id), "
                "a AS (INSERT INTO accessibility (id, location_id, kind) SELECT gen_random_uuid(), l.id, 'wheelchair' "
                "FROM l) INSERT INTO service_at_location (id, service_id, location_id) SELECT gen_random_uuid(), :s, l.id FROM l"
            ),
            {"s": make["two places"]},
        )
        session.execute(
            text(
                "UPDATE marker_point SET slots = 0, slots_unsettled = true, slots_settled_on = 'infinity', "
                "access = 0, access_elsewhere = true WHERE service_id = :s"
            ),
            {"s": make["unfilled"]},
        )
        # slots worked out after the search's day say nothing (here: none kept) and the lookup decides; the map's
        # count still reads the row from the indexes by its date (migration 0023)
        session.execute(
            text(
                "UPDATE marker_point SET slots = 0, slots_unsettled = false, slots_settled_on = :later "
                "WHERE service_id = :s"
            ),
            {"s": make["settled later"], "later": now_london().date() + dt.timedelta(days=1)},
        )
        # slots worked out later that hold this week, Mondays and mornings: counted in marker_bit_cell, but the
        # lookup decides (no session begun) and the clusters take it out again
        session.execute(
            text(
                "UPDATE marker_point SET slots = :slots, slots_unsettled = false, slots_settled_on = :later "
                "WHERE service_id = :s"
            ),
            {
                "s": make["held"],
                "later": now_london().date() + dt.timedelta(days=1),
                "slots": slot_bits(["any", "d:MO", "p:morning", "MO:morning"]),
            },
        )
        session.flush()
        origin, view = queries.Origin(lon, lat), (lon, lat, 3000.0)
        expected = {
            (("open_day", ("monday",)),): {"settled", "not begun", "unfilled", "settled later", "held"},
            (("open_day", ("tuesday",)),): {"ended"},
            (("open_day", ("monday",)), ("open_part", ("morning",))): {
                "settled",
                "not begun",
                "unfilled",
                "settled later",
                "held",
            },
            (("open_day", ("monday",)), ("open_part", ("evening",))): set(),
            (("open_part", ("evening",)),): {"ended"},
            (("open_part", ("morning",)),): {"settled", "not begun", "unfilled", "settled later", "held"},
            (("this_week", True),): {"settled", "ended", "unfilled", "settled later"},
            (("this_week", True), ("open_day", ("monday",))): {"settled", "unfilled", "settled later"},
            (("access", ("wheelchair",)),): {"one place", "two places", "unfilled"},
            (("access", ("wheelchair", "hearing-loop")),): {"one place"},
        }
        names = {str(v): k for k, v in make.items()}
        bit_filters = [(("open_part", ("evening",)),), (("open_part", ("morning",)),), (("this_week", True),)]
        bit_filters.append((("access", ("wheelchair",)),))
        assert markers.grid_level(view[2]) <= markers.BIT_MAX_LEVEL
        for filters, want in expected.items():
            f = Filters(radius_m=5000.0, **dict(filters))
            kept = markers.kept_points(origin, f, Anonymous(), "near", view, 50)
            live, _more = queries.map_features(origin, f, Anonymous(), "near", view, limit=50)
            assert {names[p["id"]] for p in kept} == want, filters
            assert kept == live, filters
            # the search's near view reads its candidates with the same tests
            found = queries.search(origin, f, Anonymous(), "near")
            assert {names[str(h.id)] for h in found.hits} == want and found.total == len(want), filters
            clusters = markers.kept_clusters(origin, f, Anonymous(), "near", view)
            same_clusters(clusters, markers.live_clusters(origin, f, Anonymous(), "near", view))
            assert sum(c["count"] for c in clusters) == len(want), filters
            kept_bit = markers._point_filters(origin, f, Anonymous(), "near")[4]
            assert (kept_bit is not None) == (filters in bit_filters), filters


def _features_at(location_id, kinds) -> None:
    for kind in kinds:
        session.execute(
            text("INSERT INTO accessibility (id, location_id, kind) VALUES (gen_random_uuid(), :l, :k)"),
            {"l": location_id, "k": kind},
        )


def test_the_box_spared_the_distance_tests_lies_inside_every_circle_and_is_most_of_their_square():
    """``markers._inner_box``: every point of it (its corners are its farthest from a centre) within each circle,
    by the spheroid distance PostGIS uses; big enough to matter (half the circle's inscribed square and more);
    none when the circles do not overlap enough."""
    import numpy as np

    for circles in (
        [(-0.128, 51.507, 19_000.0), (-0.128, 51.507, 16_093.44)],
        [(-1.9, 52.48, 3_000.0), (-1.88, 52.49, 2_500.0)],
        [(-2.9, 54.6, 500.0)],
    ):
        box = markers._inner_box(circles)
        assert box is not None
        west, south, east, north = box
        xs, ys = np.linspace(west, east, 9), np.linspace(south, north, 9)
        gx, gy = np.meshgrid(xs, ys)
        for lon, lat, r in circles:
            assert (geo.spheroid_m(lon, lat, gx.ravel(), gy.ravel()) <= r).all()
        r = min(c[2] for c in circles)
        height = geo.spheroid_m(west, south, np.array([west]), np.array([north]))[0]
        assert height > 0.5 * r * math.sqrt(2) / 2
    assert markers._inner_box([(-1.9, 52.48, 1_000.0), (-1.8, 52.48, 1_000.0)]) is None
