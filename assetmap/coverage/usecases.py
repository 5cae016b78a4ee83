"""Use cases: the coverage of one choice of filters, and the profile of one area. Read-only."""

from __future__ import annotations

from dataclasses import dataclass

from .. import taxonomy
from ..directory.read import months_before
from ..errors import NotFound
from . import measures, queries
from .params import COLUMN_LABELS, GEOGRAPHIES, MEASURES, CoverageParams


@dataclass
class Coverage:
    params: CoverageParams
    areas: list[measures.AreaMeasures]  #: every area in scope, by name
    ranked: list[measures.AreaMeasures]  #: areas with residents, the one to look at first on top
    summary: measures.Summary
    scope_name: str
    total_assets: int
    labels: dict
    uncounted_signals: int = 0  #: free-text-only 'nothing suitable' signals that matched no term

    @property
    def medians(self) -> dict:
        return self.summary.medians

    @property
    def per(self) -> int:
        return self.summary.per

    @property
    def kind(self) -> str:
        return GEOGRAPHIES[self.params.geography][0]

    @property
    def kinds(self) -> str:
        return GEOGRAPHIES[self.params.geography][1]

    @property
    def measure_label(self) -> str:
        return measure_label(self.params.measure, self.per)

    @property
    def tied(self) -> bool:
        return any(m.tied for m in self.ranked)


def measure_label(measure: str, per: int = measures.PER) -> str:
    if measure in COLUMN_LABELS:
        return COLUMN_LABELS[measure]
    return MEASURES[measure][0].format(per=f"{per:,}")


def _names(codes, names: dict, none: str) -> str:
    return ", ".join(names.get(c, c) for c in codes) if codes else none


def labels_for(p: CoverageParams) -> dict:
    """Names of the chosen filters, for headings, sentences and file names."""
    names = {tax: {t.code: t.name for t in terms} for tax, terms in taxonomy.all_terms().items()}
    category = _names(p.category, names["category"], "All categories")
    return {
        "category": category,
        "audience": _names(p.audience, names["audience"], "Everyone"),
        "capability": _names(p.capability, names["capability"], "Any"),
        "phrase": _phrase(category if len(p.category) == 1 else None),
        "population": "residents aged 65+" if p.older else "residents",
    }


def _phrase(category: str | None) -> str:
    if not category:
        return "matching assets"
    return category[0].lower() + category[1:] if not category[:2].isupper() else category


def scope_name(p: CoverageParams) -> str:
    if p.geography == "custom":
        found = queries.area_set(p.area_set)
        return found.name if found else "this area set"
    las = {a.code: a.name for a in queries.local_authorities()}
    return las.get(p.la, p.la) if p.la else "all loaded areas"


def pieces_for(p: CoverageParams):
    """How an LSOA's residents are shared among the areas of the geography (see measures.aggregate)."""
    if p.geography == "custom":
        shares = queries.custom_pieces(p.area_set)
        return lambda row: shares.get(row.code, ())
    return lambda row: ((row.key(p.geography), 1.0),)


def coverage(p: CoverageParams, lsoas=None, measures_only: bool = False) -> Coverage:
    """Every measure for every area of the chosen geography in the chosen local authority (or custom set).

    ``lsoas`` (the LSOA access rows for ``p``'s filters) may be passed in when several geographies are
    worked out for the same choice, and ``measures_only`` skips the page's totals (the assets in the whole
    scope and the signals naming no term): both for the monthly snapshot, which keeps neither."""
    areas = queries.areas_in_scope(p.geography, p.la, p.area_set)
    if lsoas is None:
        lsoas = queries.lsoa_access(p)
    rows = measures.aggregate(areas, lsoas, queries.supply_counts(p), queries.demand_counts(p), pieces_for(p), p.older)
    labels = labels_for(p)
    name = scope_name(p)
    ctx = measures.Context(
        older=p.older, phrase=labels["phrase"], kind=GEOGRAPHIES[p.geography][0], scope_name=name, days=p.days
    )
    summary = measures.compute(rows, ctx, p.measure)
    codes = {a.code for a in areas}
    total = uncounted = 0
    if measures_only:
        pass
    elif p.geography == "custom":
        total = queries.assets_in_set(p)
    else:
        la_supply = queries.supply_counts(p.with_(geography="la"))
        total = sum(n for code, (n, _) in la_supply.items() if p.la is None or code == p.la)
    if not measures_only:
        uncounted = sum(n for code, n in queries.uncounted_signals(p).items() if code in codes)
    return Coverage(p, rows, measures.ranked(rows, p.measure), summary, name, total, labels, uncounted)


# --------------------------------------------------------------------------- one area

AREA_KINDS = {
    "ward": "ward",
    "constituency": "constituency",
    "lsoa": "lsoa",
    "local-authority": "la",
    "custom": "custom",
}


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
    if kind == "custom" and p.area_set is None:
        kind = None
    key = (p.area_set, code) if kind == "custom" else code
    record = queries.area_record(kind, key) if kind else None
    if record is None:
        raise NotFound("There is no area with that code. Check the link, or choose an area on the coverage map.")
    cov = None
    mine = None
    if kind == "custom":
        cov = coverage(p.with_(geography=kind, la=None))
    elif record.lad_code:
        cov = coverage(p.with_(geography=kind, la=record.lad_code))
    if cov is not None:
        mine = next((m for m in cov.areas if m.code == code), None)
    assets = queries.area_assets(kind, key)
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
    coordinators, stewards = queries.area_people(kind, key)
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
