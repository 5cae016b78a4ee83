"""Custom area sets: the areas commissioners actually plan by (PCN footprints, neighbourhood team patches).

Why: wards and constituencies are electoral; services are planned by other maps. A set is uploaded as a
GeoJSON, GeoPackage or zipped shapefile of named polygons, read and checked by the same code as the
boundary loader (``loaders.boundaries``: a declared CRS, repair with MakeValid or a refusal naming the
feature), and every coverage measure, map, table, report and export then works for it.

Residents are apportioned from LSOAs (the method, in ``geo.APPORTION_LSOAS_SQL``, is in the README): an
LSOA's residents are shared among the areas in proportion to its postcodes that fall in each.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import shapely

from ..db import transaction
from ..errors import NotFound, ValidationError
from ..geo import SRID_WGS84
from ..loaders.boundaries import LoadReport, polygonal, read_file
from . import queries

SUFFIXES = (".geojson", ".json", ".zip", ".gpkg")
MAX_AREAS = 500
NAME_FIELDS = ("name", "NAME", "Name", "area_name", "AREA_NAME", "PCN_NAME", "PCN_Name", "pcn_name", "label")
CODE_FIELDS = ("code", "CODE", "Code", "id", "ID", "area_code", "AREA_CODE", "PCN_CODE", "PCN_Code", "pcn_code")


@dataclass
class Uploaded:
    id: uuid.UUID
    name: str
    areas: int
    lsoas: int
    residents: float
    note: str = ""


def _column(gdf, wanted: str | None, candidates, what: str) -> str | None:
    if wanted:
        if wanted not in gdf.columns:
            raise ValidationError(
                f"The file has no column called {wanted!r}; its columns are "
                f"{', '.join(c for c in gdf.columns if c != 'geometry')}",
                field="name_field",
            )
        return wanted
    found = next((c for c in candidates if c in gdf.columns), None)
    if found or what == "code":
        return found
    text_cols = [c for c in gdf.columns if c != "geometry" and gdf[c].dtype == object]
    if len(text_cols) == 1:
        return text_cols[0]
    raise ValidationError(
        "Say which column holds the areas' names: the file's columns are "
        f"{', '.join(c for c in gdf.columns if c != 'geometry') or 'none'}",
        field="name_field",
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "area"


def read_areas(path: str | Path, name_field: str | None) -> tuple[list[tuple[str, str, str]], LoadReport]:
    """(code, name, hex WKB in EPSG:4326) for each feature, checked; ValidationError naming the feature."""
    gdf = read_file(path)
    if len(gdf) > MAX_AREAS:
        raise ValidationError(f"The file has {len(gdf):,} areas; a set can have at most {MAX_AREAS}.", field="file")
    name_col = _column(gdf, name_field, NAME_FIELDS, "name")
    code_col = _column(gdf, None, CODE_FIELDS, "code")
    gdf = gdf.to_crs(epsg=SRID_WGS84)
    report = LoadReport("area set")
    out, names, codes = [], set(), set()
    for i, feat in enumerate(gdf.itertuples(index=False), start=1):
        name = str(getattr(feat, name_col) or "").strip()
        if not name or name == "None":
            raise ValidationError(f"Feature {i} has no name in the {name_col!r} column.", field="file")
        if len(name) > 200:
            raise ValidationError(f"Feature {i}'s name is longer than 200 characters.", field="file")
        code = str(getattr(feat, code_col) or "").strip()[:60] if code_col else ""
        code = code if code and code != "None" else slug(name)
        if name.casefold() in names or code in codes:
            raise ValidationError(
                f"Feature {i} ({name}) repeats another area's name or code: each area must be named once.", field="file"
            )
        names.add(name.casefold())
        codes.add(code)
        geom = polygonal(feat.geometry, f"Feature {i} ({name})", report)
        out.append((code, name, shapely.to_wkb(geom, hex=True)))
    return out, report


def upload(path: str | Path, name: str, name_field: str | None, user_id) -> Uploaded:
    """Store a new area set from a file (one transaction: all areas or none)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Enter a name for the set of areas, e.g. 'Primary Care Networks 2025'.", field="name")
    if len(name) > 120:
        raise ValidationError("The set's name must be 120 characters or fewer.", field="name")
    if queries.area_set_named(name):
        raise ValidationError(
            f"There is already a set called {name!r}: choose another name, or remove that one first.", field="name"
        )
    areas, report = read_areas(path, name_field)
    set_id = uuid.uuid4()
    with transaction():
        queries.add_area_set(set_id, name, areas, user_id)
        pieces = queries.apportioned(set_id)
        if not pieces:
            raise ValidationError(
                "None of these areas covers any neighbourhood (LSOA) loaded here, so they would "
                "have no residents. Check the file is for a loaded council.",
                field="file",
            )
    lsoas = {lsoa for _a, lsoa, _s in pieces}
    residents = sum(r.population_total for r in _population(set_id))
    note = f"{len(report.repaired)} repaired: {', '.join(report.repaired[:3])}" if report.repaired else ""
    return Uploaded(set_id, name, len(areas), len(lsoas), residents, note)


def _population(set_id):
    from .params import CoverageParams
    from .usecases import coverage

    return coverage(CoverageParams(geography="custom", area_set=set_id)).areas


def upload_file(storage, name: str, name_field: str | None, user_id) -> Uploaded:
    """An uploaded file (werkzeug FileStorage) saved to a temporary file with its own suffix, then ``upload``."""
    filename = (getattr(storage, "filename", "") or "").strip()
    if not filename:
        raise ValidationError("Choose a GeoJSON file, a GeoPackage or a zipped shapefile to upload.", field="file")
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(
            "The file must be GeoJSON (.geojson or .json), a GeoPackage (.gpkg) or a zipped shapefile (.zip).",
            field="file",
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"areas{suffix}"
        storage.save(str(path))
        return upload(path, name, name_field, user_id)


def remove(raw_id) -> str:
    """Remove a set and its snapshots; returns its name."""
    found = queries.area_set(raw_id)
    if found is None:
        raise NotFound("There is no such set of areas. It may have been removed already.")
    with transaction():
        queries.delete_area_set(found.id)
    return found.name
