"""Simulate a year of organisers keeping Birmingham's listings true, and time the reminder job at 10,000 listings.

    flock /work/wt/bench.lock .venv/bin/python bench/freshness.py                # 3,000 listings, 365 days
    flock /work/wt/bench.lock .venv/bin/python bench/freshness.py --listings 300 --days 60   # a quick look

Why: issue 13's claim is that a city's list stays true with the groups doing most of the work. This drives the
real code on a controllable clock and counts what it takes.

What it does, in a SEPARATE database (``assetmap_bench_freshness`` in the private cluster, never the demo or
test data), rebuilt each run:

1. loads the real areas and postcodes, and ``--listings`` listings at random Birmingham postcodes, each last
   checked by a coordinator on a day spread evenly over the year before the start (so about 1/12 come due
   each month); ``--with-organiser`` of them (85%) have an organiser contact, sealed as the app seals it;
   one coordinator per Birmingham constituency (so digests are routed as in life);
2. for each simulated day (08:00 UTC on the clock): runs the job runner's ``organiser-reminders`` and
   ``coordinator-digest`` jobs (``jobs.runner.run_due(now, only=…)``, as ``assetmap jobs run-due`` does),
   then ``deliver-mail`` until the queue is empty, writing each email to a scratch outbox as ``.eml``;
3. reads each reminder ``.eml`` that arrived and decides the organiser's answer with the stated
   probabilities (``ANSWERS``), after a random delay of 0 to 14 days; on the answer's day it follows the
   email's own link through the app (Flask's test client: the real routes, signed-link checks and use cases;
   "Something has changed" GETs the pre-filled form, edits the description and POSTs it all back);
4. each weekday the listings' coordinator deals with every open proposal (``proposals.accept``: every field of
   a change; a closure archives the listing). Coordinator actions counted per month: proposals dealt with,
   plus listings gone "not confirmed for over a year" (each needs a phone call; not simulated further).
   Hard bounces are not simulated (the outbox transport cannot bounce; the hook is tested on loopback SMTP).

The clock: the simulated year is the one ending today (the app refuses a check dated after today); the jobs
take ``now``; the link handlers' clock (``upkeep.usecases.organisers._utcnow``) is set to
the simulated time. The signed token's own timestamp is real time (a run lasts minutes), so expiry is the
reminder row's ``expires_at``, which is on the simulated clock.

Then, separately, the time ``assetmap jobs run-due`` takes with 10,000 listings (``--timing-listings``): a
typical day (checks spread over the year) and the worst day (every listing due at once, as when reminders are
first switched on after a bulk import), with the ``organiser-reminders`` job's own time, the rest of run-due
(delivery of up to 200 emails a run, the digest, the others) and, side by side, the raw query that finds
who is due (``reminders.due``) timed alone in PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "assetmap_bench_freshness"
BIRMINGHAM = "E08000025"
SOURCE = "bench-freshness"
#: what an organiser does with one reminder email (the rest: nothing)
ANSWERS = {"still_right": 0.47, "changed": 0.10, "stopped": 0.03}
MAX_DELAY_DAYS = 14
#: what each run (and each timing) starts without
CLEARED = (
    "organiser_contact, organiser_reminder, proposed_update, mail_outbox, scheduled_job, email_optout, "
    "reminder_cadence, asset_change, service_at_location, location, attribute, service, app_user"
)


def database_url() -> str:
    from sqlalchemy import create_engine, text

    from assetmap import embedded
    from assetmap.cli import upgrade_database

    embedded.ensure_running(log=lambda *a: None)
    embedded.ensure_database(DB_NAME)
    url = embedded.url(DB_NAME)
    upgrade_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:  # the reference data stays from one run to the next; the rest goes
        conn.execute(text(f"TRUNCATE {CLEARED} CASCADE"))
    engine.dispose()
    return url


def make_app(url: str, outbox: Path):
    from assetmap import create_app

    return create_app(
        {
            "SQLALCHEMY_URL": url,
            "SECRET_KEY": "bench-freshness-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_OUTBOX_DIR": str(outbox),
            "SMTP_URL": "",
            "NOTIFY_API_KEY": "",
            "PUBLIC_URL": "http://bench.example",
            "SERVER_NAME": None,
        }
    )


def load_listings(app, n: int, with_organiser: float, start: dt.date, rng: random.Random, spread_days: int = 365):
    """``n`` listings at Birmingham postcodes, last checked evenly over ``spread_days`` before ``start``."""
    from sqlalchemy import func, insert, select

    from assetmap import taxonomy
    from assetmap.db import session, transaction
    from assetmap.directory import organisers
    from assetmap.mail.sealing import recipient_hash
    from assetmap.models import Attribute, Location, OrganiserContact, Postcode, Service, ServiceAtLocation

    with app.app_context():
        points = session.execute(
            select(func.ST_X(Postcode.geom), func.ST_Y(Postcode.geom)).where(Postcode.lad_code == BIRMINGHAM)
        ).all()
        cat = next(t.id for t in taxonomy.terms("category"))
        services, locations, links, attrs, contacts = [], [], [], [], []
        created = dt.datetime.combine(start - dt.timedelta(days=800), dt.time(9), dt.UTC)
        for i in range(n):
            sid, lid = uuid.uuid4(), uuid.uuid4()
            services.append(
                {
                    "id": sid,
                    "name": f"Bench group {i + 1}",
                    "description": "A weekly group for anyone who wants company.",
                    "status": "active",
                    "modes": ["in_person"],
                    "visibility": "public",
                    "illustrative": True,
                    "version": 1,
                    "last_verified_on": start - dt.timedelta(days=(i * spread_days) // n + 1),
                    "verification_method": "phoned",
                    "source": SOURCE,
                    "source_id": f"bench-{i + 1}",
                    "created_at": created,
                    "updated_at": created,
                }
            )
            x, y = rng.choice(points)
            locations.append(
                {"id": lid, "location_type": "physical", "name": f"Hall {i + 1}", "geom": f"SRID=4326;POINT({x} {y})"}
            )
            links.append({"id": uuid.uuid4(), "service_id": sid, "location_id": lid})
            attrs.append({"id": uuid.uuid4(), "service_id": sid, "taxonomy_term_id": cat})
            if rng.random() < with_organiser:
                email = f"organiser-{i + 1}@bench.example.org"
                contacts.append(
                    {
                        "service_id": sid,
                        "sealed": organisers.seal(f"Organiser {i + 1}", email),
                        "email_hash": recipient_hash("email", email),
                        "consent_on": start - dt.timedelta(days=400),
                        "consent_method": "phone",
                        "updated_at": created,
                    }
                )
        with transaction():
            for table, rows in (
                (Service, services),
                (Location, locations),
                (ServiceAtLocation, links),
                (Attribute, attrs),
                (OrganiserContact, contacts),
            ):
                for k in range(0, len(rows), 2000):
                    session.execute(insert(table), rows[k : k + 2000])
        session.remove()
    return len(contacts)


def make_coordinators(app):
    """One coordinator per Birmingham constituency (the digests' recipients) and an admin who reviews."""
    from sqlalchemy import select

    from assetmap.accounts.store import create_user
    from assetmap.db import session, transaction
    from assetmap.models import Ward

    with app.app_context():
        with transaction():
            cons = sorted(
                set(session.execute(select(Ward.constituency_code).where(Ward.lad_code == BIRMINGHAM)).scalars())
            )
            for n, code in enumerate(cons):
                create_user(f"lead-{n}@bench.example.org", "coordinator", "bench password 123", constituencies=[code])
            admin = create_user("admin@bench.example.org", "admin", "bench password 123")
            admin_id = admin.id
        session.remove()
    return admin_id, len(cons)


_INPUT = re.compile(r"<input[^>]*>")


def form_fields(html: str) -> dict:
    """A page's form as a browser would post it: text inputs, checked boxes and radios, textareas, selects."""
    from html import unescape

    data: dict = {}
    for tag in _INPUT.findall(html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        val = unescape(value[1]) if value else ""
        if kind and kind[1] in ("radio", "checkbox"):
            if "checked" in tag:
                data.setdefault(name[1], []).append(val or "on")
            continue
        data[name[1]] = val
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen[1] if chosen else ""
    return data


def links_of(msg) -> dict:
    """{'still-right': path?query, 'changes': …, 'stopped': …} from a reminder's plain-text body."""
    out = {}
    for url in re.findall(r"https?://\S+", msg.get_body(("plain",)).get_content()):
        parts = urlsplit(url)
        m = re.search(r"/check/(still-right|changes|stopped)$", parts.path)
        if m:
            out[m[1]] = (parts.path, parts.query.split("t=", 1)[1])
    return out


_FIRST_DAY: list = []


def day_index(now: dt.datetime) -> int:
    """Days since the simulation's first day (so the delivery clock only moves forward)."""
    if not _FIRST_DAY:
        _FIRST_DAY.append(now)
    return (now - _FIRST_DAY[0]).days


def _run_jobs(app, now: dt.datetime, job_seconds: Counter) -> int:
    """The day's reminders and digests, then mail delivery until the queue is empty; returns how many listings
    went unconfirmed."""
    from assetmap.db import session
    from assetmap.jobs import runner

    gone = 0
    with app.app_context():
        for name in ("organiser-reminders", "coordinator-digest"):
            for o in runner.run_due(now, only=name):
                job_seconds[name] += o.seconds
                m = re.search(r"(\d+) listings now unconfirmed", o.summary)
                gone += int(m[1]) if m else 0
        # delivery runs on the real clock: the queue stamps messages with the database's now()
        for k in range(1, 10_000):
            (o,) = runner.run_due(
                dt.datetime.now(dt.UTC) + dt.timedelta(days=day_index(now), minutes=k), only="deliver-mail"
            )
            job_seconds["deliver-mail"] += o.seconds
            if o.summary == "nothing due" or o.status != "ok":
                break
        session.remove()
    return gone


def _read_mail(outbox: Path, seen: set, sent: Counter, answers: dict, day: int, rng: random.Random) -> None:
    """Count the emails that arrived, and decide each organiser's answer to a reminder (and when)."""
    for path in sorted(outbox.glob("*.eml")):
        if path.name in seen:
            continue
        seen.add(path.name)
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        template = msg["X-AssetMap-Template"]
        sent[template] += 1
        if template != "reminder":
            continue
        r = rng.random()
        for kind, p in ANSWERS.items():
            if r < p:
                answers[day + rng.randint(0, MAX_DELAY_DAYS)].append((kind, links_of(msg)))
                break
            r -= p


def _answer(client, kind: str, links: dict, day: int) -> int:
    """Follow the email's link for the answer, as the organiser's browser would; the final status."""
    if kind == "still_right":
        path, token = links["still-right"]
        return client.post(path, data={"t": token}).status_code
    if kind == "stopped":
        path, token = links["stopped"]
        return client.post(path, data={"t": token, "note": "We stopped meeting."}).status_code
    path, token = links["changes"]
    form = client.get(f"{path}?t={token}")
    if form.status_code != 200:
        return form.status_code
    data = form_fields(form.get_data(as_text=True))
    data["description"] = (data.get("description") or "") + f" Now with tea (day {day})."
    data["t"] = token
    return client.post(path, data=data).status_code


def _review(app, admin_id) -> int:
    """The coordinator deals with every open proposal (every field of a change; a closure archives)."""
    from sqlalchemy import select

    from assetmap.accounts.auth import SessionUser
    from assetmap.db import session
    from assetmap.models import ProposedUpdate, Service, User
    from assetmap.upkeep.usecases import proposals

    with app.app_context():
        admin = SessionUser(session.get(User, admin_id))
        open_ = session.execute(
            select(ProposedUpdate.id, ProposedUpdate.fields, Service.version)
            .join(Service, Service.id == ProposedUpdate.service_id)
            .where(ProposedUpdate.status == "open")
        ).all()
        session.remove()
        for pid, fields, version in open_:
            proposals.accept(admin, pid, list(fields), version)
        session.remove()
    return len(open_)


def simulate(app, days: int, start: dt.datetime, outbox: Path, admin_id, rng: random.Random) -> dict:
    from assetmap.upkeep.usecases import organisers as organiser_links

    clock = [start]
    organiser_links._utcnow = lambda: clock[0]  # the link handlers' clock is the simulation's
    client = app.test_client()
    seen: set[str] = set()
    sent: Counter = Counter()
    answers: dict[int, list] = defaultdict(list)
    answered: Counter = Counter()
    refused: Counter = Counter()
    per_month: dict[int, Counter] = defaultdict(Counter)
    job_seconds: Counter = Counter()
    for day in range(days):
        now = start + dt.timedelta(days=day)
        clock[0] = now
        month = day * 12 // 365
        per_month[month]["unconfirmed"] += _run_jobs(app, now, job_seconds)
        _read_mail(outbox, seen, sent, answers, day, rng)
        clock[0] = now + dt.timedelta(hours=3)
        for kind, links in answers.pop(day, []):
            status = _answer(client, kind, links, day)
            if status == 302:
                answered[kind] += 1
            else:
                refused[status] += 1
        if now.weekday() < 5:  # the coordinator's working days
            per_month[month]["proposals"] += _review(app, admin_id)
    return {
        "sent": sent,
        "answered": answered,
        "refused": refused,
        "per_month": per_month,
        "job_seconds": job_seconds,
        "pending_answers": sum(len(v) for v in answers.values()),
    }


def freshness(app, end: dt.date) -> dict:
    from sqlalchemy import func, select

    from assetmap.db import session
    from assetmap.directory.read import stale_cutoff
    from assetmap.models import Service

    with app.app_context():
        live = Service.archived_at.is_(None)
        cutoff = stale_cutoff(end)
        q = lambda *w: session.execute(select(func.count()).select_from(Service).where(live, *w)).scalar_one()  # noqa: E731
        out = {
            "live": q(),
            "confirmed": q(Service.last_verified_on >= cutoff),
            "by_organiser": q(Service.last_verified_on >= cutoff, Service.verification_method == "organiser"),
            "unconfirmed": q(Service.unconfirmed_since.is_not(None)),
            "archived": session.execute(
                select(func.count()).select_from(Service).where(Service.archived_at.is_not(None))
            ).scalar_one(),
        }
        session.remove()
    return out


def _timed_run(app, now: dt.datetime, runs: int, label: str) -> None:
    """Time the raw due() query alone, then the whole ``jobs run-due`` at ``now``, then run-due again."""
    from assetmap.db import session
    from assetmap.jobs import runner
    from assetmap.upkeep import reminders

    with app.app_context():
        raw = []
        for _ in range(runs):
            t0 = time.perf_counter()
            due = reminders.due(now.date())
            raw.append((time.perf_counter() - t0) * 1000)
            session.rollback()
        session.remove()
        t0 = time.perf_counter()
        outcomes = runner.run_due(now)
        total = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = runner.run_due(now + dt.timedelta(seconds=1))
        again = time.perf_counter() - t0
        session.remove()
    rem = next(o for o in outcomes if o.name == "organiser-reminders")
    print(f"\n  {label}: {len(due):,} reminders due")
    print(f"    raw due() query alone: median {statistics.median(raw):.0f} ms of {runs} runs")
    print(f"    organiser-reminders job: {rem.seconds:.2f} s  ({rem.summary})")
    for o in outcomes:
        if o.name != "organiser-reminders" and o.status != "not-due":
            print(f"    {o.name}: {o.seconds:.2f} s  ({o.summary})")
    status = [o.status for o in second if o.name == "organiser-reminders"]
    print(f"    whole `jobs run-due`: {total:.2f} s; run again a second later: {again:.2f} s (reminders {status})")


def time_run_due(app, n: int, rng: random.Random, runs: int) -> None:
    """``assetmap jobs run-due`` with ``n`` listings: switched on with checks spread over the year, the day
    after (a typical day), and the worst day (every listing due at once)."""
    from sqlalchemy import text

    from assetmap.db import session

    now = dt.datetime.combine(dt.date.today(), dt.time(8), dt.UTC)
    for case in ("spread", "worst"):
        with app.app_context():
            session.execute(text(f"TRUNCATE {CLEARED.replace(', app_user', '')} CASCADE"))
            session.commit()
            session.remove()
        if case == "spread":
            load_listings(app, n, 1.0, now.date(), rng, spread_days=365)
        else:  # every listing last checked 11 months and a day ago
            load_listings(app, n, 1.0, now.date() - dt.timedelta(days=335), rng, spread_days=1)
        with app.app_context():
            session.execute(text("ANALYZE"))
            session.commit()
            session.remove()
        if case == "spread":
            _timed_run(app, now, runs, f"{n:,} listings checked over the last year, reminders first switched on")
            _timed_run(app, now + dt.timedelta(days=1), runs, f"{n:,} listings, the next day (a typical day)")
        else:
            _timed_run(app, now, runs, f"{n:,} listings all due at once (the worst day)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listings", type=int, default=3000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--with-organiser", type=float, default=0.85)
    ap.add_argument("--timing-listings", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--skip-simulation", action="store_true")
    args = ap.parse_args()

    import logging
    import tempfile

    logging.disable(logging.INFO)
    from tests.conftest import load_reference_data

    rng = random.Random(args.seed)
    url = database_url()
    with tempfile.TemporaryDirectory() as tmp:
        outbox = Path(tmp) / "outbox"
        app = make_app(url, outbox)
        from assetmap.loaders import status_counts

        with app.app_context():
            loaded = status_counts()["wards"]
        if not loaded:
            t0 = time.perf_counter()
            load_reference_data(app)
            print(f"reference data loaded in {time.perf_counter() - t0:.0f} s")
        if not args.skip_simulation:
            # the simulated year ends today: the app refuses a check dated in the future, as it should
            start = dt.datetime.combine(dt.date.today() - dt.timedelta(days=args.days), dt.time(8), dt.UTC)
            with_contact = load_listings(app, args.listings, args.with_organiser, start.date(), rng)
            admin_id, leads = make_coordinators(app)
            print(
                f"simulating {args.days} days: {args.listings:,} Birmingham listings, {with_contact:,} with an "
                f"organiser; {leads} constituency coordinators; answers per reminder {ANSWERS} "
                f"(else none), after 0-{MAX_DELAY_DAYS} days"
            )
            t0 = time.perf_counter()
            before = freshness(app, start.date())
            res = simulate(app, args.days, start, outbox, admin_id, rng)
            end = (start + dt.timedelta(days=args.days)).date()
            after = freshness(app, end)
            wall = time.perf_counter() - t0
            print(f"  simulated in {wall:.0f} s wall time")
            share = lambda f: f"{100 * f['confirmed'] / max(1, f['live']):.1f}%"  # noqa: E731
            print(
                f"  at the start: {share(before)} of {before['live']:,} live listings confirmed in the last 12 months"
            )
            print(
                f"  at the end:   {share(after)} of {after['live']:,} live listings confirmed in the last 12 months "
                f"({after['by_organiser']:,} by their organiser); {after['unconfirmed']:,} 'not confirmed for over "
                f"a year'; {after['archived']:,} archived as no longer running"
            )
            print(f"  emails sent: {dict(res['sent'])} (total {sum(res['sent'].values()):,})")
            print(
                f"  organisers' answers through their links: {dict(res['answered'])}; refused: {dict(res['refused'])}; "
                f"{res['pending_answers']} answers still to come at the end"
            )
            months = sorted(res["per_month"])
            actions = [res["per_month"][m]["proposals"] + res["per_month"][m]["unconfirmed"] for m in months]
            print("  coordinator actions per month (proposals dealt with + listings gone unconfirmed to phone):")
            print(
                "    "
                + ", ".join(
                    f"m{m + 1}: {res['per_month'][m]['proposals']}+{res['per_month'][m]['unconfirmed']}" for m in months
                )
            )
            if actions:
                print(
                    f"    median {statistics.median(actions):.0f} a month, most {max(actions)} (for {args.listings:,} listings)"
                )
            print(
                "  job time over the simulation: " + ", ".join(f"{k} {v:.1f} s" for k, v in res["job_seconds"].items())
            )
        time_run_due(app, args.timing_listings, rng, args.runs)


if __name__ == "__main__":
    main()
