"""Benchmark the results map's markers (``/search/results/<id>/features.json``) for a set of map views.

For each view: the endpoint (server time in this process through the app's test client, p50 / p95 of
``--repeat`` requests, and the JSON's bytes), the same clusters counted live from the search's own
statement (``markers.live_clusters``: how every view was counted before the kept cells, and how a view
with filters or words still is), and a raw PostGIS count of the same results (places of active,
unarchived public listings in the view and the 10-mile search circle). The clusters' total must equal
the raw count; a line says so.

Searches with filters (a category; a category and "free"; a category, free and an audience) are counted
from ``marker_point``'s carried filter columns (migration 0015) for the same views: the endpoint, the
live count from the search's statement (how they were counted before 0015; its total must equal the
endpoint's), and the raw PostGIS count with the same filters as EXISTS lookups. Searches with words, ways
to take part, days, this week or accessibility (also from ``marker_point``, migration 0017) beside their live
count.

    .venv/bin/python bench/markers.py --url 'postgresql+psycopg://postgres@/assetmap_bench_1m_markers?host=…'

Run it under ``flock /work/wt/bench.lock`` on the shared machine (one benchmark at a time).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from relevance import sign_in  # noqa: E402  (bench/ is on the path when run as a script)
from search import MARKER_VIEWS  # noqa: E402

#: bench/search.py's views, and one off the search's centre
VIEWS = [*MARKER_VIEWS[:4], ("central London, 10 mi, view off-centre", -0.05, 51.55, 9_000), *MARKER_VIEWS[4:]]
#: views of a ward or constituency search (scope), checked against the live count only
SCOPED = [
    ("central London, its ward, 3.6 km view", -0.128, 51.507, 3_600, "ward"),
    ("central London, its constituency, 9 km view", -0.128, 51.507, 9_000, "constituency"),
    ("Birmingham, its constituency, 19 km view", -1.890, 52.486, 19_000, "constituency"),
]
SEARCH_MILES = "10"
SEARCH_M = 16093.44
#: the reference count's own statement timeout (seconds)
LIVE_TIMEOUT_S = 120

RAW_SQL = """
SELECT count(*) FROM location l
JOIN service_at_location s ON s.location_id = l.id JOIN service v ON v.id = s.service_id
WHERE v.status = 'active' AND v.archived_at IS NULL AND v.visibility = 'public'
  AND l.geom && ST_Expand(ST_SetSRID(ST_MakePoint(:vlon, :vlat), 4326), :vdeg * 1.7, :vdeg)
  AND ST_DWithin(l.geom::geography, ST_SetSRID(ST_MakePoint(:vlon, :vlat), 4326)::geography, :vm)
  AND ST_DWithin(l.geom::geography, ST_SetSRID(ST_MakePoint(:slon, :slat), 4326)::geography, :sm)
"""


def _raw_filtered(filters: dict) -> str:
    """RAW_SQL with the filters as the search's own EXISTS lookups."""
    sql = RAW_SQL
    for taxonomy in ("category", "audience"):
        if taxonomy in filters:
            sql += f"""  AND EXISTS (SELECT 1 FROM attribute a JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id
              JOIN taxonomy t ON t.id = tt.taxonomy_id
              WHERE a.service_id = v.id AND t.code = '{taxonomy}' AND tt.code = :{taxonomy})
"""
    if filters.get("cost") == "free":
        sql += "  AND EXISTS (SELECT 1 FROM cost_option c WHERE c.service_id = v.id AND c.amount <= 0)\n"
    return sql


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def _ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:7.1f} /{_pct(xs, 0.95) * 1000:7.1f}"


def _row(label: str, r: float, doc: dict, times, size: int, ltimes, ltotal: int, raw=None) -> None:
    """Print one view's line. The live count must equal the endpoint's where the view was clustered (a view of
    points is capped); ``raw`` (times, count) of the raw PostGIS count, which must equal it too."""
    n = doc["results_in_view"]
    kind = f"{len(doc['features'])} {'clusters' if doc['clustered'] else 'points'}"
    timed_out = ltimes is None  # the reference count took longer than LIVE_TIMEOUT_S: not compared
    live_ok = timed_out or ltotal == n or not doc["clustered"]
    live_col = f"over {LIVE_TIMEOUT_S} s" if timed_out else _ms(ltimes)
    if raw is None:
        raw_col = f"{'-':>12}"
        ok = "not checked" if timed_out else "= live" if live_ok else f"DIFFER (live {ltotal})"
    else:
        raw_col = f"{statistics.median(raw[0]) * 1000:>10.1f}ms"
        same = "= raw only" if timed_out else "="
        ok = same if n == raw[1] and live_ok else f"DIFFER (raw {raw[1]}, live {ltotal})"
    print(
        f"  {label:<40}{r / 1000:>6.1f}km{n:>10,}{_ms(times):>18}{size / 1024:>6.1f}  {kind:<14}"
        f"{live_col:>18}{raw_col}  {ok}"
    )


