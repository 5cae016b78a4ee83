"""Precision and recall of the likely-duplicate finder, and its time per record at 10,000 listings.

    flock /work/wt/bench.lock .venv/bin/python bench/duplicates.py            # ~2 min
    flock /work/wt/bench.lock .venv/bin/python bench/duplicates.py --seed 3   # another labelled set

What it does, in a SEPARATE database (``assetmap_bench_dupes`` in the private cluster, or --url), emptied
of listings at the start of each run:

1. Loads the repository's listings (``data/demo``: 650 listings for Birmingham and York, illustrative but
   written like real ones) plus synthetic listings up to ``--listings`` (default 10,000), made by putting
   those listings' activities in other places round English towns with fresh contacts: a directory whose
   names share the real listings' words ("Lunch Club", "Walking Group"), so the name index has real
   competition.
2. Builds a labelled set of new listings (``--pairs`` of each kind, seeded):
   * **duplicates**: a held listing typed again by someone else, each with a random mix of a typo, words
     dropped, added or reordered, "&"/"and", the pin moved 0–400 m (or no pin: a postcode-less or online
     entry), the phone in another format (+44, no spaces) or left out, the email's case changed or left out,
     the web address without https/www or left out, the description cut short, reworded or left out;
   * **look-alikes that are not duplicates**, four kinds: another group in the same building (an activity
     "at" the building, its own description and contacts, within 30 m); a sibling group of the same organisation (same phone, email, website and
     charity number, another activity, often the same place); the same kind of group in another
     neighbourhood (the name with its place word changed, 2–10 km away); and the same name far away
     (a chain, 5–50 km).
3. Runs the finder as the product does (``directory.duplicates.find``, all the new listings in batches as
   an import does, as an admin sees them) and counts: a match of a duplicate to its original is a true
   positive; any other match is a false positive; a duplicate whose original is not matched is a miss.
   Reports precision and recall overall and by kind, at the threshold and at others (so the threshold's
   choice can be checked), and examples of each error.
4. Times the finder per record (batched, and one at a time as the form does) against the bare candidate
   statement alone, and prints its EXPLAIN (ANALYZE) to show every way is an index look-up.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO = [
    ROOT / "data" / "demo" / "community_assets_birmingham.csv",
    ROOT / "data" / "demo" / "community_assets_york.csv",
]
SOURCE = "dupbench"
TOWNS = [
    ("Birmingham", 52.486, -1.890, 0.12),
    ("York", 53.960, -1.082, 0.05),
    ("Leeds", 53.800, -1.549, 0.10),
    ("Manchester", 53.480, -2.242, 0.10),
    ("Sheffield", 53.381, -1.470, 0.08),
    ("Bristol", 51.455, -2.588, 0.08),
    ("Coventry", 52.407, -1.512, 0.06),
    ("Leicester", 52.637, -1.140, 0.06),
    ("Nottingham", 52.954, -1.158, 0.06),
    ("Wolverhampton", 52.587, -2.129, 0.05),
]
PLACES = [
    "Aston",
    "Handsworth",
    "Erdington",
    "Moseley",
    "Kings Heath",
    "Hall Green",
    "Yardley",
    "Selly Oak",
    "Harborne",
    "Edgbaston",
    "Northfield",
    "Longbridge",
    "Sparkhill",
    "Small Heath",
    "Bordesley",
    "Perry Barr",
    "Kingstanding",
    "Sutton",
    "Acomb",
    "Clifton",
    "Heworth",
    "Fulford",
    "Haxby",
    "Dringhouses",
    "Tang Hall",
    "Osbaldwick",
    "Chapeltown",
    "Headingley",
    "Armley",
    "Hyde Park",
    "Moss Side",
    "Chorlton",
    "Didsbury",
    "Levenshulme",
    "Walkley",
    "Hillsborough",
    "Firth Park",
    "Easton",
    "Bedminster",
    "Southmead",
    "Foleshill",
    "Tile Hill",
    "Belgrave",
    "Braunstone",
    "Sneinton",
    "Bulwell",
    "Whitmore Reans",
    "Low Hill",
    "Castle Vale",
    "Ward End",
]
ACTIVITIES = [
    "Lunch Club",
    "Walking Group",
    "Knit and Natter",
    "Chess Club",
    "Carers' Café",
    "Food Bank",
    "Youth Club",
    "Tai Chi",
    "Men's Shed",
    "Community Garden",
    "Coffee Morning",
    "Dementia Café",
    "Parent and Toddler Group",
    "Bereavement Support Group",
    "Singing for the Brain",
    "Repair Café",
    "Conversation Club",
    "Art Group",
    "Walking Football",
    "Befriending Service",
    "Chair Yoga",
    "Memory Café",
    "Warm Space",
    "Book Club",
]
HOLD_FIELDS = ("name", "description", "email", "phone", "url", "charity_number", "categories")


# --------------------------------------------------------------------------- database


def bench_url(name: str) -> str:
    from assetmap import embedded

    embedded.ensure_running(log=lambda *a: None)
    embedded.ensure_database(name)
    return embedded.url(name)


def metres_to_deg(lat: float, north_m: float, east_m: float) -> tuple[float, float]:
    import math

    return north_m / 111_320.0, east_m / (111_320.0 * math.cos(math.radians(lat)))


def moved(lon: float, lat: float, rng: random.Random, low_m: float, high_m: float) -> tuple[float, float]:
    import math

    d, bearing = rng.uniform(low_m, high_m), rng.uniform(0, 2 * math.pi)
    dlat, dlon = metres_to_deg(lat, d * math.cos(bearing), d * math.sin(bearing))
    return lon + dlon, lat + dlat


def read_demo() -> list[dict]:
    rows = []
    for path in DEMO:
        with path.open(newline="", encoding="utf-8") as f:
            rows.extend(csv.DictReader(f))
    for r in rows:
        r["lat"], r["lon"] = (float(r["lat"]), float(r["lon"])) if r["lat"] and r["lon"] else (None, None)
        r["categories"] = [c for c in r["categories"].split(";") if c]
    return rows


def fresh_phone(rng: random.Random) -> str:
    return f"0{rng.choice(['121', '113', '114', '115', '116', '117', '161', '1904', '24'])} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"


def synthetic(rng: random.Random, demo: list[dict], n: int) -> list[dict]:
    """Listings round English towns made from the demo's activities and words, with fresh contacts."""
    out = []
    weights = [t[3] for t in TOWNS]
    for i in range(n):
        town, lat0, lon0, _ = rng.choices(TOWNS, weights)[0]
        lon, lat = moved(lon0, lat0, rng, 0, 7000)
        base = rng.choice(demo)
        kind = rng.random()
        if kind < 0.5:
            name = f"{rng.choice(PLACES)} {rng.choice(ACTIVITIES)}"
        elif kind < 0.8:
            name = f"{rng.choice(ACTIVITIES)} at {rng.choice(['St', 'Holy Trinity', 'the', 'Christ Church'])} {rng.choice(PLACES)}"
        else:  # a demo listing's name with its place word swapped
            words = base["name"].split()
            name = (
                " ".join([rng.choice(PLACES), *words[1:]]) if len(words) > 1 else f"{rng.choice(PLACES)} {base['name']}"
            )
        slug = re.sub(r"[^a-z]+", "", name.lower())[:14] + str(i)
        out.append(
            {
                "name": name,
                "description": base["description"] if rng.random() < 0.3 else rng.choice(demo)["description"],
                "lat": lat,
                "lon": lon,
                "phone": fresh_phone(rng) if rng.random() < 0.8 else "",
                "email": f"hello@{slug}.example.org" if rng.random() < 0.7 else "",
                "url": f"https://{slug}.example.org/" if rng.random() < 0.5 else "",
                "charity_number": str(rng.randint(1000000, 1199999)) if rng.random() < 0.2 else "",
                "categories": base["categories"],
            }
        )
    return out


