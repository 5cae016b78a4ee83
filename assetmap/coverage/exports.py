"""Downloads: the gap table as CSV and GeoJSON (one row or feature per area), impact as CSV, and the map PNG.

The PNG is drawn for paper: the report prints it full width, so the legend is set at 9 pt and more
at that size, and need is hatched over the gap colours as on the page.
"""

from __future__ import annotations

import csv
import io
import json

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before anything imports pyplot

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..geo import SRID_BNG, SRID_WGS84  # noqa: E402
from ..web import ATTRIBUTION  # noqa: E402
from . import impact, mapping, present  # noqa: E402
from .measures import MIN_SIGNALS  # noqa: E402
from .params import MEASURES  # noqa: E402

CSV_FIELDS = [
    "rank",
    "ranked_by",
    "tied",
    "code",
    "name",
    "geography",
    "local_authority_code",
    "residents",
    "residents_65plus",
    "population_base",
    "imd_decile",
    "imd_mean_rank",
    "need",
    "assets",
    "assets_serving_remotely",
    "assets_per_10k",
    "assets_per_100k",
    "residents_beyond_800m",
    "pct_beyond_800m",
    "residents_beyond_1_mile",
    "pct_beyond_1_mile",
    "access_2sfca_per_10k",
    "connections",
    "connections_per_100k",
    "unmet_need_signals",
    "unmet_per_100k",
    "unmet_smoothed_per_100k",
    "unmet_own_weight",
    "gap_score",
    "gap_rank",
    "followed_up_pct",
    "attended_pct",
    "helped_pct",
    "impact_suppressed",
    "reasons",
]
#: the OGC API publishes only these; connections, signals and follow-ups are not public
IMPACT_FIELDS = (
    "connections",
    "connections_per_100k",
    "unmet_need_signals",
    "unmet_per_100k",
    "unmet_smoothed_per_100k",
    "unmet_own_weight",
    "followed_up_pct",
    "attended_pct",
    "helped_pct",
    "impact_suppressed",
)


def _num(value, digits: int):
    return "" if value is None else round(value, digits)


def _pct(share):
    return "" if share is None else round(share * 100, 1)


def _people(n):
    return round(n) if n is not None else ""


def row_dict(m, cov, outcome=None) -> dict:
    """One area as a flat record (the CSV row and the GeoJSON feature's properties).

    Connections and follow-up shares resting on fewer than 5 connections are suppressed (see impact.py)."""
    o = outcome or impact.ImpactRow(m.code, m.name, m.connections, 0, 0, 0)
    shown = o.connections_shown
    return {
        "rank": m.rank or "",
        "ranked_by": cov.params.measure,
        "tied": "yes" if m.tied else "",
        "code": m.code,
        "name": m.name,
        "geography": cov.params.geography,
        "local_authority_code": m.lad_code or "",
        "residents": _people(m.population_total),
        "residents_65plus": _people(m.population_65plus),
        "population_base": cov.labels["population"],
        "imd_decile": m.imd_decile or "",
        "imd_mean_rank": _num(m.imd_rank, 0),
        "need": _num(m.need, 4),
        "assets": m.assets,
        "assets_serving_remotely": m.remote_assets,
        "assets_per_10k": _num(m.per_10k, 2),
        "assets_per_100k": _num(None if m.per_10k is None else m.per_10k * 10, 1),
        "residents_beyond_800m": _people(m.beyond_800) if m.has_residents else "",
        "pct_beyond_800m": _pct(m.share_beyond_800),
        "residents_beyond_1_mile": _people(m.beyond_mile) if m.has_residents else "",
        "pct_beyond_1_mile": _pct(m.share_beyond_mile),
        "access_2sfca_per_10k": _num(m.access, 3),
        "connections": impact.SUPPRESSED if shown is None else m.connections,
        "connections_per_100k": "" if shown is None else _num(m.connections_rate, 1),
        "unmet_need_signals": m.unmet,
        "unmet_per_100k": _num(m.unmet_rate, 1),
        "unmet_smoothed_per_100k": _num(m.unmet_smoothed, 1),
        "unmet_own_weight": _num(m.unmet_weight, 3),
        "gap_score": _num(m.gap, 1),
        "gap_rank": m.gap_rank or "",
        "followed_up_pct": _pct(o.followed_up_share),
        "attended_pct": _pct(o.attended_share),
        "helped_pct": _pct(o.helped_share),
        "impact_suppressed": "yes" if o.suppressed else "",
        "reasons": "; ".join(m.reasons),
    }


