#!/usr/bin/env python3
"""Generate ILLUSTRATIVE (fictional) community assets for York and Birmingham.

Every group, organisation, person, address line, e-mail address, phone number
and web address written by this script is invented for demonstration. Only the
postcodes and their latitude/longitude are real: they are Code-Point Open
postcode centroids from data/postcodes, chosen so that each in-person asset
sits in the ward it is assigned to.

What goes in is data, not code: data/demo/templates.json holds the kinds of asset
(names, descriptions, schedules, costs, organisers), the invented place and
person names and each city's settings. The closed lists (days, delivery modes,
accessibility features, visibility, verification methods) come from
assetmap/vocabulary.py, the columns from the asset template
(assetmap/directory/records.py) and the taxonomy codes from the terms migration
0002 seeds; loading the templates refuses any code the app would refuse.

Usage (from the repository root, in the project's environment):

    .venv/bin/python scripts/make_demo_assets.py [--data data] [--out data/demo]

The output is deterministic: the same inputs and seed give byte-identical CSV
files, and tests/test_demo_data.py checks that regenerating reproduces the
shipped ones exactly.
"""

import argparse
import csv
import datetime
import importlib.util
import json
import os
import random
import re
import sys
from pathlib import Path

from assetmap import vocabulary
from assetmap.directory.records import TEMPLATE_FIELDS

REPO = Path(__file__).resolve().parent.parent
TEMPLATES_FILE = REPO / "data" / "demo" / "templates.json"
#: a template whose assets have no place (online or by phone, for whole wards)
REMOTE = None


def seeded_terms():
    """The term codes migration 0002 seeds, by taxonomy and in its order: the demo data uses only these."""
    spec = importlib.util.spec_from_file_location("seed_taxonomy", REPO / "migrations/versions/0002_seed_taxonomy.py")
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    return {code: [term[0] for term in terms] for code, _, _, terms in seed.TAXONOMIES}


def _slot(text):
    """'10:00-12:00' -> ('10:00', '12:00')."""
    opens, closes = text.split("-")
    return opens, closes


def _days(spec, patterns):
    """Day weights: a pattern's name, a pattern with some days changed ({"like": name, "sun": 0.4}), or all given."""
    if isinstance(spec, str):
        return dict(patterns[spec])
    if "like" in spec:
        return {**patterns[spec["like"]], **{k: v for k, v in spec.items() if k != "like"}}
    return dict(spec)


def _schedule(spec, patterns):
    kind = spec["kind"]
    if kind == "group":
        return ("group", [_slot(t) for t in spec["times"]], _days(spec["days"], patterns), spec["sessions"])
    if kind == "hours":
        return ("hours", [_slot(t) for t in spec["hours"]], spec["patterns"])
    if kind == "maybe_none":
        return ("maybe_none", spec["chance"], _schedule(spec["otherwise"], patterns))
    if kind in ("park", "none"):
        return (kind,)
    raise ValueError(spec)


def _cost(spec, free_descriptions):
    kind = spec["kind"]
    if kind == "free":
        return ("free", spec.get("descriptions", free_descriptions))
    if kind == "paid":
        return ("paid", spec["prices"], spec["descriptions"])
    if kind == "mix":
        return ("mix", spec["free_chance"], spec["prices"], spec["descriptions"])
    raise ValueError(spec)


def template(raw, data):
    """One kind of asset, from its entry in templates.json, in the shape CityBuilder reads."""
    return dict(
        key=raw["key"],
        names=raw["names"],
        descs=raw["descriptions"],
        cats=raw["categories"],
        auds=raw["audiences"],
        caps=raw["capabilities"],
        atype=raw["asset_types"],
        venue=raw["venues"],
        sched=_schedule(raw["schedule"], data["day_patterns"]),
        cost=_cost(raw["cost"], data["free_descriptions"]),
        org=raw["organisations"],
        w=raw.get("weight", 1.0),
        mins=raw.get("minimum", 1),
        modes=raw.get("modes", [["in_person"]]),
        extra=raw.get("extra_access", []),
        vis=raw.get("visibility", "public"),
        cities=raw.get("cities", list(data["cities"])),
        frac=raw.get("fraction"),
        is_venue=raw.get("is_venue", False),
    )