def _live(app, lon, lat, r, n, scope="near", **filters):
    """The reference count (``markers.live_clusters``), under ``LIVE_TIMEOUT_S`` instead of the app's own
    statement timeout: in a dense view with a filter that needs lookups it can take longer. Past that:
    (None, None), and the line says so."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from assetmap import geo
    from assetmap.accounts.auth import Anonymous
    from assetmap.db import session
    from assetmap.practitioners import markers, queries
    from assetmap.practitioners.params import Filters

    f = Filters(radius_m=SEARCH_M, **filters)
    times, total = [], 0
    with app.test_request_context():
        ward, _lsoa, con = geo.areas_at(lon, lat)
        origin = queries.Origin(lon, lat, ward_code=ward, constituency_code=con)
        session.execute(text(f"SET LOCAL statement_timeout = {LIVE_TIMEOUT_S * 1000}"))
        try:
            for _ in range(n):
                t0 = time.perf_counter()
                found = markers.live_clusters(origin, f, Anonymous(), scope, (lon, lat, r))
                times.append(time.perf_counter() - t0)
                total = sum(c["count"] for c in found)
        except OperationalError:
            return None, None
        finally:
            session.remove()
    return times, total


def _words_and_others(category: str, search, endpoint, live, head: str, repeat: int) -> None:
    """Words and the filters marker_point does not carry as columns (migration 0017, ``filters.on_points``):
    the endpoint beside the live count from the search's statement (how they were counted before); the
    totals must be equal."""
    others = [
        ("a common word", {"q": "walking"}, {"q": "walking"}),
        (
            "a word and a category",
            {"q": "singing", "category": (category,)},
            {"q": "singing", "category": category},
        ),
        ("online or by phone", {"mode": ("online", "phone")}, {"mode": ["online", "phone"]}),
        ("on a Monday", {"open_day": ("monday",)}, {"open_day": "monday"}),
        ("this week", {"this_week": True}, {"this_week": "1"}),
        (
            "this week, mornings",
            {"this_week": True, "open_part": ("morning",)},
            {"this_week": "1", "open_part": "morning"},
        ),
        ("wheelchair accessible", {"access": ("wheelchair",)}, {"access": "wheelchair"}),
    ]
    print("\nWith words, ways to take part, days, this week or accessibility: from marker_point (0017)")
    print(head)
    oworst = 0.0
    for what, filters, form in others:
        for label, lon, lat, r in VIEWS[:3] + VIEWS[5:6]:
            loc = search(lon, lat, **form)
            endpoint(loc, lon, lat, r, 1)
            times, doc, size = endpoint(loc, lon, lat, r, repeat)
            ltimes, ltotal = live(lon, lat, r, 1, **filters)
            _row(f"{(what + ': ' + label)[:52]:<52}", r, doc, times, size, ltimes, ltotal)
            oworst = max(oworst, _pct(times, 0.95))
    print(f"  worst p95 {oworst * 1000:.0f} ms (target < 150 ms: {'met' if oworst < 0.150 else 'NOT met'})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="database URL (never the demo or a test database)")
    ap.add_argument("--repeat", type=int, default=20, help="requests per view (p50 / p95 of these)")
    ap.add_argument("--live-repeat", type=int, default=3, help="live counts per view (slow in dense views)")
    ap.add_argument("--category", default="physical-activity", help="the filter of the filtered search")
    ap.add_argument("--audience", default="older-people", help="the audience of the third filtered search")
    ap.add_argument("--practitioner", action="store_true", help="signed in as relevance.py's practitioner")
    args = ap.parse_args(argv)
    refuse_demo_or_test(args.url)
    os.environ["DATABASE_URL"] = args.url

    from sqlalchemy import create_engine, text

    from assetmap import create_app, freeze_heap, logs

    app = create_app({"SQLALCHEMY_URL": args.url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    freeze_heap()  # as the production entry point does (assetmap.wsgi)
    logs.configure_logging(stream=open(os.devnull, "w"))
    raw = create_engine(args.url)
    client = app.test_client()
    if args.practitioner:
        sign_in(app, client)

    def search(lon, lat, **extra) -> str:
        form = {"lat": str(lat), "lon": str(lon), "distance": SEARCH_MILES, "postcode": "", **extra}
        resp = client.post("/search", data=form)
        assert resp.status_code == 303, resp.status_code
        return resp.headers["Location"]

    def endpoint(loc, lon, lat, r, n, scope="near"):
        times, doc, size = [], None, 0
        for _ in range(n):
            t0 = time.perf_counter()
            resp = client.get(f"{loc}/features.json?lat={lat}&lon={lon}&r={r:.0f}&scope={scope}")
            times.append(time.perf_counter() - t0)
            doc, size = resp.get_json(), len(resp.data)
        return times, doc, size

    live = functools.partial(_live, app)

    print(
        f"Markers per map view: server time p50 / p95 (ms) of {args.repeat} requests, bytes; searches of {SEARCH_MILES} miles"
    )
    head = f"  {'view':<40}{'radius':>8}{'in view':>10}{'now p50/p95':>18}{'KB':>6}  {'kind':<14}"
    head += f"{'live p50/p95':>18}{'raw SQL p50':>12}  check"
    print(head)
    worst_t = worst_b = 0.0
    for label, lon, lat, r in VIEWS:
        loc = search(lon, lat)
        endpoint(loc, lon, lat, r, 1)  # warm
        times, doc, size = endpoint(loc, lon, lat, r, args.repeat)
        ltimes, ltotal = live(lon, lat, r, args.live_repeat)
        rtimes, rcount = [], 0
        with raw.connect() as conn:
            for _ in range(3):
                t0 = time.perf_counter()
                rcount = conn.execute(
                    text(RAW_SQL),
                    {"vlon": lon, "vlat": lat, "vm": r, "vdeg": r / 110_000, "slon": lon, "slat": lat, "sm": SEARCH_M},
                ).scalar_one()
                rtimes.append(time.perf_counter() - t0)
        _row(label, r, doc, times, size, ltimes, ltotal, (rtimes, rcount))
        worst_t = max(worst_t, _pct(times, 0.95))
        worst_b = max(worst_b, size)
    for label, lon, lat, r, scope in SCOPED:
        loc = search(lon, lat)
        endpoint(loc, lon, lat, r, 1, scope)
        times, doc, size = endpoint(loc, lon, lat, r, args.repeat, scope)
        if doc is None:  # 404: no ward or constituency loaded at this point (the synthetic bench set has none)
            print(f"  {label:<40}{r / 1000:>6.1f}km  skipped: no {scope} loaded at this point")
            continue
        ltimes, ltotal = live(lon, lat, r, args.live_repeat, scope)
        _row(label, r, doc, times, size, ltimes, ltotal)
        worst_t = max(worst_t, _pct(times, 0.95))
        worst_b = max(worst_b, size)
    print(
        f"  worst p95 {worst_t * 1000:.0f} ms (target < 150 ms: {'met' if worst_t < 0.150 else 'NOT met'}), "
        f"largest {worst_b / 1024:.1f} KB (target < 100 KB: {'met' if worst_b < 100 * 1024 else 'NOT met'})"
    )

    filtered = [
        ("category", {"category": (args.category,)}),
        ("category, free", {"category": (args.category,), "cost": "free"}),
        ("category, free, audience", {"category": (args.category,), "cost": "free", "audience": (args.audience,)}),
    ]
    print(f"\nWith filters (category {args.category}, audience {args.audience}): from marker_point's filter columns")
    print(head)
    fworst = 0.0
    for what, filters in filtered:
        form = {k: v if isinstance(v, str) else v[0] for k, v in filters.items()}
        for label, lon, lat, r in VIEWS[:3] + VIEWS[5:6]:
            loc = search(lon, lat, **form)
            endpoint(loc, lon, lat, r, 1)
            times, doc, size = endpoint(loc, lon, lat, r, args.repeat)
            ltimes, ltotal = live(lon, lat, r, args.live_repeat, **filters)
            rtimes, rcount = [], 0
            with raw.connect() as conn:
                for _ in range(3):
                    t0 = time.perf_counter()
                    rcount = conn.execute(
                        text(_raw_filtered(filters)),
                        {
                            "vlon": lon,
                            "vlat": lat,
                            "vm": r,
                            "vdeg": r / 110_000,
                            "slon": lon,
                            "slat": lat,
                            "sm": SEARCH_M,
                            "category": args.category,
                            "audience": args.audience,
                        },
                    ).scalar_one()
                    rtimes.append(time.perf_counter() - t0)
            _row(f"{(what + ': ' + label)[:52]:<52}", r, doc, times, size, ltimes, ltotal, (rtimes, rcount))
            fworst = max(fworst, _pct(times, 0.95))
    print(
        f"  worst p95 with filters {fworst * 1000:.0f} ms (target < 150 ms: {'met' if fworst < 0.150 else 'NOT met'})"
    )

    _words_and_others(args.category, search, endpoint, live, head, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
