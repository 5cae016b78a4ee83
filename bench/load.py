"""Load test: a realistic mix at twice a council's expected peak, against gunicorn on loopback.

    .venv/bin/python bench/load.py [--users 50] [--seconds 60] [--workers 4] [--wait 0.5,2]

`--wait 0` takes the users' pauses away, so that 100 users saturate the 2 cores (with the default pauses
100 users offer about 90 requests a second, less than the service serves, and the pauses bound the rate).

Starts gunicorn (several workers) on 127.0.0.1 against the demo database (`make run` loads it),
runs locust in-process with a fixed number of users for a fixed time — it stops by itself — and
prints requests/s, p50/p95/p99 per request type and overall, and the number of server errors.
As a baseline it also measures the bare PostGIS distance query that a search runs, from the same
number of client threads, and prints the ratio.

The mix (weights): postcode search form + results page (4), JSON search API (3), asset page (4),
Open Referral UK pages (2), commissioner coverage map (1, signed in).
"""

from __future__ import annotations

import sys

if "--raw-baseline" not in sys.argv:  # the baseline runs in its own process, with real threads
    from gevent import monkey  # locust needs gevent's patching before anything else imports sockets

    monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

if "--raw-baseline" not in sys.argv:
    import gevent  # noqa: E402
    from locust import HttpUser, between, task  # noqa: E402
    from locust.env import Environment  # noqa: E402
else:  # stand-ins so the class definitions below still import
    HttpUser = object

    def between(*_a):
        return None  # noqa: E704

    def task(*_a):  # noqa: E306
        return (lambda f: f) if not callable(_a[0]) else _a[0]


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTCODES: list[str] = []
ASSET_IDS: list[str] = []
COMMISSIONER: tuple[str, str] | None = None
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Visitor(HttpUser):
    wait_time = between(0.5, 2.0)

    @task(4)
    def search_form(self):
        page = self.client.get("/search", name="GET /search")
        m = CSRF.search(page.text)
        data = {"postcode": random.choice(POSTCODES), "distance": random.choice(["1", "2", "5"])}
        if m:
            data["csrf_token"] = m.group(1)
        self.client.post("/search", data=data, name="POST /search -> results")

    @task(3)
    def api_search(self):
        self.client.post(
            "/api/search",
            json={"postcode": random.choice(POSTCODES), "radius_m": 1609, "per_page": 20},
            name="POST /api/search",
        )

    @task(4)
    def asset_page(self):
        self.client.get(f"/assets/{random.choice(ASSET_IDS)}", name="GET /assets/<id>")

    @task(2)
    def oruk(self):
        self.client.get(f"/oruk/services?page={random.randint(1, 5)}&per_page=20", name="GET /oruk/services")


class Commissioner(HttpUser):
    wait_time = between(2, 5)
    weight = 1

    def on_start(self):
        page = self.client.get("/sign-in", name="GET /sign-in")
        m = CSRF.search(page.text)
        self.client.post(
            "/sign-in",
            data={"email": COMMISSIONER[0], "password": COMMISSIONER[1], "csrf_token": m.group(1) if m else ""},
            name="POST /sign-in",
        )

    @task
    def coverage(self):
        self.client.get(
            random.choice(["/coverage", "/coverage?category=carers-support", "/coverage?geography=constituency"]),
            name="GET /coverage",
        )


Visitor.weight = 9


def prepare(url: str, password: str) -> None:
    """Pick real postcodes and asset ids; make a commissioner account for the run."""
    global COMMISSIONER
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        POSTCODES.extend(conn.execute(text("SELECT postcode FROM postcode ORDER BY random() LIMIT 500")).scalars())
        ASSET_IDS.extend(
            str(i)
            for i in conn.execute(
                text("SELECT id FROM service WHERE archived_at IS NULL AND visibility = 'public' LIMIT 500")
            ).scalars()
        )
    engine.dispose()
    if not ASSET_IDS:
        sys.exit("The demo database has no assets: run `make run` once first.")
    email = f"load-commissioner-{random.randint(10**5, 10**6)}@bench.assetmap.test"
    env = dict(os.environ)
    subprocess.run(
        [str(ROOT / ".venv/bin/assetmap"), "users", "create", email, "--role", "commissioner", "--password", password],
        env=env,
        capture_output=True,
    )
    COMMISSIONER = (email, password)