def unknown_codes(templates, data, terms):
    """Every code in the templates that the vocabulary or the seeded taxonomy does not have, as messages."""
    lists = {
        "categories": terms["category"],
        "audiences": terms["audience"],
        "capabilities": terms["capability"],
        "asset types": terms["asset_type"],
        "modes": vocabulary.MODES.codes,
        "accessibility": vocabulary.ACCESSIBILITY.codes,
        "visibility": vocabulary.VISIBILITY.codes,
    }
    out = []
    for t in templates:
        used = {
            "categories": t["cats"],
            "audiences": [c for option in t["auds"] for c in option],
            "capabilities": [c for option in t["caps"] for c in option],
            "asset types": t["atype"],
            "modes": [c for option in t["modes"] for c in option],
            "accessibility": t["extra"],
            "visibility": [t["vis"]],
        }
        out += [
            f"{t['key']}: unknown {name} {c!r}" for name, codes in used.items() for c in codes if c not in lists[name]
        ]
    days = [d.short for d in vocabulary.DAYS]
    out += [f"day pattern {n}: unknown day {d!r}" for n, p in data["day_patterns"].items() for d in p if d not in days]
    out += [
        f"unknown verification method {m!r}"
        for m in data["verification_weights"]
        if m not in vocabulary.VERIFICATION_METHODS
    ]
    return out


DATA = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
TERMS = seeded_terms()
CATEGORIES, AUDIENCES, CAPABILITIES = TERMS["category"], TERMS["audience"], TERMS["capability"]
COLUMNS = TEMPLATE_FIELDS
ACCESS = vocabulary.ACCESSIBILITY.codes
DAYS = [d.short for d in vocabulary.DAYS]
DAY_NAMES = {d.short: d.label for d in vocabulary.DAYS}
SEED = DATA["seed"]
# Minimum number of uses of every code per city.
MIN_CAT, MIN_AUD, MIN_CAP = (DATA["minimum_uses"][k] for k in ("category", "audience", "capability"))
CITIES = DATA["cities"]
LOCALITIES = DATA["localities"]
RURAL_WARDS = set(DATA["rural_wards"])
STREETS, SAINTS, CAFE_ADJ = DATA["streets"], DATA["saints"], DATA["cafe_adjectives"]
FIRST_NAMES, SURNAMES = DATA["first_names"], DATA["surnames"]
# City-wide fictional organisations: key -> (Birmingham, York) [name, domain].
CITY_ORGS = DATA["city_organisations"]
VENUE_NAMES, STEMS, PARKING = DATA["venue_names"], DATA["venue_stems"], DATA["parking"]
FREE_DESCS = DATA["free_descriptions"]
VERIFICATION_WEIGHTS = DATA["verification_weights"]
TEMPLATES = [template(raw, DATA) for raw in DATA["templates"]]
TEMPLATE_BY_KEY = {t["key"]: t for t in TEMPLATES}


# ---------------------------------------------------------------------------
def slugify(text):
    text = text.lower().replace("'", "").replace("’", "").replace("&", "and")
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return text.strip("-")


def short_slug(text, maxlen=32):
    """Slug cut at a word boundary, for fictional domain names."""
    out = ""
    for part in slugify(text).split("-"):
        cand = part if not out else out + "-" + part
        if len(cand) > maxlen and out:
            break
        out = cand
    return out


def fmt_price(p):
    return str(int(p)) if float(p) == int(p) else "%.2f" % p


def weighted_choice(rng, weights):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def rand_date(rng, start, end):
    a, b = start.toordinal(), end.toordinal()
    return datetime.date.fromordinal(rng.randint(a, b)).isoformat()


