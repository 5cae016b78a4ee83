"""What each coverage page and download needs, assembled from the use cases (no HTTP here)."""

from __future__ import annotations

from .. import taxonomy
from ..errors import ValidationError
from . import charts, exports, impact, mapping, present, queries, snapshots, usecases
from .params import GEOGRAPHIES, MEASURES, PERIODS, CoverageParams

#: tables on the page stop here for LSOAs (639 in Birmingham); the CSV always has every area
MAX_TABLE_ROWS = 100

#: the area page's comparison with the median (measure key), and the compare page's rows
COMPARED = [
    "gap",
    "rate",
    "share_beyond_800",
    "share_beyond_mile",
    "access",
    "need",
    "connections",
    "unmet",
    "unmet_smoothed",
]


def form_options() -> dict:
    terms = taxonomy.all_terms()
    sets = queries.area_sets()
    return {
        "geographies": [(k, v[0].capitalize()) for k, v in GEOGRAPHIES.items() if k != "custom"]
        + ([("custom", "One of your area sets")] if sets else []),
        "sets": [(str(s.id), s.name) for s in sets],
        "las": [(a.code, a.name) for a in queries.local_authorities()] + [("all", "All loaded areas")],
        "categories": [(t.code, t.name) for t in terms.get("category", [])],
        "audiences": [(t.code, t.name) for t in terms.get("audience", [])],
        "capabilities": [(t.code, t.name) for t in terms.get("capability", [])],
        "periods": [(d, f"Last {d} days") for d in PERIODS],
        "measures": [(k, usecases.measure_label(k, 10_000).replace("10,000", "10,000 (or 100,000)")) for k in MEASURES],
    }


def classes_for(cov) -> present.Classes:
    return present.classify(cov.params.measure, [m.value(cov.params.measure) for m in cov.areas if m.has_residents])


def file_stem(p: CoverageParams) -> str:
    scope = p.la or "all-areas"
    if p.geography == "custom":
        scope = queries.area_set(p.area_set).name if queries.area_set(p.area_set) else "area-set"
    parts = ["coverage", p.geography, "-".join(p.category) or "all-categories", scope]
    parts += list(p.audience) + list(p.capability)
    if p.verified_only:
        parts.append("verified")
    stem = "-".join(parts) + f"-{p.today.isoformat()}"
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in stem)[:180]


def shapes_for(cov) -> dict:
    return queries.area_shapes(cov.params.geography, [m.code for m in cov.areas], cov.params.area_set)


def _trend(p: CoverageParams, areas) -> dict:
    """The kept monthly series across the areas in scope, as a chart and a table."""
    rows = snapshots.scope_series(p, areas)
    return {
        "view": p.single_view,
        "rows": rows,
        "chart": charts.line_svg([(m, f["gap"]) for m, f in rows], "Average gap score, weighted by residents")
        if rows
        else "",
    }


def coverage_page(p: CoverageParams, area_url) -> dict:
    cov = usecases.coverage(p)
    classes = classes_for(cov)
    shapes = shapes_for(cov)
    points = queries.asset_points(p, mapping.MAX_POINTS)
    capped = points is None
    points = points or []
    m = mapping.choropleth(cov, shapes, classes, area_url, [] if capped else points)
    impact_rows, impact_total = impact.by_area(p, cov.ranked + [a for a in cov.areas if not a.has_residents])
    return {
        "cov": cov,
        "map": m,
        "legend": classes.legend(no_data=any(not a.has_residents for a in cov.areas)),
        "hatch_legend": present.hatch_legend(),
        "points_capped": capped,
        "points_shown": 0 if capped else len(points),
        "options": form_options(),
        "p": p,
        "args": p.query_args(),
        "area_url": area_url,
        "max_rows": MAX_TABLE_ROWS,
        "fmt": present.fmt,
        "darker": MEASURES[p.measure][2],
        "impact_rows": impact_rows,
        "impact_total": impact_total,
        "min_connections": impact.MIN_CONNECTIONS,
        "trend": _trend(p, cov.areas),
        "min_signals": usecases.measures.MIN_SIGNALS,
        "sort": present.sort_value,
        "shown": present.shown(p.measure, cov.ranked),
        "shown_gap": present.shown("gap", cov.ranked),
        "compare_options": [(a.code, a.name) for a in cov.areas],
    }


def report_context(p: CoverageParams, cov=None) -> dict:
    """What the printed report needs (the page and ``assetmap report coverage --out x.html``)."""
    cov = cov or usecases.coverage(p)
    impact_rows, impact_total = impact.by_area(p, cov.ranked)
    return {
        "cov": cov,
        "p": p,
        "fmt": present.fmt,
        "max_rows": MAX_TABLE_ROWS,
        "described": exports.describe(cov),
        "impact_rows": impact_rows,
        "impact_total": impact_total,
        "min_connections": impact.MIN_CONNECTIONS,
        "legend": classes_for(cov).legend(no_data=any(not a.has_residents for a in cov.areas)),
        "darker": MEASURES[p.measure][2],
        "hatch_legend": present.hatch_legend(),
        "min_signals": usecases.measures.MIN_SIGNALS,
        "shown": present.shown(p.measure, cov.ranked),
        "shown_gap": present.shown("gap", cov.ranked),
    }