def table_order(cov) -> list:
    """Ranked areas first, then those with no residents, by name."""
    return cov.ranked + [m for m in cov.areas if m.rank is None]


def impact_csv(rows, group: str) -> str:
    """Connections and follow-up shares, one row per area, category, listing or month, small numbers suppressed."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([group, "connections", "followed_up_pct", "attended_pct", "helped_pct", "suppressed"])
    for r in rows:
        writer.writerow(
            [
                _cell(r.label),
                impact.SUPPRESSED if r.connections_shown is None else r.connections,
                _pct(r.followed_up_share),
                _pct(r.attended_share),
                _pct(r.helped_share),
                f"yes: figures resting on fewer than {impact.MIN_CONNECTIONS} connections are held back"
                if r.suppressed
                else "",
            ]
        )
    return out.getvalue()


def _cell(value):
    # a spreadsheet runs a cell starting with = + - @ as a formula: show such text as text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(cov, outcomes: dict | None = None) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so Excel reads the file as UTF-8
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for m in table_order(cov):
        writer.writerow({k: _cell(v) for k, v in row_dict(m, cov, (outcomes or {}).get(m.code)).items()})
    return out.getvalue()


def describe(cov) -> dict:
    p = cov.params
    return {
        "geography": p.geography,
        "local_authority": cov.scope_name,
        "category": cov.labels["category"],
        "audience": cov.labels["audience"],
        "what_matters": cov.labels["capability"],
        "verified_in_last_12_months_only": p.verified_only,
        "demand_period_days": p.days,
        "ranked_by": p.measure,
        "rates_per": cov.per,
        "tie_break": "equal values: bigger gap score first, then more residents, then name",
        "unmet_prior_per_100k": None if cov.summary.prior_rate is None else round(cov.summary.prior_rate, 3),
        "unmet_minimum_signals": MIN_SIGNALS,
        "signals_counted": cov.summary.signals,
        "signals_naming_no_term": cov.uncounted_signals,
        "impact_suppressed_below_connections": impact.MIN_CONNECTIONS,
        "date": p.today.isoformat(),
        "attribution": ATTRIBUTION,
    }


def to_geojson(cov, shapes: dict, outcomes: dict | None = None) -> str:
    simple = mapping.display_shapes(shapes, cov.params.geography)
    features = []
    for m in table_order(cov):
        geom = simple.get(m.code)
        features.append(
            {
                "type": "Feature",
                "id": m.code,
                "geometry": mapping.geojson_geometry(geom) if geom is not None else None,
                "properties": {**row_dict(m, cov, (outcomes or {}).get(m.code)), "reasons": m.reasons},
            }
        )
    return json.dumps(
        {"type": "FeatureCollection", "metadata": describe(cov), "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )


#: the printed report's map fills the width of A4 inside 15 mm margins: 180 mm portrait, 267 mm landscape.
#: Drawn at that size, 1 pt here is 1 pt on paper; (width in inches, height / width) for each
PRINT_SHAPES = {"portrait": (7.1, 0.78), "landscape": (10.5, 0.56)}
PRINT_WIDTH_IN = 7.1
LEGEND_PT, TITLE_PT, NOTE_PT = 10, 12, 9
HATCH = {"dense": "////", "sparse": "//"}


def map_png(
    cov, shapes: dict, classes: present.Classes, top: int = 10, with_legend: bool = True, shape: str | None = None
) -> bytes:
    """A printable map of the chosen measure (British National Grid), need hatched over it, the top ranks numbered.

    ``with_legend=False`` draws the map alone (the printed report sets its legend as text under it);
    ``shape`` ("portrait" or "landscape") draws it to fill that page's width, the areas centred."""
    import geopandas as gpd

    codes = [m.code for m in cov.areas if m.code in shapes]
    by_code = {m.code: m for m in cov.areas}
    gdf = (
        gpd.GeoDataFrame({"code": codes}, geometry=[shapes[c] for c in codes], crs=SRID_WGS84).to_crs(SRID_BNG)
        if codes
        else None
    )
    aspect = 1.0
    if gdf is not None and len(gdf):
        minx, miny, maxx, maxy = gdf.total_bounds
        aspect = (maxy - miny) / max(1.0, maxx - minx)
    width = PRINT_WIDTH_IN
    if shape in PRINT_SHAPES:
        width, target = PRINT_SHAPES[shape]
        map_h = width * target
    else:
        map_h = min(8.0, max(3.5, PRINT_WIDTH_IN * aspect))
    extra = 2.3 if with_legend else 0.0
    fig = Figure(figsize=(width, map_h + extra), dpi=200)
    FigureCanvasAgg(fig)
    bottom = extra / (map_h + extra)
    ax = fig.add_axes((0.01, bottom, 0.98, (map_h - (0.5 if with_legend else 0.05)) / (map_h + extra)))
    ax.set_axis_off()
    if gdf is not None and len(gdf):
        colours = [
            classes.colour(by_code[c].value(cov.params.measure) if by_code[c].has_residents else None) for c in codes
        ]
        gdf.plot(ax=ax, color=colours, edgecolor="#0b0c0c", linewidth=0.15 if len(codes) > 200 else 0.4)
        for pattern, hatch in HATCH.items():
            sub = gdf[[present.hatch(by_code[c].imd_decile) == pattern for c in gdf["code"]]]
            if len(sub):
                sub.plot(ax=ax, facecolor="none", edgecolor="#0b0c0c", linewidth=0, hatch=hatch)
        ranks = {m.code: m.rank for m in cov.ranked[:top]}
        for code, geom in zip(gdf["code"], gdf.geometry):
            if code in ranks:
                pt = geom.representative_point()
                ax.annotate(
                    str(ranks[code]),
                    (pt.x, pt.y),
                    ha="center",
                    va="center",
                    fontsize=8,
                    fontweight="bold",
                    color="#0b0c0c",
                    bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "#0b0c0c", "lw": 0.6},
                )
        if shape in PRINT_SHAPES:
            _fill_width(ax, gdf.total_bounds, PRINT_SHAPES[shape][1])
    if with_legend:
        h = map_h + extra
        fig.text(
            0.01,
            1 - 0.25 / h,
            f"{cov.measure_label}: {cov.labels['category']}, {cov.scope_name}",
            fontsize=TITLE_PT,
            fontweight="bold",
            family="sans-serif",
            va="top",
        )
        no_data = any(not m.has_residents for m in cov.areas)
        handles = [Patch(facecolor=i.colour, edgecolor="#0b0c0c", label=i.label) for i in classes.legend(no_data)]
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.01, bottom - 0.02),
            ncol=3,
            fontsize=LEGEND_PT,
            frameon=False,
            title=MEASURES[cov.params.measure][1].format(per=f"{cov.per:,}").capitalize()
            + f" (darker means {MEASURES[cov.params.measure][2]})",
            title_fontsize=LEGEND_PT,
            alignment="left",
        )
        hatches = [
            Patch(facecolor="white", edgecolor="#0b0c0c", hatch=HATCH[i.pattern], label=i.label)
            for i in present.hatch_legend()
            if i.pattern
        ]
        fig.legend(
            handles=hatches,
            loc="upper left",
            bbox_to_anchor=(0.01, bottom * 0.45),
            ncol=2,
            fontsize=LEGEND_PT,
            frameon=False,
            title="Need (hatched)",
            title_fontsize=LEGEND_PT,
            alignment="left",
        )
        fig.text(
            0.01,
            0.01,
            f"Numbers mark the {min(top, len(cov.ranked))} areas ranked first. {ATTRIBUTION}",
            fontsize=NOTE_PT - 2,
            wrap=True,
        )
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _fill_width(ax, bounds, target: float) -> None:
    """Pad the map's extent so it has the page's shape (height / width = ``target``), areas centred."""
    minx, miny, maxx, maxy = bounds
    w, h = (maxx - minx) * 1.02, (maxy - miny) * 1.02
    if h / w > target:
        w = h / target
    else:
        h = w * target
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal", adjustable="datalim")
