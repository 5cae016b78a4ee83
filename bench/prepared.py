"""What a prepared statement saves the search: the app's own statements, replayed unprepared and prepared.

    .venv/bin/python bench/prepared.py --url postgresql+psycopg://…/assetmap_bench_1m [--rounds 5]

Runs `POST /api/search` in this process for the workload of `bench/search.py` (every density band), keeps
the statements each search ran (the lexicon lookup, the words' estimate, the planner settings, the page),
then replays each search's statements on one connection, unprepared and prepared in turn (the order
alternating), with custom plans both ways as the app plans them. Prints the mean of each search's median
by band, with and without words, beside the raw KNN query (20 nearest in the circle) on the same
connection. The app keeps its statements prepared across requests since `db._keep_prepared`; before it,
every rollback at the end of a read made psycopg forget them (bench/README.md).
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

STARTS = ("WITH cand", "EXPLAIN", "\n    WITH q AS", "SELECT set_config")


def captured(app, bodies: list[dict]) -> list[list[tuple[str, dict]]]:
    """The statements each search ran through the app's engine, in order."""
    from sqlalchemy import event

    from assetmap.db import session

    with app.app_context():
        engine = session.get_bind()
    now: list = []

    def before(conn, cursor, statement, params, context, executemany):
        if statement.startswith(STARTS):
            now.append((statement, params))

    event.listen(engine, "before_cursor_execute", before)
    client = app.test_client()
    out = []
    for body in bodies:
        now.clear()
        resp = client.post("/api/search", json=body)
        if resp.status_code != 200:
            raise SystemExit(f"search failed: {resp.status_code} {resp.data[:200]!r}")
        out.append(list(now))
    event.remove(engine, "before_cursor_execute", before)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="the benchmark database (bench/search.py loads it)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    import psycopg
    from search import BANDS, KNN_SQL, banded_bodies
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from assetmap import create_app, logs

    refuse_demo_or_test(args.url)
    app = create_app({"SQLALCHEMY_URL": args.url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    logs.configure_logging(stream=open(os.devnull, "w"))
    bodies, bands = banded_bodies(create_engine(args.url), 400)
    runs = captured(app, bodies)
    dsn = make_url(args.url).set(drivername="postgresql").render_as_string(hide_password=False)
    options = "-c jit=off -c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_custom_plan"
    with psycopg.connect(dsn, options=options) as conn:

        def replay(stmts, prepare: bool) -> float:
            t0 = time.perf_counter()
            for sql, params in stmts:
                conn.execute(sql, params, prepare=prepare).fetchall()
            conn.commit()  # a commit keeps what psycopg has prepared; a rollback would drop it
            return (time.perf_counter() - t0) * 1000

        def knn(body) -> float:
            t0 = time.perf_counter()
            conn.execute(KNN_SQL, {"lon": body["lon"], "lat": body["lat"], "r": body["radius_m"]}).fetchall()
            conn.commit()
            return (time.perf_counter() - t0) * 1000

        res: dict = collections.defaultdict(lambda: {"unprepared": [], "prepared": [], "knn": []})
        for body, band, stmts in zip(bodies, bands, runs):
            replay(stmts, False)  # warm: the pages in memory, and the statement prepared from here on
            replay(stmts, True)
            knn(body)
            times: dict = {"unprepared": [], "prepared": [], "knn": []}
            for r in range(args.rounds):
                for prepare in (False, True) if r % 2 == 0 else (True, False):
                    times["prepared" if prepare else "unprepared"].append(replay(stmts, prepare))
                times["knn"].append(knn(body))
            for key, xs in times.items():
                res[(band, "q" in body)][key].append(statistics.median(xs))
    print(f"\n{len(bodies)} searches, {args.rounds} rounds; mean of each search's median, ms, one connection:")
    print(f"  {'band':12} {'words':9} {'searches':>8} {'unprepared':>11} {'prepared':>9} {'saved':>6} {'raw KNN':>8}")
    every: dict = collections.defaultdict(list)
    order = [label for label, *_ in BANDS]
    for (band, worded), d in sorted(res.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        for key, xs in d.items():
            every[key] += xs
        u, p, k = (statistics.mean(d[key]) for key in ("unprepared", "prepared", "knn"))
        words = "words" if worded else "no words"
        print(f"  {band:12} {words:9} {len(d['prepared']):8} {u:11.2f} {p:9.2f} {u - p:6.2f} {k:8.2f}")
    u, p, k = (statistics.mean(every[key]) for key in ("unprepared", "prepared", "knn"))
    print(f"  {'all':22} {len(every['prepared']):8} {u:11.2f} {p:9.2f} {u - p:6.2f} {k:8.2f}")
    print(f"  prepared / unprepared: {p / u:.2f}; prepared / raw KNN: {p / k:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