# ---------------------------------------------------------------------------
def load_inputs(folder):
    pc_path = os.path.join(folder, "postcodes", "codepoint_open_postcodes_birmingham_york.csv")
    postcodes = {}
    with open(pc_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            postcodes.setdefault(row["ward_code"], []).append(row)
    wards = {}
    for city in CITIES:
        path = os.path.join(folder, "boundaries", "wards_2024_%s.geojson" % city)
        with open(path, encoding="utf-8") as f:
            gj = json.load(f)
        lst = []
        for feat in gj["features"]:
            p = feat["properties"]
            assert p["LAD24CD"] == CITIES[city]["lad"], p
            lst.append({"code": p["WD24CD"], "name": p["WD24NM"]})
        lst.sort(key=lambda w: w["code"])
        wards[city] = lst
    return postcodes, wards


class CityBuilder:
    def __init__(self, city, wards, postcodes, plan, seed):
        self.city = city
        self.cfg = CITIES[city]
        self.label = self.cfg["label"]
        self.rng = random.Random("%s-%s" % (seed, city))
        self.wards = wards
        self.ward_by_code = {w["code"]: w for w in wards}
        self.plan = plan
        # Candidate postcodes per ward: prefer positional quality 10.
        self.pcs = {}
        for w in wards:
            rows = postcodes.get(w["code"], [])
            rows = [r for r in rows if r["lad_code"] == self.cfg["lad"]]
            best = sorted([r for r in rows if r["positional_quality"] == "10"], key=lambda r: r["postcode"])
            self.pcs[w["code"]] = best or sorted(rows, key=lambda r: r["postcode"])
        self.used_pcs = set()
        # Ward centroids (mean of postcode centroids) for remote service areas.
        self.centroid = {}
        for w in wards:
            rows = self.pcs[w["code"]]
            self.centroid[w["code"]] = (
                sum(float(r["latitude"]) for r in rows) / len(rows),
                sum(float(r["longitude"]) for r in rows) / len(rows),
            )
        self.ward_info = {}
        for w in wards:
            self.ward_info[w["code"]] = {
                "locs": LOCALITIES.get(w["name"], [w["name"]]),
                "saint": None,
                "trust": None,
                "venues": {},
                "rural": w["name"] in RURAL_WARDS,
            }
        self.orgs = {}
        phones = list(range(1000))
        self.rng.shuffle(phones)
        self.phone_pool = phones
        self.names_used = set()

    # -- contacts --------------------------------------------------------
    def new_phone(self):
        n = self.phone_pool.pop()
        if self.city == "birmingham":
            return "0121 496 %04d" % n
        if n % 2 == 0:
            return "0113 496 %04d" % n
        return "020 7946 %04d" % n

    def person(self):
        return "%s %s" % (self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES))

    def org(self, name, domain, ncontacts=1):
        if name not in self.orgs:
            rng = self.rng
            self.orgs[name] = {
                "name": name,
                "domain": domain + ".example.org",
                "email": "%s@%s.example.org" % (rng.choice(["hello", "info", "contact", "enquiries"]), domain),
                "phone": self.new_phone(),
                "url": ("https://%s.example.org/" % domain) if rng.random() < 0.75 else "",
                "contacts": [self.person() for _ in range(ncontacts)],
            }
        return self.orgs[name]

    # -- ward helpers ----------------------------------------------------
    def saint(self, ward):
        info = self.ward_info[ward]
        if info["saint"] is None:
            info["saint"] = self.rng.choice(SAINTS)
        return info["saint"]

    def trust(self, ward):
        info = self.ward_info[ward]
        if info["trust"] is None:
            loc = info["locs"][0]
            style, suffix = self.rng.choice(
                [
                    ("{loc} Community Trust", "trust"),
                    ("{loc} Community Association", "association"),
                    ("{loc} Neighbourhood Partnership", "partnership"),
                    ("{loc} Together", "together"),
                ]
            )
            name = style.format(loc=loc)
            info["trust"] = self.org(name, "%s-%s" % (slugify(loc).replace("-", ""), suffix), 2)
        return info["trust"]

    def new_postcode(self, ward):
        cands = [r for r in self.pcs[ward] if r["postcode"] not in self.used_pcs]
        if not cands:
            cands = self.pcs[ward]
        r = self.rng.choice(cands)
        self.used_pcs.add(r["postcode"])
        return r

    def make_access(self, kind):
        rng = self.rng
        acc = []
        p_wheel = {"park": 0.6, "unit": 0.35, "gurdwara": 0.5, "confidential": 0.6}.get(kind, 0.56)
        if rng.random() < p_wheel:
            acc.append("wheelchair")
            if rng.random() < 0.9:
                acc.append("step-free")
            if rng.random() < (0.45 if kind == "park" else 0.8):
                acc.append("accessible-toilet")
        elif rng.random() < 0.25:
            acc.append("step-free")
        if kind not in ("park", "garden") and rng.random() < 0.3:
            acc.append("hearing-loop")
        return acc

    def make_directions(self, ward, street, kind):
        rng = self.rng
        loc = rng.choice(self.ward_info[ward]["locs"])
        bus = rng.choice(self.cfg["buses"])
        stop = rng.choice(
            [
                "%s High Street" % loc,
                "%s shops" % loc,
                street,
                "%s centre" % loc,
                "%s %s" % (loc, rng.choice(["Green", "Library", "Post Office", "Cross"])),
            ]
        )
        mins = rng.choice([1, 2, 3, 4, 5, 6, 8, 10])
        walk = "1 minute's walk" if mins == 1 else "%d minutes' walk" % mins
        if kind == "park":
            return "Main entrance on %s; bus %s stops %s away." % (street, bus, walk)
        if self.city == "york" and rng.random() < 0.15 and not self.ward_info[ward]["rural"]:
            return "%d minutes' walk from %s centre; bus %s stops nearby; %s." % (
                mins + 5,
                loc,
                bus,
                rng.choice(PARKING),
            )
        return "Bus %s to %s, %s; %s." % (bus, stop, walk, rng.choice(PARKING))

    def venue(self, ward, kinds, fresh=False, preferred_loc=None):
        """Pick (or create) a venue of one of `kinds` in `ward`."""
        rng = self.rng
        info = self.ward_info[ward]
        kind = rng.choice(kinds)
        existing = info["venues"].setdefault(kind, [])
        if existing and not fresh and rng.random() < 0.7:
            same = [v for v in existing if v["loc"] == preferred_loc]
            return rng.choice(same or existing)
        used_names = {v["name"] for lst in info["venues"].values() for v in lst}
        for _ in range(20):
            loc = rng.choice(info["locs"])
            if preferred_loc and kind != "confidential" and rng.random() < 0.85:
                loc = preferred_loc
            street = rng.choice(STREETS)
            stem = rng.choice(STEMS)
            vk = kind
            if kind in ("hall", "park") and info["rural"]:
                vk = kind + "_rural" if rng.random() < 0.6 else kind
            if kind == "confidential":
                name = ""
                break
            if kind == "office":
                name = "%d %s" % (rng.randint(2, 240), street)
            else:
                pat = rng.choice(VENUE_NAMES[vk])
                name = pat.format(
                    loc=loc, saint=self.saint(ward) if "{saint}" in pat else "", stem=stem, adj=rng.choice(CAFE_ADJ)
                ).replace("The The ", "The ")
            if name not in used_names and name not in self.names_used:
                break
        else:
            # Ran out of new names: use the existing place of that name.
            for lst in info["venues"].values():
                for v in lst:
                    if v["name"] == name:
                        return v
        pc = self.new_postcode(ward)
        number = "%d " % rng.randint(1, 250) if rng.random() < 0.55 else ""
        if kind == "confidential":
            address = "Confidential venue – details given on referral"
            directions = "Directions are given when you are referred."
        elif kind == "office":
            address = "%s, %s" % (rng.choice(["Ground floor", "First floor", "Suite 2", "Unit 1"]), name)
            directions = self.make_directions(ward, street, kind)
        elif kind == "park":
            address = "%s, %s" % (name, rng.choice(["Main gate, %s" % street, "%s entrance" % street]))
            directions = self.make_directions(ward, street, kind)
        elif kind == "unit":
            address = "Unit %d, %s" % (
                rng.randint(1, 12),
                name if name != "The Old Stables" else "The Old Stables, " + street,
            )
            directions = self.make_directions(ward, street, kind)
        else:
            address = "%s, %s%s" % (name, number, street)
            directions = self.make_directions(ward, street, kind)
        v = {
            "kind": kind,
            "name": name,
            "street": street,
            "loc": loc,
            "address": address,
            "postcode": pc["postcode"],
            "lat": pc["latitude"],
            "lon": pc["longitude"],
            "access": self.make_access(kind),
            "directions": directions,
            "listed": False,
        }
        existing.append(v)
        return v

    # -- per-asset pieces --------------------------------------------------
    def schedule(self, spec, single=False):
        rng = self.rng
        kind = spec[0]
        if kind == "none":
            return ""
        if kind == "group":
            _, times, days, nweights = spec
            n = 1 if single else rng.choice(nweights)
            chosen = []
            pool = dict(days)
            for _ in range(n):
                if not pool:
                    break
                d = weighted_choice(rng, pool)
                chosen.append(d)
                del pool[d]
            chosen.sort(key=DAYS.index)
            t = rng.choice(times)
            items = []
            for d in chosen:
                if rng.random() < 0.25:
                    t = rng.choice(times)
                items.append("%s %s-%s" % (d, t[0], t[1]))
            return ";".join(items)
        if kind == "hours":
            hours = rng.choice(spec[1])
            pattern = rng.choice(spec[2])
            days = {"mon-fri": DAYS[:5], "mon-sat": DAYS[:6], "tue-sun": DAYS[1:]}[pattern]
            items = []
            for d in days:
                if d in ("sat", "sun"):
                    h = rng.choice([("10:00", "14:00"), ("09:00", "13:00"), ("10:00", "16:00")])
                else:
                    h = hours
                items.append("%s %s-%s" % (d, h[0], h[1]))
            return ";".join(items)
        if kind == "maybe_none":
            return "" if rng.random() < spec[1] else self.schedule(spec[2], single)
        if kind == "park":
            if rng.random() < 0.75:
                return ""
            close = rng.choice(["20:00", "19:00", "21:00"])
            return ";".join("%s 07:30-%s" % (d, close) for d in DAYS)
        raise ValueError(spec)

    def cost(self, spec):
        rng = self.rng
        kind = spec[0]
        if kind == "free":
            return "0", rng.choice(spec[1])
        if kind == "mix":
            if rng.random() < spec[1]:
                return "0", rng.choice(FREE_DESCS)
            prices, descs = spec[2], spec[3]
        else:
            prices, descs = spec[1], spec[2]
        p = rng.choice(prices)
        pt = fmt_price(p)
        ptxt = ("%dp" % round(p * 100)) if p < 1 else "£" + pt
        return pt, rng.choice(descs).replace("£{p}", ptxt)

    def organisation(self, spec, ward, loc, venue, name):
        rng = self.rng
        choice = rng.choice(spec)
        if choice == "none":
            return None
        if choice == "trust":
            return self.trust(ward)
        if choice == "church":
            if venue and venue["kind"] == "methodist":
                cname = venue["name"][:-5] if venue["name"].endswith(" Hall") else venue["name"]
                return self.org(cname, slugify(cname).replace("-church", ""), 1)
            saint = self.saint(ward)
            cloc = self.ward_info[ward]["locs"][0]
            if venue and venue["kind"] == "church_hall":
                cloc = venue["loc"]
            return self.org(
                "St %s's Church, %s" % (saint, cloc), "st%s-%s" % (slugify(saint), slugify(cloc).replace("-", "")), 1
            )
        if choice == "friends":
            pname = venue["name"] if venue and venue["kind"] == "park" else "%s Park" % loc
            return self.org("Friends of %s" % pname, "friendsof-" + slugify(pname), 1)
        if choice == "self":
            return self.org(name, short_slug(name), 1)
        if choice.startswith("city:"):
            key = choice[5:]
            oname, domain = CITY_ORGS[key][0 if self.city == "birmingham" else 1]
            return self.org(oname, domain, 3)
        if choice.startswith("pat:"):
            oname = choice[4:].format(loc=loc, city=self.label)
            return self.org(oname, short_slug(oname), 1)
        raise ValueError(choice)

    def service_area(self, home):
        rng = self.rng
        if rng.random() < 0.15:
            return [w["code"] for w in self.wards]
        k = rng.randint(1, 6)
        hlat, hlon = self.centroid[home]
        others = sorted(
            self.centroid,
            key=lambda c: ((self.centroid[c][0] - hlat) ** 2 + ((self.centroid[c][1] - hlon) * 0.62) ** 2, c),
        )
        return sorted(others[:k])

    def unique_name(self, make, suffixes):
        for _ in range(12):
            name = make()
            if name not in self.names_used:
                self.names_used.add(name)
                return name
        base = make()
        for name in suffixes():
            if name not in self.names_used:
                self.names_used.add(name)
                return name
        i = 2
        while "%s (%d)" % (base, i) in self.names_used:
            i += 1
        name = "%s (%d)" % (base, i)
        self.names_used.add(name)
        return name

    # -- build -------------------------------------------------------------
    def build(self):
        rng = self.rng
        items = []
        for key, n in self.plan.items():
            items.extend([key] * n)
        in_person = [k for k in items if TEMPLATE_BY_KEY[k]["venue"] is not REMOTE]
        remote = [k for k in items if TEMPLATE_BY_KEY[k]["venue"] is REMOTE]
        rng.shuffle(in_person)
        # Ward slots: everyone gets the minimum, the rest go to bigger wards more often.
        m = self.cfg["min_per_ward"]
        slots = [w["code"] for w in self.wards for _ in range(m)]
        extra = len(in_person) - len(slots)
        if extra < 0:
            raise SystemExit("%s: not enough in-person assets for %d per ward" % (self.city, m))
        weights = [len(self.pcs[w["code"]]) ** 0.5 for w in self.wards]
        slots += rng.choices([w["code"] for w in self.wards], weights=weights, k=extra)
        rng.shuffle(slots)
        rows = []
        for key, ward in zip(in_person, slots):
            rows.append(self.make_row(TEMPLATE_BY_KEY[key], ward))
        for key in remote:
            rows.append(self.make_row(TEMPLATE_BY_KEY[key], rng.choice(self.wards)["code"]))
        self.apply_verification(rows)
        ward_name = {w["code"]: w["name"] for w in self.wards}
        rows.sort(key=lambda r: (r["_ward"] is None, ward_name.get(r["_ward"] or "", ""), r["name"].lower(), r["name"]))
        for i, r in enumerate(rows, 1):
            r["source_id"] = "%s-%04d" % (self.cfg["prefix"], i)
        return rows

    def make_row(self, t, ward):  # noqa: C901 - complexity 26
        rng = self.rng
        info = self.ward_info[ward]
        remote = t["venue"] is REMOTE
        loc = rng.choice(info["locs"])
        venue = None
        if not remote:
            venue = self.venue(ward, t["venue"], fresh=t["is_venue"], preferred_loc=loc)
            if t["is_venue"]:
                # The asset is the place itself: don't list the same place twice.
                tries = 0
                while venue["listed"] and tries < 10:
                    venue = self.venue(ward, t["venue"], fresh=True, preferred_loc=loc)
                    tries += 1
                venue["listed"] = True
            loc = venue["loc"]
        modes = rng.choice(t["modes"])
        area = self.service_area(ward) if remote else []
        city_wide = len(area) == len(self.wards)
        state = {}

        def make_name():
            pat = rng.choice(t["names"])
            single = "{Day}" in pat
            sched = self.schedule(t["sched"], single=single)
            state["sched"] = sched
            day = DAY_NAMES[sched.split()[0]] if sched else ""
            vname = venue["name"] if venue else ""
            return pat.format(loc=loc, venue=vname, city=self.label, Day=day)

        def suffixes():
            sched = state["sched"]
            day = DAY_NAMES[sched.split()[0]] if sched else ""
            out = []
            if not venue:
                if city_wide:
                    out.append("%s – %s" % (state["base"], self.label))
                out.append("%s – %s area" % (state["base"], loc))
            elif day and t["sched"][0] == "group":
                part = (
                    "mornings"
                    if sched.split()[1] < "12:00"
                    else "afternoons"
                    if sched.split()[1] < "17:00"
                    else "evenings"
                )
                out.append("%s – %s %s" % (state["base"], day, part))
            out.append("%s, %s" % (state["base"], loc))
            return out

        def make_name_keep():
            n = make_name()
            state["base"] = n
            return n

        name = self.unique_name(make_name_keep, suffixes)
        schedule = state["sched"]
        cost_amount, cost_desc = self.cost(t["cost"])
        desc = rng.choice(t["descs"])
        if t["key"] in ("park", "hall"):
            # Make the description match the (possibly empty) schedule.
            marks = ("Open all the time", "Open for bookings only")
            opts = [d for d in t["descs"] if any(m in d for m in marks) == (schedule == "")]
            desc = rng.choice(opts)
        desc = desc.replace("{price}", fmt_price(float(cost_amount)) if cost_amount else "3.50")
        if cost_amount and t["key"] not in ("park", "refuge_dropin", "da_group") and rng.random() < 0.06:
            cost_amount, cost_desc = "", rng.choice(["", "Please ask the organiser about costs"])
        org = self.organisation(t["org"], ward, loc, venue, name)
        aud = rng.choice(t["auds"])
        caps = rng.choice(t["caps"])
        atype = rng.choice(t["atype"])
        # Contacts
        if org:
            contact = rng.choice(org["contacts"])
            email, phone, url = org["email"], org["phone"], org["url"]
        elif t["key"] == "park":
            parks = self.org("%s parks team" % self.label, "%s-parks" % self.city, 2)
            contact, email, phone, url = "", parks["email"], parks["phone"], ""
        else:
            dom = slugify(name)
            if len(dom) > 30:
                dom = "%s-%s" % (slugify(loc).replace("-", ""), t["key"].replace("_", ""))
            booking = self.org("%s bookings" % name, dom, 1)
            box = "bookings@" if t["is_venue"] else "hello@"
            contact, email, phone, url = booking["contacts"][0], box + booking["domain"], booking["phone"], ""
        if "phone" in modes:
            pass  # phone lines always keep their number
        elif rng.random() < 0.08:
            phone = ""
        elif rng.random() < 0.05:
            email = ""
        # Accessibility
        acc = []
        if venue:
            acc = list(venue["access"])
            for x in t["extra"]:
                if rng.random() < 0.8:
                    acc.append(x)
            if rng.random() < 0.08:
                acc.append("large-print")
        else:
            if "online" in modes and rng.random() < 0.2:
                acc.append("bsl")
            if rng.random() < 0.2:
                acc.append("large-print")
            for x in t["extra"]:
                if x in ("large-print", "bsl") and rng.random() < 0.8:
                    acc.append(x)
        acc = [a for a in ACCESS if a in acc]
        row = {
            "name": name,
            "organisation": org["name"] if org else "",
            "description": desc.format(loc=loc, city=self.label) if "{" in desc else desc,
            "categories": ";".join(t["cats"]),
            "audiences": ";".join(aud),
            "capabilities": ";".join(caps),
            "asset_type": atype,
            "modes": ";".join(modes),
            "address": venue["address"] if venue else "",
            "postcode": venue["postcode"] if venue else "",
            "lat": venue["lat"] if venue else "",
            "lon": venue["lon"] if venue else "",
            "service_area_wards": ";".join(area),
            "schedule": schedule,
            "cost_amount": cost_amount,
            "cost_description": cost_desc,
            "accessibility": ";".join(acc),
            "how_to_get_there": venue["directions"] if venue else "",
            "contact_name": contact,
            "email": email,
            "phone": phone,
            "url": url,
            "visibility": t["vis"],
            "illustrative": "yes",
            "_ward": None if remote else ward,
            "_remote": remote,
        }
        return row

    def apply_verification(self, rows):
        """Exact shares: 2% never verified, 6% stale (>12 months), 12% 6-11 months old."""
        rng = self.rng
        n = len(rows)
        order = list(range(n))
        rng.shuffle(order)
        k_never, k_stale, k_mid = round(0.02 * n), round(0.06 * n), round(0.12 * n)
        band = {}
        for pos, i in enumerate(order):
            if pos < k_never:
                band[i] = "never"
            elif pos < k_never + k_stale:
                band[i] = "stale"
            elif pos < k_never + k_stale + k_mid:
                band[i] = "mid"
            else:
                band[i] = "recent"
        for i, r in enumerate(rows):
            if band[i] == "never":
                r["last_verified"], r["verification_method"] = "", ""
                continue
            if band[i] == "stale":
                d = rand_date(rng, datetime.date(2024, 1, 1), datetime.date(2025, 9, 30))
            elif band[i] == "mid":
                d = rand_date(rng, datetime.date(2026, 1, 1), datetime.date(2026, 5, 20))
            else:
                # Recent (under 6 months): inside the 2026-03-01..2026-11-15 window
                # but kept clear of the 6-11-month band above.
                d = rand_date(rng, datetime.date(2026, 5, 21), datetime.date(2026, 11, 15))
            methods = dict(VERIFICATION_WEIGHTS)
            if r["_remote"]:
                methods.pop("visited")
            r["last_verified"], r["verification_method"] = d, weighted_choice(rng, methods)


