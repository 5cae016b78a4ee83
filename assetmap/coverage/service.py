"""Use cases: the coverage of one choice of filters, and the profile of one area. Read-only."""

from __future__ import annotations

from dataclasses import dataclass

from .. import taxonomy
from ..directory.read import months_before
from ..errors import NotFound
from . import measures, queries
from .params import GEOGRAPHIES, MEASURES, CoverageParams


@dataclass
class Coverage:
    params: CoverageParams
    areas: list[measures.AreaMeasures]  #: every area in scope, by name
    ranked: list[measures.AreaMeasures]  #: areas with residents, biggest gap first
    medians: dict
    scope_name: str
    total_assets: int
    labels: dict

    @property
    def kind(self) -> str:
        return GEOGRAPHIES[self.params.geography][0]

    @property
    def kinds(self) -> str:
        return GEOGRAPHIES[self.params.geography][1]

    @property
    def measure_label(self) -> str:
        return MEASURES[self.params.measure][0]


def labels_for(p: CoverageParams) -> dict:
    """Names of the chosen filters, for headings, sentences and file names."""
    names = {tax: {t.code: t.name for t in terms} for tax, terms in taxonomy.all_terms().items()}
    category = names["category"].get(p.category) if p.category else None
    return {
        "category": category or "All categories",
        "audience": names["audience"].get(p.audience) if p.audience else "Everyone",
        "capability": names["capability"].get(p.capability) if p.capability else "Any",
        "phrase": _phrase(category),
        "population": "residents aged 65+" if p.older else "residents",
    }


def _phrase(category: str | None) -> str:
    if not category:
        return "matching assets"
    return category[0].lower() + category[1:] if not category[:2].isupper() else category


def scope_name(p: CoverageParams) -> str:
    las = {a.code: a.name for a in queries.local_authorities()}
    return las.get(p.la, p.la) if p.la else "all loaded areas"


def coverage(p: CoverageParams) -> Coverage:
    """Every measure for every area of the chosen geography in the chosen local authority."""
    areas = queries.areas_in_scope(p.geography, p.la)
    rows = measures.aggregate(
        areas, queries.lsoa_access(p), queries.supply_counts(p), queries.demand_counts(p), p.geography, p.older
    )
    labels = labels_for(p)
    name = scope_name(p)
    ctx = measures.Context(
        older=p.older, phrase=labels["phrase"], kind=GEOGRAPHIES[p.geography][0], scope_name=name, days=p.days
    )
    medians = measures.compute(rows, ctx)
    la_supply = queries.supply_counts(p.with_(geography="la"))
    total = sum(n for code, (n, _) in la_supply.items() if p.la is None or code == p.la)
    return Coverage(p, rows, measures.ranked(rows), medians, name, total, labels)


# --------------------------------------------------------------------------- one area

AREA_KINDS = {"ward": "ward", "constituency": "constituency", "lsoa": "lsoa", "local-authority": "la"}


@dataclass
class CategoryCount:
    code: str
    name: str
    assets: int
    verified_12m: int


@dataclass
class AreaProfile:
    record: queries.AreaRecord
    measures: measures.AreaMeasures | None
    medians: dict
    compared_with: str
    assets: list[queries.AreaAsset]
    by_category: list[CategoryCount]
    verified_6m: int
    verified_12m: int
    coordinators: list
    stewards: list
    coverage: Coverage | None

    @property
    def share_6m(self) -> float | None:
        return measures.safe_div(self.verified_6m, len(self.assets))

    @property
    def share_12m(self) -> float | None:
        return measures.safe_div(self.verified_12m, len(self.assets))


def area_profile(url_kind: str, code: str, p: CoverageParams) -> AreaProfile:
    """An area's assets, people, population, deprivation, freshness and measures against the median."""
    kind = AREA_KINDS.get(url_kind)
    record = queries.area_record(kind, code) if kind else None
    if record is None:
        raise NotFound("There is no area with that code. Check the link, or choose an area on the coverage map.")
    cov = None
    mine = None
    if record.lad_code:
        cov = coverage(p.with_(geography=kind, la=record.lad_code))
        mine = next((m for m in cov.areas if m.code == code), None)
    assets = queries.area_assets(kind, code)
    six, twelve = months_before(p.today, 6), months_before(p.today, 12)
    names = {t.code: t.name for t in taxonomy.terms("category")}
    counts: dict[str, CategoryCount] = {}
    for a in assets:
        for c in a.categories:
            row = counts.setdefault(c, CategoryCount(c, names.get(c, c), 0, 0))
            row.assets += 1
            row.verified_12m += bool(a.last_verified_on and a.last_verified_on >= twelve)
    order = list(names)
    by_category = sorted(counts.values(), key=lambda r: (-r.assets, order.index(r.code) if r.code in order else 99))
    coordinators, stewards = queries.area_people(kind, code)
    kinds = GEOGRAPHIES[kind][1]
    return AreaProfile(
        record=record,
        measures=mine,
        medians=cov.medians if cov else {},
        compared_with=f"{kinds} in {cov.scope_name}" if cov else "",
        assets=assets,
        by_category=by_category,
        verified_6m=sum(1 for a in assets if a.last_verified_on and a.last_verified_on >= six),
        verified_12m=sum(1 for a in assets if a.last_verified_on and a.last_verified_on >= twelve),
        coordinators=coordinators,
        stewards=stewards,
        coverage=cov,
    )


def url_kind(geography: str) -> str:
    return {v: k for k, v in AREA_KINDS.items()}[geography]
