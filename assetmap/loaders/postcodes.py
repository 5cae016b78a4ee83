"""Load postcode centroids from Code-Point Open or the ONS Postcode Directory (ONSPD).

Code-Point Open gives eastings/northings in British National Grid (EPSG:27700): they are
transformed explicitly to EPSG:4326 with pyproj. Accepted layouts:

* Code-Point Open as published (no header: Postcode, Positional_quality_indicator, Eastings,
  Northings, Country_code, NHS_regional_HA_code, NHS_HA_code, Admin_county_code,
  Admin_district_code, Admin_ward_code) or with a header row (postcode, positional_quality,
  easting, northing, …, lad_code, ward_code[, lsoa11_code_pip]);
* ONSPD (pcds or pcd, lat, long, oseast1m, osnrth1m, oslaua, osward, lsoa11 or lsoa21, doterm).

Rows without coordinates (Code-Point quality 90, ONSPD terminated or 99.999999 latitude) are
skipped and counted. Upsert in one transaction through a staging table (COPY).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import Transformer
from sqlalchemy import text

from .. import geo
from ..db import session
from ..errors import ValidationError
from ..postcodes import normalise

CODEPOINT_RAW = [
    "postcode",
    "positional_quality",
    "easting",
    "northing",
    "country_code",
    "nhs_region_code",
    "nhs_ha_code",
    "admin_county_code",
    "lad_code",
    "ward_code",
]


@dataclass
class PostcodeReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def summary(self) -> str:
        skipped = "; ".join(f"{n} {r}" for r, n in self.skipped.items()) or "none"
        return (
            f"postcodes: {self.read} read, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged; skipped: {skipped}"
        )


def _rows(path: Path):
    """Yield dicts with postcode, lon, lat (or easting/northing), lad, ward, lsoa, quality."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        first = next(csv.reader(io.StringIO(sample)), [])
        lowered = [c.strip().lower() for c in first]
        if "pcds" in lowered or "pcd" in lowered:
            fmt = "onspd"
            reader = csv.DictReader(fh)
        elif "postcode" in lowered and ("easting" in lowered or "eastings" in lowered):
            fmt = "codepoint"
            reader = csv.DictReader(fh)
        elif len(first) >= 4 and first[2].strip().isdigit():
            fmt = "codepoint"
            reader = csv.DictReader(fh, fieldnames=CODEPOINT_RAW, restkey="_extra")
        else:
            raise ValidationError(
                f"{path.name} is not a Code-Point Open or ONS Postcode Directory CSV "
                "(no postcode/easting/northing or pcds/lat/long columns)"
            )
        for raw in reader:
            r = {(k or "").strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in raw.items()}
            if fmt == "onspd":
                yield {
                    "postcode": r.get("pcds") or r.get("pcd"),
                    "lat": r.get("lat"),
                    "lon": r.get("long"),
                    "easting": r.get("oseast1m"),
                    "northing": r.get("osnrth1m"),
                    "lad": r.get("oslaua") or r.get("lad"),
                    "ward": r.get("osward"),
                    "lsoa": r.get("lsoa11") or r.get("lsoa21"),
                    "quality": r.get("osgrdind"),
                    "terminated": bool(r.get("doterm")),
                    "source": "onspd",
                }
            else:
                yield {
                    "postcode": r.get("postcode"),
                    "easting": r.get("easting") or r.get("eastings"),
                    "northing": r.get("northing") or r.get("northings"),
                    "lad": r.get("lad_code") or r.get("admin_district_code"),
                    "ward": r.get("ward_code") or r.get("admin_ward_code"),
                    "lsoa": r.get("lsoa11_code_pip") or r.get("lsoa11_code") or r.get("lsoa_code"),
                    "quality": r.get("positional_quality") or r.get("positional_quality_indicator"),
                    "terminated": False,
                    "source": "codepoint",
                }


def load_postcodes(path: str | Path, progress=None) -> PostcodeReport:
    """Upsert postcodes from a CSV (caller commits)."""
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{p} does not exist")
    to_wgs84 = Transformer.from_crs(geo.SRID_BNG, geo.SRID_WGS84, always_xy=True)
    report = PostcodeReport()
    staged = io.StringIO()
    writer = csv.writer(staged)
    seen: set[str] = set()
    try:
        for r in _rows(p):
            report.read += 1
            if progress and report.read % 1000 == 0:
                progress(1000)
            try:
                pc = normalise(r["postcode"])
            except ValidationError:
                report.skip("malformed postcode")
                continue
            if r["terminated"]:
                report.skip("terminated")
                continue
            if pc in seen:
                report.skip("duplicate in file")
                continue
            lon = lat = None
            try:
                if r["source"] == "codepoint" or not r.get("lat"):
                    e, n = float(r["easting"]), float(r["northing"])
                    if e <= 0 or n <= 0:
                        raise ValueError
                    lon, lat = to_wgs84.transform(e, n)
                else:
                    lon, lat = float(r["lon"]), float(r["lat"])
            except (TypeError, ValueError):
                report.skip("no coordinates")
                continue
            if not (geo.GB_LON_MIN <= lon <= geo.GB_LON_MAX and geo.GB_LAT_MIN <= lat <= geo.GB_LAT_MAX):
                report.skip("no coordinates")
                continue
            seen.add(pc)
            quality = r.get("quality")
            writer.writerow(
                [
                    pc,
                    f"{lon:.6f}",
                    f"{lat:.6f}",
                    quality if (quality or "").isdigit() else "",
                    r.get("lad") or "",
                    r.get("ward") or "",
                    r.get("lsoa") or "",
                    r["source"],
                ]
            )
    except UnicodeDecodeError:
        raise ValidationError(f"{p.name} is not UTF-8 text") from None
    except csv.Error as exc:
        raise ValidationError(f"{p.name} is not a well-formed CSV file: {exc}") from None
    if not seen:
        raise ValidationError(f"{p.name} has no usable postcode rows")

    session.execute(
        text(
            "CREATE TEMP TABLE postcode_stage (postcode text, lon float8, lat float8, "
            "quality int, lad text, ward text, lsoa text, source text) ON COMMIT DROP"
        )
    )
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy("COPY postcode_stage FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(staged.getvalue())
    counts = session.execute(geo.UPSERT_POSTCODES_SQL).one()
    report.created, report.updated = counts
    report.unchanged = len(seen) - report.created - report.updated
    # postcodes without an LSOA code get one by point-in-polygon
    session.execute(geo.POSTCODE_LSOAS_SQL)
    return report
