"""How well the practitioners' search finds what a person describes: labelled queries on the demo data.

    .venv/bin/python bench/relevance.py                 # load the demo data once (kept), then measure
    .venv/bin/python bench/relevance.py --show-misses   # also list each query whose top 5 misses
    ASSETMAP_CODE=/path/to/other/tree .venv/bin/python bench/relevance.py   # measure another version's search

Why: issue 14 found that the search fails on the way people talk ("autism" vs "autistic", "grief" vs
"bereavement", "libary", "singing or gardening"). Each labelled query here is written as a practitioner
would type what a person said, at a point (next to a demo listing) with a radius, with the listings that
should come first, named by a pattern on listing names chosen by hand from the demo data.

Measures, over the top 5 of ``POST /api/search`` (the API's default order: "best match" where it exists,
nearest first before):

* **hit@5**: the share of queries with at least one wanted listing in the top 5;
* **precision@5**: wanted listings in the top 5 divided by min(5, R), where R is how many public wanted
  listings have a place within the radius (counted by plain SQL, not by the search), capped at 1: so a
  query with two wanted listings near by scores 1 when both are in the top 5.

Uses its own database (``assetmap_relevance`` in the private cluster, or --url), loaded with the shipped
boundaries, postcodes, libraries and demo assets (``assetmap onboard data``); never the demo or test
database. The search is called in-process through the app's test client, signed in as a practitioner (who
sees public and practitioners-only listings, and confidential ones by ward only), or with ``--public`` as a
visitor who is not signed in.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
CODE = Path(os.environ.get("ASSETMAP_CODE") or ROOT)
sys.path.insert(0, str(CODE))

MILE = 1609.344


@dataclass(frozen=True)
class Case:
    q: str
    #: the search point: next to this demo listing
    near: str
    miles: float
    #: a case-insensitive regular expression on the names of the listings that should come first
    want: str


# fmt: off
CASES = [
    # stems and prefixes
    Case("autism", "The Groves Quiet Board Games Night", 3, r"autis"),
    Case("autistic", "Autistic Adults' Social Evening, Huntington", 3, r"autis"),
    Case("dementia", "Forget-Me-Not Café, Clifton", 2, r"memory|forget-me-not|songs and smiles"),
    Case("volunteer", "Find Your Volunteering Role, Copmanthorpe", 3, r"volunteer"),
    Case("volunteering", "Volunteer Centre Drop-in, Rawcliffe", 2, r"volunteer"),
    Case("walks", "Heworth Health Walk", 2, r"walk|stroll"),
    Case("cyclist", "Cycle Confidence Sessions, Micklegate", 3, r"cycl|ride out"),
    Case("knit", "Dringhouses Knit and Natter", 2, r"knit|stitch|craft"),
    Case("singer", "Sing Out Bishopthorpe", 2, r"sing|choir|songs"),
    Case("carer", "Holgate Carers' Group", 2, r"carer"),
    Case("gardener", "Fishergate Growing Space", 3, r"garden|growing|orchard|allotment"),
    Case("bereaved", "Osbaldwick Time to Talk Bereavement Group", 3, r"bereave"),
    # synonyms, both ways
    Case("grief", "Osbaldwick Time to Talk Bereavement Group", 3, r"bereave"),
    Case("grief", "Bereavement Café, Glebe Farm", 3, r"bereave"),
    Case("bereavement", "Bereavement Café, Foxwood", 3, r"bereave"),
    Case("sign language", "Deaf Social Club (BSL), Bishopthorpe", 3, r"bsl|deaf"),
    Case("sign language", "Heartlands BSL Coffee and Chat", 3, r"bsl|deaf"),
    Case("bsl", "New Earswick BSL Coffee and Chat", 3, r"bsl|deaf"),
    Case("losing my sight", "Acomb Sight Loss Support Group", 2, r"sight|vision"),
    Case("blind", "Birchfield Sight Loss Support Group", 2, r"sight|vision"),
    Case("low vision", "Low Vision Social, Osbaldwick", 3, r"sight|vision"),
    Case("gardening", "Fishergate Growing Space", 3, r"garden|growing|orchard|allotment"),
    Case("gardening", "Stockton-on-the-Forest Growing Space", 3, r"garden|growing|orchard|allotment"),
    Case("allotment", "Poppleton Growing Space", 3, r"garden|growing|orchard|allotment"),
    Case("memory problems", "Forget-Me-Not Café, Clifton", 2, r"memory|forget-me-not|songs and smiles"),
    Case("memory problems", "Heartlands Memory Café", 2, r"memory|forget-me-not|songs and smiles"),
    Case("alzheimers", "Hull Road Memory Café", 3, r"memory|forget-me-not|songs and smiles"),
    Case("food bank", "Clifton Food Pantry", 2, r"pantry|larder|food club"),
    Case("food bank", "Alum Rock Food Pantry", 3, r"pantry|larder|food club"),
    Case("food bank", "Haxby Food Pantry", 3, r"pantry|larder|food club"),
    Case("lonely", "Home Visiting Befriending, Heworth", 2, r"befriend|friendship|friendly call|good neighbours|chatterbox|check-in"),
    Case("lonely", "Home Visiting Befriending, Edgbaston", 2, r"befriend|friendship|friendly call|good neighbours|chatterbox|check-in"),
    Case("loneliness", "Woodthorpe Friendship Lunch", 2, r"befriend|friendship|friendly call|good neighbours|chatterbox|check-in"),
    Case("choir", "Sing Out Holgate", 2, r"sing|choir|songs"),
    Case("singing", "Fishergate Community Choir", 2, r"sing|choir|songs"),
    Case("singing", "Heartlands Community Choir", 2, r"sing|choir|songs"),
    Case("keep fit", "Seated Exercise at St Catherine's Church Hall", 2, r"exercise|zumba|movers|tai chi|balance|sports"),
    Case("exercise", "Chair-Based Exercise, Micklegate", 2, r"exercise|zumba|movers|tai chi|balance|sports"),
    Case("dancing", "Friday Zumba Gold at Heslington", 3, r"zumba|dance|disco|club night"),
    Case("anxiety", "Open Minds Café, Woodthorpe", 5, r"anxiety|open minds|low mood|wellbeing café|men's talking"),
    Case("depression", "Bishopthorpe Wellbeing Café", 5, r"low mood|open minds|wellbeing café|anxiety|men's talking"),
    Case("debt", "Community Advice Hub, Acomb", 2, r"advice|benefits|citizens"),
    Case("benefits help", "Holgate Money and Benefits Advice Drop-in", 2, r"advice|benefits|citizens|pension"),
    Case("computer help", "Tech Tea Party, Clifton", 3, r"tech|digital|online drop-in|get online"),
    Case("internet", "Digital Buddies at Fulford Neighbourhood Centre", 2, r"tech|digital|online drop-in|get online"),
    Case("smartphone", "Get Online Drop-in, Edgbaston", 3, r"tech|digital|online drop-in|get online"),
    Case("job", "Work Ready Fishergate", 3, r"work|job|careers|employment"),
    Case("employment", "The Groves CV and Careers Drop-in", 3, r"work|job|careers|employment"),
    Case("church", "St Agnes's Church Hall", 2, r"church|parish"),
    Case("tai chi", "Tang Hall Tai Chi and Qigong", 3, r"tai chi|qigong|mahjong"),
    Case("qigong", "Tai Chi for Beginners, Bordesley", 3, r"tai chi|qigong"),
    Case("stroke", "Garretts Green Stroke Survivors' Group", 3, r"stroke"),
    Case("esol", "Conversation Café for New Arrivals, Heworth", 3, r"english|conversation café"),
    Case("learn english", "Osbaldwick English Conversation Club", 3, r"english|conversation café"),
    Case("woodwork", "Fishergate Men's Shed", 3, r"shed"),
    Case("books", "Shared Reading at St Mary's Parish Centre", 2, r"reading|librar"),
    Case("hoarding", "Hoarding Support Group (referral only), Hall Green", 3, r"hoarding"),
    Case("lunch", "Haxby Over-60s Lunch Club", 2, r"lunch|langar|open table|café"),
    Case("hot meal", "The Open Table, Clifton", 2, r"lunch|open table|pay-as-you-feel|langar"),
    Case("minibus", "Holgate Shopping Bus Trip", 3, r"bus|minibus|transport|car scheme"),
    Case("bike", "All-Ability Cycling, Bordesley Green", 3, r"cycl|ride out"),
    Case("learning disability", "Clifton Self-Advocacy Group", 3, r"self-advocacy|speaking up|learning disabilit|travel training|club night|disco"),
    Case("domestic violence", "Wednesday Domestic Abuse Recovery Group", 3, r"domestic abuse|women's safety"),
    Case("falls", "Heslington Falls Prevention Group", 3, r"falls|balance"),
    # spelling
    Case("libary", "Shared Reading at St Mary's Parish Centre", 2, r"librar|reading"),
    Case("demenita", "Forget-Me-Not Café, Clifton", 2, r"memory|forget-me-not|songs and smiles"),
    Case("bereavment", "Strensall Time to Talk Bereavement Group", 3, r"bereave"),
    Case("zumbba", "Zumba Gold class, Heworth", 3, r"zumba"),
    Case("gardning", "Alum Rock Community Garden", 3, r"garden|growing|orchard|allotment"),
    Case("voluntering", "Clifton Youth Volunteering and Work Hub", 3, r"volunteer"),
    Case("knitting grup", "Knit and Natter, Highgate", 3, r"knit|stitch|craft"),
    Case("dimentia cafe", "Memory Café at Bordesley Community Centre", 3, r"memory|forget-me-not|songs and smiles"),
    Case("singging", "Sing Out Garretts Green", 3, r"sing|choir|songs"),
    # several interests: any word, more matches first
    Case("singing or gardening", "Fishergate Community Choir", 3, r"sing|choir|songs|garden|growing|orchard|allotment"),
    Case("bowls or tai chi", "Tang Hall Tai Chi and Qigong", 3, r"tai chi|qigong|bowl|nature reserve|millennium green"),
    Case("walking and lunch", "Heworth Health Walk", 2, r"walk|stroll|lunch"),
    Case("knitting crochet sewing", "Dringhouses Knit and Natter", 3, r"knit|stitch|craft"),
    Case("memory singing", "Singing for Memory, Heworth", 3, r"singing for memory|songs and smiles|memory café"),
    Case("art or painting", "Paint and Chat at Acomb Neighbourhood Centre", 3, r"paint|art|creative"),
    Case("chat and cake", "Forget-Me-Not Café, Woodthorpe", 2, r"café|coffee|cuppa|tea"),
    # category, audience and what-matters names
    Case("carers support", "Wigginton Carers' Group", 3, r"carer"),
    Case("young adults", "Heworth Youth Volunteering and Work Hub", 3, r"youth|young|18–25|under 25|next steps|job club"),
    Case("green spaces", "Rufforth Recreation Ground", 3, r"park|green|recreation|playing fields|nature|garden|growing|walk"),
    Case("mental wellbeing", "Clifton Moor Creative Minds", 3, r"creative minds|wellbeing|open minds|art for|reading|men's shed|growing|tai chi|bereave|paint"),
    Case("older people lunch", "Osbaldwick Lunch Club", 2, r"lunch"),
    # wording people use about the whole thing
    Case("somewhere to talk after my wife died", "Strensall Time to Talk Bereavement Group", 3, r"bereave"),
    Case("help with bills", "Holgate Energy Bills Clinic", 2, r"energy|warm homes|advice|benefits"),
    Case("deaf", "Dringhouses Hearing Help Clinic", 3, r"hearing|deaf|bsl"),
    Case("hearing aids", "Billesley Hearing Help Clinic", 3, r"hearing"),
    Case("repair", "Bromford Repair Café", 3, r"repair"),
]
# fmt: on


def demo_points() -> dict[str, tuple[float, float]]:
    points = {}
    for name in ("community_assets_york.csv", "community_assets_birmingham.csv"):
        for r in csv.DictReader(open(ROOT / "data" / "demo" / name, encoding="utf-8")):
            if r["lat"] and r["lon"]:
                points.setdefault(r["name"], (float(r["lat"]), float(r["lon"])))
    return points


def database_url(args) -> str:
    if args.url:
        url = args.url
    else:
        from assetmap import embedded

        embedded.ensure_running(log=lambda *a: None)
        embedded.ensure_database(args.db)
        url = embedded.url(args.db)
    refuse_demo_or_test(url, "use")
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def prepare(url: str, reload: bool) -> None:
    """Migrate and load once; a loaded database is used as it is (so another version's code can be measured
    on the same data without migrating it)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    with engine.begin() as conn:
        loaded = inspect(conn).has_table("service")
        have = conn.execute(text("SELECT count(*) FROM service WHERE source = 'demo'")).scalar_one() if loaded else 0
    engine.dispose()
    if have and reload:
        raise SystemExit("--reload: drop the database first (it is only this benchmark's)")
    if have:
        print(f"Relevance database holds {have} demo listings")
        return
    from assetmap.cli import upgrade_database

    upgrade_database(url)
    print("Loading boundaries, postcodes, libraries and demo listings …", flush=True)
    env = {**os.environ, "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://", 1)}
    subprocess.run([str(Path(sys.executable).parent / "assetmap"), "onboard", str(ROOT / "data")], check=True, env=env)