def load(url: str, listings: list[dict]) -> list[uuid.UUID]:
    """Every listing by plain INSERTs (the bench measures finding, not adding); returns their ids."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    ids = [uuid.uuid4() for _ in listings]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM not_duplicate"))
        conn.execute(text("DELETE FROM service"))
        conn.execute(text("DELETE FROM location WHERE id NOT IN (SELECT location_id FROM service_at_location)"))
        terms = dict(
            conn.execute(
                text(
                    "SELECT t.code, t.id FROM taxonomy_term t JOIN taxonomy x ON x.id = t.taxonomy_id "
                    "WHERE x.code = 'category'"
                )
            ).all()
        )
        services, locations, links, phones, attrs = [], [], [], [], []
        for sid, r in zip(ids, listings):
            services.append(
                {
                    "id": sid,
                    "name": r["name"],
                    "description": r["description"] or "",
                    "email": r["email"] or None,
                    "url": r["url"] or None,
                    "charity": r["charity_number"] or None,
                    "source": SOURCE,
                }
            )
            if r["lat"] is not None:
                lid = uuid.uuid4()
                locations.append({"id": lid, "lon": r["lon"], "lat": r["lat"]})
                links.append({"s": sid, "l": lid})
            if r["phone"]:
                phones.append({"s": sid, "n": r["phone"]})
            attrs.extend({"s": sid, "t": terms[c]} for c in r["categories"] if c in terms)
        conn.execute(
            text(
                "INSERT INTO service (id, name, description, status, modes, visibility, illustrative, version, email, "
                "url, charity_number, source) VALUES (:id, :name, :description, 'active', ARRAY['in_person'], "
                "'public', true, 1, :email, :url, :charity, :source)"
            ),
            services,
        )
        conn.execute(
            text(
                "INSERT INTO location (id, location_type, geom) VALUES (:id, 'physical', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            locations,
        )
        conn.execute(text("INSERT INTO service_at_location (service_id, location_id) VALUES (:s, :l)"), links)
        conn.execute(text("INSERT INTO phone (service_id, number) VALUES (:s, :n)"), phones)
        conn.execute(text("INSERT INTO attribute (service_id, taxonomy_term_id) VALUES (:s, :t)"), attrs)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return ids


# --------------------------------------------------------------------------- the labelled set


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(["swap", "drop", "double", "replace"])
    if how == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstln") + word[i + 1 :]


def retyped_name(name: str, rng: random.Random) -> str:
    words = name.split()
    changes = rng.sample(["typo", "drop", "add", "order", "case", "and"], k=rng.choice([1, 1, 2, 2, 3]))
    for c in changes:
        if c == "typo":
            i = max(range(len(words)), key=lambda k: len(words[k]) + rng.random())
            words[i] = typo(words[i], rng)
        elif c == "drop" and len(words) > 2:
            words.pop(rng.randrange(len(words)))
        elif c == "add":
            words.append(rng.choice(["Group", "Club", "(weekly)", "Session", "CIC", "Project"]))
        elif c == "order" and len(words) > 2:
            k = rng.randrange(1, len(words))
            words = words[k:] + words[:k]
        elif c == "case":
            words = [w.lower() if rng.random() < 0.5 else w.upper() for w in words]
        elif c == "and":
            words = ["and" if w == "&" else "&" if w.lower() == "and" else w for w in words]
    return " ".join(words)


def new_phone_format(phone: str, rng: random.Random) -> str:
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return ""
    return rng.choice([f"+44 {digits[1:4]} {digits[4:]}", digits, f"+44 (0){digits[1:]}", f"{digits[:5]} {digits[5:]}"])


def retyped(held: dict, rng: random.Random) -> dict:
    r = {k: held[k] for k in HOLD_FIELDS}
    r["name"] = retyped_name(held["name"], rng)
    pin = rng.random()
    if held["lat"] is None or pin < 0.1:
        r["lon"], r["lat"] = None, None
    else:
        r["lon"], r["lat"] = moved(held["lon"], held["lat"], rng, 0, 400 if pin < 0.9 else 150)
    r["phone"] = (
        new_phone_format(held["phone"], rng)
        if held["phone"] and rng.random() < 0.7
        else (held["phone"] if rng.random() < 0.3 else "")
    )
    r["email"] = (
        (held["email"].upper() if rng.random() < 0.3 else held["email"]) if held["email"] and rng.random() < 0.6 else ""
    )
    url = held["url"]
    r["url"] = (
        re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
        if url and rng.random() < 0.5
        else ("" if rng.random() < 0.5 else url)
    )
    r["charity_number"] = held["charity_number"] if rng.random() < 0.5 else ""
    d = rng.random()
    if d < 0.3:
        r["description"] = ""
    elif d < 0.6:
        r["description"] = held["description"].split(". ")[0]
    elif d < 0.8:
        sentences = held["description"].split(". ")
        rng.shuffle(sentences)
        r["description"] = ". ".join(sentences)
    if rng.random() < 0.3:
        r["categories"] = held["categories"][:1]
    return r


def look_alike(kind: str, held: dict, demo: list[dict], rng: random.Random) -> dict:
    other = rng.choice([d for d in demo if d["name"] != held["name"]])
    r = {
        "name": other["name"],
        "description": other["description"],
        "lon": held["lon"],
        "lat": held["lat"],
        "phone": fresh_phone(rng),
        "email": f"info@{uuid.uuid4().hex[:8]}.example.org",
        "url": "",
        "charity_number": "",
        "categories": other["categories"],
    }
    if kind == "same building":  # a group of its own (a name and description no listing has) at the same place
        activity = rng.choice(ACTIVITIES)
        building = (held.get("address") or "").split(",")[0] or held["name"].split()[0]
        r["name"] = f"{activity} at {building}"
        r["description"] = f"A weekly {activity.lower()} session at {building}. Everyone welcome, no need to book."
        r["lon"], r["lat"] = moved(held["lon"], held["lat"], rng, 0, 30)
    elif kind == "sibling":
        activity = rng.choice(ACTIVITIES)
        place = held["name"].split()[0]
        r.update(
            name=f"{place} {activity}",
            phone=held["phone"],
            email=held["email"],
            url=held["url"],
            charity_number=held["charity_number"],
        )
        if held["lat"] is not None and rng.random() < 0.5:
            r["lon"], r["lat"] = moved(held["lon"], held["lat"], rng, 0, 50)
    elif kind == "same kind elsewhere":
        words = held["name"].split()
        r.update(
            name=" ".join([rng.choice(PLACES), *words[1:]])
            if len(words) > 1
            else f"{rng.choice(PLACES)} {held['name']}"
        )
        r["description"] = held["description"] if rng.random() < 0.3 else other["description"]
        r["categories"] = held["categories"]
        r["lon"], r["lat"] = moved(held["lon"], held["lat"], rng, 2000, 10000)
    elif kind == "same name far away":
        r.update(name=held["name"], categories=held["categories"])
        r["lon"], r["lat"] = moved(held["lon"], held["lat"], rng, 5000, 50000)
    return r


NOT_DUPLICATE_KINDS = ("same building", "sibling", "same kind elsewhere", "same name far away")


# --------------------------------------------------------------------------- measuring


def as_probe(r: dict):
    from assetmap.directory.duplicates import Probe

    return Probe(
        name=r["name"],
        description=r["description"] or "",
        lon=r["lon"],
        lat=r["lat"],
        phone=r["phone"] or None,
        email=r["email"] or None,
        url=r["url"] or None,
        charity=r["charity_number"] or None,
        categories=frozenset(r["categories"]),
    )


def evaluate(cases, found, threshold: float) -> dict:
    """cases: (kind, original id or None); found: each case's [(id, score)] at any score."""
    tp = fp = fn = 0
    by_kind: dict[str, list[int]] = {}
    for (kind, original), matches in zip(cases, found):
        hits = [sid for sid, score in matches if score.total >= threshold]
        k = by_kind.setdefault(kind, [0, 0, 0])  # tp, fp, fn
        if original is not None:
            if original in hits:
                tp, k[0] = tp + 1, k[0] + 1
            else:
                fn, k[2] = fn + 1, k[2] + 1
        wrong = len([h for h in hits if h != original])
        fp, k[1] = fp + wrong, k[1] + wrong
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "by_kind": by_kind}


