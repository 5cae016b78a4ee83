"""What each coverage page and download needs, assembled from the use cases (no HTTP here)."""

from __future__ import annotations

from .. import taxonomy
from . import exports, mapping, present, queries, service
from .params import GEOGRAPHIES, MEASURES, PERIODS, CoverageParams

#: tables on the page stop here for LSOAs (639 in Birmingham); the CSV always has every area
MAX_TABLE_ROWS = 100

#: the area page's comparison with the median: (measure key, label)
COMPARED = [
    ("gap", "Need-weighted gap score (higher is a bigger gap)"),
    ("per_10k", "Assets per 10,000 residents"),
    ("share_beyond_800", "Residents more than 800 m from the nearest asset"),
    ("share_beyond_mile", "Residents more than 1 mile from the nearest asset"),
    ("access", "Accessibility score (2SFCA)"),
    ("connections", "Connections logged"),
    ("unmet", "'Nothing suitable' signals"),
]


def form_options() -> dict:
    terms = taxonomy.all_terms()
    return {
        "geographies": [(k, v[0].capitalize()) for k, v in GEOGRAPHIES.items()],
        "las": [(a.code, a.name) for a in queries.local_authorities()] + [("all", "All loaded areas")],
        "categories": [("all", "All categories")] + [(t.code, t.name) for t in terms.get("category", [])],
        "audiences": [("all", "Everyone")] + [(t.code, t.name) for t in terms.get("audience", [])],
        "capabilities": [("all", "Any")] + [(t.code, t.name) for t in terms.get("capability", [])],
        "periods": [(d, f"Last {d} days") for d in PERIODS],
        "measures": [(k, v[0]) for k, v in MEASURES.items()],
    }


def _classes(cov) -> present.Classes:
    return present.classify(cov.params.measure, [m.value(cov.params.measure) for m in cov.areas if m.has_residents])


def file_stem(p: CoverageParams) -> str:
    parts = ["coverage", p.geography, p.category or "all-categories", p.la or "all-areas"]
    if p.audience:
        parts.append(p.audience)
    if p.capability:
        parts.append(p.capability)
    if p.verified_only:
        parts.append("verified")
    return "-".join(parts) + f"-{p.today.isoformat()}"


def coverage_page(p: CoverageParams, area_url) -> dict:
    cov = service.coverage(p)
    classes = _classes(cov)
    shapes = queries.area_shapes(p.geography, [m.code for m in cov.areas])
    points = queries.asset_points(p, mapping.MAX_POINTS + 1)
    capped = len(points) > mapping.MAX_POINTS
    m = mapping.choropleth(cov, shapes, classes, area_url, [] if capped else points)
    return {
        "cov": cov,
        "map": m,
        "legend": classes.legend(no_data=any(not a.has_residents for a in cov.areas)),
        "imd_legend": present.imd_legend(),
        "points_capped": capped,
        "points_shown": 0 if capped else len(points),
        "options": form_options(),
        "p": p,
        "args": p.query_args(),
        "area_url": area_url,
        "max_rows": MAX_TABLE_ROWS,
        "fmt": present.fmt,
        "darker": MEASURES[p.measure][2],
    }


def report_page(p: CoverageParams, area_url) -> dict:
    cov = service.coverage(p)
    return {
        "cov": cov,
        "p": p,
        "area_url": area_url,
        "fmt": present.fmt,
        "max_rows": MAX_TABLE_ROWS,
        "described": exports.describe(cov),
    }


def csv_download(p: CoverageParams) -> tuple[str, str]:
    return exports.to_csv(service.coverage(p)), file_stem(p) + ".csv"


def geojson_download(p: CoverageParams) -> tuple[str, str]:
    cov = service.coverage(p)
    shapes = queries.area_shapes(p.geography, [m.code for m in cov.areas])
    return exports.to_geojson(cov, shapes), file_stem(p) + ".geojson"


def map_image(p: CoverageParams, cov=None) -> bytes:
    cov = cov or service.coverage(p)
    shapes = queries.area_shapes(p.geography, [m.code for m in cov.areas])
    return exports.map_png(cov, shapes, _classes(cov))


def area_page(url_kind: str, code: str, p: CoverageParams) -> dict:
    profile = service.area_profile(url_kind, code, p)
    rec = profile.record
    shape = queries.area_shapes(rec.kind, [rec.code]).get(rec.code)
    points = [(a.lat, a.lon, a.name) for a in profile.assets if a.lat is not None and a.visibility != "confidential"]
    compared = []
    if profile.measures is not None:
        for key, label in COMPARED:
            compared.append(
                (label, present.fmt(key, profile.measures.value(key)), present.fmt(key, profile.medians.get(key)))
            )
    return {
        "profile": profile,
        "rec": rec,
        "m": profile.measures,
        "compared": compared,
        "map": mapping.area_map(shape, points) if shape is not None else None,
        "kind_label": GEOGRAPHIES[rec.kind][0],
        "p": p,
        "args": p.query_args(),
        "area_args": p.area_args(),
        "fmt": present.fmt,
        "category_names": {t.code: t.name for t in taxonomy.terms("category")},
        "labels": service.labels_for(p),
    }