def wanted_near(conn, case: Case, lat: float, lon: float) -> int:
    """How many public listings named like ``case.want`` have a place within the radius (plain SQL)."""
    from sqlalchemy import text

    return conn.execute(
        text(
            "SELECT count(DISTINCT s.id) FROM service s JOIN service_at_location sal ON sal.service_id = s.id "
            "JOIN location l ON l.id = sal.location_id WHERE s.visibility = 'public' AND s.status = 'active' "
            "AND s.archived_at IS NULL AND s.name ~* :want AND ST_DWithin(l.geom::geography, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r)"
        ),
        {"want": case.want, "lon": lon, "lat": lat, "r": case.miles * MILE},
    ).scalar_one()


BENCH_USER = "relevance-bench@example.invalid"
BENCH_PASSWORD = "relevance bench only, never a real account"


def sign_in(app, client) -> None:
    """Sign in as this benchmark's practitioner (made once in this benchmark's database)."""
    from sqlalchemy import text

    with app.app_context():
        from assetmap.accounts.store import create_user
        from assetmap.db import session

        if not session.execute(text("SELECT 1 FROM app_user WHERE email = :e"), {"e": BENCH_USER}).first():
            create_user(BENCH_USER, "practitioner", BENCH_PASSWORD, wards=[], constituencies=[])
            session.commit()
    resp = client.post("/sign-in", data={"email": BENCH_USER, "password": BENCH_PASSWORD})
    if resp.status_code not in (302, 303):
        raise SystemExit(f"could not sign in: {resp.status_code}")


