"""Check that the near view from the nearest-neighbour scan gives what the full statement gives, in both orders.

    .venv/bin/python bench/search_identity.py --url postgresql+psycopg://…/assetmap_bench_1m --searches 400

The practitioners' search answers the near view from the ``COUNT_CAP`` nearest matching places (an
index-ordered KNN scan, ``queries._nearest_page``), in one statement with the bounded count; "nearest
first" falls back to the statement that ranks every asset in the circle when it cannot show its page is
exact. This runs the same random searches (the bench's workload: points in towns and the countryside,
0.5 to 5 miles, with and without words, categories, "free", a day open, pages 1 to 3; searches with
words are best match or, 30% of them, nearest first), by the public or (``--signed-in``) a practitioner, both ways in one read-only transaction each and
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

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class _Practitioner:
    """A signed-in practitioner as the search sees one (a role, no wards to edit), with no account row."""

    is_authenticated = True
    role = "practitioner"
    id = None


def _key(page) -> list:
    return [(h.id, None if h.distance_m is None else round(h.distance_m, 2), h.stale) for h in page.hits]


def compare(old, new, cap: int, stats: dict, examples: list, what: str) -> None:
    """Count where the new page (and, under the cap, its total and split) differs from the full statement's."""
    best = new.sort == "best"
    stats["best" if best else "nearest"] += 1
    stats["capped" if new.total_capped else "under_cap"] += 1
    if new.total_capped and old.places <= cap:
        stats["total_mismatch"] += 1
        examples.append(f"capped but only {old.places} places: {what}")
    if best and new.total_capped:
        stats["best_capped"] += 1
        return  # by design: ranked among the 1,000 nearest matching places
    if _key(old) != _key(new):
        stats["page_mismatch"] += 1
        examples.append(f"page differs: {what}")
    split = lambda p: (p.total, p.places, p.area_served, p.hidden)  # noqa: E731
    if not new.total_capped and split(old) != split(new):
        stats["total_mismatch"] += 1
        examples.append(f"total {old.total} vs {new.total}: {what}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="a benchmark database (never the demo or test one)")
    ap.add_argument("--searches", type=int, default=400)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument(
        "--signed-in", action="store_true", help="search as a signed-in practitioner (who reads every visibility)"
    )
    args = ap.parse_args(argv)
    refuse_demo_or_test(args.url, "use")

    from search import BANDS, QUERY_WORDS, make_bodies  # the bench's own workload

    from assetmap import create_app
    from assetmap.accounts.auth import Anonymous
    from assetmap.db import session
    from assetmap.practitioners import queries
    from assetmap.practitioners.api import parse_request

    searcher = _Practitioner() if args.signed_in else Anonymous()
    app = create_app({"SQLALCHEMY_URL": args.url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    rng = random.Random(args.seed)
    bodies = make_bodies(args.searches, args.seed)
    real_nearest = queries._nearest_page
    used = {"knn": 0, "fallback": 0}

    def counting(*a, **kw):
        out = real_nearest(*a, **kw)
        used["fallback" if out is None else "knn"] += 1
        return out

    def timed(page, per_page, origin, f) -> tuple:
        t0 = time.perf_counter()
        out = queries.search(origin, f, searcher, "near", page, per_page)
        took = time.perf_counter() - t0
        session.rollback()
        return out, took

    stats = dict.fromkeys(
        ("page_mismatch", "total_mismatch", "capped", "under_cap", "best", "nearest", "best_capped"), 0
    )
    examples: list[str] = []
    by_band: dict[str, list] = {}
    with app.test_request_context():
        for body in bodies:
            body["radius_m"] = rng.choice([804.672, 1609.344, 1609.344, 3218.688, 8046.72])
            page = rng.choice([1, 1, 1, 2, 3])
            if "q" not in body and rng.random() < 0.3:  # more words than the bench: best match is what changed
                body["q"] = rng.choice(QUERY_WORDS)
            if "q" in body and rng.random() < 0.3:
                body["sort"] = "nearest"
            (_pc, point), f, _page, per_page = parse_request(body)
            origin = queries.Origin(point[0], point[1], areas_known=False)
            queries._nearest_page = lambda *a, **kw: None
            old, old_t = timed(page, per_page, origin, f)
            queries._nearest_page = counting
            new, new_t = timed(page, per_page, origin, f)
            band = next(label for label, lo, hi in BANDS if lo <= old.places < hi)
            row = by_band.setdefault(band, [0, 0.0, 0.0])
            row[0], row[1], row[2] = row[0] + 1, row[1] + old_t, row[2] + new_t
            compare(old, new, queries.COUNT_CAP, stats, examples, f"{body} page {page}")
        session.remove()
    queries._nearest_page = real_nearest
    n = stats["best"] + stats["nearest"]
    print(f"{n} random searches: {stats['best']} best match, {stats['nearest']} nearest first")
    print(f"  pages from the KNN statement: {used['knn']}, fell back to the full statement: {used['fallback']}")
    print(f"  totals under the cap ({queries.COUNT_CAP:,}): {stats['under_cap']}, capped: {stats['capped']}")
    print(f"  best match past the cap (ranked among the nearest by design, page not compared): {stats['best_capped']}")
    print(f"  page mismatches: {stats['page_mismatch']}, total mismatches (under the cap): {stats['total_mismatch']}")
    old_s, new_s = sum(r[1] for r in by_band.values()), sum(r[2] for r in by_band.values())
    print(f"  time: full statement {old_s:.1f} s, new {new_s:.1f} s (sequential, one client)")
    print("  mean ms per search by places matched (full statement, new):")
    for label, *_ in BANDS:
        if label in by_band:
            k, o, nw = by_band[label]
            print(f"    {label:>12}: {k:4d} searches  {1000 * o / k:7.1f}  {1000 * nw / k:7.1f}")
    for e in examples[:10]:
        print("  ", e)
    return 1 if stats["page_mismatch"] or stats["total_mismatch"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
