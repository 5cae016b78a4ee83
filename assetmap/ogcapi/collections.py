"""The feature collections and the use cases that read them: a page of items, one item, an extent.

Every feature has the same properties in the same order (null where unknown), so a client that learns the
fields from a first small page, as GDAL does, gets every field right. Lists are ``;``-separated text
because shapefiles and most GIS tables hold no arrays.

Area measures are the coverage page's (``coverage.usecases.coverage``, each area compared within its own
council, default filters: all categories, everyone, 90 days) with two differences for open data: assets
are counted only when public (``public_only``), so comparing these counts with the public asset list can
never place an unlisted refuge in an LSOA; and the counts of connections and "nothing suitable" signals
(practitioners' activity) are not published.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass

from ..coverage.exports import row_dict
from ..coverage.params import CoverageParams
from ..coverage.queries import local_authorities
from ..coverage.usecases import coverage
from . import queries


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    geography: str | None = None  #: None for assets
    keywords: tuple[str, ...] = ()


COLLECTIONS = {
    c.id: c
    for c in [
        Collection(
            "assets",
            "Community assets",
            "Public community assets (groups, clubs, places and services people can go to, join, phone or "
            "use), one feature per asset at its place; online and phone services without a place have no "
            "geometry. Only public, live listings: nothing practitioners-only or confidential.",
            keywords=("community assets", "social prescribing", "Open Referral UK"),
        ),
        Collection(
            "wards",
            "Wards with coverage measures",
            "2024 electoral wards with residents, deprivation and the coverage of public community assets: "
            "supply per 10,000 residents, walking access, two-step floating catchment access and the "
            "need-weighted gap score, each ward compared with the others in its council.",
            geography="ward",
            keywords=("wards", "coverage", "gap analysis"),
        ),
        Collection(
            "constituencies",
            "Constituencies with coverage measures",
            "2024 Westminster constituencies with the same coverage measures as the wards.",
            geography="constituency",
            keywords=("constituencies", "coverage", "gap analysis"),
        ),
        Collection(
            "lsoas",
            "Neighbourhoods (LSOAs) with coverage measures",
            "2011 Lower Layer Super Output Areas with the same coverage measures as the wards.",
            geography="lsoa",
            keywords=("LSOA", "coverage", "gap analysis", "IMD"),
        ),
    ]
}


@dataclass
class Items:
    features: list[dict]
    matched: int


def extent(c: Collection) -> list[float] | None:
    return queries.assets_extent() if c.geography is None else queries.area_extent(c.geography)


def items(c: Collection, limit: int, offset: int, box) -> Items:
    """A page of features of collection ``c`` (inside ``box`` when given)."""
    if c.geography is None:
        found = queries.asset_rows(limit, offset, box)
        return Items([asset_feature(r) for r in found.rows], found.matched)
    found = queries.area_rows(c.geography, limit, offset, box)
    measures = area_measures(c.geography)
    return Items([area_feature(r, measures.get(r["code"])) for r in found.rows], found.matched)


def item(c: Collection, feature_id: str) -> dict | None:
    """One feature by id (an asset's UUID, an area's GSS code), or None."""
    if c.geography is None:
        try:
            asset_id = uuid.UUID(feature_id)
        except ValueError:
            return None
        row = queries.asset_row(asset_id)
        return asset_feature(row) if row else None
    row = queries.area_row(c.geography, feature_id)
    return area_feature(row, area_measures(c.geography).get(feature_id)) if row else None


# --------------------------------------------------------------------------- assets


def _joined(pairs, i: int, sep: str) -> str | None:
    return sep.join(p[i] for p in pairs) or None


def _schedule(sessions) -> str | None:
    return "; ".join(s.label() for s in sorted(sessions, key=lambda s: s.sort_key())) or None


def _cost(cost) -> str | None:
    """The cost as the asset page words it: its description, else Free or the amount."""
    if cost is None:
        return None
    amount, text = cost
    if text:
        return text
    if amount is None:
        return None
    return "Free" if amount == 0 else f"£{amount:.2f}".replace(".00", "")


def asset_feature(r: dict) -> dict:
    terms = r["terms"]
    address = ", ".join(x for x in (r["address_1"], r["address_2"], r["city"]) if x) or None
    props = {
        "name": r["name"],
        "organisation": r["organisation"],
        "description": r["description"] or None,
        "categories": _joined(terms["category"], 1, "; "),
        "category_codes": _joined(terms["category"], 0, ";"),
        "audiences": _joined(terms["audience"], 1, "; "),
        "audience_codes": _joined(terms["audience"], 0, ";"),
        "capabilities": _joined(terms["capability"], 1, "; "),
        "capability_codes": _joined(terms["capability"], 0, ";"),
        "asset_type": _joined(terms["asset_type"], 1, "; "),
        "asset_type_code": _joined(terms["asset_type"], 0, ";"),
        "modes": ";".join(r["modes"] or []) or None,
        "address": address,
        "postcode": r["postcode"] or None,
        "ward_code": r["ward_code"],
        "ward": r["ward"],
        "constituency_code": r["constituency_code"],
        "constituency": r["constituency"],
        "local_authority_code": r["lad_code"],
        "local_authority": r["local_authority"],
        "service_area_wards": ";".join(r["service_area_wards"]) or None,
        "schedule": _schedule(r["sessions"]),
        "cost": _cost(r["cost"]),
        "phone": r["phone"],
        "email": r["email"],
        "url": r["url"],
        "last_verified": r["last_verified_on"].isoformat() if r["last_verified_on"] else None,
        "last_modified": r["updated_at"].isoformat(timespec="seconds") if r["updated_at"] else None,
        "illustrative": bool(r["illustrative"]),
    }
    return {"type": "Feature", "id": str(r["id"]), "geometry": queries.geometry(r["geometry"]), "properties": props}


# --------------------------------------------------------------------------- areas

#: coverage CSV columns that are published here (in this order); the rest are named or not public
AREA_MEASURES = [
    "residents",
    "residents_65plus",
    "imd_decile",
    "assets",
    "assets_serving_remotely",
    "assets_per_10k",
    "residents_beyond_800m",
    "pct_beyond_800m",
    "residents_beyond_1_mile",
    "pct_beyond_1_mile",
    "access_2sfca_per_10k",
    "gap_score",
    "rank",
    "reasons",
]


#: measures are kept this long in each process while their inputs are unchanged: GDAL pages through LSOAs
#: ten at a time, and working them out for every page took 14 s for 759 LSOAs (1.5 s kept)
CACHE_SECONDS = 300
_cache: dict[str, tuple[float, tuple, dict]] = {}


def area_measures(geography: str) -> dict[str, dict]:
    """Area code -> the council it is compared in and its published measures."""
    key = (queries.measures_fingerprint(), dt.date.today())
    hit = _cache.get(geography)
    if hit is not None and hit[1] == key and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[2]
    out = _area_measures(geography)
    _cache[geography] = (time.monotonic(), key, out)
    return out


def _area_measures(geography: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for la in local_authorities():
        cov = coverage(CoverageParams(geography=geography, la=la.code, public_only=True))
        for m in cov.areas:
            if m.code in out and m.lad_code != la.code:
                continue  # a constituency that crosses a boundary is compared in the council holding most of it
            row = row_dict(m, cov)
            out[m.code] = {
                "local_authority_code": la.code,
                "local_authority": la.name,
                **{k: (None if row[k] == "" else row[k]) for k in AREA_MEASURES},
            }
    return out


def area_feature(r: dict, measures: dict | None) -> dict:
    measures = measures or {"local_authority_code": None, "local_authority": None, **dict.fromkeys(AREA_MEASURES)}
    props = {
        "code": r["code"],
        "name": r["name"],
        "local_authority_code": r.get("lad_code") or measures["local_authority_code"],
        "local_authority": r.get("local_authority") or measures["local_authority"],
    }
    props.update({k: r[k] for k in ("constituency_code", "ward_code") if k in r})
    props.update({k: measures[k] for k in AREA_MEASURES})
    return {"type": "Feature", "id": r["code"], "geometry": queries.geometry(r["geometry"]), "properties": props}