# ---------------------------------------------------------------------------
def city_weight(t, city):
    w = t["w"]
    if isinstance(w, dict):
        return w.get(city, 0)
    return w if city in t["cities"] else 0


def make_plan(city, total, bumps):
    """Number of assets of each template for one city."""
    plan = {}
    for t in TEMPLATES:
        if city not in t["cities"] or (isinstance(t["w"], dict) and city not in t["w"]):
            continue
        if t["frac"] is not None:
            plan[t["key"]] = max(1, int(t["frac"] * total + 0.5))
        else:
            plan[t["key"]] = t["mins"]
    for k, n in bumps.items():
        plan[k] = plan.get(k, 0) + n
    rest = total - sum(plan.values())
    free = [t for t in TEMPLATES if t["key"] in plan and t["frac"] is None]
    wsum = sum(city_weight(t, city) for t in free)
    shares = [(t["key"], rest * city_weight(t, city) / wsum) for t in free]
    for k, s in shares:
        plan[k] += int(s)
    left = total - sum(plan.values())
    order = sorted(shares, key=lambda ks: (-(ks[1] - int(ks[1])), ks[0]))
    for k, _ in order[:left]:
        plan[k] += 1
    return plan


def coverage(rows):
    cnt = {
        "cat": dict.fromkeys(CATEGORIES, 0),
        "aud": dict.fromkeys(AUDIENCES, 0),
        "cap": dict.fromkeys(CAPABILITIES, 0),
    }
    for r in rows:
        for col, key in (("categories", "cat"), ("audiences", "aud"), ("capabilities", "cap")):
            for s in r[col].split(";"):
                cnt[key][s] += 1
    return cnt


