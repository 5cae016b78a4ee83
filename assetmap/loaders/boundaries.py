"""Load boundary files: local authorities, 2024 wards, 2024 constituencies, LSOAs.

Reads GeoJSON, GeoPackage or zipped shapefiles with geopandas (pyogrio). The file must declare
its CRS; it is transformed explicitly to EPSG:4326. Invalid polygons are repaired with GEOS
MakeValid (the algorithm behind ST_MakeValid) when the repair is still polygonal, otherwise the
whole load is rejected with the feature and the reason. One transaction: a failure leaves the
previous boundaries intact. Re-running with the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import text

from .. import geo
from ..db import session
from ..errors import ValidationError
from . import rollup

# (table, code column candidates, name column candidates)
KINDS = {
    "ward": (("WD24CD", "WD23CD", "WD22CD", "WD21CD", "WDCD"), ("WD24NM", "WD23NM", "WD22NM", "WD21NM", "WDNM")),
    "constituency": (("PCON24CD", "PCON25CD", "PCONCD"), ("PCON24NM", "PCON25NM", "PCONNM")),
    "lsoa": (("LSOA11CD", "LSOA21CD", "LSOACD"), ("LSOA11NM", "LSOA21NM", "LSOANM")),
    "local_authority": (("LAD24CD", "LAD23CD", "LAD22CD", "LADCD", "CTYUA24CD"), ("LAD24NM", "LAD23NM", "LADNM")),
}
LAD_FIELDS = ("LAD24CD", "LAD23CD", "LAD22CD", "LAD21CD", "LAD19CD", "LADCD")


@dataclass
class LoadReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rep = f", {len(self.repaired)} repaired ({', '.join(self.repaired[:5])})" if self.repaired else ""
        return f"{self.kind}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged{rep}"


def read_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read a boundary file; raise ValidationError with a clear reason if it cannot be used."""
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{p} does not exist")
    src = f"/vsizip/{p}" if p.suffix.lower() == ".zip" else str(p)
    try:
        gdf = gpd.read_file(src)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise ValidationError(
            f"{p.name} could not be read as GeoJSON, GeoPackage or a zipped shapefile: {str(exc).splitlines()[0][:200]}"
        ) from None
    if gdf.crs is None:
        raise ValidationError(
            f"{p.name} does not declare its coordinate reference system (CRS); "
            "add one (for example EPSG:27700 or EPSG:4326) and try again"
        )
    if len(gdf) == 0:
        raise ValidationError(f"{p.name} has no features")
    return gdf


def detect_kind(gdf: gpd.GeoDataFrame) -> tuple[str, str, str]:
    cols = set(gdf.columns)
    for kind, (codes, names) in KINDS.items():
        code = next((c for c in codes if c in cols), None)
        name = next((n for n in names if n in cols), None)
        if code and name:
            return kind, code, name
    raise ValidationError(
        "The file's columns do not say which areas it holds: expected a code and name "
        "column such as WD24CD/WD24NM, PCON24CD/PCON24NM, LSOA11CD/LSOA11NM or LAD24CD/LAD24NM"
    )


def polygonal(geom, label: str, report: LoadReport):
    """``geom`` as a valid 2D MultiPolygon snapped to 1e-7 degrees (repaired if it can be, noted in ``report``),
    or a ValidationError naming ``label`` and the reason."""
    if geom is None or geom.is_empty:
        raise ValidationError(f"{label}: the geometry is empty")
    if shapely.get_coordinate_dimension(geom) == 3:
        geom = shapely.force_2d(geom)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        if isinstance(fixed, Polygon):
            fixed = MultiPolygon([fixed])
        if not isinstance(fixed, MultiPolygon):
            raise ValidationError(
                f"{label}: invalid polygon ({reason}) and repairing it would turn it into a "
                f"{fixed.geom_type}, so it was rejected"
            )
        report.repaired.append(label)
        geom = fixed
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        raise ValidationError(f"{label}: expected a polygon, found a {geom.geom_type}")
    # 1e-7 degrees is about 1 cm: the same boundary arriving through another CRS compares equal
    snapped = shapely.set_precision(geom, 1e-7)
    if isinstance(snapped, Polygon):
        snapped = MultiPolygon([snapped])
    return snapped if isinstance(snapped, MultiPolygon) and snapped.is_valid and not snapped.is_empty else geom


