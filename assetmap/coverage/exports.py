"""Downloads: the gap table as CSV and GeoJSON (one row or feature per area), and the static map PNG."""

from __future__ import annotations

import csv
import io
import json

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before anything imports pyplot

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..web import ATTRIBUTION  # noqa: E402
from . import mapping, present  # noqa: E402
from .params import MEASURES  # noqa: E402

CSV_FIELDS = [
    "rank",
    "code",
    "name",
    "geography",
    "local_authority_code",
    "residents",
    "residents_65plus",
    "population_base",
    "imd_decile",
    "assets",
    "assets_serving_remotely",
    "assets_per_10k",
    "residents_beyond_800m",
    "pct_beyond_800m",
    "residents_beyond_1_mile",
    "pct_beyond_1_mile",
    "access_2sfca_per_10k",
    "connections",
    "unmet_need_signals",
    "gap_score",
    "reasons",
]


def _num(value, digits: int):
    return "" if value is None else round(value, digits)


def _pct(share):
    return "" if share is None else round(share * 100, 1)


def row_dict(m, cov) -> dict:
    """One area as a flat record (the CSV row and the GeoJSON feature's properties)."""
    return {
        "rank": m.rank or "",
        "code": m.code,
        "name": m.name,
        "geography": cov.params.geography,
        "local_authority_code": m.lad_code or "",
        "residents": m.population_total,
        "residents_65plus": m.population_65plus,
        "population_base": cov.labels["population"],
        "imd_decile": m.imd_decile or "",
        "assets": m.assets,
        "assets_serving_remotely": m.remote_assets,
        "assets_per_10k": _num(m.per_10k, 2),
        "residents_beyond_800m": m.beyond_800 if m.has_residents else "",
        "pct_beyond_800m": _pct(m.share_beyond_800),
        "residents_beyond_1_mile": m.beyond_mile if m.has_residents else "",
        "pct_beyond_1_mile": _pct(m.share_beyond_mile),
        "access_2sfca_per_10k": _num(m.access, 3),
        "connections": m.connections,
        "unmet_need_signals": m.unmet,
        "gap_score": _num(m.gap, 1),
        "reasons": "; ".join(m.reasons),
    }


def table_order(cov) -> list:
    """Ranked areas first, then those with no residents, by name."""
    return cov.ranked + [m for m in cov.areas if m.rank is None]


def _cell(value):
    # a spreadsheet runs a cell starting with = + - @ as a formula: show such text as text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(cov) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so Excel reads the file as UTF-8
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for m in table_order(cov):
        writer.writerow({k: _cell(v) for k, v in row_dict(m, cov).items()})
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
        "date": p.today.isoformat(),
        "attribution": ATTRIBUTION,
    }


def to_geojson(cov, shapes: dict) -> str:
    simple = mapping.display_shapes(shapes, cov.params.geography)
    features = []
    for m in table_order(cov):
        geom = simple.get(m.code)
        features.append(
            {
                "type": "Feature",
                "id": m.code,
                "geometry": mapping.geojson_geometry(geom) if geom is not None else None,
                "properties": {**row_dict(m, cov), "reasons": m.reasons},
            }
        )
    return json.dumps(
        {"type": "FeatureCollection", "metadata": describe(cov), "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def map_png(cov, shapes: dict, classes: present.Classes, top: int = 10) -> bytes:
    """A printable map of the chosen measure (British National Grid), the top gaps numbered."""
    import geopandas as gpd

    codes = [m.code for m in cov.areas if m.code in shapes]
    by_code = {m.code: m for m in cov.areas}
    fig = Figure(figsize=(8, 8.4), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.12, 0.96, 0.8))
    ax.set_axis_off()
    if codes:
        gdf = gpd.GeoDataFrame({"code": codes}, geometry=[shapes[c] for c in codes], crs=4326).to_crs(27700)
        colours = []
        for c in codes:
            m = by_code[c]
            colours.append(classes.colour(m.value(cov.params.measure) if m.has_residents else None))
        gdf.plot(ax=ax, color=colours, edgecolor="#0b0c0c", linewidth=0.15 if len(codes) > 200 else 0.4)
        ranks = {m.code: m.rank for m in cov.ranked[:top]}
        for code, geom in zip(gdf["code"], gdf.geometry):
            if code in ranks:
                pt = geom.representative_point()
                ax.annotate(
                    str(ranks[code]),
                    (pt.x, pt.y),
                    ha="center",
                    va="center",
                    fontsize=7,
                    fontweight="bold",
                    color="#0b0c0c",
                    bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "#0b0c0c", "lw": 0.6},
                )
    fig.text(
        0.02,
        0.968,
        f"{cov.measure_label}: {cov.labels['category']}, {cov.scope_name}",
        fontsize=11,
        fontweight="bold",
        family="sans-serif",
    )
    fig.text(
        0.02,
        0.945,
        f"By {cov.kind}. Numbers mark the {min(top, len(cov.ranked))} biggest gaps "
        f"in the ranked table. Darker means {MEASURES[cov.params.measure][2]}.",
        fontsize=8,
    )
    no_data = any(not m.has_residents for m in cov.areas)
    handles = [Patch(facecolor=i.colour, edgecolor="#0b0c0c", label=i.label) for i in classes.legend(no_data)]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.02, 0.03),
        ncol=3,
        fontsize=7,
        frameon=False,
        title=MEASURES[cov.params.measure][1].capitalize(),
        title_fontsize=8,
    )
    fig.text(0.02, 0.012, ATTRIBUTION, fontsize=5.5, wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