def labelled_set(rng: random.Random, demo: list[dict], ids: list[uuid.UUID], pairs: int):
    cases, probes = [], []
    for held_i in rng.sample(range(len(demo)), min(pairs, len(demo))):
        cases.append(("duplicate", ids[held_i]))
        probes.append(retyped(demo[held_i], rng))
    per_kind = pairs // len(NOT_DUPLICATE_KINDS)
    placed = [d for d in demo if d["lat"] is not None]  # a look-alike by place needs a place to be away from
    for kind in NOT_DUPLICATE_KINDS:
        for _ in range(per_kind):
            cases.append((kind, None))
            probes.append(look_alike(kind, rng.choice(placed if kind != "sibling" else demo), demo, rng))
    return cases, probes


def find_all(admin, probes, cases, dump: str | None):
    """Every candidate of every probe with its score (the threshold lowered so nothing is dropped)."""
    from assetmap.directory import duplicates, matching

    keep, compared = matching.THRESHOLD, []
    real_compare = duplicates.compare

    def recording(a, b):
        compared.append((a, b))
        return real_compare(a, b)

    matching.THRESHOLD = -1e9
    duplicates.compare = recording
    try:
        t0 = time.perf_counter()
        found_all = duplicates.find(admin, [as_probe(p) for p in probes], limit=None)
        seconds = time.perf_counter() - t0
    finally:
        matching.THRESHOLD = keep
        duplicates.compare = real_compare
    if dump:
        import pickle

        key = {(p["name"], p["lon"], p["lat"]): i for i, p in enumerate(probes)}
        labelled = [(cases[key[(a.name, *(a.point or (None, None)))]], a, b) for a, b in compared]
        Path(dump).write_bytes(pickle.dumps(labelled))
    return [[(m.other.id, m.score) for m in ms] for ms in found_all], seconds


