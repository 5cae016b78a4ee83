"""Server time of the pages that were slowest under load at 1,000,000 assets: the Open Referral UK lists
(shallow, deep and filtered pages) and the commissioners' coverage page.

    DATABASE_URL=postgresql+psycopg://postgres@/assetmap_bench_1m_pages?host=…&port=5432 \\
        .venv/bin/python bench/pages.py [--repeat 7]

Each page is asked for through the app in this process (Flask's test client: the whole request, no
network), ``--repeat`` times after one warm-up, and printed with its p50 / p95 and the ``total_items``
it answered. The coverage pages are asked for as a commissioner made for the run (removed afterwards).
``bench/load.py`` measures the same pages under a realistic mix; the README's *Scaling* section has
both runs' figures, before and after the kept totals (migration 0016).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CSRF_FIELD = "csrf_token"


def oruk_urls(postcode: str | None, term_id: str | None, total: int) -> list[str]:
    last20, last200 = max(1, -(-total // 20)), max(1, -(-total // 200))
    urls = [
        "/oruk/services?per_page=20",
        "/oruk/services?page=5&per_page=20",
        "/oruk/services?page=5000&per_page=20",
        f"/oruk/services?page={last20}&per_page=20",
        f"/oruk/services?page={last200}&per_page=200&full=true",
        "/oruk/services?search=club&per_page=20",
        "/oruk/services?modified_after=2026-01-01&per_page=20",
        "/oruk/service_at_locations?per_page=20",
        "/oruk/service_at_locations?page=1000&per_page=20",
        f"/oruk/service_at_locations?page={last20}&per_page=20",
        "/oruk/organizations?per_page=20",
    ]
    if term_id:
        urls.append(f"/oruk/services?taxonomy_term_id={term_id}&per_page=20")
    if postcode:
        urls.append(f"/oruk/services?postcode={postcode.replace(' ', '%20')}&proximity=1609&per_page=20")
    return urls


COVERAGE_URLS = ["/coverage", "/coverage?category=carers-support", "/coverage?geography=constituency"]


def timed(client, url: str, repeat: int):
    client.get(url)  # warm-up
    times, last = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        last = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return last, statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    from sqlalchemy import text

    from assetmap import create_app
    from assetmap.accounts.store import create_user
    from assetmap.db import session, transaction

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    email, password = f"bench-pages-{uuid.uuid4().hex[:8]}@bench.assetmap.test", uuid.uuid4().hex
    with app.app_context():
        total = session.execute(
            text("SELECT count(*) FROM service WHERE archived_at IS NULL AND visibility = 'public'")
        ).scalar_one()
        postcode = session.execute(text("SELECT postcode FROM postcode ORDER BY postcode LIMIT 1")).scalar()
        term = session.execute(
            text("SELECT taxonomy_term_id FROM attribute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
        with transaction():
            create_user(email, "commissioner", password)
        session.remove()
    client = app.test_client()
    print(f"{total:,} public services; {args.repeat} requests each after one warm-up, in this process\n")
    print(f"{'page':<72}{'status':>7}{'total_items':>13}{'p50 ms':>9}{'p95 ms':>9}")
    try:
        for url in oruk_urls(postcode, str(term) if term else None, total):
            resp, p50, p95 = timed(client, url, args.repeat)
            body = resp.get_json(silent=True) or {}
            print(f"{url:<72}{resp.status_code:>7}{body.get('total_items', ''):>13}{p50:>9.1f}{p95:>9.1f}")
        client.post("/sign-in", data={"email": email, "password": password})
        for url in COVERAGE_URLS:
            resp, p50, p95 = timed(client, url, args.repeat)
            print(f"{url + ' (commissioner)':<72}{resp.status_code:>7}{'':>13}{p50:>9.1f}{p95:>9.1f}")
    finally:
        with app.app_context():
            with transaction():
                session.execute(text("DELETE FROM app_user WHERE email = :e"), {"e": email})
    return 0


if __name__ == "__main__":
    sys.exit(main())