def csv_download(p: CoverageParams) -> tuple[str, str]:
    cov = usecases.coverage(p)
    rows, _total = impact.by_area(p, cov.areas)
    return exports.to_csv(cov, {r.key: r for r in rows}), file_stem(p) + ".csv"


def geojson_download(p: CoverageParams) -> tuple[str, str]:
    cov = usecases.coverage(p)
    rows, _total = impact.by_area(p, cov.areas)
    return exports.to_geojson(cov, shapes_for(cov), {r.key: r for r in rows}), file_stem(p) + ".geojson"


def map_image(p: CoverageParams, cov=None, with_legend: bool = True, shape: str | None = None) -> bytes:
    cov = cov or usecases.coverage(p)
    return exports.map_png(cov, shapes_for(cov), classes_for(cov), with_legend=with_legend, shape=shape)


def trend_download(p: CoverageParams) -> tuple[str, str]:
    """Every kept month for every area in scope, for the view matching ``p``."""
    if p.single_view is None:
        raise ValidationError(
            "Monthly figures are kept for all categories and for each category alone, for "
            "everyone, over 90 days: choose at most one category and no audience or what matters.",
            field="category",
        )
    areas = queries.areas_in_scope(p.geography, p.la, p.area_set)
    return snapshots.to_csv(p, {a.code: a.name for a in areas}), file_stem(p) + "-monthly.csv"


def impact_download(p: CoverageParams, group: str) -> tuple[str, str]:
    """Connections and follow-up shares by area, category, listing or month, suppressed as on the page."""
    if group not in queries.IMPACT_GROUPS:
        raise ValidationError("Choose impact by area, category, listing or month.", field="by")
    areas = queries.areas_in_scope(p.geography, p.la, p.area_set)
    codes = [a.code for a in areas]
    if group == "area":
        rows, _total = impact.by_area(p, areas)
    elif group == "month":
        rows = impact.monthly(p, codes)
    else:
        rows = impact.by_group(p, group, codes)
    return exports.impact_csv(rows, group), file_stem(p) + f"-impact-by-{group}.csv"


def compare_page(p: CoverageParams, a_code: str, b_code: str, area_url) -> dict:
    """Two areas of the same view side by side, every measure, with the median."""
    cov = usecases.coverage(p)
    found = {m.code: m for m in cov.areas}
    if a_code not in found or b_code not in found:
        raise ValidationError(f"Choose two {cov.kinds} from the lists.", field="a" if a_code not in found else "b")
    a, b = found[a_code], found[b_code]
    rows = [
        (
            usecases.measure_label(k, cov.per),
            present.fmt(k, a.value(k)),
            present.fmt(k, b.value(k)),
            present.fmt(k, cov.medians.get(k)),
        )
        for k in COMPARED
    ]
    rows.insert(0, ("Matching assets", f"{a.assets}", f"{b.assets}", ""))
    rows.insert(
        0,
        (
            cov.labels["population"].capitalize(),
            present.fmt("population", a.population),
            present.fmt("population", b.population),
            "",
        ),
    )
    impact_rows, _t = impact.by_area(p, [a, b])
    trend = snapshots.series(p, [a.code, b.code])
    return {
        "cov": cov,
        "a": a,
        "b": b,
        "rows": rows,
        "p": p,
        "args": p.query_args(),
        "area_url": area_url,
        "impact_rows": impact_rows,
        "min_connections": impact.MIN_CONNECTIONS,
        "fmt": present.fmt,
        "trend": trend,
        "options": [(m.code, m.name) for m in cov.areas],
    }


def area_page(url_kind: str, code: str, p: CoverageParams) -> dict:
    profile = usecases.area_profile(url_kind, code, p)
    rec = profile.record
    geography = rec.kind
    shape = queries.area_shapes(geography, [rec.code], p.area_set).get(rec.code)
    points = [(a.lat, a.lon, a.name) for a in profile.assets if a.lat is not None and a.visibility != "confidential"]
    compared = []
    per = profile.coverage.per if profile.coverage else 10_000
    if profile.measures is not None:
        for key in COMPARED:
            compared.append(
                (
                    usecases.measure_label(key, per),
                    present.fmt(key, profile.measures.value(key)),
                    present.fmt(key, profile.medians.get(key)),
                )
            )
    scoped = p.with_(geography=geography)
    trend_pairs = snapshots.series(scoped, [rec.code]).get(rec.code, [])
    return {
        "profile": profile,
        "rec": rec,
        "m": profile.measures,
        "compared": compared,
        "map": mapping.area_map(shape, points) if shape is not None else None,
        "kind_label": GEOGRAPHIES[geography][0],
        "p": p,
        "args": p.query_args(),
        "area_args": p.area_args(),
        "fmt": present.fmt,
        "category_names": {t.code: t.name for t in taxonomy.terms("category")},
        "labels": usecases.labels_for(p),
        "trend": {
            "view": scoped.single_view,
            "rows": trend_pairs,
            "chart": charts.line_svg([(mo, f["gap"]) for mo, f in trend_pairs], "Gap score") if trend_pairs else "",
        },
        "impact_categories": impact.by_group(scoped, "category", [rec.code]),
        "impact_listings": impact.by_group(scoped, "listing", [rec.code]),
        "impact_months": impact.monthly(scoped, [rec.code]),
        "min_connections": impact.MIN_CONNECTIONS,
    }


def area_sets_page() -> dict:
    return {"sets": queries.area_sets(), "max_areas": 500}