def deficits(rows):
    cnt = coverage(rows)
    need = []
    for key, lim in (("cat", MIN_CAT), ("aud", MIN_AUD), ("cap", MIN_CAP)):
        for s, n in cnt[key].items():
            if n < lim:
                need.append((key, s))
    return need


def guaranteed(t, key, slug):
    if key == "cat":
        return slug in t["cats"]
    opts = t["auds"] if key == "aud" else t["caps"]
    return all(slug in o for o in opts)


def build_city(city, wards, postcodes, seed):
    total = CITIES[city]["total"]
    bumps = {}
    for _ in range(60):
        plan = make_plan(city, total, bumps)
        rows = CityBuilder(city, wards[city], postcodes, plan, seed).build()
        need = deficits(rows)
        if not need:
            return rows, plan
        key, slug = need[0]
        cands = [t for t in TEMPLATES if t["key"] in plan and t["frac"] is None and guaranteed(t, key, slug)]
        if not cands:
            raise SystemExit("%s: no template guarantees %s %s" % (city, key, slug))
        best = min(cands, key=lambda t: (plan[t["key"]], t["key"]))
        bumps[best["key"]] = bumps.get(best["key"], 0) + 1
    raise SystemExit("%s: could not reach slug coverage" % city)


def write_csv(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        default=str(REPO / "data"),
        help="folder with postcodes/ and boundaries/ (default: the repo's data folder)",
    )
    ap.add_argument("--out", default=str(REPO / "data" / "demo"), help="output folder (default: data/demo in the repo)")
    ap.add_argument("--seed", type=int, default=SEED, help="random seed (default %d)" % SEED)
    args = ap.parse_args(argv)
    problems = unknown_codes(TEMPLATES, DATA, TERMS)
    if problems:
        raise SystemExit("data/demo/templates.json: " + "; ".join(problems))
    postcodes, wards = load_inputs(args.data)
    for city in CITIES:
        rows, plan = build_city(city, wards, postcodes, args.seed)
        path = os.path.join(args.out, CITIES[city]["file"])
        write_csv(path, rows)
        print("%s: %d rows -> %s" % (city, len(rows), os.path.relpath(path)), file=sys.stderr)


if __name__ == "__main__":
    main()