def raw_query_rate(url: str, clients: int, seconds: float = 10.0) -> float:
    """Queries/s of the bare distance query behind a search, from ``clients`` threads (real threads)."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conninfo = f"dbname={u.database} user={u.username or 'postgres'} host={u.query.get('host') or u.host or ''}"
    sql = """SELECT s.id, ST_Distance(l.geom::geography, p.geom::geography) AS d
             FROM service s JOIN service_at_location sal ON sal.service_id = s.id
             JOIN location l ON l.id = sal.location_id, postcode p
             WHERE p.postcode = %s AND s.archived_at IS NULL AND s.visibility = 'public'
               AND ST_DWithin(l.geom::geography, p.geom::geography, 1609)
             ORDER BY d LIMIT 20"""
    count = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker():
        with psycopg.connect(conninfo) as conn:
            n = 0
            while time.monotonic() < stop:
                conn.execute(sql, (random.choice(POSTCODES),)).fetchall()
                n += 1
        with lock:
            count[0] += n

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0] / seconds


def raw_baseline_main() -> int:
    url, clients, seconds = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        POSTCODES.extend(conn.execute(text("SELECT postcode FROM postcode ORDER BY random() LIMIT 500")).scalars())
    engine.dispose()
    print(f"{raw_query_rate(url, clients, seconds):.1f}")
    return 0


def main() -> int:
    if "--raw-baseline" in sys.argv:
        return raw_baseline_main()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--port", type=int, default=5199)
    ap.add_argument(
        "--wait",
        default="0.5,2",
        help="a visitor's pause between requests, seconds: 'LOW,HIGH' (random between) or one number; 0 saturates",
    )
    args = ap.parse_args()
    parts = args.wait.split(",")
    try:
        low, high = float(parts[0]), float(parts[-1])
    except ValueError:
        ap.error("--wait: one number of seconds, or two as LOW,HIGH")
    if len(parts) > 2 or not 0 <= low <= high:
        ap.error("--wait: LOW,HIGH with 0 <= LOW <= HIGH")
    Visitor.wait_time = between(low, high)

    url = (
        subprocess.run(
            [str(ROOT / ".venv/bin/assetmap"), "db", "url"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if not os.environ.get("DATABASE_URL")
        else os.environ["DATABASE_URL"]
    )
    prepare(url, "load-test-password-" + str(random.randint(1000, 9999)))
    env = dict(os.environ)
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    server_log = open(ROOT / "bench" / "out" / "load-gunicorn.log", "w")  # the app's JSON access log
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            "1",
            "--keep-alive",
            "10",
            "--config",
            "python:assetmap.gunicorn_conf",
            "--log-level",
            "warning",
            "assetmap.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
    )
    host = f"http://127.0.0.1:{args.port}"
    try:
        import urllib.request

        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(host + "/healthz", timeout=2).status == 200:
                    break
            except Exception:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.5)
        environment = Environment(user_classes=[Visitor, Commissioner], host=host)
        runner = environment.create_local_runner()
        print(
            f"Load: {args.users} users for {args.seconds} s against gunicorn ({args.workers} single-threaded workers) "
            f"on {host}, visitors pausing {low:g}-{high:g} s"
        )
        started = time.monotonic()
        runner.start(args.users, spawn_rate=args.users)
        gevent.sleep(args.seconds)
        runner.quit()
        print(f"ran for {time.monotonic() - started:.1f} s")
        stats = environment.stats
        print(f"\n{'request':<28}{'count':>8}{'fail':>6}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for entry in sorted(stats.entries.values(), key=lambda e: e.name):
            print(
                f"{entry.name:<28}{entry.num_requests:>8}{entry.num_failures:>6}{entry.total_rps:>8.1f}"
                f"{entry.get_response_time_percentile(0.5):>9.0f}{entry.get_response_time_percentile(0.95):>9.0f}"
                f"{entry.get_response_time_percentile(0.99):>9.0f}"
            )
        t = stats.total
        server_errors = sum(e.occurrences for e in stats.errors.values() if re.search(r"\b5\d\d\b", str(e.error)))
        print(
            f"{'TOTAL':<28}{t.num_requests:>8}{t.num_failures:>6}{t.total_rps:>8.1f}"
            f"{t.get_response_time_percentile(0.5):>9.0f}{t.get_response_time_percentile(0.95):>9.0f}"
            f"{t.get_response_time_percentile(0.99):>9.0f}"
        )
        for err in stats.errors.values():
            print(f"  error: {err.method} {err.name}: {err.error} x{err.occurrences}")
        print(f"server errors (5xx): {server_errors}")
        raw = float(
            subprocess.run(
                [sys.executable, __file__, "--raw-baseline", url, "8", "10"],
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        print(
            f"\nbaseline: the bare PostGIS distance query from 8 threads: {raw:.0f} queries/s; "
            f"the whole mixed service served {t.total_rps:.1f} req/s = {t.total_rps / raw:.3f} of the raw query rate"
        )
        return 1 if (t.num_failures or server_errors) else 0
    finally:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM app_user WHERE email = :e"), {"e": COMMISSIONER[0]})
        engine.dispose()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
