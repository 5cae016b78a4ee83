"""What the broad filters' kept counts (``marker_bit_cell``, migration 0024) cost writes, side by side with the
same writes without them.

    .venv/bin/python bench/kept_writes.py --url postgresql+psycopg://…/assetmap_bench_1m [--rounds 7]

Each write runs in a transaction that is rolled back, once with ``marker_dot``'s own triggers (only 0024's)
switched off in that transaction (``ALTER TABLE … DISABLE TRIGGER USER``: the floor) and once with them, in
alternating order; the first round of each is dropped as a warm-up and the medians and ranges of the rest are
printed. The writes: 10,000 ``marker_dot`` rows' slots changed, inserted and deleted; a session added to
10,000 services (through ``schedule``'s triggers to ``marker_point`` and ``marker_dot``); one row's slots.
Nothing is left written, but rolled-back writes leave dead rows and a GIN index's pending entries, which slowed
the map's category views by half in the run after (112 / 129 -> 136 / 191 ms): the tables are vacuumed at the end.
"""

from __future__ import annotations

import argparse
import statistics
import time

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

COLUMNS = (
    "service_id, geom, visibility, ward_code, constituency_code, min_cost, modes, days, slots, "
    "slots_settled_on, slots_unsettled, access, access_elsewhere"
)
_SOME = "(SELECT link_id FROM marker_dot ORDER BY link_id OFFSET {k} LIMIT {n})"
WRITES = {
    "10,000 marker_dot rows' slots changed": "UPDATE marker_dot SET slots = slots # 1024 WHERE link_id IN " + _SOME,
    "10,000 marker_dot rows inserted": f"INSERT INTO marker_dot (link_id, {COLUMNS}) SELECT gen_random_uuid(), "
    f"{COLUMNS} FROM marker_dot ORDER BY link_id OFFSET {{k}} LIMIT {{n}}",
    "10,000 marker_dot rows deleted": "DELETE FROM marker_dot WHERE link_id IN " + _SOME,
    "a session added to 10,000 services": "INSERT INTO schedule (id, service_id, freq, byday, byday_order, "
    "opens_at, closes_at) SELECT gen_random_uuid(), id, 'WEEKLY', 'WE', 1, '18:00', '19:00' FROM service "
    "ORDER BY id OFFSET {k} LIMIT {n}",
    "one marker_dot row's slots changed": "UPDATE marker_dot SET slots = slots # 1024 WHERE link_id IN "
    + _SOME.replace("{n}", "1"),
}
VACUUMED = ("marker_point", "marker_dot", "marker_bit_cell", "marker_cell", "schedule")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="a benchmark database (never the demo or test one)")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    refuse_demo_or_test(args.url, "write to")
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(args.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT count(*) FROM marker_dot").fetchone()[0]
        print(f"marker_dot holds {rows:,} rows; medians of {args.rounds - 1} rounds (ms), rolled back\n")
        print(f"  {'write':40} {'without 0024':>14} {'with 0024':>11}  {'ratio':>5}  ranges")
        for label, sql in WRITES.items():
            took: dict[str, list[float]] = {"off": [], "on": []}
            for i in range(args.rounds):
                for mode in ("on", "off") if i % 2 else ("off", "on"):
                    conn.execute("BEGIN")
                    if mode == "off":
                        conn.execute("ALTER TABLE marker_dot DISABLE TRIGGER USER")
                    t0 = time.perf_counter()
                    conn.execute(sql.format(k=10_000 * i + 50_000, n=10_000))
                    took[mode].append((time.perf_counter() - t0) * 1000)
                    conn.execute("ROLLBACK")
            off, on = (statistics.median(took[m][1:]) for m in ("off", "on"))
            ranges = " / ".join(f"{min(took[m][1:]):.0f}-{max(took[m][1:]):.0f}" for m in ("off", "on"))
            print(f"  {label:40} {off:14.1f} {on:11.1f}  {on / off:5.2f}  {ranges}", flush=True)
        t0 = time.perf_counter()
        for table in VACUUMED:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        print(f"\n  vacuumed {', '.join(VACUUMED)} in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
