"""Benchmark the practitioners' search at 100,000 synthetic assets spread over England.

    .venv/bin/python bench/search.py            # load once (kept for re-runs), then measure
    .venv/bin/python bench/search.py --reload   # rebuild the synthetic set

What it does, in a SEPARATE database (``assetmap_bench`` in the private cluster, or --url):
  1. migrates it and loads N synthetic assets (default 100,000): clustered around English towns
     in proportion to their size, plus a scatter over the whole country, with categories,
     audiences, capabilities, schedules, costs and accessibility, via COPY (never the demo or
     test data);
  2. measures POST /api/search end-to-end (HTTP on loopback, several concurrent clients) against
     the bare SQL the endpoint runs (the same statements, compiled once, executed through the
     same SQLAlchemy engine and pool the app uses), and prints p50/p95, requests/s and the ratio;
     the server is the app in this process (literally the same pool) and, with --gunicorn, also
     gunicorn in a separate process as `assetmap serve` runs it;
  3. prints EXPLAIN (ANALYZE) index use: GiST for distance, GIN for text;
  4. measures the results page for a search with 10,000+ results: page bytes, server render time,
     and the first map request (markers are fetched by view, capped).

Every phase is bounded in time and requests; the script stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE = "bench"
#: English towns and cities with rough populations (thousands): the synthetic assets cluster here
TOWNS = [
    ("London", 51.507, -0.128, 8900),
    ("Birmingham", 52.486, -1.890, 1140),
    ("Manchester", 53.480, -2.242, 550),
    ("Leeds", 53.800, -1.549, 790),
    ("Liverpool", 53.408, -2.992, 490),
    ("Sheffield", 53.381, -1.470, 580),
    ("Bristol", 51.455, -2.588, 470),
    ("Newcastle", 54.978, -1.618, 300),
    ("Nottingham", 52.954, -1.158, 330),
    ("Leicester", 52.637, -1.140, 370),
    ("Coventry", 52.407, -1.512, 370),
    ("Bradford", 53.795, -1.759, 540),
    ("Hull", 53.745, -0.336, 260),
    ("Stoke-on-Trent", 53.003, -2.180, 260),
    ("Wolverhampton", 52.587, -2.129, 260),
    ("Plymouth", 50.375, -4.143, 260),
    ("Southampton", 50.910, -1.404, 250),
    ("Reading", 51.454, -0.978, 230),
    ("Derby", 52.923, -1.477, 260),
    ("Portsmouth", 50.805, -1.087, 210),
    ("Brighton", 50.823, -0.137, 280),
    ("Norwich", 52.630, 1.297, 140),
    ("Milton Keynes", 52.041, -0.760, 290),
    ("Luton", 51.879, -0.417, 220),
    ("York", 53.960, -1.082, 200),
    ("Exeter", 50.718, -3.534, 130),
    ("Cambridge", 52.205, 0.122, 150),
    ("Oxford", 51.752, -1.258, 160),
    ("Ipswich", 52.056, 1.148, 140),
    ("Preston", 53.763, -2.703, 150),
    ("Blackpool", 53.817, -3.036, 140),
    ("Sunderland", 54.906, -1.381, 280),
    ("Middlesbrough", 54.574, -1.235, 140),
    ("Carlisle", 54.892, -2.932, 110),
    ("Lincoln", 53.234, -0.538, 100),
    ("Gloucester", 51.864, -2.244, 130),
    ("Bournemouth", 50.720, -1.880, 200),
    ("Swindon", 51.558, -1.782, 230),
    ("Peterborough", 52.573, -0.241, 215),
    ("Northampton", 52.237, -0.894, 230),
    ("Truro", 50.263, -5.051, 20),
    ("Canterbury", 51.280, 1.080, 160),
    ("Chelmsford", 51.736, 0.469, 180),
    ("Colchester", 51.896, 0.892, 190),
    ("Worcester", 52.193, -2.220, 100),
    ("Shrewsbury", 52.708, -2.754, 75),
    ("Lancaster", 54.047, -2.801, 140),
    ("Durham", 54.776, -1.575, 50),
    ("Barrow-in-Furness", 54.108, -3.218, 70),
    ("King's Lynn", 52.754, 0.398, 45),
]
ENGLAND_BOX = (-5.5, 50.05, 1.7, 55.75)  # lon min, lat min, lon max, lat max
ACTIVITIES = [
    ("Zumba", "Dance fitness to Latin music, at your own pace."),
    ("Walking group", "Gentle walks and a chat."),
    ("Lunch club", "A hot two-course lunch and good company."),
    ("Community choir", "Singing for fun, no auditions."),
    ("Knit and natter", "Bring your needles or learn from scratch."),
    ("Chair yoga", "Seated yoga for strength."),
    ("Men's shed", "A workshop where men make, mend and chat."),
    ("Memory café", "For people living with dementia."),
    ("Coffee morning", "Tea, coffee and cake with neighbours."),
    ("Book club", "Read and talk about books."),
    ("Community garden", "Grow vegetables and flowers together."),
    ("Tai chi", "Slow movement for balance."),
    ("Bingo afternoon", "Friendly bingo with small prizes."),
    ("Digital help", "Get help with phones and tablets."),
    ("Carers' group", "Support and a break for unpaid carers."),
    ("Tea dance", "Ballroom and sequence dancing."),
    ("Bowls club", "Indoor and outdoor bowls."),
    ("Art class", "Drawing and painting for beginners."),
    ("Befriending calls", "A weekly friendly phone call."),
    ("Benefits advice", "Help with forms and benefits."),
]
CATEGORIES = [
    "social-groups",
    "physical-activity",
    "arts-and-music",
    "learning",
    "community-meals-and-food",
    "money-and-benefits-advice",
    "carers-support",
    "mental-wellbeing",
    "befriending",
    "green-spaces",
    "digital-inclusion",
    "health-support",
]
AUDIENCES = ["all-adults", "older-people", "dementia", "unpaid-carers", "physical-disabilities", "mental-health"]
CAPABILITIES = ["love-friendship-support", "future-without-concern", "feeling-valued", "enjoyment", "independence"]
ASSET_TYPES = ["association", "voluntary-organisation", "public-institution", "physical-space", "local-enterprise"]
ACCESS = ["wheelchair", "step-free", "accessible-toilet", "hearing-loop", "quiet-space"]
QUERY_WORDS = [
    "zumba",
    "walking",
    "lunch",
    "singing",
    "knit",
    "yoga",
    "dementia",
    "carers",
    "garden",
    "dance",
    "zumbba",
    "chair yoga",
    "book club",
    "digital",
]


# --------------------------------------------------------------------------- database


def bench_url(name: str) -> str:
    from assetmap import embedded

    embedded.ensure_running(log=lambda *a: None)
    embedded.ensure_database(name)
    return embedded.url(name)


def random_point(rng: random.Random) -> tuple[float, float]:
    """A point in England: 85% around a town (weighted by size), 15% anywhere in the box."""
    if rng.random() < 0.15:
        return rng.uniform(ENGLAND_BOX[0], ENGLAND_BOX[2]), rng.uniform(ENGLAND_BOX[1], ENGLAND_BOX[3])
    _name, lat, lon, pop = rng.choices(TOWNS, weights=[t[3] for t in TOWNS])[0]
    spread_km = 3 + 4 * math.log10(pop)  # bigger towns spread further
    r = abs(rng.gauss(0, spread_km)) * 1000
    theta = rng.uniform(0, 2 * math.pi)
    lat2 = lat + (r * math.cos(theta)) / 111_320
    lon2 = lon + (r * math.sin(theta)) / (111_320 * math.cos(math.radians(lat)))
    return (min(max(lon2, ENGLAND_BOX[0]), ENGLAND_BOX[2]), min(max(lat2, ENGLAND_BOX[1]), ENGLAND_BOX[3]))


def load(url: str, n: int, seed: int = 7) -> None:
    """Load ``n`` synthetic assets with COPY (all or nothing)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from assetmap.vocabulary import DAYS

    rng = random.Random(seed)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        terms = {
            (tax, code): tid
            for tax, code, tid in conn.execute(
                "SELECT t.code, tt.code, tt.id FROM taxonomy_term tt JOIN taxonomy t ON t.id = tt.taxonomy_id"
            )
        }
        conn.execute("DELETE FROM service WHERE source = %s", (SOURCE,))
        conn.execute("DELETE FROM location WHERE source = %s", (SOURCE,))
        today = time.strftime("%Y-%m-%d")
        started = time.perf_counter()
        with conn.cursor() as cur:
            rows = {k: [] for k in ("service", "location", "sal", "attribute", "schedule", "cost", "access")}
            for i in range(n):
                sid, lid = uuid.uuid4(), uuid.uuid4()
                lon, lat = random_point(rng)
                town = min(TOWNS, key=lambda t: (t[1] - lat) ** 2 + (t[2] - lon) ** 2)[0]
                act, desc = rng.choice(ACTIVITIES)
                verified = f"{rng.choice([2024, 2025, 2025, 2026, 2026, 2026])}-{rng.randint(1, 12):02d}-15"
                verified = min(verified, today)
                rows["service"].append(
                    (
                        sid,
                        f"{act} {town} {i}",
                        desc,
                        ["in_person"],
                        "public",
                        "active",
                        True,
                        verified,
                        "phoned",
                        1,
                        SOURCE,
                        f"b{i}",
                    )
                )
                rows["location"].append(
                    (
                        lid,
                        f"{town} hall",
                        "physical",
                        f"{i} High Street",
                        SOURCE,
                        f"SRID=4326;POINT({lon:.6f} {lat:.6f})",
                    )
                )
                rows["sal"].append((uuid.uuid4(), sid, lid))
                picks = (
                    [("category", c) for c in rng.sample(CATEGORIES, rng.randint(1, 2))]
                    + [("audience", rng.choice(AUDIENCES))]
                    + [("capability", c) for c in rng.sample(CAPABILITIES, rng.randint(1, 2))]
                    + [("asset_type", rng.choice(ASSET_TYPES))]
                )
                rows["attribute"] += [(uuid.uuid4(), sid, terms[p]) for p in picks]
                for day in rng.sample(range(7), rng.randint(0, 2)):
                    start = rng.choice([9, 10, 13, 14, 18])
                    rows["schedule"].append(
                        (uuid.uuid4(), sid, "WEEKLY", DAYS.codes[day], day, f"{start}:00", f"{start + 2}:00")
                    )
                amount = rng.choice([0, 0, 0, 1, 2, 3.5, 5])
                rows["cost"].append(
                    (
                        uuid.uuid4(),
                        sid,
                        amount,
                        "GBP",
                        "Free" if amount == 0 else "Per session",
                        "Free" if amount == 0 else f"£{amount:g}",
                    )
                )
                rows["access"] += [(uuid.uuid4(), lid, k) for k in rng.sample(ACCESS, rng.randint(0, 3))]
            copies = [
                (
                    "service",
                    "id, name, description, modes, visibility, status, illustrative, last_verified_on, "
                    "verification_method, version, source, source_id",
                ),
                ("location", "id, name, location_type, address_1, source, geom"),
                ("sal", "id, service_id, location_id"),
                ("attribute", "id, service_id, taxonomy_term_id"),
                ("schedule", "id, service_id, freq, byday, byday_order, opens_at, closes_at"),
                ("cost", "id, service_id, amount, currency, option, amount_description"),
                ("access", "id, location_id, kind"),
            ]
            table = {"sal": "service_at_location", "cost": "cost_option", "access": "accessibility"}
            for key, cols in copies:
                with cur.copy(f"COPY {table.get(key, key)} ({cols}) FROM STDIN") as cp:
                    for row in rows[key]:
                        cp.write_row(row)
                print(f"  loaded {len(rows[key]):>7,} {table.get(key, key)} rows", flush=True)
        conn.commit()
        conn.execute("ANALYZE")
        print(f"  {n:,} assets loaded in {time.perf_counter() - started:.1f} s", flush=True)