def main(argv=None) -> int:
    import re

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="assetmap_relevance", help="database name in the private cluster")
    ap.add_argument("--url", help="or a full database URL (never the demo or test database)")
    ap.add_argument("--reload", action="store_true")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--public", action="store_true", help="search as a visitor who is not signed in")
    args = ap.parse_args(argv)
    assert len(CASES) >= 80, len(CASES)

    url = database_url(args)
    prepare(url, args.reload)
    from sqlalchemy import create_engine

    from assetmap import create_app, logs

    app = create_app({"SQLALCHEMY_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    logs.configure_logging(stream=open(os.devnull, "w"))
    points = demo_points()
    engine = create_engine(url)
    client = app.test_client()
    if not args.public:
        sign_in(app, client)
    hits = precision = 0.0
    misses = []
    print(f"Code measured: {CODE}")
    with engine.connect() as conn:
        for case in CASES:
            lat, lon = points[case.near]
            body = {"lat": lat, "lon": lon, "radius_m": case.miles * MILE, "q": case.q, "per_page": 5}
            resp = client.post("/api/search", json=body)
            if resp.status_code != 200:
                raise SystemExit(f"{case.q!r}: {resp.status_code} {resp.get_data(as_text=True)[:200]}")
            top = [f["properties"]["name"] for f in resp.get_json()["features"]][:5]
            good = [n for n in top if re.search(case.want, n, re.I)]
            r = wanted_near(conn, case, lat, lon)
            hits += bool(good)
            precision += min(1.0, len(good) / max(1, min(5, r)))
            if not good or len(good) < min(5, r):
                misses.append((case, top, len(good), r))
    engine.dispose()
    n = len(CASES)
    print(f"{n} labelled queries: hit@5 {hits / n:.3f} ({hits:.0f}/{n}); precision@5 {precision / n:.3f}")
    if args.show_misses:
        for case, top, good, r in misses:
            print(f"  {case.q!r} near {case.near} ({case.miles:g} mi): {good}/{min(5, r)} wanted; top: {top}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