def report_quality(cases, probes, found, names, threshold: float) -> None:
    res = evaluate(cases, found, threshold)
    print(f"\nAt the threshold {threshold}:")
    print(
        f"  precision {res['precision']:.3f}  recall {res['recall']:.3f}  "
        f"(true {res['tp']}, false {res['fp']}, missed {res['fn']})"
    )
    for kind, (tp, fp, fn) in res["by_kind"].items():
        if kind == "duplicate":  # the demo holds a few listings of one organisation alike in all but place
            print(f"    {kind:22} found {tp} of {tp + fn}; {fp} matches to another held listing (counted false)")
        else:
            print(f"    {kind:22} {fp} false match{'es' if fp != 1 else ''}")
    print("\n  Threshold sweep: threshold precision recall")
    for t in (2.0, 3.0, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 8.0):
        r = evaluate(cases, found, t)
        print(f"    {t:4.1f}  {r['precision']:.3f}  {r['recall']:.3f}{'   <- chosen' if t == threshold else ''}")
    print("\n  Examples of errors at the threshold:")
    shown = {"missed": 0, "false": 0}
    for (kind, original), p, matches in zip(cases, probes, found):
        hits = {sid: s for sid, s in matches if s.total >= threshold}
        if original is not None and original not in hits and shown["missed"] < 8:
            shown["missed"] += 1
            score = dict(matches).get(original)
            why = "; ".join(r.says for r in score.reasons) if score else "not a candidate"
            print(f"    missed: {p['name']!r} ~ {names[original]!r} ({score.total if score else '-'}: {why})")
        for sid, s in hits.items():
            if sid != original and shown["false"] < 12:
                shown["false"] += 1
                why = "; ".join(r.says for r in s.reasons)
                print(f"    false ({kind}): {p['name']!r} ~ {names[sid]!r} ({s.total:.1f}: {why})")