def prepare(url: str, n: int, reload: bool) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from assetmap.cli import upgrade_database

    upgrade_database(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM service WHERE source = :s"), {"s": SOURCE}).scalar_one()
    engine.dispose()
    timing = ROOT / "var" / f"bench-load-{make_url(url).database}.txt"
    if have == n and not reload:
        print(f"Benchmark database already holds {have:,} synthetic assets (use --reload to rebuild)")
        if timing.exists():
            print(f"  its load took {timing.read_text().strip()}")
        return
    print(f"Loading {n:,} synthetic assets spread over England …", flush=True)
    t0 = time.perf_counter()
    load(url, n)
    took = f"{time.perf_counter() - t0:.0f} s (COPY with the location trigger and every index, then ANALYZE)"
    t1 = time.perf_counter()
    settle(url)
    took += f"; then {time.perf_counter() - t1:.0f} s to settle (VACUUM, the search tables put in order)"
    timing.write_text(took + "\n")
    print(f"  database load time: {took}")


def settle(url: str) -> None:
    """What a live database has that a bulk load has not yet: VACUUM's work (the load's trigger updates leave
    every marker row several dead versions: 2.5 GB where 550 MB hold it, and nothing marked all-visible; the
    first run after a load measured 41 requests/s where this one measures 150-220) and the search tables
    in geometry order, as the nightly ``search-tables-order`` job keeps them (README "Scaling")."""
    import psycopg
    from sqlalchemy.engine import make_url

    from assetmap import create_app
    from assetmap.db import session, transaction
    from assetmap.practitioners.jobs import ORDERED_TABLES, put_in_order

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    app = create_app({"SQLALCHEMY_URL": url})
    with app.app_context():
        for table in ORDERED_TABLES:
            with transaction():
                put_in_order(table)
        session.remove()


# --------------------------------------------------------------------------- workload


def make_bodies(count: int, seed: int = 11) -> list[dict]:
    """Searches like practitioners make: near a home in a town, mostly 1 mile, some with words and filters."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        lon, lat = random_point(rng)
        body = {
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "radius_m": rng.choice([1609.344] * 6 + [804.672, 3218.688, 8046.72]),
        }
        if rng.random() < 0.3:
            body["q"] = rng.choice(QUERY_WORDS)
        if rng.random() < 0.2:
            body["category"] = rng.choice(CATEGORIES)
        if rng.random() < 0.1:
            body["free"] = True
        if rng.random() < 0.1:
            body["open_day"] = rng.choice(["monday", "wednesday", "friday"])
        bodies.append(body)
    return bodies


def run_phase(label: str, fn, bodies: list[dict], clients: int, seconds: float, max_requests: int) -> dict:
    """Call ``fn(body)`` from ``clients`` threads until ``seconds`` pass or ``max_requests`` are done."""
    lock = threading.Lock()
    latencies: list[float] = []
    by_radius: dict[float, list[float]] = {}
    by_body: dict[int, list[float]] = {}
    errors: list[str] = []
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + seconds

    def worker(k: int):
        local = fn()
        while time.perf_counter() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            j = (i * 7 + k) % len(bodies)
            try:
                local(bodies[j])
            except Exception as exc:  # a failed request is reported, never hidden
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            dt_ = time.perf_counter() - t0
            with lock:
                latencies.append(dt_)
                by_radius.setdefault(bodies[j]["radius_m"], []).append(dt_ * 1000)
                by_body.setdefault(j, []).append(dt_ * 1000)

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    elapsed = time.perf_counter() - t0
    ms = sorted(x * 1000 for x in latencies)
    out = {
        "label": label,
        "requests": len(ms),
        "errors": len(errors),
        "seconds": elapsed,
        "by_radius": by_radius,
        "by_body": by_body,
        "rps": len(ms) / elapsed if elapsed else 0.0,
        "p50": statistics.median(ms) if ms else float("nan"),
        "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else float("nan"),
    }
    print(
        f"  {label:<44} {out['requests']:>6} req  {out['rps']:>7.1f} req/s  p50 {out['p50']:6.1f} ms  "
        f"p95 {out['p95']:6.1f} ms" + (f"  ERRORS {len(errors)}: {errors[0]}" if errors else ""),
        flush=True,
    )
    return out


def _walks(origin, filters) -> bool:
    """Whether the near view's statement walks the circle nearest first (bitmap scans off), as
    ``queries._nearest_first_plan`` decides it (inside a request context)."""
    from assetmap.accounts.auth import Anonymous
    from assetmap.practitioners import queries
    from assetmap.practitioners.words import understand

    words = understand(filters.q, Anonymous(), filters.as_typed)
    return queries.walks(origin, filters, Anonymous(), words)


def bare_sql(app, bodies: list[dict]):
    """The statement the endpoint runs first for each body (``queries.near_statement``: the page from the
    1,000 nearest matching places, with the bounded count), compiled once, for the bare-SQL baseline."""
    from assetmap.accounts.auth import Anonymous
    from assetmap.db import session
    from assetmap.practitioners.api import parse_request
    from assetmap.practitioners.queries import Origin, _shape_and_values, near_statement

    engine = session.get_bind()
    compiled = {}
    with app.test_request_context():
        for body in bodies:
            (_pc, point), filters, page, per_page = parse_request(body)
            origin = Origin(point[0], point[1], areas_known=False)
            stmt = near_statement(origin, filters, Anonymous(), page, per_page)
            c = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
            walk = _walks(origin, filters)
            shape = _shape_and_values(origin, filters, Anonymous(), "near", None)[0]
            once = walk and getattr(shape, "plan_once", False)  # False in code from before it (2026-11-28)
            compiled[json.dumps(body, sort_keys=True)] = (str(c), c.params, walk, once)
        session.remove()

    def factory():
        def run(body):
            sql, params, walk, once = compiled[json.dumps(body, sort_keys=True)]
            with engine.connect() as conn, conn.begin():
                if walk:  # as queries._nearest_first_plan plans it (one plan for any values: once)
                    conn.exec_driver_sql(
                        "SELECT set_config('enable_bitmapscan', 'off', true)"
                        + (", set_config('plan_cache_mode', 'force_generic_plan', true)" if once else "")
                    )
                conn.exec_driver_sql(sql, params).all()

        return run

    return engine, factory


def _kept_alive(port: int, request_of):
    """A client on a kept-alive HTTP/1.1 connection: ``request_of(body)`` gives (method, path, payload, headers);
    a connection the server dropped is opened again and the request sent once more, one it closes after a
    response is opened again for the next; any status but 200 is an error."""

    def factory():
        state = {"conn": http.client.HTTPConnection("127.0.0.1", port, timeout=30)}

        def reopen():
            state["conn"].close()
            state["conn"] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def run(body):
            method, path, payload, headers = request_of(body)
            for attempt in (1, 2):
                try:
                    state["conn"].request(method, path, body=payload, headers=headers)
                    resp = state["conn"].getresponse()
                    data = resp.read()
                    break
                except (http.client.HTTPException, ConnectionError):
                    reopen()
                    if attempt == 2:
                        raise
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {data[:120]!r}")
            if resp.getheader("Connection", "").lower() == "close":
                reopen()

        return run

    return factory


def http_client(port: int):
    """``POST /api/search`` with the body as JSON (``_kept_alive``)."""
    return _kept_alive(
        port, lambda body: ("POST", "/api/search", json.dumps(body), {"Content-Type": "application/json"})
    )


def start_inprocess_server(app, port: int):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class KeepAlive(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, *args, **kwargs):  # the app writes its own request log
            pass

    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=KeepAlive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def _worker_class(threads: int) -> list[str]:
    """gunicorn's threaded worker for more than one thread; else its default (sync), as ``assetmap serve`` runs."""
    return ["--worker-class", "gthread"] if threads > 1 else []


def start_gunicorn(url: str, port: int, workers: int, threads: int):
    env = {**os.environ, "DATABASE_URL": url, "ASSETMAP_ENV": "development"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            *_worker_class(threads),
            "--log-level",
            "warning",
            "assetmap.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


# --------------------------------------------------------------------------- national scale: bands, floors, pygeoapi

#: assets inside the search circle (not results: the circle's whole population)
BANDS = [("under 100", 0, 100), ("100-999", 100, 1000), ("1,000-4,999", 1000, 5000), ("5,000+", 5000, 10**12)]
KNN_SQL = (
    "SELECT l.id, ST_Distance(l.geom::geography, o.p) AS d FROM location l,"
    " (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS p) o"
    " WHERE ST_DWithin(l.geom::geography, o.p, %(r)s) ORDER BY l.geom::geography <-> o.p LIMIT 20"
)
COUNT_SQL = (
    "SELECT count(*) FROM location WHERE geom IS NOT NULL AND ST_DWithin(geom::geography,"
    " ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(r)s)"
)


def band_of(n: int) -> str:
    return next(label for label, lo, hi in BANDS if lo <= n < hi)


def density_bands(engine, bodies: list[dict]) -> list[str]:
    """Each search's band: how many assets lie inside its circle."""
    out = []
    with engine.connect() as conn:
        for b in bodies:
            n = conn.exec_driver_sql(COUNT_SQL, {"lon": b["lon"], "lat": b["lat"], "r": b["radius_m"]}).scalar_one()
            out.append(band_of(n))
    return out


def banded_bodies(engine, count: int, per_band: int = 60, seed: int = 11) -> tuple[list[dict], list[str]]:
    """The practitioners' workload, topped up so every density band has at least ``per_band`` searches
    (dense ones from the big towns' middles, sparse ones from the countryside scatter)."""
    bodies = make_bodies(count, seed)
    bands = density_bands(engine, bodies)
    rng = random.Random(seed + 1)
    extra = make_bodies(count * 2, seed + 2)
    extra_bands = density_bands(engine, extra)
    for label, *_ in BANDS:
        have = bands.count(label)
        for b, band in zip(extra, extra_bands):
            if have >= per_band:
                break
            if band == label:
                bodies.append(b)
                bands.append(band)
                have += 1
    order = list(range(len(bodies)))
    rng.shuffle(order)
    return [bodies[i] for i in order], [bands[i] for i in order]


def knn_factory(engine):
    """The raw PostGIS nearest-neighbour query: 20 nearest inside the radius, nothing else."""

    def factory():
        def run(body):
            with engine.connect() as conn:
                conn.exec_driver_sql(KNN_SQL, {"lon": body["lon"], "lat": body["lat"], "r": body["radius_m"]}).all()

        return run

    return factory


def get_client(port: int, path_of):
    """GET ``path_of(body)`` (``_kept_alive``)."""
    return _kept_alive(port, lambda body: ("GET", path_of(body), None, {}))


def pygeoapi_bbox_path(body: dict) -> str:
    """pygeoapi's items for the search circle's bounding box, 20 of them (it has no distance order)."""
    dlat = body["radius_m"] / 111_320
    dlon = dlat / math.cos(math.radians(body["lat"]))
    bbox = f"{body['lon'] - dlon:.6f},{body['lat'] - dlat:.6f},{body['lon'] + dlon:.6f},{body['lat'] + dlat:.6f}"
    return f"/collections/assets/items?f=json&limit=20&bbox={bbox}"


def start_pygeoapi(python: str, url: str, port: int, workers: int, threads: int):
    """pygeoapi (its own venv, outside this repository) on the bench's ``location`` table, under gunicorn
    with the same workers and threads as the app."""
    import tempfile

    import yaml
    from sqlalchemy.engine import make_url

    u = make_url(url)
    venv_bin = Path(python).parent
    folder = Path(tempfile.mkdtemp(prefix="pygeoapi-bench-"))
    x = "https://example.org/"
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 20, "max_items": 1000},
            "map": {"url": x, "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": x,
                "url": x,
            },
            "license": {"name": "none", "url": x},
            "provider": {"name": "bench", "url": x},
            "contact": {"name": "bench"},
        },
        "resources": {
            "assets": {
                "type": "collection",
                "title": "assets",
                "description": "the bench's synthetic places",
                "keywords": ["assets"],
                "extents": {
                    "spatial": {"bbox": [-6, 49, 2, 56], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": u.query["host"],
                            "port": int(u.query.get("port", 5432)),
                            "dbname": u.database,
                            "user": u.username or "postgres",
                            "search_path": ["public"],
                        },
                        "id_field": "id",
                        "table": "location",
                        "geom_field": "geom",
                    }
                ],
            }
        },
    }
    (folder / "config.yml").write_text(yaml.safe_dump(config))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))},
        "PYGEOAPI_CONFIG": str(folder / "config.yml"),
        "PYGEOAPI_OPENAPI": str(folder / "openapi.yml"),
    }
    subprocess.run(
        [str(venv_bin / "pygeoapi"), "openapi", "generate", str(folder / "config.yml"), "--output-file",
         str(folder / "openapi.yml")],
        env=env, check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    proc = subprocess.Popen(
        [str(venv_bin / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads",
         str(threads), *_worker_class(threads), "--log-level", "warning", "pygeoapi.flask_app:APP"],
        env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=open(folder / "gunicorn.log", "w"),
    )  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/collections/assets/items?f=json&limit=1")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"pygeoapi did not start; see {folder / 'gunicorn.log'}")


def band_p95(result: dict, bands: list[str], label: str) -> float:
    xs = sorted(ms for j, lat in result["by_body"].items() if bands[j] == label for ms in lat)
    return xs[min(len(xs) - 1, int(0.95 * len(xs)))] if xs else float("nan")


def band_table(results: dict, keys: list[tuple[str, str]], bands: list[str]) -> None:
    """p50 / p95 per density band for each phase in ``keys`` ((result key, column title))."""
    print("  " + f"{'assets in the circle':<22}" + "".join(f"{title:>24}" for _k, title in keys) + "   searches")
    for label, *_ in BANDS:
        cells = []
        for key, _title in keys:
            xs = sorted(ms for j, lat in results[key]["by_body"].items() if bands[j] == label for ms in lat)
            cells.append(
                f"{statistics.median(xs):8.1f} / {xs[min(len(xs) - 1, int(0.95 * len(xs)))]:7.1f} ms" if xs else "-"
            )
        print("  " + f"{label:<22}" + "".join(f"{c:>24}" for c in cells) + f"   {bands.count(label)}")


#: the old way of sending a view's markers (``markers_compare``'s "before") may take this long (seconds)
OLD_MARKERS_TIMEOUT_S = 120


def _old_markers(origin, f, view) -> tuple[list[float], int]:
    """The old way (up to 1,000 points nearest the view's middle, as JSON), three times: (seconds each, bytes).
    It runs under ``OLD_MARKERS_TIMEOUT_S`` instead of the app's statement timeout: in a dense view on a set
    not yet in memory it took longer than that (a run ended in a traceback). Past it: ([], 0)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from assetmap.accounts.auth import Anonymous
    from assetmap.db import session
    from assetmap.practitioners import queries

    times: list[float] = []
    size = 0
    session.execute(text(f"SET LOCAL statement_timeout = {int(OLD_MARKERS_TIMEOUT_S * 1000)}"))
    try:
        for _ in range(3):
            t0 = time.perf_counter()
            feats, truncated = queries.map_features(origin, f, Anonymous(), "near", view, limit=1000)
            old = json.dumps(
                {
                    "type": "FeatureCollection",
                    "truncated": truncated,
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": {"type": "Point", "coordinates": [x["lon"], x["lat"]]},
                            "properties": {**x, "url": f"/assets/{x['id']}?from=XXXXXXXXXXXXXXXX"},
                        }
                        for x in feats
                    ],
                }
            )
            times.append(time.perf_counter() - t0)
            size = len(old)
    except OperationalError as exc:
        if "statement timeout" not in str(exc):
            raise
        session.rollback()
        return [], 0
    return times, size


def markers_compare(app, views: list[tuple[str, float, float, float]]) -> None:
    """The map's markers for each view, old way (up to 1,000 points nearest the view's middle) and now
    (points up to 300, else grid clusters): server time (median of 3) and bytes of the JSON."""
    from assetmap.db import session
    from assetmap.practitioners import markers, queries
    from assetmap.practitioners.params import Filters

    client = app.test_client()
    rows = []
    for label, lon, lat, r in views:
        resp = client.post("/search", data={"lat": str(lat), "lon": str(lon), "distance": "10", "postcode": ""})
        loc = resp.headers["Location"]
        times_new, size_new = [], 0
        for _ in range(3):
            t0 = time.perf_counter()
            page = client.get(f"{loc}/features.json?lat={lat}&lon={lon}&r={r:.0f}")
            times_new.append(time.perf_counter() - t0)
            size_new = len(page.data)
        doc = page.get_json()
        origin = queries.Origin(lon, lat, areas_known=False)
        f = Filters(radius_m=16093.44)
        with app.test_request_context():
            times_old, size_old = _old_markers(origin, f, (lon, lat, r))
            session.remove()
        old_s = statistics.median(times_old) if times_old else None
        rows.append((label, r, doc, statistics.median(times_new), size_new, old_s, size_old))
    print(f"  {'view':<34}{'radius':>9}{'in view':>10}{'before: ms':>12}{'KB':>7}{'now: ms':>10}{'KB':>7}  now")
    for label, r, doc, tn, sn, to, so in rows:
        kind = f"{len(doc['features'])} {'clusters' if doc['clustered'] else 'points'}"
        before = (
            f"{to * 1000:>12.0f}{so / 1024:>7.0f}"
            if to is not None
            else f"{f'over {OLD_MARKERS_TIMEOUT_S:g} s':>12}{'-':>7}"
        )
        print(
            f"  {label:<34}{r / 1000:>7.1f}km{doc['results_in_view']:>10,}{before}"
            f"{tn * 1000:>10.0f}{sn / 1024:>7.1f}  {kind}"
        )
    worst_t = max(x[3] for x in rows)
    worst_b = max(x[4] for x in rows)
    print(
        f"  worst now: {worst_t * 1000:.0f} ms (target < 150 ms: {'met' if worst_t < 0.150 else 'NOT met'}), "
        f"{worst_b / 1024:.1f} KB (target < 100 KB: {'met' if worst_b < 100 * 1024 else 'NOT met'})"
    )
    _ = markers  # the endpoint above runs markers.markers


MARKER_VIEWS = [
    ("central London, 10-mile view", -0.128, 51.507, 19_000),
    ("central London, 5-mile view", -0.128, 51.507, 9_000),
    ("central London, 2-mile view", -0.128, 51.507, 3_600),
    ("central London, street (zoom 16)", -0.128, 51.507, 450),
    ("Birmingham, 10-mile view", -1.890, 52.486, 19_000),
    ("Birmingham, 1-mile view", -1.890, 52.486, 1_800),
    ("York, 5-mile view", -1.082, 53.960, 9_000),
    ("Cumbrian fells, 10-mile view", -3.10, 54.55, 19_000),
]


# --------------------------------------------------------------------------- EXPLAIN and page size


def explain(app, body: dict, label: str) -> list[str]:
    from assetmap.accounts.auth import Anonymous
    from assetmap.db import session
    from assetmap.practitioners.api import parse_request
    from assetmap.practitioners.queries import Origin, near_statement

    with app.test_request_context():
        (_pc, point), filters, page, per_page = parse_request(body)
        stmt = near_statement(Origin(point[0], point[1], areas_known=False), filters, Anonymous(), page, per_page)
        engine = session.get_bind()
        c = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
        walk = _walks(Origin(point[0], point[1], areas_known=False), filters)
        session.remove()
    with engine.connect() as conn, conn.begin():
        if walk:  # as queries._nearest_first_plan plans it
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = [r[0] for r in conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {c}", c.params)]
    used = [line.strip() for line in plan if " on " in line and any(k in line for k in ("Index", "Bitmap", "Seq"))]
    print(f"  {label}: {json.dumps(body)}")
    for line in used:
        print(f"      {line}")
    print(f"      {[line.strip() for line in plan if line.strip().startswith('Execution Time')][0]}")
    return plan


def explain_text(app, q: str) -> None:
    """The search's own text conditions on their own (any of the words' ideas): answered by the GIN indexes."""
    from sqlalchemy import select

    from assetmap.accounts.auth import Anonymous
    from assetmap.db import session
    from assetmap.models import Service
    from assetmap.practitioners import filters, queries, words

    with app.app_context():
        understood = words.understand(q, Anonymous())
        prefix = any(c.prefixes for c in understood.concepts)
        terms = any(c.terms for c in understood.concepts)
        stmt = queries._bound(
            select(Service.id).where(filters.any_idea(prefix, terms)), queries._word_values(understood)
        )
        engine = session.get_bind()
        c = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
        session.remove()
    with engine.connect() as conn:
        plan = [r[0] for r in conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {c}", c.params)]
    print(f"  the search's text conditions alone, q={q!r} (as understood: {understood.corrected or q!r}):")
    for line in plan:
        if "Index" in line or "BitmapOr" in line or "Execution" in line:
            print(f"      {line.strip()}")


def results_page(app, lat: float, lon: float, miles: str) -> dict:
    """Submit the form for a dense search, then time the results page and the first map request."""
    client = app.test_client()
    resp = client.post("/search", data={"lat": str(lat), "lon": str(lon), "distance": miles, "postcode": ""})
    assert resp.status_code == 303, resp.status_code
    loc = resp.headers["Location"]
    times, size, total = [], 0, None
    for _ in range(5):
        t0 = time.perf_counter()
        page = client.get(loc)
        times.append(time.perf_counter() - t0)
        size = len(page.data)
    body = page.get_data(as_text=True)
    import re

    m = re.search(r"<h1[^>]*>\s*((?:more than )?)([\d,]+) (?:results|places)", body, re.IGNORECASE)
    total = (m.group(1).lower() + m.group(2)) if m else "?"
    t0 = time.perf_counter()
    feats = client.get(f"{loc}/features.json?lat={lat}&lon={lon}&r={float(miles) * 1609.344 * 1.1:.0f}")
    feat_time = time.perf_counter() - t0
    fj = feats.get_json()
    assert feats.status_code == 200, feats.status_code
    return {
        "total": total,
        "bytes": size,
        "render_median_s": statistics.median(times),
        "render_max_s": max(times),
        "markers_inline": body.count("L.marker("),
        "features_bytes": len(feats.data),
        "features_count": len(fj["features"]),
        "features_clustered": fj.get("clustered", False),
        "features_s": feat_time,
    }


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default=None, help="database name in the private cluster (default by --assets)")
    ap.add_argument("--url", help="or a full database URL (never the demo or test database)")
    ap.add_argument("--assets", type=int, default=100_000)
    ap.add_argument("--reload", action="store_true")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients")
    ap.add_argument("--seconds", type=float, default=15.0, help="time limit per phase")
    ap.add_argument("--max-requests", type=int, default=3000, help="request limit per phase")
    ap.add_argument("--port", type=int, default=5191)
    ap.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers, for the app and pygeoapi alike (default 2)"
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker, both (default 4; 1: the default worker, as `assetmap serve` runs 4 x 1)",
    )
    ap.add_argument("--pygeoapi", help="python of a venv with pygeoapi, psycopg2, geoalchemy2 and gunicorn")
    ap.add_argument("--inprocess", action="store_true", help="also measure the app in this process (werkzeug)")
    args = ap.parse_args(argv)

    db = args.db or ("assetmap_bench" if args.assets == 100_000 else f"assetmap_bench_{args.assets // 1000}k")
    if args.assets == 1_000_000 and not args.db:
        db = "assetmap_bench_1m"
    url = args.url or bench_url(db)
    refuse_demo_or_test(url)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    prepare(url, args.assets, args.reload)

    from sqlalchemy import create_engine

    from assetmap import create_app, freeze_heap, logs

    app = create_app({"SQLALCHEMY_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    freeze_heap()  # as the production entry point does (assetmap.wsgi)
    logs.configure_logging(stream=open(os.devnull, "w"))  # still formatted, like production; not printed

    raw = create_engine(url, pool_size=args.clients + 2)
    t0 = time.perf_counter()
    bodies, bands = banded_bodies(raw, 400)
    print(
        f"\n{len(bodies)} searches ({time.perf_counter() - t0:.0f} s to count each circle's assets); by assets in "
        "the circle: " + ", ".join(f"{label} {bands.count(label)}" for label, *_ in BANDS)
    )
    engine, bare = bare_sql(app, bodies)
    n = args.clients
    phase = dict(clients=n, seconds=args.seconds, max_requests=args.max_requests)
    print(f"\n{n} concurrent clients; each phase ≤ {args.seconds:.0f} s and ≤ {args.max_requests} requests")

    results = {}
    print("\nIn PostgreSQL (this process, a pooled engine):")
    run_phase("warm-up", bare, bodies, n, 3, 300)
    results["knn"] = run_phase("raw KNN query (20 nearest in the circle)", knn_factory(raw), bodies, **phase)
    results["sql"] = run_phase("the endpoint's own SQL, compiled once", bare, bodies, **phase)

    if args.inprocess:
        print("\nPOST /api/search, app in this process (werkzeug, same pool):")
        server = start_inprocess_server(app, args.port)
        try:
            client = http_client(args.port)
            run_phase("warm-up", client, bodies, n, 3, 300)
            results["api_inproc"] = run_phase("in-process endpoint", client, bodies, **phase)
        finally:
            server.shutdown()

    print(f"\ngunicorn ({args.workers} workers x {args.threads} threads, separate process), over HTTP on loopback:")
    proc = start_gunicorn(url, args.port + 1, args.workers, args.threads)
    try:
        health = get_client(args.port + 1, lambda _b: "/healthz")
        run_phase("warm-up", health, bodies, n, 2, 200)
        results["health"] = run_phase("GET /healthz (the stack's floor)", health, bodies, **phase)
        client = http_client(args.port + 1)
        run_phase("warm-up", client, bodies, n, 3, 300)
        results["api"] = run_phase("POST /api/search", client, bodies, **phase)
    finally:
        proc.terminate()
        proc.wait(10)

    if args.pygeoapi:
        print(
            f"\npygeoapi ({args.pygeoapi}), the same table, gunicorn {args.workers} workers x {args.threads} threads,"
            " bbox + limit 20:"
        )
        try:
            gp = start_pygeoapi(args.pygeoapi, url, args.port + 2, args.workers, args.threads)
        except Exception as exc:  # reported, not hidden: the rest of the run still stands
            print(f"  pygeoapi could not be started: {exc}")
        else:
            try:
                pg = get_client(args.port + 2, pygeoapi_bbox_path)
                run_phase("warm-up", pg, bodies, n, 3, 100)
                results["pygeoapi"] = run_phase("pygeoapi items (bbox, limit 20)", pg, bodies, **phase)
            finally:
                gp.terminate()
                gp.wait(10)

    api, health, knn = results["api"], results["health"], results["knn"]
    print(f"\nSide by side ({args.assets:,} assets, {n} clients):")
    print(f"  {'':<40}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'endpoint/this req/s':>22}")
    for key in ("health", "knn", "sql", "api_inproc", "api", "pygeoapi"):
        if key in results:
            r = results[key]
            print(
                f"  {r['label']:<40}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
                f"{api['rps'] / r['rps'] if r['rps'] else float('nan'):>22.3f}"
            )
    ratio_h = api["rps"] / health["rps"] if health["rps"] else float("nan")
    print(f"  endpoint / healthz throughput: {ratio_h:.2f} (target ≥ 0.5: {'met' if ratio_h >= 0.5 else 'NOT met'})")
    if "pygeoapi" in results and results["pygeoapi"]["rps"]:
        ratio_p = api["rps"] / results["pygeoapi"]["rps"]
        print(f"  endpoint / pygeoapi throughput: {ratio_p:.1f} (target ≥ 10: {'met' if ratio_p >= 10 else 'NOT met'})")
    print(f"  endpoint p95 / raw KNN p95: {api['p95'] / knn['p95']:.1f}")
    print("\nBy assets in the circle, p50 / p95 (target: endpoint p95 < 50 ms in every band):")
    keys = [("api", "POST /api/search"), ("sql", "endpoint's SQL"), ("knn", "raw KNN")]
    band_table(results, keys, bands)
    worst = max(band_p95(api, bands, label) for label, *_ in BANDS)
    print(f"  worst band p95 for the endpoint: {worst:.1f} ms ({'met' if worst < 50 else 'NOT met'})")

    print("\nMap markers for a view (server time in this process, JSON bytes), before (up to 1,000 points) and now:")
    markers_compare(app, MARKER_VIEWS)

    print(
        "\nEXPLAIN (ANALYZE): index use. The planner starts from the GiST scan of the circle and checks"
        "\nthe words on those few candidates; the same word conditions on their own use the GIN indexes."
    )
    explain(app, {"lat": 52.486, "lon": -1.890, "radius_m": 1609.344}, "distance only")
    explain(app, {"lat": 51.507, "lon": -0.128, "radius_m": 16093.44}, "central London, 10 miles")
    london = {"lat": 51.507, "lon": -0.128, "radius_m": 1609.344}
    explain(app, {**london, "category": "arts-and-music"}, "one category, London 1 mile")
    explain(app, {**london, "free": True}, "free, London 1 mile")
    explain(app, {**london, "open_day": "monday"}, "open on a day, London 1 mile")
    explain(app, {**london, "q": "walking"}, "common word, London 1 mile")
    explain(app, {"lat": 51.507, "lon": -0.128, "radius_m": 1609.344, "q": "zumba"}, "best match, London 1 mile")
    explain(app, {"lat": 51.507, "lon": -0.128, "radius_m": 1609.344, "q": "zumba", "sort": "nearest"}, "word, nearest")
    explain(app, {"lat": 51.507, "lon": -0.128, "radius_m": 16093.44, "q": "wibble"}, "rare word, London 10 miles")
    explain(app, {"lat": 52.486, "lon": -1.890, "radius_m": 16093.44, "q": "zumbba"}, "misspelt word, 10 miles")
    explain(
        app,
        {"lat": 53.0, "lon": -1.5, "radius_m": 1609.344, "q": "singing", "category": "arts-and-music"},
        "word and category, 1 mile",
    )
    explain_text(app, "zumbba class")
    explain_text(app, "walking")

    for miles in ("5", "10"):
        print(f"\nResults page for a search with 10,000+ results ({miles} miles round central London):")
        page = results_page(app, 51.507, -0.128, miles)
        print(
            f"  results: {page['total']}; page {page['bytes'] / 1024:.0f} KB (target < 300 KB); server render "
            f"median {page['render_median_s'] * 1000:.0f} ms, max {page['render_max_s'] * 1000:.0f} ms "
            f"(target < 300 ms); inline markers: {page['markers_inline']}"
        )
        print(
            f"  first map request: {page['features_count']} markers "
            f"({'grid clusters' if page['features_clustered'] else 'points'}), {page['features_bytes'] / 1024:.0f} KB, "
            f"{page['features_s'] * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
