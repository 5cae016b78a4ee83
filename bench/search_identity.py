"""Check that the near view from the nearest-neighbour scan gives what the full statement gives, in both orders.

    .venv/bin/python bench/search_identity.py --url postgresql+psycopg://…/assetmap_bench_1m --searches 400

The practitioners' search answers the near view from the ``COUNT_CAP`` nearest matching places (an
index-ordered KNN scan, ``queries._nearest_page``), in one statement with the bounded count; "nearest
first" falls back to the statement that ranks every asset in the circle when it cannot show its page is
exact. This runs the same random searches (the bench's workload: points in towns and the countryside,
0.5 to 5 miles, with and without words, categories, "free", a day open, pages 1 to 3; searches with
words are best match or, 30% of them, nearest first) both ways in one read-only transaction each and
compares, for every search, the ids of the page in order, their distances (to the centimetre),
freshness, and, wherever the total is under ``COUNT_CAP``, the total and its split. Past the cap the
new total is "more than 1,000" by design, so only the page is compared there for nearest first, and
for best match (ranked among the 1,000 nearest matching places by design) nothing is compared: those
searches are counted apart. Exits non-zero on any mismatch.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="a benchmark database (never the demo or test one)")
    ap.add_argument("--searches", type=int, default=400)
    ap.add_argument("--seed", type=int, default=23)
    args = ap.parse_args(argv)
    if "assetmap_test" in args.url or args.url.split("?")[0].rsplit("/", 1)[-1] == "assetmap":
        raise SystemExit("Refusing the demo or a test database")

    from search import BANDS, make_bodies  # the bench's own workload

    from assetmap import create_app
    from assetmap.accounts.auth import Anonymous
    from assetmap.db import session
    from assetmap.practitioners import queries
    from assetmap.practitioners.api import parse_request

    app = create_app({"SQLALCHEMY_URL": args.url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    rng = random.Random(args.seed)
    bodies = make_bodies(args.searches, args.seed)
    real_nearest = queries._nearest_page
    used = {"knn": 0, "fallback": 0}

    def counting(*a, **kw):
        out = real_nearest(*a, **kw)
        used["fallback" if out is None else "knn"] += 1
        return out

    stats = {"compared": 0, "page_mismatch": 0, "total_mismatch": 0, "capped": 0, "under_cap": 0}
    best = {"under_cap": 0, "capped": 0}
    old_s = new_s = 0.0
    examples: list[str] = []
    by_band: dict[str, list] = {}
    with app.test_request_context():
        for body in bodies:
            body["radius_m"] = rng.choice([804.672, 1609.344, 1609.344, 3218.688, 8046.72])
            page = rng.choice([1, 1, 1, 2, 3])
            if "q" in body and rng.random() < 0.7:
                body["sort"] = "nearest"
            (_pc, point), f, _page, per_page = parse_request(body)
            origin = queries.Origin(point[0], point[1], areas_known=False)
            queries._nearest_page = lambda *a, **kw: None
            t0 = time.perf_counter()
            old_before = old_s
            old = queries.search(origin, f, Anonymous(), "near", page, per_page)
            old_s += time.perf_counter() - t0
            session.rollback()
            queries._nearest_page = counting
            old_t = old_s - old_before
            new_before = new_s
            t0 = time.perf_counter()
            new = queries.search(origin, f, Anonymous(), "near", page, per_page)
            new_s += time.perf_counter() - t0
            session.rollback()
            stats["compared"] += 1
            band = next(label for label, lo, hi in BANDS if lo <= old.places < hi)
            by_band.setdefault(band, [0, 0.0, 0.0])
            by_band[band][0] += 1
            by_band[band][1] += old_t
            by_band[band][2] += new_s - new_before

            def key(p):
                return [(h.id, None if h.distance_m is None else round(h.distance_m, 2), h.stale) for h in p.hits]

            is_best = new.sort == "best"
            if is_best:
                best["capped" if new.total_capped else "under_cap"] += 1
            if is_best and new.total_capped:
                if old.places <= queries.COUNT_CAP:
                    stats["total_mismatch"] += 1
                    examples.append(f"capped but only {old.places} places: {body}")
                continue  # by design: ranked among the 1,000 nearest matching places
            if key(old) != key(new):
                stats["page_mismatch"] += 1
                if len(examples) < 5:
                    examples.append(f"page differs: {body} page {page}")
            if new.total_capped:
                stats["capped"] += 1
                if old.places <= queries.COUNT_CAP:
                    stats["total_mismatch"] += 1
                    examples.append(f"capped but only {old.places} places: {body}")
            else:
                stats["under_cap"] += 1
                if (old.total, old.places, old.area_served, old.hidden) != (
                    new.total,
                    new.places,
                    new.area_served,
                    new.hidden,
                ):
                    stats["total_mismatch"] += 1
                    if len(examples) < 10:
                        examples.append(f"total {old.total} vs {new.total}: {body} page {page}")
        session.remove()
    queries._nearest_page = real_nearest
    print(f"{stats['compared']} random searches ({best['under_cap'] + best['capped']} best match, the rest nearest first)")
    print(f"  best match under the cap, compared: {best['under_cap']}; past it, not compared: {best['capped']}")
    print(f"  pages from the KNN scan: {used['knn']}, fell back to the full statement: {used['fallback']}")
    print(f"  totals under the cap ({queries.COUNT_CAP:,}): {stats['under_cap']}, capped: {stats['capped']}")
    print(f"  page mismatches: {stats['page_mismatch']}, total mismatches (under the cap): {stats['total_mismatch']}")
    print(f"  time: full statement {old_s:.1f} s, new {new_s:.1f} s (sequential, one client)")
    print("  mean ms per search by places matched (full statement, new):")
    for label, *_ in BANDS:
        if label in by_band:
            n, o, nw = by_band[label]
            print(f"    {label:>12}: {n:4d} searches  {1000 * o / n:7.1f}  {1000 * nw / n:7.1f}")
    for e in examples:
        print("  ", e)
    return 1 if stats["page_mismatch"] or stats["total_mismatch"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
