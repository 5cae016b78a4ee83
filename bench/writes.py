"""The cost of a bulk write after small ones on the same connection (the statement triggers' cached plans).

    .venv/bin/python bench/writes.py --url postgresql+psycopg://…/assetmap_bench_1m [--rows 10000]

On one connection, as the app's pool reuses them: seven single-listing updates (each rolled back), then one
UPDATE of ``--rows`` services in one statement (rolled back); then the same bulk update on a fresh
connection. Each update sets ``last_verified_on`` (what a check does) and so fires every statement trigger
on ``service``; before migration 0020 the triggers that join ``old_rows`` with ``new_rows`` kept the plan made
for the first, one-row write. Nothing is left written.
"""

from __future__ import annotations

import argparse
import time

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="a benchmark database (never the demo or test one)")
    ap.add_argument("--rows", type=int, default=10_000)
    args = ap.parse_args(argv)
    refuse_demo_or_test(args.url, "write to")
    from sqlalchemy import create_engine, text

    update = text("UPDATE service SET last_verified_on = CURRENT_DATE WHERE id = ANY(:ids)")
    engine = create_engine(args.url, pool_size=1, connect_args={"options": "-c statement_timeout=600s"})
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM service ORDER BY md5(id::text) LIMIT :n"), {"n": args.rows + 7})
        ids = ids.scalars().all()
        conn.rollback()

    def timed(conn, chosen) -> float:
        t0 = time.perf_counter()
        conn.execute(update, {"ids": chosen})
        took = (time.perf_counter() - t0) * 1000
        conn.rollback()
        return took

    with engine.connect() as conn:
        small = [timed(conn, [ids[args.rows + i]]) for i in range(7)]
        bulk = timed(conn, ids[: args.rows])
    engine.dispose()
    with engine.connect() as conn:
        fresh = timed(conn, ids[: args.rows])
    engine.dispose()
    print(f"one listing, 7 times on one connection: {', '.join(f'{t:.1f}' for t in small)} ms")
    print(f"then {args.rows:,} listings in one statement on that connection: {bulk:,.0f} ms")
    print(f"the same on a fresh connection: {fresh:,.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
