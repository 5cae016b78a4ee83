"""What ranking a worded search's kept places costs, column by column.

    .venv/bin/python bench/ranking.py --url postgresql+psycopg://…/assetmap_bench_1m [--rounds 15] [--band 5,000+]

The near view keeps the 1,000 nearest places that match (``queries.COUNT_CAP``) and, with words, works out for
each of them the columns best match ranks by (``queries._carried``): the text's test for each idea, the test
"in its name", the text's rank (``ts_rank_cd``, with the query the app ranks with, ``rankquery``, and with the
words' whole query beside it), and the distance on the spheroid. This takes the worded searches
of ``bench/search.py``'s workload in one density band, finds with the app's own words (``words.understand``, its
synonyms and prefixes) the 1,000 nearest places in the circle holding them, copies those rows into a temporary
table, then times one aggregate of each column over them (the median of ``--rounds``), beside the same rows
only counted (the floor) and the raw KNN query (20 nearest in the circle, ``bench/search.py``'s) at the same
point. Prints the microseconds per row each column adds and its share of what the columns cost together.
Nothing is written to the database but a temporary table.
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

POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
KEPT = f"""CREATE TEMP TABLE kept AS
SELECT mp.* FROM marker_point mp
WHERE mp.geog && _ST_Expand({POINT}, %(r)s) AND _ST_DWithin(mp.geog, {POINT}, %(r)s, true)
  AND mp.search_tsv @@ %(q)s::tsquery
ORDER BY mp.geog <-> {POINT} LIMIT 1000"""
#: the columns, as ``queries._carried`` and ``_point_candidates`` write them for a row of ``kept``
COLUMNS = {
    "floor (the rows counted)": "count(*)",
    "each idea in the text": "count(*) FILTER (WHERE search_tsv @@ %(q0)s::tsquery)",
    "the words in its name": "count(*) FILTER (WHERE search_tsv @@ %(qname)s::tsquery)",
    "the text's rank, the whole query": "sum(ts_rank_cd(search_tsv, %(q)s::tsquery, 32))",
    "the text's rank, as ranked": "sum(ts_rank_cd(search_tsv, %(qrank)s::tsquery, 32))",
    "distance on the spheroid": f"sum(ST_Distance(geog, {POINT}))",
}


#: the rank with the words' whole query (as before ``rankquery``), beside the query the app ranks with
WHOLE, AS_RANKED = "the text's rank, the whole query", "the text's rank, as ranked"


def _queries(conn, words) -> dict:
    """The words' text queries as the app builds them (``queries._word_values``), as tsquery text."""
    from assetmap.practitioners.queries import _word_values

    v = _word_values(words)

    def tsq(en: str, px: str) -> str:
        sql = "SELECT (to_tsquery('english', %s) || to_tsquery('simple', %s))::text" if px else None
        sql = sql or "SELECT to_tsquery('english', %s)::text"
        return conn.execute(sql, (en, px) if px else (en,)).fetchone()[0]

    return {
        "q": tsq(v["qall_en"], v["qall_px"]),
        "q0": tsq(v["q0_en"], v["q0_px"]),
        "qname": tsq(v["qname_en"], v["qname_px"]),
        "qrank": v["qrank"],
    }


def _median_ms(conn, sql: str, params: dict, rounds: int) -> float:
    for _ in range(2):
        conn.execute(sql, params).fetchall()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        conn.execute(sql, params).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="the benchmark database (bench/search.py loads it)")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--band", default="5,000+", help="the density band of bench/search.py's workload")
    args = ap.parse_args(argv)
    import psycopg
    from search import KNN_SQL, banded_bodies
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from assetmap import create_app, logs
    from assetmap.practitioners.words import understand

    refuse_demo_or_test(args.url)
    app = create_app({"SQLALCHEMY_URL": args.url})
    logs.configure_logging(stream=open(os.devnull, "w"))
    bodies, bands = banded_bodies(create_engine(args.url), 400)
    chosen = [b for b, band in zip(bodies, bands) if band == args.band and b.get("q")]
    dsn = make_url(args.url).set(drivername="postgresql").render_as_string(hide_password=False)
    per_row: dict = collections.defaultdict(list)
    knns, rows_kept = [], []
    with app.app_context(), psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET jit = off; SET max_parallel_workers_per_gather = 0; SET enable_bitmapscan = off")
        for body in chosen:
            params = {"lon": body["lon"], "lat": body["lat"], "r": body["radius_m"]}
            params |= _queries(conn, understand(body["q"], None))
            conn.execute("DROP TABLE IF EXISTS kept")
            conn.execute(KEPT, params)
            n = conn.execute("SELECT count(*) FROM kept").fetchone()[0]
            if n < 100:
                continue
            rows_kept.append(n)
            knns.append(_median_ms(conn, KNN_SQL, params, args.rounds))
            times = {
                name: _median_ms(conn, f"SELECT {expr} FROM kept", params, args.rounds)
                for name, expr in COLUMNS.items()
            }
            floor = times.pop("floor (the rows counted)")
            per_row["floor (the rows counted)"].append(floor * 1000 / n)
            for name, ms in times.items():
                per_row[name].append(max(ms - floor, 0.0) * 1000 / n)
        conn.execute("DROP TABLE IF EXISTS kept")
    if not knns:
        raise SystemExit(f"no worded search of band {args.band} keeps 100 places or more")
    print(
        f"\n{len(knns)} worded searches of the {args.band} band, {statistics.mean(rows_kept):.0f} places kept on average;"
    )
    print(f"the median of {args.rounds} rounds each, then the mean over the searches:")
    print(f"  the raw KNN query (20 nearest in the circle): {statistics.mean(knns):.2f} ms a search")
    columns = {k: statistics.mean(v) for k, v in per_row.items() if k != "floor (the rows counted)"}
    together = sum(us for name, us in columns.items() if name != WHOLE)
    print(f"  {'column':32} {'us a row':>9} {'ms / 1,000':>11} {'share':>6}")
    print(f"  {'floor (the rows counted)':32} {statistics.mean(per_row['floor (the rows counted)']):9.2f}")
    for name, us in columns.items():
        share = "" if name == WHOLE else f"{us / together:6.0%}"
        print(f"  {name:32} {us:9.2f} {us:11.2f} {share:>6}")
    print(f"  {'the columns the app works out':32} {together:9.2f} {together:11.2f}")
    print(f"  the rank as ranked / with the whole query: {columns[AS_RANKED] / columns[WHOLE]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