def _pct(values, q):
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def report_timing(admin, probes, n_listings: int) -> None:
    """Per record: batched as an import does, one at a time as the form does, and the bare candidate statement."""
    from assetmap.db import session
    from assetmap.directory import duplicates

    sample = [as_probe(p) for p in probes]
    t0 = time.perf_counter()
    duplicates.find(admin, sample)
    batched = time.perf_counter() - t0
    singles = []
    for pr in sample[:200]:
        t0 = time.perf_counter()
        duplicates.find(admin, [pr])
        singles.append(time.perf_counter() - t0)
    conn = session.connection()
    compiled = duplicates.candidates_statement().compile(bind=conn)
    bare_batch = 0.0
    for start in range(0, len(sample), duplicates.BATCH):
        params = compiled.construct_params(duplicates.probe_params(sample[start : start + duplicates.BATCH]))
        t0 = time.perf_counter()
        conn.exec_driver_sql(str(compiled), params).all()
        bare_batch += time.perf_counter() - t0
    bare_single = []
    for pr in sample[:200]:
        params = compiled.construct_params(duplicates.probe_params([pr]))
        t0 = time.perf_counter()
        conn.exec_driver_sql(str(compiled), params).all()
        bare_single.append(time.perf_counter() - t0)
    n = len(sample)
    print(f"\nTime per record at {n_listings:,} listings ({n} records):")
    print(
        f"  batched as an import does ({duplicates.BATCH} a statement): finder {1000 * batched / n:.2f} ms, "
        f"bare candidate statement {1000 * bare_batch / n:.2f} ms"
    )
    print(
        f"  one at a time as the form does ({len(singles)} records): finder median "
        f"{1000 * statistics.median(singles):.1f} ms, p95 {1000 * _pct(singles, 0.95):.1f} ms; bare candidate "
        f"statement median {1000 * statistics.median(bare_single):.1f} ms, p95 {1000 * _pct(bare_single, 0.95):.1f} ms"
    )
    params = compiled.construct_params(duplicates.probe_params(sample[:1]))
    plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + str(compiled), params).all()]
    print("\nEXPLAIN ANALYZE of the candidate statement for one record:")
    for line in plan:
        print("  " + line)
    session.rollback()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="assetmap_bench_dupes", help="database name in the private cluster")
    ap.add_argument("--url", help="or a full database URL (never the demo or test database)")
    ap.add_argument("--listings", type=int, default=10_000)
    ap.add_argument("--pairs", type=int, default=300, help="duplicates, and look-alikes, in the labelled set")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dump", help="also write every scored pair (pickle) to this file, to study the weights")
    args = ap.parse_args(argv)

    url = args.url or bench_url(args.db)
    refuse_demo_or_test(url)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url

    from assetmap.cli import upgrade_database

    upgrade_database(url)
    rng = random.Random(args.seed)
    demo = read_demo()
    listings = demo + synthetic(rng, demo, max(0, args.listings - len(demo)))
    started = time.perf_counter()
    ids = load(url, listings)
    print(f"Loaded {len(listings):,} listings ({len(demo)} from data/demo) in {time.perf_counter() - started:.1f} s")
    cases, probes = labelled_set(rng, demo, ids, args.pairs)
    print(
        f"Labelled set (seed {args.seed}): {sum(1 for c in cases if c[1])} duplicates, "
        f"{sum(1 for c in cases if not c[1])} look-alikes that are not "
        f"({args.pairs // len(NOT_DUPLICATE_KINDS)} of each kind: {', '.join(NOT_DUPLICATE_KINDS)})"
    )

    from assetmap import create_app
    from assetmap.directory import matching
    from assetmap.directory.duplicates import Viewer

    app = create_app({"SQLALCHEMY_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    admin = Viewer("admin", None)
    with app.app_context():
        found, _ = find_all(admin, probes, cases, args.dump)
        names = {sid: listings[i]["name"] for i, sid in enumerate(ids)}
        report_quality(cases, probes, found, names, matching.THRESHOLD)
        report_timing(admin, probes, len(listings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