def load_boundaries(path: str | Path, kind: str | None = None, progress=None) -> LoadReport:
    """Upsert the areas in a boundary file (caller commits)."""
    gdf = read_file(path)
    detected, code_col, name_col = detect_kind(gdf)
    kind = kind or detected
    if kind not in KINDS:
        raise ValidationError(f"Unknown boundary kind {kind!r}")
    gdf = gdf.to_crs(epsg=geo.SRID_WGS84)
    lad_col = next((c for c in LAD_FIELDS if c in gdf.columns), None)
    report = LoadReport(kind)
    rows = []
    for i, feat in enumerate(gdf.itertuples(index=False), start=1):
        code = str(getattr(feat, code_col) or "").strip()
        name = str(getattr(feat, name_col) or "").strip()
        label = f"feature {i} ({code or 'no code'})"
        if not code or not name:
            raise ValidationError(f"{label}: missing code or name")
        geom = polygonal(feat.geometry, label, report)
        rows.append(
            {
                "code": code,
                "name": name,
                "wkb": shapely.to_wkb(geom, hex=True),
                "lad": str(getattr(feat, lad_col)) if lad_col else None,
            }
        )
        if progress:
            progress(1)
    codes = [r["code"] for r in rows]
    if len(set(codes)) != len(codes):
        raise ValidationError("The file lists the same area code more than once")

    existing = dict(session.execute(geo.area_digests_sql(kind), {"codes": codes}).all())
    for r in rows:
        digest = session.execute(geo.INCOMING_AREA_DIGEST_SQL, {"name": r["name"], "wkb": r["wkb"]}).scalar()
        if r["code"] in existing and existing[r["code"]] == digest:
            report.unchanged += 1
            continue
        params = {"code": r["code"], "name": r["name"], "wkb": r["wkb"], "lad": r["lad"]}
        if kind == "ward":
            if not r["lad"]:
                raise ValidationError(f"Ward {r['code']} has no local authority code column ({', '.join(LAD_FIELDS)})")
            _ensure_lad(r["lad"], gdf, lad_col)
        session.execute(geo.upsert_area_sql(kind), params)
        if r["code"] in existing:
            report.updated += 1
        else:
            report.created += 1
    if report.created or report.updated:
        after_boundaries_changed(kind)
    return report


def _ensure_lad(lad_code: str, gdf, lad_col) -> None:
    """A local authority row exists for every ward's LAD; its geometry is the union of its wards."""
    exists = session.execute(text("SELECT 1 FROM local_authority WHERE code = :c"), {"c": lad_code}).scalar()
    if exists:
        return
    name_col = lad_col.replace("CD", "NM") if lad_col else None
    name = lad_code
    if name_col and name_col in gdf.columns:
        match = gdf.loc[gdf[lad_col] == lad_code, name_col]
        if len(match):
            name = str(match.iloc[0])
    # placeholder geometry: the union of the file's wards for this LAD; rebuilt after the load
    union = shapely.union_all(gdf.loc[gdf[lad_col] == lad_code].geometry.values)
    union = (
        union
        if isinstance(union, MultiPolygon)
        else MultiPolygon([union])
        if isinstance(union, Polygon)
        else MultiPolygon([g for g in union.geoms if isinstance(g, Polygon)])
    )
    session.execute(geo.INSERT_LOCAL_AUTHORITY_SQL, {"c": lad_code, "n": name, "wkb": shapely.to_wkb(union, hex=True)})


def after_boundaries_changed(kind: str) -> None:
    """Re-derive everything that depends on boundaries."""
    if kind == "ward":
        session.execute(geo.LOCAL_AUTHORITIES_FROM_WARDS_SQL)
    session.execute(geo.WARD_CONSTITUENCIES_SQL)
    session.execute(geo.LSOA_LOCAL_AUTHORITIES_SQL)
    session.execute(geo.ASSIGN_LSOA_AREAS_SQL)
    session.execute(geo.REASSIGN_LOCATIONS_SQL)
    rollup.rollup_areas()
